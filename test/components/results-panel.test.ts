import { GALLERY_LIMIT, MtResults, toMnistInput } from '../../src/components/results-panel';
import { cellImages, misclassified } from '../../src/engine/metrics';
import type { MtDrawPad, PredictionDetail } from '../../src/components/draw-pad';
import { PAD_SIZE } from '../../src/components/draw-pad';
import { classificationReport } from '../../src/engine/metrics';
import type { Evaluation } from '../../src/engine/trainer';
import type { ImageSet } from '../../src/data/idx';
import { Rng } from '../../src/engine/random';
import { FASHION_MNIST_CLASSES } from '../../src/data/sources';
import { assert, assertClose, assertEqual, assertRejects } from '../util/assert';
import { until } from './util';

const NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The fixtures' probability of image i's predicted class: 0.3 to 0.9, in no order of i. */
const sureOf = (i: number) => 0.3 + (0.6 * ((i * 7) % 13)) / 12;

/** A test set of `labels.length` random 28×28 images and an Evaluation built from the predictions (probabilities: sureOf). */
function fixture(labels: number[], predictions: number[], C = 10): { set: ImageSet; ev: Evaluation } {
  const rng = new Rng(labels.length);
  const images = Uint8Array.from({ length: labels.length * 784 }, () => rng.int(0, 255));
  const confusion = new Uint32Array(C * C);
  labels.forEach((t, i) => confusion[t * C + predictions[i]]++);
  const report = classificationReport(confusion, C);
  const probabilities = new Float32Array(labels.length * C);
  predictions.forEach((p, i) => {
    probabilities.fill((1 - sureOf(i)) / (C - 1), i * C, (i + 1) * C);
    probabilities[i * C + p] = sureOf(i);
  });
  return {
    set: { images, labels: Uint8Array.from(labels), count: labels.length, rows: 28, cols: 28 },
    ev: { ...report, loss: 0.4321, topKAccuracy: 0.99, confusion, predictions: Uint32Array.from(predictions), probabilities },
  };
}

async function mount(props: Partial<Pick<MtResults, 'evaluation' | 'topK' | 'testSet' | 'classNames' | 'predict'>>): Promise<MtResults> {
  const el = document.createElement('mt-results');
  Object.assign(el, props);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/** [x, y] centre of mass of a 28×28 input in pixel indices (MNIST puts it at 14, 14), and the mass. */
function centreOfMass(v: Float32Array): [number, number, number] {
  let m = 0, x = 0, y = 0;
  for (let i = 0; i < 784; i++) { m += v[i]; x += v[i] * (i % 28); y += v[i] * Math.floor(i / 28); }
  return [x / m, y / m, m];
}

/** An opaque black RGBA canvas with white rectangles [x, y, w, h]. */
function canvas(w: number, h: number, rects: [number, number, number, number][]): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (const [rx, ry, rw, rh] of rects) {
    for (let y = ry; y < ry + rh; y++) for (let x = rx; x < rx + rw; x++) rgba.fill(255, (y * w + x) * 4, (y * w + x) * 4 + 3);
  }
  return rgba;
}

/** Row/column range of the non-zero inputs. */
function box(v: Float32Array): { top: number; bottom: number; left: number; right: number } {
  const b = { top: 28, bottom: -1, left: 28, right: -1 };
  v.forEach((p, i) => {
    if (p === 0) return;
    const x = i % 28, y = Math.floor(i / 28);
    b.top = Math.min(b.top, y); b.bottom = Math.max(b.bottom, y); b.left = Math.min(b.left, x); b.right = Math.max(b.right, x);
  });
  return b;
}

describe('toMnistInput', () => {
  it('gives all zeros for an empty canvas, opaque or transparent', () => {
    assert(toMnistInput(canvas(280, 280, []), 280, 280).every((v) => v === 0), 'opaque black');
    assert(toMnistInput(new Uint8ClampedArray(50 * 40 * 4), 50, 40).every((v) => v === 0), 'transparent');
  });

  it('scales a square in a corner to 20×20 and puts its centre of mass at MNIST\'s (14, 14) as near as whole pixels allow', () => {
    for (const [x, y, s] of [[10, 10, 40], [230, 5, 45], [0, 0, 5]]) {
      const v = toMnistInput(canvas(280, 280, [[x, y, s, s]]), 280, 280);
      const b = box(v);
      // Its centre of mass, 9.5 in the square, lands on 14.5: 14 is half a pixel away either way, and rounding goes down and right.
      assertEqual(JSON.stringify(b), JSON.stringify({ top: 5, bottom: 24, left: 5, right: 24 }), `box of square ${s} at ${x},${y}`);
      assertClose(v.filter((p) => p > 0), new Float32Array(400).fill(1), { atol: 1e-6, rtol: 0 }, 'solid ink stays 1');
    }
  });

  it('keeps the aspect ratio: a 100×50 bar becomes 20×10, centred', () => {
    const v = toMnistInput(canvas(280, 280, [[150, 200, 100, 50]]), 280, 280);
    assertEqual(JSON.stringify(box(v)), JSON.stringify({ top: 10, bottom: 19, left: 5, right: 24 }), 'box');
  });

  it('averages the covered area (a 1-px checkerboard becomes uniform grey) and centres by mass', () => {
    const rects: [number, number, number, number][] = [];
    for (let y = 0; y < 40; y++) for (let x = (y % 2); x < 40; x += 2) rects.push([60 + x, 30 + y, 1, 1]);
    const v = toMnistInput(canvas(200, 100, rects), 200, 100);
    assertClose(v.filter((p) => p > 0), new Float32Array(400).fill(0.5), { atol: 1e-6, rtol: 0 }, 'half grey');
    // An L shape: its mass is off its box's centre, so the box moves to put the mass at (14, 14).
    const l = toMnistInput(canvas(120, 120, [[10, 10, 10, 100], [10, 100, 80, 10]]), 120, 120);
    const [cx, cy, m] = centreOfMass(l);
    assert(m > 0 && Math.abs(cx - 14) <= 0.5 && Math.abs(cy - 14) <= 0.5, `L mass centre (${cx}, ${cy})`);
    assert(box(l).left > 4, 'L box shifted right of the plain 4-px margin');
  });

  it('rejects a buffer that does not match the size', async () => {
    await assertRejects(() => toMnistInput(new Uint8ClampedArray(10), 2, 2), /toMnistInput: 2×2 RGBA needs 16 bytes, got 10/, 'length');
    await assertRejects(() => toMnistInput(new Uint8ClampedArray(0), 0, 1), /toMnistInput: size must be positive/, 'size');
  });
});

describe('<mt-results>', () => {
  afterEach(() => document.querySelectorAll('mt-results').forEach((e) => e.remove()));

  const labels = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 9, 9, 5];
  const preds = [0, 0, 7, 1, 1, 2, 3, 2, 2, 3, 4, 9, 5];

  it('renders the confusion matrix with the counts, and class names on both axes', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, testSet: set, classNames: NAMES });
    const root = el.shadowRoot!;
    for (let t = 0; t < 10; t++) {
      for (let p = 0; p < 10; p++) {
        const td = root.querySelector(`td[data-true="${t}"][data-pred="${p}"]`)!;
        const expected = labels.filter((l, i) => l === t && preds[i] === p).length;
        assertEqual(td.textContent!.trim(), String(expected), `cell ${t},${p}`);
      }
    }
    const rowHeads = [...root.querySelectorAll('table.confusion tbody th')].map((th) => th.textContent!.trim());
    const colHeads = [...root.querySelectorAll('table.confusion thead tr:last-child th')].slice(1).map((th) => th.textContent!.trim());
    assertEqual(rowHeads.join(), NAMES.join(), 'row names');
    assertEqual(colHeads.join(), NAMES.join(), 'column names');
    assert(root.querySelector('[part="summary"]')!.textContent!.includes('0.4321'), 'loss shown');
    assert(!root.querySelector('[part="summary"]')!.textContent!.includes('top-'), 'no top-k without the metric');
  });

  it('shows the top-k accuracy when the run reported it', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, topK: 3, testSet: set, classNames: NAMES });
    const text = el.shadowRoot!.querySelector('[part="summary"]')!.textContent!.replace(/\s+/g, ' ');
    assert(text.includes('top-3 accuracy 99.0%'), `summary: ${text}`);
  });

  it('renders per-class precision, recall, F1, support and macro averages', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, testSet: set, classNames: NAMES });
    const cells = (sel: string) => [...el.shadowRoot!.querySelectorAll(`${sel} td`)].map((td) => td.textContent!.trim());
    // class 2: 4 images, 3 right (recall 75%); predicted 2 three times, all right (precision 100%)
    assertEqual(cells('tr[data-class="2"]').join(' '), '100.0% 75.0% 85.7% 4', 'class 2');
    // class 3: 1 image, found; predicted twice (precision 50%)
    assertEqual(cells('tr[data-class="3"]').join(' '), '50.0% 100.0% 66.7% 1', 'class 3');
    const macro = cells('tr.macro');
    assertEqual(macro[1], `${(ev.macro.precision * 100).toFixed(1)}%`, 'macro precision');
    assertEqual(macro[4], String(labels.length), 'total support');
  });

  it('saves metrics.json as the command line writes it and confusion.csv, with the names shown; metrics.json waits for a run to describe', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, testSet: set, classNames: NAMES });
    const button = (name: string) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="downloads"] button')].find((b) => b.textContent === name)!;
    assert(button('metrics.json').disabled && !button('confusion.csv').disabled, 'metrics.json disabled without .about');
    el.about = () => undefined;
    await el.updateComplete;
    assert(button('metrics.json').disabled, 'disabled while .about has no run to give');
    el.about = () => ({ dataset: 'digits', classNames: NAMES, model: 'mlp', adapter: 'test adapter', parameters: 1234, settings: { batchSize: 7 }, topK: true });
    await el.updateComplete;
    assert(!button('metrics.json').disabled, 'enabled with .about');
    const m = JSON.parse(await el.metricsFile().text());
    assertEqual(JSON.stringify([m.dataset, m.model, m.adapter, m.parameters, m.settings, m.test_loss, m.test_accuracy, m.test_top_k_accuracy]),
      JSON.stringify(['digits', 'mlp', 'test adapter', 1234, { batchSize: 7 }, 0.4321, ev.accuracy, 0.99]), 'the run and the figures');
    assertEqual(JSON.stringify(m.confusionMatrix.flat()), JSON.stringify(Array.from(ev.confusion)), 'the confusion matrix, row by row');
    assertEqual(m.perClass[3].name, 'three', 'per-class with names');
    // The mistakes (0→7, 2→3, 9→4 at images 2, 6, 10), surest first: the gallery's order.
    assertEqual(m.mistakes.count, 3, 'the mistakes counted');
    assertEqual(m.mistakes.surest.map((x: { index: number; labelName: string; predictedName: string }) => `${x.index}:${x.labelName}→${x.predictedName}`).join(), '10:nine→four,6:two→three,2:zero→seven', 'the surest first');
    const csv = (await el.confusionFile().text()).trim().split('\n');
    assertEqual(csv[0], 'true \\ predicted,zero,one,two,three,four,five,six,seven,eight,nine', 'header: the predicted classes');
    assertEqual(csv.length, 11, 'a row per true class');
    assertEqual(csv[1], `zero,${Array.from(ev.confusion.subarray(0, 10)).join(',')}`, 'row 0: its counts');
  });

  it('shows exactly the misclassified test images, the most confident first, with true → predicted names and the probability', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, testSet: set, classNames: NAMES });
    const figs = [...el.shadowRoot!.querySelectorAll('.gallery figure')];
    // The mistakes (0→7, 2→3, 9→4 at images 2, 6, 10) by the predicted class's probability: 0.55, 0.45, 0.35.
    const wrong = [10, 6, 2];
    assertEqual(JSON.stringify(wrong.map(sureOf).map((v) => v.toFixed(2))), '["0.55","0.45","0.35"]', 'the fixture\'s order');
    assertEqual(figs.length, wrong.length, 'gallery count');
    assertEqual(figs.map((f) => f.querySelector('figcaption')!.textContent!.replace(/\s+/g, ' ').trim()).join('|'),
      wrong.map((i) => `${NAMES[labels[i]]} → ${NAMES[preds[i]]}${(sureOf(i) * 100).toFixed(1)}%`).join('|'), 'captions');
    // Without probabilities (an Evaluation made elsewhere), in test-set order, without the percentages.
    const plain = await mount({ evaluation: { ...ev, probabilities: undefined as unknown as Float32Array }, testSet: set, classNames: NAMES });
    assertEqual([...plain.shadowRoot!.querySelectorAll('.gallery canvas')].map((c) => (c as HTMLCanvasElement).dataset.index).join(), '2,6,10', 'test-set order');
    // the canvas holds that test image's pixels
    const c = figs[1].querySelector('canvas')!;
    const px = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const i = wrong[1];
    assertEqual(Number(c.dataset.index), i, 'index');
    for (let k = 0; k < 784; k++) if (px[k * 4] !== set.images[i * 784 + k]) throw new Error(`pixel ${k} differs`);
  });

  it('a click on a matrix cell shows that cell\'s images (a diagonal one: the correct ones); again, or the button, goes back to the mistakes', async () => {
    const { set, ev } = fixture(labels, preds);
    const el = await mount({ evaluation: ev, testSet: set, classNames: NAMES });
    const root = el.shadowRoot!;
    const cellButton = (t: number, p: number) => root.querySelector<HTMLButtonElement>(`td[data-true="${t}"][data-pred="${p}"] button`);
    const captions = () => [...root.querySelectorAll('.gallery figcaption')].map((f) => f.textContent!.replace(/\s+/g, ' ').replace(/[\d.]+%/, '').trim());
    const heading = () => root.querySelector('[part="gallery"] h3')!.textContent!.trim();
    assertEqual(cellButton(4, 4), null, 'an empty cell is no button');
    assertEqual(cellButton(2, 3)!.getAttribute('aria-label'), 'True two, predicted three: 1 image (25.0% of the two row)', 'the button is named like the cell');
    cellButton(2, 2)!.click();
    await el.updateComplete;
    assertEqual(captions().join('|'), 'two → two|two → two|two → two', 'the three twos classified correctly');
    assertEqual(heading(), 'Test images of two classified correctly', 'heading');
    assertEqual(cellButton(2, 2)!.getAttribute('aria-pressed'), 'true', 'pressed');
    assert(root.querySelector('td[data-true="2"][data-pred="2"]')!.classList.contains('picked'), 'the cell is marked');
    const c = root.querySelector<HTMLCanvasElement>('.gallery canvas')!;
    assertEqual(Number(c.dataset.index), 7, 'the surest two first: test image 7 (0.80, then 5 at 0.75, 8 at 0.50)');
    const px = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
    for (let k = 0; k < 784; k++) if (px[k * 4] !== set.images[7 * 784 + k]) throw new Error(`pixel ${k} of image 7 differs`);
    cellButton(9, 4)!.click();
    await el.updateComplete;
    assertEqual(captions().join('|'), 'nine → four', 'one nine taken for a four');
    assertEqual(heading(), 'Test images of nine predicted as four', 'heading');
    assertEqual(cellButton(2, 2)!.getAttribute('aria-pressed'), 'false', 'one cell pressed at a time');
    // A new evaluation (the next epoch) keeps the cell.
    const next = fixture([...labels, 9], [...preds, 4]);
    el.evaluation = next.ev;
    el.testSet = next.set;
    await el.updateComplete;
    assertEqual(captions().join('|'), 'nine → four|nine → four', 'the cell\'s images after the next evaluation');
    assert(root.querySelector('[part="gallery"]')!.textContent!.includes('2 images, the most confident first.'), 'count stated');
    cellButton(9, 4)!.click();
    await el.updateComplete;
    assertEqual(heading(), 'Misclassified test images', 'pressed again: the mistakes');
    assertEqual(captions().length, misclassified(next.set.labels, next.ev.predictions).length, 'all mistakes again');
    cellButton(0, 7)!.click();
    await el.updateComplete;
    root.querySelector<HTMLButtonElement>('button.show-mistakes')!.click();
    await el.updateComplete;
    assertEqual(heading(), 'Misclassified test images', 'the button: the mistakes');
    assertEqual(root.querySelector('button.show-mistakes'), null, 'no button without a cell');
    assertEqual(cellImages([1, 2, 1, 1], [1, 1, 1, 0], 1, 1).join(), '0,2', 'cellImages');
  });

  it(`caps the gallery at ${GALLERY_LIMIT} and says how many there are`, async () => {
    const n = 130;
    const l = Array.from({ length: n }, (_, i) => i % 10);
    const { set, ev } = fixture(l, l.map((t, i) => (i % 2 ? (t + 1) % 10 : t)));
    const el = await mount({ evaluation: ev, testSet: set });
    assertEqual(el.shadowRoot!.querySelectorAll('.gallery figure').length, GALLERY_LIMIT, 'capped');
    assert(el.shadowRoot!.querySelector('[part="gallery"]')!.textContent!.includes('65 of 130'), 'total stated');
  });

  it('explains more predictions than test images, shows the first N under a test limit, and a missing evaluation', async () => {
    const { set, ev } = fixture(labels, preds);
    const more = { ...set, labels: set.labels.subarray(1), images: set.images.subarray(28 * 28), count: set.count - 1 };
    const el = await mount({ evaluation: ev, testSet: more });
    assert(/13 predictions but the test set has 12 images/.test(el.shadowRoot!.textContent!), 'mismatch message');
    // A test limit of 12: the evaluation's predictions are the first 12 images'.
    const limited = await mount({ evaluation: { ...ev, predictions: ev.predictions.subarray(0, 12) }, testSet: set });
    const wrong = misclassified(set.labels.subarray(0, 12), ev.predictions.subarray(0, 12));
    assert(wrong.length > 0, 'the fixture has mistakes among the first 12');
    assertEqual(limited.shadowRoot!.querySelectorAll('.gallery figure').length, wrong.length, 'gallery of the first 12 images');
    assert(!/predictions but the test set has/.test(limited.shadowRoot!.textContent!), 'no mismatch message under a test limit');
    const said = limited.shadowRoot!.querySelector('[part="gallery"]')!.textContent!;
    assert(said.includes(`${wrong.length} of 12 test images`), `counted among the 12 evaluated images, not the set's ${set.count}: ${said}`);
    const empty = await mount({});
    assert(/Results appear here/.test(empty.shadowRoot!.textContent!), 'placeholder');
    assert(empty.shadowRoot!.querySelector('mt-draw-pad'), 'draw pad present without an evaluation');
  });

  it('draw pad: a stroke in a corner is sent to predict as a centred 784-pixel input', async () => {
    const calls: Float32Array[] = [];
    const probs = Float32Array.from([0.01, 0.02, 0.03, 0.8, 0.02, 0.02, 0.03, 0.03, 0.02, 0.02]);
    const predict = async (x: Float32Array) => { calls.push(x); return probs; };
    const el = await mount({ predict, classNames: NAMES });
    const pad = el.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
    await pad.updateComplete;
    const c = pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const at = (fx: number, fy: number) => ({ clientX: r.left + fx * r.width, clientY: r.top + fy * r.height, pointerId: 7, pointerType: 'pen', button: 0, buttons: 1, bubbles: true });
    const answered = new Promise<PredictionDetail>((resolve) => el.addEventListener('prediction', (e) => resolve((e as CustomEvent<PredictionDetail>).detail), { once: true }));
    // an "L" in the top-left quarter: its centre of mass is off its bounding box's centre
    c.dispatchEvent(new PointerEvent('pointerdown', at(0.05, 0.05)));
    c.dispatchEvent(new PointerEvent('pointermove', at(0.05, 0.4)));
    c.dispatchEvent(new PointerEvent('pointermove', at(0.3, 0.4)));
    c.dispatchEvent(new PointerEvent('pointerup', at(0.3, 0.4)));
    const detail = await answered;
    assertEqual(calls.length, 1, 'predict calls');
    const x = calls[0];
    assert(x instanceof Float32Array && x.length === 784, `784 floats, got ${x.length}`);
    assert(x.every((v) => v >= 0 && v <= 1), 'values in [0, 1]');
    const [cx, cy, m] = centreOfMass(x);
    assert(m > 10 && Math.abs(cx - 14) <= 0.5 && Math.abs(cy - 14) <= 0.5, `mass ${m} centred at (${cx}, ${cy})`);
    assertEqual(detail.input, x, 'event carries the input');
    await pad.updateComplete;
    const bars = pad.shadowRoot!.querySelectorAll('li');
    assertEqual(bars.length, 10, 'one bar per class');
    assertEqual(pad.shadowRoot!.querySelector('li.top .name')!.textContent, 'three', 'top class highlighted');
    assert(/Prediction: three \(80\.0%\)/.test(pad.shadowRoot!.textContent!.replace(/\s+/g, ' ')), 'prediction line');
    // Clear blanks the pad and the bars
    (pad.shadowRoot!.querySelector('button[part="clear"]') as HTMLButtonElement).click();
    await pad.updateComplete;
    assertEqual(pad.shadowRoot!.querySelectorAll('li').length, 0, 'bars cleared');
    const blank = c.getContext('2d')!.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    assert(blank.every((v, i) => (i % 4 === 3 ? v === 255 : v === 0)), 'canvas black again');
  });

  it('draw pad: for Fashion-MNIST\'s classes a drawing fills the 28×28 field, centred, and the hint says so', async () => {
    const calls: Float32Array[] = [];
    const el = await mount({ predict: async (x) => { calls.push(x); return new Float32Array(10).fill(0.1); }, classNames: [...FASHION_MNIST_CLASSES] });
    const pad = el.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
    await pad.updateComplete;
    assert(/scaled to fill 28×28 and centred, as Fashion-MNIST/.test(pad.shadowRoot!.querySelector('#hint')!.textContent!), 'hint');
    const ctx = (pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement).getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(20, 40, 100, 200); // 1:2, off centre
    await pad.classify();
    assertEqual(JSON.stringify(box(calls[0])), JSON.stringify({ top: 0, bottom: 27, left: 7, right: 20 }), '14×28, in the middle');
  });

  /** A PNG of w×h: `paper` grey, with a rectangle [x, y, rw, rh] of `pen` grey. */
  async function png(w: number, h: number, paper: string, pen: string, [x, y, rw, rh]: number[]): Promise<Blob> {
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = pen;
    ctx.fillRect(x, y, rw, rh);
    return c.convertToBlob({ type: 'image/png' });
  }

  it('draw pad: a picture, opened or dropped, goes on the pad as light ink on black and is classified', async () => {
    const calls: Float32Array[] = [];
    const el = await mount({ predict: async (x) => { calls.push(x); return new Float32Array(10).fill(0.1); }, classNames: NAMES });
    const pad = el.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
    await pad.updateComplete;
    const canvas = pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement;
    // A photo-sized picture: a dark 100×300 bar on white paper, off centre.
    await pad.loadPicture(await png(1600, 1200, '#f4f4f4', '#101010', [200, 300, 100, 300]));
    assertEqual(calls.length, 1, 'classified');
    assertEqual(JSON.stringify(box(calls[0])), JSON.stringify({ top: 4, bottom: 23, left: 11, right: 17 }), 'a 7×20 bar at the centre');
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    assert(pixels[0] === 0 && pixels[4 * (114 * PAD_SIZE + 44)] > 200, 'the pad: black paper, the bar in light ink');
    // Dropped on the pad: the pad takes it, the trainer around it does not see the drop.
    let reachedHost = false;
    el.addEventListener('drop', () => { reachedHost = true; });
    const transfer = new DataTransfer();
    transfer.items.add(new File([await png(28, 28, '#000', '#fff', [10, 4, 8, 20])], 'digit.png', { type: 'image/png' }));
    const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, composed: true, cancelable: true });
    canvas.dispatchEvent(drop);
    await until(() => calls.length === 2, 'the dropped picture classified', 5000);
    assert(drop.defaultPrevented && !reachedHost, 'the drop is the pad\'s');
    assertEqual(JSON.stringify(box(calls[1])), JSON.stringify({ top: 5, bottom: 24, left: 11, right: 18 }), 'a 28×28 picture enlarged by whole pixels and fitted back: 8×20 around MNIST\'s centre of mass');
    // Something that is no picture: an error where the answer goes, nothing sent to the model.
    await pad.loadPicture(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }));
    await pad.updateComplete;
    assert(/The picture could not be read/.test(pad.shadowRoot!.querySelector('.answer')!.textContent!), 'error shown');
    assertEqual(calls.length, 2, 'no prediction for it');
    assert(pad.shadowRoot!.querySelector('button[part="open-picture"]') && pad.shadowRoot!.querySelector('input.picture[type="file"][accept="image/*"]'), 'Open a picture… and its file input');
  });

  it('draw pad: shows a failing predict as an error', async () => {
    const el = await mount({ predict: async () => { throw new Error('device lost'); } });
    const pad = el.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
    await pad.updateComplete;
    const ctx = (pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement).getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(100, 100, 30, 60);
    await pad.classify();
    await pad.updateComplete;
    assert(/Prediction failed: device lost/.test(pad.shadowRoot!.textContent!), 'error shown');
  });
});
