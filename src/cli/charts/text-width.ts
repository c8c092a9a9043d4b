// Text widths for vega's layout where it cannot measure them. In a browser vega measures text on a
// canvas; in Node it has none and guesses 0.8 em per character, about 30% wider than real text: legends
// laid out with that guess overflow the image, and axis labels get far more room than they need.
// vega lets a caller replace the guess (`textMetrics.width`, as vl-convert does); ours sums the advance
// widths of DejaVu Sans, the font ./png.ts renders with. Helvetica and Arial, which SVG viewers use
// first, are narrower, so nothing laid out this way overflows there either.
import { textMetrics } from 'vega';

declare module 'vega' {
  /** vega-scenegraph's text measurement, re-exported by vega but missing from its typings. */
  export const textMetrics: {
    width: (item: TextItem, text?: unknown) => number;
    estimateWidth: (item: TextItem, text?: unknown) => number;
  };
}

interface TextItem { text?: unknown; fontSize?: number; fontWeight?: string | number; limit?: number }

// Advance widths of the printable ASCII characters (32 ' ' to 126 '~') in 1/100 em, measured with resvg
// on DejaVu Sans Book and Bold 2.37 (the width of "XcX" minus that of "XX" at 100 px).
const REGULAR = [
  32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 26, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53,
  100, 68, 69, 63, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 66, 60, 79, 69, 63, 59, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50,
  50, 61, 63, 55, 63, 57, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
];
const BOLD = [
  35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 25, 38, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40, 40, 84, 84, 84, 58,
  100, 77, 76, 70, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100, 84, 78, 73, 85, 77, 72, 68, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50,
  50, 67, 72, 59, 72, 65, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71, 37, 71, 84,
];
// The Cyrillic capitals and small letters (U+0410 'А' to U+044F 'я'), measured the same way (resvg's bounding
// box of "XаX" less that of "XX"): the Russian charts' words, which the fallback below took as 20–30% wider.
const CYRILLIC_REGULAR = [
  68, 69, 69, 61, 78, 63, 108, 64, 75, 75, 71, 75, 86, 75, 79, 75, 60, 70, 61, 61, 86, 69, 78, 69, 107, 109, 83, 88, 69, 70, 108, 69,
  61, 62, 59, 53, 69, 62, 90, 53, 65, 65, 60, 64, 75, 65, 61, 65, 63, 55, 58, 59, 85, 59, 68, 59, 92, 94, 71, 79, 59, 55, 84, 60,
];
const CYRILLIC_BOLD = [
  77, 76, 76, 64, 89, 68, 122, 71, 84, 84, 82, 83, 100, 84, 85, 84, 73, 73, 68, 77, 99, 77, 93, 81, 124, 133, 94, 104, 76, 73, 117, 77,
  67, 70, 63, 52, 81, 68, 100, 58, 70, 70, 68, 73, 82, 69, 69, 69, 72, 59, 58, 65, 99, 65, 74, 69, 106, 111, 75, 90, 63, 59, 97, 64,
];
/** A few more the charts use: Ё ё № · (regular, bold). */
const MORE: Readonly<Record<number, [number, number]>> = { 0x401: [63, 68], 0x451: [62, 68], 0x2116: [104, 120], 0xb7: [32, 38] };
/** Elsewhere outside ASCII (×, –, →, …): about the widest common glyph. */
const OTHER = 84;

/** The width in pixels of `text` in DejaVu Sans at `fontSize`, bold when `bold`. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 32 && c < 127) w += table[c - 32];
    else if (c >= 0x410 && c <= 0x44f) w += (bold ? CYRILLIC_BOLD : CYRILLIC_REGULAR)[c - 0x410];
    else w += MORE[c]?.[bold ? 1 : 0] ?? OTHER;
  }
  return (w / 100) * fontSize;
}

function isBold(weight: string | number | undefined): boolean {
  return weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600) || (typeof weight === 'string' && Number(weight) >= 600);
}

/** Where vega has no canvas (Node), it lays text out with `textWidth` instead of its 0.8 em guess. */
export function useTextWidths(): void {
  if (textMetrics.width !== textMetrics.estimateWidth) return; // a canvas measures, or already ours
  textMetrics.width = (item, text) => {
    const raw = text ?? item.text;
    const lines = (Array.isArray(raw) ? raw : [raw]).map((t) => (t == null ? '' : String(t).trim()));
    const w = Math.max(0, ...lines.map((t) => textWidth(t, item.fontSize ?? 11, isBold(item.fontWeight))));
    return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}
