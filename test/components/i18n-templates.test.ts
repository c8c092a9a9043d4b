// The element's templates in Russian: after a tiny run on Fashion-MNIST under lang="ru", the form, status
// line, charts, results (with the class names) and the comparison table speak Russian, numbers carry a
// decimal comma and Russian grouping, and switching back to English re-renders every part in English.
import { FASHION_MNIST_CLASSES } from '../../src/data/sources';
import { className } from '../../src/components/class-names';
import { formatSeconds, type MtCompare } from '../../src/components/compare-runs';
import type { MtCharts } from '../../src/components/charts';
import type { MtKerasCode } from '../../src/components/keras-code';
import type { MtResults } from '../../src/components/results-panel';
import { getLocale, setLocale } from '../../src/components/i18n';
import { formatCount, formatFixed, formatPercent } from '../../src/components/number-format';
import { assert, assertEqual } from '../util/assert';
import { mount, shadow, until } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '7', dataset: 'fashion-mnist' };
/** Collapsed white space, keeping the no-break spaces of Russian numbers. */
const text = (e: Element | ShadowRoot | null | undefined) => (e?.textContent ?? '').replace(/[ \t\r\n]+/g, ' ').trim();
/** A decimal comma between digits, then a (no-break) space and a percent sign: "12,34 %". */
const RU_PERCENT = /\d,\d+\s%/;

describe('languages: the templates', () => {
  afterEach(async () => {
    document.querySelectorAll('mnist-trainer').forEach((e) => e.remove());
    await setLocale('en');
  });

  it('formats numbers, durations and class names for the locale, and English as before', async () => {
    const sample = () => [formatPercent(0.1234, 1), formatFixed(0.43215, 4), formatCount(101770), formatSeconds(4.25), formatSeconds(185), formatSeconds(3725)].join('|');
    assertEqual(sample(), '12.3%|0.4322|101,770|4.3 s|3 min 05 s|1 h 02 min', 'English');
    await setLocale('ru');
    assertEqual(sample(), '12,3\u00a0%|0,4322|101\u00a0770|4,3 с|3 мин 05 с|1 ч 02 мин', 'Russian');
    for (const c of FASHION_MNIST_CLASSES) assert(className(c) !== c && className(c).trim() !== '', `Fashion-MNIST class ${c} has a Russian name`);
    assertEqual(className('7'), '7', 'a digit stays');
  });

  it('renders the form, status, charts, results and comparison in Russian after a run, and in English again', async () => {
    const el = await mount({ ...TINY, lang: 'ru' });
    await until(() => getLocale() === 'ru', 'the Russian locale');
    await el.updateComplete;
    const root = shadow(el);
    const legends = [...root.querySelectorAll('legend')].map(text);
    assert(legends.includes('Данные') && legends.includes('Обучение') && !legends.includes('Data'), `legends: ${legends.join(', ')}`);
    const buttons = [...root.querySelectorAll('button')].map(text);
    for (const b of ['Пауза', 'Остановить', 'Сбросить', 'Оценить', 'Сохранить модель']) assert(buttons.includes(b), `button ${b}: ${buttons.join(', ')}`);
    assert(!buttons.includes('Evaluate'), 'no English button');
    assert(/параметров: [\d\u00a0]+, слоёв dropout: \d/.test(text(root.querySelector('.note.wide'))), `model note: ${text(root.querySelector('.note.wide'))}`);

    const history = await el.train();
    assert(history && history.loss.length === 1, 'the run finished');
    await until(() => !!root.querySelector('mt-results'), 'the results');
    await el.updateComplete;

    const status = text(root.querySelector('[part="status"] .phase'));
    assert(status.startsWith('Готово: 1 эпоха, точность на тесте') && RU_PERCENT.test(status), `status: ${status}`);

    const results = root.querySelector<MtResults>('mt-results')!;
    await results.updateComplete;
    const r = results.shadowRoot!;
    const heads = [...r.querySelectorAll('table.metrics thead th')].map(text);
    assertEqual(heads.join('|'), 'Класс|Точность (precision)|Полнота (recall)|F1|Примеров', 'per-class headings');
    const rows = [...r.querySelectorAll('table.metrics tbody th')].map(text);
    assertEqual(rows[0], 'Футболка/топ', 'a Fashion-MNIST class in Russian');
    assert(!text(r).includes('T-shirt/top') && !text(r).includes('Confusion matrix'), 'no English in the results');
    const summary = text(r.querySelector('[part="summary"]'));
    assert(summary.startsWith('Точность на тестовой выборке') && RU_PERCENT.test(summary) && /потери \d,\d{4}/.test(summary), `summary: ${summary}`);

    const compare = root.querySelector<MtCompare>('mt-compare')!;
    await compare.updateComplete;
    const c = compare.shadowRoot!;
    const cols = [...c.querySelectorAll('thead th')].map(text);
    assert(cols.includes('Параметры') && cols.includes('Время') && !cols.includes('Parameters'), `columns: ${cols.join(', ')}`);
    const row = text(c.querySelector('tbody tr'));
    assert(row.includes('Запуск 1') && RU_PERCENT.test(row) && /\d\u00a0\d{3}/.test(row), `row: ${row}`);

    const charts = root.querySelector<MtCharts>('mt-charts')!;
    await until(() => !!charts.lossPlot, 'the loss chart');
    const loss = charts.lossPlot!;
    assertEqual(`${loss.axes[0].label}|${loss.axes[1].label}|${loss.series[1].label}`, 'эпоха|кросс-энтропия|потери на обучении', 'chart axes and legend');
    assertEqual(text(charts.shadowRoot!.querySelector('[part="loss"] .u-title')), 'Потери', 'chart title');

    const keras = root.querySelector<MtKerasCode>('mt-keras-code')!;
    assertEqual(text(keras.shadowRoot!.querySelector('[part="toggle"]')), 'Показать код Keras', 'Keras toggle');

    // Back to English: every component re-renders (each subscribes to locale changes).
    await setLocale('en');
    await el.updateComplete;
    await results.updateComplete;
    await compare.updateComplete;
    await keras.updateComplete;
    await until(() => charts.lossPlot?.axes[0].label === 'epoch', 'the English charts');
    assertEqual([...r.querySelectorAll('table.metrics thead th')].map(text).join('|'), 'Class|Precision|Recall|F1|Support', 'English headings');
    assertEqual([...r.querySelectorAll('table.metrics tbody th')].map(text)[0], 'T-shirt/top', 'English class name');
    assert([...c.querySelectorAll('thead th')].map(text).includes('Parameters'), 'English columns');
    assertEqual(text(keras.shadowRoot!.querySelector('[part="toggle"]')), 'Show Keras code', 'English Keras toggle');
    assert(text(root.querySelector('[part="status"] .phase')).startsWith('Done: 1 epoch, test accuracy'), 'English status');
  });
});
