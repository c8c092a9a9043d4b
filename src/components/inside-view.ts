// <mt-inside-view>: what each layer of the model makes of one image (an Inspection from Trainer.inspect):
// one canvas per layer (feature maps as grey-scale grids, vectors as bars), the output's class probabilities
// as a table (text the browser draws sharp at any pixel ratio and a screen reader reads row by row, each class
// with its bar), the first convolution's filters as small images, and the input itself. Every canvas has a
// text alternative (its aria-label, also its caption): the layer, its shape and what is drawn. Each layer's
// canvas or table carries data-layer (the layer's name) and data-channels (the output's last axis: C for maps,
// the length for vectors); the filters' canvas carries data-filters (their number) instead.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Inspection, LayerOutput } from '../engine/trainer';
import { themeStyles } from './help';
import { formatNumber } from './i18n';
import { styleMap } from 'lit/directives/style-map.js';
import { MAX_BARS, drawFilters, drawImage, drawMaps, drawVector, type Colours } from './inside-draw';
import { className } from './class-names';

/** The image inspected, as the view shows it next to the layers. */
export interface InsideInput {
  /** 0–255 bytes (a test image) or floats in [0, 1] (the drawing), as Trainer.inspect takes them. */
  pixels: Uint8Array | Float32Array;
  rows: number;
  cols: number;
  /** Where it comes from, e.g. "Test image 12 (label 7)". */
  caption: string;
}

type Kind = 'maps' | 'vector' | 'output';

const kindOf = (l: LayerOutput, last: boolean): Kind => (last ? 'output' : l.shape.length === 3 ? 'maps' : 'vector');
const dims = (shape: readonly number[]) => shape.map((d) => formatNumber(d)).join('×');
const top = (p: Float32Array) => p.indexOf(Math.max(...p));

export class MtInsideView extends LitElement {
  static override properties = {
    inspection: { attribute: false },
    classNames: { attribute: false },
    input: { attribute: false },
  };

  declare inspection: Inspection | undefined;
  declare classNames: string[];
  declare input: InsideInput | undefined;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.inspection = undefined;
    this.classNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    this.input = undefined;
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    .layers { display: flex; flex-direction: column; gap: 0.8rem; margin: 0; padding: 0; list-style: none; }
    figure { margin: 0; }
    figcaption { font-size: 0.85em; margin: 0 0 0.25rem; }
    figcaption strong { font-weight: 600; }
    canvas { display: block; max-width: 100%; image-rendering: pixelated; }
    canvas.input { width: 84px; height: 84px; background: #000; }
    .scroll { overflow-x: auto; }
    table.probs { font-size: 0.85em; }
    table.probs th { font-weight: normal; text-align: left; padding: 0 0.6em 0 0; white-space: nowrap; }
    table.probs td { padding: 0 0 0 0.4em; text-align: right; }
    table.probs td.bar { width: min(12rem, 40vw); padding: 0; text-align: left; }
    table.probs .bar span { display: block; height: 0.75em; min-width: 1px; background: var(--_muted); }
    table.probs tr.top .bar span { background: var(--_accent); }
    table.probs tr.top th, table.probs tr.top td { font-weight: 600; }
  `];

  private nameOf(i: number): string {
    return this.classNames[i] === undefined ? String(i) : className(this.classNames[i]); // Fashion-MNIST's in the page's language
  }

  /** The text alternative of a layer's canvas: its name, shape and what the picture shows. */
  describe(l: LayerOutput, kind: Kind): string {
    const shape = dims(l.shape);
    if (kind === 'output') {
      const k = top(l.values);
      const p = formatNumber(l.values[k], { style: 'percent', maximumFractionDigits: 1 });
      return msg(str`${l.name} (${shape}): class probabilities; most likely ${this.nameOf(k)} (${p})`);
    }
    if (kind === 'maps') {
      const [h, w, c] = l.shape;
      const size = dims([h, w]);
      // 1×1 maps are single values: drawn on the layer's scale (inside-draw.ts), so their levels compare.
      if (h * w === 1) return c === 1 ? msg(str`${l.name} (${shape}): one map of 1×1`) : msg(str`${l.name} (${shape}): ${formatNumber(c)} maps of 1×1, on one scale for the layer: black lowest, white highest`);
      return c === 1 ? msg(str`${l.name} (${shape}): one feature map of ${size}, scaled from its minimum (black) to maximum (white)`)
        : msg(str`${l.name} (${shape}): ${formatNumber(c)} feature maps of ${size}, each scaled from its own minimum (black) to maximum (white)`);
    }
    const n = formatNumber(l.values.length);
    if (l.values.length === 1) return msg(str`${l.name} (${shape}): one value as a bar`);
    return l.values.length > MAX_BARS ? msg(str`${l.name} (${shape}): ${n} values as a strip of cells, black lowest, white highest`) : msg(str`${l.name} (${shape}): ${n} values as bars`);
  }

  private describeFilters(f: NonNullable<Inspection['filters']>): string {
    const [kh, kw, , out] = f.shape;
    if (out === 1) return msg(str`The one filter of ${f.layer} (${dims([kh, kw])}): mid-grey is zero, white positive, black negative weights`);
    return msg(str`The ${formatNumber(out)} filters of ${f.layer} (${dims([kh, kw])}): mid-grey is zero, white positive, black negative weights`);
  }

  protected override render() {
    const ins = this.inspection;
    if (!ins) return html`<p class="muted">${msg('Nothing to show yet.')}</p>`;
    const last = ins.layers.length - 1;
    const f = ins.filters;
    const input = this.input;
    return html`<ol class="layers">
      ${input ? html`<li><figure>
        <figcaption>${msg(str`Input: ${input.caption}`)}</figcaption>
        <canvas class="input" role="img" aria-label=${msg(str`Input: ${input.caption}`)}></canvas>
      </figure></li>` : nothing}
      ${f ? html`<li><figure>
        <figcaption>${this.describeFilters(f)}</figcaption>
        <div class="scroll"><canvas class="filters" data-filters=${f.shape[3]} role="img" aria-label=${this.describeFilters(f)}></canvas></div>
      </figure></li>` : nothing}
      ${ins.layers.map((l, i) => {
        const kind = kindOf(l, i === last);
        const text = this.describe(l, kind);
        if (kind === 'output') return html`<li><figure><figcaption>${text}</figcaption>${this.renderProbabilities(l, i)}</figure></li>`;
        return html`<li><figure>
          <figcaption>${text}</figcaption>
          <div class="scroll"><canvas class="layer" data-index=${i} data-layer=${l.name} data-kind=${kind} data-channels=${l.shape[l.shape.length - 1]} role="img" aria-label=${text}></canvas></div>
        </figure></li>`;
      })}
    </ol>`;
  }

  /** The class probabilities, one row per class (the most likely in bold, its bar in the accent colour). */
  private renderProbabilities(l: LayerOutput, i: number) {
    const best = top(l.values);
    return html`<table class="layer probs" data-index=${i} data-layer=${l.name} data-kind="output" data-channels=${l.values.length}>
      <tbody>${Array.from(l.values, (p, k) => html`<tr class=${k === best ? 'top' : ''}>
        <th scope="row">${this.nameOf(k)}</th>
        <td class="bar" aria-hidden="true"><span style=${styleMap({ width: `${Math.min(1, Math.max(0, p)) * 100}%` })}></span></td>
        <td>${formatNumber(p, { style: 'percent', maximumFractionDigits: 1 })}</td>
      </tr>`)}</tbody>
    </table>`;
  }

  private colours(): { colours: Colours } {
    const cs = getComputedStyle(this);
    const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
    return {
      colours: { accent: v('--_accent', '#2563eb'), muted: v('--_muted', '#656d76') },
    };
  }

  protected override updated(_changed: PropertyValues): void {
    const ins = this.inspection;
    if (!ins) return;
    const { colours } = this.colours();
    const root = this.renderRoot;
    const input = this.input;
    const inputCanvas = root.querySelector<HTMLCanvasElement>('canvas.input');
    if (input && inputCanvas) drawImage(inputCanvas, input.pixels, input.rows, input.cols);
    const filters = root.querySelector<HTMLCanvasElement>('canvas.filters');
    if (ins.filters && filters) drawFilters(filters, ins.filters.values, ins.filters.shape);
    const last = ins.layers.length - 1;
    for (const canvas of root.querySelectorAll<HTMLCanvasElement>('canvas.layer')) {
      const i = Number(canvas.dataset.index);
      const l = ins.layers[i];
      if (!l) continue;
      const kind = kindOf(l, i === last);
      if (kind === 'maps') drawMaps(canvas, l.values, l.shape);
      else if (kind === 'vector') drawVector(canvas, l.values, colours);
    }
  }
}

if (!customElements.get('mt-inside-view')) customElements.define('mt-inside-view', MtInsideView);

declare global {
  interface HTMLElementTagNameMap {
    'mt-inside-view': MtInsideView;
  }
}
