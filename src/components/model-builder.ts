// <mt-model-builder>: the model as an editable list of layers, like Keras's summary() with controls. Each
// row shows its layer's fields with the control their kind asks for (engine/layer-fields.ts: a number input
// with min and step, a select of choices, kernel size as height × width), its output shape and parameter
// count from the engine's own resolution (inspectModel: nothing here computes a shape), and, for the first
// invalid layer, the engine's message. Rows are added, removed and moved with buttons or the keyboard.
// The builder holds no model of its own: it shows `.layers` and fires `layers-change` with the edited list.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { LAYER_FIELDS, LAYER_TYPES, NEW_LAYERS, inspectModel, layerParamCount, type LayerField, type LayerSpec, type LayerType, type ModelInspection } from '../engine/model';
import { PRESETS, presetNames } from '../engine/model-setting';
import { outputShapeText } from '../engine/model-summary';
import { MODEL_INPUT } from '../engine/settings';
import { themeStyles } from './help';
import { formatNumber } from './i18n';
import { modelErrorText } from './model-problem-text';

export interface LayersChangeDetail {
  layers: LayerSpec[];
  /** Set when the list is a preset's, loaded from the preset select. */
  preset?: string;
}

/** The fields' names as the form says them (the keys stay the JSON's). */
function fieldLabel(key: string): string {
  const labels: Record<string, () => string> = {
    units: () => msg('units'),
    filters: () => msg('filters'),
    kernelSize: () => msg('kernel size'),
    padding: () => msg('padding'),
    activation: () => msg('activation'),
    rate: () => msg('rate'),
    poolSize: () => msg('pool size'),
    strides: () => msg('strides'),
    momentum: () => msg('momentum'),
    epsilon: () => msg('epsilon'),
  };
  return labels[key]?.() ?? key;
}

type Row = Record<string, unknown> & { type: LayerType };

/**
 * Properties: `.layers` (LayerSpec[]), `.inputShape` and `.classes` (default MNIST's), `disabled`, `presets`
 * (show the "start from preset" select; default true). Event (bubbling, composed): `layers-change` {layers, preset?}.
 * Keyboard in a row: Alt+ArrowUp / Alt+ArrowDown move it, Delete (on the row itself) removes it.
 */
export class MtModelBuilder extends LitElement {
  static override properties = {
    layers: { attribute: false },
    inputShape: { attribute: false },
    classes: { type: Number },
    disabled: { type: Boolean, reflect: true },
    presets: { type: Boolean },
    _current: { state: true },
    _addType: { state: true },
  };

  declare layers: LayerSpec[];
  declare inputShape: readonly number[];
  declare classes: number;
  declare disabled: boolean;
  declare presets: boolean;
  /** The row that last had the focus: Add inserts after it. */
  declare _current: number | null;
  declare _addType: LayerType;
  /** The engine's resolution of `layers`, redone when they change. */
  inspection: ModelInspection = inspectModel({ layers: [] });

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.layers = [];
    this.inputShape = MODEL_INPUT.shape;
    this.classes = MODEL_INPUT.classes;
    this.disabled = false;
    this.presets = true;
    this._current = null;
    this._addType = 'dense';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('layers') || changed.has('inputShape') || changed.has('classes')) {
      this.inspection = inspectModel({ layers: this.layers }, this.inputShape, this.classes);
      if (this._current !== null && this._current >= this.layers.length) this._current = this.layers.length ? this.layers.length - 1 : null;
    }
  }

  /** Takes the new list and tells the host; `focus` (row, field) is where the focus goes after the render. */
  private change(layers: LayerSpec[], focus?: { row: number; field?: string }, preset?: string): void {
    this.layers = layers;
    this.dispatchEvent(new CustomEvent<LayersChangeDetail>('layers-change', { detail: { layers, preset }, bubbles: true, composed: true }));
    if (focus) {
      this._current = focus.row;
      void this.updateComplete.then(() => {
        const row = this.renderRoot.querySelector<HTMLElement>(`li[data-row="${focus.row}"]`);
        (row?.querySelector<HTMLElement>(`[data-field="${focus.field}"]`) ?? row)?.focus();
      });
    }
  }

  private setField(i: number, f: LayerField, value: unknown): void {
    const row = { ...this.layers[i] } as Row;
    // A choice at its default is left out, as the presets write it ({"type": "dense", "units": 10}); a number
    // typed stays (poolSize: 2), an emptied optional one goes (its default applies).
    if (value === undefined || (f.kind === 'choice' && value === f.default)) delete row[f.key];
    else row[f.key] = value;
    const layers = [...this.layers];
    layers[i] = row as LayerSpec;
    this.change(layers);
  }

  addLayer(type: LayerType = this._addType): void {
    const at = this._current === null ? this.layers.length : this._current + 1;
    const layers = [...this.layers];
    layers.splice(at, 0, structuredClone(NEW_LAYERS[type]));
    this.change(layers, { row: at, field: LAYER_FIELDS[type][0]?.key });
  }

  removeLayer(i: number): void {
    const layers = this.layers.filter((_, j) => j !== i);
    // The last row gone, the focus it had (its ✕, or the row for Delete) goes to the type of the layer to add.
    const focused = !!(this.renderRoot as ShadowRoot).activeElement;
    this.change(layers, layers.length ? { row: Math.min(i, layers.length - 1) } : undefined);
    if (layers.length) return;
    this._current = null;
    if (focused) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[data-role="add-type"]')?.focus());
  }

  moveLayer(i: number, by: -1 | 1, field?: string): void {
    const j = i + by;
    if (j < 0 || j >= this.layers.length) return;
    const layers = [...this.layers];
    [layers[i], layers[j]] = [layers[j], layers[i]];
    this.change(layers, { row: j, field });
  }

  private onKey(e: KeyboardEvent, i: number): void {
    if (this.disabled) return;
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      this.moveLayer(i, e.key === 'ArrowUp' ? -1 : 1, (e.target as HTMLElement).dataset.field);
    } else if (e.key === 'Delete' && e.target === e.currentTarget) {
      e.preventDefault();
      this.removeLayer(i);
    }
  }

  private loadPreset(e: Event): void {
    const select = e.target as HTMLSelectElement;
    const name = select.value;
    select.value = '';
    if (PRESETS[name]) this.change(structuredClone(PRESETS[name].layers), undefined, name);
  }

  /** A number from an input: undefined when empty (an optional field's default), null when a required one is empty. */
  private numberFrom(e: Event, f: LayerField): number | null | undefined {
    const text = (e.target as HTMLInputElement).value.trim();
    if (text !== '') return Number(text);
    return f.default !== undefined || f.sameAs ? undefined : null;
  }

  private renderField(i: number, row: Row, f: LayerField, describedBy: string | undefined) {
    const n = i + 1;
    const label = fieldLabel(f.key);
    const aria = msg(str`Layer ${n}, ${label}`);
    const v = row[f.key];
    if (f.kind === 'choice') {
      // Each option's selectedness, not the select's value: on the first render the options come after it.
      const current = String(v ?? f.default ?? '');
      return html`<label class="f"><span>${label}</span><select data-field=${f.key} aria-label=${aria} aria-describedby=${ifDefined(describedBy)}
        ?disabled=${this.disabled} @change=${(e: Event) => this.setField(i, f, (e.target as HTMLSelectElement).value)}>
        ${v === undefined && f.default === undefined ? html`<option value="" disabled .selected=${live(true)}>—</option>` : nothing}
        ${(f.choices ?? []).map((c) => html`<option value=${c} .selected=${live(c === current)}>${c}</option>`)}
      </select></label>`;
    }
    const input = (value: unknown, field: string, ariaLabel: string, onInput: (e: Event) => void, placeholder?: string) =>
      html`<input type="number" inputmode="decimal" data-field=${field} aria-label=${ariaLabel} aria-describedby=${ifDefined(describedBy)}
        min=${ifDefined(f.min)} max=${ifDefined(f.max !== undefined && !f.maxOpen ? f.max : undefined)} step=${f.step ?? 'any'}
        placeholder=${ifDefined(placeholder)} ?disabled=${this.disabled} .value=${live(typeof value === 'number' ? String(value) : '')} @input=${onInput}>`;
    if (f.kind === 'size') {
      // Kernel size: height × width; equal ones are written as one number, as Keras accepts both.
      const [h, w] = Array.isArray(v) ? (v as unknown[]) : [v, v];
      const set = (which: 0 | 1) => (e: Event) => {
        const x = this.numberFrom(e, f);
        const pair = which === 0 ? [x, w] : [h, x];
        this.setField(i, f, pair[0] === pair[1] && typeof pair[0] === 'number' ? pair[0] : pair.map((p) => (p === undefined ? null : p)));
      };
      return html`<span class="f"><span>${label}</span><span class="pair">
        ${input(h, `${f.key}.h`, msg(str`Layer ${n} kernel height`), set(0))}<span aria-hidden="true">×</span>${input(w, `${f.key}.w`, msg(str`Layer ${n} kernel width`), set(1))}
      </span></span>`;
    }
    const placeholder = f.sameAs ? msg(str`= ${fieldLabel(f.sameAs)}`) : f.default !== undefined ? formatNumber(Number(f.default)) : undefined;
    return html`<label class="f"><span>${label}</span>${input(v, f.key, aria, (e) => this.setField(i, f, this.numberFrom(e, f)), placeholder)}</label>`;
  }

  private renderRow(layer: LayerSpec, i: number) {
    const row = layer as Row;
    const { layers, error } = this.inspection;
    const resolved = layers[i];
    const bad = error?.layer === i;
    const errorId = bad ? `row-error-${i}` : undefined;
    const n = i + 1;
    const known = (LAYER_TYPES as readonly string[]).includes(row.type);
    const name = resolved?.name ?? (typeof row.type === 'string' ? row.type : '?'); // a layer without a type: not "undefined"
    const unknown = msg('not computed: an earlier layer is invalid');
    return html`<li data-row=${i} tabindex="0" class=${bad ? 'bad' : ''} aria-current=${ifDefined(this._current === i ? 'true' : undefined)}
        aria-label=${msg(str`Layer ${n}: ${name}`)} aria-describedby=${ifDefined(errorId)} aria-invalid=${bad ? 'true' : 'false'}
        @focusin=${() => { this._current = i; }} @keydown=${(e: KeyboardEvent) => this.onKey(e, i)}>
      <div class="head">
        <span class="num">${n}</span>
        <strong class="name">${name}</strong>
        <span class="shape" data-role="shape" title=${ifDefined(resolved ? undefined : unknown)}>${resolved ? outputShapeText(resolved) : '—'}</span>
        <span class="count" data-role="params">${msg('params')}: ${resolved ? formatNumber(layerParamCount(resolved)) : '—'}</span>
        <span class="moves">
          <button type="button" data-action="up" aria-label=${msg(str`Move layer ${n} up`)} title=${msg('Move up (Alt+↑)')} ?disabled=${this.disabled || i === 0} @click=${() => this.moveLayer(i, -1)}>↑</button>
          <button type="button" data-action="down" aria-label=${msg(str`Move layer ${n} down`)} title=${msg('Move down (Alt+↓)')} ?disabled=${this.disabled || i === this.layers.length - 1} @click=${() => this.moveLayer(i, 1)}>↓</button>
          <button type="button" data-action="remove" aria-label=${msg(str`Remove layer ${n}`)} title=${msg('Remove (Delete)')} ?disabled=${this.disabled} @click=${() => this.removeLayer(i)}>✕</button>
        </span>
      </div>
      ${known && LAYER_FIELDS[row.type].length ? html`<div class="fields">${LAYER_FIELDS[row.type].map((f) => this.renderField(i, row, f, errorId))}</div>` : nothing}
      ${bad ? html`<p class="inline-error" id=${errorId} data-role="error">${modelErrorText(error)}</p>` : nothing}
    </li>`;
  }

  protected override render() {
    const { model, error } = this.inspection;
    const total = (v: number | undefined) => (v === undefined ? '—' : formatNumber(v));
    return html`
      ${this.presets ? html`<select class="presets" aria-label=${msg('Start from a preset')} ?disabled=${this.disabled} @change=${(e: Event) => this.loadPreset(e)}>
        <option value="">${msg('Start from a preset…')}</option>
        ${presetNames().map((p) => html`<option value=${p}>${p}</option>`)}
      </select>` : nothing}
      <ol aria-label=${msg('Layers')}>${this.layers.map((l, i) => this.renderRow(l, i))}</ol>
      ${error && error.layer === undefined ? html`<p class="inline-error" data-role="model-error">${modelErrorText(error)}</p>` : nothing}
      <dl class="totals" data-role="totals">
        <dt>${msg('Total params')}</dt><dd data-total="all">${total(model?.paramCount)}</dd>
        <dt>${msg('Trainable params')}</dt><dd data-total="trainable">${total(model?.trainableCount)}</dd>
        <dt>${msg('Non-trainable params')}</dt><dd data-total="non-trainable">${total(model ? model.paramCount - model.trainableCount : undefined)}</dd>
      </dl>
      <div class="add">
        <select aria-label=${msg('Type of the layer to add')} data-role="add-type" ?disabled=${this.disabled}
          @change=${(e: Event) => { this._addType = (e.target as HTMLSelectElement).value as LayerType; }}>
          ${LAYER_TYPES.map((t) => html`<option value=${t} .selected=${live(t === this._addType)}>${t}</option>`)}
        </select>
        <button type="button" data-action="add" ?disabled=${this.disabled} @click=${() => this.addLayer()}>${msg('Add layer')}</button>
      </div>`;
  }

  static override styles = [themeStyles, css`
    :host { display: block; font-size: 0.92em; }
    ol { list-style: none; margin: 0.3rem 0; padding: 0; display: flex; flex-direction: column; gap: 0.3rem; }
    li { border: 1px solid var(--_line); border-radius: 6px; padding: 0.25rem 0.4rem; }
    li[aria-current='true'] { border-color: color-mix(in srgb, var(--_accent) 60%, var(--_line)); }
    li.bad { border-color: var(--_bad); }
    .head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.1rem 0.5rem; font-variant-numeric: tabular-nums; }
    .num { color: var(--_muted); min-width: 1.2em; }
    .shape, .count { color: var(--_muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
    .moves { margin-left: auto; display: flex; gap: 0.15rem; }
    .moves button { padding: 0 0.4em; min-width: 24px; min-height: 24px; } /* targets of at least 24 × 24 CSS px */
    .fields { display: flex; flex-wrap: wrap; gap: 0.2rem 0.6rem; margin-top: 0.2rem; }
    .f { display: inline-flex; align-items: center; gap: 0.3rem; }
    .pair { display: inline-flex; align-items: center; gap: 0.15rem; }
    input, select { font: inherit; color: var(--_fg); background: var(--_bg); border: 1px solid color-mix(in srgb, var(--_fg) 25%, transparent); border-radius: 6px; padding: 0.1em 0.3em; }
    input { width: 4.5em; }
    .pair input { width: 3.2em; }
    input:invalid { border-color: var(--_bad); }
    .inline-error { color: var(--_bad); font-size: 0.9em; margin: 0.2rem 0; white-space: pre-wrap; }
    .totals { display: grid; grid-template-columns: auto auto; justify-content: start; gap: 0 0.8rem; margin: 0.3rem 0; font-variant-numeric: tabular-nums; }
    .totals dd { margin: 0; text-align: right; }
    .add, .presets { display: flex; gap: 0.3rem; margin: 0.3rem 0; }
    button:disabled { opacity: 0.5; cursor: default; }
  `];
}

if (!customElements.get('mt-model-builder')) customElements.define('mt-model-builder', MtModelBuilder);

declare global {
  interface HTMLElementTagNameMap {
    'mt-model-builder': MtModelBuilder;
  }
  interface HTMLElementEventMap {
    'layers-change': CustomEvent<LayersChangeDetail>;
  }
}
