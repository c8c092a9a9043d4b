// The training step, written once: Trainer.fit runs it, the benchmark times it (src/bench/training.ts)
// and the profiler times each of its dispatches (src/bench/profile.ts), so what is measured is what
// users run. Below it, the evaluation step (and predict) over the same graph. A step is one command buffer with no readback: gather → forward → softmax cross-entropy →
// backward → kernel regularizers (only when the model has any) → optimizer, then the copy of the running metrics into the step log (step-log.ts). Its
// uniforms (batch start, augmentation step, dropout step, batch normalization's valid rows, loss step, optimizer step and scheduled rate) are written just
// before it is submitted; at most IN_FLIGHT + 1 steps are queued.
import { readF32, readU32, writeArray } from './buffers';
import { encodeDispatches, type Dispatch } from './dispatch';
import type { Graph } from './graph';
import type { OptimizerOp } from './ops/optimizer';
import { PADDING_LABEL } from './ops/softmax_xent';
import { METRICS_WORDS, metricsInit, readMetrics, type Metrics } from './metrics-words';
import { deriveSeed, shuffledIndices } from './random';
import type { BatchGather, TrainingParts } from './training-parts';

/**
 * Steps queued beyond the newest before the CPU waits for the oldest: enough to keep the GPU busy, few
 * enough that pause/stop take effect within a few steps and the page stays responsive. Evaluation
 * drains the queue as often.
 */
export const IN_FLIGHT = 4;

export class TrainingStep {
  /** One step's dispatches, in order. */
  readonly dispatches: readonly Dispatch[];
  private readonly inFlight: Promise<unknown>[] = [];

  /**
   * `rate(step)`: the learning rate of global step `step` (the schedule's); `lost` settles when the device
   * is lost, so the throttle never waits on a dead queue.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly graph: Graph,
    private readonly parts: TrainingParts,
    private readonly optimizer: OptimizerOp,
    private readonly seed: number,
    private readonly rate: (step: number) => number,
    private readonly lost: Promise<unknown>,
  ) {
    this.dispatches = [...parts.gatherTrain.dispatches, ...graph.forward, ...parts.xentTrain.dispatches, ...graph.backward, ...(parts.regularize?.dispatches ?? []), ...optimizer.dispatches];
  }

  /**
   * Before epoch `epoch`'s steps: its shuffled order of the training images; `fresh`: its running metrics
   * start from zero (not when an epoch stopped half-way resumes).
   */
  beginEpoch(epoch: number, fresh: boolean): void {
    const p = this.parts;
    writeArray(this.device, p.trainOrder.buffer, shuffledIndices(p.trainCount, deriveSeed(this.seed, 'shuffle'), epoch));
    if (fresh) writeArray(this.device, p.metrics.buffer, metricsInit());
  }

  /**
   * Global step `step` (1-based) on batch `batch` of the epoch: writes its uniforms, submits it and
   * records the step-log row `batch`; resolves once another step may be queued.
   */
  async run(step: number, batch: number): Promise<void> {
    const p = this.parts;
    p.gatherTrain.setStart(batch * this.graph.batch);
    p.gatherTrain.setStep(step);
    // The last batch of an epoch may be short: batch statistics over its real images only.
    const rows = Math.min(this.graph.batch, p.trainCount - batch * this.graph.batch);
    for (const n of this.graph.batchNorms) n.op.setRows(rows);
    for (const d of this.graph.dropouts) d.op.setStep(step);
    p.xentTrain.setStep(step);
    this.optimizer.setStep(step, this.rate(step));
    submit(this.device, this.dispatches, 'train.step', (enc) => p.stepLog.record(enc, p.metrics.buffer, batch));
    this.inFlight.push(this.device.queue.onSubmittedWorkDone());
    if (this.inFlight.length > IN_FLIGHT) await Promise.race([this.inFlight.shift(), this.lost]);
  }

  /** Resolves when every queued step is done (or the device is lost). */
  async idle(): Promise<void> {
    this.inFlight.length = 0;
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lost]);
  }

  /** The running metrics of the epoch so far: a readback, for after the steps (the bench), never inside one. */
  async metrics(): Promise<Metrics> {
    return readMetrics(await readU32(this.device, this.parts.metrics.buffer, METRICS_WORDS));
  }
}

/**
 * Evaluation and prediction: forward and the evaluation loss (softmax, metrics, confusion matrix,
 * argmax), never a gradient or an update. Dropout is the caller's to turn off around them.
 */
export class EvaluationStep {
  constructor(private readonly device: GPUDevice, private readonly graph: Graph, private readonly parts: TrainingParts) {}

  /**
   * Before an evaluation: zero metrics and confusion matrix, then the regularizers' penalty of the current
   * weights, once (Keras's evaluate reports the loss with the regularization losses).
   */
  begin(): void {
    const p = this.parts;
    writeArray(this.device, p.evalMetrics.buffer, metricsInit());
    writeArray(this.device, p.confusion.buffer, new Uint32Array(p.confusion.size));
    if (p.regularize) submit(this.device, p.regularize.evaluate, 'evaluate.penalty');
  }

  /** Images [start, start + rows) through `gather`; their predicted classes go to predictions[start…], their softmax to probabilities[start…]. */
  run(gather: BatchGather, start: number, rows: number): void {
    const p = this.parts;
    const row = p.probs.shape[1] * 4;
    gather.setStart(start);
    submit(this.device, [...gather.dispatches, ...this.graph.forward, ...p.xentEval.dispatches], 'evaluate', (enc) => {
      enc.copyBufferToBuffer(p.batchPredictions.buffer, 0, p.predictions.buffer, start * 4, rows * 4);
      enc.copyBufferToBuffer(p.probs.buffer, 0, p.probabilities.buffer, start * row, rows * row);
    });
  }

  /** After the batches: the metrics, the confusion matrix, and the first `count` predictions and rows of probabilities. */
  async read(count: number): Promise<{ metrics: Metrics; confusion: Uint32Array; predictions: Uint32Array; probabilities: Float32Array }> {
    const p = this.parts;
    const [words, confusion, predictions, probabilities] = await Promise.all([
      readU32(this.device, p.evalMetrics.buffer, METRICS_WORDS),
      readU32(this.device, p.confusion.buffer, p.confusion.size),
      readU32(this.device, p.predictions.buffer, count),
      readF32(this.device, p.probabilities.buffer, count * p.probs.shape[1]),
    ]);
    return { metrics: readMetrics(words), confusion, predictions, probabilities };
  }

  /**
   * The class probabilities of one normalised image: the evaluation loss's softmax of row 0, read back.
   * Submitted before this returns. With padding labels the loss leaves the metrics and the confusion
   * matrix alone; the next gather rewrites the labels.
   */
  predict(row: Float32Array): Promise<Float32Array> {
    return this.predictRows(1, () => row);
  }

  /**
   * The class probabilities of `count` normalised images, (count, classes), a batch per forward: `rows(start, n)`
   * gives images [start, start + n) as the first n rows of the input. Each batch's softmax rows are copied
   * into one staging buffer in the forward's own command buffer, all submitted before this returns (so a
   * training step queued meanwhile cannot overwrite them), and read back once.
   */
  predictRows(count: number, rows: (start: number, n: number) => Float32Array): Promise<Float32Array> {
    const [batch] = this.graph.input.shape;
    const bytesPerRow = this.graph.model.classes * 4;
    const probs = this.parts.probs.buffer;
    const staging = this.device.createBuffer({ label: 'predict.staging', size: count * bytesPerRow, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    try {
      for (let start = 0; start < count; start += batch) {
        const n = Math.min(batch, count - start);
        this.forwardRows(rows(start, n), 'predict', (enc) => enc.copyBufferToBuffer(probs, 0, staging, start * bytesPerRow, n * bytesPerRow));
      }
    } catch (e) {
      staging.destroy();
      throw e;
    }
    return (async () => {
      try {
        await staging.mapAsync(GPUMapMode.READ);
        return new Float32Array(staging.getMappedRange().slice(0));
      } finally {
        staging.destroy();
      }
    })();
  }

  /**
   * Submits the forward and the evaluation softmax of normalised images (the first rows of the batch; one
   * for predict and inspect) at once; `after` encodes into the same command buffer (inspect.ts copies every
   * layer's row 0 there, after the graph's inspectForward, which writes every layer's output).
   */
  forwardRows(rows: Float32Array, label: 'predict' | 'inspect', after?: (enc: GPUCommandEncoder) => void): void {
    const p = this.parts;
    writeArray(this.device, this.graph.input.buffer, rows);
    writeArray(this.device, p.labels.buffer, new Uint32Array(p.labels.size).fill(PADDING_LABEL));
    const forward = label === 'inspect' ? this.graph.inspectForward : this.graph.forward;
    submit(this.device, [...forward, ...p.xentEval.dispatches], label, after);
  }
}

function submit(device: GPUDevice, list: readonly Dispatch[], label: string, after?: (enc: GPUCommandEncoder) => void): void {
  const enc = device.createCommandEncoder({ label });
  const pass = enc.beginComputePass({ label });
  encodeDispatches(pass, list);
  pass.end();
  after?.(enc);
  device.queue.submit([enc.finish()]);
}
