// fit / evaluate / predict over a graph and a data set on the GPU, Keras-style.
// A training step (step.ts: gather → forward → loss → backward → regularizers → optimizer) is one command
// buffer with no readback; the step log (step-log.ts) is read a few times per epoch; submissions are
// throttled so pause/stop answer within a few steps and the page stays responsive. Early stopping and
// reduce-on-plateau act between epochs (trainer-callbacks.ts); evaluation, prediction and inspection run
// the graph in inference mode (trainer-inference.ts).
import { readF32 } from './buffers';
import { submitDispatches } from './dispatch';
import { buildGraph, type Graph } from './graph';
import { kernelChooser, type KernelChooser, type KernelReport } from './autotune';
import type { ModelSpec, ResolvedModel } from './model';
import { DeviceLostError, appendEpoch, emptyHistory, type Evaluation, type History, type TrainConfig, type TrainerCallbacks } from './training-types';
import { LiveLearningRate } from './live-learning-rate';
import { BatchLossCurve, checkEvaluations, reportRows, type EpochReportContext } from './epoch-report';
import { EpochLogReader, type LogRow } from './step-log';
import { buildTrainingParts, type TrainingParts } from './training-parts';
import { owning } from './op';
import { createOptimizer, resolveOptimizerConfig, type OptimizerOp } from './ops/optimizer';
import { parseSetting } from './settings';
import { planTrainer } from './trainer-plan';
import { TrainingStep } from './step';
import { RunGate, Stopped } from './run-gate';
import { lostReasonOf, readback, type Gpu } from './gpu';
import { decodeCheckpoint } from './checkpoint';
import { checkLayout, checkProgress, checkTarget } from './checkpoint-header';
import { encodeTrainerCheckpoint, readTrainingState, writeTrainingState, type TrainingState } from './trainer-state';
import type { GpuDataset } from './gpu-dataset';
import { withErrorScopes } from './gpu-errors';
import { finiteState, MAX_RECOVERY_BYTES, type RecoveryPoint } from './recovery-point';
import type { CodedError } from './errors';
import { EpochCallbacks } from './trainer-callbacks';
import type { CallbackState } from './callbacks';
import type { Inspection } from './inspect';
import { TrainerInference } from './trainer-inference';
import { LayerModes } from './layer-modes';
import { HISTORY_NAMES, PendingChanges } from './live-changes';

export * from './training-types';
export type { Inspection, LayerOutput } from './inspect';

export class Trainer {
  readonly model: ResolvedModel;
  history: History = emptyHistory();
  /** Smoothed per-batch training loss, with the global step of each point. */
  batchLoss = new BatchLossCurve();
  step = 0;
  epoch = 0;
  lastEvaluation?: Evaluation;
  /** The state after the last finished epoch (recovery-point.ts): what a run that fails later leaves. */
  recoveryPoint?: RecoveryPoint;
  private readonly gate = new RunGate();
  private lostReason?: string;
  private running = false;
  private fitting?: Promise<History>;
  // The live hyper-parameters: their one home while the trainer exists (config keeps the start values).
  /** Keras's training flag and the dropout rates (one for every layer, or undefined for each layer's own). */
  private readonly modes: LayerModes;
  /** The user's rate, the base rate in use and the schedule. */
  private readonly rate: LiveLearningRate;
  /** Live changes made since the last step: the History's once the next step runs (the charts mark them, the files list them). */
  private readonly changes = new PendingChanges();
  /** The step fit() runs; the benchmark times it and the profiler its dispatches. */
  readonly trainingStep: TrainingStep;
  /** Evaluation, prediction and inspection (trainer-inference.ts). */
  private readonly inference: TrainerInference;
  /** Early stopping and reduce-on-plateau: their state and the best weights' copy. */
  private readonly epochCallbacks: EpochCallbacks;
  /** The first GPU error no scope caught while this trainer existed: it stops training (see checkGpuError). */
  private gpuFailure?: CodedError;
  private readonly unlistenGpuErrors: () => void;
  /** Set by destroy(): a fit or evaluation waiting on the GPU then ends at its next check, touching no freed buffer. */
  private destroyed = false;

  private constructor(
    readonly gpu: Gpu,
    readonly data: GpuDataset,
    /** The configuration the trainer was created with; the live rate and dropout are baseLearningRate and dropout. */
    readonly config: TrainConfig,
    private readonly graph: Graph,
    private readonly optimizer: OptimizerOp,
    private readonly parts: TrainingParts,
  ) {
    this.model = graph.model;
    this.modes = new LayerModes(graph, config.dropout);
    this.rate = new LiveLearningRate(optimizer, config.lrSchedule ?? 'constant', this.stepsPerEpoch);
    this.trainingStep = new TrainingStep(gpu.device, graph, parts, optimizer, config.seed, (step) => this.rate.at(step), gpu.lost);
    this.inference = new TrainerInference(gpu.device, graph, parts, this.modes, config, {
      checkLost: () => this.checkLost(), checkGpuError: () => this.checkGpuError(), drain: () => this.drain(), read: (f) => readback(gpu, f, () => this.checkLost()),
    });
    this.epochCallbacks = new EpochCallbacks(gpu.device, graph.params, config);
    gpu.lost.then((info) => { this.lostReason = lostReasonOf(info); this.gate.wake(); });
    this.unlistenGpuErrors = gpu.errors.listen((e) => { this.gpuFailure ??= e; this.gate.wake(); });
  }

  /** `chooser`: each GEMM-shaped op's kernel instead of the `kernels` setting (the bench's kernel check); `trains: false`: see planTrainer. */
  static async create(gpu: Gpu, data: GpuDataset, config: TrainConfig, o: { chooser?: KernelChooser; trains?: boolean } = {}): Promise<Trainer> {
    const { device } = gpu;
    const { model, trainCount, valCount, kernels } = planTrainer(data, config, device.limits, { trains: o.trains });
    await data.checked;
    // Whatever step throws, or a GPU error popped from the scopes, what the earlier ones allocated is destroyed.
    const { value: trainer } = await owning((own) => withErrorScopes(device, 'trainer creation', async () => {
      const graph = own.add(await buildGraph(device, model, config.batchSize, config.seed, { kernels: o.chooser ?? kernelChooser(gpu, kernels, config.kernelCache) }));
      const parts = own.add(await buildTrainingParts(device, graph, data, config, trainCount, valCount));
      // Only the trainable prefix: batch normalization's moving statistics follow it and are the forward's to update.
      const optimizer = own.add(await createOptimizer(device, { label: 'optimizer', config: resolveOptimizerConfig(config.optimizer), n: graph.trainableSize, params: graph.params.buffer, grads: graph.grads.buffer }));
      const t = new Trainer(gpu, data, config, graph, optimizer, parts);
      own.add({ destroy: () => { t.unlistenGpuErrors(); t.epochCallbacks.destroy(); t.inference.destroy(); } });
      await t.initialize();
      return t;
    }));
    return trainer;
  }

  /** Which implementation each GEMM-shaped op got (forced, measured or cached) and the time spent measuring. */
  get kernels(): KernelReport { return this.graph.kernels; }

  get stepsPerEpoch(): number { return Math.ceil(this.parts.trainCount / this.config.batchSize); }
  get trainCount(): number { return this.parts.trainCount; }
  /** Test images evaluated after each epoch (all, or the first testLimit). */
  get testCount(): number { return this.parts.testCount; }
  /** The top_k_accuracy metric was chosen: the History and the events carry the top-k accuracies. */
  get reportsTopK(): boolean { return this.config.metrics?.includes('top_k_accuracy') ?? false; }
  get isRunning(): boolean { return this.running; }
  get isPaused(): boolean { return this.gate.paused; }

  /** Fresh weights and optimizer state from the seed; history cleared. */
  async initialize(): Promise<void> {
    const init = await this.graph.initialize(this.config.seed);
    submitDispatches(this.gpu.device, init, 'init');
    this.optimizer.reset();
    this.history = emptyHistory(this.reportsTopK);
    this.changes.clear();
    this.batchLoss = new BatchLossCurve();
    this.step = 0;
    this.epoch = 0;
    this.recoveryPoint = undefined;
    this.epochCallbacks.reset();
    // Fresh weights start at the user's rate again, not at a rate reduce-on-plateau reached in an earlier fit.
    this.rate.apply(this.rate.setting, this.step + 1);
    this.modes.setTraining(true);
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  /** The base rate: from the next step, scaled by the schedule (the 'constant' one uses it as is). */
  setLearningRate(lr: number): void {
    const from = this.rate.base;
    this.rate.set(lr, this.step + 1);
    this.changes.note(this.step, this.stepsPerEpoch, HISTORY_NAMES.learningRate, from, this.rate.base);
  }

  /**
   * The rate the user set, by the config or setLearningRate: the element's field shows it, and it is what a
   * new run starts from; the rate in use (baseLearningRate) is lower after a reduce-on-plateau reduction.
   */
  get learningRateSetting(): number { return this.rate.setting; }

  /** Early stopping's and reduce-on-plateau's state (best value and epoch, waits, stopped epoch): what save() stores. */
  get callbackState(): CallbackState { return { ...this.epochCallbacks.state }; }

  /** The base rate set last (by the config or setLearningRate): what save() stores. */
  get baseLearningRate(): number { return this.rate.base; }

  /** The rate in the optimizer: the last step's, or the next step's after setLearningRate (or before training). */
  get learningRate(): number { return this.optimizer.config.learningRate; }

  /** A rate for every dropout layer (0 = off), or undefined for the model's own rates. From the next step. */
  setDropout(rate: number | undefined): void {
    const from = this.modes.dropout ?? null;
    this.modes.setDropout(parseSetting('dropout', rate) ?? undefined);
    // A model without a dropout layer trains the same at any rate: nothing changed, nothing recorded.
    if (this.dropoutLayers) this.changes.note(this.step, this.stepsPerEpoch, HISTORY_NAMES.dropout, from, this.modes.dropout ?? null);
  }

  /** The rate set for every dropout layer (by the config or setDropout), or undefined for their own rates. */
  get dropout(): number | undefined { return this.modes.dropout; }

  get dropoutLayers(): number { return this.graph.dropouts.length; }

  pause(): void { this.gate.pause(); }
  resume(): void { this.gate.resume(); }
  stop(): void { this.gate.stop(); }

  /** A GPU error reported since this trainer exists: what the step log or a readback says after it is not to be trusted. */
  private checkGpuError(): void {
    if (this.gpuFailure) throw this.gpuFailure;
  }

  /** Throws what ends GPU work here: the trainer destroyed (Stopped: its buffers are gone), the device lost. */
  private checkLost(): void {
    if (this.destroyed) throw new Stopped('the trainer was destroyed');
    if (this.lostReason) throw new DeviceLostError(`The GPU device was lost (${this.lostReason})${this.running ? ` at training step ${this.step}; training stopped` : ''}, and nothing more runs on that device.`);
  }

  /** Waits for the GPU, but never longer than the device lives. */
  private async drain(): Promise<void> {
    await Promise.race([this.gpu.device.queue.onSubmittedWorkDone(), this.gpu.lost]);
    this.checkLost();
  }

  /**
   * Trains until `epochs` (default: the configured number) epochs are done in total, continuing after
   * a stop or a previous fit; resolves with the History when done or stopped. A run early stopping
   * ended stays ended: fit() resolves at once (reset() starts again).
   */
  fit(callbacks: TrainerCallbacks = {}, signal?: AbortSignal, epochs = this.config.epochs): Promise<History> {
    if (this.running) return Promise.reject(new Error('this trainer is already training'));
    this.fitting = this.runFit(callbacks, signal, epochs);
    return this.fitting;
  }

  /** Stops any training, then fresh weights, optimizer state and History from the seed. */
  async reset(): Promise<void> {
    this.stop();
    await this.fitting?.catch(() => undefined);
    this.gate.paused = false;
    await this.initialize();
  }

  private async runFit(callbacks: TrainerCallbacks, signal: AbortSignal | undefined, epochs: number): Promise<History> {
    this.running = true;
    this.gate.stopRequested = false;
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort);
    try {
      this.rate.targetEpochs = epochs;
      while (this.epoch < epochs && !this.epochCallbacks.stopped) {
        await this.trainEpoch(callbacks);
      }
    } catch (e) {
      // A trainer destroyed mid-fit stopped: what its freed buffers made a read throw is not a failure.
      if (!(e instanceof Stopped) && !this.destroyed) throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.running = false;
    }
    callbacks.onTrainEnd?.(this.history);
    return this.history;
  }

  private async trainEpoch(cb: TrainerCallbacks): Promise<void> {
    const p = this.parts;
    const B = this.config.batchSize;
    const steps = this.stepsPerEpoch;
    const epoch = this.epoch;
    const started = performance.now();
    // A fit resumed after stop() continues the epoch where it left off, with its running metrics.
    const startBatch = this.step - epoch * steps;
    this.trainingStep.beginEpoch(epoch, startBatch === 0);
    const context: EpochReportContext = {
      epoch, steps, startBatch, batchSize: B, targetEpochs: this.rate.targetEpochs, started, topK: this.reportsTopK, curve: this.batchLoss,
      step: () => this.step, learningRate: () => this.optimizer.config.learningRate, onBatch: cb.onBatch,
    };
    const report = (rows: LogRow[]) => {
      // Commands the GPU refused leave the log's rows zero, which would read as a NaN at step 0.
      this.checkGpuError();
      reportRows(context, rows);
    };
    const reads = new EpochLogReader(p.stepLog, steps, this.config.readbacksPerEpoch ?? 4, startBatch, report);
    for (let b = startBatch; b < steps; b++) {
      await this.gate.pass(() => { this.checkLost(); this.checkGpuError(); });
      reads.check();
      this.changes.apply(this.history);
      this.step++;
      // Submitted at once; resolves when the throttle lets the next step be queued (a read started in between follows this step).
      const step = async () => {
        const queued = this.trainingStep.run(this.step, b);
        reads.afterStep(b);
        await queued;
      };
      // The first step's GPU errors (a refused binding or dispatch) are caught by scopes and thrown from here.
      await (this.step === 1 ? withErrorScopes(this.gpu.device, 'the first training step', step) : step());
    }
    this.checkLost(); // destroyed while the last step was queued: no read of the freed log
    const rows = await reads.finish(this.gpu.lost);
    this.checkLost();
    report(rows);
    const last = rows[rows.length - 1];
    const val = p.gatherVal ? await this.inference.evaluate(p.gatherVal, p.valCount) : undefined;
    const test = await this.inference.evaluate(p.gatherTest, p.testCount);
    checkEvaluations(context, { test, ...(val ? { validation: val } : {}) });
    this.lastEvaluation = test;
    const h = this.history;
    const seconds = (performance.now() - started) / 1000;
    const figures = appendEpoch(h, { loss: last.epochLoss, accuracy: last.epochAccuracy, topKAccuracy: last.epochTopKAccuracy }, val ?? test, test, seconds, this.reportsTopK, this.rate.base);
    this.epoch++;
    const outcome = this.epochCallbacks.afterEpoch(h, this.epoch, this.rate.base);
    if (outcome.reducedLearningRate !== undefined) this.rate.apply(outcome.reducedLearningRate, this.step + 1);
    // The weights are the best epoch's again: the test results shown and returned are theirs.
    if (outcome.stopped?.restored) this.lastEvaluation = await this.inference.evaluate(p.gatherTest, p.testCount);
    this.checkLost(); // destroyed during the evaluation: no copy from its freed buffers
    const stateBytes = this.graph.params.size * 4 * (1 + Object.keys(this.optimizer.state).length);
    const state = stateBytes > MAX_RECOVERY_BYTES ? undefined : await Promise.race([this.readState(), this.gpu.lost.then(() => undefined)]);
    this.checkLost();
    if (state && finiteState(state)) this.recoveryPoint = { epoch: this.epoch, step: this.step, bytes: this.encode(state) };
    cb.onEpochEnd?.({ epoch: this.epoch, ...figures, history: h, ...outcome });
  }

  /**
   * Loss, accuracy, confusion matrix and per-class precision/recall/F1 on the test set, the validation
   * split, or the training images (after the split): all with dropout off, so 'train' against 'test' is
   * the model's true train–test gap, which the epoch's running training metrics (dropout on) are not.
   */
  async evaluate(split: 'test' | 'validation' | 'train' = 'test'): Promise<Evaluation> {
    const p = this.parts;
    if (split === 'train') return this.inference.evaluate(p.gatherTrainEval, p.trainCount);
    if (split === 'validation') {
      if (!p.gatherVal) throw new Error('there is no validation split (set validationSplit)');
      return this.inference.evaluate(p.gatherVal, p.valCount);
    }
    const r = await this.inference.evaluate(p.gatherTest, p.testCount);
    this.lastEvaluation = r;
    return r;
  }

  /** Class probabilities for one image: 784 bytes (0–255) or floats already in [0, 1]. */
  predict(image: Uint8Array | Uint8ClampedArray | Float32Array): Promise<Float32Array> { return this.inference.predict(image); }

  /**
   * Class probabilities for many images at once, (n, classes) row by row, as predict gives them one by one:
   * n images of 784 bytes (0–255) or floats in [0, 1], end to end; a batch of them per forward, one readback.
   */
  predictMany(images: Uint8Array | Uint8ClampedArray | Float32Array): Promise<Float32Array> { return this.inference.predictMany(images); }

  /**
   * Every layer's output for one image (the last: its class probabilities, as predict's) and the first
   * convolution's filters, in one readback after the forward (inspect.ts). Safe between training steps.
   */
  inspect(image: Uint8Array | Uint8ClampedArray | Float32Array): Promise<Inspection> { return this.inference.inspect(image); }

  /** The gradients of the last training step, flat like the parameters (for tests and inspection). */
  async readGradients(): Promise<Float32Array> {
    return readback(this.gpu, () => readF32(this.gpu.device, this.graph.grads), () => this.checkLost());
  }

  /** Flat parameters and optimizer state, for checkpoints; where a stop left an epoch half done, its running sums too. */
  readState(): Promise<TrainingState> {
    const sums = this.step > this.epoch * this.stepsPerEpoch ? this.parts.metrics.buffer : undefined;
    return readback(this.gpu, () => readTrainingState(this.gpu.device, this.graph, this.optimizer, sums), () => this.checkLost());
  }

  /** `callbacks`: early stopping's and reduce-on-plateau's state (absent: fresh); no best weights are kept yet (trainer-callbacks.ts). */
  writeState(params: Float32Array, optimizer: Record<string, Float32Array>, step: number, epoch: number, history: History, callbacks?: CallbackState, epochMetrics?: Uint32Array): void {
    writeTrainingState(this.gpu.device, this.graph, this.optimizer, { params, optimizer, epochMetrics }, this.parts.metrics.buffer);
    this.step = step;
    this.epoch = epoch;
    // Files from before the learning_rate record: unknown rates (NaN, written as null).
    this.history = { ...history, learning_rate: history.learning_rate ?? history.loss.map(() => Number.NaN) };
    this.epochCallbacks.reset(callbacks);
  }

  /** Weights from elsewhere (a TF.js model's, in this model's flat layout) on a fresh trainer; its fresh optimizer state kept. */
  async setWeights(params: Float32Array): Promise<void> {
    const { optimizer } = await this.readState();
    this.writeState(params, optimizer, 0, 0, this.history);
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  /** The whole training state as one versioned checkpoint file, with the live learning rate and dropout. */
  async save(dataset = this.data.name): Promise<Uint8Array> {
    return this.encode(await this.readState(), dataset);
  }

  private encode(state: TrainingState, dataset = this.data.name): Uint8Array {
    const config: TrainConfig = { ...this.config, optimizer: { ...this.config.optimizer, learningRate: this.rate.base }, dropout: this.modes.dropout };
    const { step, epoch, graph, data, callbackState: callbacks } = this;
    // The settings are the live ones: the History says when they changed, a change the next step would apply too.
    return encodeTrainerCheckpoint({ config, step, epoch, history: this.changes.with(this.history), graph, data, dataset, callbacks }, state);
  }

  /**
   * A trainer restored from a checkpoint: same model, weights, optimizer state, step, History, learning rate
   * and dropout. The checkpoint must belong to `data` and, when given, to `model` (a CheckpointError otherwise).
   */
  static async load(gpu: Gpu, data: GpuDataset, bytes: Uint8Array, source = 'checkpoint', model?: ModelSpec): Promise<Trainer> {
    const c = decodeCheckpoint(bytes, source);
    checkTarget(c.header, data, model, source);
    const t = await Trainer.create(gpu, data, c.header.config);
    try {
      checkLayout(c.header, t.graph.slots, t.graph.params.size, source);
      checkProgress(c.header, t.stepsPerEpoch, Object.keys(t.optimizer.state), source);
    } catch (e) {
      t.destroy();
      throw e;
    }
    t.writeState(c.params, c.optimizer, c.header.step, c.header.epoch, c.header.history, c.header.callbacks, c.header.epochMetrics && Uint32Array.from(c.header.epochMetrics));
    if (c.header.epoch > 0) t.recoveryPoint = { epoch: c.header.epoch, step: c.header.step, bytes };
    await gpu.device.queue.onSubmittedWorkDone();
    return t;
  }

  get parameterSlots() { return this.graph.slots; }

  /** Stops training and frees every GPU buffer the trainer made: graph, training parts, optimizer. */
  destroy(): void {
    this.destroyed = true;
    this.stop();
    this.unlistenGpuErrors();
    this.graph.destroy();
    this.parts.destroy();
    this.optimizer.destroy();
    this.epochCallbacks.destroy();
    this.inference.destroy();
  }
}
