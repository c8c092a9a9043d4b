// The model's 28×28 input from a picture: the draw pad's canvas (white ink on black) or an image file (a
// photo or scan of a digit, dark on light or light on dark, any size), prepared the way the data sets were:
//  - MNIST ('digit'): the digit's bounding box scaled so its longer side is 20 px, placed in the 28×28 field
//    with its centre of mass at pixel (14, 14) (MASS_CENTRE; LeCun et al. 1998);
//  - Fashion-MNIST ('item'): the item's bounding box scaled so its longer side is 28 px, centred by its box
//    (Xiao et al. 2017: trim, resize the longest edge to 28, centre, negate).
// A photo is first turned upright (orientRgba, from its EXIF orientation), its ink told from its paper by the
// border (darkInk), the paper's own shade taken off (paperOf), and specks kept out of the box (fitInk).
// A 28×28 image file is taken as it is (already in the data sets' form), only turned to ink. CPU only.
import { FASHION_MNIST_CLASSES } from './sources';

/** The input field and the box a digit is scaled into, as in the MNIST paper (LeCun et al. 1998). */
export const FIELD = 28;
export const BOX = 20;
/**
 * Where MNIST put a digit's centre of mass, in pixel indices (row and column): 14, the mean over its test set
 * is (14.01, 13.99). As pixel centres (i + 0.5) that is 14.5, half a pixel right of and below the field's
 * middle; aiming at the middle instead (as the draw pad did until 3 Dec 2026) put 758 of MNIST's first 1,000
 * test digits, printed and read back, a pixel up or left of where the model learnt them.
 */
export const MASS_CENTRE = 14;
/** Pixels at least this inked (0–1) count towards the bounding box; fainter antialiasing fringe is cut. */
export const INK_THRESHOLD = 0.05;

/** How a picture is fitted into the field: as an MNIST digit, or as a Fashion-MNIST item. */
export type Fit = 'digit' | 'item';
export const FITS: readonly Fit[] = ['digit', 'item'];

/** The fit of a model's data set, known by its class names: Fashion-MNIST's items, else digits. */
export function fitFor(classNames: readonly string[]): Fit {
  return classNames.length === FASHION_MNIST_CLASSES.length && classNames.every((c, i) => c === FASHION_MNIST_CLASSES[i]) ? 'item' : 'digit';
}

/** For each target cell, the source cells it covers and their weights (box filter, exact overlaps). */
function boxWeights(src: number, dst: number): { index: number; weight: number }[][] {
  const scale = src / dst;
  const out: { index: number; weight: number }[][] = [];
  for (let t = 0; t < dst; t++) {
    const a = t * scale;
    const b = (t + 1) * scale;
    const cells: { index: number; weight: number }[] = [];
    for (let i = Math.floor(a); i < Math.min(src, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 0) cells.push({ index: i, weight: overlap / (b - a) });
    }
    out.push(cells);
  }
  return out;
}

function checkRgba(who: string, rgba: ArrayLike<number>, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${who}: size must be positive integers, got ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`${who}: ${width}×${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  }
}

const luminance = (rgba: ArrayLike<number>, p: number) => (0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]) / 255;

/** Ink in [0, 1] per pixel: alpha × luminance, or alpha × (1 − luminance) for dark ink (`dark`). */
function ink(rgba: ArrayLike<number>, width: number, height: number, dark: boolean): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const l = luminance(rgba, i * 4);
    out[i] = (dark ? 1 - l : l) * (rgba[i * 4 + 3] / 255);
  }
  return out;
}

/** The indices of a picture's outermost pixels, each once. */
function border(width: number, height: number): number[] {
  const out: number[] = [];
  for (let x = 0; x < width; x++) {
    out.push(x);
    if (height > 1) out.push((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    out.push(y * width);
    if (width > 1) out.push(y * width + width - 1);
  }
  return out;
}

/**
 * Whether a picture's ink is dark: its border (the outermost pixels) is the background. An opaque border
 * lighter than mid-grey means dark ink on light paper; a mostly transparent border means the opaque pixels
 * are the ink, dark when their mean luminance is below mid-grey.
 */
export function darkInk(rgba: ArrayLike<number>, width: number, height: number): boolean {
  checkRgba('darkInk', rgba, width, height);
  let alpha = 0, light = 0;
  const edge = border(width, height);
  for (const i of edge) {
    alpha += rgba[i * 4 + 3] / 255;
    light += luminance(rgba, i * 4) * (rgba[i * 4 + 3] / 255);
  }
  if (alpha / edge.length >= 0.5) return light / alpha > 0.5;
  let opaque = 0, opaqueLight = 0;
  for (let p = 0; p < rgba.length; p += 4) {
    if (rgba[p + 3] < 128) continue;
    opaque++;
    opaqueLight += luminance(rgba, p);
  }
  return opaque > 0 && opaqueLight / opaque < 0.5;
}

/** The paper under a picture: its ink as a plane over the picture (a + b·x + c·y) and a noise floor above it. */
export interface Paper { a: number; b: number; c: number; floor: number }

/**
 * The paper's own ink (photographed paper is grey, textured and lit unevenly, not black, and would otherwise
 * count as ink everywhere, the bounding box the whole picture): a plane fitted to the border's ink by least
 * squares (even lighting from one side), and a floor for its texture, the border's median distance above the
 * plane plus twice its upper spread (75th percentile − median). Clean paper: all 0.
 */
export function paperOf(inked: Float32Array, width: number, height: number): Paper {
  const edge = border(width, height);
  // Normal equations of a + b·x + c·y ≈ ink over the border pixels (x, y centred, so the system is well posed).
  const cx = (width - 1) / 2, cy = (height - 1) / 2;
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sv = 0, sxv = 0, syv = 0;
  for (const i of edge) {
    const x = (i % width) - cx, y = Math.floor(i / width) - cy, v = inked[i];
    n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; sv += v; sxv += x * v; syv += y * v;
  }
  const m = [[n, sx, sy], [sx, sxx, sxy], [sy, sxy, syy]];
  const det = (q: number[][]) => q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) + q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det(m);
  const rhs = [sv, sxv, syv];
  // Cramer's rule; a border of one row or column has no slope across it: a flat level there.
  const solve = (k: number) => det(m.map((row, r) => row.map((v, col) => (col === k ? rhs[r] : v)))) / d;
  const [a0, b, c] = Math.abs(d) > 1e-9 ? [solve(0), solve(1), solve(2)] : [sv / n, 0, 0];
  const a = a0 - b * cx - c * cy; // back to pixel coordinates
  const above = Float32Array.from(edge, (i) => inked[i] - (a + b * (i % width) + c * Math.floor(i / width))).sort();
  const median = above[Math.floor(above.length / 2)];
  return { a, b, c, floor: Math.max(0, median + 2 * (above[Math.floor(above.length * 0.75)] - median)) };
}

/**
 * Fits ink (width × height, 0 = background) into the 784 inputs: crop to the bounding box of the pixels
 * inked ≥ INK_THRESHOLD (but specks, in a picture of 56 px or more); scale the box, keeping its aspect
 * ratio, so its longer side is BOX ('digit') or FIELD ('item') pixels, averaging the covered source area for each target pixel (anti-aliased, grey levels
 * as in the data sets); place it, by the whole-pixel shift that comes nearest, with its centre of mass (in
 * pixel indices) at MASS_CENTRE ('digit') or its box in the middle of the field ('item'). Row-major; blank
 * gives zeros.
 */
export function fitInk(inked: Float32Array, width: number, height: number, fit: Fit): Float32Array {
  const out = new Float32Array(FIELD * FIELD);
  const inkedAt = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && inked[y * width + x] >= INK_THRESHOLD;
  // In a picture of at least twice the field, a speck (an inked pixel with fewer than two inked neighbours: camera
  // noise, a JPEG artefact, dust) does not stretch the box; a stroke's pixels, even a 1-px line's, have two.
  const specks = Math.max(width, height) >= 2 * FIELD;
  const neighbours = (x: number, y: number) => {
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && inkedAt(x + dx, y + dy)) n++;
    return n;
  };
  let x0 = width, x1 = -1, y0 = height, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inkedAt(x, y) || (specks && neighbours(x, y) < 2)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const side = fit === 'digit' ? BOX : FIELD;
  const s = side / Math.max(bw, bh);
  const tw = Math.max(1, Math.min(side, Math.round(bw * s)));
  const th = Math.max(1, Math.min(side, Math.round(bh * s)));
  // Separable box filter: rows to tw columns, then columns to th rows.
  const wx = boxWeights(bw, tw);
  const wy = boxWeights(bh, th);
  const rows = new Float32Array(bh * tw);
  for (let y = 0; y < bh; y++) {
    const src = (y0 + y) * width + x0;
    for (let tx = 0; tx < tw; tx++) {
      let acc = 0;
      for (const { index, weight } of wx[tx]) acc += weight * inked[src + index];
      rows[y * tw + tx] = acc;
    }
  }
  const small = new Float32Array(th * tw);
  let mass = 0, mx = 0, my = 0;
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      let acc = 0;
      for (const { index, weight } of wy[ty]) acc += weight * rows[index * tw + tx];
      const v = Math.min(1, acc);
      small[ty * tw + tx] = v;
      mass += v;
      mx += v * tx;
      my += v * ty;
    }
  }
  if (mass === 0) return out;
  const [left, top] = fit === 'digit'
    ? [Math.round(MASS_CENTRE - mx / mass), Math.round(MASS_CENTRE - my / mass)]
    : [Math.ceil((FIELD - tw) / 2), Math.ceil((FIELD - th) / 2)]; // an odd margin's extra pixel left and above, as Fashion-MNIST's
  for (let ty = 0; ty < th; ty++) {
    const y = top + ty;
    if (y < 0 || y >= FIELD) continue;
    for (let tx = 0; tx < tw; tx++) {
      const x = left + tx;
      if (x >= 0 && x < FIELD) out[y * FIELD + x] = small[ty * tw + tx];
    }
  }
  return out;
}

/** The draw pad's canvas (white ink on black, or on transparent) as the 784 inputs: an MNIST digit, or as `fit` says. */
export function toMnistInput(rgba: Uint8ClampedArray, width: number, height: number, fit: Fit = 'digit'): Float32Array {
  checkRgba('toMnistInput', rgba, width, height);
  return fitInk(ink(rgba, width, height, false), width, height, fit);
}

/**
 * A picture's ink per pixel, in [0, 1]: dark ink on light paper turned light on dark (see darkInk), the
 * paper's own ink (paperOf) taken off and the rest divided by the paper's light.
 */
export function pictureInk(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  checkRgba('pictureInk', rgba, width, height);
  const inked = ink(rgba, width, height, darkInk(rgba, width, height));
  const { a, b, c, floor } = paperOf(inked, width, height);
  if (a === 0 && b === 0 && c === 0 && floor === 0) return inked;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Ink on paper darkens it by a share of the paper's own light: off the paper's ink, over its light.
      const paper = Math.min(0.99, Math.max(0, a + b * x + c * y));
      const i = y * width + x;
      inked[i] = Math.min(1, Math.max(0, inked[i] - paper - floor) / (1 - paper));
    }
  }
  return inked;
}

/**
 * An image file's pixels (RGBA) as the 784 inputs: its ink (pictureInk), as it is when the image is already
 * 28×28, else fitted as `fit` says.
 */
export function pictureInput(rgba: ArrayLike<number>, width: number, height: number, fit: Fit): Float32Array {
  checkRgba('pictureInput', rgba, width, height);
  const inked = pictureInk(rgba, width, height);
  return width === FIELD && height === FIELD ? inked : fitInk(inked, width, height, fit);
}

/**
 * RGBA pixels turned as their EXIF orientation (1–8) says they are to be shown: a phone stores a portrait photo
 * sideways with orientation 6. 1 (or anything else) is as stored; 5–8 swap width and height.
 */
export function orientRgba(rgba: Uint8Array, width: number, height: number, orientation: number): { rgba: Uint8Array; width: number; height: number } {
  checkRgba('orientRgba', rgba, width, height);
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return { rgba, width, height };
  const swap = orientation >= 5;
  const [w, h] = swap ? [height, width] : [width, height];
  // For each shown pixel (x, y), the stored pixel it comes from.
  const from: Record<number, (x: number, y: number) => [number, number]> = {
    2: (x, y) => [width - 1 - x, y],
    3: (x, y) => [width - 1 - x, height - 1 - y],
    4: (x, y) => [x, height - 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [y, height - 1 - x],
    7: (x, y) => [width - 1 - y, height - 1 - x],
    8: (x, y) => [width - 1 - y, x],
  };
  const source = from[orientation];
  const out = new Uint8Array(rgba.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = source(x, y);
      out.set(rgba.subarray((sy * width + sx) * 4, (sy * width + sx) * 4 + 4), (y * w + x) * 4);
    }
  }
  return { rgba: out, width: w, height: h };
}
