// The counter-based generator of src/shaders/random.wgsl written from its definition in BigInt arithmetic
// (mod 2^32 by masking, not Math.imul and >>> as src/engine/random.ts): an independent reference for both.
// lowbias32 is Chris Wellons' 32-bit hash (hash-prospector): x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15;
// x *= 0x846ca68b; x ^= x >> 16.
const M = (1n << 32n) - 1n;

export function lowbias32Ref(x: number): number {
  let h = BigInt(x) & M;
  h ^= h >> 16n;
  h = (h * 0x7feb352dn) & M;
  h ^= h >> 15n;
  h = (h * 0x846ca68bn) & M;
  h ^= h >> 16n;
  return Number(h);
}

/** rand_u32(seed, stream, index): key = H(H(seed ^ φ) ^ H(stream + c1)), then H(H(key ^ index) + c2), sums mod 2^32. */
export function randU32Ref(seed: number, stream: number, index: number): number {
  const H = (v: bigint) => BigInt(lowbias32Ref(Number(v & M)));
  const key = H(H(BigInt(seed) ^ 0x9e3779b9n) ^ H(BigInt(stream) + 0x632be5abn));
  return Number(H(H(key ^ BigInt(index)) + 0x85ebca6bn));
}

/** rand_uniform: the top 24 bits over 2^24, in [0, 1). */
export const randUniformRef = (seed: number, stream: number, index: number): number => Number(BigInt(randU32Ref(seed, stream, index)) >> 8n) / 2 ** 24;
