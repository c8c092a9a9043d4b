// What the step log's rows (read a few times per epoch, step-log.ts) tell while an epoch trains: a loss
// that turned NaN or infinite (a DivergenceError naming its step), the smoothed per-batch loss curve, and
// the onBatch event with the epoch's running metrics, images per second and the time the fit has left.
import { DivergenceError, type BatchEvent } from './training-types';
import type { LogRow } from './step-log';

/** The per-batch training loss, smoothed (an exponential moving average, weight 0.9), with each point's global step. */
export class BatchLossCurve {
  step: number[] = [];
  loss: number[] = [];
  private smoothed = Number.NaN;

  add(step: number, loss: number): void {
    this.smoothed = Number.isNaN(this.smoothed) ? loss : 0.9 * this.smoothed + 0.1 * loss;
    this.step.push(step);
    this.loss.push(this.smoothed);
  }
  /** A copy of the points up to `step` (a recovery point's), smoothing on from the last of them. */
  upTo(step: number): BatchLossCurve {
    const c = new BatchLossCurve();
    const n = this.step.filter((s) => s <= step).length;
    c.step = this.step.slice(0, n);
    c.loss = this.loss.slice(0, n);
    c.smoothed = n ? c.loss[n - 1] : Number.NaN;
    return c;
  }
  /** The latest smoothed value (NaN before the first). */
  get last(): number {
    return this.smoothed;
  }
}

export interface EpochReportContext {
  /** The epoch, from 0. */
  epoch: number;
  /** Steps per epoch; the epoch (a fit resumed after a stop) began at batch `startBatch`. */
  steps: number;
  startBatch: number;
  batchSize: number;
  /** The epochs of the whole fit, for the time left. */
  targetEpochs: number;
  /** performance.now() when the epoch began. */
  started: number;
  topK: boolean;
  curve: BatchLossCurve;
  /** The global step the trainer has reached (the event's). */
  step(): number;
  /** The rate in use, for the divergence message. */
  learningRate(): number;
  onBatch?(e: BatchEvent): void;
}

/**
 * After an epoch's evaluations: a test or validation loss that is NaN or infinite is a divergence too, though
 * every training step's loss was finite (a loss of 1e33 is): the model's outputs are no longer numbers, so the
 * epoch is not recorded and does not become the recovery point, which stays the last epoch that evaluated finite.
 */
export function checkEvaluations(c: EpochReportContext, sets: { test: { loss: number }; validation?: { loss: number } }): void {
  for (const [name, e] of Object.entries(sets)) {
    if (e && !Number.isFinite(e.loss)) {
      throw new DivergenceError(`The ${name} loss became NaN or infinite after epoch ${c.epoch + 1} (step ${c.step()}), though the training loss stayed finite: ` +
        `the model's outputs are no longer numbers; training stopped. Try a lower learning rate (now ${c.learningRate()}).`, c.step(),
      { step: c.step(), epoch: c.epoch + 1, learningRate: c.learningRate(), set: name });
    }
  }
}

/** Reports rows of the step log as they are read: the curve and one onBatch for the last row. */
export function reportRows(c: EpochReportContext, rows: LogRow[]): void {
  for (const r of rows) {
    if (r.badStep !== undefined) {
      throw new DivergenceError(`The loss became NaN or infinite at step ${r.badStep} (epoch ${c.epoch + 1}); training stopped. Try a lower learning rate (now ${c.learningRate()}).`, r.badStep,
        { step: r.badStep, epoch: c.epoch + 1, learningRate: c.learningRate() });
    }
    c.curve.add(c.epoch * c.steps + r.batch + 1, r.loss);
  }
  const last = rows[rows.length - 1];
  if (!last || !c.onBatch) return;
  const B = c.batchSize;
  const seconds = (performance.now() - c.started) / 1000;
  const ips = ((last.batch + 1 - c.startBatch) * B) / Math.max(seconds, 1e-9);
  const remaining = (c.steps - last.batch - 1) * B + (c.targetEpochs - c.epoch - 1) * c.steps * B;
  c.onBatch({
    epoch: c.epoch + 1, batch: last.batch + 1, batches: c.steps, step: c.step(), loss: last.epochLoss, smoothedLoss: c.curve.last,
    accuracy: last.epochAccuracy, ...(c.topK ? { topKAccuracy: last.epochTopKAccuracy } : {}), imagesPerSec: ips, etaSeconds: remaining / ips,
  });
}
