// <mt-charts>: the loss axis is titled by the loss the run minimised (cross-entropy, MSE and hinge are on
// different scales), and a compared run that minimised another loss says which in its legend entries.
import '../../src/components/charts';
import type { ChartRun, MtCharts } from '../../src/components/charts';
import { setLocale } from '../../src/components/i18n';
import { emptyHistory } from '../../src/engine/trainer';
import { assertEqual } from '../util/assert';
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
