// conv2d's 'register' variant (src/shaders/conv2d_register.wgsl): kernels without workgroup memory or
// barriers for CPU backends such as SwiftShader, each invocation computing an 8×8 block of the GEMM output.
// Its constants, kernel specs and grids; ops/conv2d.ts chooses between it and the tiled variant.
import conv2dWgsl from '../../shaders/conv2d.wgsl';
import conv2dQuadWgsl from '../../shaders/conv2d_quad.wgsl';
import conv2dRegisterWgsl from '../../shaders/conv2d_register.wgsl';
import quadBlockWgsl from '../../shaders/quad_block.wgsl';
import registerBlockWgsl from '../../shaders/register_block.wgsl';
import { grid1d } from '../dispatch';
import { hasQuads, type KernelCandidate } from '../kernel-variant';
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
/** The same with the quad entry points (conv2d_quad.wgsl says why uniformity is its own to keep). */
export const QUAD_CODE = `enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n${REGISTER_CODE}\n${quadBlockWgsl}\n${conv2dQuadWgsl}`;

export type ConvPass = 'forward' | 'backward_input' | 'backward_weight';

/** The register entry points of the gather GEMM (forward, backward_input) and of backward_weight. */
/** quad16: the quad form with 16×16 lane blocks, for large GEMMs (quadSide); backward_weight has none. */
export const REGISTER_ENTRIES: RegisterEntries = { scalar: 'conv_register', vec4: 'conv_vec4', quad: 'conv_quad', quad16: 'conv_quad16' };
export const WEIGHT_ENTRIES: RegisterEntries = { scalar: 'backward_weight_register', vec4: 'backward_weight_vec4', quad: 'backward_weight_quad' };
interface RegisterEntries {
  scalar: string;
  vec4: string;
  quad: string;
  quad16?: string;
}

/**
 * Whether a pass's register kernel reads whole vec4s (conv_vec4, backward_weight_vec4), from the channels:
 * forward: Cin a multiple of 4 and Cout of 8; backward_input (dy gathered): Cout of 4 and Cin of 8;
 * backward_weight: both of 8 (then a bias row, needed only when KH·KW·Cin is not, never is).
 */
export function registerVec4(pass: ConvPass, inChannels: number, outChannels: number): boolean {
  if (pass === 'forward') return inChannels % 4 === 0 && outChannels % 8 === 0;
  if (pass === 'backward_input') return outChannels % 4 === 0 && inChannels % 8 === 0;
  return inChannels % 8 === 0 && outChannels % 8 === 0;
}

/** A conv site's candidates besides the variants' defaults (KernelSite.tiles): 'register:quad' where it runs. */
export function conv2dTilings(device: GPUDevice, pass: ConvPass, inChannels: number, outChannels: number): KernelCandidate[] {
  return hasQuads(device) && registerVec4(pass, inChannels, outChannels) ? ['register:quad'] : [];
}

/** Checks a conv op's `tile`: only register's 'quad' exists. */
export function checkConvTile(op: string, variant: string, tile: string | undefined): void {
  if (tile !== undefined && !(variant === 'register' && tile === 'quad')) throw new Error(`${op}: unknown tiling '${tile}' for ${variant} (only register has one, 'quad')`);
}

/**
 * The register kernel of a pass: the quad form where asked for and it runs (16×16 lane blocks where
 * `side` is 16 and the pass has them), else the vec4 or scalar one; and its grid, for `splits` splits of
 * the reduction (backward_weight).
 */
export function registerPass(device: GPUDevice, pass: ConvPass, tile: string | undefined, vec4: boolean, entries: RegisterEntries,
  bindings: readonly BindingKind[], extra: Record<string, number>, blocks: Blocks, splits = 1, side: 8 | 16 = 8): { spec: KernelSpec; grid: [number, number, number] } {
  if (tile === 'quad' && vec4 && hasQuads(device)) {
    const quad16 = side === 16 && entries.quad16 !== undefined;
    // blocks counts 8×8 blocks (the shader's p.tiles); a quad covers a 2×2 square of lane blocks.
    const per = quad16 ? 2 : 1;
    const squares = Math.ceil(blocks.tiles / blocks.tilesN / per / 2) * Math.ceil(blocks.tilesN / per / 2);
    const spec = { ...registerSpec(pass, quad16 ? entries.quad16! : entries.quad, bindings, extra), label: `conv2d.${pass}.register.quad${quad16 ? '16' : ''}`, code: QUAD_CODE };
    return { spec, grid: registerGrid(device, 4 * squares * splits) };
  }
  return { spec: registerSpec(pass, vec4 ? entries.vec4 : entries.scalar, bindings, extra), grid: registerGrid(device, blocks.tiles * splits) };
}

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
