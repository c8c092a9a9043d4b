// The engine side of <mnist-trainer>: a Lit ReactiveController that owns the GPU device, the data set (CPU copy and GPU
// upload) and the Trainer, runs fit() and turns its callbacks into host updates. The element only renders what this
// controller exposes and forwards user actions to it.
//
// Life cycle: the device is requested when the host connects (so the status line can name the adapter and a missing
// WebGPU is reported at once); the data set is loaded on the first train(); each train() is a new run (fresh weights
// from the seed) on a new Trainer, so runs can be compared, unless it continues the model it has (canContinue: a
// loaded one, or a run that finished all its epochs, once Epochs is raised). Every run that starts ends in onRunEnd — finished, stopped
// or failed, with the History it had — and a failed one is the only report of its fault (one error per fault); one that
// failed after a finished epoch leaves that epoch's model (its recovery point), restored as after a Load. What
// each method does in each phase is the table in run-states.ts, consulted in one place (consult()). When the host
// leaves the page for good (not just a move within it), everything is aborted and every GPU object is destroyed, the
// device last.
//
// Its parts: what the element shows and how it changes (controller-state.ts), the device (gpu-keeper.ts), the data set
// (data-keeper.ts), a run's start (prepare-run.ts) and failure (run-failure.ts), Save and Load (checkpoint-io.ts); this
// file is when each happens.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { requestGpu as defaultRequestGpu, WebGPUUnavailableError, type Gpu } from '../engine/gpu';
import { Trainer, emptyHistory, type History } from '../engine/trainer';
import { CodedError, errorCode, errorDetail } from '../engine/errors';
import { ControllerState } from './controller-state';
import { DataKeeper } from './data-keeper';
import { classNamesNote, continuedSettings, importNote, keepRecoveryPoint, restoreTrainer, type LoadedModel, type ModelFileInfo } from './checkpoint-io';
import { errorText, lostText } from './messages';
import { GpuKeeper } from './gpu-keeper';
import { keptFailure, runFailure } from './run-failure';
import { prepareRun } from './prepare-run';
import { guardLeaving } from './leave-guard';
import { lostMessage, type ControllerOptions, type RunEnd, type RunRequest, type RunSettings } from './controller-types';

export type { Phase } from './run-states';
export type { ControllerCallbacks, ControllerOptions, Progress, RunEnd, RunRequest } from './controller-types';

export class TrainerController extends ControllerState implements ReactiveController {
  /** The device (requested when the host connects) and what became of it. */
  readonly device: GpuKeeper;
  /** The data set: the CPU copy (dataset) and the GPU upload (gpuData). */
  readonly data: DataKeeper;

  /** Bumped by dispose(), so a device or a run of an earlier life of the host is dropped. */
  private generation = 0;
  private stopRequested = false;
  private abort = new AbortController();
  /** Removes the page's "Leave site?" guard (leave-guard.ts), active while a run trains or is paused. */
  private unguard?: () => void;

  constructor(host: ReactiveControllerHost & HTMLElement, options: ControllerOptions = {}) {
    super(host, options);
    this.device = new GpuKeeper(options.requestGpu ?? (() => defaultRequestGpu()), {
      disposed: () => this.disposed,
      ready: () => {
        if (this.phase === 'unavailable') this.phase = 'idle';
        this.changed();
      },
      unavailable: (e) => this.fail(e),
      lost: (info, reason) => this.onLost(info, reason),
    });
    this.data = new DataKeeper(() => this.abort.signal, () => this.changed(), () => this.disposed);
    host.addController(this);
  }

  hostConnected(): void {
    this.unguard = guardLeaving(() => this.phase === 'training' || this.phase === 'paused');
    if (this.disposed) {
      this.disposed = false;
      this.abort = new AbortController();
      this.phase = 'idle';
      this.message = '';
      this.changed();
    }
    // No WebGPU is reported by the keeper (phase 'unavailable'); any other failure (requestDevice refused) here,
    // so the status line does not say Ready; Train asks again (a failed request is forgotten).
    this.ensureGpu().catch((e: unknown) => {
      // Only while nothing began: a run (or a load) waiting on the same request reports its own failure.
      if (!(e instanceof WebGPUUnavailableError) && !this.disposed && this.phase === 'idle' && errorDetail(e).code !== 'aborted') this.fail(e);
    });
  }

  hostDisconnected(): void {
    this.unguard?.();
    // Moving the element within the page disconnects and reconnects it in the same task.
    queueMicrotask(() => { if (!this.host.isConnected) this.dispose(); });
  }

  /** The run under way (loading, compiling, training or paused), if any. */
  get current(): Promise<History | undefined> | undefined {
    return this.run;
  }

  get gpu(): Gpu | undefined {
    return this.device.gpu;
  }
  get adapter(): string {
    return this.device.adapter;
  }
  /** The device, requested once; a lost device is forgotten so the next run asks for a new one. */
  ensureGpu(): Promise<Gpu> {
    return this.device.ensure();
  }

  /**
   * The device is gone (the keeper forgot it): forget what lived on it. A run in flight reports the loss itself
   * (its Trainer throws DeviceLostError). A finished or loaded model is not lost with it: its state after its last
   * epoch (the recovery point) is loaded on a new device, as after a failed run. The loss is reported, not one
   * with reason 'destroyed' (our own dispose(), or a page that destroyed it on purpose).
   */
  private onLost(info: GPUDeviceLostInfo, reason: string): void {
    this.data.forgetUpload();
    if (this.run) return;
    const [lost, request] = [this.trainer, this.finished?.request ?? this.loaded?.request];
    this.releaseTrainer();
    this.evaluation = undefined; // its model is gone: no results shown as if it were there
    const point = lost?.recoveryPoint;
    const reported = info.reason !== 'destroyed';
    if (this.disposed) return;
    if (!point || !request) {
      if (reported) this.fail(new CodedError('device-lost', lostMessage(reason)), () => lostText(reason));
      return void this.changed();
    }
    void this.load(async () => ({ bytes: point.bytes, name: `the model after epoch ${point.epoch}` }), () => request).then((kept) => {
      if (!kept) return;
      kept.relocated = true;
      kept.trainer.batchLoss = lost!.batchLoss.upTo(point.step);
      this.setNotice(lostMessage(reason, undefined, point.epoch), () => lostText(reason, undefined, point.epoch));
      if (reported) this.callbacks.onError?.({ code: 'device-lost', message: lostMessage(reason, undefined, point.epoch) });
    });
  }

  /**
   * Starts a run (as the state table says; else joins, queues or refuses). `request` is read when the run
   * starts compiling, and again after, so settings changed while it loads or compiles reach it. Resolves
   * with its History (finished or stopped), or undefined when it failed or did not start.
   */
  train(request: () => RunRequest): Promise<History | undefined> {
    if (this.disposed) return Promise.resolve(undefined); // off the page: nothing starts (back on it, Train works)
    const r = this.consult('train');
    if (r.act === 'ignore') return this.run ?? Promise.resolve(undefined);
    if (r.act === 'queue') return this.afterEvaluation(() => this.train(request));
    if (r.act === 'reject') return Promise.resolve(undefined);
    let resume: boolean;
    try {
      resume = this.canContinue(request());
    } catch (e) {
      // Settings that make no run: a failed run that never began (its row, one error), and the model stays as it was.
      const error = errorDetail(e);
      return Promise.resolve(this.settle({ history: emptyHistory(), status: error.code, error }, undefined, !!this.trainer));
    }
    // The previous run's trainer goes now, handing its live settings back, so a change made while this
    // run loads is not overwritten by them; one that continues stays (finished again only if this run finishes).
    if (!resume) this.releaseTrainer()?.destroy();
    const base = resume ? (this.loaded ?? this.finished)?.request.settings : undefined;
    this.finished = undefined;
    const run = this.runOnce(request, resume, base);
    this.run = run;
    return run;
  }

  /**
   * `resume`: continue the current trainer; `base`: the settings recorded with it (its run's, or its file's), from
   * which the continued run's are made (continuedSettings).
   */
  private async runOnce(getRequest: () => RunRequest, resume = false, base?: RunSettings): Promise<History | undefined> {
    const generation = this.generation;
    const gone = () => this.disposed || generation !== this.generation;
    this.phase = 'loading';
    this.message = '';
    this.notice = '';
    this.evaluation = undefined;
    this.progress = undefined;
    this.stopRequested = false;
    this.changed();
    let request: RunRequest | undefined;
    let trainer: Trainer | undefined;
    let gpu: Gpu | undefined;
    let from: Pick<RunEnd, 'from'> = {}; // where this run continues a model, the epochs it had
    try {
      request = getRequest();
      gpu = await this.ensureGpu();
      if (resume) trainer = this.trainer;
      if (trainer?.epoch) from = { from: trainer.epoch };
      if (trainer && base) request = { ...request, settings: continuedSettings(base, request.config, trainer.history) };
      if (!trainer) {
        const env = {
          gpu, data: this.data, getRequest, stopped: () => this.stopRequested, gone,
          onDownload: () => { this.phase = 'loading'; this.changed(); },
          onCompile: () => { this.phase = 'compiling'; this.changed(); },
        };
        const prepared = await prepareRun(env, request);
        if (!prepared) return undefined;
        ({ request, trainer } = prepared);
        if (!trainer) return this.settle({ request, history: emptyHistory(), status: 'stopped before training' });
      }
      this.trainer = trainer;
      this.callbackNote = undefined;
      if (this.stopRequested) return this.settle({ request, history: trainer.history, trainer, status: 'stopped before training', ...from });
      this.phase = 'training';
      this.changed();
      const t = trainer;
      const epochs = request.config.epochs; // more than the trainer's own when a loaded model continues
      const history = await t.fit({
        onBatch: (e) => this.onBatch(t, e, epochs),
        onEpochEnd: (e) => {
          this.evaluation = t.lastEvaluation;
          this.noteCallbacks(e);
          this.changed();
          this.callbacks.onEpochEnd?.(e);
        },
      }, this.abort.signal, epochs);
      if (gone()) return undefined;
      this.evaluation = t.lastEvaluation;
      const status = history.stopped_epoch !== undefined ? `early stopping after epoch ${history.stopped_epoch}`
        : t.epoch >= epochs ? 'finished' : `stopped at epoch ${t.epoch + 1}`;
      // Only a run that did all it was asked can be trained on: Train after a Stop (or early stopping) starts afresh.
      if (status === 'finished' && !this.loaded) this.finished = { trainer: t, request };
      return this.settle({ request, history, trainer: t, status, ...from });
    } catch (e) {
      if (gone()) return undefined;
      if (e instanceof WebGPUUnavailableError) {
        this.run = undefined; // reported by ensureGpu (phase 'unavailable'): no run began
        return undefined;
      }
      // stop() or reset() during loading aborted the download: a stopped run, not a failure.
      if (this.stopRequested && errorCode(e) === 'aborted') return this.settle({ request, history: emptyHistory(), status: 'stopped before training' });
      let failure = await runFailure(e, gpu, trainer, this.device.lostReason);
      if (gone()) return undefined;
      if (failure.error.code === 'device-lost' && this.trainer === trainer) this.releaseTrainer();
      // The state after its last finished epoch, restored (on a new device after a loss), is the model now, as after a Load.
      const phase = (p: 'loading' | 'compiling') => () => { this.phase = p; this.changed(); };
      const env = { gpu: () => this.ensureGpu(), data: this.data, stopped: () => this.stopRequested || gone(), onDownload: phase('loading'), onCompile: phase('compiling') };
      const kept = trainer && request ? await keepRecoveryPoint(env, trainer, request) : undefined;
      if (gone()) return undefined;
      if (kept) {
        this.adopt(kept);
        failure = keptFailure(failure, kept.trainer.epoch);
      }
      const { status, error, text } = failure;
      return this.settle({ request, history: trainer?.history ?? emptyHistory(), trainer, status, error, ...from }, text, !!kept);
    }
  }

  pause(): Promise<void> {
    return this.pauseOrResume('pause');
  }

  resume(): Promise<void> {
    return this.pauseOrResume('resume');
  }

  private pauseOrResume(method: 'pause' | 'resume'): Promise<void> {
    const r = this.consult(method);
    if (r.act === 'queue') return this.afterEvaluation(() => this.pauseOrResume(method));
    if (r.act !== 'start' || !this.trainer) return Promise.resolve();
    this.trainer[method]();
    this.phase = method === 'pause' ? 'paused' : 'training';
    if (method === 'resume') this.evaluation = undefined; // a paused evaluation's weights move on
    this.notice = ''; // refused in the other phase, it may be allowed in this one
    this.changed();
    return Promise.resolve();
  }

  /** Ends the current run after the step in flight (or before it trains); it is kept as a stopped run. */
  async stop(): Promise<void> {
    const r = this.consult('stop');
    if (r.act === 'queue') return this.afterEvaluation(() => this.stop());
    if (r.act !== 'start' || !this.run) return;
    this.stopRequested = true;
    this.data.abortLoading();
    this.trainer?.stop();
    if (this.phase === 'paused') this.phase = 'training';
    await this.run;
  }

  /** Stops any run (kept as stopped) and forgets it: no trainer, empty history. The device and data set stay. */
  async reset(): Promise<void> {
    const r = this.consult('reset');
    if (r.act === 'queue') return this.afterEvaluation(() => this.reset());
    if (r.act !== 'start') return;
    if (this.run) {
      this.stopRequested = true;
      this.data.abortLoading();
      this.trainer?.stop();
      await this.run;
    }
    this.releaseTrainer()?.destroy();
    this.progress = undefined;
    this.evaluation = undefined;
    this.message = '';
    this.notice = '';
    if (this.phase !== 'unavailable') this.phase = 'idle';
    this.changed();
  }

  /** The current model as checkpoint bytes (where the state table allows; else undefined, with a notice). */
  save(): Promise<{ bytes: Uint8Array; trainer: Trainer } | undefined> {
    return this.withModel(async (trainer) => ({ bytes: await trainer.save(this.data.dataset?.name), trainer }));
  }

  /** The current model and its weights for an export (where a save is allowed; else undefined, with a notice). */
  exportable(): Promise<{ trainer: Trainer; params: Float32Array } | undefined> {
    return this.withModel(async (trainer) => ({ trainer, params: (await trainer.readState()).params }));
  }

  /**
   * Replaces the model by a checkpoint's (where the state table allows). `read` gets the bytes and `requestFor`
   * the data set and settings the header names. A bad file is an onError with code 'checkpoint' (or the
   * read's error) and a notice; the current trainer, data set and phase stay.
   */
  load(read: () => Promise<{ bytes: Uint8Array; name: string }>, requestFor: (info: ModelFileInfo) => RunRequest): Promise<LoadedModel | undefined> {
    if (this.disposed) return Promise.resolve(undefined);
    const r = this.consult('load');
    if (r.act === 'queue') return this.afterEvaluation(() => this.load(read, requestFor));
    if (r.act !== 'start') return Promise.resolve(undefined);
    const generation = this.generation;
    const before = this.phase;
    this.phase = 'loading';
    this.notice = '';
    this.stopRequested = false;
    this.changed();
    const stopped = () => this.stopRequested || this.disposed || generation !== this.generation;
    const loading = (async () => {
      try {
        const { bytes, name } = await read();
        const gpu = await this.ensureGpu();
        const env = { gpu, data: this.data, stopped, onDownload: () => this.changed(), onCompile: () => { this.phase = 'compiling'; this.changed(); } };
        const loaded = await restoreTrainer(env, bytes, name, requestFor);
        if (!loaded) return undefined;
        this.adopt(loaded);
        this.evaluation = undefined;
        this.progress = undefined;
        this.message = '';
        this.notice = ''; // a refusal made while it loaded (a second Load) no longer holds
        this.phase = 'idle';
        const notes = [classNamesNote(loaded), importNote(loaded)].filter((n) => n !== undefined);
        if (notes.length) this.setNotice(notes.map(([en]) => en).join(' '), () => notes.map(([, text]) => text()).join(' '));
        return loaded;
      } catch (e) {
        if (stopped()) return undefined;
        this.phase = before;
        const detail = errorDetail(e);
        this.setNotice(detail.message, () => errorText(detail));
        this.callbacks.onError?.(detail);
        return undefined;
      } finally {
        if (this.phase === 'loading' || this.phase === 'compiling') this.phase = before;
        this.run = undefined;
        this.changed();
      }
    })();
    // What a train() joining it gets: no run's History (nothing trained), as for a run that did not start.
    this.run = loading.then(() => undefined);
    return loading;
  }

  private predictor?: { trainer: Trainer | undefined; predict: (pixels: Float32Array) => Promise<Float32Array> };

  /**
   * Class probabilities for one 28×28 image with values in [0, 1], from the current model: a new function for each
   * model (a Load, a new run), so that a draw pad given it asks the new model about its drawing again.
   */
  get predict(): (pixels: Float32Array) => Promise<Float32Array> {
    const trainer = this.trainer;
    if (this.predictor && this.predictor.trainer === trainer) return this.predictor.predict;
    const predict = async (pixels: Float32Array) => {
      if (!this.trainer) throw new Error('train a model first');
      return this.trainer.predict(pixels);
    };
    this.predictor = { trainer, predict };
    return predict;
  }

  /** Aborts downloads and training and destroys the trainer, the data set's buffers and the device. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.trainer?.stop();
    this.abort.abort(new DOMException('the element was removed from the page', 'AbortError'));
    this.releaseTrainer()?.destroy();
    this.data.dispose();
    this.progress = undefined;
    this.evaluation = undefined;
    this.run = undefined;
    this.evaluating = undefined;
    this.phase = 'idle';
    // Last: destroying the device also ends a fit() waiting on the GPU (it sees the device lost and unwinds).
    this.device.dispose();
  }
}
