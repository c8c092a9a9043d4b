// How long the full plan takes on an adapter: each model's training and evaluation speeds measured in a
// results.json, applied to every run and seed of the plan. Pure, tested in the browser.
import type { ModelSpec } from '../../engine/model';
import { resolveModel } from '../../engine/model';
import { finalTestCount, type Experiment, type RunSpec } from './plan';
import { mean, type RunResult } from './seeds';

export interface Estimate {
  seconds: number;
  /** The command the estimate is for. */
  command: string;
  /** Where the speeds come from, in words. */
  basis: string;
}

/** Training and evaluation images per second of one model. */
export interface Speed {
  train: number;
  eval: number;
  parameters: number;
  conv: boolean;
}

/** Seconds a training spends outside steps and evaluations (model build, pipelines, uploads): a rough constant. */
export const SETUP_SECONDS = 3;

const modelKey = (m: ModelSpec): string => JSON.stringify(m.layers);
const isConv = (m: ModelSpec): boolean => m.layers.some((l) => l.type === 'conv2d');

/** Images a run evaluates per seed: the test images after every epoch (and validation images), then the final test set and the training subset once more. */
function evalImages(r: RunSpec): number {
  const val = Math.round(r.trainLimit * (r.settings?.validationSplit ?? 0));
  const final = finalTestCount(r) > r.testLimit ? finalTestCount(r) : 0;
  return r.epochs * (r.testLimit + val) + final + r.trainLimit;
}

/**
 * Each measured model's mean speeds over its seeds (evaluation speed from the time a seed spent outside training
 * steps). A reused seed counts: its times are those of the training that measured it. (Skipping them made a
 * report written by `--only X` estimate every other model from X's speed: 27 h instead of ~6.)
 */
export function measuredSpeeds(runs: RunResult[]): Map<string, Speed> {
  const acc = new Map<string, { train: number[]; eval: number[]; parameters: number; conv: boolean }>();
  for (const r of runs) {
    const key = modelKey(r.spec.model);
    const a = acc.get(key) ?? { train: [], eval: [], parameters: r.parameters, conv: isConv(r.spec.model) };
    for (const s of r.seeds) {
      if (s.diverged) continue;
      const epochs = s.history.loss.length;
      const evalSeconds = s.seconds - s.trainSeconds - SETUP_SECONDS;
      if (Number.isFinite(s.imagesPerSec) && s.imagesPerSec > 0) a.train.push(s.imagesPerSec);
      if (evalSeconds > 0 && epochs > 0) a.eval.push(evalImages({ ...r.spec, epochs }) / evalSeconds);
    }
    acc.set(key, a);
  }
  const out = new Map<string, Speed>();
  for (const [k, a] of acc) if (a.train.length && a.eval.length) out.set(k, { train: mean(a.train), eval: mean(a.eval), parameters: a.parameters, conv: a.conv });
  return out;
}

/** The model's measured speed, else that of the measured model of the same kind (dense or convolutional) closest in parameters. */
export function speedOf(model: ModelSpec, speeds: Map<string, Speed>): Speed | undefined {
  const hit = speeds.get(modelKey(model));
  if (hit) return hit;
  const p = resolveModel(model).paramCount;
  const conv = isConv(model);
  const same = [...speeds.values()].filter((s) => s.conv === conv);
  const pool = same.length ? same : [...speeds.values()];
  return pool.sort((a, b) => Math.abs(Math.log(a.parameters / p)) - Math.abs(Math.log(b.parameters / p)))[0];
}

/** Seconds the plan takes with these speeds (every run trained, nothing reused); NaN without any speed. */
export function estimateSeconds(plan: Experiment[], speeds: Map<string, Speed>): number {
  let total = 0;
  for (const e of plan) {
    for (const r of e.runs) {
      const s = speedOf(r.model, speeds);
      if (!s) return Number.NaN;
      total += r.seeds.length * (SETUP_SECONDS + (r.trainLimit * r.epochs) / s.train + evalImages(r) / s.eval);
    }
  }
  return total;
}

/** "3 h 20 min", "45 min", "50 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const min = Math.round(seconds / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}
