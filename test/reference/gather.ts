// CPU reference for the batch gather, in float64. The gather has no backward: its inputs are data, not
// parameters, so no gradient flows through it.
import type { AugmentArgs } from '../../src/engine/ops/gather';
import { randUniform } from '../../src/engine/random';

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

/** The augmentation's ranges: the op's own arguments (a type only; the computation here is independent). */
export type AugmentReference = AugmentArgs;

/** Row r's transform at `step`: draw j of the row is randUniform(seed, step, 4r + j), in [lo, hi). */
export function augmentTransform(g: AugmentReference, step: number, r: number): { tx: number; ty: number; theta: number; k: number } {
  const draw = (j: number, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * randUniform(g.seed, step, 4 * r + j);
  return { tx: draw(0, g.shiftX), ty: draw(1, g.shiftY), theta: (draw(2, g.rotation) * Math.PI) / 180, k: draw(3, g.zoom) };
}

/**
 * The augmented gather in float64: output pixel (u, v) of row r samples its image at
 * src = c + k · R(−θ) · ((u, v) − c − (tx, ty)), c the centre ((W − 1)/2, (H − 1)/2), bilinearly, with
 * pixels outside the image 0; then (value / 255 − mean) / std. Padding rows as in gatherReference.
 */
export function augmentedGatherReference(
  images: Uint8Array, labels: Uint8Array, order: ArrayLike<number>,
  a: { start: number; batch: number; step: number; augment: AugmentReference; mean?: number; std?: number; count?: number },
): GatherReference {
  const { start, batch, step, augment: g, mean = 0, std = 1, count = order.length } = a;
  const { width: W, height: H } = g;
  const S = W * H;
  const x = new Float64Array(batch * S);
  const y = new Uint32Array(batch).fill(0xffffffff);
  for (let r = 0; r < batch && start + r < count; r++) {
    const s = order[start + r];
    const px = (col: number, row: number) => (col < 0 || row < 0 || col >= W || row >= H ? 0 : images[s * S + row * W + col]);
    const { tx, ty, theta, k } = augmentTransform(g, step, r);
    const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
    const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
    for (let v = 0; v < H; v++) {
      for (let u = 0; u < W; u++) {
        const [dx, dy] = [u - cx - tx, v - cy - ty];
        const sx = cx + k * (cos * dx + sin * dy);
        const sy = cy + k * (cos * dy - sin * dx);
        const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
        const [fx, fy] = [sx - x0, sy - y0];
        const value = (1 - fy) * ((1 - fx) * px(x0, y0) + fx * px(x0 + 1, y0)) + fy * ((1 - fx) * px(x0, y0 + 1) + fx * px(x0 + 1, y0 + 1));
        x[r * S + v * W + u] = (value / 255 - mean) / std;
      }
    }
    y[r] = labels[s];
  }
  return { x, y };
}
