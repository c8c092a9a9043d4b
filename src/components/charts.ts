// <mt-charts>: the live loss and accuracy charts (uPlot) of the current run, with compared runs overlaid
// as dashed curves.
//
// x is measured in epochs on both charts: the per-epoch metrics sit at 1, 2, 3…, and the smoothed
// per-batch training loss at step / stepsPerEpoch, so a batch curve ends exactly on its epoch's point.
// uPlot wants one shared x array, so every series is aligned on the sorted union of all x values with
// nulls elsewhere (spanGaps joins the per-epoch points across them).
// Live changes (a learning rate or dropout changed while a run trained) are dashed vertical lines at the step
// they took effect, labelled: the current run's in the axes' colour, a compared run's in its own after its
// name (chart-markers.ts).
// Training calls refresh() (or sets the properties) many times a second; drawing happens at most once
// per animation frame. A series list change (an overlay added, the theme switched) rebuilds the plots;
// anything else is a setData. The plots follow the element's width.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { History } from '../engine/trainer';
import { themeStyles } from './help';
import { formatNumber, getLocale } from './i18n';
import { formatFixed, formatPercent } from './number-format';
import { chartPng } from './chart-image';
import { downloadBlob } from './download';
import { historyCsv, historyJson } from '../engine/history-files';
import { changeMarks, liveChangeMarkers, liveChangesText } from './chart-markers';
import { keyboardLegend, legendPressed } from './chart-legend';

export interface ChartRun {
  label: string;
  history: History;
  /** Smoothed per-batch training loss at each global step (the current run only). */
  batchLoss?: { step: readonly number[]; loss: readonly number[] };
  /** Needed with batchLoss to place steps on the epoch axis. */
  stepsPerEpoch?: number;
  /** Overlay colour (CSS); the current run uses the theme's train and test colours. */
  color?: string;
  /** The loss it minimised (Keras's name; absent: not recorded, an older stored run). */
  loss?: string;
}

/** The loss axis's title per loss: the values of different losses are not on one scale. */
const LOSS_AXIS: Record<string, () => string> = {
  categorical_crossentropy: () => msg('loss (cross-entropy)'),
  mean_squared_error: () => msg('loss (mean squared error)'),
  categorical_hinge: () => msg('loss (categorical hinge)'),
};
/** A compared run's loss beside its legend entry when it differs from the axis's. */
const LOSS_SHORT: Record<string, () => string> = {
  categorical_crossentropy: () => msg('cross-entropy'),
  mean_squared_error: () => msg('MSE'),
  categorical_hinge: () => msg('hinge'),
};

interface Curve {
  label: string;
  x: readonly number[];
  y: readonly number[];
  stroke: string;
  kind: 'epoch' | 'batch' | 'overlay-train' | 'overlay-test';
}

export const CHART_HEIGHT = 240;
/** The smoothed per-batch loss's opacity: at least 3:1 against the background in both themes (2.33:1 at 0.55). */
export const BATCH_ALPHA = 0.85;
/** The epoch axis's tick steps: whole and half epochs. */
const EPOCH_TICKS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
/** A curve's legend marker (a CSS border style), as its line is drawn. */
const LEGEND_DASH: Partial<Record<Curve['kind'], string>> = { batch: 'dashed', 'overlay-train': 'dotted', 'overlay-test': 'dashed' };

/** Aligns curves with different x values on the sorted union of them: [x, y1, y2, …] with nulls. */
export function alignCurves(curves: readonly { x: readonly number[]; y: readonly number[] }[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(curves.flatMap((c) => c.x.slice(0, c.y.length)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (let i = 0; i < Math.min(c.x.length, c.y.length); i++) col[at.get(c.x[i])!] = Number.isFinite(c.y[i]) ? c.y[i] : null;
    return col;
  });
  return [xs, ...ys];
}

/** The last non-null value of an aligned series (null: none yet). */
function lastValue(ys: ArrayLike<number | null | undefined>): number | null {
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] != null) return ys[i]!;
  return null;
}

const epochsOf = (values: readonly number[]) => values.map((_, i) => i + 1);
const heldOut = (h: History, key: 'loss' | 'accuracy') =>
  (key === 'loss' ? (h.test_loss?.length ? h.test_loss : h.val_loss) : (h.test_accuracy?.length ? h.test_accuracy : h.val_accuracy));

/**
 * Properties: `.current` (ChartRun of the run in progress), `.overlays` (ChartRun[] of compared runs).
 * `lossPlot` and `accuracyPlot` are the uPlot instances. Parts: loss, accuracy.
 * Colours: --mt-train-color, --mt-test-color, --mt-grid-color, --mt-fg (axes).
 */
/** A chart's title: the measured values ('Loss' is its own message, ru «Потери», apart from the loss setting's label). */
const chartTitle = (which: 'loss' | 'accuracy') =>
  (which === 'loss' ? msg('Loss', { id: 'chart-loss', desc: 'the loss chart\'s title: the measured values (ru «Потери»), not the loss function setting' }) : msg('Accuracy'));

export class MtCharts extends LitElement {
  static override properties = {
    current: { attribute: false },
    overlays: { attribute: false },
    _latest: { state: true },
  };

  static override styles = [themeStyles, unsafeCSS(uplotCss), css`
    :host {
      display: block;
      --_train: var(--mt-train-color, #2563eb);
      --_test: var(--mt-test-color, #e8590c);
      --_grid: var(--mt-grid-color, rgba(0, 0, 0, 0.09));
    }
    @media (prefers-color-scheme: dark) {
      :host { --_train: var(--mt-train-color, #5b9bff); --_test: var(--mt-test-color, #ff8c42); --_grid: var(--mt-grid-color, rgba(255, 255, 255, 0.12)); }
    }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); gap: 0.75rem; }
    .chart { min-width: 0; }
    .uplot { font-family: inherit; color: var(--_fg); }
    .u-title { font-size: 0.95em; font-weight: 600; }
    .u-legend { font-size: 0.8em; }
    /* The x value (epoch) is on the axis already. */
    .u-legend .u-series:first-child { display: none; }
  `];

  declare current: ChartRun | undefined;
  declare overlays: ChartRun[];
  /** Each chart's latest values in words (its text alternative), set with each drawing. */
  declare _latest: [string, string];
  lossPlot?: uPlot;
  accuracyPlot?: uPlot;
  /** How many times the plots were drawn (tests wait on it). */
  draws = 0;
  private frame = 0;
  private keys = ['', ''];
  private resize?: ResizeObserver;
  /** The curves hidden from the legend (by label), per chart: they stay hidden when a plot is rebuilt, and its text alternative leaves out their values. */
  private readonly hiddenCurves = { loss: new Set<string>(), accuracy: new Set<string>() };
  private readonly scheme = matchMedia('(prefers-color-scheme: dark)');
  private readonly onScheme = () => { this.keys = ['', '']; this.refresh(); };

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.current = undefined;
    this.overlays = [];
    this._latest = ['', ''];
  }

  /**
   * The charts are figures: their accessible names say what they plot and, as their text alternative, the
   * latest values of the curves shown, which a screen reader user would otherwise have to find on the canvas.
   * (Not role img, whose content is presentational: the legend's toggle buttons are inside.)
   */
  protected override render() {
    const plotted = !!this.current?.history.loss.length || this.overlays.some((o) => o.history.loss.length);
    const recorded = !!this.current?.history.loss.length;
    const save = (name: string, label: string, enabled: boolean, make: () => Blob | Promise<Blob>) =>
      html`<button type="button" ?disabled=${!enabled} title=${label} @click=${async () => downloadBlob(await make(), name)}>${name}</button>`;
    return html`<div class="charts">
      <div class="chart" part="loss" role="figure"
        aria-label=${`${msg('Loss per epoch: training, test and smoothed per-batch training loss.')} ${this._latest[0]}`}></div>
      <div class="chart" part="accuracy" role="figure" aria-label=${`${msg('Accuracy per epoch: training and test.')} ${this._latest[1]}`}></div>
    </div>
    <p class="downloads muted" part="downloads">${msg('Save:')}
      ${save('loss.png', msg('Save the loss chart as a PNG image'), plotted, () => this.chartImage('loss'))}
      ${save('accuracy.png', msg('Save the accuracy chart as a PNG image'), plotted, () => this.chartImage('accuracy'))}
      ${save('history.csv', msg("Save this run's History, a row per epoch (CSV)"), recorded, () => this.historyFile('csv'))}
      ${save('history.json', msg("Save this run's History as Keras's History.history (JSON)"), recorded, () => this.historyFile('json'))}
    </p>`;
  }

  /** A chart as a PNG (chart-image.ts): the plot with its title and legend, on the theme's background. */
  chartImage(which: 'loss' | 'accuracy'): Promise<Blob> {
    this.draw(); // the latest data, not the last frame's
    const plot = which === 'loss' ? this.lossPlot : this.accuracyPlot;
    if (!plot) return Promise.reject(new Error(`chartImage: the ${which} chart is not drawn (the element is not on the page)`));
    const theme = this.theme();
    const page = { background: theme.bg, foreground: theme.fg, font: getComputedStyle(this).fontFamily || 'sans-serif' };
    return chartPng(plot, chartTitle(which), page);
  }

  /** The theme's colours as the page resolves them (the plots and their PNGs). */
  private theme(): { train: string; test: string; fg: string; grid: string; bg: string } {
    const style = getComputedStyle(this);
    const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    return { train: v('--_train', '#2563eb'), test: v('--_test', '#e8590c'), fg: v('--_fg', '#1f2328'), grid: v('--_grid', 'rgba(0, 0, 0, 0.09)'), bg: v('--_bg', '#ffffff') };
  }

  /** The current run's History as the command line writes it: history.csv or history.json (engine/history-files.ts). */
  historyFile(format: 'csv' | 'json'): Blob {
    const h = this.current?.history;
    if (!h) throw new Error('historyFile: no run to save');
    return format === 'csv' ? new Blob([historyCsv(h)], { type: 'text/csv' }) : new Blob([historyJson(h)], { type: 'application/json' });
  }

  /** "Epoch 3: train loss 0.2100, test loss 0.2500." and the same for each compared run; or that there are no points yet. */
  private latest(which: 'loss' | 'accuracy'): string {
    const value = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—'
      : which === 'accuracy' ? formatNumber(v, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : formatNumber(v, { minimumFractionDigits: 4, maximumFractionDigits: 4 }));
    // The curves' labels, as the legend has them: a hidden one's value is not read out.
    const curves = this.curves(which, '', '');
    const hidden = (k: number) => this.hiddenCurves[which].has(curves[k]?.label);
    const line = (h: History, k: number) => {
      const epoch = h[which].length;
      const train = hidden(k) ? msg('curve hidden') : value(h[which][epoch - 1]);
      const test = hidden(k + 1) ? msg('curve hidden') : value(heldOut(h, which)?.[epoch - 1]);
      return which === 'loss' ? msg(str`epoch ${epoch}: train loss ${train}, test loss ${test}`) : msg(str`epoch ${epoch}: train accuracy ${train}, test accuracy ${test}`);
    };
    const parts: string[] = [];
    if (this.current?.history[which].length) parts.push(msg(str`This run, ${line(this.current.history, 0)}.`));
    const first = which === 'loss' ? 3 : 2; // the overlays' curves follow the current run's (train, test and, for the loss, per batch)
    this.overlays.forEach((o, j) => { if (o.history[which].length) parts.push(msg(str`${o.label}, ${line(o.history, first + 2 * j)}.`)); });
    const changes = [liveChangesText(this.current?.history.live_changes), ...this.overlays.map((o) => liveChangesText(o.history.live_changes, o.label))].filter(Boolean).join(' ');
    return [parts.length ? parts.join(' ') : msg('No epoch has ended yet.'), ...(changes ? [changes] : [])].join(' ');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.scheme.addEventListener('change', this.onScheme);
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this);
    this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.scheme.removeEventListener('change', this.onScheme);
    this.resize?.disconnect();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.lossPlot?.destroy();
    this.accuracyPlot?.destroy();
    this.lossPlot = this.accuracyPlot = undefined;
    this.keys = ['', ''];
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.refresh();
  }

  /** Redraws at the next animation frame (the data arrays may have grown in place). */
  refresh(): void {
    if (this.frame || !this.isConnected) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private width(): number {
    const box = this.renderRoot.querySelector<HTMLElement>('.chart');
    return Math.max(200, Math.floor(box?.clientWidth ?? 400));
  }

  private fit(): void {
    const width = this.width();
    for (const p of [this.lossPlot, this.accuracyPlot]) if (p && p.width !== width) p.setSize({ width, height: CHART_HEIGHT });
  }

  private curves(which: 'loss' | 'accuracy', train: string, test: string): Curve[] {
    const out: Curve[] = [];
    const c = this.current;
    const h = c?.history;
    out.push({ label: which === 'loss' ? msg('train loss') : msg('train accuracy'), x: epochsOf(h?.[which] ?? []), y: h?.[which] ?? [], stroke: train, kind: 'epoch' });
    const held = h ? heldOut(h, which) : [];
    out.push({ label: which === 'loss' ? msg('test loss') : msg('test accuracy'), x: epochsOf(held), y: held, stroke: test, kind: 'epoch' });
    if (which === 'loss') {
      const spe = c?.stepsPerEpoch ?? 0;
      const steps = spe > 0 ? c?.batchLoss?.step ?? [] : [];
      out.push({ label: msg('train loss, per batch (smoothed)'), x: steps.map((s) => s / spe), y: c?.batchLoss?.loss ?? [], stroke: train, kind: 'batch' });
    }
    const axisLoss = this.axisLoss();
    for (const o of this.overlays) {
      const color = o.color ?? '#888888';
      // On the loss chart, a run that minimised another loss says which: its values are on another scale.
      const other = which === 'loss' && o.loss && o.loss !== axisLoss && LOSS_SHORT[o.loss] ? ` (${LOSS_SHORT[o.loss]()})` : '';
      out.push({ label: msg(str`${o.label} train`) + other, x: epochsOf(o.history[which]), y: o.history[which], stroke: color, kind: 'overlay-train' });
      const oh = heldOut(o.history, which);
      out.push({ label: msg(str`${o.label} test`) + other, x: epochsOf(oh), y: oh, stroke: color, kind: 'overlay-test' });
    }
    return out;
  }

  /** The loss the loss axis is titled by: the current run's, else the first compared run's that recorded one. */
  private axisLoss(): string {
    return this.current?.loss ?? this.overlays.find((o) => o.loss)?.loss ?? 'categorical_crossentropy';
  }

  private draw(): void {
    const root = this.renderRoot.querySelectorAll<HTMLElement>('.chart');
    if (root.length < 2) return;
    const theme = this.theme();
    (['loss', 'accuracy'] as const).forEach((which, i) => {
      const curves = this.curves(which, theme.train, theme.test);
      const data = alignCurves(curves) as uPlot.AlignedData;
      const key = JSON.stringify([curves.map((c) => [c.label, c.stroke, c.kind]), theme, getLocale(), this.axisLoss()]);
      let plot = i === 0 ? this.lossPlot : this.accuracyPlot;
      if (!plot || key !== this.keys[i]) {
        plot?.destroy();
        plot = new uPlot(this.options(which, curves, theme), data, root[i]);
        keyboardLegend(plot);
        this.keys[i] = key;
        if (i === 0) this.lossPlot = plot;
        else this.accuracyPlot = plot;
      } else {
        plot.setData(data);
      }
    });
    this.draws++;
    this.updateLatest();
  }

  private updateLatest(): void {
    const latest: [string, string] = [this.latest('loss'), this.latest('accuracy')];
    if (latest.join('\n') !== this._latest.join('\n')) this._latest = latest; // re-renders the labels only when they change
  }

  /** A curve shown or hidden in the legend (a click, Enter or Space): remembered, its entry's state and the text alternative follow. */
  private seriesToggled(which: 'loss' | 'accuracy', u: uPlot, i: number | null): void {
    if (i === null || i === 0) return;
    const label = String(u.series[i].label);
    if (u.series[i].show === false) this.hiddenCurves[which].add(label);
    else this.hiddenCurves[which].delete(label);
    legendPressed(u, i);
    this.updateLatest();
  }

  private options(which: 'loss' | 'accuracy', curves: Curve[], theme: { fg: string; grid: string; bg: string }): uPlot.Options {
    const grid = { stroke: theme.grid, width: 1 };
    const fmt = which === 'accuracy'
      ? (v: number | null) => (v == null ? '—' : formatPercent(v, 2))
      : (v: number | null) => (v == null ? '—' : formatFixed(v, 4));
    /** Rounded to at most `digits` decimals, trailing zeros dropped (tick labels, the legend's epoch). */
    const upTo = (v: number, digits: number, unit?: 'percent') =>
      formatNumber(Math.round(v * 10 ** digits) / 10 ** digits, { maximumFractionDigits: digits, ...(unit ? { style: 'unit', unit } : {}) });
    const series: uPlot.Series[] = curves.map((c) => ({
      label: c.label,
      stroke: c.stroke,
      show: !this.hiddenCurves[which].has(c.label),
      // The per-batch curve: thin and dashed (its legend marker too), and at least 3:1 against the background in both themes.
      width: c.kind === 'batch' ? 1.25 : c.kind === 'epoch' ? 2 : 1.5,
      alpha: c.kind === 'batch' ? BATCH_ALPHA : 1,
      dash: c.kind === 'overlay-train' ? [2, 4] : c.kind === 'overlay-test' ? [8, 4] : c.kind === 'batch' ? [6, 3] : undefined,
      spanGaps: true,
      points: { show: c.kind !== 'batch', size: c.kind === 'epoch' ? 6 : 4 },
      // Away from the cursor (idx null) the legend shows each curve's latest value, not a row of dashes.
      value: (u: uPlot, val: number | null, sidx: number, idx: number | null) => fmt(idx == null ? lastValue(u.data[sidx]) : val),
    }));
    return {
      title: chartTitle(which),
      width: this.width(),
      height: CHART_HEIGHT,
      scales: {
        // From the data, not uPlot's (padded) max: one point at epoch 1 made the accuracy chart's axis run to 2.
        x: { time: false, range: (u) => [0, Math.max(1, Math.ceil(u.data[0].length ? u.data[0][u.data[0].length - 1] : 1))] },
        y: which === 'accuracy' ? { range: (_u, min, max) => [Math.max(0, Math.min(min ?? 0, 0.9) - 0.02), Math.min(1, (max ?? 1) + 0.01)] } : {},
      },
      axes: [
        // Ticks at whole or half epochs (0.25 read "0.3" with one decimal).
        { label: msg('epoch'), stroke: theme.fg, grid, ticks: grid, incrs: EPOCH_TICKS, values: (_u, splits) => splits.map((s) => formatNumber(s, { maximumFractionDigits: 1 })) },
        {
          label: which === 'loss' ? (LOSS_AXIS[this.axisLoss()] ?? LOSS_AXIS.categorical_crossentropy)() : msg('accuracy'),
          stroke: theme.fg, grid, ticks: grid, size: 60,
          values: (_u, splits) => splits.map((s) => (which === 'accuracy' ? upTo(s * 100, 1, 'percent') : upTo(s, 3))),
        },
      ],
      series: [{ label: msg('epoch'), value: (_u, val) => (val == null ? '—' : upTo(val, 2)) }, ...series],
      legend: { live: true, markers: { dash: (_u, i) => LEGEND_DASH[curves[i - 1]?.kind] ?? 'solid' } },
      hooks: { setSeries: [(u, i) => this.seriesToggled(which, u, i)] },
      cursor: { drag: { x: false, y: false } },
      plugins: [liveChangeMarkers(() => [
        ...changeMarks(this.current?.history.live_changes, theme.fg),
        ...this.overlays.flatMap((o) => changeMarks(o.history.live_changes, o.color ?? '#888888', o.label)),
      ], theme.bg)],
    };
  }
}

if (!customElements.get('mt-charts')) customElements.define('mt-charts', MtCharts);

declare global {
  interface HTMLElementTagNameMap {
    'mt-charts': MtCharts;
  }
}
