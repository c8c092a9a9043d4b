// Accessibility, checked by axe-core: after a tiny run (so that the charts, the verdict, the results with
// the drawing pad, the comparison table and the Keras code are all on the page) with every <details>
// opened, axe finds no serious or critical violation in <mnist-trainer> (it looks into open shadow
// roots): in English, in Russian, and in the dark theme (prefers-color-scheme emulated by the browser,
// as a user's system setting would choose it). Also: no positive tabindex, the charts' text alternative
// names the latest values, and the demo page's own controls pass.
import { emulateMedia } from '@web/test-runner-commands';
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import { setLocale, getLocale } from '../../src/components/i18n';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtDrawPad } from '../../src/components/draw-pad';
import { assert } from '../util/assert';
import { frames, mount, until } from './util';

declare global {
  interface Window {
    axe?: { run(context: ElementContext, options: RunOptions): Promise<AxeResults> };
  }
}

/** axe-core is a UMD script: loaded by a script tag (the dev server serves node_modules), it sets window.axe. */
async function loadAxe(win: Window = window): Promise<NonNullable<Window['axe']>> {
  if (!win.axe) {
    const script = win.document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    const loaded = new Promise((resolve, reject) => { script.onload = resolve; script.onerror = reject; });
    win.document.head.append(script);
    await loaded;
  }
  return win.axe!;
}

/** The serious and critical violations in `context`, one line each (rule, impact, target, help). */
async function seriousViolations(context: Element, win: Window = window): Promise<string[]> {
  const axe = await loadAxe(win);
  const results = await axe.run(context, { resultTypes: ['violations'] });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) at ${JSON.stringify(n.target)}: ${v.help}. ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`));
}

/** Every element under `root`, through open shadow roots. */
function deepAll(root: ParentNode): Element[] {
  const out: Element[] = [];
  if (root instanceof Element && root.shadowRoot) out.push(...deepAll(root.shadowRoot));
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) out.push(...deepAll(el.shadowRoot));
  }
  return out;
}

async function openAllDetails(el: Element): Promise<void> {
  for (let pass = 0; pass < 3; pass++) { // opening one may render more (the Keras code, the layer editor)
    for (const d of deepAll(el)) if (d instanceof HTMLDetailsElement) d.open = true;
    await frames(3);
  }
}

async function expectNoSeriousViolations(el: Element, what: string): Promise<void> {
  const found = await seriousViolations(el);
  assert(found.length === 0, `${what}: ${found.length} serious or critical axe violations:\n${found.join('\n')}`);
}

describe('accessibility (axe-core)', function () {
  this.timeout(300000);
  let el: MnistTrainer;

  before(async () => {
    el = await mount({ model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '64', epochs: '1', seed: '3' });
    await el.train();
    await until(() => !!el.controller.evaluation, 'the evaluation', 60000);
    await el.updateComplete;
    await until(() => !!el.shadowRoot!.querySelector('mt-results')?.shadowRoot?.querySelector('table'), 'the results panel', 10000);
    await openAllDetails(el);
  });

  after(async () => {
    await emulateMedia({ colorScheme: 'light' });
    await setLocale('en');
    el?.remove();
  });

  it('in English: no serious or critical violations', async () => {
    await expectNoSeriousViolations(el, 'English, light');
  });

  it('every control is reachable by keyboard: no positive tabindex, the drawing pad focusable', () => {
    const all = deepAll(el);
    const positive = all.filter((e) => (e as HTMLElement).tabIndex > 0);
    assert(positive.length === 0, `positive tabindex on ${positive.map((e) => e.localName).join(', ')}`);
    const pad = all.find((e) => e.localName === 'mt-draw-pad');
    assert(pad, 'the drawing pad is shown after the run');
    const canvas = deepAll(pad).find((e) => e.localName === 'canvas') as HTMLCanvasElement | undefined;
    assert(canvas && canvas.tabIndex >= 0, 'the drawing pad canvas is in the tab order');
  });

  it('every focusable control shows a focus ring (:focus-visible outline of at least 2 px)', () => {
    const focusable = deepAll(el).filter((e): e is HTMLElement => e instanceof HTMLElement && e.tabIndex >= 0
      && !(e as HTMLButtonElement).disabled && e.getClientRects().length > 0
      && e.matches('a[href], button, input, select, textarea, summary, [tabindex]'));
    assert(focusable.length > 40, `${focusable.length} focusable controls`);
    const without = focusable.filter((e) => {
      e.focus();
      const style = getComputedStyle(e);
      return !e.matches(':focus-visible') || style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2;
    }).map((e) => `${e.localName}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).replace(/ /g, '.')}` : ''}`);
    assert(without.length === 0, `no visible focus on ${without.join(', ')}`);
  });

  it('the drawing pad can be drawn on with the keyboard, and the model answers', async () => {
    const pad = deepAll(el).find((e) => e.localName === 'mt-draw-pad') as MtDrawPad;
    const canvas = pad.shadowRoot!.querySelector('canvas.pad') as HTMLCanvasElement;
    canvas.focus();
    const press = (key: string) => canvas.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    for (const key of [' ', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight', ' ']) assert(!press(key), `${key} is handled`);
    await until(() => !!pad.lastInput && pad.lastInput.some((v) => v > 0), 'the stroke to reach the model input', 5000);
    await until(() => !!pad.shadowRoot!.querySelector('[part="probabilities"]'), 'the model\'s answer', 10000);
    press('Delete');
    await pad.updateComplete;
    assert(pad.lastInput === null, 'Delete clears');
  });

  it('the charts name their latest values', async () => {
    const charts = el.shadowRoot!.querySelector('mt-charts')!;
    await until(() => !!charts.shadowRoot!.querySelector('[part="loss"]')?.getAttribute('aria-label')?.includes('epoch 1'), 'the loss chart\'s label', 5000);
    const loss = charts.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')!;
    const accuracy = charts.shadowRoot!.querySelector('[part="accuracy"]')!.getAttribute('aria-label')!;
    const last = (a: number[]) => a[a.length - 1];
    assert(loss.includes(`train loss ${last(el.history.loss).toFixed(4)}`), loss);
    assert(accuracy.includes(`test accuracy ${(last(el.history.test_accuracy) * 100).toFixed(2)}%`), accuracy);
  });

  it('the confusion matrix keeps its numbers readable on every shade, light and dark', async () => {
    // Row t: (10 − t) right and t wrong, so the shares run over 0, 10%, … 100% on both colours.
    const confusion = new Uint32Array(100);
    for (let t = 0; t < 10; t++) {
      confusion[t * 10 + t] = 10 - t;
      confusion[t * 10 + ((t + 1) % 10)] = t;
    }
    const panel = document.createElement('mt-results');
    panel.evaluation = { ...el.controller.evaluation!, confusion };
    // Alone, the panel has no background of its own: in the trainer it is on the trainer's (--mt-bg).
    const box = document.createElement('div');
    box.append(panel);
    document.body.append(box);
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        await emulateMedia({ colorScheme });
        box.style.background = colorScheme === 'dark' ? '#0d1117' : '#ffffff';
        await panel.updateComplete;
        await frames(2);
        await expectNoSeriousViolations(panel, `the confusion matrix, ${colorScheme}`);
      }
    } finally {
      await emulateMedia({ colorScheme: 'light' });
      box.remove();
    }
  });

  it('in Russian (lang="ru"): no serious or critical violations', async () => {
    el.lang = 'ru';
    await setLocale('ru');
    await until(() => getLocale() === 'ru', 'the Russian locale');
    await el.updateComplete;
    await openAllDetails(el);
    await expectNoSeriousViolations(el, 'Russian');
    el.lang = '';
    await setLocale('en');
  });

  it('in the dark theme: no serious or critical violations', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    await until(() => matchMedia('(prefers-color-scheme: dark)').matches, 'dark mode', 5000);
    await frames(3);
    await expectNoSeriousViolations(el, 'dark');
  });
});

describe('accessibility of the demo page (axe-core)', function () {
  this.timeout(120000);
  let frame: HTMLIFrameElement;
  after(() => frame?.remove());

  it('the page with a link that has an invalid setting: no serious or critical violations, the notice names it', async () => {
    frame = document.createElement('iframe');
    frame.style.cssText = 'width: 1200px; height: 900px; border: 0;';
    frame.src = '/index.html?model=mlp&epochs=0';
    document.body.append(frame);
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const win = frame.contentWindow!;
    await until(() => !!win.customElements.get('mnist-trainer'), 'the element to be defined', 20000);
    const doc = frame.contentDocument!;
    const trainer = doc.querySelector('mnist-trainer') as MnistTrainer;
    await trainer.updateComplete;
    const share = doc.querySelector('demo-share-link')!;
    assert(share.shadowRoot!.textContent!.includes('epochs must be'), 'the notice names the invalid parameter');
    assert(trainer.model === 'mlp' && trainer.epochs === 5, `the valid parameter applied, the invalid one left out: ${trainer.model}, ${trainer.epochs}`);
    await until(() => win.location.search === '?model=mlp', `the address without the invalid parameter (${win.location.search})`, 5000);
    trainer.epochs = 3;
    await until(() => win.location.search === '?model=mlp&epochs=3', `the address follows the setting (${win.location.search})`, 5000);
    const found = await seriousViolations(doc.documentElement, win);
    assert(found.length === 0, `the demo page: ${found.length} serious or critical axe violations:\n${found.join('\n')}`);
  });

  it('a link with lang=ru opens the page in Russian and keeps lang in the address', async () => {
    frame.src = '/index.html?lang=ru&batch-size=16';
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const win = frame.contentWindow!;
    await until(() => !!win.customElements.get('mnist-trainer'), 'the element to be defined', 20000);
    const trainer = frame.contentDocument!.querySelector('mnist-trainer') as MnistTrainer;
    await until(() => trainer.shadowRoot?.querySelector('[part~="train"]')?.textContent?.trim() === 'Обучить', 'the Russian Train button', 10000);
    assert(trainer.batchSize === 16, `batch size ${trainer.batchSize}`);
    trainer.model = 'mlp';
    await until(() => win.location.search === '?model=mlp&batch-size=16&lang=ru', `the address keeps lang (${win.location.search})`, 5000);
  });
});

describe('help texts on the page', () => {
  it('a help text stays inside the form\'s column; Escape closes it (focus back on its "?"), and so does a click elsewhere', async () => {
    const el = await mount({});
    const root = el.shadowRoot!;
    const form = root.querySelector('form')!;
    const [rate, batch] = ['#f-learning-rate', '#f-batch-size'].map((id) => root.querySelector(id)!.parentElement!.querySelector<HTMLDetailsElement>('details.help')!);
    rate.querySelector('summary')!.click();
    await el.updateComplete;
    assert(rate.open, 'the "?" opens its text');
    const [box, column] = [rate.querySelector('div')!.getBoundingClientRect(), form.getBoundingClientRect()];
    assert(box.left >= column.left && box.right <= column.right, `within the form: ${box.left}–${box.right} in ${column.left}–${column.right}`);
    rate.querySelector('summary')!.focus();
    rate.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    assert(!rate.open && root.activeElement === rate.querySelector('summary'), 'Escape closes it, the focus on its "?"');
    rate.querySelector('summary')!.click();
    root.querySelector<HTMLInputElement>('#f-epochs')!.click();
    assert(!rate.open && !batch.open, 'a click elsewhere in the form closes it');
    el.remove();
  });
});
