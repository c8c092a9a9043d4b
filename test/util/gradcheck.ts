// Central finite differences in float64, for checking the CPU references' backward passes.
import { assertClose } from './assert';

/**
 * Checks `grad` = d(sum(weights ⊙ f(x)))/dx at every element of x by central differences.
 * `f` maps x to an output array; `weights` (the upstream gradient) makes the scalar loss.
 */
export function checkGradient(
  what: string,
  x: Float64Array,
  f: (x: Float64Array) => ArrayLike<number>,
  weights: ArrayLike<number>,
  grad: ArrayLike<number>,
  { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = {},
): void {
  const numeric = new Float64Array(x.length);
  const loss = () => {
    const y = f(x);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * weights[i];
    return s;
  };
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + eps;
    const plus = loss();
    x[i] = keep - eps;
    const minus = loss();
    x[i] = keep;
    numeric[i] = (plus - minus) / (2 * eps);
  }
  assertClose(grad, numeric, { atol, rtol }, `${what}: analytic vs finite-difference gradient`);
}

export function toF64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}
