// The command line's mistakes.svg (and .png) and the experiments reports' galleries: the test images the model was
// surest of and got wrong, as the element's gallery shows them, for a run without a screen. Each image is embedded as it is in the data set
// (light ink on black, one PNG pixel per image pixel, drawn 3× with nearest-neighbour scaling: the SVG attribute
// image-rendering="optimizeSpeed", which resvg and browsers honour; resvg smooths CSS's "pixelated"), captioned with
// its index in the test set, true → predicted class and the predicted class's probability. A hand-written SVG
// rather than a Vega-Lite spec: a grid of bitmaps with captions is no chart. Node only (pngjs, Buffer).
import { PNG } from 'pngjs';
import type { Mistake } from '../../engine/metrics';
import { FONT } from './line-chart';
import { textWidth } from './text-width';
import { RUN_WORDS, type Lang } from '../run-words';

/** Images per row; a cell's least width in pixels (the captions'), wider for a data set of larger images. */
const COLUMNS = 6;
const CELL_W = 140;
const CAPTION_H = 48;
const MARGIN = 16;
/** The title's line and each subtitle line, in pixels from the top. */
const TITLE_LINE = 28;
const LINE = 16;
const FONT_SIZE = 12;

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One image (its pixels as the data set stores them) as a greyscale PNG data URL. */
function imageDataUrl(pixels: Uint8Array, rows: number, cols: number): string {
  const png = new PNG({ width: cols, height: rows });
  const size = rows * cols;
  if (pixels.length !== size) throw new Error(`mistakes chart: an image of ${pixels.length} pixels, expected ${rows}×${cols}`);
  for (let k = 0; k < size; k++) png.data.set([pixels[k], pixels[k], pixels[k], 255], k * 4);
  return `data:image/png;base64,${Buffer.from(PNG.sync.write(png, { colorType: 0 })).toString('base64')}`;
}

/** Words wrapped into lines no wider than `room` at the caption font size. */
function wrap(text: string, room: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && textWidth(`${lines[last]} ${word}`, FONT_SIZE) <= room) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** A caption line centred at x; squeezed to the cell's `room` when longer (a long Fashion-MNIST pair). */
function caption(text: string, x: number, y: number, room: number, fill = '#333'): string {
  const squeeze = textWidth(text, FONT_SIZE) > room ? ` textLength="${room}" lengthAdjust="spacingAndGlyphs"` : '';
  return `<text x="${x}" y="${y}" text-anchor="middle" fill="${fill}"${squeeze}>${escapeXml(text)}</text>`;
}

export interface MistakesChart {
  title: string;
  /** The images' size, and each mistake's pixels (rows × cols bytes, as the data set stores them), in `mistakes`' order. */
  rows: number;
  cols: number;
  pixels: Uint8Array[];
  classNames: string[];
  /** The mistakes to show, surest first (engine/metrics.ts surestMistakes). */
  mistakes: Mistake[];
  /** How many mistakes there are in all, and in how many images. */
  count: number;
  of: number;
  /** The subtitle's and captions' language (the caller words the title and class names); default English. */
  lang?: Lang;
}

/** The gallery as an SVG document. */
export function mistakesSvg(o: MistakesChart): string {
  const words = RUN_WORDS[o.lang ?? 'en'];
  const rows = Math.max(1, Math.ceil(o.mistakes.length / COLUMNS));
  // 28×28 images drawn 3× (84 px); larger ones (a data set from a folder) at 2× or 1×, their cell widened to fit.
  const scale = o.cols * 3 <= CELL_W - 8 ? 3 : o.cols * 2 <= 2 * CELL_W ? 2 : 1;
  const w = o.cols * scale;
  const h = o.rows * scale;
  const cellW = Math.max(CELL_W, w + 8);
  const cellH = h + CAPTION_H;
  const width = MARGIN * 2 + COLUMNS * cellW;
  const subtitle = wrap(o.count === 0 ? words.noMistakes : words.mistakes(o.count, o.of, o.mistakes.length), width - 2 * MARGIN);
  const top = TITLE_LINE + subtitle.length * LINE;
  const height = top + rows * cellH + MARGIN;
  const name = (c: number) => o.classNames[c] ?? String(c);
  const cells = o.mistakes.map((m, k) => {
    const x = MARGIN + (k % COLUMNS) * cellW;
    const y = top + Math.floor(k / COLUMNS) * cellH;
    const mid = x + cellW / 2;
    return `<g><image x="${mid - w / 2}" y="${y}" width="${w}" height="${h}" image-rendering="optimizeSpeed" href="${imageDataUrl(o.pixels[k], o.rows, o.cols)}"/>` +
      caption(`${name(m.label)} → ${name(m.predicted)}`, mid, y + h + 16, cellW - 8) +
      caption(words.caption((m.probability * 100).toFixed(1), m.index), mid, y + h + 32, cellW - 8, '#666') + '</g>';
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="${FONT_SIZE}">` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    `<text x="${MARGIN}" y="20" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>` +
    subtitle.map((line, i) => `<text x="${MARGIN}" y="${TITLE_LINE + 8 + i * LINE}" fill="#555">${escapeXml(line)}</text>`).join('') +
    cells.join('') + '</svg>\n';
}
