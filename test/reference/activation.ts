// CPU reference for the activation functions, in float64, written from the textbook formulas
// (gelu as ½x(1 + tanh u), sigmoid as 1/(1 + e⁻ˣ)), not the shader's rearrangements.
import type { ActivationName } from '../../src/engine/ops/activation';

export interface ActShape { rows: number; cols: number; alpha: number }

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function forward1(kind: ActivationName, v: number, alpha: number): number {
  switch (kind) {
    case 'linear': return v;
    case 'relu': return Math.max(v, 0);
    case 'leaky_relu': return v > 0 ? v : alpha * v;
    case 'elu': return v > 0 ? v : alpha * Math.expm1(v);
    case 'sigmoid': return sigmoid(v);
    case 'tanh': return Math.tanh(v);
    case 'gelu': return 0.5 * v * (1 + Math.tanh(GELU_K * (v + GELU_C * v ** 3)));
    case 'softmax': throw new Error('softmax is not elementwise');
  }
}

function derivative1(kind: ActivationName, v: number, alpha: number): number {
  switch (kind) {
    case 'linear': return 1;
    case 'relu': return v > 0 ? 1 : 0;
    case 'leaky_relu': return v > 0 ? 1 : alpha;
    case 'elu': return v > 0 ? 1 : alpha * Math.exp(v);
    case 'sigmoid': return sigmoid(v) * (1 - sigmoid(v));
    case 'tanh': return 1 - Math.tanh(v) ** 2;
    case 'gelu': {
      const t = Math.tanh(GELU_K * (v + GELU_C * v ** 3));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * v * v);
    }
    case 'softmax': throw new Error('softmax is not elementwise');
  }
}

export function activationForward(kind: ActivationName, x: ArrayLike<number>, s: ActShape): Float64Array {
  if (kind !== 'softmax') return Float64Array.from(x, (v) => forward1(kind, v, s.alpha));
  const y = new Float64Array(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    const o = r * s.cols;
    let m = -Infinity;
    for (let j = 0; j < s.cols; j++) m = Math.max(m, x[o + j]);
    let sum = 0;
    for (let j = 0; j < s.cols; j++) sum += Math.exp(x[o + j] - m);
    for (let j = 0; j < s.cols; j++) y[o + j] = Math.exp(x[o + j] - m) / sum;
  }
  return y;
}

/** dL/dx given the forward input x, output y and dL/dy. */
export function activationBackward(kind: ActivationName, x: ArrayLike<number>, y: ArrayLike<number>, dy: ArrayLike<number>, s: ActShape): Float64Array {
  if (kind !== 'softmax') return Float64Array.from(x, (v, i) => dy[i] * derivative1(kind, v, s.alpha));
  const dx = new Float64Array(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    const o = r * s.cols;
    let dot = 0;
    for (let j = 0; j < s.cols; j++) dot += dy[o + j] * y[o + j];
    for (let j = 0; j < s.cols; j++) dx[o + j] = y[o + j] * (dy[o + j] - dot);
  }
  return dx;
}
