// CPU reference for weight init, from the Keras formulas and the counter-based generator.
import { randUniform } from '../../src/engine/random';
import type { InitName } from '../../src/engine/ops/init';

export function refLimit(kind: InitName, fanIn: number, fanOut: number): number {
  if (kind === 'zeros' || kind === 'ones') return 0;
  return Math.sqrt(6 / (kind === 'he_uniform' ? fanIn : fanIn + fanOut));
}

/** w[i] = (2·u(seed, stream, i) - 1)·limit in float64. */
export function refInit(kind: InitName, n: number, fanIn: number, fanOut: number, seed: number, stream: number): Float64Array {
  const limit = refLimit(kind, fanIn, fanOut);
  if (kind === 'zeros' || kind === 'ones') return new Float64Array(n).fill(kind === 'ones' ? 1 : 0);
  return Float64Array.from({ length: n }, (_, i) => (2 * randUniform(seed, stream, i) - 1) * limit);
}

/** The same in f32 arithmetic: the limit rounded to f32, then one rounded multiply (2u - 1 is exact). */
export function refInitF32(kind: InitName, n: number, fanIn: number, fanOut: number, seed: number, stream: number): Float32Array {
  const limit = Math.fround(refLimit(kind, fanIn, fanOut));
  if (kind === 'zeros' || kind === 'ones') return new Float32Array(n).fill(kind === 'ones' ? 1 : 0);
  return Float32Array.from({ length: n }, (_, i) => Math.fround((2 * randUniform(seed, stream, i) - 1) * limit));
}
