// Batch normalization (src/shaders/batchnorm.wgsl) over every axis but the last: per channel of an
// NHWC output, per feature of a dense one. One op holds the forward (stats_partial, stats_combine,
// normalize), the backward (backward_partial, backward_combine, backward_input), the uniform they share
// (valid rows, mode), the saved batch statistics and the reductions' partials. The mode and the number of valid rows are uniform writes: no recompilation, no readback.
import batchnormWgsl from '../../shaders/batchnorm.wgsl';
import { createTensor, createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, checkNotAliased, getKernel, type BindingKind, type BufferLike, type KernelSpec } from '../pipelines';

/** Threads per workgroup of every pass. */
export const BATCHNORM_WORKGROUP = 256;
/** At most this many chunks (the combine's serial loop), and at least this many rows in each. */
const MAX_CHUNKS = 256;
const MIN_CHUNK_ROWS = 16;

/**
 * Rows per chunk and the number of chunks for R rows: the partial passes run chunks × C threads, enough to
 * spread over a GPU; the combine's serial loop over the chunks stays short.
 */
export function batchNormChunks(rows: number): { chunk: number; chunks: number } {
  const chunk = Math.max(MIN_CHUNK_ROWS, Math.ceil(rows / MAX_CHUNKS));
  return { chunk, chunks: Math.ceil(rows / chunk) };
}

/** Keras's defaults. */
export const BATCHNORM_MOMENTUM = 0.99;
export const BATCHNORM_EPSILON = 0.001;

function spec(entryPoint: string, bindings: readonly BindingKind[]): KernelSpec {
  return {
    label: `batchnorm.${entryPoint}`,
    code: batchnormWgsl,
    entryPoint,
    workgroupSize: [BATCHNORM_WORKGROUP],
    constants: { WG: BATCHNORM_WORKGROUP },
    bindings,
  };
}

const R = 'read-only-storage';
const SPECS = {
  statsPartial: spec('stats_partial', [R, 'storage', 'uniform']),
  statsCombine: spec('stats_combine', [R, 'storage', 'storage', 'uniform']),
  normalize: spec('normalize', [R, R, R, 'storage', 'uniform']),
  backwardPartial: spec('backward_partial', [R, R, R, 'storage', 'uniform']),
  backwardCombine: spec('backward_combine', [R, 'storage', 'uniform']),
  backwardInput: spec('backward_input', [R, R, R, R, R, 'storage', 'uniform']),
};

export interface BatchNormArgs {
  label: string;
  /** B: the rows of the batch (images), of which setRows() says how many are real. */
  batch: number;
  /** H·W for an NHWC input, 1 for a dense one: rows of statistics per image. */
  spatial: number;
  /** C: the last axis. */
  channels: number;
  /**
   * Offset in elements of the second tensor of each pair (beta after gamma, moving_variance after
   * moving_mean, dbeta after dgamma) from the first: ≥ channels.
   */
  stride: number;
  /** x, y: (B, spatial, C). */
  x: BufferLike;
  y: BufferLike;
  /** gamma | beta, read-only. */
  affine: BufferLike;
  /** moving_mean | moving_variance, updated by a training forward. */
  moving: BufferLike;
  /** The backward: dy, dx (omit for none: no layer before needs it), daffine = dgamma | dbeta. */
  dy?: BufferLike;
  dx?: BufferLike;
  daffine?: BufferLike;
  momentum?: number;
  epsilon?: number;
}

export interface BatchNormOp extends GpuOp {
  /** The forward: batch statistics (and the moving update) in training mode, then y. */
  readonly dispatches: readonly Dispatch[];
  /** dgamma, dbeta, then dx (when given); empty without daffine. Valid in training mode only. */
  readonly backward: readonly Dispatch[];
  /** Training (batch statistics, moving update) or inference (moving statistics); from the next submit. */
  setTraining(training: boolean): void;
  /** The first `rows` of the B rows are real images (1 ≤ rows ≤ B); the rest are left out of the statistics. */
  setRows(rows: number): void;
}

export function validateBatchNorm(momentum: number, epsilon: number): void {
  if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1)) throw new Error(`momentum must be in [0, 1), got ${momentum}`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new Error(`epsilon must be a finite number > 0, got ${epsilon}`);
}

const isPosInt = (v: number) => Number.isInteger(v) && v > 0;

export async function createBatchNorm(device: GPUDevice, a: BatchNormArgs): Promise<BatchNormOp> {
  const op = `batchnorm (${a.label})`;
  const momentum = a.momentum ?? BATCHNORM_MOMENTUM;
  const epsilon = a.epsilon ?? BATCHNORM_EPSILON;
  validateBatchNorm(momentum, epsilon);
  for (const [name, v] of Object.entries({ batch: a.batch, spatial: a.spatial, channels: a.channels, stride: a.stride })) {
    if (!isPosInt(v)) throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
  }
  const { channels: C, stride } = a;
  if (stride < C) throw new Error(`${op}: stride ${stride} is less than the ${C} channels`);
  const rows = a.batch * a.spatial;
  const n = rows * C;
  if (n > 0xffffffff) throw new Error(`${op}: ${n} elements exceed 2^32`);
  const { chunk, chunks } = batchNormChunks(rows);
  const pairBytes = (stride + C) * 4;
  const what = `(${a.batch}, ${a.spatial}, ${C}) floats`;
  for (const [name, b] of Object.entries({ x: a.x, y: a.y, dy: a.dy, dx: a.dx })) if (b) checkBinding(device, op, name, b, n * 4, what);
  for (const [name, b] of Object.entries({ affine: a.affine, moving: a.moving, daffine: a.daffine })) if (b) checkBinding(device, op, name, b, pairBytes, `two ${C}-float tensors ${stride} apart`);
  checkNotAliased(op, { y: a.y }, { x: a.x, affine: a.affine });
  checkNotAliased(op, { moving: a.moving }, { x: a.x });
  if (a.dx && !a.dy) throw new Error(`${op}: dx needs dy`);
  if (a.daffine) checkNotAliased(op, { daffine: a.daffine }, { x: a.x, dy: a.dy });
  if (a.dx) checkNotAliased(op, { dx: a.dx }, { x: a.x, dy: a.dy, affine: a.affine, daffine: a.daffine });

  const [statsPartial, statsCombine, normalize, backwardPartial, backwardCombine, backwardInput] = await Promise.all([
    getKernel(device, SPECS.statsPartial),
    getKernel(device, SPECS.statsCombine),
    getKernel(device, SPECS.normalize),
    getKernel(device, SPECS.backwardPartial),
    getKernel(device, SPECS.backwardCombine),
    getKernel(device, SPECS.backwardInput),
  ]);
  const state = { valid: rows, training: true };
  const pack = () => packUniform([u32(rows), u32(state.valid), u32(C), u32(stride), u32(state.training ? 1 : 0), momentum, epsilon, u32(chunk), u32(chunks)]);
  const elementwise = grid1d(device, Math.ceil(n / BATCHNORM_WORKGROUP));
  const perPartial = grid1d(device, Math.ceil((chunks * C) / BATCHNORM_WORKGROUP));
  const perChannel = grid1d(device, Math.ceil(C / BATCHNORM_WORKGROUP));
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.params`, pack()));
    const saved = own.tensor(createTensor(device, `${a.label}.stats`, [2, stride])).buffer;
    // part: (2, chunks, C), the partials of whichever reduction ran last (the forward's, then the backward's).
    const part = own.tensor(createTensor(device, `${a.label}.partials`, [2, chunks, C])).buffer;
    const forward = [
      makeDispatch(device, statsPartial, `${a.label}.stats_partial`, [a.x, part, params], perPartial),
      makeDispatch(device, statsCombine, `${a.label}.stats_combine`, [part, a.moving, saved, params], perChannel),
      makeDispatch(device, normalize, `${a.label}.normalize`, [a.x, saved, a.affine, a.y, params], elementwise),
    ];
    const backward: Dispatch[] = [];
    if (a.daffine && a.dy) {
      backward.push(makeDispatch(device, backwardPartial, `${a.label}.backward_partial`, [a.x, saved, a.dy, part, params], perPartial));
      backward.push(makeDispatch(device, backwardCombine, `${a.label}.backward_combine`, [part, a.daffine, params], perChannel));
      if (a.dx) backward.push(makeDispatch(device, backwardInput, `${a.label}.backward_input`, [a.x, saved, a.affine, a.dy, a.daffine, a.dx, params], elementwise));
    }
    const write = () => device.queue.writeBuffer(params, 0, pack());
    return {
      dispatches: forward,
      backward,
      setTraining(training: boolean) {
        state.training = training;
        write();
      },
      setRows(valid: number) {
        if (!Number.isInteger(valid) || valid < 1 || valid > a.batch) throw new Error(`${op}: rows must be an integer in [1, ${a.batch}], got ${valid}`);
        if (valid * a.spatial === state.valid) return;
        state.valid = valid * a.spatial;
        write();
      },
    };
  });
}
