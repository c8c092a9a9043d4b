// End to end: the demo page (index.html, as `npm start` serves it) in an iframe. Its element is switched
// to a tiny run (the demo's cnn takes minutes per epoch on SwiftShader), trains one epoch through the
// Train button, and both charts must get points; then the page is reloaded and the run must be back in
// the comparison table (the demo has persist-runs).
import { assert, assertEqual } from '../util/assert';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCharts } from '../../src/components/charts';
import type { MtCompare } from '../../src/components/compare-runs';
import { until } from './util';
import { shownTexts, translatedUnits, untranslated } from './i18n-scan';

describe('demo page', () => {
  let frame: HTMLIFrameElement;
  after(() => frame?.remove());

  it('shows the element with the demo settings, trains a subset, and both charts get points', async () => {
    frame = document.createElement('iframe');
    frame.style.cssText = 'width: 1200px; height: 900px; border: 0;';
    frame.src = '/index.html';
    document.body.append(frame);
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const win = frame.contentWindow!;
    await until(() => !!win.customElements.get('mnist-trainer'), 'the element to be defined', 20000);
    const doc = frame.contentDocument!;
    assert(doc.querySelector('header h1')?.textContent === 'mnist-trainer', 'explanation header');
    const el = doc.querySelector('mnist-trainer') as MnistTrainer;
    assertEqual(el.model, 'cnn', 'demo model');
    assertEqual(el.dataSource, 'mnist', 'demo data set');
    el.setAttribute('model', 'mlp');
    el.setAttribute('train-limit', '256');
    el.setAttribute('epochs', '1');
    await el.updateComplete;
    const ends: unknown[] = [];
    el.addEventListener('train-end', (e) => ends.push((e as CustomEvent).detail));
    const train = [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Train')!;
    await until(() => !train.disabled && el.controller.adapter !== '', 'the Train button to be enabled', 20000);
    train.click();
    await until(() => ends.length === 1, `the run to end (phase ${el.controller.phase}: ${el.controller.message})`, 120000);
    const charts = el.shadowRoot!.querySelector('mt-charts') as MtCharts;
    const points = (d: ArrayLike<number | null | undefined>) => Array.from(d).filter((v) => v != null).length;
    await until(() => !!charts.accuracyPlot && points(charts.accuracyPlot.data[2] ?? []) > 0, 'the charts to draw', 10000);
    assert(points(charts.lossPlot!.data[1]) === 1 && points(charts.lossPlot!.data[3]) >= 1, 'loss chart: epoch and batch points');
    assert(points(charts.accuracyPlot!.data[1]) === 1 && points(charts.accuracyPlot!.data[2]) === 1, 'accuracy chart: train and test points');
    assert(charts.lossPlot!.width > 300, `chart width ${charts.lossPlot!.width} follows the layout`);

    // The demo keeps its runs (persist-runs): a real reload of the page brings the run back into the table.
    await until(() => el.savedRuns.count >= 1, 'the run to be stored', 10000);
    await el.savedRuns.settled();
    const history = JSON.stringify(el.history);
    win.location.reload();
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const after = frame.contentDocument!.querySelector('mnist-trainer') as MnistTrainer;
    await until(() => !!after?.shadowRoot?.querySelector('mt-compare'), 'the element after the reload', 20000);
    const table = () => (after.shadowRoot!.querySelector('mt-compare') as MtCompare).runs;
    await until(() => table().some((r) => JSON.stringify(r.history) === history), 'the run back in the table after the reload', 10000);
    after.shadowRoot!.querySelector<HTMLButtonElement>('[part~="clear-runs"]')!.click(); // leave the store empty
    await after.savedRuns.settled();
  });

  it('speaks Russian with ?lang=ru, and its EN / RU switch changes the page, the element and the URL', async () => {
    const ru = document.createElement('iframe');
    ru.style.cssText = 'width: 1200px; height: 900px; border: 0;';
    ru.src = '/index.html?lang=ru';
    document.body.append(ru);
    try {
      await new Promise((r) => ru.addEventListener('load', r, { once: true }));
      const win = ru.contentWindow!;
      const doc = ru.contentDocument!;
      await until(() => !!win.customElements.get('mnist-trainer') && !!win.customElements.get('demo-intro'), 'the elements to be defined', 20000);
      assertEqual(doc.documentElement.lang, 'ru', '<html lang> from ?lang=ru');
      const el = doc.querySelector('mnist-trainer') as MnistTrainer;
      const train = () => el.shadowRoot!.querySelector('[part~="train"]')!.textContent!.trim();
      const intro = () => doc.querySelector('demo-intro')!.textContent!;
      await until(() => train() === 'Обучить' && intro().includes('Обучите нейронную сеть'), 'the Russian page', 20000);
      assert(doc.title.startsWith('mnist-trainer: обучение'), `title: ${doc.title}`);
      const left = untranslated(shownTexts(doc.querySelector('header')!), await translatedUnits());
      assert(left.length === 0, `English left in the Russian header:\n${left.join('\n')}`);
      const guide = () => doc.querySelector<HTMLAnchorElement>('demo-intro a')!.getAttribute('href');
      assertEqual(guide(), 'docs/concepts.ru.md', 'the concepts guide in Russian');
      doc.querySelector<HTMLButtonElement>('demo-intro button[lang="en"]')!.click();
      await until(() => train() === 'Train' && intro().includes('Train a neural network'), 'the English page after the switch', 20000);
      assertEqual(guide(), 'docs/concepts.md', 'and in English after the switch');
      assertEqual(doc.documentElement.lang, 'en', '<html lang> after the switch');
      assertEqual(new URL(win.location.href).searchParams.get('lang'), 'en', 'the URL parameter');
    } finally {
      ru.remove();
    }
  });
});
