// The counter-based generator, bit-identical to src/shaders/random.wgsl (change both together).
// Used for weight init, shuffling, dropout and augmentation, so a seed reproduces a whole run and tests
// can rebuild a GPU dropout mask or an augmented batch on the CPU.

export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function randU32(seed: number, stream: number, index: number): number {
  return randU32Keyed(randKey(seed, stream), index);
}

/** rand_key of random.wgsl: the part of randU32 that depends only on (seed, stream). */
export function randKey(seed: number, stream: number): number {
  const key = mix32((seed ^ 0x9e3779b9) >>> 0);
  return mix32((key ^ mix32((stream + 0x632be5ab) >>> 0)) >>> 0);
}

/** rand_u32_keyed of random.wgsl: randU32(seed, stream, index) = randU32Keyed(randKey(seed, stream), index). */
export function randU32Keyed(key: number, index: number): number {
  return mix32((mix32((key ^ index) >>> 0) + 0x85ebca6b) >>> 0);
}

/** Uniform in [0, 1), 24 bits, identical to rand_uniform in WGSL. */
export function randUniform(seed: number, stream: number, index: number): number {
  return (randU32(seed, stream, index) >>> 8) / 16777216;
}

/** A derived seed for one purpose (e.g. 'dropout', layer 3), so streams of different users never collide. */
export function deriveSeed(seed: number, purpose: string, index = 0): number {
  let h = mix32(seed >>> 0);
  for (let i = 0; i < purpose.length; i++) h = mix32((h ^ purpose.charCodeAt(i)) >>> 0);
  return mix32((h + index) >>> 0);
}

/** Seeded Fisher–Yates shuffle of 0..n-1 (the epoch is the stream). */
export function shuffledIndices(n: number, seed: number, epoch: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randU32(seed, epoch, i) % (i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** Sequential convenience stream for tests and CPU-side use: next() = randUniform(seed, stream, k++). */
export class Rng {
  private k = 0;
  constructor(private readonly seed: number, private readonly stream = 0) {}
  uniform(): number {
    return randUniform(this.seed, this.stream, this.k++);
  }
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (randU32(this.seed, this.stream, this.k++) % (hi - lo + 1));
  }
  /** `n` values uniform in [lo, hi) as a Float32Array. */
  floats(n: number, lo = -1, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.range(lo, hi);
    return out;
  }
}
