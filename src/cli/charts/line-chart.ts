// Line charts of per-epoch curves as SVG, drawn by a maintained charting library instead of our own
// rasteriser: `lineChartSpec` turns plain series into a Vega-Lite spec, `renderChartSvg` compiles it with
// vega-lite and renders it with vega's headless View#toSVG() (renderer 'none': no DOM, no canvas), so it
// runs in Node (the CLI, the experiments report) and in the test browser alike. PNG, where a caller still
// needs one, is made from this SVG by ./png.ts (resvg, Node only).
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { textWidth, useTextWidths } from './text-width';
import { labelRow } from '../../engine/live-changes';

export interface Series {
  label: string;
  x: number[];
  /** NaN/±Infinity (a diverged epoch) break the line instead of stretching the axis. */
  y: number[];
  /** A CSS colour, e.g. '#2563eb'. */
  color: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** The whole image in pixels, legend and titles included (default 720 × 420). */
  width?: number;
  height?: number;
  /**
   * Fixed y-axis ends; an absent end follows the data (not zero: a test loss between 0.3 and 0.6 fills
   * the plot, so its U shape shows). Data beyond a fixed end is clipped.
   */
  yMin?: number;
  yMax?: number;
  /** 'log' for losses that span decades (see `lossScale`); values ≤ 0 are then left out. Default 'linear'. */
  yScale?: 'linear' | 'log';
  /** Series whose lowest point gets a marker and the label "min <name> <value> at <xLabel> <x>". */
  markMinimum?: { series: string; name: string }[];
  series: Series[];
  /** Dashed vertical lines at `x`, labelled at the plot's top: a run's live changes ("dropout 0 → 0.5"). */
  markers?: { x: number; text: string }[];
  /** 'ru': numbers with a decimal comma (axes and labels) and the minimum's label in Russian. Default 'en'. */
  locale?: 'en' | 'ru';
}

/** The element's curve colours (the light-theme defaults of src/components/charts.ts). */
export const TRAIN_COLOR = '#2563eb';
export const TEST_COLOR = '#e8590c';
/** tab10, for charts with one colour per run. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/** A font list every viewer has one of; resvg (./png.ts) maps it to the DejaVu Sans it is given. */
export const FONT = 'Helvetica, Arial, sans-serif';
const TEXT = '#1f2328';
const FONT_SIZE = 12;
const PADDING = 12;
/** Legend swatch length, swatch-to-label gap and gap between columns, in pixels. */
const LEGEND_SYMBOL = 24, LEGEND_GAP = 6, LEGEND_COLUMN_GAP = 20;
const DASH = [6, 4];
const MARKER_COLOR = '#57606a', MARKER_FONT_SIZE = 11;
/** Markers on every point while the curves are short enough for them to stay apart. */
const MAX_MARKED_POINTS = 60;

/** 'log' when every finite value is positive and they span more than `decades` powers of ten (train loss heading for 0). */
export function lossScale(values: number[], decades = 1.3): 'linear' | 'log' {
  const v = values.filter(Number.isFinite);
  if (v.length === 0 || v.some((y) => y <= 0)) return 'linear';
  return Math.log10(Math.max(...v) / Math.min(...v)) > decades ? 'log' : 'linear';
}

/** 3 significant digits, no exponent for the losses and accuracies we label: 0.0712, 0.352, 1.23. */
export function formatValue(v: number): string {
  return Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(3))) : v.toPrecision(3);
}

interface Point { x: number; y: number }

/** The points of a series that a `scale` axis can show, with null where the line must break. */
function rows(s: Series, scale: 'linear' | 'log'): { s: string; x: number; y: number | null }[] {
  const out: { s: string; x: number; y: number | null }[] = [];
  for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) {
    const x = s.x[i], y = s.y[i];
    if (!Number.isFinite(x)) continue;
    out.push({ s: s.label, x, y: Number.isFinite(y) && (scale === 'linear' || y > 0) ? y : null });
  }
  return out;
}

/** The lowest finite point of a series (the first, on ties). */
export function minimumOf(s: Series): Point | undefined {
  let best: Point | undefined;
  for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) {
    if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!best || s.y[i] < best.y)) best = { x: s.x[i], y: s.y[i] };
  }
  return best;
}

interface MinimumLabel extends Point { color: string; text: string; align: 'left' | 'right' | 'center'; dy: number }

/**
 * The minima to mark and where their labels go: above the dot, aligned away from the plot's side edges,
 * and raised line by line while one would overlap an earlier one (positions estimated from the data
 * range and the image size: the labels only need to stay apart).
 */
function minimumLabels(o: ChartOptions, scale: 'linear' | 'log', [x0, x1]: number[], ys: number[]): MinimumLabel[] {
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const lo = f(o.yMin ?? Math.min(...ys)), hi = f(o.yMax ?? Math.max(...ys));
  const plotW = (o.width ?? 720) - 120, plotH = (o.height ?? 420) - 140;
  const placed: { l: number; r: number; top: number; bottom: number }[] = [];
  return (o.markMinimum ?? []).flatMap((m) => {
    const s = o.series.find((c) => c.label === m.series);
    const p = s && minimumOf(s);
    if (!s || !p || (scale === 'log' && p.y <= 0)) return [];
    const at = (p.x - x0) / (x1 - x0);
    const align = at < 1 / 3 ? 'left' : at > 2 / 3 ? 'right' : 'center';
    const text = o.locale === 'ru' ? `минимум (${m.name}) ${formatValue(p.y).replace('.', ',')}, ${o.xLabel} ${formatValue(p.x).replace('.', ',')}`
      : `min ${m.name} ${formatValue(p.y)} at ${o.xLabel} ${formatValue(p.x)}`;
    const w = textWidth(text, FONT_SIZE, true), px = at * plotW, py = hi > lo ? ((hi - f(p.y)) / (hi - lo)) * plotH : plotH / 2;
    const l = align === 'left' ? px : align === 'right' ? px - w : px - w / 2;
    let dy = -12;
    const box = () => ({ l, r: l + w, top: py + dy - FONT_SIZE - 2, bottom: py + dy });
    while (placed.some((b) => b.l < box().r && box().l < b.r && b.top < box().bottom && box().top < b.bottom)) dy -= FONT_SIZE + 4;
    placed.push(box());
    return [{ ...p, color: s.color, align, text, dy }];
  });
}

/** The Vega-Lite spec of the chart: pure data, so tests can read it and any Vega-Lite tool can render it. */
export function lineChartSpec(o: ChartOptions): TopLevelSpec {
  const scale = o.yScale ?? 'linear';
  const labels = o.series.map((s) => s.label);
  if (new Set(labels).size !== labels.length) throw new Error(`chart "${o.title}": series labels must be unique (${labels.join(', ')})`);
  const values = o.series.flatMap((s) => rows(s, scale));
  const xs = values.map((r) => r.x);
  const markers = o.markers ?? [];
  const markedXs = [...xs, ...markers.map((m) => m.x)];
  let [x0, x1] = markedXs.length ? [Math.min(...markedXs), Math.max(...markedXs)] : [0, 1];
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  const integerX = xs.every(Number.isInteger);
  const longest = Math.max(0, ...o.series.map((s) => s.y.length));
  // One legend for colour and dash (same field, same title): below the plot, never over the data, in as
  // many columns as the widest entry allows.
  const width = o.width ?? 720, height = o.height ?? 420;
  const room = width - 3 * PADDING;
  const entry = LEGEND_SYMBOL + LEGEND_GAP + Math.max(0, ...labels.map((l) => textWidth(l, FONT_SIZE)));
  const columns = Math.max(1, Math.min(labels.length, Math.floor((room + LEGEND_COLUMN_GAP) / (entry + LEGEND_COLUMN_GAP))));
  const legend = {
    title: null, orient: 'bottom' as const, direction: 'horizontal' as const, columns, columnPadding: LEGEND_COLUMN_GAP,
    symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: LEGEND_SYMBOL ** 2, labelOffset: LEGEND_GAP, labelLimit: room - LEGEND_SYMBOL - LEGEND_GAP,
  };
  const x = { field: 'x', type: 'quantitative' as const, title: o.xLabel, scale: { domain: [x0, x1], nice: false, zero: false }, axis: integerX ? { tickMinStep: 1, format: 'd' } : {} };
  const fixed = o.yMin !== undefined || o.yMax !== undefined;
  const y = {
    // A title longer than the plot is tall would stretch the chart past its height and cut off its title: cut it short (…).
    field: 'y', type: 'quantitative' as const, title: o.yLabel, axis: { titleLimit: height - 140 },
    // A log axis snapped outward to whole decades would waste most of the plot: it ends at the data instead;
    // a fixed top end stays where it was set.
    scale: { type: scale, ...(scale === 'linear' ? { zero: false, nice: o.yMax === undefined } : { nice: false }), ...(o.yMin !== undefined ? { domainMin: o.yMin } : {}), ...(o.yMax !== undefined ? { domainMax: o.yMax } : {}) },
  };
  const minima = minimumLabels(o, scale, [x0, x1], values.flatMap((r) => (r.y === null ? [] : [r.y])));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    padding: { top: PADDING, left: PADDING, bottom: PADDING, right: 2 * PADDING }, // room for the last x label
    config: {
      ...(o.locale === 'ru' ? { locale: { number: { decimal: ',', thousands: '\u00a0', grouping: [3], currency: ['', ''] } } } : {}),
      font: FONT,
      title: { fontSize: 15, color: TEXT },
      axis: { labelFontSize: FONT_SIZE, titleFontSize: 13, labelColor: TEXT, titleColor: TEXT, gridColor: '#e6e6e6' },
      legend: { labelFontSize: FONT_SIZE, labelColor: TEXT },
      view: { stroke: '#c8c8c8' },
    },
    layer: [
      {
        data: { values },
        // Nulls break the line; the y range comes from the finite points only.
        mark: { type: 'line', strokeWidth: 2, clip: fixed, invalid: 'break-paths-filter-domains', point: longest <= MAX_MARKED_POINTS ? { filled: true, size: 28 } : false },
        encoding: {
          x, y,
          color: { field: 's', type: 'nominal', scale: { domain: labels, range: o.series.map((s) => s.color) }, legend },
          strokeDash: { field: 's', type: 'nominal', scale: { domain: labels, range: o.series.map((s) => (s.dashed ? DASH : [1, 0])) }, legend },
        },
      },
      // Each minimum: a large outlined dot on the curve, its label above it (inside the U of a rising test
      // loss) over a white halo that keeps it readable where it crosses a curve; dots, halos, text in that order.
      ...minima.map((m) => ({
        data: { values: [m] },
        mark: { type: 'point' as const, shape: 'circle', size: 140, filled: true, fill: m.color, stroke: TEXT, strokeWidth: 1.5, opacity: 1 }, encoding: { x, y },
      })),
      ...[{ color: 'white', stroke: 'white', strokeWidth: 4, strokeJoin: 'round' as const }, { color: TEXT }].flatMap((paint) => minima.map((m) => ({
        data: { values: [m] },
        mark: { type: 'text' as const, dy: m.dy, fontSize: FONT_SIZE, fontWeight: 'bold' as const, baseline: 'bottom' as const, align: m.align, ...paint },
        encoding: { x, y, text: { field: 'text', type: 'nominal' as const } },
      }))),
      ...markerLayers(markers, x, [x0, x1], width),
    ],
  };
}

/**
 * The markers' layers: the dashed lines, then their labels at the top of the plot, right of the line (left
 * of it where the label would leave the plot), each in the first row where it overlaps no other (labelRow).
 */
function markerLayers(markers: { x: number; text: string }[], x: object, [x0, x1]: number[], width: number) {
  if (markers.length === 0) return [];
  const plotW = width - 120; // an estimate (the axes' room varies): the labels only need to stay apart
  const rows: [number, number][][] = [];
  const placed = [...markers].sort((a, b) => a.x - b.x).map((m) => {
    const at = ((m.x - x0) / (x1 - x0)) * plotW, w = textWidth(m.text, MARKER_FONT_SIZE);
    const left = at + 4 + w > plotW;
    const start = left ? at - 4 - w : at + 4;
    return { ...m, align: left ? 'right' as const : 'left' as const, dy: 3 + labelRow(rows, start, start + w, 8) * (MARKER_FONT_SIZE + 3) };
  });
  return [
    { data: { values: placed }, mark: { type: 'rule' as const, color: MARKER_COLOR, strokeDash: [3, 3], strokeWidth: 1 }, encoding: { x, description: { field: 'text', type: 'nominal' as const } } },
    // A white halo under each label keeps it readable where another marker's line crosses it.
    ...[{ color: 'white', stroke: 'white', strokeWidth: 4, strokeJoin: 'round' as const }, { color: MARKER_COLOR }].flatMap((paint) => placed.map((m) => ({
      data: { values: [m] },
      mark: { type: 'text' as const, align: m.align, baseline: 'top' as const, dx: m.align === 'left' ? 4 : -4, dy: m.dy, fontSize: MARKER_FONT_SIZE, ...paint },
      encoding: { x, y: { value: 0 }, text: { field: 'text', type: 'nominal' as const }, description: { field: 'text', type: 'nominal' as const } },
    }))),
  ];
}

/** The chart as a standalone SVG document (text as <text> in the FONT list, white background). */
export async function renderChartSvg(o: ChartOptions): Promise<string> {
  useTextWidths();
  const view = new View(parse(compile(lineChartSpec(o)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
