// 2-D max/average pooling, NHWC, padding 'valid' (src/shaders/pool.wgsl).
import poolOnlyWgsl from '../../shaders/pool.wgsl';
import poolVec4Wgsl from '../../shaders/pool_vec4.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, checkNotAliased, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

/** pool.wgsl and its 4-channel entry points (pool_vec4.wgsl) in one module. */
const poolWgsl = `${poolOnlyWgsl}\n${poolVec4Wgsl}`;

export const POOL_WORKGROUP = 256;

export type PoolKind = 'max' | 'avg';
const KIND_ID: Record<PoolKind, number> = { max: 0, avg: 1 };

export interface Pool2dShape {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Square window side. */
  poolSize: number;
  /** Defaults to poolSize (non-overlapping windows); smaller values overlap. */
  stride?: number;
  kind: PoolKind;
}

type EntryPoint = 'forward' | 'backward' | 'backward_window' | 'forward_vec4' | 'backward_window_vec4';

/**
 * POOL2 = 1 selects the shader's straight-line 2×2 code: in forward for pool 2 (any stride), in
 * backward_window for pool = stride = 2.
 */
function spec(entryPoint: EntryPoint, kind: PoolKind, pool2: boolean, reluMask = false): KernelSpec {
  return {
    label: `pool2d.${entryPoint}`,
    code: poolWgsl,
    entryPoint,
    workgroupSize: [POOL_WORKGROUP],
    constants: { WG: POOL_WORKGROUP, KIND: KIND_ID[kind], POOL2: pool2 ? 1 : 0, RELU_MASK: reluMask ? 1 : 0 },
    bindings: entryPoint.startsWith('forward')
      ? ['read-only-storage', 'storage', 'uniform']
      : ['read-only-storage', 'storage', 'uniform', 'read-only-storage'],
  };
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`pool2d: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Output height and width; throws when the shape is invalid or the window does not fit the input. */
export function pool2dOutputSize(s: Pool2dShape): { height: number; width: number } {
  for (const k of ['batch', 'height', 'width', 'channels', 'poolSize'] as const) positiveInt(k, s[k]);
  const stride = positiveInt('stride', s.stride ?? s.poolSize);
  if (!Object.hasOwn(KIND_ID, s.kind)) throw new Error(`pool2d: kind must be 'max' or 'avg', got '${String(s.kind)}'`);
  if (s.poolSize > s.height || s.poolSize > s.width) {
    throw new Error(`pool2d: window ${s.poolSize}×${s.poolSize} is larger than the input ${s.height}×${s.width}`);
  }
  return {
    height: Math.floor((s.height - s.poolSize) / stride) + 1,
    width: Math.floor((s.width - s.poolSize) / stride) + 1,
  };
}

/** What a capacity error says the buffer is for. */
const f32Shape = (shape: readonly number[]): string => `f32 shape (${shape.join(', ')})`;

interface Prepared {
  /** `pool2d (label)`: the op named in error messages. */
  op: string;
  inShape: number[];
  outShape: number[];
  nIn: number;
  nOut: number;
  pool: number;
  stride: number;
  /** stride×stride cells tiling the input (⌈H / stride⌉·⌈W / stride⌉ per image and channel): backward_window's grid. */
  nCells: number;
  /** Allocates the uniform (for the op to own): call after every other check has passed. */
  params(): GPUBuffer;
}

function prepare(device: GPUDevice, label: string, s: Pool2dShape): Prepared {
  const o = pool2dOutputSize(s);
  const stride = s.stride ?? s.poolSize;
  const inShape = [s.batch, s.height, s.width, s.channels];
  const outShape = [s.batch, o.height, o.width, s.channels];
  const nIn = inShape.reduce((a, b) => a * b);
  const nOut = outShape.reduce((a, b) => a * b);
  const cellsH = Math.ceil(s.height / stride);
  const cellsW = Math.ceil(s.width / stride);
  const nCells = s.batch * cellsH * cellsW * s.channels;
  const op = `pool2d (${label})`;
  if (nIn > 0xffffffff) throw new Error(`${op}: ${nIn} input elements exceed the u32 index range`);
  const params = () => createUniform(device, `${label}.params`, packUniform([
    u32(s.batch), u32(s.height), u32(s.width), u32(s.channels),
    u32(o.height), u32(o.width), u32(s.poolSize), u32(stride),
    u32(nOut), u32(nIn), u32(cellsH), u32(cellsW),
    u32(nCells),
  ]));
  return { op, inShape, outShape, nIn, nOut, pool: s.poolSize, stride, nCells, params };
}

/** y = pool(x): x (B, H, W, C) → y (B, OH, OW, C). */
export async function createPool2dForward(
  device: GPUDevice,
  a: { label: string; shape: Pool2dShape; x: BufferLike; y: BufferLike },
): Promise<GpuOp> {
  const label = `${a.label}.forward`;
  const p = prepare(device, label, a.shape);
  checkBinding(device, p.op, 'x', a.x, 4 * p.nIn, f32Shape(p.inShape));
  checkBinding(device, p.op, 'y', a.y, 4 * p.nOut, f32Shape(p.outShape));
  checkNotAliased(p.op, { y: a.y }, { x: a.x });
  // 2×2 windows over a multiple of 4 channels: 4 channels per invocation (pool_vec4.wgsl).
  const vec4 = p.pool === 2 && a.shape.channels % 4 === 0;
  const kernel = await getKernel(device, spec(vec4 ? 'forward_vec4' : 'forward', a.shape.kind, p.pool === 2));
  const invocations = vec4 ? p.nOut / 4 : p.nOut;
  return createOp(label, async (own) => ({
    dispatches: [makeDispatch(device, kernel, label, [a.x, a.y, own.add(p.params())], grid1d(device, Math.ceil(invocations / POOL_WORKGROUP)))],
  }));
}

/**
 * dx = dL/dx from dy = dL/dy (B, OH, OW, C); x is the forward input (max pooling recomputes its argmax).
 * Non-overlapping windows (stride ≥ pool) use one invocation per window (backward_window), overlapping
 * ones one invocation per dx element (backward). `reluMask` fuses the backward of the ReLU whose output
 * x is: dx is also multiplied by [x > 0] (then dx is the gradient w.r.t. that ReLU's input).
 */
export async function createPool2dBackward(
  device: GPUDevice,
  a: { label: string; shape: Pool2dShape; x: BufferLike; dy: BufferLike; dx: BufferLike; reluMask?: boolean },
): Promise<GpuOp> {
  const label = `${a.label}.backward`;
  const p = prepare(device, label, a.shape);
  checkBinding(device, p.op, 'x', a.x, 4 * p.nIn, f32Shape(p.inShape));
  checkBinding(device, p.op, 'dy', a.dy, 4 * p.nOut, f32Shape(p.outShape));
  checkBinding(device, p.op, 'dx', a.dx, 4 * p.nIn, f32Shape(p.inShape));
  checkNotAliased(p.op, { dx: a.dx }, { x: a.x, dy: a.dy });
  const perWindow = p.stride >= p.pool;
  const pool2 = p.pool === 2 && p.stride === 2;
  const vec4 = pool2 && a.shape.channels % 4 === 0;
  const kernel = await getKernel(device, perWindow
    ? spec(vec4 ? 'backward_window_vec4' : 'backward_window', a.shape.kind, pool2, a.reluMask)
    : spec('backward', a.shape.kind, false, a.reluMask));
  const invocations = (perWindow ? p.nCells : p.nIn) / (vec4 ? 4 : 1);
  return createOp(label, async (own) => ({
    dispatches: [makeDispatch(device, kernel, label, [a.x, a.dx, own.add(p.params()), a.dy], grid1d(device, Math.ceil(invocations / POOL_WORKGROUP)))],
  }));
}
