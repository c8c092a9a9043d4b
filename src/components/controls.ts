// The settings of <mnist-trainer> as the element sees them (attribute names, defaults, parsers: all
// derived from the schema in engine/settings.ts, with the page's URL check added), and the form that
// edits them. A parser returns the normalised value or throws an Error whose message names the
// attribute and the rule; the element then keeps the last valid value and reports the message.
import { msg, str } from '@lit/localize';
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { resolveModel } from '../engine/model';
import { PRESETS, parseModel, presetNames } from '../engine/model-setting';
import { summary } from '../engine/model-summary';
import { builtinDatasetName } from '../data/sources';
import {
  DATASETS, DEFAULT_SETTINGS, MODEL_INPUT, SETTINGS, SETTING_NAMES, parseSetting, settingSpec,
  type ElementSettingName, type SettingHooks, type SettingName, type Settings,
} from '../engine/settings';
import { HELP, helpLink } from './help';
import { hasFocus, refocus, scrollBehavior } from './focus';
import { formatCount, formatFixed } from './number-format';
import { formatNumber, getLocale } from './i18n';
import { SETTING_TEXTS } from './locales/setting-texts';
import { layersErrorText } from './messages';
import type { ModelEditor } from './model-editor';
import type { LayersChangeDetail } from './model-builder';
import './model-builder';

export type { Settings, SettingName } from '../engine/settings';

/** The settings <mnist-trainer> has, in the schema's order. */
export const ELEMENT_SETTINGS = SETTING_NAMES.filter((n): n is ElementSettingName => SETTINGS[n].attribute !== null);

/** Setting → attribute. */
export const ATTRIBUTES = Object.fromEntries(ELEMENT_SETTINGS.map((n) => [n, SETTINGS[n].attribute])) as Record<ElementSettingName, string>;

export const DEFAULTS: Readonly<Settings> = DEFAULT_SETTINGS;

/** What the schema cannot check without a page: a URL must resolve against it (and a typed URL has no spaces). */
const PAGE_HOOKS: SettingHooks = {
  checkUrl(url) {
    if (/\s/.test(url)) throw new Error('a URL has no spaces');
    new URL(url, document.baseURI);
  },
};

/** The schema's parsers, naming the attribute in their messages. */
export const PARSERS = Object.fromEntries(ELEMENT_SETTINGS.map((n) => [n, (v: unknown) => parseSetting(n, v, ATTRIBUTES[n], PAGE_HOOKS)])) as
  { [K in ElementSettingName]: (v: unknown) => Settings[K] };

export interface ModelInfo {
  summary: string;
  parameters: number;
  /** Dropout layers in the model and the first one's own rate. */
  dropoutLayers: number;
  dropoutRate?: number;
}

/** Opens the groups around a setting's field, scrolls it into view and focuses it (the verdict's links to its advice). */
export function revealField(root: ParentNode, name: ElementSettingName): void {
  const field = root.querySelector<HTMLElement>(`#f-${ATTRIBUTES[name]}`);
  if (!field) return;
  for (let d = field.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
  field.scrollIntoView({ block: 'center', behavior: scrollBehavior() });
  field.focus({ preventScroll: true });
}

export function modelInfo(model: string): ModelInfo {
  const resolved = resolveModel(parseModel(model), MODEL_INPUT.shape, MODEL_INPUT.classes);
  const drops = resolved.layers.filter((l) => l.spec.type === 'dropout').map((l) => (l.spec as { rate: number }).rate);
  return { summary: summary(resolved), parameters: resolved.paramCount, dropoutLayers: drops.length, dropoutRate: drops[0] };
}

/** What the form needs from the element: values, state, and the actions it may take. */
export interface ControlsContext {
  settings: Settings;
  /** Rejected settings: name → message. */
  invalid: ReadonlyMap<SettingName, string>;
  info: ModelInfo;
  /** The Model section's builder rows and JSON text (model-editor.ts). */
  editor: ModelEditor;
  urlMode: boolean;
  /** continues: Train would continue a loaded model (labelled "Continue"). */
  state: { busy: boolean; running: boolean; paused: boolean; canEvaluate: boolean; canTrain: boolean; hasRun: boolean; continues?: boolean };
  set(name: SettingName, value: unknown): void;
  setUrlMode(on: boolean): void;
  /** Each may return a promise of its end (Stop's: the run ended), which the focus waits for. */
  actions: { train(): unknown; pause(): unknown; resume(): unknown; stop(): unknown; reset(): unknown; evaluate(): unknown };
}

/** A "?" that opens the help text `key`; `label`: its field's label as the form shows it (the "?"'s name: "Help: Learning rate"). */
function help(key: string, label: string): TemplateResult | typeof nothing {
  const entry = HELP[key];
  if (!entry) return nothing;
  const about = msg(str`Help: ${label}`, { desc: 'a help button\'s name, followed by its field\'s label as written (ru: Справка к полю «…»)' });
  // The text takes the focus on a click in it (tabindex -1), so that it stays open (closeHelpOnLeave).
  return html`<details class="help"><summary aria-label=${about} title=${about}>?</summary>
    <div role="note" tabindex="-1">${entry.text} <a href=${helpLink(undefined, key)} target="_blank" rel="noopener">${msg('More in the concepts guide')}</a></div></details>`;
}

/** Escape closes an open help text (focus back on its "?"), and a click elsewhere in the form closes it too. */
function closeHelp(e: Event): void {
  const escape = e instanceof KeyboardEvent;
  if (escape && e.key !== 'Escape') return;
  for (const d of (e.currentTarget as HTMLElement).querySelectorAll<HTMLDetailsElement>('details.help[open]')) {
    if (!escape && d.contains(e.target as Node)) continue;
    d.open = false;
    if (escape) d.querySelector('summary')?.focus();
  }
}

/**
 * A run button's click: its action; then, if the button had the focus and loses it (disabled: Train while a run
 * is under way, Stop after it), the focus goes to the first enabled of the buttons `next` (parts), once the
 * action is done (`settle`; Train's promise is the whole run's: not waited for).
 */
const press = (action: () => unknown, next: readonly string[], settle = true) => (e: Event) => {
  const button = e.currentTarget as HTMLButtonElement;
  const focused = hasFocus(button);
  const done = action();
  const row = button.parentElement!;
  void refocus(button, focused, settle ? done : undefined, () => next.map((part) => row.querySelector(`[part~="${part}"]`)));
};

/** An open help text closes when the focus leaves it (Tab to the next field): it would cover that field. */
function closeHelpOnLeave(e: FocusEvent): void {
  const to = e.relatedTarget as Node | null;
  for (const d of (e.currentTarget as HTMLElement).querySelectorAll<HTMLDetailsElement>('details.help[open]')) {
    if (d.contains(e.target as Node) && !(to && d.contains(to))) d.open = false;
  }
}

const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;

/** Settings the form shows as a plain number or text input, a checkbox, or a select of their allowed values. */
type PlainSetting = 'epochs' | 'batchSize' | 'optimizer' | 'weightDecay' | 'learningRate' | 'lrSchedule' | 'loss' | 'labelSmoothing' | 'metrics' | 'topK'
  | 'seed' | 'trainLimit' | 'testLimit' | 'validationSplit' | 'loadTimeout' | 'kernels'
  | 'earlyStopping' | 'monitor' | 'minDelta' | 'restoreBestWeights' | 'reduceLrPatience' | 'reduceLrFactor' | 'minLearningRate'
  | 'augmentShift' | 'augmentRotation' | 'augmentZoom';

/** Option texts that say more than the value (a function: the text follows the locale). */
const optionText = (o: string): string => (o === 'cosine' ? msg('cosine decay') : o === 'constant' ? msg('constant', { id: 'schedule-constant' }) : builtinDatasetName(o) ?? o);
/** Characters of a select's longest choice (or an input's placeholder) that fit beside the label (styles.ts's .field columns in the 19rem form). */
const STACK_OPTION_CHARS = 11;
/**
 * A select's or input's field: one whose longest choice or placeholder would be cut in the control column
 * (categorical_crossentropy and categorical_hinge both showed as 'categorical_'; weight decay's placeholder as
 * 'the optimizer') is 'stacked', the control on the row under its label.
 */
const fieldClass = (choices: readonly string[]) => (choices.some((t) => t.length > STACK_OPTION_CHARS) ? 'field stacked' : 'field');

/** A labelled input, select or checkbox (booleans) from the setting's schema entry; live settings stay editable during a run. */
function field(c: ControlsContext, name: PlainSetting) {
  const spec = settingSpec(name);
  const text = SETTING_TEXTS[name];
  const id = `f-${spec.attribute}`;
  const bad = c.invalid.get(name);
  const v = c.settings[name];
  const disabled = c.state.busy && !spec.live;
  const set = (e: Event) => c.set(name, value(e));
  const control = spec.kind === 'boolean'
    ? html`<input id=${id} name=${ifDefined(spec.attribute ?? undefined)} type="checkbox" .checked=${live(v === true)} ?disabled=${disabled}
        @change=${(e: Event) => c.set(name, (e.target as HTMLInputElement).checked)}>`
    : spec.values
      ? html`<select id=${id} name=${ifDefined(spec.attribute ?? undefined)} ?disabled=${disabled} .value=${live(String(v))} @change=${set}>
        ${spec.values.map((o) => html`<option value=${o}>${optionText(o)}</option>`)}
      </select>`
      : spec.kind === 'text'
        ? html`<input id=${id} name=${ifDefined(spec.attribute ?? undefined)} type="text" .value=${live(String(v ?? ''))} ?disabled=${disabled}
        aria-invalid=${bad ? 'true' : 'false'} aria-describedby=${ifDefined(bad ? `${id}-error` : undefined)} @change=${set}>`
        : html`<input id=${id} name=${ifDefined(spec.attribute ?? undefined)} type="number" inputmode="decimal" .value=${live(v === null ? '' : String(v))}
        min=${ifDefined(spec.range?.min)} max=${ifDefined(spec.range?.max)} step=${spec.kind === 'integer' ? '1' : 'any'} placeholder=${ifDefined(text.absent?.())}
        ?disabled=${disabled} aria-invalid=${bad ? 'true' : 'false'} aria-describedby=${ifDefined(bad ? `${id}-error` : undefined)} @change=${set}>`;
  const texts = spec.kind === 'boolean' ? [] : spec.values ? spec.values.map(optionText) : [text.absent?.() ?? ''];
  return html`<div class=${fieldClass(texts)}>
    <label for=${id}>${text.label()}</label>
    ${control}
    ${help(spec.helpKey ?? name, text.label())}
    ${bad ? html`<p class="inline-error wide" id=${`${id}-error`}>${bad}</p>` : nothing}
  </div>`;
}

/** The slider stops below the rule's limit (< 1): at higher rates a layer passes almost nothing on. */
const DROPOUT_SLIDER_MAX = 0.9;

/** "Learning rate and dropout": the settings a running trainer takes at once, in the page's language. */
const liveNames = () => SETTING_NAMES.filter((n) => SETTINGS[n].live).map((n, i) => (i === 0 ? SETTING_TEXTS[n].label() : SETTING_TEXTS[n].label().toLowerCase()));
/** A list in the locale's words: "a, b and c" / "a, b и c". */
const listText = (items: readonly string[]) => new Intl.ListFormat(getLocale(), { type: 'conjunction' }).format(items);

/** "1,234 parameters, 2 dropout layers" under the model choice. */
function modelNote(info: ModelInfo): string {
  const n = formatCount(info.parameters);
  const d = formatNumber(info.dropoutLayers);
  return info.dropoutLayers === 1 ? msg(str`${n} parameters, ${d} dropout layer`) : msg(str`${n} parameters, ${d} dropout layers`);
}

export function renderControls(c: ControlsContext): TemplateResult {
  const s = c.settings;
  const { busy, running, paused } = c.state;
  const builtin = (DATASETS as readonly string[]).includes(s.dataSource);
  const datasetChoice = c.urlMode || !builtin ? 'url' : s.dataSource;
  const datasetBad = c.invalid.has('dataSource');
  // A half-edited list (not a model yet) is custom: choosing the preset again brings its layers back.
  const preset = PRESETS[s.model] && !c.editor.error ? s.model : 'custom';
  const dropoutOn = s.dropout !== 0;
  const rate = s.dropout ?? c.info.dropoutRate ?? 0.5;
  // The two hand-written selects' choices, [value, text]: their options and their field's stacking both read them.
  const datasetChoices = [...DATASETS.map((d) => [d, optionText(d)]), ['url', msg('a URL…')]];
  const modelChoices = [...presetNames().map((p) => [p, p]), ['custom', msg('custom (edit the layers)')]];
  return html`<form part="controls" @submit=${(e: Event) => e.preventDefault()} @keydown=${closeHelp} @click=${closeHelp} @focusout=${closeHelpOnLeave} aria-label=${msg('Training settings')}>
    <fieldset ?disabled=${busy}>
      <legend>${msg('Data')}</legend>
      <div class=${fieldClass(datasetChoices.map(([, text]) => text))}>
        <label for="f-dataset">${SETTING_TEXTS.dataSource.label()}</label>
        <select id="f-dataset" name="dataset" .value=${live(datasetChoice)} aria-describedby=${ifDefined(datasetBad && datasetChoice !== 'url' ? 'f-dataset-error' : undefined)}
          @change=${(e: Event) => { const v = value(e); if (v === 'url') c.setUrlMode(true); else { c.setUrlMode(false); c.set('dataSource', v); } }}>
          ${datasetChoices.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
        </select>
        ${help('dataset', SETTING_TEXTS.dataSource.label())}
        ${datasetChoice === 'url' ? html`<input class="wide" aria-label=${msg('URL of a folder with the four IDX files')} placeholder="https://example.org/my-set/"
          .value=${live(builtin ? '' : s.dataSource)} @change=${(e: Event) => c.set('dataSource', value(e))}
          aria-invalid=${datasetBad ? 'true' : 'false'} aria-describedby=${ifDefined(datasetBad ? 'f-dataset-error' : undefined)}>` : nothing}
        ${datasetBad ? html`<p class="inline-error wide" id="f-dataset-error">${c.invalid.get('dataSource')}</p>` : nothing}
      </div>
      ${field(c, 'trainLimit')}
      ${field(c, 'testLimit')}
      ${field(c, 'validationSplit')}
      ${field(c, 'loadTimeout')}
      ${field(c, 'kernels')}
    </fieldset>

    <fieldset ?disabled=${busy}>
      <legend>${msg('Model')}</legend>
      <div class=${fieldClass(modelChoices.map(([, text]) => text))}>
        <label for="f-model">${SETTING_TEXTS.model.label()}</label>
        <select id="f-model" name="model" .value=${live(preset)}
          @change=${(e: Event) => { const v = value(e); if (v === 'custom') c.editor.setOpen(true); else { c.set('model', v); c.editor.follow(v, true); } }}>
          ${modelChoices.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
        </select>
        ${help('model', SETTING_TEXTS.model.label())}
        <p class="note wide">${modelNote(c.info)}</p>
      </div>
      <div class="field">
        <span class="label">${msg('Layers')}</span>
        <span></span>
        ${help('modelBuilder', msg('Layers'))}
      </div>
      <mt-model-builder .layers=${c.editor.layers} .presets=${false} ?disabled=${busy}
        @layers-change=${(e: CustomEvent<LayersChangeDetail>) => c.editor.fromRows(e.detail.layers)}></mt-model-builder>
      <details class="editor" ?open=${c.editor.open} @toggle=${(e: Event) => c.editor.setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>${msg('JSON')}</summary>
        <div class="field">
          <span class="label">${msg('One layer per line: dense, conv2d, maxPool2d, avgPool2d, flatten, dropout, activation.')}</span>
          <span></span>
          ${help('architecture', msg('Model layers as JSON'))}
        </div>
        <textarea aria-label=${msg('Model layers as JSON')} spellcheck="false" .value=${live(c.editor.text)}
          aria-invalid=${c.editor.error ? 'true' : 'false'} aria-describedby="model-error"
          @input=${(e: Event) => c.editor.fromText(value(e))}></textarea>
        <p id="model-error" class="inline-error" role="status">${layersErrorText(c.editor.error, c.editor.errorCause)}</p>
        <pre class="summary" role="region" tabindex="0" aria-label=${msg('Model summary')}>${c.info.summary}</pre>
      </details>
      ${c.invalid.has('model') ? html`<p class="inline-error">${c.invalid.get('model')}</p>` : nothing}
    </fieldset>

    <fieldset>
      <legend>${msg('Compile: optimizer, loss, metrics')}</legend>
      ${field(c, 'optimizer')}
      ${field(c, 'learningRate')}
      ${field(c, 'lrSchedule')}
      ${field(c, 'weightDecay')}
      ${field(c, 'loss')}
      ${field(c, 'labelSmoothing')}
      ${field(c, 'metrics')}
      ${field(c, 'topK')}
    </fieldset>

    <fieldset>
      <legend>${msg('Training')}</legend>
      ${field(c, 'batchSize')}
      ${field(c, 'epochs')}
      ${field(c, 'seed')}
      <div class="field">
        <label for="f-dropout-on">${SETTING_TEXTS.dropout.label()}</label>
        <span><input id="f-dropout-on" type="checkbox" .checked=${live(dropoutOn)} ?disabled=${c.info.dropoutLayers === 0}
          @change=${(e: Event) => c.set('dropout', (e.target as HTMLInputElement).checked ? (c.info.dropoutRate || 0.5) : 0)}>
          <span>${dropoutOn ? (s.dropout === null ? msg(str`on, rate ${formatNumber(rate)} (the model's own)`) : msg(str`on, rate ${formatFixed(rate, 2)}`)) : msg('off')}</span></span>
        ${help('dropout', SETTING_TEXTS.dropout.label())}
        <input class="wide" id="f-dropout" type="range" min=${SETTINGS.dropout.range.min} max=${DROPOUT_SLIDER_MAX} step="0.05" aria-label=${msg('Dropout rate')}
          .value=${live(String(dropoutOn ? rate : 0))} ?disabled=${c.info.dropoutLayers === 0}
          @input=${(e: Event) => c.set('dropout', value(e))}>
        ${c.info.dropoutLayers === 0 ? html`<p class="note wide">${msg('This model has no dropout layer; add {"type": "dropout", "rate": 0.5} in the layer editor.')}</p>` : nothing}
        ${c.invalid.has('dropout') ? html`<p class="inline-error wide">${c.invalid.get('dropout')}</p>` : nothing}
      </div>
      <details class="group" ?open=${s.augmentShift > 0 || s.augmentRotation > 0 || s.augmentZoom > 0}>
        <summary>${msg('Data augmentation')}</summary>
      ${field(c, 'augmentShift')}
      ${field(c, 'augmentRotation')}
      ${field(c, 'augmentZoom')}
      </details>
      <details class="group" ?open=${s.earlyStopping !== null || s.reduceLrPatience !== null}>
        <summary>${msg('Callbacks: early stopping, reduce on plateau')}</summary>
      ${field(c, 'earlyStopping')}
      ${field(c, 'monitor')}
      ${field(c, 'minDelta')}
      ${field(c, 'restoreBestWeights')}
      ${field(c, 'reduceLrPatience')}
      ${field(c, 'reduceLrFactor')}
      ${field(c, 'minLearningRate')}
      </details>
      ${running ? html`<p class="note">${msg(str`${listText(liveNames())} change live; the other settings apply to the next run.`)}</p>` : nothing}
    </fieldset>

    <div class="buttons" part="buttons">
      <button type="button" class="primary" part="button train" ?disabled=${!c.state.canTrain || running} @click=${press(c.actions.train, ['pause', 'stop'], false)}>${c.state.continues ? msg('Continue') : msg('Train')}</button>
      <button type="button" part=${paused ? 'button resume' : 'button pause'} ?disabled=${!running} @click=${press(paused ? c.actions.resume : c.actions.pause, ['train'])}>${paused ? msg('Resume') : msg('Pause')}</button>
      <button type="button" part="button stop" ?disabled=${!busy} @click=${press(c.actions.stop, ['train'])}>${msg('Stop')}</button>
      <button type="button" part="button reset" ?disabled=${!c.state.hasRun && !busy} @click=${press(c.actions.reset, ['train'])}>${msg('Reset')}</button>
      <button type="button" part="button evaluate" ?disabled=${!c.state.canEvaluate} @click=${press(c.actions.evaluate, ['evaluate', 'train'])}>${msg('Evaluate')}</button>
    </div>
  </form>`;
}
