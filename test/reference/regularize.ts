// CPU reference for L1/L2 kernel regularization, in float64: the penalty of one or several kernels and
// its gradient (Keras: l1·Σ|w| + l2·Σw², gradient l1·sign(w) + 2·l2·w with sign(0) = 0).

export interface RegularizedSlice {
  offset: number;
  n: number;
  l1: number;
  l2: number;
}

/** Σ over the kernels of l1·|w| + l2·w² over their slices of the flat weights. */
export function regularizePenalty(params: ArrayLike<number>, kernels: readonly RegularizedSlice[]): number {
  let s = 0;
  for (const k of kernels) {
    for (let i = k.offset; i < k.offset + k.n; i++) s += k.l1 * Math.abs(params[i]) + k.l2 * params[i] * params[i];
  }
  return s;
}

/** `grads` with each kernel's penalty gradient added (other elements unchanged). */
export function regularizeGradient(params: ArrayLike<number>, grads: ArrayLike<number>, kernels: readonly RegularizedSlice[]): Float64Array {
  const out = Float64Array.from(grads);
  for (const k of kernels) {
    for (let i = k.offset; i < k.offset + k.n; i++) out[i] += k.l1 * Math.sign(params[i]) + 2 * k.l2 * params[i];
  }
  return out;
}
