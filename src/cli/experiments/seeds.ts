// A run over several seeds: each seed's measurements, their mean (the run's curves and final metrics, which
// the single-seed code reads unchanged), the standard deviation, the "within noise" test between two runs,
// and the hash that identifies one seed of a run for reuse. Pure functions, tested in the browser.
import { hash53 } from '../../engine/hash';
import type { History } from '../../engine/training-types';
import { DEFAULT_SETTINGS, type SettingName } from '../../engine/settings';
import { configSettings } from '../../engine/settings-config';
import { runConfig, type DatasetId, type RunSpec } from './plan';
import type { Mistake } from '../../engine/metrics';

export interface SetMetrics {
  loss: number;
  accuracy: number;
}

export interface TestMetrics extends SetMetrics {
  /** Per class, in label order. */
  recall: number[];
  precision: number[];
  f1: number[];
  /** classes × classes, row = true label, column = prediction (a seed's counts; the mean over seeds in a RunResult). */
  confusion?: number[];
  /** The headline runs (plan.ts keepsMistakes): the mistakes, counted, and the surest ones with their images (a seed's). */
  mistakes?: StoredMistakes;
}

/**
 * The mistakes of a final evaluation: how many, and the surest (engine/metrics-file.ts's MISTAKES_LISTED) with
 * each image's pixels (rows × cols bytes, base64), so the report draws them without the data set at hand.
 */
export interface StoredMistakes {
  count: number;
  rows: number;
  cols: number;
  surest: (Mistake & { pixels: string })[];
}

/** What one seed of a run measured. */
export interface SeedRun {
  seed: number;
  /** Keras-style: train metrics are running averages over each epoch, with dropout active. */
  history: History;
  /** Seconds spent in training steps (evaluations excluded). */
  trainSeconds: number;
  /** Wall-clock seconds of the whole run: model build, training, every evaluation. */
  seconds: number;
  /** Training images per second (trainSeconds). */
  imagesPerSec: number;
  /** The whole training subset re-evaluated after the last epoch with dropout off. */
  train?: SetMetrics;
  /** The test subset after the last epoch. */
  test?: TestMetrics;
  /** Set when the loss became NaN/infinite: the trainer's message. */
  diverged?: string;
  /** specHash of the run's settings with this seed: the key a later report reuses it by. */
  hash?: string;
  /** When it was measured (the date of the report that trained it) and at which commit. */
  measured?: { date: string; commit?: string };
  /** Taken from a stored results.json instead of trained in this report (not saved). */
  reused?: boolean;
}

/** A run: its spec, every seed's measurements, and their means (over the seeds that did not diverge). */
export interface RunResult extends Omit<SeedRun, 'seed' | 'hash' | 'measured' | 'reused'> {
  spec: RunSpec;
  parameters: number;
  seeds: SeedRun[];
}

export const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);

/** Sample standard deviation (n − 1); 0 for a single value, NaN for none. */
export function sd(v: number[]): number {
  if (v.length < 2) return v.length ? 0 : Number.NaN;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

export interface Spread {
  mean: number;
  sd: number;
  /** How many seeds the numbers come from. */
  n: number;
}

/** `pick` over a run's completed seeds: mean, sd and count (non-finite values left out). */
export function spread(r: RunResult, pick: (s: SeedRun) => number | undefined): Spread {
  const v = completed(r).map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return { mean: mean(v), sd: sd(v), n: v.length };
}

export const completed = (r: { seeds: SeedRun[] }): SeedRun[] => r.seeds.filter((s) => !s.diverged);

/** Element-wise mean of equally indexed arrays of different lengths (early stopping ends seeds at different epochs). */
function meanSeries(series: number[][]): number[] {
  const n = Math.max(0, ...series.map((s) => s.length));
  return Array.from({ length: n }, (_, i) => mean(series.filter((s) => i < s.length).map((s) => s[i])));
}

const HISTORY_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy', 'epoch_seconds', 'learning_rate'] as const;

function meanHistory(hs: History[]): History {
  // Older results.json files lack some keys (e.g. learning_rate): an absent series is an empty one.
  const out = Object.fromEntries(HISTORY_KEYS.map((k) => [k, meanSeries(hs.map((h) => h[k] ?? []))])) as unknown as History;
  for (const k of ['top_k_accuracy', 'val_top_k_accuracy', 'test_top_k_accuracy'] as const) {
    if (hs.length && hs.every((h) => h[k])) out[k] = meanSeries(hs.map((h) => h[k]!));
  }
  return out;
}

const meanVectors = (vs: number[][]): number[] => vs[0].map((_, i) => mean(vs.map((v) => v[i])));

/** The run's means over its completed seeds (all seeds' curves when every one diverged). */
export function aggregateRun(spec: RunSpec, parameters: number, seeds: SeedRun[]): RunResult {
  const done = seeds.filter((s) => !s.diverged);
  const use = done.length ? done : seeds;
  const tests = done.map((s) => s.test).filter((t): t is TestMetrics => t !== undefined);
  const trains = done.map((s) => s.train).filter((t): t is SetMetrics => t !== undefined);
  const diverged = seeds.filter((s) => s.diverged);
  const r: RunResult = {
    spec, parameters, seeds,
    history: meanHistory(use.map((s) => s.history)),
    trainSeconds: mean(seeds.map((s) => s.trainSeconds)),
    seconds: seeds.reduce((a, s) => a + s.seconds, 0),
    imagesPerSec: mean(seeds.map((s) => s.imagesPerSec).filter(Number.isFinite)),
  };
  if (diverged.length) r.diverged = `${diverged.length} of ${seeds.length} seed${seeds.length > 1 ? 's' : ''}: ${diverged[0].diverged}`;
  if (trains.length) r.train = { loss: mean(trains.map((t) => t.loss)), accuracy: mean(trains.map((t) => t.accuracy)) };
  if (tests.length) {
    r.test = {
      loss: mean(tests.map((t) => t.loss)), accuracy: mean(tests.map((t) => t.accuracy)),
      recall: meanVectors(tests.map((t) => t.recall)), precision: meanVectors(tests.map((t) => t.precision)), f1: meanVectors(tests.map((t) => t.f1)),
      ...(tests.every((t) => t.confusion) ? { confusion: meanVectors(tests.map((t) => t.confusion!)) } : {}),
    };
  }
  return r;
}

/** "97.12 ± 0.15%" (one seed: "97.12%"), in percent. */
export function pctSpread(s: Spread): string {
  if (!Number.isFinite(s.mean)) return 'n/a';
  return s.n > 1 ? `${(s.mean * 100).toFixed(2)} ± ${(s.sd * 100).toFixed(2)}%` : `${(s.mean * 100).toFixed(2)}%`;
}

/** "0.0712 ± 0.0031" (one seed: "0.0712"). */
export function numSpread(s: Spread, digits = 4): string {
  if (!Number.isFinite(s.mean)) return 'n/a';
  return s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}` : s.mean.toFixed(digits);
}

/** "13.6 ± 0.4" points (one seed: "13.6"), from fractions. */
export function pointsSpread(s: Spread): string {
  if (!Number.isFinite(s.mean)) return 'n/a';
  return s.n > 1 ? `${(s.mean * 100).toFixed(1)} ± ${(s.sd * 100).toFixed(1)}` : (s.mean * 100).toFixed(1);
}

export type NoiseVerdict = 'within noise' | 'beyond noise' | 'unknown';

/**
 * Whether the means of a and b differ by more than their seeds vary: |Δmean| < 2·√(sd_a² + sd_b²) is
 * "within noise" (a rough two-sigma rule on the seed-to-seed spread, conservative because it ignores that
 * a mean of n seeds varies √n less). "unknown" when either side has fewer than two seeds.
 */
export function noise(a: Spread, b: Spread): { verdict: NoiseVerdict; delta: number; threshold: number } {
  const delta = Math.abs(a.mean - b.mean);
  const threshold = 2 * Math.sqrt(a.sd ** 2 + b.sd ** 2);
  if (a.n < 2 || b.n < 2 || !Number.isFinite(delta)) return { verdict: 'unknown', delta, threshold };
  return { verdict: delta < threshold ? 'within noise' : 'beyond noise', delta, threshold };
}

/**
 * The sentence on two runs' test accuracies: "cnn (98.1 ± 0.2%) against mlp (97.6 ± 0.1%): the 0.50-point
 * difference is beyond noise (2·√(sd₁² + sd₂²) = 0.45 points)."
 */
export function noiseSentence(a: RunResult, b: RunResult, pick: (s: SeedRun) => number | undefined = (s) => s.test?.accuracy): string {
  const sa = spread(a, pick), sb = spread(b, pick);
  const n = noise(sa, sb);
  const head = `${a.spec.label} (${pctSpread(sa)}) against ${b.spec.label} (${pctSpread(sb)})`;
  const d = (n.delta * 100).toFixed(2);
  if (n.verdict === 'unknown') return `${head}: a ${d}-point difference, with too few seeds to tell it from noise.`;
  return `${head}: the ${d}-point difference is ${n.verdict} (2·√(sd₁² + sd₂²) = ${(n.threshold * 100).toFixed(2)} points)` +
    `${n.verdict === 'within noise' ? ', so these seeds do not rank them' : ''}.`;
}

/** JSON with sorted object keys and no undefined members: the same value always gives the same text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/**
 * What identifies one seed of a run, whatever the code version: the data set and every setting that differs
 * from its default (the model as its JSON), as the Trainer receives them. Labels, ids and the experiment it
 * belongs to play no part, and a setting added later with a default keeps old hashes valid.
 */
export function specHash(spec: RunSpec, seed: number, dataset: DatasetId): string {
  const s = configSettings(runConfig(spec, seed)) as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(s).filter(([k, v]) => v !== null && v !== DEFAULT_SETTINGS[k as SettingName]));
  kept.model = JSON.parse(kept.model as string);
  // The final evaluation's test set is the runner's, not a setting; absent it leaves older hashes as they were.
  return hash53(canonical({ dataset, settings: kept, finalTest: spec.finalTestLimit }));
}

/** Stored seeds by their hash, to reuse instead of training again. */
export type ReuseStore = Map<string, { run: SeedRun; parameters: number }>;

/**
 * The stored seed with this spec, seed and data set, marked as reused; undefined when there is none, or when the
 * experiment lists mistakes (`mistakes`) and the stored evaluation, made before they were kept, has none.
 */
export function reusable(store: ReuseStore, spec: RunSpec, seed: number, dataset: DatasetId, mistakes = false): { run: SeedRun; parameters: number } | undefined {
  const hit = store.get(specHash(spec, seed, dataset));
  if (!hit || (mistakes && hit.run.test && !hit.run.test.mistakes)) return undefined;
  return { run: { ...structuredClone(hit.run), reused: true }, parameters: hit.parameters };
}
