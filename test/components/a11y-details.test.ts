// The accessibility audit's smaller findings, each checked where it was found: reduced motion, placeholder
// contrast, the data-set URL's error linked to its field, the help buttons' names, the charts' keyboard legend
// and epoch ticks, the per-batch curve's contrast, focus rings in shaded cells and in the scrolling table,
// the Keras Copy's announcement, touch targets of at least 24 × 24 px, and headings that do not skip a level.
import { emulateMedia } from '@web/test-runner-commands';
import '../../src/components/index';
import { revealField } from '../../src/components/controls';
import { BATCH_ALPHA, type ChartRun, type MtCharts } from '../../src/components/charts';
import type { MtResults } from '../../src/components/results-panel';
import type { MtCompare, RunRecord } from '../../src/components/compare-runs';
import type { MtKerasCode } from '../../src/components/keras-code';
import { setLocale, getLocale } from '../../src/components/i18n';
import { classificationReport } from '../../src/engine/metrics';
import { emptyHistory } from '../../src/engine/trainer';
import { assert, assertEqual } from '../util/assert';
import { frames, mount, until } from './util';

/** A CSS colour as [r, g, b, a] (0–255), as a canvas resolves it. */
function rgba(css: string): number[] {
  const ctx = new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true })!;
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  return [...ctx.getImageData(0, 0, 1, 1).data];
}
/** `c` (with alpha, 0–1 in c[3] / 255 unless given) over `base`. */
const over = (c: number[], base: number[], alpha = c[3] / 255) => [0, 1, 2].map((i) => c[i] * alpha + base[i] * (1 - alpha));
const luminance = (c: number[]) => {
  const f = (v: number) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const contrast = (a: number[], b: number[]) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const THEMES: ['light' | 'dark', number[]][] = [['light', [255, 255, 255]], ['dark', [13, 17, 23]]];

describe('accessibility details', function () {
  this.timeout(60000);
  afterEach(async () => {
    document.querySelectorAll('mnist-trainer, mt-charts, mt-results, mt-compare, mt-keras-code, .test-box').forEach((e) => e.remove());
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    if (getLocale() !== 'en') await setLocale('en');
  });

  it('revealField scrolls smoothly, or at once where the user asked for reduced motion', async () => {
    const el = await mount({});
    const field = el.shadowRoot!.querySelector<HTMLElement>('#f-learning-rate')!;
    const seen: (ScrollIntoViewOptions | boolean | undefined)[] = [];
    field.scrollIntoView = (o?: ScrollIntoViewOptions | boolean) => { seen.push(o); };
    revealField(el.shadowRoot!, 'learningRate');
    await emulateMedia({ reducedMotion: 'reduce' });
    revealField(el.shadowRoot!, 'learningRate');
    assertEqual(seen.map((o) => (o as ScrollIntoViewOptions).behavior).join(), 'smooth,auto', 'smooth, then auto');
  });

  it('placeholders have at least 4.5:1 contrast in both themes', async () => {
    const el = await mount({});
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('#f-weight-decay')!;
    assert(input.placeholder, 'weight decay has a placeholder');
    for (const [scheme, bg] of THEMES) {
      await emulateMedia({ colorScheme: scheme });
      await frames(2);
      const ratio = contrast(over(rgba(getComputedStyle(input, '::placeholder').color), bg, Number(getComputedStyle(input, '::placeholder').opacity)), bg);
      assert(ratio >= 4.5, `${scheme}: ${ratio.toFixed(2)}:1`);
    }
  });

  it("the data-set URL's error is linked to its field (aria-describedby, aria-invalid)", async () => {
    const el = await mount({});
    const root = el.shadowRoot!;
    const select = root.querySelector<HTMLSelectElement>('#f-dataset')!;
    select.value = 'url';
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    const url = select.parentElement!.querySelector<HTMLInputElement>('input.wide')!;
    url.value = 'not a url';
    url.dispatchEvent(new Event('change'));
    await el.updateComplete;
    const error = root.querySelector('#f-dataset-error');
    assert(error?.textContent?.includes('not a url'), `the error: ${error?.textContent}`);
    assertEqual(url.getAttribute('aria-describedby'), 'f-dataset-error', 'described by it');
    assertEqual(url.getAttribute('aria-invalid'), 'true', 'invalid');
  });

  it('help buttons are named by their field\'s label as written, in English and in Russian', async () => {
    const el = await mount({});
    const name = (id: string) => el.shadowRoot!.querySelector(`#${id}`)!.parentElement!.querySelector('details.help summary')!.getAttribute('aria-label');
    assertEqual(name('f-learning-rate'), 'Help: Learning rate', 'a field');
    assertEqual(name('f-kernels'), 'Help: GEMM kernels', 'its case kept');
    assertEqual(name('f-dataset'), 'Help: Data set', 'the data set');
    el.lang = 'ru';
    await setLocale('ru');
    await el.updateComplete;
    assertEqual(name('f-train-limit'), 'Справка к полю «Число обучающих изображений»', 'Russian');
  });

  /** A chart run of `epochs` epochs with 4 batches each (the smoothed per-batch loss too). */
  function chartRun(epochs: number): ChartRun {
    const history = emptyHistory();
    history.loss = Array.from({ length: epochs }, (_, i) => 0.5 / (i + 1));
    history.test_loss = history.loss.map((v) => v * 1.1);
    history.accuracy = history.loss.map((v) => 1 - v);
    history.test_accuracy = history.accuracy;
    const step = Array.from({ length: 4 * epochs }, (_, i) => i + 1);
    return { label: 'this run', history, batchLoss: { step, loss: step.map((s) => 1 / s) }, stepsPerEpoch: 4 };
  }
  async function charts(current: ChartRun): Promise<MtCharts> {
    const el = document.createElement('mt-charts');
    el.current = current;
    document.body.append(el);
    await until(() => !!el.lossPlot && !!el.accuracyPlot, 'the plots');
    await frames(2);
    return el;
  }

  it('the legend entries are toggle buttons for the keyboard, and a hidden curve is not read out as a value', async () => {
    const el = await charts(chartRun(2));
    const entries = () => [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="loss"] .u-legend tr.u-series th')].slice(1);
    const label = () => el.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')!;
    assertEqual(entries().map((th) => `${th.tabIndex} ${th.getAttribute('role')} ${th.getAttribute('aria-pressed')}`).join(', '),
      '0 button true, 0 button true, 0 button true', 'train, test, per batch: focusable, pressed');
    const test = entries()[1];
    test.focus();
    test.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await el.updateComplete;
    assert(el.lossPlot!.series[2].show === false && test.getAttribute('aria-pressed') === 'false', 'Enter hides the test loss');
    assert(label().includes('test loss curve hidden') && !label().includes('test loss 0.'), label());
    el.overlays = [{ label: 'Run 1', history: chartRun(1).history }]; // a new series list: the plots are rebuilt
    await until(() => el.lossPlot!.series.length === 6, 'the rebuilt plot');
    assert(el.lossPlot!.series[2].show === false && entries()[1].getAttribute('aria-pressed') === 'false', 'still hidden after a rebuild');
    entries()[1].dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true, cancelable: true }));
    await el.updateComplete;
    assert(el.lossPlot!.series[2].show !== false && !label().includes('hidden'), `Space shows it again: ${label()}`);
  });

  it('after one epoch both charts span epochs 0–1, with ticks at whole or half epochs', async () => {
    const el = await charts(chartRun(1));
    for (const plot of [el.lossPlot!, el.accuracyPlot!]) {
      assertEqual(`${plot.scales.x.min} ${plot.scales.x.max}`, '0 1', 'the x range');
      const splits = (plot.axes[0] as unknown as { _splits: number[] })._splits;
      assert(splits.every((s) => Number.isInteger(s * 2)), `ticks ${splits.join()}`);
    }
  });

  it('the smoothed per-batch loss has at least 3:1 contrast in both themes, and a dashed legend marker', async () => {
    const el = await charts(chartRun(2));
    for (const [scheme, bg] of THEMES) {
      await emulateMedia({ colorScheme: scheme });
      await frames(2);
      const train = rgba(getComputedStyle(el).getPropertyValue('--_train').trim());
      const ratio = contrast(over(train, bg, BATCH_ALPHA), bg);
      assert(ratio >= 3, `${scheme}: ${ratio.toFixed(2)}:1`);
    }
    const marker = el.shadowRoot!.querySelectorAll<HTMLElement>('[part="loss"] .u-legend tr.u-series')[3].querySelector<HTMLElement>('.u-marker')!;
    assertEqual(getComputedStyle(marker).borderTopStyle, 'dashed', 'the per-batch marker');
  });

  it("a confusion-matrix cell's focus ring has 3:1 against the cell on every shade, light and dark", async () => {
    const confusion = new Uint32Array(100);
    for (let t = 0; t < 10; t++) { confusion[t * 10 + t] = 10 - t; confusion[t * 10 + ((t + 1) % 10)] = t; }
    const report = classificationReport(confusion, 10);
    const panel = document.createElement('mt-results') as MtResults;
    panel.evaluation = { ...report, loss: 0.4, topKAccuracy: 1, confusion, predictions: new Uint32Array(0), probabilities: new Float32Array(0) };
    const box = document.createElement('div');
    box.className = 'test-box';
    box.append(panel);
    document.body.append(box);
    await panel.updateComplete;
    for (const [scheme, bg] of THEMES) {
      await emulateMedia({ colorScheme: scheme });
      box.style.background = `rgb(${bg.join(',')})`;
      await frames(2);
      let worst = Infinity;
      for (const b of panel.shadowRoot!.querySelectorAll<HTMLButtonElement>('table.confusion td button')) {
        b.focus();
        const style = getComputedStyle(b);
        const cell = over(rgba(getComputedStyle(b.closest('td')!).backgroundColor), bg);
        const inner = /rgba?\([^)]*\)/.exec(style.boxShadow)?.[0] ?? 'transparent';
        worst = Math.min(worst, Math.max(contrast(over(rgba(style.outlineColor), bg), cell), contrast(over(rgba(inner), bg), cell)));
      }
      assert(worst >= 3, `${scheme}: the worst cell's ring ${worst.toFixed(2)}:1`);
    }
  });

  it("the comparison table's last Remove shows its whole focus ring inside the scrolling box", async () => {
    const history = emptyHistory();
    history.loss = [0.5];
    const run: RunRecord = { id: 1, label: 'Run 1', color: '#8250df', parameters: 10, seconds: 1, history, settings: { model: 'mlp' }, status: 'finished' };
    const el = document.createElement('mt-compare') as MtCompare;
    el.runs = [run];
    el.style.width = '300px'; // narrower than the table: it scrolls sideways
    document.body.append(el);
    await el.updateComplete;
    const scroller = el.shadowRoot!.querySelector<HTMLElement>('.table-scroll')!;
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('td.remove button')!;
    assert(scroller.scrollWidth > scroller.clientWidth, 'the table scrolls');
    button.scrollIntoView({ block: 'nearest', inline: 'nearest' }); // just into view, as Tab brings it: its edge on the box's
    button.focus({ preventScroll: true });
    await frames(1);
    const style = getComputedStyle(button);
    const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
    const [r, s] = [button.getBoundingClientRect(), scroller.getBoundingClientRect()];
    assert(r.right + reach <= s.right + 0.5 && r.bottom + reach <= s.bottom + 0.5 && r.top - reach >= s.top - 0.5,
      `the ring ${r.left - reach}–${r.right + reach} × ${r.top - reach}–${r.bottom + reach} in the box ${s.left}–${s.right} × ${s.top}–${s.bottom}`);
  });

  it('Copy says "Copied" through a live region', async () => {
    const el = document.createElement('mt-keras-code') as MtKerasCode;
    el.generate = () => 'model = keras.Sequential()';
    el.open = true;
    document.body.append(el);
    await el.updateComplete;
    const status = el.shadowRoot!.querySelector('[role="status"]');
    assert(status && status.textContent!.trim() === '', 'an empty live region before the copy');
    const write = navigator.clipboard.writeText;
    navigator.clipboard.writeText = () => Promise.resolve();
    try {
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part="copy"]')!.click();
      await until(() => el.copied, 'the copy');
      await el.updateComplete;
    } finally {
      navigator.clipboard.writeText = write;
    }
    assert(el.shadowRoot!.querySelector('[role="status"]') === status, 'the same live region');
    assertEqual(status.textContent!.trim(), 'Keras code copied to the clipboard', 'it says so');
  });

  it('the sections are h2 (the page has the h1), the results panel\'s parts h3 beneath them', async () => {
    const el = await mount({});
    const levels = [...el.shadowRoot!.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => h.tagName);
    assert(levels.length >= 3 && levels.every((t) => t === 'H2'), `the element's own headings: ${levels.join()}`);
    const results = document.createElement('mt-results') as MtResults;
    const confusion = new Uint32Array([5, 1, 2, 6]);
    results.evaluation = { ...classificationReport(confusion, 2), loss: 0.4, topKAccuracy: 1, confusion, predictions: new Uint32Array(0), probabilities: new Float32Array(0) };
    document.body.append(results);
    await results.updateComplete;
    const inner = [...results.shadowRoot!.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => h.tagName);
    assert(inner.length >= 2 && inner.every((t) => t === 'H3'), `inside "Results on the test set": ${inner.join()}`);
  });

  it('every button, select and summary of the element and its comparison table is at least 24 × 24 px', async () => {
    // Left to the browser: checkboxes and sliders at their native size, and links inside a sentence (both exempt in WCAG 2.5.8).
    const deep = (root: ParentNode): Element[] => [...root.querySelectorAll('*')].flatMap((e) => [e, ...(e.shadowRoot ? deep(e.shadowRoot) : [])]);
    const el = await mount({});
    const history = emptyHistory();
    history.loss = [0.5];
    const table = document.createElement('mt-compare') as MtCompare;
    table.runs = [{ id: 1, label: 'Run 1', color: '#8250df', parameters: 10, seconds: 1, history, settings: { model: 'mlp' }, status: 'finished' }];
    document.body.append(table);
    await table.updateComplete;
    const targets = [...deep(el.shadowRoot!), ...deep(table.shadowRoot!)].filter((e) => e.matches('button, select, summary'));
    assert(targets.some((e) => e.matches('details.help > summary')) && targets.some((e) => e.matches('button.sort')) && targets.some((e) => e.closest('.downloads')),
      `the help "?", the sort and the Save buttons among the ${targets.length} measured`);
    const small = targets.map((e) => [e, e.getBoundingClientRect()] as const).filter(([, r]) => r.width && (r.width < 24 || r.height < 24));
    assertEqual(small.map(([e, r]) => `${e.tagName} "${e.textContent!.trim().slice(0, 20)}" ${r.width.toFixed(1)}×${r.height.toFixed(1)}`).join(', '), '', 'targets under 24 px');
  });
});
