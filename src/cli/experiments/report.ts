// The experiments report as Markdown (tables, settings, generated conclusions) and the specs of its
// SVG charts. Pure: the command (src/cli/experiments.ts) renders and writes; the tests read the text.
import { lossScale, PALETTE, type ChartOptions, type Series } from '../charts/line-chart';
import type { LayerSpec, ModelSpec } from '../../engine/model';
import { buildPlan, optimizerLabel, type Experiment, type RunSpec } from './plan';
import { conclusion, constantTwin, finalTest, finalTrain, gapOf, int, num, pct, points, rate, secs, type ExperimentResult, type RunResult } from './summary';

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
}

function describeLayer(l: LayerSpec): string {
  const act = (a?: string) => (a && a !== 'linear' ? ` ${a}` : '');
  switch (l.type) {
    case 'flatten': return 'Flatten';
    case 'dense': return `Dense ${l.units}${act(l.activation)}`;
    case 'conv2d': {
      const [kh, kw] = Array.isArray(l.kernelSize) ? l.kernelSize : [l.kernelSize, l.kernelSize];
      return `Conv ${kh}×${kw}×${l.filters}${l.padding === 'same' ? ' same' : ''}${act(l.activation)}`;
    }
    case 'maxPool2d': return `MaxPool ${l.poolSize ?? 2}`;
    case 'avgPool2d': return `AvgPool ${l.poolSize ?? 2}`;
    case 'dropout': return `Dropout ${l.rate}`;
    case 'activation': return l.activation;
    case 'batchNormalization': return 'BatchNorm';
  }
}

/** "Flatten → Dense 128 relu → Dropout 0.2 → Dense 10" */
export function describeModel(m: ModelSpec): string {
  return m.layers.map(describeLayer).join(' → ');
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
  { name: 'test images', value: (r) => `the first ${int(r.testLimit)}` },
  { name: 'seed', value: (r) => String(r.seed) },
];

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
  const train = finalTrain(r), test = finalTest(r), g = gapOf(r);
  const status = r.diverged ? `${r.spec.label} (diverged)` : r.spec.label;
  return [status, int(r.parameters), secs(r.trainSeconds), rate(r.imagesPerSec), num(train.loss), pct(train.accuracy), num(test.loss), pct(test.accuracy), points(g.accuracyPoints)];
}

const RESULT_HEAD = ['run', 'parameters', 'training s', 'images/s', 'train loss', 'train acc', 'test loss', 'test acc', 'acc gap (points)'];

export function resultsTable(x: ExperimentResult): string {
  if (x.experiment.kind !== 'overfitting') return markdownTable(RESULT_HEAD, x.runs.map(resultRow));
  const head = [...RESULT_HEAD, 'loss gap', 'lowest test loss (epoch)', 'test loss rise after it', 'train acc, last epoch running (dropout on)'];
  return markdownTable(head, x.runs.map((r) => {
    const g = gapOf(r);
    return [...resultRow(r), num(g.loss), `${num(g.bestTestLoss)} (${g.bestEpoch})`, num(g.testLossRise), pct(r.history.accuracy[r.history.accuracy.length - 1])];
  }));
}

export function perClassTable(x: ExperimentResult): string {
  const runs = x.runs.filter((r) => r.test);
  const head = ['class', ...runs.flatMap((r) => [`${r.spec.label} recall`, `${r.spec.label} F1`])];
  const rows = x.classNames.map((name, c) => [`${c} ${name}`, ...runs.flatMap((r) => [pct(r.test!.recall[c]), num(r.test!.f1[c], 3)])]);
  return markdownTable(head, rows);
}

export interface ChartFile {
  file: string;
  alt: string;
  options: ChartOptions;
}

const epochs = (h: number[]) => h.map((_, i) => i + 1);

/** Overfitting: loss and accuracy, train solid and test dashed per run; others: test accuracy per epoch (and train loss for optimizers). */
export function experimentCharts(x: ExperimentResult): ChartFile[] {
  const e = x.experiment;
  const size = { width: 880, height: 480 };
  if (e.kind === 'overfitting') {
    return (['loss', 'accuracy'] as const).map((key) => {
      const testKey = key === 'loss' ? 'test_loss' : 'test_accuracy';
      const series: Series[] = x.runs.flatMap((r, i) => [
        { label: `${r.spec.label} train`, x: epochs(r.history[key]), y: r.history[key], color: PALETTE[i % PALETTE.length] },
        { label: `${r.spec.label} test`, x: epochs(r.history[testKey]), y: r.history[testKey], color: PALETTE[i % PALETTE.length], dashed: true },
      ]);
      return {
        file: `${e.id}-${key}.svg`,
        alt: `${e.title}: ${key} per epoch, train solid and test dashed`,
        // The y axis follows the data (not from 0), so a test loss that turns upward shows its U; its lowest point is marked.
        options: {
          ...size, title: `${e.title}: ${key}`, xLabel: 'epoch', yLabel: key === 'loss' ? 'cross-entropy loss' : 'accuracy', series,
          ...(key === 'loss' ? { markMinimum: x.runs.map((r) => ({ series: `${r.spec.label} test`, name: `${r.spec.label} test loss` })) } : {}),
        },
      };
    });
  }
  // AdamW with its small weight decay often retraces Adam: dashed, so both stay visible. A cosine run is
  // dashed in the colour of its constant-rate twin, so each pair reads together.
  const cosine = (r: RunResult) => r.spec.lrSchedule === 'cosine';
  const dashed = (r: RunResult) => e.kind === 'optimizers' && (r.spec.optimizer.name === 'adamw' || cosine(r));
  const colorOf = (r: RunResult, i: number) => {
    const twin = cosine(r) ? constantTwin(x.runs, r) : undefined;
    return PALETTE[(twin ? x.runs.indexOf(twin) : i) % PALETTE.length];
  };
  const charts: ChartFile[] = [{
    file: `${e.id}-test-accuracy.svg`,
    alt: `${e.title}: test accuracy per epoch`,
    options: {
      ...size, title: `${e.title}: test accuracy`, xLabel: 'epoch', yLabel: 'test accuracy',
      series: x.runs.map((r, i) => ({ label: r.spec.label, x: epochs(r.history.test_accuracy), y: r.history.test_accuracy, color: colorOf(r, i), dashed: dashed(r) })),
    },
  }];
  if (e.kind === 'optimizers') {
    // Losses of fast and slow optimizers lie decades apart: a log axis keeps each curve's shape. A diverging
    // run's huge losses would squash the others: the axis stops a little above the initial loss (ln 10 ≈ 2.3).
    const finite = x.runs.flatMap((r) => r.history.loss.filter(Number.isFinite));
    charts.push({
      file: `${e.id}-train-loss.svg`,
      alt: `${e.title}: training loss per epoch`,
      options: {
        ...size, title: `${e.title}: training loss`, xLabel: 'epoch', yLabel: 'train loss', yScale: lossScale(finite.filter((v) => v <= 2.5)),
        ...(Math.max(0, ...finite) > 2.5 ? { yMax: 2.5 } : {}),
        series: x.runs.map((r, i) => ({ label: r.spec.label, x: epochs(r.history.loss), y: r.history.loss, color: colorOf(r, i), dashed: dashed(r) })),
      },
    });
  }
  return charts;
}

const COLUMNS_NOTE = 'Columns: *training s* is the time spent in training steps (evaluation excluded) and *images/s* the training ' +
  'throughput on this adapter; *train loss/acc* re-evaluate the whole training subset after the last epoch with dropout off; ' +
  '*test loss/acc* are the test subset after the last epoch; *acc gap* = train acc − test acc.';

function experimentSection(x: ExperimentResult, meta: ReportMeta): string {
  const e = x.experiment;
  const concepts = e.concepts.map((c) => `[${c.replace(/-/g, ' ')}](${meta.conceptsHref}#${c})`).join(', ');
  const charts = experimentCharts(x).map((c) => `![${c.alt}](${meta.imageDir}/${c.file})`).join('\n');
  const seconds = x.runs.reduce((a, r) => a + r.seconds, 0);
  const parts = [
    `<a id="${e.anchor}"></a>`,
    `## ${e.title}`,
    '',
    `Concepts: ${concepts}. ${e.intro}`,
    '',
    settingsSection(e, x.datasetName),
    '',
    charts,
    '',
    resultsTable(x),
    '',
  ];
  if (e.kind === 'overfitting') {
    parts.push('*loss gap* = test loss − train loss; *test loss rise* = final test loss − its lowest value. The last column is ' +
      'what Keras prints during training: the running average over the last epoch, measured with dropout active.', '');
  }
  if (e.perClass) parts.push(`Per class on the test subset (${x.classNames.length} classes: ${x.classNames.join(', ')}):`, '', perClassTable(x), '');
  parts.push(`**Result.** ${conclusion(x).join(' ')}`, '', `*(${e.runs.length} runs, ${secs(seconds)} s in all.)*`, '');
  return parts.join('\n');
}

export function buildReport(meta: ReportMeta, results: ExperimentResult[]): string {
  const toc = results.map((x) => `- [${x.experiment.title}](#${x.experiment.anchor})`).join('\n');
  const minutes = meta.seconds / 60;
  const head = [
    '# Experiments',
    '',
    `Generated by \`${meta.command}\` on ${meta.date} with the WebGPU adapter **${meta.adapter}**` +
      `${meta.runtime ? ` (${meta.runtime}${meta.commit ? `, commit ${meta.commit}` : ''})` : ''}, in ${minutes >= 1 ? `${minutes.toFixed(1)} minutes` : `${secs(meta.seconds)} s`}. ` +
      'Every number, chart and sentence below was produced by that run; nothing is copied by hand.',
    '',
    ...(meta.quick ? ['**This is a --quick report** (tiny subsets, one epoch): it checks that the report is generated; its numbers say little about the models.', ''] : []),
    'To reproduce: run the same command on the same adapter. Each run states its seed; the same seed, settings and adapter give ' +
      'the same History, while another adapter can differ in the last digits (floating-point summation order). ' +
      'Speeds (*images/s*) depend on the adapter and on what else the machine is doing.',
    '',
    COLUMNS_NOTE,
    '',
    toc,
    '',
  ];
  return [...head, ...results.map((x) => experimentSection(x, meta))].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** Everything measured, for scripts: settings, Histories, final metrics, gaps. */
export function resultsJson(meta: ReportMeta, results: ExperimentResult[]): unknown {
  return {
    ...meta,
    experiments: results.map((x) => ({
      id: x.experiment.id, title: x.experiment.title, dataset: x.datasetName, classNames: x.classNames,
      runs: x.runs.map((r) => ({ ...r, gap: gapOf(r) })),
      conclusion: conclusion(x),
    })),
  };
}

type SavedRun = Omit<RunResult, 'history'> & { history: Record<string, (number | null)[]> };
interface ResultsFile extends ReportMeta { experiments: { id: string; dataset: string; classNames: string[]; runs: SavedRun[] }[] }

/**
 * The report's inputs back from a results.json that `resultsJson` wrote, to draw the report and its charts
 * again without training (`--from-results`). The experiments' fixed texts come from the current plan, the
 * runs and measurements from the file; JSON turned NaN (a diverged epoch) into null, made NaN again here.
 */
export function resultsFromJson(json: unknown): { meta: ReportMeta; results: ExperimentResult[] } {
  const { experiments, ...meta } = json as ResultsFile;
  if (!Array.isArray(experiments)) throw new Error('not a results.json of `npm run experiments` (no "experiments" list)');
  const plan = buildPlan({ quick: meta.quick, fashion: true });
  const results = experiments.map((x): ExperimentResult => {
    const planned = plan.find((e) => e.id === x.id);
    if (!planned) throw new Error(`results.json: experiment "${x.id}" is not in the plan (${plan.map((e) => e.id).join(', ')})`);
    // The report's fixed texts describe the plan's runs: a file from an older plan must be run again instead.
    const ids = (runs: { id: string }[]) => runs.map((r) => r.id).join(', ');
    if (ids(x.runs.map((r) => r.spec)) !== ids(planned.runs)) {
      throw new Error(`results.json: experiment "${x.id}" ran ${ids(x.runs.map((r) => r.spec))}, but the plan now has ${ids(planned.runs)}: run the experiments again`);
    }
    const runs = x.runs.map(({ gap: _gap, ...r }: SavedRun & { gap?: unknown }): RunResult => ({
      ...r,
      history: Object.fromEntries(Object.entries(r.history).map(([k, v]) => [k, v.map((y) => (y === null ? NaN : y))])) as unknown as RunResult['history'],
    }));
    return { experiment: { ...planned, runs: runs.map((r) => r.spec) }, datasetName: x.dataset, classNames: x.classNames, runs };
  });
  return { meta, results };
}
