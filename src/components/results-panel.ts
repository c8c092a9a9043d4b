// <mt-results>: what a trained model gets right and wrong on the test set: the confusion matrix as a
// heat map, per-class precision/recall/F1, a gallery of misclassified test images (or, once a matrix cell
// is clicked, of that cell's images: which 4s were taken for 9s), and a draw pad to try the model on
// one's own drawings.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, type PropertyValues } from 'lit';
import type { Evaluation } from '../engine/trainer';
import { byConfidence, cellImages, misclassified } from '../engine/metrics';
import { confusionCsv, metricsJson, type MetricsAbout } from '../engine/metrics-file';
import { downloadBlob } from './download';
import { scrollBehavior } from './focus';
import { drawImage } from './inside-draw';
import { imageOf, type ImageSet } from '../data/idx';
import { HELP, helpLink, themeStyles } from './help';
import type { PredictFn } from './draw-pad';
import { className } from './class-names';
import { formatCount, formatFixed, formatPercent } from './number-format';
import './draw-pad';

export { toMnistInput } from './draw-pad';

/** How many misclassified test images the gallery shows. */
export const GALLERY_LIMIT = 48;

const pct = (v: number) => formatPercent(v, 1);
const count = formatCount;

/** A confusion-matrix cell's tooltip: "True 3, predicted 5: 2 images (1.2% of the 3 row)". */
function cellTitle(truth: string, predicted: string, n: number, share: string): string {
  const images = formatCount(n);
  return n === 1
    ? msg(str`True ${truth}, predicted ${predicted}: ${images} image (${share} of the ${truth} row)`)
    : msg(str`True ${truth}, predicted ${predicted}: ${images} images (${share} of the ${truth} row)`);
}

/** A confusion-matrix cell: true class and predicted class. */
export interface Cell { t: number; p: number }

/**
 * The strongest confusion-matrix shade (% of --mt-good / --mt-bad over the background): the body text stays
 * at 4.5:1 or more on it with the default colours, light (6.4 green, 5.5 red) and dark (4.7, 6.0).
 */
const MAX_SHADE = 60;

/**
 * Properties: `.evaluation` (Evaluation of the test set), `.classNames`, `.testSet` (the test ImageSet,
 * for the gallery), `.predict` (for the draw pad), `.about` (the run, for metrics.json). Parts: summary,
 * confusion, metrics, downloads, gallery, draw.
 */
export class MtResults extends LitElement {
  static override properties = {
    evaluation: { attribute: false },
    topK: { attribute: false },
    classNames: { attribute: false },
    testSet: { attribute: false },
    predict: { attribute: false },
    about: { attribute: false },
    picked: { state: true },
  };

  declare evaluation: Evaluation | undefined;
  /** The k of the run's top_k_accuracy metric, or undefined when the run did not choose that metric. */
  declare topK: number | undefined;
  declare classNames: string[];
  declare testSet: ImageSet | undefined;
  declare predict: PredictFn | undefined;
  /** The run the evaluation is of, for metrics.json (none, or none to give: that button is disabled). */
  declare about: (() => MetricsAbout | undefined) | undefined;
  /** The confusion-matrix cell whose images the gallery shows; none: the misclassified images. Kept across epochs. */
  declare picked: Cell | undefined;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.evaluation = undefined;
    this.classNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    this.testSet = undefined;
    this.predict = undefined;
    this.about = undefined;
    this.picked = undefined;
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    section { margin: 0 0 1.5rem; }
    h3 { margin: 0 0 0.4rem; font-size: 1.05em; }
    .help { margin: 0 0 0.6rem; max-width: 60rem; font-size: 0.9em; }
    .help a { color: var(--_accent); }
    table.confusion tbody td { text-align: right; min-width: 2.6em; border: 1px solid var(--_line); }
    table.confusion td.zero { color: var(--_muted); }
    table.confusion td button { font: inherit; color: inherit; text-align: inherit; background: none; display: block; width: 100%; margin: 0; padding: 0; border: 0; cursor: pointer; text-decoration: underline dotted var(--_muted); }
    table.confusion td button:hover { text-decoration-style: solid; }
    /* A two-tone ring, the text's colour outside and the background's inside: one of them is at least 3:1 against any shade of the cell. */
    table.confusion td button:focus-visible { outline: 2px solid var(--_fg); outline-offset: 0; box-shadow: inset 0 0 0 2px var(--_bg); }
    table.confusion td.picked { outline: 2px solid var(--_accent); outline-offset: -2px; font-weight: 700; }
    .gallery-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.3rem 0.8rem; }
    .gallery-head p { margin: 0.2rem 0 0.5rem; }
    table.confusion thead th.vertical { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; font-weight: 500; }
    table.confusion th[scope='row'] { text-align: right; font-weight: 500; }
    table.metrics th, table.metrics td { border-bottom: 1px solid var(--_line); text-align: right; }
    table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
    table.metrics tfoot td { font-weight: 600; }
    .gallery { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0; padding: 0; list-style: none; }
    .gallery figure { margin: 0; text-align: center; font-size: 0.8em; }
    .gallery canvas { width: 56px; height: 56px; image-rendering: pixelated; display: block; background: #000; border-radius: 3px; }
    .gallery .pred { color: var(--_bad); }
    .gallery .sure { display: block; color: var(--_muted); font-variant-numeric: tabular-nums; }
    .error { color: var(--_bad); }
  `];

  private name(i: number): string {
    return className(this.classNames[i] ?? String(i));
  }

  private helpText(key: string) {
    const entry = HELP[key];
    return html`<p class="help muted">${entry.text} <a href=${helpLink(undefined, key)} target="_blank" rel="noopener">${msg('Learn more')}</a></p>`;
  }

  /** The number of classes, or an error when the confusion matrix is not square. */
  private classCount(ev: Evaluation): number | string {
    const c = Math.round(Math.sqrt(ev.confusion.length));
    if (c * c !== ev.confusion.length || c === 0) return msg(str`The confusion matrix has ${count(ev.confusion.length)} cells, which is not a square of a class count.`);
    return c;
  }

  private renderConfusion(ev: Evaluation, C: number) {
    const m = ev.confusion;
    const vertical = Array.from({ length: C }, (_, i) => this.name(i)).some((n) => n.length > 2);
    const rowTotals = Array.from({ length: C }, (_, t) => { let s = 0; for (let p = 0; p < C; p++) s += m[t * C + p]; return s; });
    const cell = (t: number, p: number) => {
      const n = m[t * C + p];
      const share = rowTotals[t] ? n / rowTotals[t] : 0;
      // Square root spreads small off-diagonal shares (1–5%) into visible shades. At most MAX_SHADE, so
      // the text colour keeps a 4.5:1 contrast on every shade in both themes (no colour flip needed).
      const alpha = Math.round(Math.sqrt(share) * MAX_SHADE);
      const colour = t === p ? 'var(--_good)' : 'var(--_bad)';
      const picked = this.picked?.t === t && this.picked.p === p;
      const cls = `${n === 0 ? 'zero' : ''} ${picked ? 'picked' : ''}`;
      const title = cellTitle(this.name(t), this.name(p), n, pct(share));
      // A cell with images is a button: its images replace the gallery's mistakes (pressed again: back to them).
      const content = n === 0 ? count(n)
        : html`<button type="button" aria-pressed=${picked ? 'true' : 'false'} aria-label=${title} @click=${() => this.pick(picked ? undefined : { t, p })}>${count(n)}</button>`;
      return html`<td class=${cls} data-true=${t} data-pred=${p}
        style="background: color-mix(in srgb, ${colour} ${alpha}%, transparent)"
        title=${title}>${content}</td>`;
    };
    return html`
      <section part="confusion">
        <h3>${msg('Confusion matrix')}</h3>
        ${this.helpText('confusionMatrix')}
        <div class="table-scroll">
          <table class="confusion">
            <caption class="muted"><span>${msg('Rows: true class. Columns: predicted class. Shade: share of the row.')} ${msg('Click a number to see those test images below.')}</span></caption>
            <thead>
              <tr><td></td><th scope="colgroup" colspan=${C}>${msg('Predicted')}</th></tr>
              <tr><th scope="col">${msg('True', { desc: 'the true class, a table heading' })}</th>${Array.from({ length: C }, (_, p) => html`<th scope="col" class=${vertical ? 'vertical' : ''}>${this.name(p)}</th>`)}</tr>
            </thead>
            <tbody>
              ${Array.from({ length: C }, (_, t) => html`<tr><th scope="row">${this.name(t)}</th>${Array.from({ length: C }, (_, p) => cell(t, p))}</tr>`)}
            </tbody>
          </table>
        </div>
      </section>`;
  }

  private renderMetrics(ev: Evaluation) {
    const support = ev.perClass.reduce((s, m) => s + m.support, 0);
    return html`
      <section part="metrics">
        <h3>${msg('Per-class precision, recall and F1')}</h3>
        ${this.helpText('precisionRecall')}
        <div class="table-scroll">
          <table class="metrics">
            <thead><tr><th scope="col">${msg('Class')}</th><th scope="col">${msg('Precision')}</th><th scope="col">${msg('Recall')}</th><th scope="col">F1</th><th scope="col">${msg('Support')}</th></tr></thead>
            <tbody>
              ${ev.perClass.map((m, i) => html`<tr data-class=${i}><th scope="row">${this.name(i)}</th><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td><td>${pct(m.f1)}</td><td>${count(m.support)}</td></tr>`)}
            </tbody>
            <tfoot><tr class="macro"><td>${msg('Macro average')}</td><td>${pct(ev.macro.precision)}</td><td>${pct(ev.macro.recall)}</td><td>${pct(ev.macro.f1)}</td><td>${count(support)}</td></tr></tfoot>
          </table>
        </div>
        <p class="downloads muted" part="downloads">${msg('Save:')}
          <button type="button" ?disabled=${!this.about?.()} @click=${() => downloadBlob(this.metricsFile(), 'metrics.json')}
            title=${msg("Save these results as the command line's metrics.json: loss, accuracy, confusion matrix, per-class scores, the surest mistakes, the run's settings")}>metrics.json</button>
          <button type="button" @click=${() => downloadBlob(this.confusionFile(), 'confusion.csv')}
            title=${msg('Save the confusion matrix as a table (CSV): a row per true class, a column per predicted class')}>confusion.csv</button>
        </p>
      </section>`;
  }

  /** metrics.json as the command line writes it (engine/metrics-file.ts), for the evaluation shown. */
  metricsFile(): Blob {
    const about = this.about?.();
    if (!this.evaluation || !about) throw new Error('metricsFile: no evaluation, or no run to describe');
    return new Blob([JSON.stringify(metricsJson(this.evaluation, { ...about, testSet: this.testSet }), null, 2) + '\n'], { type: 'application/json' });
  }

  /** confusion.csv with the class names and the corner's words as shown (in the page's language). */
  confusionFile(): Blob {
    const ev = this.evaluation;
    if (!ev) throw new Error('confusionFile: no evaluation');
    const C = Math.round(Math.sqrt(ev.confusion.length));
    return new Blob([confusionCsv(ev, Array.from({ length: C }, (_, i) => this.name(i)), msg('true \\ predicted'))], { type: 'text/csv' });
  }

  /** Shows the images of one cell (or, with none, the misclassified ones) in the gallery, and brings the gallery into view. */
  private async pick(cell: Cell | undefined): Promise<void> {
    this.picked = cell;
    await this.updateComplete;
    this.renderRoot.querySelector('[part="gallery"]')?.scrollIntoView?.({ block: 'nearest', behavior: scrollBehavior() });
  }

  /** The picked cell, when it is one of this evaluation's (a model with fewer classes drops it). */
  private pickedCell(C: number): Cell | undefined {
    const c = this.picked;
    return c && c.t < C && c.p < C ? c : undefined;
  }

  /** The gallery's heading and the sentence under it: how many images there are and how many are shown, of `evaluated` test images. */
  private galleryText(cell: Cell | undefined, total: number, shown: number, evaluated: number): { heading: string; text: string } {
    if (cell) {
      const [truth, predicted] = [this.name(cell.t), this.name(cell.p)];
      const heading = cell.t === cell.p ? msg(str`Test images of ${truth} classified correctly`) : msg(str`Test images of ${truth} predicted as ${predicted}`);
      const text = total > shown ? msg(str`${count(total)} images, the most confident first; the first ${count(shown)} are shown.`) : msg(str`${count(total)} images, the most confident first.`);
      return { heading, text };
    }
    const heading = msg('Misclassified test images');
    if (total === 0) return { heading, text: msg('Every test image is classified correctly.') };
    const text = total > shown
      ? msg(str`${count(total)} of ${count(evaluated)} test images are misclassified; the ${count(shown)} the model was surest of are shown, surest first. Each shows true → predicted and the predicted class's probability.`)
      : msg(str`${count(total)} of ${count(evaluated)} test images are misclassified, the ones the model was surest of first. Each shows true → predicted and the predicted class's probability.`);
    return { heading, text };
  }

  private renderGallery(ev: Evaluation, C: number) {
    const set = this.testSet;
    let heading = msg('Misclassified test images');
    let body;
    if (!set) {
      body = html`<p class="muted">${msg('The test images are not available, so the mistakes cannot be shown.')}</p>`;
    } else if (ev.predictions.length > set.count) {
      // Fewer is a test limit: the evaluation covers the set's first N images, which the gallery then shows.
      body = html`<p class="error">${msg(str`The evaluation has ${count(ev.predictions.length)} predictions but the test set has ${count(set.count)} images.`)}</p>`;
    } else {
      const cell = this.pickedCell(C);
      const chosen = cell ? cellImages(set.labels, ev.predictions, cell.t, cell.p) : misclassified(set.labels, ev.predictions);
      const images = byConfidence(chosen, ev.predictions, ev.probabilities, C);
      const sure = (i: number) => ev.probabilities?.[i * C + ev.predictions[i]];
      const shown = images.slice(0, GALLERY_LIMIT);
      const words = this.galleryText(cell, images.length, shown.length, ev.predictions.length);
      heading = words.heading;
      body = html`
        <div class="gallery-head">
          <p class="muted">${words.text}</p>
          ${cell ? html`<button type="button" class="show-mistakes" @click=${() => this.pick(undefined)}>${msg('Show all misclassified images')}</button>` : ''}
        </div>
        <ul class="gallery">
          ${shown.map((i) => html`<li><figure title=${msg(str`Test image ${i}: true ${this.name(set.labels[i])}, predicted ${this.name(ev.predictions[i])}`)}>
            <canvas width=${set.cols} height=${set.rows} data-index=${i} role="img" aria-label=${msg(str`Test image ${i}`)}></canvas>
            <figcaption>${this.name(set.labels[i])} → <span class=${set.labels[i] === ev.predictions[i] ? '' : 'pred'}>${this.name(ev.predictions[i])}</span>${sure(i) === undefined ? '' : html`<span class="sure">${pct(sure(i)!)}</span>`}</figcaption>
          </figure></li>`)}
        </ul>`;
    }
    return html`<section part="gallery"><h3>${heading}</h3>${body}</section>`;
  }

  protected override render() {
    const ev = this.evaluation;
    const C = ev ? this.classCount(ev) : 0;
    let results;
    if (!ev) {
      results = html`<p class="muted" part="summary">${msg('Results appear here once the model has been evaluated on the test set (after each epoch).')}</p>`;
    } else if (typeof C === 'string') {
      results = html`<p class="error" part="summary">${C}</p>`;
    } else {
      results = html`
        <p part="summary">${msg(html`Test accuracy <strong>${pct(ev.accuracy)}</strong>`)}${this.topK === undefined ? '' : msg(html`, top-${this.topK} accuracy <strong>${pct(ev.topKAccuracy)}</strong>`)}${msg(html`, loss <strong>${formatFixed(ev.loss, 4)}</strong> on ${count(ev.predictions.length)} test images.`)}</p>
        ${this.renderConfusion(ev, C)}
        ${this.renderMetrics(ev)}
        ${this.renderGallery(ev, C)}`;
    }
    return html`
      ${results}
      <section part="draw">
        <h3>${msg('Try it: draw')}</h3>
        <mt-draw-pad exportparts="pad, preview, clear, probabilities" .predict=${this.predict} .classNames=${this.classNames}></mt-draw-pad>
      </section>`;
  }

  protected override updated(changed: PropertyValues): void {
    if (!changed.has('evaluation') && !changed.has('testSet') && !changed.has('picked')) return;
    const set = this.testSet;
    if (!set) return;
    for (const canvas of this.renderRoot.querySelectorAll<HTMLCanvasElement>('.gallery canvas')) {
      drawImage(canvas, imageOf(set, Number(canvas.dataset.index)), set.rows, set.cols);
    }
  }
}

if (!customElements.get('mt-results')) customElements.define('mt-results', MtResults);

declare global {
  interface HTMLElementTagNameMap {
    'mt-results': MtResults;
  }
}
