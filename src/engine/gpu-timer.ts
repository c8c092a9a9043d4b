// GPU time of a dispatch list. With 'timestamp-query' the GPU writes a timestamp at the start and the end
// of a compute pass holding the list; each repetition is its own pass and command buffer, all queued at
// once, so the CPU's submit latency is not counted. Without the feature (or when the timestamps are not
// plausible: some drivers return zeros) it falls back to wall time from submit to onSubmittedWorkDone,
// one repetition at a time, and says so. The reported value is the median. The benchmark and the profiler
// time with it, and so does the autotuner (autotune.ts) when it chooses kernels.
import { encodeDispatches, type Dispatch } from './dispatch';

/** How GPU time was measured: timestamps written by the GPU around each pass, or wall time to onSubmittedWorkDone. */
export type TimingMethod = 'timestamp-query' | 'wall';

/** Timed runs: `warmup` untimed (at least 1 unless the list is warm), then at least `min` and at most `max`, continuing until `seconds` have passed. */
export interface StepBudget {
  warmup: number;
  min: number;
  max: number;
  seconds: number;
}

export interface Timing {
  ms: number;
  samples: number[];
  method: TimingMethod;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Repetitions that fill about budget.seconds at `estimateMs` each, within [budget.min, budget.max]. */
export function repsFor(budget: StepBudget, estimateMs: number): number {
  return Math.max(budget.min, Math.min(budget.max, Math.ceil((budget.seconds * 1000) / Math.max(estimateMs, 1e-3))));
}

/** Awaits `f` budget.warmup times (at least once, untimed but the last) and returns repsFor the last one's wall time. */
export async function warmedUpReps(f: () => Promise<unknown>, budget: StepBudget): Promise<number> {
  let estimate = 0;
  for (let i = 0; i < Math.max(1, budget.warmup); i++) {
    const t = performance.now();
    await f();
    estimate = performance.now() - t;
  }
  return repsFor(budget, estimate);
}

/** Wall milliseconds of each of `reps` awaited calls of `f`. */
export async function wallSamples(f: () => Promise<unknown>, reps: number): Promise<number[]> {
  const wall: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await f();
    wall.push(performance.now() - t);
  }
  return wall;
}

async function checked<T>(device: GPUDevice, label: string, f: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  // The scope is popped whatever f() does; a validation error explains a failure of f(), so it wins.
  const outcome = await f().then((value) => ({ value }), (failure: unknown) => ({ failure }));
  const err = await device.popErrorScope();
  if (err) throw new Error(`${label}: WebGPU validation error: ${err.message}`, { cause: 'failure' in outcome ? outcome.failure : undefined });
  if ('failure' in outcome) throw outcome.failure;
  return outcome.value;
}

/**
 * Commands encoded around each timed pass, in its submission, outside its timestamps: the autotuner's agreement
 * check clears an op's outputs before its first run and copies them out after (kernel-agreement.ts).
 */
export interface PassSurroundings {
  before(enc: GPUCommandEncoder): void;
  after(enc: GPUCommandEncoder): void;
}

function submitPass(device: GPUDevice, list: readonly Dispatch[], label: string, timestamps?: GPUComputePassTimestampWrites, around?: PassSurroundings): void {
  const enc = device.createCommandEncoder({ label });
  around?.before(enc);
  const pass = enc.beginComputePass({ label, timestampWrites: timestamps });
  encodeDispatches(pass, list);
  pass.end();
  around?.after(enc);
  device.queue.submit([enc.finish()]);
}

async function wallOnce(device: GPUDevice, list: readonly Dispatch[], label: string, around?: PassSurroundings): Promise<number> {
  const t = performance.now();
  submitPass(device, list, label, undefined, around);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t;
}

/** Durations in ms of `reps` passes from GPU timestamps, or null when they are not plausible. */
async function timestampSamples(device: GPUDevice, list: readonly Dispatch[], label: string, reps: number, around?: PassSurroundings): Promise<number[] | null> {
  const count = 2 * reps;
  const querySet = device.createQuerySet({ label: `${label}.timestamps`, type: 'timestamp', count });
  const resolve = device.createBuffer({ label: `${label}.timestamps.resolve`, size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ label: `${label}.timestamps.read`, size: count * 8, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const t = performance.now();
    for (let r = 0; r < reps; r++) {
      submitPass(device, list, label, { querySet, beginningOfPassWriteIndex: 2 * r, endOfPassWriteIndex: 2 * r + 1 }, around);
    }
    const enc = device.createCommandEncoder({ label: `${label}.timestamps.resolve` });
    enc.resolveQuerySet(querySet, 0, count, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const wall = performance.now() - t;
    const ticks = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    const samples = Array.from({ length: reps }, (_, r) => Number(ticks[2 * r + 1] - ticks[2 * r]) / 1e6);
    const total = samples.reduce((a, b) => a + b, 0);
    // Zeros, wrap-arounds, or more GPU time than wall time mean the timestamps cannot be trusted.
    const plausible = samples.every((s) => Number.isFinite(s) && s > 0) && total <= wall * 1.05 + 1;
    return plausible ? samples : null;
  } finally {
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/**
 * Median time of one run of `list`: `budget.warmup` untimed runs (0 only where the list has run before,
 * or where first-use costs do not matter), then repetitions until about `budget.seconds` of work, within
 * [budget.min, budget.max]; `around` is encoded around each timed repetition.
 */
export async function timeDispatches(device: GPUDevice, list: readonly Dispatch[], budget: StepBudget, useTimestamps: boolean, label = 'bench', around?: PassSurroundings): Promise<Timing> {
  return checked(device, label, async () => {
    await device.queue.onSubmittedWorkDone();
    let estimate = 0;
    for (let i = 0; i < budget.warmup; i++) estimate = await wallOnce(device, list, label);
    const reps = repsFor(budget, estimate);
    if (useTimestamps) {
      const samples = await timestampSamples(device, list, label, reps, around);
      if (samples) return { ms: median(samples), samples, method: 'timestamp-query' };
    }
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(await wallOnce(device, list, label, around));
    return { ms: median(samples), samples, method: 'wall' };
  });
}
