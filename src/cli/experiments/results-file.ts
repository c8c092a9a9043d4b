// docs/experiments/results.json: everything a report measured, written by `resultsJson` and read back by
// `resultsFromJson` (for --from-results and for reusing stored runs). Files written before runs had seeds
// (one `seed` in the spec, the measurements beside it) read as runs of one seed. Pure, tested in the browser.
import { buildPlan, type DatasetId, type RunSpec } from './plan';
import { aggregateRun, canonical, specHash, type ReuseStore, type RunResult, type SeedRun } from './seeds';
import { conclusion, gapOf, type ExperimentResult } from './summary';
import type { ReportMeta } from './report';

/** Everything measured, for scripts: settings, each seed's History and final metrics, the means' gaps, the conclusions. */
export function resultsJson(meta: ReportMeta, results: ExperimentResult[]): unknown {
  const measured = { date: meta.date, ...(meta.commit ? { commit: meta.commit } : {}) };
  return {
    ...meta,
    experiments: results.map((x) => ({
      id: x.experiment.id, title: x.experiment.title, dataset: x.datasetName, datasetId: x.experiment.dataset, classNames: x.classNames,
      runs: x.runs.map((r) => ({
        spec: r.spec, parameters: r.parameters,
        seeds: r.seeds.map(({ reused: _reused, ...s }) => ({ ...s, hash: s.hash ?? specHash(r.spec, s.seed, x.experiment.dataset), measured: s.measured ?? measured })),
        gap: gapOf(r),
      })),
      conclusion: conclusion(x),
    })),
  };
}

type Saved<T> = Omit<T, 'history'> & { history: Record<string, (number | null)[] | number> };
type SavedSpec = Omit<RunSpec, 'seeds'> & { seeds?: number[]; seed?: number };
/** A run as saved: with `seeds`, or (older files) one seed's measurements beside the spec. */
type SavedRun = Partial<Saved<SeedRun>> & { spec: SavedSpec; parameters: number; seeds?: Saved<SeedRun>[]; gap?: unknown };
interface ResultsFile extends ReportMeta { experiments: { id: string; dataset: string; datasetId?: DatasetId; classNames: string[]; runs: SavedRun[] }[] }

/** JSON turned NaN (a diverged epoch) into null: NaN again. */
function history(h: Saved<SeedRun>['history']): SeedRun['history'] {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.map((y) => (y === null ? NaN : y)) : v])) as unknown as SeedRun['history'];
}

function readRun(r: SavedRun, meta: ReportMeta): RunResult {
  const { seed, seeds: specSeeds, ...rest } = r.spec;
  const legacy = !r.seeds;
  const measured = { date: meta.date, ...(meta.commit ? { commit: meta.commit } : {}) };
  const saved: Saved<SeedRun>[] = r.seeds ?? [{
    seed: seed ?? 1, history: r.history ?? {}, trainSeconds: r.trainSeconds ?? Number.NaN, seconds: r.seconds ?? Number.NaN,
    imagesPerSec: r.imagesPerSec ?? Number.NaN, ...(r.train ? { train: r.train } : {}), ...(r.test ? { test: r.test } : {}), ...(r.diverged ? { diverged: r.diverged } : {}),
  }];
  // A seed measured before the command that wrote the file was reused by it (resultsJson does not store the flag).
  const seeds = saved.map((s): SeedRun => ({
    ...s, history: history(s.history), measured: s.measured ?? measured, ...(s.measured && s.measured.date !== meta.date ? { reused: true } : {}),
  }));
  const spec: RunSpec = { ...rest, seeds: specSeeds ?? (legacy ? [seed ?? 1] : seeds.map((s) => s.seed)) };
  return aggregateRun(spec, r.parameters, seeds);
}

/**
 * The report's inputs back from a results.json: the experiments' fixed texts from the current plan, the runs
 * and measurements from the file (so a file from an older plan still draws its own runs).
 */
export function resultsFromJson(json: unknown): { meta: ReportMeta; results: ExperimentResult[] } {
  const { experiments, ...meta } = json as ResultsFile;
  if (!Array.isArray(experiments)) throw new Error('not a results.json of `npm run experiments` (no "experiments" list)');
  const plan = buildPlan({ quick: meta.quick, fashion: true });
  const results = experiments.map((x): ExperimentResult => {
    const planned = plan.find((e) => e.id === x.id);
    if (!planned) throw new Error(`results.json: experiment "${x.id}" is not in the plan (${plan.map((e) => e.id).join(', ')})`);
    const runs = x.runs.map((r) => readRun(r, meta));
    const stale = canonical(runs.map((r) => r.spec)) !== canonical(planned.runs);
    return { experiment: { ...planned, runs: runs.map((r) => r.spec) }, datasetName: x.dataset, classNames: x.classNames, runs, ...(stale ? { stale } : {}) };
  });
  return { meta, results };
}

/** Every stored seed by its specHash (recomputed: a file may come from an older version of the hash). */
export function reuseStore(results: ExperimentResult[]): ReuseStore {
  const store: ReuseStore = new Map();
  for (const x of results) {
    for (const r of x.runs) {
      for (const s of r.seeds) {
        try {
          store.set(specHash(r.spec, s.seed, x.experiment.dataset), { run: s, parameters: r.parameters });
        } catch {
          // A stored run that today's settings rules reject cannot match a planned run: skip it.
        }
      }
    }
  }
  return store;
}
