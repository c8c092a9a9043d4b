// CPU reference for the optimizers in float64, written from the Keras formulas (not from the shader):
// decoupled weight decay p -= lr·wd·p first, then the algorithm's update.
import type { OptimizerConfig } from '../../src/engine/ops/optimizer';

export interface RefOptimizerState {
  velocity: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

export function refOptimizerState(n: number): RefOptimizerState {
  return { velocity: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
}

/** One step t (1-based) in place on p and s, with the learning rate in c. */
export function refOptimizerStep(c: Required<OptimizerConfig>, t: number, p: Float64Array, g: ArrayLike<number>, s: RefOptimizerState): void {
  const lr = c.learningRate;
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
    }
  }
}

/** The loss-gradient an L2 penalty (wd/2)·|p|² adds: the coupled alternative AdamW is not. */
export function withL2(g: ArrayLike<number>, p: ArrayLike<number>, wd: number): Float64Array {
  return Float64Array.from(g, (gi, i) => gi + wd * p[i]);
}
