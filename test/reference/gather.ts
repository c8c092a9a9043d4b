// CPU reference for the batch gather, in float64. The gather has no backward: its inputs are data, not
// parameters, so no gradient flows through it.

export interface GatherReference {
  /** (B, S) normalised pixels, 0 for padding rows. */
  x: Float64Array;
  /** (B) labels, 0xFFFFFFFF for padding rows. */
  y: Uint32Array;
}

/** Row r is sample order[start + r] while start + r < count (= order.length by default), else padding. */
export function gatherReference(
  images: Uint8Array, labels: Uint8Array, order: ArrayLike<number>,
  a: { start: number; batch: number; imageSize: number; mean?: number; std?: number; count?: number },
): GatherReference {
  const { start, batch, imageSize: S, mean = 0, std = 1, count = order.length } = a;
  const x = new Float64Array(batch * S);
  const y = new Uint32Array(batch).fill(0xffffffff);
  for (let r = 0; r < batch && start + r < count; r++) {
    const s = order[start + r];
    for (let i = 0; i < S; i++) x[r * S + i] = (images[s * S + i] / 255 - mean) / std;
    y[r] = labels[s];
  }
  return { x, y };
}
