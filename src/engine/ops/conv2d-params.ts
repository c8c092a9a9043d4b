// conv2d.wgsl's Params uniform, shared by every conv2d pipeline (tiled, register, quad, pixel-major): the
// fields a pass fills and their packing in the shader's order.
import { i32, packUniform, u32 } from '../buffers';
import type { Blocks } from './conv2d-register';

export interface ParamFields {
  batch: number;
  in: readonly [h: number, w: number, c: number];
  out: readonly [h: number, w: number];
  kernel: readonly [h: number, w: number];
  pad: readonly [top: number, left: number];
  gemm: readonly [m: number, n: number, k: number];
  tiling: Blocks;
  splits?: number;
  chunk?: number;
  /** conv_register's addressing of the right-hand operand: [b_off, s_tap, s_c, s_n]. */
  bStrides?: [number, number, number, number];
  /** reduce_splits: the range [offset, offset + count) of each split's partials it sums. */
  reduce?: [offset: number, count: number];
}

export function packParams(f: ParamFields): ArrayBuffer {
  const [bOff, sTap, sC, sN] = f.bStrides ?? [0, 0, 0, 0];
  const [rOff, rCount] = f.reduce ?? [0, 0];
  return packUniform([
    u32(f.batch), u32(f.in[0]), u32(f.in[1]), u32(f.in[2]), u32(f.out[0]), u32(f.out[1]),
    u32(f.kernel[0]), u32(f.kernel[1]), i32(f.pad[0]), i32(f.pad[1]),
    u32(f.gemm[0]), u32(f.gemm[1]), u32(f.gemm[2]),
    u32(f.tiling.tilesN), u32(f.tiling.tiles), u32(f.splits ?? 1), u32(f.chunk ?? 0),
    i32(bOff), i32(sTap), i32(sC), i32(sN), u32(rOff), u32(rCount),
  ]);
}
