// The painters of <mt-inside-view>: each sizes a canvas and draws one layer's output on it. Feature maps
// are a grid of small grey-scale images, one per channel, each scaled to its own minimum and maximum
// (so a weak channel is as readable as a strong one; the caption says so); short vectors are bars,
// long ones (a flatten's hundreds of features) a strip of grey cells (the output's probabilities are a table,
// inside-view.ts); the first convolution's filters are grey tiles on a scale shared by
// all of them, mid-grey at zero (so their signs and relative strengths compare). Pixel sizes are
// whole multiples, drawn with image-rendering: pixelated.

/** The side a feature map is scaled up to, roughly, in canvas pixels; the gap between maps. */
const MAP_SIDE = 56;
const GAP = 3;
/** Maps and filters per row. */
const GRID_COLUMNS = 8;
/** Vectors up to this length are bars; longer ones a strip of cells. */
export const MAX_BARS = 128;
const BAR_AREA = 384;
const BAR_HEIGHT = 60;
const STRIP_COLUMNS = 64;
const STRIP_CELL = 4;

export interface Colours {
  accent: string;
  muted: string;
}

function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null;
function context(canvas: HTMLCanvasElement | OffscreenCanvas, width: number, height: number): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
function context(canvas: HTMLCanvasElement | OffscreenCanvas, width: number, height: number): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null {
  canvas.width = Math.max(1, width);
  canvas.height = Math.max(1, height);
  return canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
}

/** min and max of values[from + k·stride] for k < n. */
function range(values: ArrayLike<number>, from = 0, n = values.length, stride = 1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    const v = values[from + k * stride];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** A grey level 0–255 for v on [lo, hi]; a flat range is black (nothing to show). */
const grey = (v: number, lo: number, hi: number) => (hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0);

/**
 * An (H, W, C) output as C maps in a grid, each normalised on its own; a flat map (a constant channel, any 1×1
 * map) on the layer's range instead, so that its level still shows against the other channels'.
 */
export function drawMaps(canvas: HTMLCanvasElement, values: Float32Array, [h, w, c]: readonly number[]): void {
  let layer: [number, number] | undefined; // the whole layer's range, read only where a map is flat
  const s = Math.max(1, Math.floor(MAP_SIDE / Math.max(h, w)));
  const cols = Math.min(c, GRID_COLUMNS);
  const rows = Math.ceil(c / cols);
  const cw = w * s + GAP;
  const ch = h * s + GAP;
  const ctx = context(canvas, cols * cw - GAP, rows * ch - GAP);
  if (!ctx) return;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < c; k++) {
    const own = range(values, k, h * w, c);
    const [lo, hi] = own[1] > own[0] ? own : (layer ??= range(values));
    const x0 = (k % cols) * cw;
    const y0 = Math.floor(k / cols) * ch;
    for (let y = 0; y < h * s; y++) {
      for (let x = 0; x < w * s; x++) {
        const g = grey(values[(Math.floor(y / s) * w + Math.floor(x / s)) * c + k], lo, hi);
        img.data.set([g, g, g, 255], ((y0 + y) * canvas.width + x0 + x) * 4);
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** A vector as bars (from a zero line, in the middle when some values are negative), or a strip of grey cells when long. */
export function drawVector(canvas: HTMLCanvasElement, values: Float32Array, colours: Colours): void {
  const n = values.length;
  if (n > MAX_BARS) {
    const rows = Math.ceil(n / STRIP_COLUMNS);
    const ctx = context(canvas, STRIP_COLUMNS * STRIP_CELL, rows * STRIP_CELL);
    if (!ctx) return;
    const [lo, hi] = range(values);
    for (let i = 0; i < n; i++) {
      const g = grey(values[i], lo, hi);
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect((i % STRIP_COLUMNS) * STRIP_CELL, Math.floor(i / STRIP_COLUMNS) * STRIP_CELL, STRIP_CELL, STRIP_CELL);
    }
    return;
  }
  const bw = Math.max(3, Math.floor(BAR_AREA / n));
  const ctx = context(canvas, n * bw, BAR_HEIGHT);
  if (!ctx) return;
  const [lo, hi] = range(values);
  const top = Math.max(hi, 0);
  const span = top - Math.min(lo, 0) || 1;
  const zero = (top / span) * BAR_HEIGHT;
  ctx.fillStyle = colours.muted;
  ctx.fillRect(0, Math.min(Math.round(zero), BAR_HEIGHT - 1), n * bw, 1);
  ctx.fillStyle = colours.accent;
  for (let i = 0; i < n; i++) {
    const len = (values[i] / span) * BAR_HEIGHT;
    ctx.fillRect(i * bw, len >= 0 ? zero - len : zero, bw - 1, Math.abs(len));
  }
}

/** A (kh, kw, in, out) kernel as out × in grey tiles, zero mid-grey, on one scale for all. */
export function drawFilters(canvas: HTMLCanvasElement, values: Float32Array, [kh, kw, cin, cout]: readonly number[]): void {
  const s = Math.max(4, Math.floor(36 / Math.max(kh, kw)));
  const tiles = cin * cout;
  const cols = Math.min(tiles, GRID_COLUMNS);
  const rows = Math.ceil(tiles / cols);
  const tw = kw * s + GAP;
  const th = kh * s + GAP;
  const ctx = context(canvas, cols * tw - GAP, rows * th - GAP);
  if (!ctx) return;
  const [lo, hi] = range(values);
  const scale = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const t = o * cin + i;
      const x0 = (t % cols) * tw;
      const y0 = Math.floor(t / cols) * th;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const g = Math.round(127.5 + (127.5 * values[((ky * kw + kx) * cin + i) * cout + o]) / scale);
          ctx.fillStyle = `rgb(${g},${g},${g})`;
          ctx.fillRect(x0 + kx * s, y0 + ky * s, s, s);
        }
      }
    }
  }
}

/**
 * An image, bytes or values in [0, 1], grey on black, one canvas pixel per image pixel: the inside view's input,
 * the results' gallery, the drawing pad's preview and a picture's ink before it goes on the pad.
 */
export function drawImage(canvas: HTMLCanvasElement | OffscreenCanvas, pixels: Uint8Array | Float32Array, rows: number, cols: number): void {
  const bytes = !(pixels instanceof Float32Array);
  const ctx = context(canvas, cols, rows);
  if (!ctx) return;
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const g = bytes ? pixels[i] : Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}
