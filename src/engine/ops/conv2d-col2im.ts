// conv2d's backward_input as a dense GEMM and col2im (src/shaders/conv2d_col2im.wgsl), for the 'register'
// variant's quad form: where the direct GEMM's 'full' padding multiplies many zeros (a 'valid' conv on a
// small image: the cnn's conv2d_2, 11×11 outputs from 13×13, runs 169/121 = 1.4× the products it needs),
// the matmul module computes cols = dy · wᵀ (B·OH·OW × KH·KW·Cin, every product a real one) into a scratch
// the op owns, and col2im sums each dx element's taps from it. ops/conv2d.ts decides where it runs.
import conv2dWgsl from '../../shaders/conv2d.wgsl';
import col2imWgsl from '../../shaders/conv2d_col2im.wgsl';
import { STORAGE, createUniform } from '../buffers';
import { makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBindingLimit, getKernel, type BufferLike, type KernelSpec } from '../pipelines';
import { createMatmul } from './matmul';

/** Invocations per workgroup of col2im (one per 4 channels of a dx pixel, a workgroup within one dx row). */
export const COL2IM_WORKGROUP = 64;
/**
 * col2im runs where the direct GEMM's rows (dx pixels, H·W) exceed the real ones (dy pixels, OH·OW) by at
 * least this factor. At the cnn's conv2d_2 (1.40) it took backward_input from 209–245 ms to 179–191 ms (the
 * GEMM 144–157, col2im 31–38; Node, batch 128, 3 alternating rounds): col2im's own pass, about a fifth of the
 * GEMM's time there, is what a smaller waste would not pay back.
 */
export const COL2IM_MIN_WASTE = 1.25;
/** The cols scratch is capped at this size (the direct GEMM beyond). */
export const COL2IM_MAX_SCRATCH_BYTES = 64 * 1024 * 1024;

const COL2IM_SPEC: KernelSpec = {
  label: 'conv2d.backward_input.col2im',
  code: `${conv2dWgsl}\n${col2imWgsl}`,
  entryPoint: 'col2im',
  workgroupSize: [COL2IM_WORKGROUP],
  constants: { WG_C: COL2IM_WORKGROUP },
  bindings: ['storage', 'uniform', 'read-only-storage'],
};

export interface Col2imShape {
  batch: number;
  /** dx's spatial size and channels. */
  height: number;
  width: number;
  inChannels: number;
  /** dy's spatial size and channels. */
  outHeight: number;
  outWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
}

/** The cols scratch's bytes: (B·OH·OW, KH·KW·Cin) f32. */
export function col2imColsBytes(s: Col2imShape): number {
  return 4 * s.batch * s.outHeight * s.outWidth * s.kernelHeight * s.kernelWidth * s.inChannels;
}

/**
 * Whether backward_input takes col2im by default: 4-channel steps, enough zeros saved, and a scratch
 * within COL2IM_MAX_SCRATCH_BYTES (below WebGPU's default storage binding limit, 128 MiB, so within every device's).
 */
export function col2imApplies(s: Col2imShape): boolean {
  return s.inChannels % 4 === 0 && s.height * s.width >= COL2IM_MIN_WASTE * s.outHeight * s.outWidth && col2imColsBytes(s) <= COL2IM_MAX_SCRATCH_BYTES;
}

/**
 * dx from dy and w through cols: a matmul (register, quad form where it runs) and col2im. `packed` is the
 * conv2d.wgsl Params of the pass (dx's H, W, Cin as in_*, dy's OH, OW as out_*, the forward's pads).
 */
export async function createCol2imBackwardInput(device: GPUDevice, a: {
  op: string; shape: Col2imShape; dy: BufferLike; w: BufferLike; dx: BufferLike; packed: ArrayBuffer; quadSide?: 8 | 16;
}): Promise<GpuOp> {
  const s = a.shape;
  if (s.inChannels % 4 !== 0) throw new Error(`${a.op}: col2im needs Cin a multiple of 4, got ${s.inChannels}`);
  const bytes = col2imColsBytes(s);
  checkBindingLimit(device, a.op, 'cols', bytes, `(B·OH·OW, KH·KW·Cin) f32`);
  const kernel = await getKernel(device, COL2IM_SPEC);
  return createOp(a.op, async (own) => {
    // cols: (B·OH·OW, KH·KW·Cin)
    const cols = own.add(device.createBuffer({ label: `${a.op}.cols`, size: bytes, usage: STORAGE }));
    const rows = s.batch * s.outHeight * s.outWidth;
    const taps = s.kernelHeight * s.kernelWidth;
    const gemm = own.add(await createMatmul(device, {
      label: `${a.op}.cols`, M: rows, N: taps * s.inChannels, K: s.outChannels, transB: true,
      a: a.dy, b: a.w, c: cols, variant: 'register', tile: 'quad', quadSide: a.quadSide,
    }));
    const params = own.add(createUniform(device, `${a.op}.col2im.params`, a.packed));
    // makeDispatch checks each dimension against the device's limit.
    const grid = [Math.ceil((s.width * s.inChannels) / 4 / COL2IM_WORKGROUP), s.height, s.batch] as const;
    const col2im = makeDispatch(device, kernel, `${a.op}.col2im`, [a.dx, params, cols], grid);
    return { dispatches: [...gemm.dispatches, col2im] };
  });
}
