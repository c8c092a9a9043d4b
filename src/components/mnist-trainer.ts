// <mnist-trainer>: trains an image classifier on MNIST-like data on the GPU, with live charts, an
// overfitting verdict, results and run comparison. The element holds the settings for the next run
// (their attributes, properties and rules come from the schema, engine/settings.ts) and renders;
// TrainerController owns the device, data and Trainer, which holds the live learning rate and dropout.
import { msg, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { requestGpu as engineRequestGpu, type Gpu } from '../engine/gpu';
import { DEFAULT_SETTINGS, SETTINGS, SettingError, type ElementSettingName, type LiveSettingName } from '../engine/settings';
import type { History } from '../engine/trainer';
import type { ErrorDetail } from '../engine/errors';
import { kerasCode } from '../engine/keras-code';
import { TrainerController, type RunEnd } from './trainer-controller';
import { requestOrNone, runRequest } from './run-request';
import { ATTRIBUTES, DEFAULTS, ELEMENT_SETTINGS, PARSERS, modelInfo, renderControls, revealField, type ModelInfo, type Settings } from './controls';
import { trainerStyles } from './styles';
import { resolveLocale, setLocale } from './i18n';
import { combinationProblem, rejectedMessage, rejectedText, type RejectedSetting } from './messages';
import { ModelEditor } from './model-editor';
import { ADVISED_DROPOUT, leavesImagesOut, renderVerdict, trainerRegularizers, trainerRunFacts } from './verdict';
import { renderStatus } from './status-line';
import { RunBook } from './run-book';
import type { ChartRun } from './charts';
import { acceptDrops, exportModel, loadModel, renderModelFiles, saveModel, type ExportFormat, type ModelFileDetail } from './model-files';
import { SavedRuns } from './saved-runs';
import { downloadBlob } from './download';
import { InsideModel } from './inside-model';
import './charts';
import './results-panel';
import { resultsAbout } from './results-about';
import './keras-code';

export interface EpochEndDetail { epoch: number; loss: number; accuracy: number; val_loss: number; val_accuracy: number }
/** A setting's new valid value: its name, its attribute and the normalised value (what `settings[setting]` now reads). */
export interface SettingsChangeDetail { setting: ElementSettingName; attribute: string; value: unknown }
export type { ErrorDetail } from '../engine/errors';
export type { ModelFileDetail } from './model-files';

/** Strings from attributes reach the setters unchanged; the parsers in controls.ts convert them. */
const raw = { fromAttribute: (v: string | null) => v, toAttribute: (v: unknown) => (v == null ? null : String(v)) };
/** Settings have accessors (below the class) that validate; Lit only maps the attributes. */
const settingProperties = Object.fromEntries(ELEMENT_SETTINGS.map((n) => [n, { attribute: ATTRIBUTES[n], converter: raw, noAccessor: true }]));
const isLive = (name: ElementSettingName): name is LiveSettingName => SETTINGS[name].live;

const event = <T>(type: string, detail: T) => new CustomEvent<T>(type, { detail, bubbles: true, composed: true });

/**
 * Trains a classifier on MNIST or Fashion-MNIST on your GPU (WebGPU), with live charts.
 *
 * Its settings (attributes and properties, their defaults and rules) are those of engine/settings.ts that
 * have an attribute. Invalid values are shown, reported with an `error` event, and the last valid value
 * is kept. The learning rate and dropout apply to a running trainer at once.
 *
 * @fires settings-change - {setting, attribute, value} when a setting's valid value changes: in the form, by a property or attribute, or by load()
 * @fires epoch-end - {epoch, loss, accuracy, val_loss, val_accuracy} after each epoch
 * @fires train-end - the History when a run ends (finished or stopped)
 * @fires error - {code, message, setting?} once per fault: an invalid setting, a failed run, a lost device, missing WebGPU, or a checkpoint that cannot be loaded (code `checkpoint`)
 * @fires model-saved - {fileName, epoch, model} after save() made a checkpoint (fileName: the suggested name)
 * @fires model-exported - {fileName, epoch, model, format} after export() made a TF.js Layers zip or an ONNX file
 * @fires model-loaded - {fileName, epoch, model} after load() restored a checkpoint (fileName: the file's name or URL)
 * @csspart controls - the settings form
 * @csspart buttons - the Train / Pause / Stop / Reset / Evaluate row (each also has part `button`)
 * @csspart files - the Save model / Load model / Export row (parts `button save`, `button load`, `button export-tfjs`, `button export-onnx`)
 * @csspart saved-runs - the saved-runs line of the compare section, with its "Clear saved runs" button (`button clear-runs`)
 * @csspart last-model - with persist-runs, after a reload: the last model a run reached, kept in the browser, and its `button restore`
 * @csspart status - the status line (adapter, kernels, epoch, batch, images/s, ETA, learning rate)
 * @csspart progress - the progress bar
 * @csspart message - errors and invalid settings
 * @csspart charts - the <mt-charts> element (its plots: `loss`, `accuracy`)
 * @csspart verdict - the overfitting verdict
 * @csspart results - the results section
 * @csspart compare - the run comparison section
 * @csspart keras - the "Show Keras code" section (<mt-keras-code>)
 * @csspart inside - the "Inside the model" section (a <details>; its Refresh button is `button inspect`)
 * @cssprop --mt-accent - buttons, links, focus ring
 * @cssprop --mt-bg - background
 * @cssprop --mt-fg - text and axes
 * @cssprop --mt-muted - secondary text
 * @cssprop --mt-good - good results
 * @cssprop --mt-bad - errors and bad results
 * @cssprop --mt-train-color - training curves
 * @cssprop --mt-test-color - test curves
 * @cssprop --mt-grid-color - chart grid lines
 * @cssprop --mt-font - font family
 * @cssprop --mt-font-size - base font size
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed by the interface at the end of the file
export class MnistTrainer extends LitElement {
  static override properties = {
    ...settingProperties,
    _invalid: { state: true, attribute: false },
    _urlMode: { state: true, attribute: false },
    persistRuns: { type: Boolean, attribute: 'persist-runs' },
    storeName: { type: String, attribute: 'store-name' },
  };
  static override styles = trainerStyles;

  /** The last valid value of every setting; the live ones only while no trainer holds them. */
  private values: Settings = { ...DEFAULTS };

  /**
   * Parses and stores a setting; an invalid value is reported and the last valid one kept. A live one
   * goes to the trainer while there is one: it holds it (the getters read it there) until it is let go.
   */
  setSetting(name: ElementSettingName, v: unknown): void {
    let parsed: unknown;
    try {
      parsed = PARSERS[name](v === undefined || (v === null && DEFAULTS[name] !== null) ? DEFAULTS[name] : v);
    } catch (e) {
      this.reject(name, (e as Error).message, v, e);
      return;
    }
    if (this._invalid?.has(name)) {
      this._invalid = new Map(this._invalid);
      this._invalid.delete(name);
    }
    // A rejection held until the element connects no longer holds once a valid value replaced it.
    this.pendingErrors = this.pendingErrors.filter((d) => d.setting !== name);
    const old = this.settings[name];
    if (!(isLive(name) && this.controller?.setLiveSetting(name, parsed as Settings[typeof name]))) {
      (this.values as unknown as Record<string, unknown>)[name] = parsed;
    }
    this.requestUpdate(name, old);
    const now = this.settings[name];
    if (!Object.is(now, old)) this.emit<SettingsChangeDetail>('settings-change', { setting: name, attribute: ATTRIBUTES[name], value: now });
  }

  /** JS-only: how the element gets its device (default: requestGpu() from the engine). Set before connecting. */
  declare requestGpu: (() => Promise<Gpu>) | undefined;

  /**
   * Keep the comparison table's runs in this browser (IndexedDB): each run is stored as it ends and the
   * stored runs are restored when the element connects (e.g. after a reload); so is the last model a run
   * reached (after every epoch), which a reloaded element offers to restore. Not a training setting.
   * @attr persist-runs
   */
  declare persistRuns: boolean;
  /**
   * The name of the saved-runs store: elements with different names keep separate runs. Default 'default'.
   * @attr store-name
   */
  declare storeName: string;

  declare _invalid: Map<ElementSettingName, string>;
  declare _urlMode: boolean;

  readonly controller: TrainerController;
  readonly inside: InsideModel; // the "Inside the model" section: what each layer makes of one image
  private info: ModelInfo;
  /** The Model section's builder rows and JSON text, in sync with the model setting. */
  private readonly editor = new ModelEditor({ setModel: (text) => { this.model = text; }, requestUpdate: () => this.requestUpdate() }, ATTRIBUTES.model);
  private pendingErrors: ErrorDetail[] = [];
  /** The comparison table's runs in IndexedDB (with persist-runs). */
  readonly savedRuns = new SavedRuns(() => this.requestUpdate());
  /** The "Compare runs" section's runs and which of them the charts overlay. */
  private readonly runs = new RunBook(this.savedRuns, () => this.requestUpdate());
  private readonly about = () => resultsAbout(this.controller); // the results' metrics.json; one function, no re-render per frame

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this._invalid = new Map();
    // Kept where the page set it before the element was upgraded (markup first, the library later).
    if (!Object.hasOwn(this, 'requestGpu')) this.requestGpu = undefined;
    this.editor.follow(DEFAULTS.model);
    this._urlMode = false;
    this.persistRuns = false;
    this.storeName = 'default';
    this.info = modelInfo(DEFAULTS.model);
    acceptDrops(this, (file) => void this.load(file)); // a checkpoint dropped anywhere on the element
    this.controller = new TrainerController(this, {
      requestGpu: () => (this.requestGpu ? this.requestGpu() : engineRequestGpu()),
      onEpochEnd: (e) => {
        this.savedRuns.keepModel(this.controller);
        this.emit<EpochEndDetail>('epoch-end', { epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, val_loss: e.val_loss, val_accuracy: e.val_accuracy });
      },
      onRunEnd: (end) => this.endRun(end),
      onError: (detail) => this.emit<ErrorDetail>('error', detail),
      onTrainerReleased: (live) => Object.assign(this.values, live),
      // A loaded model's learning rate and dropout replace the element's: said as any other change is.
      onTrainerAdopted: (live) => {
        for (const [name, value] of Object.entries(live) as [LiveSettingName, unknown][]) {
          if (Object.is(value, this.values[name])) continue;
          this.requestUpdate(name, this.values[name]);
          this.emit<SettingsChangeDetail>('settings-change', { setting: name, attribute: ATTRIBUTES[name], value });
        }
      },
    });
    this.inside = new InsideModel(this, this.controller, () => this.requestUpdate());
  }

  /** The current run's Keras-style History (empty before the first epoch). */
  get history(): History {
    return this.controller.history;
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(event(type, detail));
  }

  /** The rejected settings' details, for their messages in the page's language (_invalid holds the English). */
  private rejected = new Map<ElementSettingName, RejectedSetting>();

  private reject(setting: ElementSettingName, problem: string, value: unknown, cause?: unknown): void {
    const kept = this.settings[setting];
    const message = rejectedMessage(problem, ATTRIBUTES[setting], kept);
    this.rejected.set(setting, { message, problem, attribute: ATTRIBUTES[setting], value, kept, cause });
    this._invalid = new Map(this._invalid).set(setting, message);
    const detail: ErrorDetail = { code: 'invalid-setting', message, setting };
    if (this.isConnected) this.emit<ErrorDetail>('error', detail);
    else this.pendingErrors.push(detail);
  }

  /** Follows a change of the element's or the page's `lang` at run time (a page's language switch). */
  private readonly langObserver = new MutationObserver(() => void setLocale(resolveLocale(this)));

  override connectedCallback(): void {
    super.connectedCallback();
    void setLocale(resolveLocale(this));
    this.langObserver.observe(this, { attributes: true, attributeFilter: ['lang'] });
    this.langObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
    for (const detail of this.pendingErrors.splice(0)) this.emit<ErrorDetail>('error', detail);
    // Not when moved within the page after its run (the controller and its model survive a move).
    if (this.autostart) this.updateComplete.then(() => { if (this.isConnected && !this.controller.busy && !this.controller.trainer) this.train(); });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.langObserver.disconnect();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('persistRuns') || changed.has('storeName')) this.savedRuns.use(this.persistRuns, this.storeName || 'default', (runs) => this.runs.restore(runs));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('model')) {
      this.info = modelInfo(this.model);
      this.editor.follow(this.model);
    }
  }

  /** A copy of the current settings: the last valid values, the running trainer's for the live ones. */
  get settings(): Settings {
    return { ...this.values, ...this.controller?.liveSettings() };
  }

  /**
   * Starts a new run and resolves with its History (undefined if it failed). The run takes the settings
   * current when it starts compiling (see run-states.ts); while a run is under way (paused too) this
   * returns that run's promise.
   */
  train(): Promise<History | undefined> {
    return this.controller.train(() => {
      // The builder or the JSON view shows a model that is not valid (a half-typed 2.5): train nothing, not the last valid one.
      if (this.editor.error) throw new SettingError('model', `the model being edited is not valid: ${this.editor.error}; fix it or choose a preset`);
      return runRequest(this.settings);
    });
  }

  pause(): void {
    void this.controller.pause();
  }
  resume(): void {
    void this.controller.resume();
  }
  /** Ends the run after the current step; it is kept for comparison like a finished one. */
  stop(): Promise<void> {
    return this.controller.stop();
  }
  /** Stops and forgets the current run (compared runs stay). */
  reset(): Promise<void> {
    return this.controller.reset();
  }
  evaluate(): Promise<unknown> {
    return this.controller.evaluate();
  }

  /**
   * The current model as a checkpoint file (model, weights, optimizer state, settings, History, the data
   * set's identity), then `model-saved`. Undefined where the state table refuses (a notice says why).
   */
  save(): Promise<Blob | undefined> {
    return saveModel(this);
  }

  /**
   * Restores a checkpoint (a File, Blob or URL) on its data set, sets the form to its settings and fires
   * `model-loaded`; Train then continues it ("Continue") while the settings match. A corrupt, truncated or
   * foreign file is an `error` event with code `checkpoint`, and the current model and runs stay.
   */
  load(source: File | Blob | string): Promise<void> {
    return loadModel(this, source, runRequest);
  }

  /**
   * The model for other tools: `'tfjs'` (TF.js Layers: model.json and weights, zipped; Keras reads it through
   * tensorflowjs_converter) or `'onnx'`, as a File, then `model-exported`. Allowed where save() is.
   */
  export(format: ExportFormat): Promise<Blob | undefined> {
    return exportModel(this, format);
  }

  /** Save model and the Export buttons: the file save() or export() made, downloaded under its name. */
  private async download(made: Promise<Blob | undefined>): Promise<void> {
    const file = (await made) as File | undefined;
    if (file) downloadBlob(file, file.name);
  }

  /** Every run enters the comparison table with its status and curves; then `train-end`, or `error` for a failed one. */
  private endRun(end: RunEnd): void {
    const { history } = this.runs.add(end);
    if (end.error) this.emit<ErrorDetail>('error', end.error);
    else this.emit<History>('train-end', history);
  }

  /** The equivalent Keras program for the current model and settings (what "Show Keras code" shows). */
  kerasCode(): string {
    return kerasCode(this.settings);
  }

  protected override render() {
    const c = this.controller;
    const trainer = c.trainer;
    const running = c.phase === 'training' || c.phase === 'paused';
    const current: ChartRun | undefined = trainer
      ? { label: msg('this run'), history: trainer.history, batchLoss: trainer.batchLoss, stepsPerEpoch: trainer.stepsPerEpoch, loss: trainer.config.loss ?? DEFAULT_SETTINGS.loss }
      : undefined;
    const saved = this.savedRuns.notice && this.savedRuns.noticeText();
    const invalid = new Map([...this._invalid.keys()].map((n) => [n, this.rejected.has(n) ? rejectedText(n, this.rejected.get(n)!) : this._invalid.get(n)!]));
    const combination = combinationProblem(this.settings);
    if (combination && !invalid.has(combination.setting as ElementSettingName)) invalid.set(combination.setting as ElementSettingName, combination.text);
    const messages = [...(c.message ? [c.messageText()] : []), ...(c.notice ? [c.noticeText()] : []), ...(saved ? [saved] : []), ...invalid.values()];
    const continues = c.phase === 'idle' && c.canContinue(requestOrNone(this.settings));
    const onTo = c.trainOnTo((epochs) => requestOrNone({ ...this.settings, epochs }));
    return html`<div class="layout">
      ${renderControls({
        settings: this.settings, invalid, info: this.info, editor: this.editor, urlMode: this._urlMode,
        state: {
          busy: c.busy, running, paused: c.phase === 'paused', hasRun: !!trainer,
          canTrain: c.phase !== 'unavailable' && !c.busy,
          canEvaluate: !!trainer && (c.phase === 'idle' || c.phase === 'paused'), continues,
        },
        set: (name, value) => this.setSetting(name, value),
        setUrlMode: (on) => { this._urlMode = on; },
        actions: { train: () => this.train(), pause: () => this.pause(), resume: () => this.resume(), stop: () => this.stop(), reset: () => this.reset(), evaluate: () => this.evaluate() },
      })}
      <div class="main">
        ${renderModelFiles({
          canSave: !!trainer && (c.phase === 'idle' || c.phase === 'paused'), canLoad: c.phase === 'idle' || c.phase === 'error',
          save: () => void this.download(this.save()), load: (file) => void this.load(file), export: (format) => void this.download(this.export(format)),
        })}
        ${this.savedRuns.renderRestore(!trainer && (c.phase === 'idle' || c.phase === 'error'), (file) => void this.load(file))}
        ${renderStatus(c, continues)}
        ${messages.length ? html`<div part="message" class="message" role="alert">${messages.map((m) => html`<p>${m}</p>`)}</div>` : nothing}
        <mt-charts part="charts" exportparts="loss, accuracy" .current=${current} .overlays=${this.runs.overlays()}></mt-charts>
        ${c.trainer ? renderVerdict(c.history, trainerRegularizers(c.trainer), leavesImagesOut(c.trainer.config.trainLimit, c.data.dataset?.train.count ?? 0),
          { raiseDropout: () => { this.dropout = ADVISED_DROPOUT; }, reveal: (name) => revealField(this.renderRoot, name), trainOn: onTo ? { epochs: onTo, run: () => { this.setSetting('epochs', onTo); void this.train(); } } : undefined }, trainerRunFacts(c.trainer)) : nothing}
        ${this.runs.render()}
        <section class="block" part="keras">
          <h2>${msg('The same in Keras')}</h2>
          <mt-keras-code .generate=${() => this.kerasCode()}></mt-keras-code>
        </section>
        <section class="block" part="results">
          <h2>${msg('Results on the test set')}</h2>
          ${(c.evaluation || c.trainer) && (!running || (c.phase === 'paused' && c.evaluation)) // a loaded model: the drawing pad before any evaluation; paused: an Evaluate's
            ? html`<mt-results .evaluation=${c.evaluation} .topK=${c.trainer?.reportsTopK ? (c.trainer.config.topK ?? DEFAULT_SETTINGS.topK) : undefined} .classNames=${c.data.dataset?.classNames ?? []} .testSet=${c.data.dataset?.test} .predict=${c.predict} .about=${this.about}></mt-results>`
            : html`<p class="muted">${msg('The confusion matrix, per-class scores, misclassified images and a drawing pad appear here after training, or when you press Evaluate.')}</p>`}
        </section>
        ${this.inside.render(c.data.dataset?.classNames ?? [])}
      </div>
    </div>`;
  }
}

for (const name of ELEMENT_SETTINGS) {
  Object.defineProperty(MnistTrainer.prototype, name, {
    get(this: MnistTrainer) { return this.settings[name]; },
    set(this: MnistTrainer, v: unknown) { this.setSetting(name, v); },
    configurable: true,
    enumerable: true,
  });
}

/** The element's events as listeners get them: its `error` is a CustomEvent (the DOM's own `error` is an ErrorEvent). */
export type MnistTrainerEventMap = Omit<HTMLElementEventMap, 'error'> & {
  'error': CustomEvent<ErrorDetail>;
  'model-exported': CustomEvent<ModelFileDetail & { format: ExportFormat }>;
};

/** The settings' properties: typed by the schema, installed by the loop above; the listeners typed by the event map. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- accessors installed at run time, typed here
export interface MnistTrainer extends Pick<Settings, ElementSettingName> {
  addEventListener<K extends keyof MnistTrainerEventMap>(type: K, listener: (this: MnistTrainer, ev: MnistTrainerEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof MnistTrainerEventMap>(type: K, listener: (this: MnistTrainer, ev: MnistTrainerEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-trainer': MnistTrainer;
  }
  interface HTMLElementEventMap {
    'settings-change': CustomEvent<SettingsChangeDetail>;
    'epoch-end': CustomEvent<EpochEndDetail>;
    'train-end': CustomEvent<History>;
    'model-saved': CustomEvent<ModelFileDetail>;
    'model-loaded': CustomEvent<ModelFileDetail>;
  }
}
