// A dependency-free line-chart renderer: the layout of train/test curves (ranges, ticks, legend) drawn
// with the raster primitives of raster.ts and encoded by png-encode.ts, so it runs in Node 20 and
// browsers alike.

import { GLYPH_H } from './bitmap-font';
import { encodePng } from './png-encode';
import { Coverage, Raster, SCALE, textWidth, type RGB } from './raster';

export { crc32, encodePng } from './png-encode';
export { textWidth } from './raster';

export interface Series {
  label: string;
  x: number[];
  y: number[];
  color: [number, number, number];
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Image width in pixels (default 720). */
  width?: number;
  /** Image height in pixels (default 420). */
  height?: number;
  /** Fixed y-axis bounds; when absent the range comes from the data, widened to whole tick steps. */
  yMin?: number;
  yMax?: number;
  series: Series[];
}

/**
 * The plot rectangle in image pixels and the data ranges it shows. Data (x, y) is drawn centred on
 *   px = x0 + 0.5 + (x - xMin) / (xMax - xMin) * (width - 1)
 *   py = y0 + 0.5 + (yMax - y) / (yMax - yMin) * (height - 1)
 * so xMin/yMin land in the axis pixel column/row `x0` / `y0 + height - 1`.
 */
export interface PlotArea {
  x0: number; y0: number; width: number; height: number;
  xMin: number; xMax: number; yMin: number; yMax: number;
  xTicks: number[]; yTicks: number[]; xStep: number; yStep: number;
}

const TEXT: RGB = [34, 34, 34];
const AXIS: RGB = [70, 70, 70];
const FRAME: RGB = [200, 200, 200];
const GRID: RGB = [234, 234, 234];
const CHAR_H = GLYPH_H * SCALE;
const DOT_R = 3.5;
const SWATCH_W = 36; // long enough that a dashed swatch shows gaps either side of its marker
const TITLE_Y = 8;
const LEGEND_Y = TITLE_Y + CHAR_H + 8;
const LEGEND_PAD = 6;
const LEGEND_ROW = CHAR_H + 6;

/** The 1-2-5 step (×10^k) nearest above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1.0000001 ? 1 : f <= 2.0000001 ? 2 : f <= 5.0000001 ? 5 : 10) * p;
}

/** Multiples of a 1-2-5 step within [min, max], about `target` of them; integer steps when `integer`. */
export function niceTicks(min: number, max: number, target: number, integer = false): { step: number; ticks: number[] } {
  let step = niceStep((max - min) / Math.max(1, target));
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const eps = step * 1e-7;
  for (let k = Math.ceil((min - eps) / step); k * step <= max + eps && ticks.length < 1000; k++) ticks.push(k * step);
  return { step, ticks };
}

/** A tick label with just enough decimals for the step. */
export function formatTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-6) return '0';
  if (Math.max(Math.abs(v), step) >= 1e6 || step < 1e-4) {
    const digits = Math.max(0, Math.min(10, Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9)));
    return v.toExponential(digits).replace('e+', 'e').replace(/\.?0+e/, 'e');
  }
  return v.toFixed(Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9))));
}

/** Marker dots at every point unless the series is too dense for them (isolated points always get one). */
function showMarkers(s: Series, plotWidth: number): boolean {
  let n = 0;
  for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) n++;
  return n <= plotWidth / 8;
}

function dataRanges(o: ChartOptions): { x: [number, number]; y: [number, number]; integerX: boolean } {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, integerX = true;
  for (const s of o.series) {
    for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) {
      const x = s.x[i], y = s.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      if (!Number.isInteger(x)) integerX = false;
    }
  }
  if (x0 > x1) { x0 = 0; x1 = 1; }
  if (x0 === x1) { const pad = integerX ? 1 : Math.abs(x0) * 0.05 || 1; x0 -= pad; x1 += pad; }
  if (y0 > y1) { y0 = 0; y1 = 1; }
  if (o.yMin !== undefined && Number.isFinite(o.yMin)) y0 = o.yMin;
  if (o.yMax !== undefined && Number.isFinite(o.yMax)) y1 = o.yMax;
  if (y0 >= y1) {
    const pad = Math.abs(y0) * 0.05 || 0.5;
    if (o.yMax === undefined || o.yMin !== undefined) y1 = y0 + pad; else y0 = y1 - pad;
    if (o.yMin === undefined && o.yMax === undefined) { y0 -= pad / 2; y1 -= pad / 2; }
  }
  return { x: [x0, x1], y: [y0, y1], integerX };
}

interface Layout extends PlotArea { legendRows: number[][]; legendWidth: number; legendHeight: number }

function layout(o: ChartOptions): Layout {
  const W = o.width ?? 720, H = o.height ?? 420;
  const r = dataRanges(o);
  const right = W - 24;
  // Legend: items flow into rows right-aligned to the plot, beside the y label written above the axis.
  const itemW = o.series.map((s) => SWATCH_W + 6 + textWidth(s.label));
  const avail = Math.max(...itemW, right - (8 + textWidth(o.yLabel) + 24) - 2 * LEGEND_PAD);
  const legendRows: number[][] = [];
  let rowW = Infinity;
  itemW.forEach((w, i) => {
    if (rowW + 16 + w > avail) { legendRows.push([]); rowW = -16; }
    legendRows[legendRows.length - 1].push(i);
    rowW += 16 + w;
  });
  const legendWidth = Math.max(0, ...legendRows.map((row) => row.reduce((a, i) => a + itemW[i], 0) + 16 * (row.length - 1))) + 2 * LEGEND_PAD;
  const legendHeight = legendRows.length ? legendRows.length * LEGEND_ROW + LEGEND_PAD : 0;
  const y0 = LEGEND_Y + Math.max(legendHeight, CHAR_H + LEGEND_PAD) + 14;
  const height = Math.max(10, H - 36 - 2 * CHAR_H - y0);
  // y ticks: as many as fit about 45 px apart; auto ends snap outward to whole steps.
  let [yMin, yMax] = r.y;
  let yt = niceTicks(yMin, yMax, 1);
  for (let target = Math.max(1, Math.floor(height / 45)); target >= 1; target--) {
    const t = niceTicks(r.y[0], r.y[1], target);
    yMin = o.yMin === undefined ? Math.floor(r.y[0] / t.step + 1e-7) * t.step : r.y[0];
    yMax = o.yMax === undefined ? Math.ceil(r.y[1] / t.step - 1e-7) * t.step : r.y[1];
    yt = niceTicks(yMin, yMax, target);
    if ((height * yt.step) / (yMax - yMin) >= CHAR_H + 4) break;
  }
  if (yt.ticks.length === 0) yt = { step: yMax - yMin, ticks: [yMin, yMax] };
  if ((height * yt.step) / (yMax - yMin) < CHAR_H + 4 && yt.ticks.length > 2) yt.ticks = [yt.ticks[0], yt.ticks[yt.ticks.length - 1]];
  const yLabelW = Math.max(0, ...yt.ticks.map((t) => textWidth(formatTick(t, yt.step))));
  const x0 = Math.max(yLabelW + 16, 40);
  const width = Math.max(10, right - x0);
  // x ticks: as many as fit without labels colliding.
  let xt = niceTicks(r.x[0], r.x[1], 2, r.integerX);
  for (let target = Math.floor(width / 60); target >= 2; target--) {
    xt = niceTicks(r.x[0], r.x[1], target, r.integerX);
    const labelW = Math.max(0, ...xt.ticks.map((t) => textWidth(formatTick(t, xt.step))));
    if (labelW + 14 <= (width * xt.step) / (r.x[1] - r.x[0])) break;
  }
  return {
    x0, y0, width, height, xMin: r.x[0], xMax: r.x[1], yMin, yMax,
    xTicks: xt.ticks, yTicks: yt.ticks, xStep: xt.step, yStep: yt.step, legendRows, legendWidth, legendHeight,
  };
}

/** The plot rectangle and the axis ranges `renderLineChart(o)` uses. */
export function plotArea(o: ChartOptions): PlotArea {
  const { legendRows: _r, legendWidth: _w, legendHeight: _h, ...area } = layout(o);
  return area;
}

/** Pixel-space runs of finite points (NaN/±Infinity break a run), min/max-decimated per pixel column. */
function pixelRuns(s: Series, L: PlotArea): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let col: number[] = [];
  const flush = () => {
    if (col.length > 8) {
      let lo = 0, hi = 0;
      for (let k = 2; k < col.length; k += 2) { if (col[k + 1] < col[lo + 1]) lo = k; if (col[k + 1] > col[hi + 1]) hi = k; }
      const keep = [...new Set([0, Math.min(lo, hi), Math.max(lo, hi), col.length - 2])];
      for (const k of keep) run.push(col[k], col[k + 1]);
    } else run.push(...col);
    col = [];
  };
  const sx = (L.width - 1) / (L.xMax - L.xMin), sy = (L.height - 1) / (L.yMax - L.yMin);
  for (let i = 0; i <= Math.min(s.x.length, s.y.length); i++) {
    const x = s.x[i], y = s.y[i];
    if (i === Math.min(s.x.length, s.y.length) || !Number.isFinite(x) || !Number.isFinite(y)) {
      flush();
      if (run.length) runs.push(run);
      run = [];
      continue;
    }
    const px = L.x0 + 0.5 + (x - L.xMin) * sx, py = L.y0 + 0.5 + (L.yMax - y) * sy;
    if (col.length && Math.floor(col[0]) !== Math.floor(px)) flush();
    col.push(px, Math.max(-1e4, Math.min(1e4, py)));
  }
  return runs;
}

function drawChart(o: ChartOptions): Raster {
  const L = layout(o);
  const W = o.width ?? 720, H = o.height ?? 420;
  const r = new Raster(W, H);
  const { x0, y0, width: pw, height: ph } = L;
  const xPix = (x: number) => Math.floor(x0 + 0.5 + ((x - L.xMin) / (L.xMax - L.xMin)) * (pw - 1));
  const yPix = (y: number) => Math.floor(y0 + 0.5 + ((L.yMax - y) / (L.yMax - L.yMin)) * (ph - 1));
  const bottom = y0 + ph - 1, right = x0 + pw - 1;
  // Grid, frame and axes with outward ticks.
  for (const t of L.xTicks) r.fill(xPix(t), y0, 1, ph, GRID);
  for (const t of L.yTicks) r.fill(x0, yPix(t), pw, 1, GRID);
  r.fill(x0, y0, pw, 1, FRAME);
  r.fill(right, y0, 1, ph, FRAME);
  r.fill(x0, y0, 1, ph, AXIS);
  r.fill(x0, bottom, pw, 1, AXIS);
  for (const t of L.xTicks) r.fill(xPix(t), bottom + 1, 1, 5, AXIS);
  for (const t of L.yTicks) r.fill(x0 - 5, yPix(t), 5, 1, AXIS);
  // Series, clipped to the plot (plus room for a marker on its edge).
  const m = Math.ceil(DOT_R) + 1;
  const clip = { x: Math.max(0, x0 - m), y: Math.max(0, y0 - m), w: 0, h: 0 };
  clip.w = Math.min(W, right + m + 1) - clip.x;
  clip.h = Math.min(H, bottom + m + 1) - clip.y;
  const cov = new Coverage(W, H, clip);
  for (const s of o.series) {
    const runs = pixelRuns(s, L);
    const markers = showMarkers(s, pw);
    for (const p of runs) {
      cov.polyline(p, s.dashed === true);
      if (markers || p.length === 2) for (let k = 0; k < p.length; k += 2) cov.segment(p[k], p[k + 1], p[k], p[k + 1], DOT_R);
    }
    cov.composite(r, s.color);
  }
  // Tick labels, axis labels, title.
  for (const t of L.xTicks) {
    const s = formatTick(t, L.xStep), w = textWidth(s);
    r.text(s, Math.max(0, Math.min(W - w, xPix(t) - Math.floor(w / 2))), bottom + 9, TEXT);
  }
  for (const t of L.yTicks) {
    const s = formatTick(t, L.yStep);
    r.text(s, x0 - 9 - textWidth(s), yPix(t) - 3 * SCALE, TEXT);
  }
  r.text(o.xLabel, Math.max(0, x0 + Math.floor((pw - textWidth(o.xLabel)) / 2)), bottom + 9 + CHAR_H + 12, TEXT);
  r.text(o.yLabel, 8, LEGEND_Y + LEGEND_PAD + Math.max(0, L.legendRows.length - 1) * LEGEND_ROW, TEXT); // on the legend's last row
  r.text(o.title, Math.max(0, x0 + Math.floor((pw - textWidth(o.title) - 1) / 2)), TITLE_Y, TEXT, true);
  // Legend box above the plot's top-right corner: swatch (dash style and marker) and label per series.
  if (L.legendRows.length) {
    const bx = right + 1 - L.legendWidth, by = LEGEND_Y;
    r.fill(bx, by, L.legendWidth, 1, FRAME);
    r.fill(bx, by + L.legendHeight - 1, L.legendWidth, 1, FRAME);
    r.fill(bx, by, 1, L.legendHeight, FRAME);
    r.fill(right, by, 1, L.legendHeight, FRAME);
    const lc = new Coverage(W, H, { x: 0, y: 0, w: W, h: H });
    L.legendRows.forEach((row, ri) => {
      let x = bx + LEGEND_PAD;
      const y = by + LEGEND_PAD + ri * LEGEND_ROW;
      for (const i of row) {
        const s = o.series[i], cy = y + 3.5 * SCALE;
        lc.polyline([x + 1, cy, x + SWATCH_W - 1, cy], s.dashed === true);
        if (showMarkers(s, pw)) lc.segment(x + SWATCH_W / 2, cy, x + SWATCH_W / 2, cy, DOT_R);
        lc.composite(r, s.color);
        r.text(s.label, x + SWATCH_W + 6, y, TEXT);
        x += SWATCH_W + 6 + textWidth(s.label) + 16;
      }
    });
  }
  return r;
}

/** Renders the chart and returns PNG bytes. */
export async function renderLineChart(o: ChartOptions): Promise<Uint8Array<ArrayBuffer>> {
  const r = drawChart(o);
  return encodePng(r.w, r.h, r.px);
}
