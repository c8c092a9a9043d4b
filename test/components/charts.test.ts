// <mt-charts>: the loss axis is titled by the loss the run minimised (cross-entropy, MSE and hinge are on
// different scales), and a compared run that minimised another loss says which in its legend entries.
import '../../src/components/charts';
import type { ChartRun, MtCharts } from '../../src/components/charts';
import { setLocale } from '../../src/components/i18n';
import { emptyHistory } from '../../src/engine/trainer';
import { historyCsv } from '../../src/engine/history-files';
import { assert, assertEqual } from '../util/assert';
import { frames, until } from './util';

function chartRun(label: string, loss: string | undefined, losses: number[]): ChartRun {
  const history = emptyHistory();
  history.loss = losses;
  history.test_loss = losses.map((v) => v * 1.1);
  history.accuracy = losses.map((v) => 1 - v / 4);
  history.test_accuracy = history.accuracy;
  return { label, history, ...(loss ? { loss } : {}) };
}

async function mount(current: ChartRun | undefined, overlays: ChartRun[]): Promise<MtCharts> {
  const el = document.createElement('mt-charts');
  el.current = current;
  el.overlays = overlays;
  document.body.append(el);
  await el.updateComplete;
  await until(() => !!el.lossPlot, 'the loss chart');
  await frames();
  return el;
}

const lossAxis = (el: MtCharts) => el.lossPlot!.axes[1].label;
const legend = (el: MtCharts) => el.lossPlot!.series.slice(1).map((s) => String(s.label));

describe('<mt-charts> legend', () => {
  afterEach(() => document.querySelectorAll('mt-charts').forEach((e) => e.remove()));

  it("shows each curve's latest value away from the cursor, following new epochs", async () => {
    const current = chartRun('this run', 'categorical_crossentropy', [0.5, 0.25]);
    const el = await mount(current, [chartRun('Run 1', 'categorical_crossentropy', [0.6, 0.4, 0.3])]);
    const values = () => [...el.shadowRoot!.querySelectorAll('[part="loss"] .u-legend .u-series')].slice(1).map((r) => r.querySelector('.u-value')!.textContent);
    assertEqual(values().join(', '), '0.2500, 0.2750, —, 0.3000, 0.3300', 'train, test, (no batch curve), Run 1 train and test');
    current.history.loss.push(0.125);
    current.history.test_loss.push(0.2);
    el.refresh();
    await until(() => values()[0] === '0.1250', `the new epoch in the legend: ${values().join(', ')}`);
    assertEqual(values()[1], '0.2000', 'the test loss too');
  });
});

describe('<mt-charts> downloads', () => {
  afterEach(() => document.querySelectorAll('mt-charts').forEach((e) => e.remove()));

  /** The RGBA pixels of a PNG blob. */
  async function pixels(blob: Blob): Promise<ImageData> {
    const bitmap = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
    c.drawImage(bitmap, 0, 0);
    return c.getImageData(0, 0, bitmap.width, bitmap.height);
  }
  /** Whether rows [y0, y1) hold a pixel within 40 of `rgb` in each channel. */
  const holds = (img: ImageData, y0: number, y1: number, [r, g, b]: number[]) => {
    for (let i = y0 * img.width * 4; i < y1 * img.width * 4; i += 4) {
      if (Math.abs(img.data[i] - r) < 40 && Math.abs(img.data[i + 1] - g) < 40 && Math.abs(img.data[i + 2] - b) < 40) return true;
    }
    return false;
  };

  it('saves each chart as a PNG with its title above and its legend below the plot', async () => {
    const overlay = { ...chartRun('Run 1', 'categorical_crossentropy', [0.6, 0.4, 0.3]), color: '#00c000' };
    const el = await mount(chartRun('this run', 'categorical_crossentropy', [0.5, 0.25]), [overlay]);
    const blob = await el.chartImage('loss');
    assertEqual(blob.type, 'image/png', 'a PNG');
    const img = await pixels(blob);
    const plot = el.lossPlot!.ctx.canvas;
    assertEqual(img.width, plot.width, 'as wide as the plot');
    // chart-image.ts's layout: a 28 px title band, the plot, then the legend (in device pixels).
    const title = Math.round(28 * (plot.width / el.lossPlot!.width));
    const legend = title + plot.height;
    assert(img.height > legend + 10, `room for the legend: ${img.height} px for a ${plot.height} px plot`);
    const bg = [img.data[0], img.data[1], img.data[2]];
    const dark = (y0: number, y1: number) => holds(img, y0, y1, [0x1f, 0x23, 0x28]);
    assert(bg.every((v) => v > 240), `the light theme's background: ${bg}`);
    assert(dark(0, title), 'the title above the plot');
    assert(holds(img, legend, img.height, [0x25, 0x63, 0xeb]) && holds(img, legend, img.height, [0, 0xc0, 0]), 'the legend: the train colour and the overlay\'s');
    assert(dark(legend, img.height), 'the legend: its names');
  });

  it("marks live changes with a labelled line where each took effect, a compared run's in its colour, and says them in words", async () => {
    const current = chartRun('this run', 'categorical_crossentropy', [0.5, 0.25, 0.2]);
    current.history.live_changes = [{ step: 15, epoch: 1.5, setting: 'dropout', from: 0, to: 0.5 }];
    const el = await mount(current, []);
    const plain = await mount(chartRun('this run', 'categorical_crossentropy', [0.5, 0.25, 0.2]), []);
    /** Dark (foreground) pixels in the plot area's column at epoch 1.5, where no curve is dark. */
    const darkInColumn = (c: MtCharts) => {
      const u = c.lossPlot!;
      const x = Math.round(u.valToPos(1.5, 'x', true));
      const { top, height } = u.bbox;
      const col = u.ctx.getImageData(x, top, 1, height).data;
      let n = 0;
      for (let i = 0; i < col.length; i += 4) if (col[i] < 90 && col[i + 1] < 90 && col[i + 2] < 90 && col[i + 3] > 128) n++;
      return n / height;
    };
    assert(darkInColumn(el) > 0.3, `a dashed line at epoch 1.5 (${darkInColumn(el).toFixed(2)} of the column dark)`);
    assert(darkInColumn(plain) < 0.05, `none without a change (${darkInColumn(plain).toFixed(2)})`);
    // A compared run's change: in its colour, after its name, in words too.
    const compared = { ...chartRun('Run 1', 'categorical_crossentropy', [0.6, 0.4, 0.3]), color: '#00c000' };
    compared.history.live_changes = [{ step: 25, epoch: 2.5, setting: 'learning_rate', from: 0.001, to: 0.0005 }];
    plain.overlays = [compared];
    await plain.updateComplete;
    await frames();
    const u = plain.lossPlot!;
    const col = u.ctx.getImageData(Math.round(u.valToPos(2.5, 'x', true)), u.bbox.top, 1, u.bbox.height).data;
    let green = 0;
    for (let i = 0; i < col.length; i += 4) if (col[i] < 60 && col[i + 1] > 150 && col[i + 2] < 60) green++;
    assert(green / u.bbox.height > 0.3, `the compared run's line at epoch 2.5 in its colour (${(green / u.bbox.height).toFixed(2)})`);
    await until(() => plain.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')!.endsWith('Run 1, at epoch 2.5: learning rate 0.001 → 0.0005.'),
      `its words: ${plain.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')}`);
    const label = el.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')!;
    assert(label.endsWith('At epoch 1.5: dropout 0 → 0.5.'), `the text alternative names the change: ${label}`);
    await setLocale('ru');
    await until(() => el.shadowRoot!.querySelector('[part="accuracy"]')!.getAttribute('aria-label')!.endsWith('На эпохе 1,5: dropout 0 → 0,5.'),
      `in Russian: ${el.shadowRoot!.querySelector('[part="accuracy"]')!.getAttribute('aria-label')}`);
    await setLocale('en');
  });

  it("saves the current run's History as CSV and JSON; the buttons wait for a first epoch", async () => {
    const clicked: string[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) { clicked.push(this.download); };
    try {
      const empty = await mount(chartRun('this run', 'categorical_crossentropy', []), []);
      const buttons = (el: MtCharts) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="downloads"] button')];
      assertEqual(buttons(empty).map((b) => `${b.textContent} ${b.disabled}`).join(', '), 'loss.png true, accuracy.png true, history.csv true, history.json true', 'nothing to save yet');
      empty.remove();
      const current = chartRun('this run', 'categorical_crossentropy', [0.5, 0.25]);
      const el = await mount(current, []);
      assert(buttons(el).every((b) => !b.disabled), 'enabled after an epoch');
      assertEqual(await el.historyFile('csv').text(), historyCsv(current.history), 'the CSV');
      assertEqual(JSON.stringify(JSON.parse(await el.historyFile('json').text())), JSON.stringify(current.history), 'the JSON');
      for (const b of buttons(el)) b.click();
      await until(() => clicked.length === 4, `four downloads: ${clicked.join()}`);
      assertEqual(clicked.sort().join(), 'accuracy.png,history.csv,history.json,loss.png', 'named as the command line names them');
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
  });
});

describe('<mt-charts> loss axis', () => {
  afterEach(async () => {
    document.querySelectorAll('mt-charts').forEach((e) => e.remove());
    await setLocale('en');
  });

  it("is titled by the current run's loss, and a compared run of another loss is marked in the legend", async () => {
    const el = await mount(chartRun('this run', 'mean_squared_error', [0.05, 0.03]), [
      chartRun('Run 1', 'categorical_crossentropy', [0.5, 0.3]), chartRun('Run 2', 'mean_squared_error', [0.04, 0.03]), chartRun('Run 3', undefined, [0.4]),
    ]);
    assertEqual(lossAxis(el), 'loss (mean squared error)', 'the axis names the loss');
    assertEqual(legend(el).slice(3).join(', '), 'Run 1 train (cross-entropy), Run 1 test (cross-entropy), Run 2 train, Run 2 test, Run 3 train, Run 3 test',
      'another loss marked; the same or an unrecorded one not');
    assertEqual(el.accuracyPlot!.series.slice(1).map((s) => String(s.label)).slice(2, 4).join(', '), 'Run 1 train, Run 1 test', 'accuracy is on one scale: unmarked');
    // A new current run with another loss rebuilds the axis.
    el.current = chartRun('this run', 'categorical_hinge', [0.9]);
    await el.updateComplete;
    await until(() => lossAxis(el) === 'loss (categorical hinge)', `the axis follows the new run: ${lossAxis(el)}`);
    assertEqual(legend(el)[5], 'Run 2 train (MSE)', 'and the marks follow the axis');
  });

  it('without a current run takes the first compared run that recorded its loss; cross-entropy when none did; in Russian too', async () => {
    let el = await mount(undefined, [chartRun('Run 1', undefined, [0.5]), chartRun('Run 2', 'categorical_hinge', [0.6])]);
    assertEqual(lossAxis(el), 'loss (categorical hinge)', "the first recorded run's loss");
    el.remove();
    el = await mount(undefined, [chartRun('Run 1', undefined, [0.5])]);
    assertEqual(lossAxis(el), 'loss (cross-entropy)', 'the default loss');
    el.remove();
    await setLocale('ru');
    el = await mount(chartRun('this run', 'mean_squared_error', [0.05]), [chartRun('Run 1', 'categorical_crossentropy', [0.5])]);
    assertEqual(lossAxis(el), 'среднеквадратичная ошибка', 'the axis in Russian');
    assertEqual(legend(el)[3], 'Run 1, обучение (кросс-энтропия)', 'the mark in Russian');
  });
});
