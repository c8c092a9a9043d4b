// The settings of <mnist-trainer>: their attribute names, defaults and validation (one parser per
// setting, shared by attributes, properties and the form), and the form that edits them.
// A parser returns the normalised value or throws an Error whose message names the attribute and the
// rule; the element then keeps the last valid value and reports the message.
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { ModelSpecError, PRESETS, parseModel, presetNames, resolveModel, summary, type ModelSpec } from '../engine/model';
import { OPTIMIZERS, type OptimizerName } from '../engine/ops/optimizer';
import { LR_SCHEDULES, type LrScheduleName } from '../engine/lr-schedule';
import { HELP, helpLink } from './help';

export interface Settings {
  /**
   * Attribute `dataset`: 'mnist', 'fashion-mnist' or the URL of a folder holding the four IDX files.
   * (The property cannot be called `dataset`: HTMLElement.dataset is the data-* attribute map.)
   */
  dataSource: string;
  /** Where the bundled sets' data/<set>/ folders live; null = next to the page. */
  dataBase: string | null;
  /** A preset name or a model as JSON ({"layers": [...]} or a bare layer array). */
  model: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** How the learning rate changes over the run: constant, or cosine decay to ~0 by the last epoch. */
  lrSchedule: LrScheduleName;
  optimizer: OptimizerName;
  /** One rate for every dropout layer (0 = off); null keeps each layer's own rate. */
  dropout: number | null;
  seed: number;
  /** Train on the first N images only; null = all. */
  trainLimit: number | null;
}

export type SettingName = keyof Settings;

export const ATTRIBUTES: Record<SettingName, string> = {
  dataSource: 'dataset', dataBase: 'data-base', model: 'model', epochs: 'epochs', batchSize: 'batch-size',
  learningRate: 'learning-rate', lrSchedule: 'lr-schedule', optimizer: 'optimizer', dropout: 'dropout', seed: 'seed', trainLimit: 'train-limit',
};

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  dataSource: 'mnist', dataBase: null, model: 'mlp', epochs: 5, batchSize: 64, learningRate: 0.001,
  lrSchedule: 'constant', optimizer: 'adam', dropout: null, seed: 1, trainLimit: null,
});

export const LIMITS = { epochs: 1000, batchSize: 4096, learningRate: 10 } as const;

const BUILTIN_SETS = ['mnist', 'fashion-mnist'];
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) : String(v));

function number(v: unknown, attr: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`${attr}: ${shown(v)} is not a number`);
  return n;
}

function integer(v: unknown, attr: string, min: number, max: number): number {
  const n = number(v, attr);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${attr} must be a whole number from ${min} to ${max}, got ${shown(v)}`);
  return n;
}

/** A model setting as text: its preset name, or JSON. Throws ModelSpecError-derived messages. */
export function checkModel(v: unknown): { text: string; spec: ModelSpec } {
  const text = typeof v === 'string' ? v.trim() : v && typeof v === 'object' ? JSON.stringify(v) : '';
  if (text === '') throw new Error(`model: expected a preset name (${presetNames().join(', ')}) or JSON layers, got ${shown(v)}`);
  try {
    const spec = parseModel(text);
    resolveModel(spec, [28, 28, 1], 10);
    return { text, spec };
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(e instanceof ModelSpecError && !m.startsWith('model') ? `model: ${m}` : m);
  }
}

export const PARSERS: { [K in SettingName]: (v: unknown) => Settings[K] } = {
  dataSource: (v) => {
    const s = typeof v === 'string' ? v.trim() : '';
    if (BUILTIN_SETS.includes(s.toLowerCase())) return s.toLowerCase();
    if (s.includes('/') && !/\s/.test(s)) {
      try {
        new URL(s, document.baseURI);
        return s;
      } catch { /* reported below */ }
    }
    throw new Error(`dataset must be mnist, fashion-mnist or the URL of a folder with the four IDX files, got ${shown(v)}`);
  },
  dataBase: (v) => {
    if (v === null || v === '') return null;
    if (typeof v !== 'string') throw new Error(`data-base must be a URL, got ${shown(v)}`);
    try {
      new URL(v, document.baseURI);
    } catch {
      throw new Error(`data-base must be a URL, got ${shown(v)}`);
    }
    return v;
  },
  model: (v) => checkModel(v).text,
  epochs: (v) => integer(v, 'epochs', 1, LIMITS.epochs),
  batchSize: (v) => integer(v, 'batch-size', 1, LIMITS.batchSize),
  learningRate: (v) => {
    const n = number(v, 'learning-rate');
    if (!(n > 0 && n <= LIMITS.learningRate)) throw new Error(`learning-rate must be greater than 0 and at most ${LIMITS.learningRate}, got ${shown(v)}`);
    return n;
  },
  lrSchedule: (v) => {
    const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if (!(LR_SCHEDULES as readonly string[]).includes(s)) throw new Error(`lr-schedule must be one of ${LR_SCHEDULES.join(', ')}, got ${shown(v)}`);
    return s as LrScheduleName;
  },
  optimizer: (v) => {
    const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if (!(OPTIMIZERS as readonly string[]).includes(s)) throw new Error(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${shown(v)}`);
    return s as OptimizerName;
  },
  dropout: (v) => {
    if (v === null || v === '') return null;
    const n = number(v, 'dropout');
    if (!(n >= 0 && n < 1)) throw new Error(`dropout must be a rate from 0 (off) up to but not including 1, got ${shown(v)}`);
    return n;
  },
  seed: (v) => integer(v, 'seed', 0, 0xffffffff),
  trainLimit: (v) => (v === null || v === '' ? null : integer(v, 'train-limit', 1, 1e9)),
};

/** One layer per line: readable and still valid JSON. */
export function layersText(model: string): string {
  const spec = PRESETS[model] ?? parseModel(model);
  return `[\n${spec.layers.map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]`;
}

export interface ModelInfo {
  summary: string;
  parameters: number;
  /** Dropout layers in the model and the first one's own rate. */
  dropoutLayers: number;
  dropoutRate?: number;
}

export function modelInfo(model: string): ModelInfo {
  const resolved = resolveModel(parseModel(model), [28, 28, 1], 10);
  const drops = resolved.layers.filter((l) => l.spec.type === 'dropout').map((l) => (l.spec as { rate: number }).rate);
  return { summary: summary(resolved), parameters: resolved.paramCount, dropoutLayers: drops.length, dropoutRate: drops[0] };
}

/** What the form needs from the element: values, state, and the actions it may take. */
export interface ControlsContext {
  settings: Settings;
  /** Rejected settings: name → message. */
  invalid: ReadonlyMap<SettingName, string>;
  info: ModelInfo;
  editor: { text: string; error: string; open: boolean };
  urlMode: boolean;
  state: { busy: boolean; running: boolean; paused: boolean; canEvaluate: boolean; canTrain: boolean; hasRun: boolean };
  set(name: SettingName, value: unknown): void;
  editModel(text: string): void;
  setUrlMode(on: boolean): void;
  setEditorOpen(open: boolean): void;
  actions: { train(): void; pause(): void; resume(): void; stop(): void; reset(): void; evaluate(): void };
}

function help(key: string, what: string): TemplateResult | typeof nothing {
  const entry = HELP[key];
  if (!entry) return nothing;
  return html`<details class="help"><summary aria-label=${`About ${what}`} title=${`About ${what}`}>?</summary>
    <div role="note">${entry.text} <a href=${helpLink(undefined, key)} target="_blank" rel="noopener">More in the concepts guide</a></div></details>`;
}

const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;

function numberField(c: ControlsContext, name: 'epochs' | 'batchSize' | 'learningRate' | 'seed' | 'trainLimit', label: string, helpKey: string, extra: { min?: number; max?: number; step?: string; placeholder?: string } = {}) {
  const id = `f-${name}`;
  const bad = c.invalid.get(name);
  const v = c.settings[name];
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${ATTRIBUTES[name]} type="number" inputmode="decimal" .value=${live(v === null ? '' : String(v))}
      min=${ifDefined(extra.min)} max=${ifDefined(extra.max)} step=${extra.step ?? '1'} placeholder=${ifDefined(extra.placeholder)}
      aria-invalid=${bad ? 'true' : 'false'} aria-describedby=${ifDefined(bad ? `${id}-error` : undefined)}
      @change=${(e: Event) => c.set(name, value(e))}>
    ${help(helpKey, label.toLowerCase())}
    ${bad ? html`<p class="inline-error wide" id=${`${id}-error`}>${bad}</p>` : nothing}
  </div>`;
}

export function renderControls(c: ControlsContext): TemplateResult {
  const s = c.settings;
  const { busy, running, paused } = c.state;
  const builtin = BUILTIN_SETS.includes(s.dataSource);
  const datasetChoice = c.urlMode || !builtin ? 'url' : s.dataSource;
  const preset = PRESETS[s.model] ? s.model : 'custom';
  const dropoutOn = s.dropout !== 0;
  const rate = s.dropout ?? c.info.dropoutRate ?? 0.5;
  return html`<form part="controls" @submit=${(e: Event) => e.preventDefault()} aria-label="Training settings">
    <fieldset ?disabled=${busy}>
      <legend>Data</legend>
      <div class="field">
        <label for="f-dataset">Data set</label>
        <select id="f-dataset" name="dataset" .value=${live(datasetChoice)}
          @change=${(e: Event) => { const v = value(e); if (v === 'url') c.setUrlMode(true); else { c.setUrlMode(false); c.set('dataSource', v); } }}>
          <option value="mnist">MNIST</option>
          <option value="fashion-mnist">Fashion-MNIST</option>
          <option value="url">a URL…</option>
        </select>
        ${help('dataset', 'the data set')}
        ${datasetChoice === 'url' ? html`<input class="wide" aria-label="URL of a folder with the four IDX files" placeholder="https://example.org/my-set/"
          .value=${live(builtin ? '' : s.dataSource)} @change=${(e: Event) => c.set('dataSource', value(e))}
          aria-invalid=${c.invalid.has('dataSource') ? 'true' : 'false'}>` : nothing}
        ${c.invalid.has('dataSource') ? html`<p class="inline-error wide">${c.invalid.get('dataSource')}</p>` : nothing}
      </div>
      ${numberField(c, 'trainLimit', 'Train images', 'dataset', { min: 1, placeholder: 'all' })}
    </fieldset>

    <fieldset ?disabled=${busy}>
      <legend>Model</legend>
      <div class="field">
        <label for="f-model">Model</label>
        <select id="f-model" name="model" .value=${live(preset)}
          @change=${(e: Event) => { const v = value(e); if (v === 'custom') c.setEditorOpen(true); else c.set('model', v); }}>
          ${presetNames().map((p) => html`<option value=${p}>${p}</option>`)}
          <option value="custom">custom (edit the layers)</option>
        </select>
        ${help('model', 'the model')}
        <p class="note wide">${c.info.parameters.toLocaleString('en-US')} parameters, ${c.info.dropoutLayers} dropout layer${c.info.dropoutLayers === 1 ? '' : 's'}</p>
      </div>
      <details class="editor" ?open=${c.editor.open} @toggle=${(e: Event) => c.setEditorOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Layers (JSON)</summary>
        <div class="field">
          <span class="label">One layer per line: dense, conv2d, maxPool2d, avgPool2d, flatten, dropout, activation.</span>
          <span></span>
          ${help('architecture', 'the layer list')}
        </div>
        <textarea aria-label="Model layers as JSON" spellcheck="false" .value=${live(c.editor.text)}
          aria-invalid=${c.editor.error ? 'true' : 'false'} aria-describedby="model-error"
          @input=${(e: Event) => c.editModel(value(e))}></textarea>
        <p id="model-error" class="inline-error" role="status">${c.editor.error}</p>
        <pre class="summary" aria-label="Model summary">${c.info.summary}</pre>
      </details>
      ${c.invalid.has('model') ? html`<p class="inline-error">${c.invalid.get('model')}</p>` : nothing}
    </fieldset>

    <fieldset>
      <legend>Training</legend>
      <div class="field">
        <label for="f-optimizer">Optimizer</label>
        <select id="f-optimizer" name="optimizer" ?disabled=${busy} .value=${live(s.optimizer)} @change=${(e: Event) => c.set('optimizer', value(e))}>
          ${OPTIMIZERS.map((o) => html`<option value=${o}>${o}</option>`)}
        </select>
        ${help('optimizer', 'the optimizer')}
      </div>
      ${numberField(c, 'learningRate', 'Learning rate', 'learningRate', { min: 0, step: 'any' })}
      <div class="field">
        <label for="f-lr-schedule">Schedule</label>
        <select id="f-lr-schedule" name="lr-schedule" ?disabled=${busy} .value=${live(s.lrSchedule)} @change=${(e: Event) => c.set('lrSchedule', value(e))}>
          ${LR_SCHEDULES.map((o) => html`<option value=${o}>${o === 'cosine' ? 'cosine decay' : o}</option>`)}
        </select>
        ${help('lrSchedule', 'the learning-rate schedule')}
      </div>
      <fieldset class="plain" ?disabled=${busy}>
        ${numberField(c, 'batchSize', 'Batch size', 'batchSize', { min: 1, max: LIMITS.batchSize })}
        ${numberField(c, 'epochs', 'Epochs', 'epochs', { min: 1, max: LIMITS.epochs })}
        ${numberField(c, 'seed', 'Seed', 'seed', { min: 0 })}
      </fieldset>
      <div class="field">
        <label for="f-dropout-on">Dropout</label>
        <span><input id="f-dropout-on" type="checkbox" .checked=${live(dropoutOn)} ?disabled=${c.info.dropoutLayers === 0}
          @change=${(e: Event) => c.set('dropout', (e.target as HTMLInputElement).checked ? (c.info.dropoutRate || 0.5) : 0)}>
          <span>${dropoutOn ? (s.dropout === null ? `on, rate ${rate} (the model's own)` : `on, rate ${rate.toFixed(2)}`) : 'off'}</span></span>
        ${help('dropout', 'dropout')}
        <input class="wide" id="f-dropout" type="range" min="0" max="0.9" step="0.05" aria-label="Dropout rate"
          .value=${live(String(dropoutOn ? rate : 0))} ?disabled=${c.info.dropoutLayers === 0}
          @input=${(e: Event) => c.set('dropout', value(e))}>
        ${c.info.dropoutLayers === 0 ? html`<p class="note wide">This model has no dropout layer; add {"type": "dropout", "rate": 0.5} in the layer editor.</p>` : nothing}
        ${c.invalid.has('dropout') ? html`<p class="inline-error wide">${c.invalid.get('dropout')}</p>` : nothing}
      </div>
      ${running ? html`<p class="note">Learning rate and dropout change live; the other settings apply to the next run.</p>` : nothing}
    </fieldset>

    <div class="buttons" part="buttons">
      <button type="button" class="primary" part="button train" ?disabled=${!c.state.canTrain || running} @click=${c.actions.train}>Train</button>
      ${paused
        ? html`<button type="button" part="button resume" @click=${c.actions.resume}>Resume</button>`
        : html`<button type="button" part="button pause" ?disabled=${!running} @click=${c.actions.pause}>Pause</button>`}
      <button type="button" part="button stop" ?disabled=${!busy} @click=${c.actions.stop}>Stop</button>
      <button type="button" part="button reset" ?disabled=${!c.state.hasRun && !busy} @click=${c.actions.reset}>Reset</button>
      <button type="button" part="button evaluate" ?disabled=${!c.state.canEvaluate} @click=${c.actions.evaluate}>Evaluate</button>
    </div>
  </form>`;
}
