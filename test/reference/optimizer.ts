// CPU reference for the optimizers in float64, written from the Keras 3 formulas (keras/src/optimizers,
// not from the shader): decoupled weight decay p -= lr·wd·p first, then the algorithm's update.
import type { OptimizerConfig } from '../../src/engine/ops/optimizer';

export interface RefOptimizerState {
  velocity: Float64Array;
  m: Float64Array;
  v: Float64Array;
  /** Adamax's infinity norm. */
  u: Float64Array;
  /** Adagrad's sum of squares. */
  accumulator: Float64Array;
  /** Nadam's running product of its momentum schedule, μ_1·…·μ_t (a scalar, as Keras's _u_product). */
  uProduct: number;
}

/** Fresh state; `c` gives Adagrad's starting accumulator (0 without it). */
export function refOptimizerState(n: number, c?: Pick<Required<OptimizerConfig>, 'initialAccumulatorValue'>): RefOptimizerState {
  return {
    velocity: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n), u: new Float64Array(n),
    accumulator: new Float64Array(n).fill(c?.initialAccumulatorValue ?? 0), uProduct: 1,
  };
}

/** One step t (1-based, steps taken in order) in place on p and s, with the learning rate in c. */
export function refOptimizerStep(c: Required<OptimizerConfig>, t: number, p: Float64Array, g: ArrayLike<number>, s: RefOptimizerState): void {
  const lr = c.learningRate;
  // Nadam's schedule, as keras/src/optimizers/nadam.py: the product first takes this step's μ_t.
  const mu = c.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  const muNext = c.beta1 * (1 - 0.5 * Math.pow(0.96, t + 1));
  if (c.name === 'nadam') s.uProduct *= mu;
  for (let i = 0; i < p.length; i++) {
    p[i] -= lr * c.weightDecay * p[i];
    switch (c.name) {
      case 'sgd':
        p[i] -= lr * g[i];
        break;
      case 'momentum':
        s.velocity[i] = c.momentum * s.velocity[i] - lr * g[i];
        p[i] += s.velocity[i];
        break;
      case 'nesterov':
        s.velocity[i] = c.momentum * s.velocity[i] - lr * g[i];
        p[i] += c.momentum * s.velocity[i] - lr * g[i];
        break;
      case 'adam':
      case 'adamw': {
        s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * g[i];
        s.v[i] = c.beta2 * s.v[i] + (1 - c.beta2) * g[i] * g[i];
        const mHat = s.m[i] / (1 - Math.pow(c.beta1, t));
        const vHat = s.v[i] / (1 - Math.pow(c.beta2, t));
        p[i] -= (lr * mHat) / (Math.sqrt(vHat) + c.epsilon);
        break;
      }
      case 'rmsprop':
        s.velocity[i] = c.rho * s.velocity[i] + (1 - c.rho) * g[i] * g[i];
        p[i] -= (lr * g[i]) / Math.sqrt(s.velocity[i] + c.epsilon);
        break;
      case 'adagrad':
        s.accumulator[i] += g[i] * g[i];
        p[i] -= (lr * g[i]) / Math.sqrt(s.accumulator[i] + c.epsilon);
        break;
      case 'adamax':
        s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * g[i];
        s.u[i] = Math.max(c.beta2 * s.u[i], Math.abs(g[i]));
        p[i] -= (lr * s.m[i]) / ((1 - Math.pow(c.beta1, t)) * (s.u[i] + c.epsilon));
        break;
      case 'nadam': {
        s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * g[i];
        s.v[i] = c.beta2 * s.v[i] + (1 - c.beta2) * g[i] * g[i];
        const mHat = (muNext * s.m[i]) / (1 - s.uProduct * muNext) + ((1 - mu) * g[i]) / (1 - s.uProduct);
        const vHat = s.v[i] / (1 - Math.pow(c.beta2, t));
        p[i] -= (lr * mHat) / (Math.sqrt(vHat) + c.epsilon);
        break;
      }
    }
  }
}

/** The loss-gradient an L2 penalty (wd/2)·|p|² adds: the coupled alternative AdamW is not. */
export function withL2(g: ArrayLike<number>, p: ArrayLike<number>, wd: number): Float64Array {
  return Float64Array.from(g, (gi, i) => gi + wd * p[i]);
}
