// Training metrics without readback in the step: after every step the GPU copies the running
// epoch metrics (the words of metrics-words.ts: loss sum, correct, count, first non-finite step,
// top-k, ...) into row `batch` of a log buffer.
// A few times per epoch the rows written since the last read are mapped asynchronously, which
// yields each batch's own loss (the difference of consecutive rows) and the running epoch means.

import { METRICS_WORDS, metricsBetween, readMetrics } from './metrics-words';
import { Stopped } from './run-gate';

/** One row: the metrics words as they were after the step. */
export const LOG_ROW_BYTES = METRICS_WORDS * 4;

export interface LogRow {
  batch: number;
  /** This batch's mean loss, accuracy and top-k accuracy. */
  loss: number;
  accuracy: number;
  topKAccuracy: number;
  /** Running means over the epoch so far. */
  epochLoss: number;
  epochAccuracy: number;
  epochTopKAccuracy: number;
  /** The first step whose loss was NaN/Inf, if any. */
  badStep?: number;
}

export class StepLog {
  readonly buffer: GPUBuffer;
  private readonly staging: GPUBuffer[];
  private readonly busy: boolean[];
  private destroyed = false;

  constructor(private readonly device: GPUDevice, readonly rows: number, label = 'steplog') {
    this.buffer = device.createBuffer({ label, size: Math.max(16, rows * LOG_ROW_BYTES), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    // Two staging buffers: one can be in flight while the next read is recorded.
    this.staging = [0, 1].map((i) => device.createBuffer({ label: `${label}.staging${i}`, size: this.buffer.size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ }));
    this.busy = [false, false];
  }

  /** Records the copy of the metrics words into row `batch` (inside the step's encoder). */
  record(encoder: GPUCommandEncoder, metrics: GPUBuffer, batch: number): void {
    encoder.copyBufferToBuffer(metrics, 0, this.buffer, batch * LOG_ROW_BYTES, LOG_ROW_BYTES);
  }

  /**
   * Maps rows [from, to] (inclusive) after the work submitted so far; resolves with the decoded rows,
   * or null if both staging buffers are busy (the caller reads the same range again later).
   */
  read(from: number, to: number): Promise<LogRow[]> | null {
    // After destroy() (the trainer freed mid-epoch, e.g. its element removed): no copy from the freed buffers.
    if (this.destroyed) return Promise.reject(new Stopped('the step log was destroyed'));
    const slot = this.busy.indexOf(false);
    if (slot < 0) return null;
    this.busy[slot] = true;
    const staging = this.staging[slot];
    // Row from-1 is needed to turn running sums into per-batch values.
    const first = Math.max(0, from - 1);
    const bytes = (to - first + 1) * LOG_ROW_BYTES;
    const enc = this.device.createCommandEncoder({ label: 'steplog.read' });
    enc.copyBufferToBuffer(this.buffer, first * LOG_ROW_BYTES, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    return staging.mapAsync(GPUMapMode.READ, 0, bytes).then(
      () => {
        const raw = staging.getMappedRange(0, bytes).slice(0);
        staging.unmap();
        this.busy[slot] = false;
        return decode(raw, first, from);
      },
      (e) => {
        this.busy[slot] = false;
        throw e;
      },
    );
  }

  destroy(): void {
    this.destroyed = true;
    this.buffer.destroy();
    for (const s of this.staging) s.destroy();
  }
}

/**
 * The log read while an epoch's steps run: after every `every`-th batch the rows since the last read are
 * mapped in the background (the steps never wait for them) and passed to `report`; finish() reads the
 * rest after the last step. A report that throws (a divergence) fails the epoch at the next check().
 */
export class EpochLogReader {
  private readonly pending: Promise<void>[] = [];
  private readonly every: number;
  private failure: unknown;

  /** Batches [from, steps) of an epoch, `readsPerEpoch` reads besides the final one. */
  constructor(private readonly log: StepLog, private readonly steps: number, readsPerEpoch: number, private from: number, private readonly report: (rows: LogRow[]) => void) {
    this.every = Math.max(1, Math.ceil(steps / (readsPerEpoch + 1)));
  }

  /** Throws what an earlier read or report threw. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** After batch `b` was submitted: starts a read if one is due and a staging buffer is free. */
  afterStep(b: number): void {
    if ((b + 1) % this.every !== 0 || b + 1 >= this.steps) return;
    const read = this.log.read(this.from, b);
    if (!read) return;
    this.from = b + 1;
    this.pending.push(read.then(this.report).catch((e) => { this.failure ??= e; }));
  }

  /** After the last step: the rows not yet reported (not reported here), once the earlier reads are; [] if the device is lost. */
  async finish(lost: Promise<unknown>): Promise<LogRow[]> {
    let final: Promise<LogRow[]> | null;
    while (!(final = this.log.read(this.from, this.steps - 1))) await Promise.all(this.pending);
    final.catch(() => undefined); // awaited below unless an earlier read failed first
    await Promise.all(this.pending);
    this.check();
    return Promise.race([final, lost.then(() => [] as LogRow[])]);
  }
}

function decode(raw: ArrayBuffer, first: number, from: number): LogRow[] {
  const words = new Uint32Array(raw);
  const row = (r: number) => readMetrics(words.subarray(r * METRICS_WORDS, (r + 1) * METRICS_WORDS));
  const out: LogRow[] = [];
  for (let batch = from, r = from - first; r * METRICS_WORDS < words.length; batch++, r++) {
    const m = row(r);
    const own = metricsBetween(batch === 0 ? null : row(r - 1), m);
    out.push({
      batch,
      loss: own.loss,
      accuracy: own.accuracy,
      topKAccuracy: own.topKAccuracy,
      epochLoss: m.loss,
      epochAccuracy: m.accuracy,
      epochTopKAccuracy: m.topKAccuracy,
      badStep: m.nonFiniteStep ?? undefined,
    });
  }
  return out;
}
