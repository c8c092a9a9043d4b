// The training contract: configuration, Keras-style History, progress events and errors.
import type { ModelSpec } from './model';
import type { ClassificationReport } from './metrics';
import type { OptimizerConfig } from './ops/optimizer';
import type { KernelCache, KernelSetting } from './autotune';
import type { LrScheduleName } from './lr-schedule';
import type { Monitor } from './callbacks';
import type { LossName } from './ops/softmax_xent';
import type { LiveChange } from './live-changes';

/** The metrics a run can report (Keras's names); accuracy is always computed. */
export type MetricName = 'accuracy' | 'top_k_accuracy';

export interface History {
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  /** The test set after each epoch (equal to val_* when there is no validation split). */
  test_loss: number[];
  test_accuracy: number[];
  /** With the top_k_accuracy metric only: the label among the topK most probable classes. */
  top_k_accuracy?: number[];
  val_top_k_accuracy?: number[];
  test_top_k_accuracy?: number[];
  /** Seconds each epoch took, evaluation included. */
  epoch_seconds: number[];
  /** The base learning rate each epoch started with (before any schedule's per-step scaling). */
  learning_rate: number[];
  /** The learning rate or dropout changed while it trained, in order (absent: none; live-changes.ts). */
  live_changes?: LiveChange[];
  /** The 1-based epoch early stopping stopped after (absent: it did not stop the run). */
  stopped_epoch?: number;
  /** The 1-based epoch with the best monitored value, while early stopping or reduce-on-plateau is on. */
  best_epoch?: number;
  /**
   * The 1-based epoch whose weights early stopping restored when it stopped the run (restore-best-weights): the
   * model it ended with, and so its results (keptEpoch). Absent: the model is the last epoch's.
   */
  restored_epoch?: number;
}

export interface TrainConfig {
  model: ModelSpec;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** How the learning rate changes over the fit (lr-schedule.ts); default 'constant'. */
  lrSchedule?: LrScheduleName;
  seed: number;
  /** The loss on the softmax probabilities (Keras's name); default 'categorical_crossentropy'. */
  loss?: LossName;
  /** Cross-entropy's label smoothing α in [0, 1); default 0. */
  labelSmoothing?: number;
  /** Metrics reported besides the loss; default ['accuracy'] (accuracy is computed in any case). */
  metrics?: MetricName[];
  /** The k of top_k_accuracy; default 5. */
  topK?: number;
  /** Use only the first N training images. */
  trainLimit?: number;
  /** Evaluate on only the first N test images (for slow adapters; the default is the whole test set). */
  testLimit?: number;
  /** Fraction of the (limited) training set held out as validation data, taken from its end as Keras does. */
  validationSplit?: number;
  /** One rate for every dropout layer (0 = off); undefined keeps each layer's own rate. */
  dropout?: number;
  normalization?: { mean: number; std: number };
  /** Random transforms of each training image, drawn per step (absent fields and absent = 0 = off); never applied to evaluation. */
  augmentation?: Augmentation;
  /**
   * GEMM kernel implementation (autotune.ts): 'auto' (default) times the candidates of each op on this
   * adapter and keeps the fastest; 'tiled' or 'register' force one everywhere.
   */
  kernels?: KernelSetting;
  /** Where 'auto' remembers its choices (default: one cache per page or process); the caller may persist it. */
  kernelCache?: KernelCache;
  /** Metric reads per epoch (besides the one at its end). */
  readbacksPerEpoch?: number;
  /** Early stopping's patience in epochs; absent: off (callbacks.ts). */
  earlyStopping?: number;
  /** What early stopping and reduce-on-plateau watch; default 'val_loss'. */
  monitor?: Monitor;
  /** An improvement is better than the best by more than this; default 0. */
  minDelta?: number;
  /** Back to the best epoch's weights when early stopping stops; default false. */
  restoreBestWeights?: boolean;
  /** Epochs without improvement before the rate is reduced; absent: off. */
  reduceLrPatience?: number;
  /** The reduction's factor, in (0, 1); default 0.1. */
  reduceLrFactor?: number;
  /** The floor of the reduced rate; default 0. */
  minLearningRate?: number;
}

/** The training gather's augmentation (gather.wgsl), as the settings augmentShift, augmentRotation and augmentZoom. */
export interface Augmentation {
  /** Shift in x and y, each uniform in [−shift, shift] pixels (real-valued). */
  shift?: number;
  /** Rotation about the centre, uniform in [−rotation, rotation] degrees. */
  rotation?: number;
  /** Zoom: the source coordinates scaled by a factor uniform in [1 − zoom, 1 + zoom] (> 1 zooms out). */
  zoom?: number;
}

/** topKAccuracy (the epoch's running mean, like accuracy) only with the top_k_accuracy metric. */
export interface BatchEvent {
  epoch: number; batch: number; batches: number; step: number; loss: number; smoothedLoss: number; accuracy: number; topKAccuracy?: number;
  imagesPerSec: number; etaSeconds: number;
}
/** The *top_k_accuracy fields only with the top_k_accuracy metric. */
export interface EpochEvent {
  epoch: number; loss: number; accuracy: number; val_loss: number; val_accuracy: number; test_loss: number; test_accuracy: number;
  top_k_accuracy?: number; val_top_k_accuracy?: number; test_top_k_accuracy?: number; seconds: number; history: History;
  /** The base learning rate reduce-on-plateau set after this epoch (absent: unchanged). */
  reducedLearningRate?: number;
  /** Early stopping stops the run after this epoch; `restored`: the best epoch's weights were put back. */
  stopped?: { bestEpoch: number | null; restored: boolean };
}

export interface TrainerCallbacks {
  onBatch?(e: BatchEvent): void;
  onEpochEnd?(e: EpochEvent): void;
  onTrainEnd?(h: History): void;
}

export interface Evaluation extends ClassificationReport {
  loss: number;
  /** The share of images whose label is among the topK most probable classes (computed whatever the metrics). */
  topKAccuracy: number;
  confusion: Uint32Array;
  /** Predicted class per image of the evaluated set. */
  predictions: Uint32Array;
  /** Class probabilities per image of the evaluated set, (N, classes) row by row: the softmax the loss saw. */
  probabilities: Float32Array;
}

export class DivergenceError extends Error {
  override name = 'DivergenceError';
  readonly code = 'divergence';
  /**
   * `step`: the first step whose loss was not finite (a failed run's record names it); `facts`: the numbers in the
   * message (and, after an epoch's evaluation, which set's loss), for the message in another language (ErrorDetail).
   */
  constructor(message: string, readonly step?: number, readonly facts?: { step: number; epoch: number; learningRate: number; set?: string }) {
    super(message);
  }
}
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  readonly code = 'device-lost';
}
/** One set's figures of an epoch. */
export interface EpochFigures { loss: number; accuracy: number; topKAccuracy: number }

/**
 * One epoch's figures onto the History: the running training metrics, the validation (or test) and test
 * sets, the epoch's base learning rate; the top-k accuracies too when `topK` (the top_k_accuracy metric).
 * Returns the epoch's event fields.
 */
export function appendEpoch(h: History, train: EpochFigures, val: EpochFigures, test: EpochFigures, seconds: number, topK: boolean, learningRate: number): Omit<EpochEvent, 'epoch' | 'history'> {
  h.loss.push(train.loss);
  h.accuracy.push(train.accuracy);
  h.val_loss.push(val.loss);
  h.val_accuracy.push(val.accuracy);
  h.test_loss.push(test.loss);
  h.test_accuracy.push(test.accuracy);
  h.epoch_seconds.push(seconds);
  h.learning_rate.push(learningRate);
  const e = { loss: train.loss, accuracy: train.accuracy, val_loss: val.loss, val_accuracy: val.accuracy, test_loss: test.loss, test_accuracy: test.accuracy, seconds };
  if (!topK) return e;
  (h.top_k_accuracy ??= []).push(train.topKAccuracy);
  (h.val_top_k_accuracy ??= []).push(val.topKAccuracy);
  (h.test_top_k_accuracy ??= []).push(test.topKAccuracy);
  return { ...e, top_k_accuracy: train.topKAccuracy, val_top_k_accuracy: val.topKAccuracy, test_top_k_accuracy: test.topKAccuracy };
}

/** An empty History; with the top-k arrays when the run reports top_k_accuracy. */
export function emptyHistory(topK = false): History {
  const h: History = { loss: [], accuracy: [], val_loss: [], val_accuracy: [], test_loss: [], test_accuracy: [], epoch_seconds: [], learning_rate: [] };
  return topK ? { ...h, top_k_accuracy: [], val_top_k_accuracy: [], test_top_k_accuracy: [] } : h;
}

/** The 1-based epoch whose weights the run ended with (its results are that epoch's): restored_epoch, else the last; 0 before any. */
export function keptEpoch(h: History): number {
  return h.restored_epoch ?? h.loss.length;
}
