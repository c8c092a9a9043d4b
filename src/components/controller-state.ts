// What <mnist-trainer> shows of its TrainerController, and how it changes: the phase, the problem and
// the last refusal in English (as the `error` event's) and in the page's language, the progress of the
// run, the last evaluation, what the callbacks did, the trainer with its live settings, and whether Train continues
// it (a loaded model, or a run that finished all its epochs, with Epochs raised since). The
// controller's actions (trainer-controller.ts) change it only through these methods, so every change
// reaches the host (one requestUpdate, rendering batched per frame by Lit) and every fault outside a run
// is reported once. Evaluate and the model Save and Export use (evaluate, withModel) live here too.
import type { ReactiveControllerHost } from 'lit';
import { msg } from '@lit/localize';
import { emptyHistory, type BatchEvent, type EpochEvent, type Evaluation, type History, type Trainer } from '../engine/trainer';
import { trainOnEpochs } from '../engine/verdict-remedies';
import { errorDetail } from '../engine/errors';
import { rule, type Method, type Phase, type Rule } from './run-states';
import { errorText, reducedNote, stoppedNote } from './messages';
import type { ControllerCallbacks, Progress, RunEnd, RunRequest } from './controller-types';
import { LIVE, LIVE_SETTINGS, setLive } from '../engine/live-settings';
import { continueKey, type LoadedModel } from './checkpoint-io';
import type { LiveSettingName, Settings } from '../engine/settings';

export class ControllerState {
  phase: Phase = 'idle';
  /** The problem shown to the user in the 'error' and 'unavailable' phases (English, as the `error` event's). */
  message = '';
  /** `message` in the page's language, read at render time. */
  messageText: () => string = () => this.message;
  /** Why the last call was refused (a 'reject' of the state table); cleared by the next run. English. */
  notice = '';
  /** `notice` in the page's language, read at render time. */
  noticeText: () => string = () => this.notice;
  progress?: Progress;
  evaluation?: Evaluation;
  /** True once every GPU object was destroyed after the host left the page. */
  disposed = false;
  trainer?: Trainer;
  /** The trainer came from a checkpoint (load()): Train continues it while the settings match. */
  loaded?: LoadedModel;
  /**
   * The trainer ran all its epochs (not stopped, not ended by early stopping), with this request: raising Epochs
   * makes Train continue it (as Keras's second fit() would) while the other settings match; Reset starts afresh.
   */
  finished?: { trainer: Trainer; request: RunRequest };
  /** The run (or Load) under way, and the evaluation under way: their promises, while they last. */
  protected run?: Promise<History | undefined>;
  protected evaluating?: Promise<Evaluation | undefined>;

  constructor(protected readonly host: ReactiveControllerHost & HTMLElement, protected readonly callbacks: ControllerCallbacks) {}

  get history(): History {
    return this.trainer?.history ?? emptyHistory();
  }

  /**
   * True when train() would continue the current model (a loaded one, or a run that finished all its epochs): it is
   * still the trainer, the settings match but for epochs and the live ones, and epochs remain. `request` undefined:
   * the settings do not make a run (train() says why), so nothing continues.
   */
  canContinue(request: RunRequest | undefined): boolean {
    const base = this.loaded ?? this.finished;
    return !!base && !!request && base.trainer === this.trainer && continueKey(request) === continueKey(base.request) && base.trainer.epoch < request.config.epochs;
  }

  /**
   * The Epochs the verdict's "Train on" offers (trainOnEpochs: twice the epochs done), where Train would then continue
   * the current model; `requestAt(epochs)`: the run's request with Epochs at that value.
   */
  trainOnTo(requestAt: (epochs: number) => RunRequest | undefined): number | undefined {
    const epochs = this.trainer && this.phase === 'idle' ? trainOnEpochs(this.trainer.epoch) : undefined;
    return epochs && this.canContinue(requestAt(epochs)) ? epochs : undefined;
  }

  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'compiling' || this.phase === 'training' || this.phase === 'paused' || this.phase === 'evaluating';
  }

  /** The state table's rule for `method` now; a 'reject' sets the notice. The one place methods ask. */
  consult(method: Method): Rule {
    const r = rule(this.phase, method);
    if (r.act === 'reject') {
      this.setNotice(r.does, r.text);
    }
    return r;
  }

  /** The live settings as the trainer holds them, while there is one (else none): their one home. */
  liveSettings(): Partial<Pick<Settings, LiveSettingName>> {
    const t = this.trainer;
    if (!t) return {};
    return Object.fromEntries(LIVE_SETTINGS.map((n) => [n, LIVE[n].get(t)]));
  }

  /**
   * Hands a live setting's (valid) value to the trainer where the state table says so and there is one
   * (then true: it applies from the next step); false: the host keeps it for the run being prepared or the next.
   */
  setLiveSetting<K extends LiveSettingName>(name: K, value: Settings[K]): boolean {
    if (this.consult('setLive').act !== 'start' || !this.trainer) return false;
    setLive(this.trainer, name, value);
    return true;
  }

  /** Forgets the trainer (returned, for the caller to destroy), handing its live settings to the host first. */
  protected releaseTrainer(): Trainer | undefined {
    const t = this.trainer;
    if (t) this.callbacks.onTrainerReleased?.(this.liveSettings());
    this.trainer = undefined;
    this.loaded = undefined;
    this.finished = undefined;
    return t;
  }

  /**
   * The run is over: the phase settles first (so a listener's train() starts a new run), then the host hears of it.
   * `kept`: a model is still there (a failed run's recovery point, or the one before a run that never began), so the
   * phase is 'idle' (as after a Load), the message the failure's.
   */
  protected settle(end: RunEnd, text?: () => string, kept = false): History | undefined {
    this.run = undefined;
    this.phase = end.error && !kept ? 'error' : 'idle';
    this.message = end.error?.message ?? '';
    this.notice = ''; // a refusal while it ran ('Pause or stop training to save…') no longer holds
    const error = end.error;
    this.messageText = text ?? (() => (error ? errorText(error) : ''));
    this.changed();
    this.callbacks.onRunEnd?.(end);
    return end.error ? undefined : end.history;
  }

  /** For 'queue' in the evaluating phase: the call is made again once the evaluation has ended. */
  protected async afterEvaluation<T>(again: () => Promise<T> | T): Promise<T> {
    await this.evaluating;
    return again();
  }

  /** A restored model (a Load, or a failed run's recovery point) replaces the trainer; Train continues it. */
  protected adopt(loaded: LoadedModel): void {
    this.releaseTrainer()?.destroy();
    this.trainer = loaded.trainer;
    this.loaded = loaded;
    this.callbacks.onTrainerAdopted?.(this.liveSettings());
  }

  /** Test-set metrics of the current weights (while idle or paused). */
  evaluate(): Promise<Evaluation | undefined> {
    const r = this.consult('evaluate');
    if (r.act === 'ignore') return this.evaluating ?? Promise.resolve(undefined);
    if (r.act !== 'start') return Promise.resolve(undefined);
    const trainer = this.trainer;
    if (!trainer) {
      this.setNotice('Train a model first.', () => msg('Train a model first.'));
      return Promise.resolve(undefined);
    }
    const before = this.phase;
    this.phase = 'evaluating';
    this.changed();
    const evaluating = (async () => {
      try {
        this.evaluation = await trainer.evaluate();
        if (this.phase === 'evaluating') this.phase = before;
        return this.evaluation;
      } catch (e) {
        this.fail(e);
        return undefined;
      } finally {
        this.evaluating = undefined;
        this.changed();
      }
    })();
    this.evaluating = evaluating;
    return evaluating;
  }

  /**
   * `use(trainer)` on the current model where the state table allows a save (after an evaluation under
   * way); undefined where it does not, or with a notice when there is no model yet. Save and export share it.
   */
  protected withModel<T>(use: (trainer: Trainer) => Promise<T>): Promise<T | undefined> {
    const r = this.consult('save');
    if (r.act === 'queue') return this.afterEvaluation(() => this.withModel(use));
    if (r.act !== 'start') return Promise.resolve(undefined);
    if (!this.trainer) {
      this.setNotice('Train or load a model first.', () => msg('Train or load a model first.'));
      return Promise.resolve(undefined);
    }
    return use(this.trainer);
  }

  protected changed(): void {
    this.host.requestUpdate();
  }

  /** Shows a notice: `english` in `notice`, `text` (default: the English) in the page's language. */
  protected setNotice(english: string, text?: () => string): void {
    this.notice = english;
    this.noticeText = text ?? (() => english);
    this.changed();
  }

  /** A fault outside a run: shown, and reported once through onError. `text`: the message in the page's language. */
  protected fail(e: unknown, text?: () => string): void {
    if (this.disposed) return;
    const detail = errorDetail(e);
    this.phase = detail.code === 'no-webgpu' ? 'unavailable' : 'error';
    this.message = detail.message;
    this.messageText = text ?? (() => errorText(detail));
    this.changed();
    this.callbacks.onError?.(detail);
  }

  /**
   * What early stopping or reduce-on-plateau did last, for the status line, in the page's language when
   * called; the reduced rate itself is the trainer's live learning rate, which the element's field reads (liveSettings).
   */
  callbackNote?: () => string;

  protected noteCallbacks(e: EpochEvent): void {
    const { epoch, reducedLearningRate: rate, stopped } = e;
    if (rate !== undefined) this.callbackNote = () => reducedNote(rate, epoch);
    if (stopped) this.callbackNote = () => stoppedNote(epoch, stopped.bestEpoch, stopped.restored);
  }

  protected onBatch(trainer: Trainer, e: BatchEvent, epochs: number): void {
    this.progress = {
      epoch: e.epoch, epochs, batch: e.batch, batches: e.batches, imagesPerSec: e.imagesPerSec, etaSeconds: e.etaSeconds,
      learningRate: trainer.learningRate, fraction: Math.min(1, e.step / (epochs * e.batches)),
    };
    this.changed();
  }
}
