// What a Trainer computes without training: evaluation of a split, prediction and inspection, all with
// the graph in inference mode (dropout off, batch normalization on its moving statistics; layer-modes.ts),
// never a gradient or an update. The Trainer owns one and runs it between training steps (after each
// epoch, or when a page or the CLI asks); its guard ends the work where the trainer's buffers or its
// device are gone, so that a trainer destroyed or a device lost mid-evaluation touches nothing freed.
import type { Graph } from './graph';
import { classificationReport } from './metrics';
import type { Evaluation, TrainConfig } from './training-types';
import type { BatchGather, TrainingParts } from './training-parts';
import { EvaluationStep, IN_FLIGHT } from './step';
import { Inspector, normaliseImage, type Inspection } from './inspect';
import type { LayerModes } from './layer-modes';

/** The trainer's checks, which throw what ends GPU work, and its wait for the queue. */
export interface InferenceGuard {
  /** Throws when the trainer was destroyed (Stopped) or its device lost. */
  checkLost(): void;
  /** Throws the first GPU error reported since the trainer exists. */
  checkGpuError(): void;
  /** Waits for the GPU, but never longer than the device lives. */
  drain(): Promise<void>;
  /** A readback: one that fails because the device went throws the loss (gpu.ts readback). */
  read<T>(read: () => Promise<T>): Promise<T>;
}

type Image = Uint8Array | Uint8ClampedArray | Float32Array;

export class TrainerInference {
  private readonly step: EvaluationStep;
  /** The inspection's staging buffer: allocated once, destroyed with the trainer. */
  private readonly inspector: Inspector;

  constructor(
    device: GPUDevice,
    private readonly graph: Graph,
    parts: TrainingParts,
    private readonly modes: LayerModes,
    private readonly config: TrainConfig,
    private readonly guard: InferenceGuard,
  ) {
    this.step = new EvaluationStep(device, graph, parts);
    this.inspector = new Inspector(device, graph, parts.probs);
  }

  /** Loss, accuracy, confusion matrix and per-class figures of the first `count` images `gather` reads, in batches of the training's size. */
  async evaluate(gather: BatchGather, count: number): Promise<Evaluation> {
    const B = this.config.batchSize;
    const e = this.step;
    e.begin();
    this.modes.setTraining(false);
    try {
      for (let start = 0; start < count; start += B) {
        this.guard.checkLost();
        e.run(gather, start, Math.min(B, count - start));
        if ((start / B) % IN_FLIGHT === IN_FLIGHT - 1) await this.guard.drain();
      }
    } finally {
      this.modes.setTraining(true);
    }
    await this.guard.drain();
    const { metrics: m, confusion, predictions, probabilities } = await this.guard.read(() => e.read(count));
    this.guard.checkLost(); // destroyed during the read: the epoch's callbacks must not copy freed weights
    this.guard.checkGpuError();
    return { ...classificationReport(confusion, this.graph.model.classes), loss: m.loss, accuracy: m.accuracy, topKAccuracy: m.topKAccuracy, confusion, predictions, probabilities };
  }

  /** Class probabilities for one image: 784 bytes (0–255) or floats already in [0, 1]. */
  async predict(image: Image): Promise<Float32Array> {
    const row = normaliseImage(image, this.graph.input.shape[1], this.config.normalization);
    return this.guard.read(() => this.modes.inference(() => this.step.predict(row)));
  }

  /** Class probabilities of n images end to end, (n, classes) row by row; a batch of them per forward, one readback. */
  async predictMany(images: Image): Promise<Float32Array> {
    const size = this.graph.input.shape[1];
    if (images.length === 0 || images.length % size !== 0) {
      throw new Error(`predictMany: expected whole images of ${size} pixels, got ${images.length} values`);
    }
    const image = (i: number) => normaliseImage(images.subarray(i * size, (i + 1) * size), size, this.config.normalization, 'predictMany');
    return this.guard.read(() => this.modes.inference(() => this.step.predictRows(images.length / size, (start, n) => {
      const rows = new Float32Array(n * size);
      for (let i = 0; i < n; i++) rows.set(image(start + i), i * size);
      return rows;
    })));
  }

  /** Every layer's output for one image and the first convolution's filters, in one readback after the forward (inspect.ts). */
  async inspect(image: Image): Promise<Inspection> {
    const row = normaliseImage(image, this.graph.input.shape[1], this.config.normalization, 'inspect');
    this.guard.checkLost();
    return this.guard.read(() => this.inspector.run((copy) => this.modes.inference(() => this.step.forwardRows(row, 'inspect', copy))));
  }

  destroy(): void {
    this.inspector.destroy();
  }
}
