// "Inside the model" in <mnist-trainer>: train a tiny CNN, draw a digit on the pad, open the section and
// find one canvas per hidden layer with its output's channel count, the first convolution's four filters, and
// the output's probabilities (those predict gives) as a table; a test image as the source; and the refresh after
// each epoch while open (once per epoch), none while closed; a loaded model looked at and asked about the drawing at
// once; 1×1 maps and single filters, maps and values.
import { resolveModel, type ModelSpec } from '../../src/engine/model';
import { Trainer } from '../../src/engine/trainer';
import type { MtDrawPad } from '../../src/components/draw-pad';
import type { MtInsideView } from '../../src/components/inside-view';
import { assert, assertBitEqual, assertEqual } from '../util/assert';
import { setLocale } from '../../src/components/i18n';
import '../../src/components/inside-view';
import { mount, shadow, until } from './util';

const MODEL: ModelSpec = {
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
};
const TINY = { model: JSON.stringify(MODEL), 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '7' };

async function drawDigit(el: HTMLElement): Promise<Float32Array> {
  const results = shadow(el as never).querySelector('mt-results')!;
  await results.updateComplete;
  const pad = results.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
  await pad.updateComplete;
  const c = pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement;
  c.scrollIntoView();
  const r = c.getBoundingClientRect();
  const at = (fx: number, fy: number) => ({ clientX: r.left + fx * r.width, clientY: r.top + fy * r.height, pointerId: 3, pointerType: 'pen', button: 0, buttons: 1, bubbles: true });
  const answered = new Promise<Float32Array>((resolve) => el.addEventListener('prediction', (e) => resolve((e as CustomEvent<{ input: Float32Array }>).detail.input), { once: true }));
  // A "7": a bar across the top and a stroke down to the bottom left.
  c.dispatchEvent(new PointerEvent('pointerdown', at(0.25, 0.2)));
  c.dispatchEvent(new PointerEvent('pointermove', at(0.75, 0.2)));
  c.dispatchEvent(new PointerEvent('pointermove', at(0.4, 0.85)));
  c.dispatchEvent(new PointerEvent('pointerup', at(0.4, 0.85)));
  return answered;
}

describe('<mnist-trainer>: inside the model', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('shows one canvas per layer with its channels, the first layer’s 4 filters, and the drawn digit’s probabilities', async () => {
    const el = await mount(TINY);
    assert(await el.train(), 'the run finished');
    await el.updateComplete;
    const input = await drawDigit(el);

    const details = shadow(el).querySelector<HTMLDetailsElement>('details[part~="inside"]')!;
    assert(details && !details.open, 'a closed "Inside the model" section');
    details.querySelector('summary')!.click();
    const view = () => shadow(el).querySelector<MtInsideView>('mt-inside-view');
    await until(() => !!view()?.inspection, 'the inspection');
    await el.inside.settled();
    await view()!.updateComplete;
    const root = view()!.shadowRoot!;

    const layers = resolveModel(MODEL, [28, 28, 1], 10).layers;
    const canvases = [...root.querySelectorAll<HTMLElement>('[data-layer]')] as HTMLCanvasElement[];
    assertEqual(canvases.map((c) => c.tagName).join(), 'CANVAS,CANVAS,CANVAS,TABLE', 'a canvas per hidden layer, a table for the output');
    canvases.forEach((c, i) => {
      const l = layers[i];
      assertEqual(c.dataset.layer, l.name, `canvas ${i}: layer`);
      assertEqual(Number(c.dataset.channels), l.outShape[l.outShape.length - 1], `${l.name}: channels`);
      const caption = c.closest('figure')!.querySelector('figcaption')!.textContent!;
      assert(caption.startsWith(l.name), `${l.name}: caption "${caption}"`);
      if (c.tagName !== 'CANVAS') return;
      assert(c.width > 1 && c.height > 1, `${l.name}: drawn (${c.width}×${c.height})`);
      assertEqual(c.getAttribute('aria-label'), caption, `${l.name}: text alternative`);
    });
    assertEqual(JSON.stringify(canvases.map((c) => c.dataset.channels)), '["4","4","676","10"]', 'channels of conv, pool, flatten, dense');
    const filters = root.querySelector<HTMLCanvasElement>('canvas[data-filters]')!;
    assertEqual(filters.dataset.filters, '4', 'the filter canvas shows 4 filters');
    assert(/4 filters of conv2d_1 \(3×3\)/.test(filters.getAttribute('aria-label')!), filters.getAttribute('aria-label')!);
    // Some map of the convolution is not blank: the digit is seen.
    const pixels = canvases[0].getContext('2d')!.getImageData(0, 0, canvases[0].width, canvases[0].height).data;
    assert(pixels.some((v, i) => i % 4 === 0 && v > 0), 'a feature map has light pixels');

    // The drawing was the source: the output is what predict says of it.
    const probs = await el.controller.trainer!.predict(input);
    assertBitEqual(view()!.inspection!.probabilities, probs, 'probabilities of the drawn digit');
    const best = probs.indexOf(Math.max(...probs));
    const rows = [...canvases[3].querySelectorAll('tbody tr')];
    assertEqual(rows.length, 10, 'a row per class');
    assertEqual(rows.findIndex((r) => r.classList.contains('top')), best, 'the most likely class marked');
    assertEqual(rows[best].querySelector('th')!.textContent, String(best), 'named');
    assert(canvases[3].closest('figure')!.textContent!.includes(`most likely ${best} (`), 'and said in the caption');
    assert(/your drawing/.test(root.querySelector('canvas.input')!.getAttribute('aria-label')!), 'the input shown is the drawing');

    // A test image by number.
    const index = shadow(el).querySelector<HTMLInputElement>('.inside-source input[type="number"]')!;
    index.value = '5';
    index.dispatchEvent(new Event('change'));
    await until(() => /test image 5,/.test(view()?.input?.caption ?? ''), 'test image 5 inspected');
    const test = el.controller.data.dataset!.test;
    assertBitEqual(view()!.inspection!.probabilities, await el.controller.trainer!.predict(test.images.subarray(5 * 784, 6 * 784)), 'probabilities of test image 5');
    // A number that is no image's gives image 0, and the box says so, also when image 0 is shown already.
    for (const typed of ['-3', '2.5']) {
      index.value = typed;
      index.dispatchEvent(new Event('change'));
      await until(() => /test image 0,/.test(view()?.input?.caption ?? ''), `${typed}: test image 0 inspected`);
      await el.updateComplete;
      assertEqual(index.value, '0', `${typed}: the box shows the image inspected`);
    }
  });

  it('refreshes once per epoch while open and training, never while closed', async () => {
    const el = await mount({ ...TINY, epochs: '2' });
    const calls: number[] = [];
    const inspect = Trainer.prototype.inspect;
    Trainer.prototype.inspect = function (this: Trainer, image) {
      calls.push(this.epoch);
      return inspect.call(this, image);
    };
    try {
      el.inside.setOpen(true);
      await el.train();
      await el.inside.settled();
      assertEqual(JSON.stringify(calls), '[1,2]', 'one inspection after each epoch');
      assert(shadow(el).querySelector<MtInsideView>('mt-inside-view')!.inspection, 'shown');
      el.inside.setOpen(false);
      calls.length = 0;
      await el.train();
      assertEqual(calls.length, 0, 'no inspection while closed');
    } finally {
      Trainer.prototype.inspect = inspect;
    }
  });

  it('looks at a loaded model at once while open, re-asks the pad about its drawing, and drops a cleared drawing', async () => {
    const other = await mount({ ...TINY, seed: '9' });
    await other.train();
    const file = (await other.save())!;
    other.remove();
    const el = await mount(TINY);
    await el.train();
    await el.updateComplete;
    const input = await drawDigit(el);
    el.inside.setOpen(true);
    const view = () => shadow(el).querySelector<MtInsideView>('mt-inside-view');
    await until(() => !!view()?.inspection, 'the inspection');
    const pad = () => shadow(el).querySelector('mt-results')!.shadowRoot!.querySelector('mt-draw-pad') as MtDrawPad;
    const answered = new Promise<Float32Array>((resolve) => el.addEventListener('prediction', (e) => resolve((e as CustomEvent<{ probabilities: Float32Array }>).detail.probabilities), { once: true }));
    await el.load(file);
    const loaded = el.controller.trainer!;
    // The pad asks the loaded model about the drawing still on it; the open view looks at the loaded model.
    assertBitEqual(await answered, await loaded.predict(input), "the pad's answer is the loaded model's");
    await until(() => !!view()?.inspection, 'an inspection of the loaded model (the first one is hidden once another model is there)');
    await el.inside.settled();
    assertBitEqual(view()!.inspection!.probabilities, await loaded.predict(input), "the view's is the loaded model's, without Refresh");
    // Clear: the drawing is gone from the view too.
    pad().shadowRoot!.querySelector<HTMLButtonElement>('[part="clear"]')!.click();
    await until(() => /test image 0,/.test(view()?.input?.caption ?? ''), 'test image 0 instead of the cleared drawing');
    assert(shadow(el).querySelector<HTMLInputElement>('.inside-source input[value="drawn"]')!.disabled, '"Your drawing" disabled');
  });

  it('draws 1×1 maps on the layer\'s scale (not black) and captions one filter, map or value in the singular', async () => {
    const v = (...xs: number[]) => Float32Array.from(xs);
    const view = document.createElement('mt-inside-view');
    view.inspection = {
      layers: [
        { index: 0, name: 'conv2d_1', type: 'conv2d', shape: [3, 3, 1], values: v(0, 1, 2, 3, 4, 5, 6, 7, 8) },
        { index: 1, name: 'conv2d_2', type: 'conv2d', shape: [1, 1, 4], values: v(-0.036, -0.118, -0.13, -0.114) },
        { index: 2, name: 'dense_1', type: 'dense', shape: [1], values: v(0.5) },
        { index: 3, name: 'dense_2', type: 'dense', shape: [2], values: v(0.4, 0.6) },
      ],
      logits: v(0, 1), probabilities: v(0.4, 0.6),
      filters: { layer: 'conv2d_1', shape: [3, 3, 1, 1], values: v(1, 2, 3, 4, 5, 6, 7, 8, 9) },
    };
    document.body.append(view);
    try {
      await view.updateComplete;
      const c = [...view.shadowRoot!.querySelectorAll<HTMLCanvasElement>('[data-layer]')];
      const label = (x: Element) => x.closest('figure')!.querySelector('figcaption')!.textContent!;
      assertEqual(label(c[0]), 'conv2d_1 (3×3×1): one feature map of 3×3, scaled from its minimum (black) to maximum (white)', 'one map');
      assertEqual(label(c[1]), 'conv2d_2 (1×1×4): 4 maps of 1×1, on one scale for the layer: black lowest, white highest', '1×1 maps');
      assertEqual(label(c[2]), 'dense_1 (1): one value as a bar', 'one value');
      assert(/^The one filter of conv2d_1 \(3×3\)/.test(view.shadowRoot!.querySelector('canvas[data-filters]')!.getAttribute('aria-label')!), 'one filter');
      // Each 1×1 map's centre pixel: grey levels of the four values on the layer's range, the highest white, the lowest black.
      const side = c[1].height;
      const ctx = c[1].getContext('2d')!;
      const levels = [0, 1, 2, 3].map((k) => ctx.getImageData(k * (c[1].width + 3) / 4 + side / 2, side / 2, 1, 1).data[0]);
      assertEqual(JSON.stringify(levels), JSON.stringify([255, 33, 0, 43]), 'levels on [-0.13, -0.036]');
    } finally {
      view.remove();
    }
  });

  it('draws a made-up inspection without a GPU: maps, a strip, bars and probabilities, captioned in Russian', async () => {
    const v = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
    const probs = v(3, (i) => [0.1, 0.875, 0.025][i]);
    const view = document.createElement('mt-inside-view');
    view.classNames = ['ноль', 'один', 'два'];
    view.inspection = {
      layers: [
        { index: 0, name: 'conv2d_1', type: 'conv2d', shape: [4, 4, 2], values: v(32, (i) => i % 7) },
        { index: 1, name: 'flatten_1', type: 'flatten', shape: [200], values: v(200, (i) => i) },
        { index: 2, name: 'dense_1', type: 'dense', shape: [5], values: v(5, (i) => i - 2) },
        { index: 3, name: 'dense_2', type: 'dense', shape: [3], values: probs },
      ],
      logits: v(3, Math.log), probabilities: probs,
      filters: { layer: 'conv2d_1', shape: [3, 3, 1, 2], values: v(18, (i) => i - 9) },
    };
    await setLocale('ru');
    try {
      document.body.append(view);
      await view.updateComplete;
      const c = [...view.shadowRoot!.querySelectorAll<HTMLCanvasElement>('[data-layer]')];
      assertEqual(JSON.stringify(c.map((x) => `${x.dataset.kind}:${x.dataset.channels}`)), '["maps:2","vector:200","vector:5","output:3"]', 'kinds and channels');
      assertEqual(`${c[0].width}×${c[0].height}`, `${2 * 4 * 14 + 3}×${4 * 14}`, 'two 4×4 maps scaled ×14 with a gap');
      assertEqual(`${c[1].width}×${c[1].height}`, '256×16', 'a strip of 4 rows of 64 cells');
      const caption = c[3].closest('figure')!.querySelector('figcaption')!.textContent!;
      assert(/наиболее вероятен класс один \(87,5\s?%\)/.test(caption), caption);
      const rows = [...c[3].querySelectorAll('tbody tr')].map((r) => [...r.children].map((x) => x.textContent!.trim()).join('|'));
      assertEqual(rows.join(' / ').replace(/\s/g, ' '), 'ноль||10 % / один||87,5 % / два||2,5 %', 'the probabilities as text, in the page\'s language');
      const bar = c[3].querySelector<HTMLElement>('tr.top .bar span')!;
      assertEqual(bar.style.width, '87.5%', 'the bar as long as the probability');
      assert(/карты признаков/.test(c[0].getAttribute('aria-label')!), c[0].getAttribute('aria-label')!);
      assertEqual(view.shadowRoot!.querySelector<HTMLCanvasElement>('canvas[data-filters]')!.dataset.filters, '2', 'filters');
    } finally {
      view.remove();
      await setLocale('en');
    }
  });
});
