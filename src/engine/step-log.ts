// Training metrics without readback in the step: after every step the GPU copies the running
// epoch metrics (loss sum, correct, count, first non-finite step) into row `batch` of a log buffer.
// A few times per epoch the rows written since the last read are mapped asynchronously, which
// yields each batch's own loss (the difference of consecutive rows) and the running epoch means.

export const LOG_ROW_BYTES = 16;
export const NO_BAD_STEP = 0xffffffff;

export interface LogRow {
  batch: number;
  /** This batch's mean loss and accuracy. */
  loss: number;
  accuracy: number;
  /** Running means over the epoch so far. */
  epochLoss: number;
  epochAccuracy: number;
  /** The first step whose loss was NaN/Inf, if any. */
  badStep?: number;
}

export class StepLog {
  readonly buffer: GPUBuffer;
  private readonly staging: GPUBuffer[];
  private readonly busy: boolean[];

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
    this.buffer.destroy();
    for (const s of this.staging) s.destroy();
  }
}

function decode(raw: ArrayBuffer, first: number, from: number): LogRow[] {
  const f = new Float32Array(raw);
  const u = new Uint32Array(raw);
  const out: LogRow[] = [];
  for (let batch = from, r = from - first; r * 4 < f.length; batch++, r++) {
    const [sum, correct, count] = [f[r * 4], f[r * 4 + 1], f[r * 4 + 2]];
    const [pSum, pCorrect, pCount] = batch === 0 ? [0, 0, 0] : [f[r * 4 - 4], f[r * 4 - 3], f[r * 4 - 2]];
    const n = count - pCount;
    out.push({
      batch,
      loss: n > 0 ? (sum - pSum) / n : Number.NaN,
      accuracy: n > 0 ? (correct - pCorrect) / n : Number.NaN,
      epochLoss: count > 0 ? sum / count : Number.NaN,
      epochAccuracy: count > 0 ? correct / count : Number.NaN,
      badStep: u[r * 4 + 3] === NO_BAD_STEP ? undefined : u[r * 4 + 3],
    });
  }
  return out;
}
