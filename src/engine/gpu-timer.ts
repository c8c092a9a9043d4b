// GPU time of a dispatch list. With 'timestamp-query' the GPU writes a timestamp at the start and the end
// of a compute pass holding the list; each repetition is its own pass and command buffer, all queued at
// once, so the CPU's submit latency is not counted. Without the feature (or when the timestamps are not
// plausible: some drivers return zeros) it falls back to wall time from submit to onSubmittedWorkDone,
// one repetition at a time, and says so. The reported value is the median, except for quantized
// timestamps (passDurations). The benchmark and the profiler time with it, and so does the autotuner
// (autotune.ts) when it chooses kernels.
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

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
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

/**
 * Timestamps whose every value is a multiple of this many ns or more are quantized: Dawn (Chrome's WebGPU)
 * rounds them down to 2^16 ns (65.5 µs) against timing attacks unless its timestamp_quantization toggle is off
 * (node/gpu.ts turns it off). Unquantized, one pass's two values share so large a divisor about once in 1,600,
 * more passes' far more rarely; taken for quantized, they are then summed up by their mean.
 */
const QUANTUM_NS = 1000n;

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The durations in ms of the passes whose begin and end timestamps (ns) are `ticks` in pairs, with how to sum
 * them up; null when they cannot be trusted: a zero timestamp (drivers that do not implement them), an end
 * before its begin (wrap-around), or more GPU time than the `wallMs` the passes took. Quantized timestamps read
 * a pass shorter than the quantum as 0 and a longer one as a multiple of it; as the passes start at phases
 * spread over the quantum, their mean is unbiased where the median is not, so `quantized` says to take the
 * mean, over enough passes (quantizedReps; timeDispatches). Without quantization a pass of 0 ns is implausible.
 */
export function passDurations(ticks: BigUint64Array, wallMs: number): { samples: number[]; quantized: boolean } | null {
  const reps = ticks.length >> 1;
  if (reps === 0 || ticks.some((t) => t === 0n)) return null;
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    if (ticks[2 * r + 1] < ticks[2 * r]) return null;
    samples.push(Number(ticks[2 * r + 1] - ticks[2 * r]) / 1e6);
  }
  const quantized = ticks.reduce((g, t) => gcd(g, t), 0n) >= QUANTUM_NS;
  const total = samples.reduce((a, b) => a + b, 0);
  if (total > wallMs * 1.05 + 1 || (!quantized && samples.some((s) => s <= 0))) return null;
  return { samples, quantized };
}

/**
 * Quantized timings summed to less than this are taken again with more repetitions, at most QUANTIZED_MAX_REPS:
 * one run of a kernel shorter than the quantum reads 0 or one quantum, and the autotuner times one run a candidate.
 */
const QUANTIZED_MIN_MS = 1;
const QUANTIZED_MAX_REPS = 256;

/** How many repetitions bring quantized timings to about QUANTIZED_MIN_MS in all; 0 where they need no more. */
export function quantizedReps(t: { samples: readonly number[]; quantized: boolean }): number {
  const sum = t.samples.reduce((a, b) => a + b, 0);
  if (!t.quantized || sum >= QUANTIZED_MIN_MS || t.samples.length >= QUANTIZED_MAX_REPS) return 0;
  const each = Math.max(sum / t.samples.length, QUANTIZED_MIN_MS / QUANTIZED_MAX_REPS);
  return Math.min(QUANTIZED_MAX_REPS, Math.ceil(QUANTIZED_MIN_MS / each));
}

/** Durations in ms of `reps` passes from GPU timestamps (passDurations), or null when they are not plausible. */
async function timestampSamples(device: GPUDevice, list: readonly Dispatch[], label: string, reps: number, around?: PassSurroundings): Promise<ReturnType<typeof passDurations>> {
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
    return passDurations(ticks, wall);
  } finally {
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/**
 * Before timed runs, the list runs back to back for at least this long, in batches doubling from 1 to at most
 * SPIN_UP_BATCH runs. A GPU that was idle a moment ago runs at a lower clock, and a kernel of 0.1 ms timed 20
 * times never brings it up: on an H200 the bench's kernel table timed the cnn's kernels about 3× slower than its
 * training step runs them. By the clock, not by a count from the warm-up's estimate, which first-use costs inflate.
 */
const SPIN_UP_MS = 100;
const SPIN_UP_BATCH = 1024;

async function spinUp(device: GPUDevice, list: readonly Dispatch[], label: string): Promise<void> {
  const t0 = performance.now();
  for (let batch = 1; performance.now() - t0 < SPIN_UP_MS; batch = Math.min(2 * batch, SPIN_UP_BATCH)) {
    for (let r = 0; r < batch; r++) submitPass(device, list, `${label}.spin_up`);
    await device.queue.onSubmittedWorkDone();
  }
}

/**
 * Median time of one run of `list`: `budget.warmup` untimed runs (0 only where the list has run before,
 * or where first-use costs do not matter) and, after any, the spin-up, then repetitions until about
 * `budget.seconds` of work, within [budget.min, budget.max]; `around` is encoded around each timed repetition.
 */
export async function timeDispatches(device: GPUDevice, list: readonly Dispatch[], budget: StepBudget, useTimestamps: boolean, label = 'bench', around?: PassSurroundings): Promise<Timing> {
  return checked(device, label, async () => {
    await device.queue.onSubmittedWorkDone();
    let estimate = 0;
    for (let i = 0; i < budget.warmup; i++) estimate = await wallOnce(device, list, label);
    // A list that takes SPIN_UP_MS itself keeps the GPU busy enough (SwiftShader's slow candidates: no extra run).
    if (budget.warmup > 0 && estimate < SPIN_UP_MS) await spinUp(device, list, label);
    const reps = repsFor(budget, estimate);
    if (useTimestamps) {
      let t = await timestampSamples(device, list, label, reps, around);
      // Each try's mean sizes the next (a first run's reading may be several quanta off).
      for (let more = t ? quantizedReps(t) : 0; t && more > t.samples.length; more = t ? quantizedReps(t) : 0) {
        t = await timestampSamples(device, list, label, more, around);
      }
      // Quantized passes all at 0, even that many: no figure (wall time instead).
      if (t && !(t.quantized && t.samples.every((s) => s === 0))) {
        return { ms: t.quantized ? mean(t.samples) : median(t.samples), samples: t.samples, method: 'timestamp-query' };
      }
    }
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(await wallOnce(device, list, label, around));
    return { ms: median(samples), samples, method: 'wall' };
  });
}
