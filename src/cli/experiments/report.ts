// The experiments report as Markdown (tables, settings, generated conclusions) and the specs of its
// SVG charts. Pure: the command (src/cli/experiments.ts) renders and writes; the tests read the text.
import { lossScale, PALETTE, TEST_COLOR, TRAIN_COLOR, type ChartOptions, type Series } from '../charts/line-chart';
import { describeModel } from '../../engine/model-summary';
import { finalTestCount, optimizerLabel, runRegularizers, type Experiment, type RunSpec } from './plan';
import { bestRates, conclusion, epochRange, gapOf, gapSpread, int, num, pct, rate, secs, regularizerEffects, valAccSpread, type ExperimentResult, type RegularizerEffect, type RunResult } from './summary';
import { numSpread, pctSpread, pointsSpread, spread, type StoredMistakes } from './seeds';
import { formatDuration, type Estimate } from './estimate';
import { CHART_WORDS, experimentTitle, localNumbers, runLabel, type ReportLang } from './chart-words';

export interface ReportMeta {
  /** The exact command that produced the report. */
  command: string;
  adapter: string;
  /** ISO date and time of the start. */
  date: string;
  /** Wall-clock seconds of the whole run. */
  seconds: number;
  quick: boolean;
  /** e.g. "Node v20.19.0"; the commit when known. */
  runtime?: string;
  commit?: string;
  /** Link to docs/concepts.md from the report's folder. */
  conceptsHref: string;
  /** The charts' folder relative to the report. */
  imageDir: string;
  /** How long the full plan takes on this adapter, from measured speeds. */
  estimate?: Estimate;
  /** Set by --from-results: the text and charts drawn again from the stored numbers, when and by which code. */
  redrawn?: { command: string; date: string; commit?: string };
}

/** "Drawn again … at commit X" in English: the numbers are the run's, the words the later code's. */
export function redrawnNote(meta: ReportMeta): string[] {
  const r = meta.redrawn;
  return r ? [`Drawn again from the stored results by \`${r.command}\` on ${r.date}${r.commit ? ` at commit ${r.commit}` : ''}: ` +
    'the numbers are those of the run above, the sentences and charts are that commit\'s.', ''] : [];
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function markdownTable(head: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = head.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

interface Field { name: string; value: (r: RunSpec) => string }

const FIELDS: Field[] = [
  { name: 'model', value: (r) => describeModel(r.model) },
  { name: 'optimizer', value: (r) => optimizerLabel(r.optimizer, r.lrSchedule) },
  { name: 'epochs', value: (r) => String(r.epochs) },
  { name: 'batch size', value: (r) => String(r.batchSize) },
  { name: 'training images', value: (r) => `the first ${int(r.trainLimit)}` },
  {
    name: 'test images',
    value: (r) => (finalTestCount(r) > r.testLimit ? `the first ${int(r.testLimit)} after each epoch (the curves), the first ${int(finalTestCount(r))} after the last (the tables)` : `the first ${int(r.testLimit)}`),
  },
  { name: 'seeds', value: (r) => r.seeds.join(', ') },
  { name: 'other settings', value: (r) => otherSettings(r) },
];

/** "augmentShift 2, augmentRotation 10" for the settings a run carries beyond the common fields; "—" for none. */
export function otherSettings(r: RunSpec): string {
  const e = Object.entries(r.settings ?? {});
  return e.length ? e.map(([k, v]) => `${k} ${String(v)}`).join(', ') : '—';
}

/** Settings every run shares as a list, and a table of those that differ. */
export function settingsSection(e: Experiment, datasetName: string): string {
  const shared = FIELDS.filter((f) => new Set(e.runs.map(f.value)).size === 1);
  // A varying field that only repeats each run's label (e.g. "Adam lr 0.001") needs no table.
  const varying = FIELDS.filter((f) => !shared.includes(f) && e.runs.some((r) => f.value(r) !== r.label));
  const lines = [`Settings: data set ${datasetName}; ` + shared.map((f) => `${f.name}: ${f.value(e.runs[0])}`).join('; ') +
    '. Training shuffles with the seed each epoch; the test images are evaluated after every epoch with dropout off.'];
  if (varying.length) lines.push('', markdownTable(['run', ...varying.map((f) => f.name)], e.runs.map((r) => [r.label, ...varying.map((f) => f.value(r))]), ['l', ...varying.map(() => 'l' as const)]));
  return lines.join('\n');
}

function resultRow(r: RunResult): string[] {
  const status = r.diverged ? `${r.spec.label} (diverged: ${r.diverged.replace(/:.*$/, '')})` : r.spec.label;
  const train = (k: 'loss' | 'accuracy') => spread(r, (s) => s.train?.[k]);
  const test = (k: 'loss' | 'accuracy') => spread(r, (s) => s.test?.[k]);
  return [status, int(r.parameters), secs(r.trainSeconds), rate(r.imagesPerSec), numSpread(train('loss')), pctSpread(train('accuracy')),
    numSpread(test('loss')), pctSpread(test('accuracy')), pointsSpread(gapSpread(r))];
}

const RESULT_HEAD = ['run', 'parameters', 'training s per seed', 'images/s', 'train loss', 'train acc', 'test loss', 'test acc', 'acc gap (points)'];

export function resultsTable(x: ExperimentResult): string {
  const k = x.experiment.kind;
  if (k === 'optimizers') {
    const best = new Set(bestRates(x.runs));
    return markdownTable([...RESULT_HEAD, 'validation acc (chooses the rate)'], x.runs.map((r) => {
      const row = resultRow(r);
      return [best.has(r) ? `**${row[0]}**` : row[0], ...row.slice(1), pctSpread(valAccSpread(r))];
    }));
  }
  if (k !== 'overfitting') return markdownTable(RESULT_HEAD, x.runs.map(resultRow));
  const head = [...RESULT_HEAD, 'loss gap', 'lowest test loss (epoch)', 'test loss rise after it', 'epochs'];
  return markdownTable(head, x.runs.map((r) => {
    const g = gapOf(r);
    return [...resultRow(r), num(g.loss), `${num(g.bestTestLoss)} (${epochRange(g.bestEpochs)})`, num(g.testLossRise), epochRange(g.epochsTrained)];
  }));
}

/** "6 Shirt", or "6" where the class is named by its number (MNIST's digits). */
export const classLabel = (name: string, i: number): string => (name === String(i) ? name : `${i} ${name}`);

/** Per class: precision, recall and F1 of each run (means over its seeds). */
export function perClassTable(x: ExperimentResult): string {
  const runs = x.runs.filter((r) => r.test);
  const full = x.experiment.kind === 'headline';
  const head = ['class', ...runs.flatMap((r) => (full ? [`${r.spec.label} precision`, `${r.spec.label} recall`, `${r.spec.label} F1`] : [`${r.spec.label} recall`, `${r.spec.label} F1`]))];
  const rows = x.classNames.map((name, c) => [classLabel(name, c), ...runs.flatMap((r) => [
    ...(full ? [pct(r.test!.precision[c])] : []), pct(r.test!.recall[c]), num(r.test!.f1[c], 3)])]);
  return markdownTable(head, rows);
}

/** The confusion matrix of a run's first seed: rows true class, columns predicted; the diagonal in bold. `corner` heads the class column. */
export function confusionTable(r: RunResult, classNames: string[], corner = 'true ↓ / predicted →'): string {
  const m = r.seeds[0]?.test?.confusion;
  if (!m) return '';
  const k = classNames.length;
  const rows = classNames.map((name, i) => [classLabel(name, i), ...Array.from({ length: k }, (_, j) => (i === j ? `**${int(m[i * k + j])}**` : int(m[i * k + j])))]);
  return markdownTable([corner, ...classNames.map((_, j) => String(j))], rows);
}

export interface ChartFile {
  file: string;
  alt: string;
  options: ChartOptions;
}

const epochs = (h: number[]) => h.map((_, i) => i + 1);
const SIZE = { width: 880, height: 480 };

/** What a History's train curve is: Keras's running average over each epoch, with dropout and augmentation active. */
export function trainCurveLabel(r: RunResult, lang: ReportLang = 'en'): string {
  const inUse = runRegularizers(r.spec);
  const active = [inUse.dropoutRate > 0 ? 'dropout' as const : undefined, inUse.augmentation ? 'augmentation' as const : undefined].filter((a) => a !== undefined);
  return CHART_WORDS[lang].train(active);
}

const seedsNote = (r: RunResult, lang: ReportLang) => (r.seeds.length > 1 ? CHART_WORDS[lang].seeds(r.seeds.length) : '');
/** A chart's file: `<name>.svg`, its Russian drawing `<name>.ru.svg`. */
const chartFile = (name: string, lang: ReportLang) => `${name}${lang === 'ru' ? '.ru' : ''}.svg`;

/** One run's loss and accuracy panels: train in the element's train colour, test in its test colour; the test-loss minimum marked. */
function runPanels(x: ExperimentResult, r: RunResult, tag: string, title: string, lang: ReportLang): ChartFile[] {
  const w = CHART_WORDS[lang];
  return (['loss', 'accuracy'] as const).map((key) => {
    const testKey = key === 'loss' ? 'test_loss' : 'test_accuracy';
    const series: Series[] = [
      { label: trainCurveLabel(r, lang), x: epochs(r.history[key]), y: r.history[key], color: TRAIN_COLOR },
      { label: w.test, x: epochs(r.history[testKey]), y: r.history[testKey], color: TEST_COLOR },
    ];
    return {
      file: chartFile(`${x.experiment.id}-${tag}-${key}`, lang),
      alt: `${title}: ${w.perEpochTrainTest(w[key])}${seedsNote(r, lang)}`,
      options: {
        ...SIZE, title: `${title}: ${w[key]}${seedsNote(r, lang)}`, xLabel: w.epoch, yLabel: key === 'loss' ? w.lossAxis(r.spec.loss ?? 'categorical_crossentropy') : w.accuracy, series, locale: lang,
        ...(key === 'loss' ? { markMinimum: [{ series: series[1].label, name: w.testLoss }] } : {}),
      },
    };
  });
}

/** Every run's test curve of `key` in one chart. */
function compareChart(x: ExperimentResult, runs: RunResult[], key: 'test_accuracy' | 'test_loss' | 'loss', file: string, lang: ReportLang): ChartFile {
  const w = CHART_WORDS[lang];
  let what = { test_accuracy: w.testAccuracy, test_loss: w.testLoss, loss: w.trainLoss }[key];
  const title = experimentTitle(lang, x);
  const finite = runs.flatMap((r) => r.history[key].filter(Number.isFinite));
  const logLoss = key === 'loss' ? { yScale: lossScale(finite.filter((v) => v <= 2.5)), ...(Math.max(0, ...finite) > 2.5 ? { yMax: 2.5 } : {}) } : {};
  const seeds = runs[0]?.seeds.length ?? 1;
  // The curves of runs judged on a larger final test set are on its first testLimit images only.
  const spec = runs[0]?.spec;
  if (key !== 'loss' && spec && finalTestCount(spec) > spec.testLimit) what += w.firstImages(localNumbers(lang, int(spec.testLimit)));
  return {
    file: chartFile(`${x.experiment.id}-${file}`, lang),
    alt: `${title}: ${w.perEpoch(what)}${seeds > 1 ? w.seeds(seeds) : ''}`,
    options: {
      ...SIZE, title: `${title}: ${what}`, xLabel: w.epoch, yLabel: what, ...logLoss, locale: lang,
      series: runs.map((r, i) => ({ label: runLabel(lang, r), x: epochs(r.history[key]), y: r.history[key], color: PALETTE[i % PALETTE.length], dashed: i >= PALETTE.length })),
    },
  };
}

/**
 * Overfitting: separate before (no regularization) and after (dropout, the lab's step) panels, loss and
 * accuracy, the same for the regularizer with the smallest gap when that is not dropout, then every
 * regularizer's test loss; headline: each run's panels; optimizers: each at its best rate; others: test accuracy.
 */
export function experimentCharts(x: ExperimentResult, lang: ReportLang = 'en'): ChartFile[] {
  const e = x.experiment;
  const title = experimentTitle(lang, x);
  if (e.kind === 'overfitting') {
    const base = x.runs.find((r) => r.spec.id === 'no-dropout') ?? x.runs[0];
    const drop = x.runs.find((r) => r.spec.id === 'dropout');
    const best = regularizerEffects(x.runs).effects.reduce<RegularizerEffect | undefined>((a, b) => (!a || b.after < a.after ? b : a), undefined)?.run;
    return [
      ...(base ? runPanels(x, base, 'before', `${title}: ${runLabel(lang, base)}`, lang) : []),
      ...(drop ? runPanels(x, drop, 'dropout', `${title}: ${runLabel(lang, drop)}`, lang) : []),
      ...(best && best !== drop ? runPanels(x, best, 'best', `${title}: ${runLabel(lang, best)}${CHART_WORDS[lang].smallestGap}`, lang) : []),
      ...(x.runs.length > 2 ? [compareChart(x, x.runs, 'test_loss', 'regularizers-test-loss', lang)] : []),
    ];
  }
  if (e.kind === 'headline') return x.runs.flatMap((r) => runPanels(x, r, r.spec.id, `${x.datasetName} ${r.spec.label}`, lang));
  if (e.kind === 'optimizers') {
    const best = bestRates(x.runs);
    return [compareChart(x, best, 'test_accuracy', 'test-accuracy', lang), compareChart(x, best, 'loss', 'train-loss', lang)];
  }
  return [compareChart(x, x.runs, 'test_accuracy', 'test-accuracy', lang)];
}

/** A run's kept mistakes (its first seed's, as its confusion matrix: plan.ts keepsMistakes), if it has them. */
export const keptMistakes = (r: RunResult): StoredMistakes | undefined => r.seeds[0]?.test?.mistakes;

/** The file of a run's gallery of its surest mistakes in the image folder (experiments.ts draws it; Russian: .ru.svg). */
export const mistakesFile = (x: ExperimentResult, r: RunResult, lang: ReportLang = 'en'): string => `${x.experiment.id}-${r.spec.id}-mistakes${lang === 'ru' ? '.ru' : ''}.svg`;

/** The experiments whose charts the Russian lab report shows (lab5.ts), drawn a second time in Russian. */
export const charted = (x: ExperimentResult): boolean => x.experiment.kind === 'headline' || x.experiment.kind === 'overfitting';

const COLUMNS_NOTE = 'Columns: each value is the mean ± standard deviation over the run\'s seeds (a single value: one seed). *training s per seed* is ' +
  'the time spent in training steps (evaluation excluded) and *images/s* the training throughput on this adapter; *train loss/acc* re-evaluate the whole ' +
  'training subset after the last epoch with dropout off; *test loss/acc* evaluate the test images after the last epoch (all those the settings name for the tables); *acc gap* = train acc − test acc. ' +
  'Charts show the mean curves; their train curves are what Keras prints, the running average over each epoch with dropout and augmentation active.';

function experimentSection(x: ExperimentResult, meta: ReportMeta): string {
  const e = x.experiment;
  const concepts = e.concepts.map((c) => `[${c.replace(/-/g, ' ')}](${meta.conceptsHref}#${c})`).join(', ');
  const charts = experimentCharts(x).map((c) => `![${c.alt}](${meta.imageDir}/${c.file})`).join('\n');
  const seconds = x.runs.reduce((a, r) => a + r.seconds, 0);
  const stale = x.stale ? '*These results were measured under an earlier plan: the description says what `npm run experiments` runs now; the settings, tables and charts are those of the runs measured.* ' : '';
  const parts = [`<a id="${e.anchor}"></a>`, `## ${e.title}`, '', `${stale}Concepts: ${concepts}. ${e.intro}`, '', settingsSection(e, x.datasetName), '', charts, '', resultsTable(x), ''];
  if (e.kind === 'overfitting') {
    parts.push('*loss gap* = test loss − train loss; *lowest test loss* = the mean of each seed\'s lowest, at the epoch (or range of epochs) the seeds reached it; *test loss rise* = final test loss − that lowest value; ' +
      '*epochs* = epochs trained (a range where the seeds differ: early stopping ends them sooner).', '');
  }
  if (e.kind === 'headline') {
    for (const r of x.runs.filter((q) => q.test)) {
      parts.push(`Confusion matrix of ${r.spec.label} on the ${int(finalTestCount(r.spec))} test images (seed ${r.seeds[0].seed}):`, '', confusionTable(r, x.classNames), '');
      const m = keptMistakes(r);
      if (m) parts.push(`The mistakes ${r.spec.label} was surest of (${m.surest.length} of its ${int(m.count)}; true → predicted, the predicted class's probability, the test image's index):`, '', `![The mistakes ${r.spec.label} was surest of](${meta.imageDir}/${mistakesFile(x, r)})`, '');
    }
  }
  if (e.perClass) parts.push(`Per class on the test images (${x.classNames.length} classes: ${x.classNames.join(', ')}):`, '', perClassTable(x), '');
  const reused = x.runs.reduce((a, r) => a + r.seeds.filter((s) => s.reused).length, 0);
  const seedCount = x.runs.reduce((a, r) => a + r.seeds.length, 0);
  parts.push(`**Result.** ${conclusion(x).join(' ')}`, '',
    `*(${e.runs.length} run${e.runs.length === 1 ? '' : 's'}, ${seedCount} training${seedCount === 1 ? '' : 's'}, ${secs(seconds)} s in all${reused ? `; ${reused} reused from stored results` : ''}.)*`, '');
  return parts.join('\n');
}

/** The runs taken from stored results rather than trained for this report, with when they were measured. */
export function reusedSection(results: ExperimentResult[]): string {
  const rows = results.flatMap((x) => x.runs.flatMap((r) => r.seeds.filter((s) => s.reused).map((s) => [x.experiment.id, r.spec.label, String(s.seed), s.measured?.date ?? 'unknown', s.measured?.commit ?? '—'])));
  if (!rows.length) return 'No run was reused: every number below was measured by this command.';
  return [`${rows.length} training${rows.length > 1 ? 's were' : ' was'} reused from stored results (same data set, model, settings and seed; \`--rerun\` trains them again):`, '',
    markdownTable(['experiment', 'run', 'seed', 'measured', 'commit'], rows, ['l', 'l', 'r', 'l', 'l'])].join('\n');
}

export function buildReport(meta: ReportMeta, results: ExperimentResult[]): string {
  const toc = results.map((x) => `- [${x.experiment.title}](#${x.experiment.anchor})`).join('\n');
  const minutes = meta.seconds / 60;
  const head = [
    '# Experiments',
    '',
    `Generated by \`${meta.command}\` on ${meta.date} with the WebGPU adapter **${meta.adapter}**` +
      `${meta.runtime ? ` (${meta.runtime}${meta.commit ? `, commit ${meta.commit}` : ''})` : ''}, in ${minutes >= 1 ? `${minutes.toFixed(1)} minutes` : `${secs(meta.seconds)} s`}. ` +
      'Every number, chart and sentence below was produced by that run or by the stored runs it lists as reused; nothing is copied by hand. ' +
      'The Russian lab report [lab5.ru.md](lab5.ru.md) and its English twin [lab5.en.md](lab5.en.md) are generated from the same results.',
    '',
    ...redrawnNote(meta),
    ...(meta.quick ? ['**This is a --quick report** (tiny subsets, one epoch): it checks that the report is generated; its numbers say little about the models.', ''] : []),
    ...(meta.estimate ? [`A full regeneration (\`${meta.estimate.command}\`) takes about **${formatDuration(meta.estimate.seconds)}** on this adapter ` +
      `(${meta.estimate.basis}; with nothing reused).`, ''] : []),
    'To reproduce: run the same command on the same adapter. Each run states its seeds; the same seed, settings and adapter give ' +
      'the same History, while another adapter can differ in the last digits (floating-point summation order). ' +
      'Speeds (*images/s*) depend on the adapter and on what else the machine is doing. A difference between two runs is called ' +
      '*within noise* when the means differ by less than 2·√(sd₁² + sd₂²), the seed-to-seed spread of both.',
    '',
    COLUMNS_NOTE,
    '',
    reusedSection(results),
    '',
    toc,
    '',
  ];
  return [...head, ...results.map((x) => experimentSection(x, meta))].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
