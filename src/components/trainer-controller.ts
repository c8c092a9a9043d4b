// The engine side of <mnist-trainer>: a Lit ReactiveController that owns the GPU device, the data set
// (CPU copy and GPU upload) and the Trainer, runs fit() and turns its callbacks into host updates.
// The element only renders what this controller exposes and forwards user actions to it.
//
// Life cycle: the device is requested when the host connects (so the status line can name the adapter
// and a missing WebGPU is reported at once); the data set is loaded on the first train(); each train()
// is a new run (fresh weights from the seed) on a new Trainer, so finished runs can be compared.
// When the host leaves the page for good (not just a move within it), everything is aborted and every
// GPU object is destroyed, the device last.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { adapterName, requestGpu as defaultRequestGpu, WebGPUUnavailableError, type Gpu } from '../engine/gpu';
import { Trainer, emptyHistory, type BatchEvent, type EpochEvent, type Evaluation, type History, type TrainConfig } from '../engine/trainer';
import { loadDataset } from '../data/sources';
import { uploadDataset, type GpuDataset } from '../engine/gpu-dataset';
import type { Dataset } from '../data/idx';
import type { LiveSettingName, Settings } from '../engine/settings';
import { errorCode } from '../engine/errors';

/** How the trainer holds each live setting of the schema (a new live setting fails to compile until added). */
const LIVE: { [K in LiveSettingName]: { get(t: Trainer): Settings[K]; set(t: Trainer, v: Settings[K]): void } } = {
  learningRate: { get: (t) => t.baseLearningRate, set: (t, v) => t.setLearningRate(v) },
  dropout: { get: (t) => t.dropout ?? null, set: (t, v) => t.setDropout(v ?? undefined) },
};

export type Phase =
  | 'idle' // nothing running; a run may have finished, been stopped or reset
  | 'loading' // fetching and parsing the data set
  | 'compiling' // building the model's pipelines and buffers
  | 'training'
  | 'paused'
  | 'evaluating'
  | 'error' // the last action failed; `message` says why
  | 'unavailable'; // no WebGPU; `message` says how to enable it

/** What one run needs besides the device: where the data is and the trainer configuration. */
export interface RunRequest {
  dataset: { url: string; name: string; classNames: string[] };
  config: TrainConfig;
  /** Shown with the finished run (comparison table); handed back to onTrainEnd. */
  settings?: Record<string, string | number>;
  /** The `load-timeout` setting: seconds a data file may go without progress; absent = its default. */
  loadTimeout?: number;
}

export interface ControllerCallbacks {
  onEpochEnd?(e: EpochEvent): void;
  /** A run ended (finished or stopped) with at least its History so far. */
  onTrainEnd?(h: History, trainer: Trainer, request: RunRequest): void;
  /** The trainer is being let go: its live settings, which the host keeps for the next run. */
  onTrainerReleased?(live: Partial<Pick<Settings, LiveSettingName>>): void;
  onError?(message: string): void;
}

export interface ControllerOptions extends ControllerCallbacks {
  /** Injectable for tests and for pages that pick their own adapter. */
  requestGpu?: () => Promise<Gpu>;
}

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  imagesPerSec: number;
  etaSeconds: number;
  /** The rate of the latest step (it changes along a schedule). */
  learningRate: number;
  /** Share of the whole run done, 0–1. */
  fraction: number;
}

export class TrainerController implements ReactiveController {
  phase: Phase = 'idle';
  /** The problem shown to the user in the 'error' and 'unavailable' phases. */
  message = '';
  gpu?: Gpu;
  adapter = '';
  dataset?: Dataset;
  gpuData?: GpuDataset;
  trainer?: Trainer;
  progress?: Progress;
  /** Bytes-based share of the data set download, 0–1, while loading. */
  loadFraction = 0;
  evaluation?: Evaluation;
  /** True once every GPU object was destroyed after the host left the page. */
  disposed = false;

  private gpuPromise?: Promise<Gpu>;
  /** Bumped by dispose(), so a device that arrives for an earlier life of the host is dropped. */
  private generation = 0;
  private stopRequested = false;
  private dataKey = '';
  /** What `dataset` (the CPU copy) was loaded from; dataKey adds the limits it was uploaded with. */
  private datasetKey = '';
  /** The data set download under way, if any: stop() aborts it, dispose() through `abort`. */
  private loading?: AbortController;
  private abort = new AbortController();
  private run?: Promise<History | undefined>;
  private readonly callbacks: ControllerCallbacks;
  private readonly requestGpu: () => Promise<Gpu>;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, options: ControllerOptions = {}) {
    this.callbacks = options;
    this.requestGpu = options.requestGpu ?? (() => defaultRequestGpu());
    host.addController(this);
  }

  hostConnected(): void {
    if (this.disposed) {
      this.disposed = false;
      this.abort = new AbortController();
      this.phase = 'idle';
      this.message = '';
    }
    this.ensureGpu().catch(() => { /* reported through phase and message */ });
  }

  hostDisconnected(): void {
    // Moving the element within the page disconnects and reconnects it in the same task.
    queueMicrotask(() => { if (!this.host.isConnected) this.dispose(); });
  }

  get history(): History {
    return this.trainer?.history ?? emptyHistory();
  }
  /** The run under way (loading, compiling, training or paused), if any. */
  get current(): Promise<History | undefined> | undefined {
    return this.run;
  }
  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'compiling' || this.phase === 'training' || this.phase === 'paused' || this.phase === 'evaluating';
  }

  private changed(): void {
    this.host.requestUpdate();
  }

  private fail(e: unknown): void {
    if (this.disposed) return;
    const message = e instanceof Error ? e.message : String(e);
    this.phase = e instanceof WebGPUUnavailableError ? 'unavailable' : 'error';
    this.message = message;
    this.changed();
    this.callbacks.onError?.(message);
  }

  /** The device, requested once; a lost device is forgotten so the next run asks for a new one. */
  ensureGpu(): Promise<Gpu> {
    const generation = this.generation;
    this.gpuPromise ??= this.requestGpu().then(
      (gpu) => {
        if (this.disposed || generation !== this.generation) {
          gpu.device.destroy();
          throw new Error('the element was removed from the page');
        }
        this.gpu = gpu;
        this.adapter = adapterName(gpu);
        gpu.lost.then((info) => {
          if (this.gpu !== gpu) return;
          this.gpu = undefined;
          this.gpuPromise = undefined;
          this.gpuData = undefined;
          this.dataKey = '';
          this.releaseTrainer();
          if (!this.disposed && info.reason !== 'destroyed') this.fail(new Error(`The GPU device was lost (${info.message || info.reason}). Press Train to start again on a new device.`));
        });
        if (this.phase === 'unavailable') this.phase = 'idle';
        this.changed();
        return gpu;
      },
      (e: unknown) => {
        if (generation !== this.generation) throw e;
        this.gpuPromise = undefined;
        if (e instanceof WebGPUUnavailableError) this.fail(e);
        throw e;
      },
    );
    return this.gpuPromise;
  }

  /**
   * The data set on the GPU: downloaded once per source, uploaded once per source and limits (only the
   * images the run uses go up, so a train limit makes a set larger than the GPU's binding limit usable).
   */
  private async ensureData(gpu: Gpu, request: RunRequest): Promise<GpuDataset> {
    const source = request.dataset;
    const key = `${source.url}\n${source.name}\n${source.classNames.join('\n')}`;
    const limits = { trainLimit: request.config.trainLimit, testLimit: request.config.testLimit };
    const uploadKey = `${key}\n${limits.trainLimit ?? 'all'}\n${limits.testLimit ?? 'all'}`;
    if (this.gpuData && this.dataKey === uploadKey) return this.gpuData;
    this.gpuData?.destroy();
    this.gpuData = undefined;
    this.dataKey = '';
    if (!this.dataset || this.datasetKey !== key) {
      this.dataset = undefined;
      this.phase = 'loading';
      this.loadFraction = 0;
      this.changed();
      const loading = new AbortController();
      this.loading = loading;
      try {
        this.dataset = await loadDataset(source.url, {
          name: source.name,
          classNames: source.classNames,
          signal: AbortSignal.any([this.abort.signal, loading.signal]),
          timeoutSeconds: request.loadTimeout,
          onProgress: (loaded, total) => {
            if (total > 0) this.loadFraction = loaded / total;
            this.changed();
          },
        });
      } finally {
        if (this.loading === loading) this.loading = undefined;
      }
      this.datasetKey = key;
    }
    if (this.disposed) throw new Error('the element was removed from the page');
    this.gpuData = uploadDataset(gpu.device, this.dataset, limits);
    this.dataKey = uploadKey;
    return this.gpuData;
  }

  /** Aborts the data set download under way, if any: stop() during loading ends the run at once. */
  private abortLoading(): void {
    this.loading?.abort(new DOMException('loading stopped', 'AbortError'));
  }

  /**
   * One run: loads what is missing, builds a new Trainer and fits it. Resolves with its History, or
   * undefined on failure. While a run is under way, returns that run's promise and ignores `request`.
   */
  train(request: RunRequest): Promise<History | undefined> {
    if (this.run) return this.run;
    const run = this.runOnce(request).finally(() => {
      if (this.run === run) this.run = undefined;
    });
    this.run = run;
    return run;
  }

  private async runOnce(request: RunRequest): Promise<History | undefined> {
    this.message = '';
    this.evaluation = undefined;
    this.progress = undefined;
    this.stopRequested = false;
    try {
      const gpu = await this.ensureGpu();
      const data = await this.ensureData(gpu, request);
      this.releaseTrainer()?.destroy();
      if (this.stopRequested) {
        this.phase = 'idle';
        this.changed();
        return undefined;
      }
      this.phase = 'compiling';
      this.changed();
      const trainer = await Trainer.create(gpu, data, request.config);
      if (this.disposed) {
        trainer.destroy();
        return undefined;
      }
      this.trainer = trainer;
      if (this.stopRequested) {
        this.phase = 'idle';
        this.changed();
        return trainer.history;
      }
      this.phase = 'training';
      this.changed();
      const history = await trainer.fit({
        onBatch: (e) => this.onBatch(trainer, e),
        onEpochEnd: (e) => {
          this.evaluation = trainer.lastEvaluation;
          this.changed();
          this.callbacks.onEpochEnd?.(e);
        },
      }, this.abort.signal);
      if (this.disposed) return undefined;
      this.phase = 'idle';
      this.evaluation = trainer.lastEvaluation;
      this.changed();
      this.callbacks.onTrainEnd?.(history, trainer, request);
      return history;
    } catch (e) {
      if (this.stopRequested && errorCode(e) === 'aborted' && !this.disposed) {
        // stop() during loading: a stopped run, not a failure.
        this.phase = 'idle';
        this.changed();
        return undefined;
      }
      if (!(e instanceof WebGPUUnavailableError)) this.fail(e);
      return undefined;
    }
  }

  private onBatch(trainer: Trainer, e: BatchEvent): void {
    const epochs = trainer.config.epochs;
    this.progress = {
      epoch: e.epoch, epochs, batch: e.batch, batches: e.batches, imagesPerSec: e.imagesPerSec, etaSeconds: e.etaSeconds,
      learningRate: trainer.learningRate, fraction: Math.min(1, e.step / (epochs * e.batches)),
    };
    this.changed();
  }

  pause(): void {
    if (this.phase !== 'training' || !this.trainer) return;
    this.trainer.pause();
    this.phase = 'paused';
    this.changed();
  }

  resume(): void {
    if (this.phase !== 'paused' || !this.trainer) return;
    this.trainer.resume();
    this.phase = 'training';
    this.changed();
  }

  /** Ends the current run after the step in flight; it counts as a (shorter) finished run. */
  async stop(): Promise<void> {
    if (!this.run) return;
    this.stopRequested = true;
    this.abortLoading();
    this.trainer?.stop();
    if (this.phase === 'paused') this.phase = 'training';
    await this.run;
  }

  /** Stops any run and forgets it: no trainer, empty history. The device and data set stay. */
  async reset(): Promise<void> {
    await this.stop();
    this.releaseTrainer()?.destroy();
    this.progress = undefined;
    this.evaluation = undefined;
    this.message = '';
    if (this.phase !== 'unavailable') this.phase = 'idle';
    this.changed();
  }

  /** The live settings as the trainer holds them, while there is one (else none): their one home. */
  liveSettings(): Partial<Pick<Settings, LiveSettingName>> {
    const t = this.trainer;
    if (!t) return {};
    return Object.fromEntries((Object.keys(LIVE) as LiveSettingName[]).map((n) => [n, LIVE[n].get(t)]));
  }

  /** Hands a live setting's (valid) value to the trainer, if there is one (then true); it applies from the next step. */
  setLiveSetting<K extends LiveSettingName>(name: K, value: Settings[K]): boolean {
    if (!this.trainer) return false;
    LIVE[name].set(this.trainer, value);
    return true;
  }

  /** Forgets the trainer (returned, for the caller to destroy), handing its live settings to the host first. */
  private releaseTrainer(): Trainer | undefined {
    const t = this.trainer;
    if (t) this.callbacks.onTrainerReleased?.(this.liveSettings());
    this.trainer = undefined;
    return t;
  }

  /** Test-set metrics of the current weights (while idle or paused). */
  async evaluate(): Promise<Evaluation | undefined> {
    const trainer = this.trainer;
    if (!trainer || !(this.phase === 'idle' || this.phase === 'paused')) return undefined;
    const before = this.phase;
    this.phase = 'evaluating';
    this.changed();
    try {
      this.evaluation = await trainer.evaluate();
      this.phase = before;
      this.changed();
      return this.evaluation;
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  /** Class probabilities for one 28×28 image with values in [0, 1]. */
  predict = async (pixels: Float32Array): Promise<Float32Array> => {
    if (!this.trainer) throw new Error('train a model first');
    return this.trainer.predict(pixels);
  };

  /** Aborts downloads and training and destroys the trainer, the data set's buffers and the device. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.trainer?.stop();
    this.abort.abort(new DOMException('the element was removed from the page', 'AbortError'));
    this.releaseTrainer()?.destroy();
    this.gpuData?.destroy();
    const gpu = this.gpu;
    this.gpuData = undefined;
    this.dataset = undefined;
    this.dataKey = '';
    this.gpu = undefined;
    this.gpuPromise = undefined;
    this.progress = undefined;
    this.evaluation = undefined;
    this.phase = 'idle';
    // Destroying the device also ends a fit() waiting on the GPU: it sees the device lost and unwinds.
    gpu?.device.destroy();
  }
}
