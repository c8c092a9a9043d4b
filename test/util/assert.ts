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
