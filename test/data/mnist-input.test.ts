// Pictures to model inputs (src/data/mnist-input.ts): which of dark or light is the ink, a 28×28 picture taken
// as it is, and the two fits — an MNIST digit (longer side 20, centred by mass) and a Fashion-MNIST item
// (longer side 28, centred by its box). The draw pad's toMnistInput is tested with <mt-results>.
import { FIELD, INK_THRESHOLD, darkInk, fitFor, fitInk, orientRgba, paperOf, pictureInk, pictureInput, type Fit } from '../../src/data/mnist-input';
import { Rng } from '../../src/engine/random';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, loadDataset } from '../../src/data/sources';
import type { ImageSet } from '../../src/data/idx';
import { assert, assertClose, assertEqual, assertRejects } from '../util/assert';
import { loadMnist } from '../engine/fixtures';

/** An RGBA picture filled with `paper` (grey level, alpha), with rectangles [x, y, w, h] of `pen`. */
function picture(w: number, h: number, paper: [number, number], pen: [number, number], rects: [number, number, number, number][]): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  const put = (i: number, [grey, alpha]: [number, number]) => rgba.set([grey, grey, grey, alpha], i * 4);
  for (let i = 0; i < w * h; i++) put(i, paper);
  for (const [rx, ry, rw, rh] of rects) for (let y = ry; y < ry + rh; y++) for (let x = rx; x < rx + rw; x++) put(y * w + x, pen);
  return rgba;
}

/** Row/column range of the non-zero inputs. */
function box(v: Float32Array): [number, number, number, number] {
  let top = FIELD, bottom = -1, left = FIELD, right = -1;
  v.forEach((p, i) => {
    if (p === 0) return;
    const x = i % FIELD, y = Math.floor(i / FIELD);
    top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
  });
  return [top, bottom, left, right];
}

describe('picture inputs', () => {
  it('tells dark ink from light ink by the border: opaque paper, or transparent paper and the opaque strokes', () => {
    const bar: [number, number, number, number][] = [[10, 5, 4, 30]];
    assertEqual(darkInk(picture(40, 40, [250, 255], [10, 255], bar), 40, 40), true, 'black on white');
    assertEqual(darkInk(picture(40, 40, [5, 255], [240, 255], bar), 40, 40), false, 'white on black');
    assertEqual(darkInk(picture(40, 40, [0, 0], [20, 255], bar), 40, 40), true, 'black on transparent');
    assertEqual(darkInk(picture(40, 40, [255, 0], [230, 255], bar), 40, 40), false, 'white on transparent (white transparent paper)');
    assertEqual(darkInk(picture(1, 1, [200, 255], [0, 0], []), 1, 1), true, 'one light pixel is paper');
  });

  it('takes a 28×28 picture as it is, dark ink turned light: the same input whichever way it was drawn', () => {
    const rects: [number, number, number, number][] = [[6, 4, 3, 20], [6, 21, 14, 3]];
    const light = pictureInput(picture(28, 28, [0, 255], [200, 255], rects), 28, 28, 'digit');
    const dark = pictureInput(picture(28, 28, [255, 255], [55, 255], rects), 28, 28, 'digit');
    assertClose(dark, light, { atol: 1e-6, rtol: 0 }, 'inverted');
    assertEqual(box(light).join(), '4,23,6,19', 'not moved or scaled');
    assertClose(light.filter((v) => v > 0), new Float32Array(light.filter((v) => v > 0).length).fill(200 / 255), { atol: 1e-6, rtol: 0 }, 'grey level kept');
  });

  it('fits a larger picture as a digit (longer side 20, centre of mass at 14) or as an item (longer side 28, box centred)', () => {
    // A 100×50 bar of dark ink on white paper, in a 300×200 photo.
    const rgba = picture(300, 200, [255, 255], [0, 255], [[150, 20, 100, 50]]);
    // Its centre of mass, (9.5, 4.5) in the bar, lands on (14.5, 14.5): the nearest whole-pixel shift to MNIST's (14, 14).
    assertEqual(box(pictureInput(rgba, 300, 200, 'digit')).join(), '10,19,5,24', 'digit: 20×10 at MNIST\'s centre of mass');
    assertEqual(box(pictureInput(rgba, 300, 200, 'item')).join(), '7,20,0,27', 'item: 28×14, centred');
    const ink = new Float32Array(60 * 60);
    for (let y = 0; y < 60; y++) for (let x = 0; x < 30; x++) ink[y * 60 + x] = x < 10 ? 1 : 0.2; // heavy on the left
    const digit = box(fitInk(ink, 60, 60, 'digit'));
    const item = box(fitInk(ink, 60, 60, 'item'));
    assertEqual(item.join(), '0,27,7,20', 'item: the box centred, whatever the mass');
    assert(digit[2] > 9 && digit[3] - digit[2] === 9, `digit: 10 wide, right of the box-centred 9 to centre the mass (${digit})`);
    assert(fitInk(new Float32Array(9), 3, 3, 'item').every((v) => v === 0), 'blank');
  });

  /** Relative L2 distances between each of the first n test images and its 8× larger print, dark on white, read back. */
  function printedAndRead(test: ImageSet, n: number, fit: Fit): number[] {
    const S = 8, M = 40, W = 28 * S + 2 * M;
    return Array.from({ length: n }, (_, i) => {
      const px = test.images.subarray(i * 784, (i + 1) * 784);
      const rgba = new Uint8Array(W * W * 4).fill(255);
      for (let y = 0; y < 28 * S; y++) for (let x = 0; x < 28 * S; x++) rgba.fill(255 - px[Math.floor(y / S) * 28 + Math.floor(x / S)], ((y + M) * W + x + M) * 4, ((y + M) * W + x + M) * 4 + 3);
      const v = pictureInput(rgba, W, W, fit);
      let d = 0, m = 0;
      for (let k = 0; k < 784; k++) { d += (v[k] - px[k] / 255) ** 2; m += (px[k] / 255) ** 2; }
      return Math.sqrt(d / m);
    });
  }

  it('gives back MNIST\'s own test digits from 8× larger prints of them, dark on white paper (its centring convention)', async () => {
    const rel = printedAndRead((await loadMnist()).test, 200, 'digit');
    // A digit one pixel off is ≥ 0.3 away; the rest is the bounding box's faint fringe (INK_THRESHOLD).
    assertEqual(rel.map((r, i) => (r > 0.05 ? `${i}: ${r.toFixed(3)}` : '')).filter(Boolean).join(', '), '', 'every digit where MNIST put it');
    const exact = rel.filter((r) => r < 1e-6).length;
    assert(exact >= 170, `${exact} of 200 exactly MNIST's pixels`);
  });

  it('gives back most of Fashion-MNIST\'s test items from prints of them, fitted as items (an odd margin\'s extra pixel left and above)', async () => {
    // Its items were boxed by any ink, ours by INK_THRESHOLD: an item with a faint edge comes back a little larger.
    const rel = printedAndRead((await loadDataset('/data/fashion-mnist/')).test, 200, 'item');
    const exact = rel.filter((r) => r < 1e-6).length;
    assert(exact >= 170, `${exact} of 200 exactly Fashion-MNIST's pixels`);
  });

  it('takes photographed paper off: a plane for light from one side, a floor for its texture', () => {
    const W = 300, H = 200;
    const L: [number, number, number, number][] = [[120, 40, 40, 130], [120, 150, 100, 20]];
    const inL = (x: number, y: number) => L.some(([rx, ry, rw, rh]) => x >= rx && x < rx + rw && y >= ry && y < ry + rh);
    const clean = new Float32Array(W * H);
    assertEqual(JSON.stringify(paperOf(clean, W, H)), JSON.stringify({ a: 0, b: 0, c: 0, floor: 0 }), 'clean paper');
    // Grey paper lit from the right (its ink 0.35 at the left edge, 0.15 at the right), ±0.04 of texture, and a dark
    // L of ink that takes 85% of the paper's light.
    const rng = new Rng(5);
    const rgba = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const light = 0.65 + (0.2 * x) / (W - 1) + (rng.int(0, 20) - 10) / 255;
        const bar = inL(x, y);
        const v = Math.round(255 * light * (bar ? 0.15 : 1));
        rgba.set([v, v, v, 255], (y * W + x) * 4);
      }
    }
    const paper = paperOf(Float32Array.from({ length: W * H }, (_, i) => 1 - rgba[i * 4] / 255), W, H);
    assertClose(Float32Array.of(paper.a, paper.b * (W - 1), paper.c * (H - 1)), Float32Array.of(0.35, -0.2, 0), { atol: 0.01, rtol: 0 }, 'the plane: 0.35 at the left, 0.2 less at the right, flat down');
    assert(paper.floor > 0.02 && paper.floor < 0.08, `a floor over the texture (${paper.floor})`);
    const inked = pictureInk(rgba, W, H);
    const stray = inked.filter((v, i) => v >= INK_THRESHOLD && !inL(i % W, Math.floor(i / W))).length;
    assertEqual(stray, 0, 'no ink left on the paper (none that counts: at most INK_THRESHOLD)');
    const barInk = inked[100 * W + 140];
    assert(barInk > 0.75 && barInk <= 1, `the L's ink over the paper's light (${barInk})`);
    assertEqual(box(pictureInput(rgba, W, H, 'digit')).join(), box(pictureInput(picture(W, H, [255, 255], [0, 255], L), W, H, 'digit')).join(), 'fitted as the same L on clean paper');
  });

  it('ignores specks (fewer than two inked neighbours) in a picture of 56 px or more, not in a smaller one', () => {
    const bar: [number, number, number, number] = [60, 50, 20, 60];
    const specks: [number, number, number, number][] = [[3, 3, 1, 1], [190, 20, 1, 1], [150, 190, 2, 1]];
    const withSpecks = pictureInput(picture(200, 200, [255, 255], [0, 255], [bar, ...specks]), 200, 200, 'digit');
    const without = pictureInput(picture(200, 200, [255, 255], [0, 255], [bar]), 200, 200, 'digit');
    assertClose(withSpecks, without, { atol: 0.02, rtol: 0 }, 'the same input, but for the specks\' own faint traces');
    assertEqual(box(withSpecks).join(), box(without).join(), 'the same box');
    // 40×40: a lone pixel is a stroke's worth of the picture, and counts: the box reaches it, so the bar, 20 px tall
    // alone, is scaled smaller.
    const small = pictureInput(picture(40, 40, [255, 255], [0, 255], [[10, 10, 10, 20], [38, 38, 1, 1]]), 40, 40, 'digit');
    const [top, bottom] = box(small);
    assert(bottom - top + 1 < 20, `the lone pixel stretches a small picture's box (rows ${top}–${bottom})`);
  });

  it('fits Fashion-MNIST\'s classes as items and anything else as digits', () => {
    assertEqual(fitFor(FASHION_MNIST_CLASSES), 'item', 'Fashion-MNIST');
    assertEqual(fitFor(MNIST_CLASSES), 'digit', 'MNIST');
    assertEqual(fitFor(FASHION_MNIST_CLASSES.slice(0, 9)), 'digit', 'other names');
  });

  it('turns pixels upright by their EXIF orientation', () => {
    // A 3×2 picture whose pixels are numbered 0–5 in their red channel:  0 1 2 / 3 4 5.
    const stored = Uint8Array.from({ length: 24 }, (_, i) => (i % 4 === 0 ? i / 4 : 255));
    const shown = (o: number) => {
      const r = orientRgba(stored, 3, 2, o);
      const rows = Array.from({ length: r.height }, (_, y) => Array.from({ length: r.width }, (_, x) => r.rgba[(y * r.width + x) * 4]).join(''));
      return rows.join('/');
    };
    // As EXIF 2.3 defines them: what the viewer shows for each stored orientation.
    const expected: Record<number, string> = { 1: '012/345', 2: '210/543', 3: '543/210', 4: '345/012', 5: '03/14/25', 6: '30/41/52', 7: '52/41/30', 8: '25/14/03' };
    for (const [o, rows] of Object.entries(expected)) assertEqual(shown(Number(o)), rows, `orientation ${o}`);
    assertEqual(shown(0), '012/345', 'no orientation: as stored');
    assert(orientRgba(stored, 3, 2, 6).rgba[3] === 255, 'alpha moves with its pixel');
  });

  it('rejects pixels that do not match the size', async () => {
    await assertRejects(() => pictureInput(new Uint8Array(10), 2, 2, 'digit'), /pictureInput: 2×2 RGBA needs 16 bytes, got 10/, 'length');
    await assertRejects(() => darkInk(new Uint8Array(0), 0, 1), /darkInk: size must be positive/, 'size');
  });
});
