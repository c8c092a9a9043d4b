// conv2d's backward_input with pixel-major GEMM rows (src/shaders/conv2d_pixel_dx.wgsl), for the 'register'
// variant's quad form: every product a real one, in one pass with no scratch. It replaced a dense GEMM
// cols = dy·wᵀ plus a col2im pass (K = 64, and a 3.7 M-float intermediate read again): the cnn's conv2d_2 at
// batch 128, browser, alternating 2 rounds: 108 → 74 ms (6.40 GFLOP/s against the 1024³ matmul's 6.47).
// ops/conv2d.ts decides where it runs (pixelDxRuns).
import pixelDxWgsl from '../../shaders/conv2d_pixel_dx.wgsl';
import { createUniform } from '../buffers';
import { makeDispatch } from '../dispatch';
import { hasQuads } from '../kernel-variant';
import { createOp, type GpuOp } from '../op';
import { getKernel, type BufferLike, type KernelSpec } from '../pipelines';
import { packParams } from './conv2d-params';
import { CONV2D_REGISTER_WORKGROUP, QUAD_CODE, registerGrid, registerVec4 } from './conv2d-register';
import { conv2dOutputSize, conv2dPadding, type Conv2dShape } from './conv2d-shape';

const PIXEL_DX_CODE = `${QUAD_CODE}\n${pixelDxWgsl}`;

/**
 * Whether the pixel-major kernel can run: quads on the device and the quad form's channel rule for
 * backward_input (registerVec4: Cin a multiple of 8 for whole 8-column stores, Cout of 4 for vec4 steps).
 */
export function pixelDxFits(device: GPUDevice, s: Conv2dShape): boolean {
  return hasQuads(device) && registerVec4('backward_input', s.inChannels, s.outChannels);
}

/** Lane blocks of `side` images a dx pixel's rows take: even, so a quad's two row blocks share the pixel. */
export function pixelDxBlocksPerPixel(batch: number, side: 8 | 16): number {
  return 2 * Math.ceil(batch / (2 * side));
}

/** Taps inside dy summed over one axis of dx: Σ over dx's n positions of the k taps landing in dy's o. */
function tapsInside(n: number, k: number, o: number, pad: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.max(0, Math.min(k - 1, i + pad) - Math.max(0, i + pad - o + 1) + 1);
  return sum;
}

/**
 * Products the direct GEMM (conv_quad on dy, 'full' padding) computes per real one: H·W·KH·KW over the
 * taps inside dy (the cnn's conv2d_2 with its crop: 169·9 / 900 = 1.69).
 */
export function directDxWaste(s: Conv2dShape): number {
  const o = conv2dOutputSize(s);
  const pad = conv2dPadding(s);
  const real = tapsInside(s.height, s.kernelHeight, o.height, pad.top) * tapsInside(s.width, s.kernelWidth, o.width, pad.left);
  return real === 0 ? Infinity : (s.height * s.width * s.kernelHeight * s.kernelWidth) / real;
}

/**
 * Whether backward_input takes the pixel-major kernel: where it fits and computes fewer products than the
 * direct GEMM, whose waste is its zero taps and this kernel's the images past B in a pixel's last blocks
 * (2·side·⌈B / 2·side⌉ rows for B: none at batch 32 or 128, 16× at batch 1).
 */
export function pixelDxRuns(device: GPUDevice, s: Conv2dShape, side: 8 | 16): boolean {
  return pixelDxFits(device, s) && (pixelDxBlocksPerPixel(s.batch, side) * side) / s.batch < directDxWaste(s);
}

/** dx from dy and w, pixel-major, with side×side lane blocks (8: dx_pixel, 16: dx_pixel16). */
export async function createPixelDxBackwardInput(device: GPUDevice, a: {
  op: string; shape: Conv2dShape; dy: BufferLike; w: BufferLike; dx: BufferLike; side: 8 | 16;
}): Promise<GpuOp> {
  const s = a.shape;
  if (!pixelDxFits(device, s)) throw new Error(`${a.op}: pixel-major backward_input needs subgroup quads, Cin a multiple of 8 and Cout of 4, got Cin ${s.inChannels}, Cout ${s.outChannels}`);
  const o = conv2dOutputSize(s);
  const pad = conv2dPadding(s);
  const splits = pixelDxBlocksPerPixel(s.batch, a.side);
  const tilesN = Math.ceil(s.inChannels / a.side);
  const tilesM = s.height * s.width * splits;
  const spec: KernelSpec = {
    label: `conv2d.backward_input.pixel${a.side === 16 ? '16' : ''}`,
    code: PIXEL_DX_CODE,
    entryPoint: a.side === 16 ? 'dx_pixel16' : 'dx_pixel',
    workgroupSize: [CONV2D_REGISTER_WORKGROUP],
    constants: { WG_REG: CONV2D_REGISTER_WORKGROUP, B_T: 1 },
    bindings: ['storage', 'uniform', 'read-only-storage', 'read-only-storage'],
  };
  const kernel = await getKernel(device, spec);
  const packed = packParams({
    batch: s.batch, in: [o.height, o.width, s.outChannels], out: [s.height, s.width],
    kernel: [s.kernelHeight, s.kernelWidth], pad: [pad.top, pad.left],
    gemm: [tilesM * a.side, s.inChannels, 0], tiling: { tilesN, tiles: tilesM * tilesN }, splits,
  });
  // A quad covers a 2×2 square of lane blocks; tilesM is even.
  const lanes = 4 * (tilesM / 2) * Math.ceil(tilesN / 2);
  return createOp(a.op, async (own) => {
    const params = own.add(createUniform(device, `${a.op}.params`, packed));
    return { dispatches: [makeDispatch(device, kernel, a.op, [a.dx, params, a.dy, a.w], registerGrid(device, lanes))] };
  });
}
