// conv2d's 'register' variant (src/shaders/conv2d_register.wgsl): kernels without workgroup memory or
// barriers for CPU backends such as SwiftShader, each invocation computing an 8×8 block of the GEMM output.
// Its constants, kernel specs and grids; ops/conv2d.ts chooses between it and the tiled variant.
import conv2dWgsl from '../../shaders/conv2d.wgsl';
import conv2dRegisterWgsl from '../../shaders/conv2d_register.wgsl';
import registerBlockWgsl from '../../shaders/register_block.wgsl';
import { grid1d } from '../dispatch';
import type { BindingKind, KernelSpec } from '../pipelines';

/** Invocations per workgroup of the 'register' kernels. */
export const CONV2D_REGISTER_WORKGROUP = 64;
/** Side of the square output block each 'register' invocation computes (fixed by the shader's accumulators). */
export const CONV2D_REGISTER_BLOCK = 8;
/** 'register' backward_weight splits its reduction until about this many invocations (32 workgroups) run. */
export const CONV2D_REGISTER_TARGET_INVOCATIONS = 2048;
/**
 * The 'register' forward / backward_input walk (tap, channel) in one flat loop when the gathered tensor has
 * at most this many channels: on SwiftShader a nested loop level costs more than a one-channel tap.
 * (Measured at 1 channel: 2× faster flat; at 32: 1.5× slower.)
 */
export const CONV2D_REGISTER_FLAT_MAX_CHANNELS = 4;

/** The 'register' module: conv2d.wgsl's declarations plus the register entry points. */
const REGISTER_CODE = `${conv2dWgsl}\n${registerBlockWgsl}\n${conv2dRegisterWgsl}`;

export interface Blocks {
  /** Column tiles (blocks) and all tiles (blocks) of the GEMM output. */
  tilesN: number;
  tiles: number;
}

export function registerBlocks(m: number, n: number): Blocks {
  const tilesN = Math.ceil(n / CONV2D_REGISTER_BLOCK);
  return { tilesN, tiles: Math.ceil(m / CONV2D_REGISTER_BLOCK) * tilesN };
}

export function registerSpec(label: string, entryPoint: string, bindings: readonly BindingKind[], extra: Record<string, number> = {}): KernelSpec {
  return {
    label: `conv2d.${label}.register`,
    code: REGISTER_CODE,
    entryPoint,
    workgroupSize: [CONV2D_REGISTER_WORKGROUP],
    constants: { WG_REG: CONV2D_REGISTER_WORKGROUP, ...extra },
    bindings,
  };
}

/** conv_register's override constants for a gathered tensor with `channels` channels and a kh×kw kernel. */
export function registerGather(kernelHeight: number, kernelWidth: number, channels: number, hasBias: boolean): Record<string, number> {
  // reduce_flat keeps one bit per kernel row and column in a u32.
  const flat = channels <= CONV2D_REGISTER_FLAT_MAX_CHANNELS && kernelHeight <= 32 && kernelWidth <= 32;
  return { HAS_BIAS: Number(hasBias), FLAT: Number(flat) };
}

export function registerGrid(device: GPUDevice, invocations: number): [number, number, number] {
  return grid1d(device, Math.ceil(invocations / CONV2D_REGISTER_WORKGROUP));
}
