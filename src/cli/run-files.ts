// The files a command-line run leaves behind: history.json and history.csv, metrics.json, the charts loss.svg and
// accuracy.svg and the same as loss.png and accuracy.png, and the gallery of the surest mistakes mistakes.svg and
// mistakes.png; a failed run leaves them too, with what it had (its History so far, the error and the epochs done).
import { writeOutput } from './output-file';
import { join } from 'node:path';
import { renderChartSvg, TEST_COLOR, TRAIN_COLOR, type ChartOptions, type Series } from './charts/line-chart';
import { svgToPng } from './charts/png';
import type { Evaluation, History } from '../engine/trainer';
import { errorDetail } from '../engine/errors';
import { historyCsv, historyJson } from '../engine/history-files';
import { metricsJson, mistakesOf, runIdentity, type MetricsAbout } from '../engine/metrics-file';
import { mistakesSvg } from './charts/mistakes-chart';
import { imageOf } from '../data/idx';
import { RUN_WORDS, classNamesIn, type Lang } from './run-words';

/** What the run's files say of it: metrics.json's fields (engine/metrics-file.ts) and the command line's own. */
export interface RunInfo extends MetricsAbout {
  imagesPerSec: number;
  seconds: number;
  /** A failed run's recovery point (engine/recovery-point.ts), written as a checkpoint: its epoch, step and file. */
  recovered?: { epoch: number; step: number; checkpoint: string };
  /** The language of the charts and the mistakes' gallery (--lang; default English). metrics.json is the same in both. */
  lang?: Lang;
}

function curveSeries(h: History, key: 'loss' | 'accuracy', lang: Lang): Series[] {
  const epochs = h.loss.map((_, i) => i + 1);
  const testKey = key === 'loss' ? 'test_loss' : 'test_accuracy';
  return [
    { label: RUN_WORDS[lang].train, x: epochs, y: h[key], color: TRAIN_COLOR },
    { label: RUN_WORDS[lang].test, x: epochs, y: h[testKey], color: TEST_COLOR },
  ];
}

/** The loss the run minimised (the recorded `loss` setting): the loss chart names it. */
const lossName = (info: RunInfo) => (typeof info.settings.loss === 'string' ? info.settings.loss : 'categorical_crossentropy');

/** `<name>.svg` and, for tools that want a bitmap (and older scripts), the same chart as `<name>.png`. */
async function writeChart(dir: string, name: string, o: ChartOptions): Promise<void> {
  const svg = await renderChartSvg(o);
  await writeOutput(join(dir, `${name}.svg`), svg, 'out');
  await writeOutput(join(dir, `${name}.png`), svgToPng(svg), 'out');
}

/** loss and accuracy charts, titled `title` ("cnn on mnist") and worded in `info.lang`. */
async function writeCharts(dir: string, h: History, title: string, info: RunInfo): Promise<void> {
  const lang = info.lang ?? 'en';
  const w = RUN_WORDS[lang];
  const markers = (h.live_changes ?? []).map((c) => ({ x: c.epoch, text: w.liveChange(c) }));
  await writeChart(dir, 'loss', {
    title: `${title}: ${w.lossTitle(lossName(info))}`, xLabel: w.epoch, yLabel: w.lossAxis(lossName(info)), series: curveSeries(h, 'loss', lang), markMinimum: [{ series: w.test, name: w.testLoss }], markers, locale: lang,
  });
  await writeChart(dir, 'accuracy', { title: `${title}: ${w.accuracyTitle}`, xLabel: w.epoch, yLabel: w.accuracy, series: curveSeries(h, 'accuracy', lang), markers, locale: lang });
}

/** mistakes.svg and .png: the surest mistakes' images (when the run's info has the test set), worded in `info.lang`. */
async function writeMistakes(dir: string, e: Evaluation, info: RunInfo, title: string): Promise<boolean> {
  const m = mistakesOf(e, info);
  if (!m) return false;
  const lang = info.lang ?? 'en';
  const svg = mistakesSvg({
    title, rows: m.set.rows, cols: m.set.cols, pixels: m.surest.map((x) => imageOf(m.set, x.index)),
    classNames: classNamesIn(lang, info.classNames), mistakes: m.surest, count: m.count, of: m.set.count, lang,
  });
  await writeOutput(join(dir, 'mistakes.svg'), svg, 'out');
  await writeOutput(join(dir, 'mistakes.png'), svgToPng(svg), 'out');
  return true;
}

/** Every file a run may write in --out (checkPaths keeps --save and --export-onnx off them). */
export const RUN_FILES: readonly string[] = ['history.json', 'history.csv', 'metrics.json', ...['loss', 'accuracy', 'mistakes'].flatMap((n) => [`${n}.svg`, `${n}.png`])];

/** history.json and history.csv (engine/history-files.ts: the element's downloads are the same files). */
async function writeHistory(dir: string, h: History): Promise<void> {
  await writeOutput(join(dir, 'history.json'), historyJson(h), 'out');
  await writeOutput(join(dir, 'history.csv'), historyCsv(h), 'out');
}

/** Returns the names of the files written. */
export async function writeRunFiles(dir: string, h: History, e: Evaluation, info: RunInfo): Promise<string[]> {
  await writeHistory(dir, h);
  // Early stopping's record (null: it did not stop the run / no monitored best / no weights restored), as in history.json.
  const callbacks = { stopped_epoch: h.stopped_epoch ?? null, best_epoch: h.best_epoch ?? null, restored_epoch: h.restored_epoch ?? null };
  await writeOutput(join(dir, 'metrics.json'), JSON.stringify({ ...metricsJson(e, info), ...callbacks }, null, 2) + '\n', 'out');
  const w = RUN_WORDS[info.lang ?? 'en'];
  const what = w.what(info.model, info.dataset);
  await writeCharts(dir, h, what, info);
  const gallery = await writeMistakes(dir, e, info, `${what}: ${w.mistakesTitle}`);
  return ['history.json', 'history.csv', 'metrics.json', 'loss.svg/.png', 'accuracy.svg/.png', ...(gallery ? ['mistakes.svg/.png'] : [])];
}

/**
 * A run that failed after it began (divergence, device loss, ...): history.json with the epochs it did,
 * metrics.json with `error: {code, message}`, `epochs` done and, when an epoch was done, the last
 * epoch's test metrics and where its recovery point was saved (`recovered`); the charts when there are points to draw,
 * and the gallery of the last evaluation's mistakes when there was one. Returns the names of the files written.
 */
export async function writeFailedRunFiles(dir: string, h: History, error: unknown, info: RunInfo, last?: Evaluation): Promise<string[]> {
  const { code, message } = errorDetail(error);
  await writeHistory(dir, h);
  const metrics = last ? metricsJson(last, info) : { ...runIdentity(info), seconds: info.seconds };
  const recovered = info.recovered ? { recovered: info.recovered } : {};
  await writeOutput(join(dir, 'metrics.json'), JSON.stringify({ ...metrics, epochs: h.loss.length, error: { code, message }, ...recovered }, null, 2) + '\n', 'out');
  const w = RUN_WORDS[info.lang ?? 'en'];
  const what = `${w.what(info.model, info.dataset)}${w.failed(code)}`;
  const written = ['history.json', 'history.csv', 'metrics.json'];
  if (h.loss.length > 0) {
    await writeCharts(dir, h, what, info);
    written.push('loss.svg/.png', 'accuracy.svg/.png');
  }
  if (last && (await writeMistakes(dir, last, info, `${what}: ${w.mistakesAfter(h.loss.length)}`))) written.push('mistakes.svg/.png');
  return written;
}
