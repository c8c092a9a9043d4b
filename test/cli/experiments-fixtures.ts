// Made-up results for the experiments tests: Histories, seeds and runs built through the same aggregation
// as the command's.
import type { Experiment, RunSpec } from '../../src/cli/experiments/plan';
import { aggregateRun, type RunResult, type SeedRun } from '../../src/cli/experiments/seeds';
import type { ExperimentResult } from '../../src/cli/experiments/summary';
import { resolveModel } from '../../src/engine/model';
import type { History } from '../../src/engine/training-types';

export const find = (plan: Experiment[], id: string): Experiment => plan.find((e) => e.id === id)!;

export function history(h: Partial<History>): History {
  const n = (h.loss ?? h.test_loss ?? []).length;
  const fill = (v?: number[]) => v ?? new Array(n).fill(0.5);
  return {
    loss: fill(h.loss), accuracy: fill(h.accuracy), val_loss: fill(h.val_loss ?? h.test_loss), val_accuracy: fill(h.val_accuracy ?? h.test_accuracy),
    test_loss: fill(h.test_loss), test_accuracy: fill(h.test_accuracy), epoch_seconds: new Array(n).fill(1), learning_rate: new Array(n).fill(0.001),
  };
}

const last = (a: number[]) => a[a.length - 1];

/** One seed whose final metrics are its History's last values (unless `over` says otherwise). */
export function seedRun(seed: number, h: Partial<History>, over: Partial<SeedRun> = {}): SeedRun {
  const hist = history(h);
  return {
    seed, history: hist, trainSeconds: 10, seconds: 12, imagesPerSec: 250,
    train: { loss: last(hist.loss), accuracy: last(hist.accuracy) },
    test: { loss: last(hist.test_loss), accuracy: last(hist.test_accuracy), recall: new Array(10).fill(0.9), precision: new Array(10).fill(0.9), f1: new Array(10).fill(0.9) },
    ...over,
  };
}

/** A run with one seed per History (seeds 1, 2, …), `over` applied to each. */
export function result(spec: RunSpec, hs: Partial<History>[], over: Partial<SeedRun> = {}): RunResult {
  return aggregateRun({ ...spec, seeds: hs.map((_, i) => i + 1) }, resolveModel(spec.model).paramCount, hs.map((h, i) => seedRun(i + 1, h, over)));
}

/**
 * The overfitting experiment: a clearly overfitting unregularized run (gap 12 points), dropout with a gap of
 * 5 (train re-evaluated at 96%), and the other regularizers with a gap of 8.
 */
export function overfitResult(plan: Experiment[]): ExperimentResult {
  const e = find(plan, 'overfitting');
  const [plain, drop, ...others] = e.runs;
  const runs = [
    result(plain, [{ loss: [0.8, 0.2, 0.05, 0.01], accuracy: [0.8, 0.95, 0.99, 1], test_loss: [0.5, 0.4, 0.45, 0.6], test_accuracy: [0.85, 0.88, 0.885, 0.88] }]),
    result(drop, [{ loss: [1.0, 0.4, 0.25, 0.2], accuracy: [0.7, 0.88, 0.92, 0.93], test_loss: [0.6, 0.4, 0.35, 0.34], test_accuracy: [0.84, 0.88, 0.9, 0.91] }],
      { train: { loss: 0.1, accuracy: 0.96 } }),
    ...others.map((s) => result(s, [{ loss: [0.8, 0.3, 0.2, 0.1], accuracy: [0.8, 0.9, 0.95, 0.96], test_loss: [0.5, 0.42, 0.41, 0.45], test_accuracy: [0.85, 0.87, 0.88, 0.88] }])),
  ];
  // The experiment lists the specs its results ran (one seed each), as the command's results do.
  return { experiment: { ...e, runs: runs.map((r) => r.spec) }, datasetName: 'MNIST', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], runs };
}
