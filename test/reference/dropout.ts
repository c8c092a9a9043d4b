// CPU reference for inverted dropout: the same counter-based mask as the shader, in float64.
import { randUniform } from '../../src/engine/random';

export function dropoutMask(n: number, seed: number, step: number, rate: number): Float64Array {
  const mask = new Float64Array(n);
  for (let i = 0; i < n; i++) mask[i] = randUniform(seed, step, i) < rate ? 0 : 1 / (1 - rate);
  return mask;
}

export function dropoutForward(x: ArrayLike<number>, mask: Float64Array): Float64Array {
  return Float64Array.from(x, (v, i) => v * mask[i]);
}

/** dL/dx = dL/dy ⊙ mask: the same map as forward. */
export function dropoutBackward(dy: ArrayLike<number>, mask: Float64Array): Float64Array {
  return dropoutForward(dy, mask);
}
