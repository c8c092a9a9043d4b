// 2-D convolution, stride 1, NHWC / HWIO (src/shaders/conv2d.wgsl): forward, gradient w.r.t. the input,
// gradient w.r.t. the weights (split-K + a deterministic reduction pass). The bias gradient is the
// column sum of dy over B·OH·OW rows, done by the matmul module's reduction, not here.
import conv2dWgsl from '../../shaders/conv2d.wgsl';
import { STORAGE, createUniform, i32, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { getKernel, type BindingKind, type BufferLike, type KernelSpec } from '../pipelines';

export type Padding = 'valid' | 'same';

export interface Conv2dShape {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  padding: Padding;
}

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

function positiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`conv2d: ${name} must be a positive integer, got ${v}`);
}

/** The output's spatial size; throws if the shape is impossible. */
export function conv2dOutputSize(s: Conv2dShape): { height: number; width: number } {
  for (const key of ['batch', 'height', 'width', 'inChannels', 'outChannels', 'kernelHeight', 'kernelWidth'] as const) {
    positiveInt(s[key], key);
  }
  if (s.padding === 'same') return { height: s.height, width: s.width };
  if (s.padding !== 'valid') throw new Error(`conv2d: padding must be 'valid' or 'same', got '${String(s.padding)}'`);
  if (s.kernelHeight > s.height || s.kernelWidth > s.width) {
    throw new Error(`conv2d: kernel ${s.kernelHeight}×${s.kernelWidth} is larger than the padded input ${s.height}×${s.width} (padding 'valid')`);
  }
  return { height: s.height - s.kernelHeight + 1, width: s.width - s.kernelWidth + 1 };
}

/** Padding before the first row / column: TensorFlow puts the odd one of 'same' at the bottom / right. */
export function conv2dPadding(s: Conv2dShape): { top: number; left: number } {
  if (s.padding === 'valid') return { top: 0, left: 0 };
  return { top: Math.floor((s.kernelHeight - 1) / 2), left: Math.floor((s.kernelWidth - 1) / 2) };
}

// ---- GEMM tiling -----------------------------------------------------------------------------------

interface Tiling {
  rm: number;
  rn: number;
  tm: number;
  tn: number;
  tilesN: number;
  tiles: number;
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

interface ParamFields {
  batch: number;
  in: [h: number, w: number, c: number];
  out: [h: number, w: number];
  kernel: [h: number, w: number];
  pad: [top: number, left: number];
  gemm: [m: number, n: number, k: number];
  tiling: Tiling;
  splits?: number;
  chunk?: number;
}

function packParams(f: ParamFields): ArrayBuffer {
  return packUniform([
    u32(f.batch), u32(f.in[0]), u32(f.in[1]), u32(f.in[2]), u32(f.out[0]), u32(f.out[1]),
    u32(f.kernel[0]), u32(f.kernel[1]), i32(f.pad[0]), i32(f.pad[1]),
    u32(f.gemm[0]), u32(f.gemm[1]), u32(f.gemm[2]),
    u32(f.tiling.tilesN), u32(f.tiling.tiles), u32(f.splits ?? 1), u32(f.chunk ?? 0),
  ]);
}

// ---- argument checks -------------------------------------------------------------------------------

function bindingBytes(b: BufferLike): number {
  if ('buffer' in b) return b.size ?? b.buffer.size - (b.offset ?? 0);
  return b.size;
}

function checkBuffer(device: GPUDevice, op: string, name: string, b: BufferLike, floats: number): void {
  const bytes = floats * 4;
  if (bytes > device.limits.maxStorageBufferBindingSize) {
    throw new Error(`${op}: ${name} needs ${bytes} bytes, more than this device's storage binding limit of ${device.limits.maxStorageBufferBindingSize}`);
  }
  const have = bindingBytes(b);
  if (have < bytes) throw new Error(`${op}: ${name} holds ${Math.floor(have / 4)} floats, the shape needs ${floats}`);
}

function sizes(s: Conv2dShape) {
  const o = conv2dOutputSize(s);
  return {
    o,
    pad: conv2dPadding(s),
    x: s.batch * s.height * s.width * s.inChannels,
    y: s.batch * o.height * o.width * s.outChannels,
    w: s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels,
  };
}

// ---- factories ---------------------------------------------------------------------------------------

/** y = conv(x, w) (+ bias): an implicit GEMM over B·OH·OW rows and Cout columns. */
export async function createConv2dForward(
  device: GPUDevice,
  a: { label: string; shape: Conv2dShape; x: BufferLike; w: BufferLike; bias?: BufferLike; y: BufferLike },
): Promise<Dispatch> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.forward`;
  checkBuffer(device, op, 'x', a.x, z.x);
  checkBuffer(device, op, 'w', a.w, z.w);
  checkBuffer(device, op, 'y', a.y, z.y);
  if (a.bias) checkBuffer(device, op, 'bias', a.bias, s.outChannels);
  const gemm: [number, number, number] = [s.batch * z.o.height * z.o.width, s.outChannels, s.kernelHeight * s.kernelWidth * s.inChannels];
  const t = tiling(gemm[0], gemm[1]);
  const kernel = await getKernel(
    device,
    gemmSpec('forward', t, ['storage', 'uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage'], { HAS_BIAS: a.bias ? 1 : 0 }),
    t.workgroupBytes,
  );
  const params = createUniform(device, `${op}.params`, packParams({
    batch: s.batch, in: [s.height, s.width, s.inChannels], out: [z.o.height, z.o.width],
    kernel: [s.kernelHeight, s.kernelWidth], pad: [z.pad.top, z.pad.left], gemm, tiling: t,
  }));
  // The shader declares the bias binding either way; without a bias it reads nothing from this one.
  const bias = a.bias ?? device.createBuffer({ label: `${op}.no_bias`, size: 16, usage: STORAGE });
  return makeDispatch(device, kernel, op, [a.y, params, a.x, a.w, bias], grid1d(device, t.tiles));
}

/** dx = the convolution of dy with the flipped, transposed kernel ('full' padding for 'valid'). */
export async function createConv2dBackwardInput(
  device: GPUDevice,
  a: { label: string; shape: Conv2dShape; dy: BufferLike; w: BufferLike; dx: BufferLike },
): Promise<Dispatch> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.backward_input`;
  checkBuffer(device, op, 'dy', a.dy, z.y);
  checkBuffer(device, op, 'w', a.w, z.w);
  checkBuffer(device, op, 'dx', a.dx, z.x);
  const gemm: [number, number, number] = [s.batch * s.height * s.width, s.inChannels, s.kernelHeight * s.kernelWidth * s.outChannels];
  const t = tiling(gemm[0], gemm[1]);
  const kernel = await getKernel(
    device,
    gemmSpec('backward_input', t, ['storage', 'uniform', 'read-only-storage', 'read-only-storage']),
    t.workgroupBytes,
  );
  const params = createUniform(device, `${op}.params`, packParams({
    batch: s.batch, in: [z.o.height, z.o.width, s.outChannels], out: [s.height, s.width],
    kernel: [s.kernelHeight, s.kernelWidth],
    pad: [s.kernelHeight - 1 - z.pad.top, s.kernelWidth - 1 - z.pad.left],
    gemm, tiling: t,
  }));
  return makeDispatch(device, kernel, op, [a.dx, params, a.dy, a.w], grid1d(device, t.tiles));
}

/** How backward_weight splits its reduction over `rows` = B·OH·OW, given its output tiles and dw's size in floats. */
export function conv2dWeightSplits(rows: number, tiles: number, outputFloats: number): { splits: number; chunk: number } {
  const maxSplits = Math.max(1, Math.floor(MAX_SCRATCH_BYTES / (4 * outputFloats)));
  let splits = Math.ceil(CONV2D_TARGET_WORKGROUPS / tiles);
  splits = Math.max(1, Math.min(splits, Math.ceil(rows / CONV2D_MIN_CHUNK), maxSplits));
  const chunk = Math.ceil(Math.ceil(rows / splits) / CONV2D_TILE_K) * CONV2D_TILE_K;
  return { splits: Math.ceil(rows / chunk), chunk };
}

/**
 * dw = Σ over B·OH·OW of x-patches ⊗ dy. Returns [backward_weight] when one split suffices, else
 * [backward_weight into a scratch of partials (allocated here, once), reduce_splits]: encode them in order.
 */
export async function createConv2dBackwardWeight(
  device: GPUDevice,
  a: { label: string; shape: Conv2dShape; x: BufferLike; dy: BufferLike; dw: BufferLike },
): Promise<Dispatch[]> {
  const s = a.shape;
  const z = sizes(s);
  const op = `${a.label}.backward_weight`;
  checkBuffer(device, op, 'x', a.x, z.x);
  checkBuffer(device, op, 'dy', a.dy, z.y);
  checkBuffer(device, op, 'dw', a.dw, z.w);
  const gemm: [number, number, number] = [s.kernelHeight * s.kernelWidth * s.inChannels, s.outChannels, s.batch * z.o.height * z.o.width];
  const t = tiling(gemm[0], gemm[1]);
  const { splits, chunk } = conv2dWeightSplits(gemm[2], t.tiles, z.w);
  const kernel = await getKernel(
    device,
    gemmSpec('backward_weight', t, ['storage', 'uniform', 'read-only-storage', 'read-only-storage']),
    t.workgroupBytes,
  );
  const params = createUniform(device, `${op}.params`, packParams({
    batch: s.batch, in: [s.height, s.width, s.inChannels], out: [z.o.height, z.o.width],
    kernel: [s.kernelHeight, s.kernelWidth], pad: [z.pad.top, z.pad.left], gemm, tiling: t, splits, chunk,
  }));
  const groups = grid1d(device, t.tiles * splits);
  if (splits === 1) return [makeDispatch(device, kernel, op, [a.dw, params, a.x, a.dy], groups)];
  const partials = device.createBuffer({ label: `${op}.partials`, size: splits * z.w * 4, usage: STORAGE });
  const reduce = await getKernel(device, REDUCE_SPEC);
  return [
    makeDispatch(device, kernel, op, [partials, params, a.x, a.dy], groups),
    makeDispatch(device, reduce, `${op}.reduce`, [a.dw, params, partials], grid1d(device, Math.ceil(z.w / CONV2D_REDUCE_WORKGROUP))),
  ];
}
