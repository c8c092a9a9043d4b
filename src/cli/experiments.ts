// `npm run experiments -- [options]`: runs the fixed set of experiments in src/cli/experiments/plan.ts
// through the engine (Node + WebGPU), each run once per seed, and writes the report: docs/experiments.md and
// the lab report docs/lab5.ru.md / lab5.en.md with their charts in docs/experiments/*.svg and every measured
// value in docs/experiments/results.json (or under --out DIR). A seed whose settings match one stored in that
// results.json is reused, not trained again (--rerun trains everything); with --from-results, the reports and
// charts again from such a results.json, without training.
import { rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { nodeGpu } from '../node/gpu';
import { DATA_FOLDERS, loadNodeDataset } from '../node/data';
import { UsageError, usageReport } from '../engine/args';
import { CodedError, errorDetail } from '../engine/errors';
import { checkInput } from './input-paths';
import { checkOutputFolder, writeOutput } from './output-file';
import { renderChartSvg } from './charts/line-chart';
import { adapterName } from '../engine/gpu';
import { builtinDatasetName, FASHION_MNIST_CLASSES } from '../data/sources';
import type { Dataset } from '../data/idx';
import { buildPlan, EXPERIMENT_IDS, finalTestCount, keepsMistakes } from './experiments/plan';
import { EXPERIMENTS_USAGE, parseExperimentOptions, type ExperimentOptions } from './experiments/options';
import { buildReport, charted, experimentCharts, keptMistakes, mistakesFile, type ReportMeta } from './experiments/report';
import { mistakesSvg } from './charts/mistakes-chart';
import { RUN_WORDS, classNamesIn } from './run-words';
import type { ReportLang } from './experiments/chart-words';
import { resultsFromJson, resultsJson, reuseStore } from './experiments/results-file';
import { pct, rate, secs, type ExperimentResult } from './experiments/summary';
import { aggregateRun, reusable, type ReuseStore, type RunResult, type SeedRun } from './experiments/seeds';
import { estimateSeconds, measuredSpeeds, type Estimate } from './experiments/estimate';
import { buildLab5 } from './experiments/lab5';
import { runOne } from './experiments/runner';

const IMAGE_DIR = 'experiments';
const COMMITTED_RESULTS = 'docs/experiments/results.json';
/** Written after every finished run, removed when the report is written; an interrupted command resumes from it. */
const PARTIAL_RESULTS = 'results.partial.json';

function shellQuote(a: string): string {
  return /^[\w./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}

/** Every file of the report whole or not at all (a Ctrl-C mid-write leaves the previous one), a failure naming --out. */
const write = (path: string, data: string) => writeOutput(path, data, 'out');

const utcMinute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The checked-out commit, read from .git without running git. */
function gitCommit(): string | undefined {
  try {
    const head = readFileSync('.git/HEAD', 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    const sha = ref ? readFileSync(join('.git', ref), 'utf8').trim() : head;
    return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 10) : undefined;
  } catch {
    return undefined;
  }
}

async function loadFashion(spec: string): Promise<Dataset> {
  const data = await loadNodeDataset(spec);
  // --fashion means Fashion-MNIST whatever the folder is called.
  return { ...data, name: builtinDatasetName('fashion-mnist')!, classNames: [...FASHION_MNIST_CLASSES] };
}

/** A headline run's surest mistakes (kept in its results with their images) as mistakes-chart.ts draws them. */
async function writeMistakesGallery(imageDir: string, x: ExperimentResult, r: RunResult, lang: ReportLang): Promise<void> {
  const m = keptMistakes(r);
  if (!m) return;
  const pixels = m.surest.map((s) => Uint8Array.from(Buffer.from(s.pixels, 'base64')));
  const w = RUN_WORDS[lang];
  const svg = mistakesSvg({
    title: `${x.datasetName} ${r.spec.label}: ${w.mistakesTitle}`, rows: m.rows, cols: m.cols, pixels,
    classNames: classNamesIn(lang, x.classNames), mistakes: m.surest, count: m.count, of: finalTestCount(r.spec), lang,
  });
  await write(join(imageDir, mistakesFile(x, r, lang)), svg);
}

/**
 * The finished runs of an interrupted command (PARTIAL_RESULTS): an 'invalid-setting' error naming the file when it
 * cannot be read, or when it holds a run of the other mode (--quick or full), whose runs this one must not mix with its own.
 */
function readPartial(file: string, quick: boolean): ReturnType<typeof resultsFromJson> {
  const r = readResults(file, 'out', 'the finished trainings of an interrupted run, taken up again');
  if (r.meta.quick !== quick) {
    throw new CodedError('invalid-setting', `${file} holds the finished trainings of an interrupted ${r.meta.quick ? '--quick' : 'full'} run (${r.meta.date}): ` +
      `finish it first (the same command ${r.meta.quick ? 'with' : 'without'} --quick) or remove the file`, { setting: 'quick' });
  }
  return r;
}

/** experiments.md, lab5.ru.md, lab5.en.md, their charts and results.json under `outDir`. */
async function writeReport(outDir: string, meta: ReportMeta, results: ExperimentResult[]): Promise<void> {
  const imageDir = join(outDir, IMAGE_DIR);
  await checkOutputFolder('--out', imageDir);
  for (const x of results) {
    for (const c of [...experimentCharts(x), ...(charted(x) ? experimentCharts(x, 'ru') : [])]) await write(join(imageDir, c.file), await renderChartSvg(c.options));
    for (const r of x.runs) for (const lang of ['en', 'ru'] as const) await writeMistakesGallery(imageDir, x, r, lang);
  }
  await write(join(outDir, 'experiments.md'), buildReport(meta, results));
  for (const lang of ['ru', 'en'] as const) await write(join(outDir, `lab5.${lang}.md`), buildLab5(meta, results, lang));
  await write(join(imageDir, 'results.json'), JSON.stringify(resultsJson(meta, results), null, 1) + '\n');
}

/** The stored results a report reuses runs from and takes its speeds from: --reuse FILE, else OUT/experiments/results.json. */
type Stored = { file: string; date: string; quick: boolean; results: ExperimentResult[] };

function storedResults(o: ExperimentOptions): Stored | undefined {
  const file = o.reuse ?? join(o.out, IMAGE_DIR, 'results.json');
  if (!o.reuse && !existsSync(file)) return undefined;
  return stored(file, 'reuse', o.reuse ? undefined : 'the stored results, read by default to reuse its runs');
}

function stored(file: string, flag: 'from-results' | 'reuse' | 'out', role?: string): Stored {
  const { meta, results } = readResults(file, flag, role);
  return { file, date: meta.date, quick: meta.quick, results };
}

/** With --only, the results.json the report replaces (in --out, whatever --reuse names): its other experiments are kept. */
function replacedResults(o: ExperimentOptions, reused: Stored | undefined): Stored | undefined {
  const file = join(o.out, IMAGE_DIR, 'results.json');
  if (reused && resolve(reused.file) === resolve(file)) return reused;
  return existsSync(file) ? stored(file, 'out', 'the results this report replaces, whose other experiments it keeps') : undefined;
}

/**
 * A results.json (--from-results, --reuse, or one read without a flag naming it: `role` says what it is): its runs,
 * or an 'invalid-setting' error naming the flag or the file's role, the file and what is wrong.
 */
function readResults(file: string, flag: 'from-results' | 'reuse' | 'out', role?: string): ReturnType<typeof resultsFromJson> {
  if (!role) checkInput(flag, file, 'a results.json of npm run experiments');
  const fail = (why: string, e: unknown): never => {
    const named = role ? `${file} (${role}; mend or remove it)` : `--${flag} ${file}`;
    throw new CodedError('invalid-setting', `${named}: ${why}`, { setting: flag, cause: e });
  };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`not JSON (${(e as Error).message})`, e);
  }
  try {
    return resultsFromJson(json);
  } catch (e) {
    return fail((e as Error).message, e);
  }
}

/**
 * The full plan's duration from the stored speeds (or, for models they lack, this report's). The speeds come from
 * `given` unless it is a --quick run's (whose tiny runs measure mostly overhead), else from the committed report's.
 */
function estimate(given: Stored | undefined, results: ExperimentResult[], fashion: boolean): Estimate {
  const committed = existsSync(COMMITTED_RESULTS) ? stored(COMMITTED_RESULTS, 'reuse', 'the committed report\'s results, read for their speeds') : undefined;
  const speedSource = [given, committed].find((x) => x && !x.quick) ?? given ?? committed;
  const speeds = measuredSpeeds(results.flatMap((x) => x.runs));
  const storedSpeeds = measuredSpeeds(speedSource?.results.flatMap((x) => x.runs) ?? []);
  for (const [k, v] of storedSpeeds) speeds.set(k, v);
  const plan = buildPlan({ quick: false, fashion });
  return {
    seconds: estimateSeconds(plan, speeds), command: fashion ? 'npm run experiments -- --rerun' : 'npm run experiments -- --no-fashion --rerun',
    basis: storedSpeeds.size ? `from the speeds of the trainings stored in ${speedSource!.file} (${speedSource!.date})` : 'from the speeds measured by this command',
  };
}

/** --from-results: the report of an earlier run drawn again (its command, date and numbers unchanged; the redrawing noted). */
async function rerender(o: ExperimentOptions & { fromResults: string }, argv: string[]): Promise<void> {
  const { meta, results } = readResults(o.fromResults, 'from-results');
  const commit = gitCommit();
  meta.redrawn = { command: `npm run experiments -- ${argv.map(shellQuote).join(' ')}`, date: utcMinute(new Date()), ...(commit ? { commit } : {}) };
  const outDir = resolve(o.out);
  // The estimate is derived, not measured: made again with the current plan and code, for the same data sets as
  // the run that wrote the file (its estimate's command says whether Fashion-MNIST was left out).
  const fashion = meta.estimate ? !meta.estimate.command.includes('--no-fashion') : results.some((x) => x.experiment.dataset === 'fashion');
  meta.estimate = estimate({ file: o.fromResults, date: meta.date, quick: meta.quick, results }, results, fashion);
  await writeReport(outDir, { ...meta, conceptsHref: relative(outDir, resolve('docs/concepts.md')).split('\\').join('/'), imageDir: IMAGE_DIR }, results);
  console.log(`wrote ${join(o.out, 'experiments.md')}, lab5.ru.md, lab5.en.md and ${join(o.out, IMAGE_DIR)}/ from ${o.fromResults}`);
}

export async function experiments(o: ExperimentOptions, argv: string[]): Promise<void> {
  const log = (s: string) => console.log(s);
  const started = performance.now();
  const date = new Date();
  const plan = buildPlan({ quick: o.quick, fashion: o.fashion !== undefined, only: o.only });
  // Before anything is loaded: --out writable, the stored and the interrupted run's results readable.
  await checkOutputFolder('--out', join(o.out, IMAGE_DIR));
  const stored = storedResults(o);
  const replaced = o.only ? replacedResults(o, stored) : undefined;
  const partialFile = join(o.out, IMAGE_DIR, PARTIAL_RESULTS);
  const resumed = existsSync(partialFile) ? readPartial(partialFile, o.quick) : undefined;
  const data: Record<string, Dataset> = { mnist: await loadNodeDataset('mnist') };
  if (plan.some((e) => e.dataset === 'fashion')) data.fashion = await loadFashion(o.fashion!);
  const store: ReuseStore = stored && !o.rerun ? reuseStore(stored.results) : new Map();
  // An interrupted run of this command left its finished runs here: they are taken up again (even with --rerun).
  if (resumed) for (const [k, v] of reuseStore(resumed.results)) store.set(k, v);
  // Experiments an interrupted *other* command left there (this plan holds none of them) are not lost: they stay in
  // the partial file while this command runs, and join results.json when complete (else stay in the partial file).
  const carried = resumed ? resumed.results.filter((x) => !plan.some((e) => e.id === x.experiment.id)) : [];
  const gpu = await nodeGpu();
  const adapter = adapterName(gpu);
  const total = plan.reduce((a, e) => a + e.runs.reduce((b, r) => b + r.seeds.length, 0), 0);
  log(`adapter: ${adapter}`);
  log(`${plan.length} experiment${plan.length === 1 ? '' : 's'}, ${total} training${total === 1 ? '' : 's'}${o.quick ? ' (--quick)' : ''}; report: ${join(o.out, 'experiments.md')}` +
    `${stored && !o.rerun ? `; reusing matching runs of ${stored.file} (${stored.date})` : ''}` +
    `${resumed ? `; resuming the interrupted run of ${resumed.meta.date} (${partialFile})` : ''}`);
  const meta: ReportMeta = {
    command: `npm run experiments${argv.length ? ` -- ${argv.map(shellQuote).join(' ')}` : ''}`,
    adapter,
    date: utcMinute(date),
    seconds: 0,
    quick: o.quick,
    runtime: `Node ${process.version}`,
    commit: gitCommit(),
    conceptsHref: relative(resolve(o.out), resolve('docs/concepts.md')).split('\\').join('/'),
    imageDir: IMAGE_DIR,
  };
  const results: ExperimentResult[] = [];
  let done = 0;
  for (const e of plan) {
    const set = data[e.dataset];
    const x: ExperimentResult = { experiment: e, datasetName: set.name, classNames: set.classNames, runs: [] };
    for (const spec of e.runs) {
      const seeds: SeedRun[] = [];
      let parameters = 0;
      for (const seed of spec.seeds) {
        done++;
        const tag = `[${done}/${total}] ${e.id}: ${spec.label}, seed ${seed}`;
        const hit = reusable(store, spec, seed, e.dataset, keepsMistakes(e));
        if (hit) {
          seeds.push(hit.run);
          parameters = hit.parameters;
          log(`${tag}: reused (measured ${hit.run.measured?.date ?? 'earlier'})`);
          continue;
        }
        const { parameters: p, ...r } = await runOne(gpu, set, spec, seed, o.quiet ? undefined : {
          epoch: (ev) => log(`${tag}: epoch ${ev.epoch}/${spec.epochs} loss ${ev.loss.toFixed(4)} acc ${ev.accuracy.toFixed(4)} ` +
            `test_loss ${ev.test_loss.toFixed(4)} test_acc ${ev.test_accuracy.toFixed(4)} (${ev.seconds.toFixed(1)} s)`),
        }, keepsMistakes(e));
        parameters = p;
        seeds.push(r);
        const elapsed = (performance.now() - started) / 1000;
        log(`${tag}: ${r.diverged ? 'DIVERGED; ' : ''}train acc ${pct(r.train?.accuracy ?? NaN)}, test acc ${pct(r.test?.accuracy ?? NaN)}, ` +
          `${rate(r.imagesPerSec)} images/s, ${secs(r.seconds)} s (${(elapsed / 60).toFixed(1)} min so far)`);
      }
      x.runs.push(aggregateRun(spec, parameters, seeds));
      // Every finished run on disk at once: a run stopped hours in loses at most the run it was in.
      await write(partialFile, JSON.stringify(resultsJson(meta, [...carried, ...results, x]), null, 1) + '\n');
    }
    results.push(x);
  }
  const complete = (x: ExperimentResult) => buildPlan({ quick: o.quick, fashion: true, only: [x.experiment.id] })[0]?.runs
    .every((spec) => x.runs.some((r) => r.spec.id === spec.id && r.seeds.length === spec.seeds.length)) ?? false;
  for (const x of carried.filter(complete)) {
    for (const r of x.runs) for (const s of r.seeds) s.reused = true;
    results.push(x);
  }
  const unfinished = carried.filter((x) => !complete(x));
  // --only replaces its experiments in the stored results and keeps the others, listed as reused, so a partial
  // run does not drop earlier measurements from the report and from results.json.
  if (replaced && replaced.quick !== o.quick) {
    log(`note: ${replaced.file} holds a ${replaced.quick ? '--quick' : 'full'} run's results, this run is ${o.quick ? '--quick' : 'a full one'}: ` +
      'the new report holds only this run\'s experiments');
  } else if (replaced) {
    for (const x of replaced.results) {
      if (results.some((r) => r.experiment.id === x.experiment.id)) continue;
      for (const r of x.runs) for (const s of r.seeds) s.reused = true;
      results.push(x);
    }
  }
  results.sort((a, b) => EXPERIMENT_IDS.indexOf(a.experiment.id) - EXPERIMENT_IDS.indexOf(b.experiment.id));
  const outDir = resolve(o.out);
  meta.seconds = (performance.now() - started) / 1000;
  // For the data sets this command would train with (not only those of an --only list).
  meta.estimate = estimate(stored, results, o.fashion !== undefined);
  await writeReport(outDir, meta, results);
  if (unfinished.length) await write(partialFile, JSON.stringify(resultsJson(resumed!.meta, unfinished), null, 1) + '\n');
  else await rm(partialFile, { force: true });
  log(`wrote ${join(o.out, 'experiments.md')} and ${join(o.out, IMAGE_DIR)}/ (${(meta.seconds / 60).toFixed(1)} min in all)`);
  gpu.device.destroy();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let options: ExperimentOptions;
  try {
    options = parseExperimentOptions(argv, existsSync(DATA_FOLDERS['fashion-mnist']) ? DATA_FOLDERS['fashion-mnist'] : undefined);
  } catch (e) {
    if (e instanceof UsageError) {
      const { text, status } = usageReport(e, EXPERIMENTS_USAGE);
      console.error(text);
      process.exit(status);
    }
    throw e;
  }
  if (options.fromResults !== undefined) await rerender({ ...options, fromResults: options.fromResults }, argv);
  else await experiments(options, argv);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    // As `npm run train`: the code and the message; the stack only for what is no known kind of error (a bug).
    const { code, message } = errorDetail(e);
    console.error(`\nerror (${code}): ${code === 'internal' && e instanceof Error && e.stack ? e.stack : message}`);
    process.exit(1);
  },
);
