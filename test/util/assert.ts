// Assertions with useful failure messages: max abs/rel differences and the first mismatching index.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new AssertionError(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * |actual - expected| <= atol + rtol * |expected| elementwise; NaN never matches.
 * A failure reports the max absolute and relative difference and the first mismatching index.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  if (actual.length !== expected.length) throw new AssertionError(`${what}: length ${actual.length}, expected ${expected.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let first = -1;
  let bad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const diff = Math.abs(a - e);
    const ok = diff <= tol.atol + tol.rtol * Math.abs(e);
    if (!(diff <= maxAbs)) maxAbs = Number.isNaN(diff) ? Number.NaN : Math.max(maxAbs, diff);
    if (e !== 0 && diff / Math.abs(e) > maxRel) maxRel = diff / Math.abs(e);
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new AssertionError(
      `${what}: ${bad}/${actual.length} elements differ (atol ${tol.atol}, rtol ${tol.rtol}); ` +
        `max abs diff ${maxAbs.toExponential(3)}, max rel diff ${maxRel.toExponential(3)}; ` +
        `first at index ${first}: got ${actual[first]}, expected ${expected[first]}`,
    );
  }
}

export function assertBitEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  if (actual.length !== expected.length) throw new AssertionError(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new AssertionError(`${what}: first difference at index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

export async function assertRejects(fn: () => Promise<unknown> | unknown, pattern: RegExp, what: string): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (!pattern.test(msg)) throw new AssertionError(`${what}: error "${msg}" does not match ${pattern}`);
    return e as Error;
  }
  throw new AssertionError(`${what}: expected an error matching ${pattern}, none was thrown`);
}

export const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);

/**
 * Tolerance: any f32 evaluation of a sum of n products (any order or split, with or without fma) is
 * within γ_n = n·u/(1 − n·u) of Σ|products| (Higham, Accuracy and Stability of Numerical Algorithms,
 * §3.1; u = 2⁻²⁴). Dividing each element by its own Σ|products| (the reference run on |inputs|) turns
 * that bound into one absolute tolerance; a wrong tap, channel or padding offset is far above it.
 */
export function assertDot(got: Float32Array, exact: Float64Array, absSum: Float64Array, n: number, what: string): void {
  const u = 2 ** -24;
  const scale = (i: number) => (absSum[i] > 0 ? absSum[i] : 1);
  assertClose(Float64Array.from(got, (v, i) => v / scale(i)), Float64Array.from(exact, (v, i) => v / scale(i)),
    { atol: (n * u) / (1 - n * u), rtol: 0 }, what);
}
