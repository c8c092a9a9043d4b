// 2-D convolution, stride 1, NHWC / HWIO (src/shaders/conv2d.wgsl): forward, gradient w.r.t. the input,
// gradient w.r.t. the weights (split-K + a deterministic reduction pass) and optionally the bias: the
// 'register' backward_weight can accumulate it as one more GEMM row in the same pass; otherwise the
// matmul module's column sums of dy over B·OH·OW rows follow.
// Two implementations (src/engine/kernel-variant.ts): 'tiled' for GPUs (default), 'register' for CPU
// backends such as SwiftShader (its kernel specs in conv2d-register.ts). Each factory returns an op that
// owns its uniforms and scratch (op.ts).
import conv2dWgsl from '../../shaders/conv2d.wgsl';
import { STORAGE, createUniform } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { checkVariant, quadSide, type KernelVariant } from '../kernel-variant';
import { createOp, type GpuOp } from '../op';
import { createBiasGrad } from './matmul';
import { packParams } from './conv2d-params';
import { conv2dOutputSize, conv2dPadding, tapsOutside, type Conv2dShape } from './conv2d-shape';
import { createPixelDxBackwardInput, pixelDxRuns } from './conv2d-pixel-dx';
import {
  checkConvTile, CONV2D_REGISTER_BLOCK, CONV2D_REGISTER_TARGET_INVOCATIONS, REGISTER_ENTRIES, registerBlocks, registerGather, registerPass, registerVec4,
  WEIGHT_ENTRIES, type Blocks,
} from './conv2d-register';
import {
  checkBinding, checkBindingLimit, checkNotAliased, getKernel, type BindingKind, type BufferLike, type Kernel, type KernelSpec,
} from '../pipelines';

export { preferredKernels, type KernelVariant } from '../kernel-variant';
export { conv2dOutputSize, conv2dPadding, tapsOutside, type Conv2dShape, type Padding } from './conv2d-shape';
export {
  CONV2D_REGISTER_BLOCK, CONV2D_REGISTER_FLAT_MAX_CHANNELS, CONV2D_REGISTER_TARGET_INVOCATIONS, CONV2D_REGISTER_WORKGROUP, conv2dTilings, type ConvPass,
} from './conv2d-register';

/** Threads of every GEMM workgroup: x along output channels, y along output rows. */
export const CONV2D_WORKGROUP = [16, 16] as const;
/** Reduction step of the tiled GEMMs; divides the thread count. */
export const CONV2D_TILE_K = 16;
/** Threads per workgroup of the split-K reduction of the weight gradient. */
export const CONV2D_REDUCE_WORKGROUP = 256;
/** backward_weight splits its reduction until about this many workgroups fill a large GPU... */
export const CONV2D_TARGET_WORKGROUPS = 512;
/** ...but keeps at least this many reduction rows per split, so partial tiles stay cheap to sum. */
export const CONV2D_MIN_CHUNK = 256;
/** The partials scratch is capped at this size (fewer, longer splits beyond it). */
const MAX_SCRATCH_BYTES = 64 * 1024 * 1024;
/** Register tile bounds of the shader (MAX_R, MAX_LOADS). */
const MAX_R = 4;
const MAX_LOADS = 4;

const THREADS = CONV2D_WORKGROUP[0] * CONV2D_WORKGROUP[1];

// ---- GEMM tiling -----------------------------------------------------------------------------------

interface Tiling extends Blocks {
  rm: number;
  rn: number;
  tm: number;
  tn: number;
  constants: Record<string, number>;
  workgroupBytes: number;
}

/** Smallest register tile (1, 2 or 4 per thread) whose workgroup tile covers `size`, so narrow GEMMs waste few threads. */
function registerTile(size: number, threads: number): number {
  for (const r of [1, 2]) if (threads * r >= size) return r;
  return MAX_R;
}

function tiling(m: number, n: number): Tiling {
  const [wx, wy] = CONV2D_WORKGROUP;
  const rm = registerTile(m, wy);
  const rn = registerTile(n, wx);
  const tm = wy * rm;
  const tn = wx * rn;
  // The shader's load loops assume these: one reduction index per thread and step (TK | THREADS),
  // one backward_weight row per thread (TM | THREADS), whole tiles per step, at most MAX_LOADS loads.
  const ok = THREADS % CONV2D_TILE_K === 0 && THREADS % tm === 0 &&
    (tm * CONV2D_TILE_K) % THREADS === 0 && (tn * CONV2D_TILE_K) % THREADS === 0 &&
    (tm * CONV2D_TILE_K) / THREADS <= MAX_LOADS && rm <= MAX_R && rn <= MAX_R;
  if (!ok) throw new Error(`conv2d: tiling ${tm}×${tn}×${CONV2D_TILE_K} does not fit workgroup ${wx}×${wy}`);
  const tilesN = Math.ceil(n / tn);
  return {
    rm, rn, tm, tn, tilesN,
    tiles: Math.ceil(m / tm) * tilesN,
    constants: { WG_X: wx, WG_Y: wy, RM: rm, RN: rn, TK: CONV2D_TILE_K },
    workgroupBytes: 4 * CONV2D_TILE_K * (tm + 1 + tn + 1),
  };
}

function gemmSpec(entryPoint: string, t: Tiling, bindings: readonly BindingKind[], extra: Record<string, number> = {}): KernelSpec {
  return {
    label: `conv2d.${entryPoint}`,
    code: conv2dWgsl,
    entryPoint,
    workgroupSize: CONV2D_WORKGROUP,
    constants: { ...t.constants, ...extra },
    bindings,
  };
}

const REDUCE_SPEC: KernelSpec = {
  label: 'conv2d.reduce_splits',
  code: conv2dWgsl,
  entryPoint: 'reduce_splits',
  workgroupSize: [CONV2D_REDUCE_WORKGROUP],
  constants: { WG_R: CONV2D_REDUCE_WORKGROUP },
  bindings: ['storage', 'uniform', 'read-only-storage'],
};

// ---- argument checks -------------------------------------------------------------------------------

/** `op: x holds 368 bytes, needs 384 for (B, H, W, Cin) = (2, 4, 4, 3) f32`, or the device's binding limit. */
function checkBuffer(device: GPUDevice, op: string, name: string, b: BufferLike, floats: number, shape: string): void {
  checkBinding(device, op, name, b, floats * 4, `${shape} f32`);
}

function sizes(s: Conv2dShape) {
  const o = conv2dOutputSize(s);
  const { batch: B, height: H, width: W, inChannels: CI, outChannels: CO, kernelHeight: KH, kernelWidth: KW } = s;
  return {
    o,
    pad: conv2dPadding(s),
    x: B * H * W * CI,
    y: B * o.height * o.width * CO,
    w: KH * KW * CI * CO,
    xShape: `(B, H, W, Cin) = (${B}, ${H}, ${W}, ${CI})`,
    yShape: `(B, OH, OW, Cout) = (${B}, ${o.height}, ${o.width}, ${CO})`,
    wShape: `(KH, KW, Cin, Cout) = (${KH}, ${KW}, ${CI}, ${CO})`,
  };
}

// ---- factories ---------------------------------------------------------------------------------------

interface Common {
  label: string;
  shape: Conv2dShape;
  /** 'tiled' (workgroup memory, the default: real GPUs) or 'register' (no workgroup memory: CPU backends). */
  variant?: KernelVariant;
  /** 'quad': register's quad form (conv2d_quad.wgsl) where conv2dTilings offers it; elsewhere ignored. */
  tile?: string;
  /** The quad form's lane block side (forward, backward_input): by default quadSide of the GEMM's M·N·K; tests force each. */
  quadSide?: 8 | 16;
}

/**
 * y = conv(x, w) (+ bias): an implicit GEMM over B·OH·OW rows and Cout columns. `relu` applies the
 * layer's ReLU in the same pass (y = max(conv + bias, 0)).
 */
export async function createConv2dForward(
  device: GPUDevice,
  a: Common & { x: BufferLike; w: BufferLike; bias?: BufferLike; y: BufferLike; relu?: boolean },
): Promise<GpuOp> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.forward`;
  const variant = a.variant ?? 'tiled';
  checkVariant(op, variant);
  checkBuffer(device, op, 'x', a.x, z.x, z.xShape);
  checkBuffer(device, op, 'w', a.w, z.w, z.wShape);
  checkBuffer(device, op, 'y', a.y, z.y, z.yShape);
  if (a.bias) checkBuffer(device, op, 'bias', a.bias, s.outChannels, `(Cout) = (${s.outChannels})`);
  checkNotAliased(op, { y: a.y }, { x: a.x, w: a.w, bias: a.bias });
  const gemm: [number, number, number] = [s.batch * z.o.height * z.o.width, s.outChannels, s.kernelHeight * s.kernelWidth * s.inChannels];
  const fields = {
    batch: s.batch, in: [s.height, s.width, s.inChannels], out: [z.o.height, z.o.width],
    kernel: [s.kernelHeight, s.kernelWidth], pad: [z.pad.top, z.pad.left], gemm,
  } as const;
  // The shader declares the bias binding either way; without a bias it reads nothing from it (w stands in).
  const buffers = (params: GPUBuffer) => [a.y, params, a.x, a.w, a.bias ?? a.w];
  const bindings: BindingKind[] = ['storage', 'uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage'];
  checkConvTile(op, variant, a.tile);
  if (variant === 'register') {
    const blocks = registerBlocks(gemm[0], gemm[1]);
    // Whole vec4 loads (conv_vec4) when channels allow: 8% faster than conv_register at conv2's shape.
    const { spec, grid } = registerPass(device, 'forward', a.tile, registerVec4('forward', s.inChannels, s.outChannels), REGISTER_ENTRIES, bindings,
      // PADDED only where the quad forms read it (their flat walk without padding), so the others stay one pipeline.
      { ...registerGather(s.kernelHeight, s.kernelWidth, s.inChannels, !!a.bias), RELU: Number(!!a.relu), ...(a.tile === 'quad' ? { PADDED: Number(tapsOutside(s)) } : {}) },
      blocks, 1, a.quadSide ?? forwardQuadSide(s));
    const packed = packParams({ ...fields, tiling: blocks, bStrides: [0, s.inChannels * s.outChannels, s.outChannels, 1] });
    return oneDispatch(device, op, await getKernel(device, spec), packed, buffers, grid);
  }
  const t = tiling(gemm[0], gemm[1]);
  const kernel = await getKernel(device, gemmSpec('forward', t, bindings, { HAS_BIAS: a.bias ? 1 : 0, RELU: Number(!!a.relu) }), t.workgroupBytes);
  return oneDispatch(device, op, kernel, packParams({ ...fields, tiling: t }), buffers, grid1d(device, t.tiles));
}

/** An op of one dispatch that owns its uniform `${op}.params`, bound through `buffers`. */
function oneDispatch(device: GPUDevice, op: string, kernel: Kernel, packed: ArrayBuffer,
  buffers: (params: GPUBuffer) => BufferLike[], grid: [number, number, number]): Promise<GpuOp> {
  return createOp(op, async (own) => {
    const params = own.add(createUniform(device, `${op}.params`, packed));
    return { dispatches: [makeDispatch(device, kernel, op, buffers(params), grid)] };
  });
}

/** The forward's quad lane block side by default: quadSide of its GEMM's M·N·K (B·OH·OW × Cout × KH·KW·Cin). */
export function forwardQuadSide(s: Conv2dShape): 8 | 16 {
  const o = conv2dOutputSize(s);
  return quadSide(s.batch * o.height * o.width * s.outChannels * s.kernelHeight * s.kernelWidth * s.inChannels);
}

/**
 * dx = the convolution of dy with the flipped, transposed kernel ('full' padding for 'valid'); register's
 * quad form takes the pixel-major kernel (conv2d-pixel-dx.ts: only the taps inside dy) where that padding
 * wastes more than its own row padding (pixelDxRuns; `pixel` forces either way, for tests).
 */
export async function createConv2dBackwardInput(
  device: GPUDevice,
  a: Common & { dy: BufferLike; w: BufferLike; dx: BufferLike; pixel?: boolean },
): Promise<GpuOp> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.backward_input`;
  const variant = a.variant ?? 'tiled';
  checkVariant(op, variant);
  checkConvTile(op, variant, a.tile);
  checkBuffer(device, op, 'dy', a.dy, z.y, z.yShape);
  checkBuffer(device, op, 'w', a.w, z.w, z.wShape);
  checkBuffer(device, op, 'dx', a.dx, z.x, z.xShape);
  checkNotAliased(op, { dx: a.dx }, { dy: a.dy, w: a.w });
  const taps = s.kernelHeight * s.kernelWidth;
  const gemm: [number, number, number] = [s.batch * s.height * s.width, s.inChannels, taps * s.outChannels];
  const fields = {
    batch: s.batch, in: [z.o.height, z.o.width, s.outChannels], out: [s.height, s.width],
    kernel: [s.kernelHeight, s.kernelWidth],
    pad: [s.kernelHeight - 1 - z.pad.top, s.kernelWidth - 1 - z.pad.left],
    gemm,
  } as const;
  // The lane block side by the direct GEMM's size, for the pixel-major kernel too (same work, same compile cost).
  const side = quadSide(gemm[0] * gemm[1] * gemm[2], a.quadSide);
  if (variant === 'register' && a.tile === 'quad' && (a.pixel ?? pixelDxRuns(device, s, side))) {
    return createPixelDxBackwardInput(device, { op, shape: s, dy: a.dy, w: a.w, dx: a.dx, side });
  }
  if (variant === 'register') {
    // The forward kernel run on dy: b[(tap, co), ci] = w[taps - 1 - tap, ci, co]. It also declares the
    // bias binding, unread without HAS_BIAS: w stands in.
    const blocks = registerBlocks(gemm[0], gemm[1]);
    const bindings: BindingKind[] = ['storage', 'uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage'];
    // conv_vec4 reads w's 4 consecutive Cout per column (B_T): 11% faster at conv2's shape.
    const vec4 = registerVec4('backward_input', s.inChannels, s.outChannels);
    const { spec, grid } = registerPass(device, 'backward_input', a.tile, vec4, REGISTER_ENTRIES, bindings,
      { ...registerGather(s.kernelHeight, s.kernelWidth, s.outChannels, false), ...(vec4 ? { B_T: 1 } : {}) }, blocks, 1, side);
    const cc = s.inChannels * s.outChannels;
    const packed = packParams({ ...fields, tiling: blocks, bStrides: [(taps - 1) * cc, -cc, 1, s.outChannels] });
    return oneDispatch(device, op, await getKernel(device, spec), packed, (params) => [a.dx, params, a.dy, a.w, a.w], grid);
  }
  const t = tiling(gemm[0], gemm[1]);
  const kernel = await getKernel(
    device,
    gemmSpec('backward_input', t, ['storage', 'uniform', 'read-only-storage', 'read-only-storage']),
    t.workgroupBytes,
  );
  return oneDispatch(device, op, kernel, packParams({ ...fields, tiling: t }), (params) => [a.dx, params, a.dy, a.w], grid1d(device, t.tiles));
}

/**
 * How backward_weight splits its reduction over `rows` = B·OH·OW, given its output tiles (blocks for
 * 'register'), dw's size in floats, and how many tiles all splits together should about make.
 */
export function conv2dWeightSplits(rows: number, tiles: number, outputFloats: number, target = CONV2D_TARGET_WORKGROUPS): { splits: number; chunk: number } {
  const maxSplits = Math.max(1, Math.floor(MAX_SCRATCH_BYTES / (4 * outputFloats)));
  let splits = Math.ceil(target / tiles);
  splits = Math.max(1, Math.min(splits, Math.ceil(rows / CONV2D_MIN_CHUNK), maxSplits));
  const chunk = Math.ceil(Math.ceil(rows / splits) / CONV2D_TILE_K) * CONV2D_TILE_K;
  return { splits: Math.ceil(rows / chunk), chunk };
}

/**
 * backward_weight's plan, before anything is allocated (memory.ts counts its partials with it): the GEMM
 * (with the bias as an extra row or not), its output tiles (blocks for 'register'), how the reduction over
 * rows = B·OH·OW is split, and the bytes of the partials scratch (0 when the kernel writes dw directly).
 */
export function conv2dWeightPlan(s: Conv2dShape, variant: KernelVariant, hasBias: boolean) {
  const z = sizes(s);
  const rows = s.batch * z.o.height * z.o.width;
  const weightRows = s.kernelHeight * s.kernelWidth * s.inChannels;
  // 'register' sums the bias as GEMM row weightRows (BIAS_ROW; its partials hold dw then db) when that
  // row fits in the last row block's padding: 18% faster than separate column sums for conv1 (9 rows),
  // while a whole extra block of mostly padding (conv2's 288 rows) was 6% slower (SwiftShader, batch 128).
  const biasRow = variant === 'register' && hasBias && weightRows % CONV2D_REGISTER_BLOCK !== 0;
  const gemm: [number, number, number] = [weightRows + (biasRow ? 1 : 0), s.outChannels, rows];
  const outputFloats = gemm[0] * gemm[1];
  const tiles: Blocks | Tiling = variant === 'register' ? registerBlocks(gemm[0], gemm[1]) : tiling(gemm[0], gemm[1]);
  const { splits, chunk } = variant === 'register'
    ? conv2dWeightSplits(rows, tiles.tiles, outputFloats, CONV2D_REGISTER_TARGET_INVOCATIONS)
    : conv2dWeightSplits(rows, tiles.tiles, outputFloats);
  return { rows, biasRow, gemm, outputFloats, tiles, splits, chunk, partialsBytes: splits === 1 && !biasRow ? 0 : splits * outputFloats * 4 };
}

/**
 * dw = Σ over B·OH·OW of x-patches ⊗ dy, and with `db` the bias gradient db = Σ dy over the same rows.
 * Its dispatches, in order: [backward_weight] when one split suffices and there is no fused bias row,
 * else [backward_weight into a scratch of partials (allocated here, once), its reduce_splits into dw (and
 * one into db)]; a `db` not fused this way appends the column-sum dispatches (a bias-gradient op it owns).
 */
export async function createConv2dBackwardWeight(
  device: GPUDevice,
  a: Common & { x: BufferLike; dy: BufferLike; dw: BufferLike; db?: BufferLike },
): Promise<GpuOp> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.backward_weight`;
  const variant = a.variant ?? 'tiled';
  checkVariant(op, variant);
  checkConvTile(op, variant, a.tile);
  checkBuffer(device, op, 'x', a.x, z.x, z.xShape);
  checkBuffer(device, op, 'dy', a.dy, z.y, z.yShape);
  checkBuffer(device, op, 'dw', a.dw, z.w, z.wShape);
  if (a.db) checkBuffer(device, op, 'db', a.db, s.outChannels, `(Cout) = (${s.outChannels})`);
  // dw and db may share a buffer (the flat gradients): separate dispatches write them.
  checkNotAliased(op, { dw: a.dw }, { x: a.x, dy: a.dy });
  if (a.db) checkNotAliased(op, { db: a.db }, { x: a.x, dy: a.dy });
  const plan = conv2dWeightPlan(s, variant, a.db !== undefined);
  const { rows, biasRow, gemm, outputFloats, tiles, splits, chunk } = plan;
  const bindings: BindingKind[] = ['storage', 'uniform', 'read-only-storage', 'read-only-storage'];
  let kernel: Kernel;
  let groups: [number, number, number];
  if (variant === 'register') {
    // PADDED = 0 ('valid', or 'same' with a 1×1 kernel): no tap ever falls outside the input.
    const padded = tapsOutside(s);
    // Whole vec4 loads when a block's 8 rows are 8 channels of one tap and its columns 8 output channels:
    // 1.3× faster than backward_weight_register at conv2's shape (SwiftShader, batch 128).
    const vec4 = !biasRow && registerVec4('backward_weight', s.inChannels, s.outChannels);
    const pass = registerPass(device, 'backward_weight', a.tile, vec4, WEIGHT_ENTRIES, bindings,
      vec4 ? { PADDED: Number(padded) } : { BIAS_ROW: Number(biasRow), PADDED: Number(padded) }, tiles as Blocks, splits);
    kernel = await getKernel(device, pass.spec);
    groups = pass.grid;
  } else {
    const t = tiles as Tiling;
    kernel = await getKernel(device, gemmSpec('backward_weight', t, bindings), t.workgroupBytes);
    groups = grid1d(device, t.tiles * splits);
  }
  const fields = {
    batch: s.batch, in: [s.height, s.width, s.inChannels], out: [z.o.height, z.o.width],
    kernel: [s.kernelHeight, s.kernelWidth], pad: [z.pad.top, z.pad.left], gemm, tiling: tiles, splits, chunk,
  } as const;
  const reduceKernel = plan.partialsBytes === 0 ? undefined : await getKernel(device, REDUCE_SPEC);
  return createOp(op, async (own) => {
    const params = own.add(createUniform(device, `${op}.params`, packParams(fields)));
    const biasGrad = a.db && !biasRow
      ? own.add(await createBiasGrad(device, { label: `${a.label}.backward_bias`, variant, rows, cols: s.outChannels, dy: a.dy, db: a.db })).dispatches
      : [];
    if (!reduceKernel) return { dispatches: [makeDispatch(device, kernel, op, [a.dw, params, a.x, a.dy], groups), ...biasGrad] };

    checkBindingLimit(device, op, 'partials', plan.partialsBytes, `${splits} splits × ${outputFloats} f32`);
    const partials = own.add(device.createBuffer({ label: `${op}.partials`, size: plan.partialsBytes, usage: STORAGE }));
    const reduce = (name: string, out: BufferLike, offset: number, count: number): Dispatch => {
      const p = own.add(createUniform(device, `${op}.${name}.params`, packParams({ ...fields, reduce: [offset, count] })));
      return makeDispatch(device, reduceKernel, `${op}.${name}`, [out, p, partials], grid1d(device, Math.ceil(count / CONV2D_REDUCE_WORKGROUP)));
    };
    return {
      dispatches: [
        makeDispatch(device, kernel, op, [partials, params, a.x, a.dy], groups),
        reduce('reduce', a.dw, 0, z.w),
        ...(biasRow && a.db ? [reduce('reduce_bias', a.db, z.w, s.outChannels)] : []),
        ...biasGrad,
      ],
    };
  });
}
