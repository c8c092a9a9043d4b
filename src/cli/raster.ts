// Raster primitives for the PNG charts: an RGBA image with alpha blending, filled rectangles and text
// in the embedded bitmap font, and anti-aliased round-capped strokes (solid or dashed polylines, dots).

import { ADVANCE, GLYPH_H, GLYPH_W, glyphPixel } from './bitmap-font';

export type RGB = readonly [number, number, number];
/** Font pixels → image pixels. */
export const SCALE = 2;
const LINE_HALF_WIDTH = 1.25;
const DASH_ON = 8;
const DASH_PERIOD = 15;

export function textWidth(s: string, scale = SCALE): number {
  return s.length === 0 ? 0 : (s.length * ADVANCE - 1) * scale;
}

export class Raster {
  readonly px: Uint8Array<ArrayBuffer>;
  constructor(readonly w: number, readonly h: number) {
    this.px = new Uint8Array(w * h * 4).fill(255);
  }
  blend(x: number, y: number, c: RGB, a: number): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h || !(a > 0)) return;
    const i = (y * this.w + x) * 4;
    const k = Math.min(1, a);
    for (let j = 0; j < 3; j++) this.px[i + j] = Math.round(this.px[i + j] + (c[j] - this.px[i + j]) * k);
  }
  fill(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.blend(xx, yy, c, 1);
  }
  text(s: string, x: number, y: number, c: RGB, bold = false): void {
    for (let n = 0; n < s.length; n++) {
      const code = s.charCodeAt(n);
      for (let col = 0; col < GLYPH_W; col++) {
        for (let row = 0; row < GLYPH_H; row++) {
          if (glyphPixel(code, col, row)) {
            this.fill(x + (n * ADVANCE + col) * SCALE, y + row * SCALE, SCALE + (bold ? 1 : 0), SCALE, c);
          }
        }
      }
    }
  }
}

export interface Rect { x: number; y: number; w: number; h: number }

/** Anti-aliased coverage of round-capped strokes, kept as a per-pixel max so joints don't double up. */
export class Coverage {
  readonly a: Float32Array;
  constructor(readonly w: number, readonly h: number, readonly clip: Rect) {
    this.a = new Float32Array(w * h);
  }
  segment(ax: number, ay: number, bx: number, by: number, hw: number): void {
    const c = this.clip;
    const xs = Math.max(c.x, Math.floor(Math.min(ax, bx) - hw - 1)), xe = Math.min(c.x + c.w, Math.ceil(Math.max(ax, bx) + hw + 1));
    const ys = Math.max(c.y, Math.floor(Math.min(ay, by) - hw - 1)), ye = Math.min(c.y + c.h, Math.ceil(Math.max(ay, by) + hw + 1));
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (let y = ys; y < ye; y++) {
      for (let x = xs; x < xe; x++) {
        const qx = x + 0.5 - ax, qy = y + 0.5 - ay;
        const t = len2 > 0 ? Math.max(0, Math.min(1, (qx * dx + qy * dy) / len2)) : 0;
        const d = Math.hypot(qx - t * dx, qy - t * dy);
        const cov = Math.min(1, hw + 0.5 - d);
        const i = y * this.w + x;
        if (cov > this.a[i]) this.a[i] = cov;
      }
    }
  }
  /** A polyline, optionally dashed (the dash pattern runs on across vertices). */
  polyline(p: number[], dashed: boolean): void {
    let phase = 0;
    for (let k = 2; k + 1 < p.length; k += 2) {
      const ax = p[k - 2], ay = p[k - 1], bx = p[k], by = p[k + 1];
      if (!dashed) { this.segment(ax, ay, bx, by, LINE_HALF_WIDTH); continue; }
      const len = Math.hypot(bx - ax, by - ay);
      for (let t = 0; t < len;) {
        const on = phase < DASH_ON;
        const step = Math.min((on ? DASH_ON : DASH_PERIOD) - phase, len - t);
        if (on) {
          const u = t / len, v = (t + step) / len;
          this.segment(ax + u * (bx - ax), ay + u * (by - ay), ax + v * (bx - ax), ay + v * (by - ay), LINE_HALF_WIDTH);
        }
        t += step;
        phase = (phase + step) % DASH_PERIOD;
      }
    }
  }
  /** Paints the covered pixels in colour `c` and clears the coverage for the next stroke. */
  composite(r: Raster, c: RGB): void {
    const { x: cx, y: cy, w: cw, h: ch } = this.clip;
    for (let y = cy; y < cy + ch; y++) {
      for (let x = cx; x < cx + cw; x++) {
        const i = y * this.w + x;
        if (this.a[i] > 0) { r.blend(x, y, c, this.a[i]); this.a[i] = 0; }
      }
    }
  }
}
