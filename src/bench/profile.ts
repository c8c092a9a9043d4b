// Where a training step's time goes: each dispatch of the Trainer's own step (trainer.trainingStep, via
// createStepRunner), in order, after one real step has written every uniform, timed two ways: alone, and
// in the pass: the step's dispatches up to it timed back to back in one pass, less those up to the one
// before. GPU timestamps where the adapter has them, else wall time to onSubmittedWorkDone
// (engine/gpu-timer.ts). Alone, small dispatches carry a pass's fixed cost each, so they add up to more
// than the step (on an H200 the mlp's 13 dispatches 0.18 ms alone, 0.13 in one pass); in the pass the
// differences are noisy on a busy CPU adapter and can dip below 0.
import type { Gpu } from '../engine/gpu';
import { timeDispatches } from '../engine/gpu-timer';
import { createStepRunner } from './training';
import type { KernelChoice, TimingMethod } from './types';

export interface ProfileRow {
  label: string;
  workgroups: readonly [number, number, number];
  /** Median of the repetitions of the dispatch alone. */
  ms: number;
  /** What it adds to the step's dispatches before it, timed with them in one pass. */
  inPassMs: number;
  method: TimingMethod;
}

export interface StepProfile {
  model: string;
  batch: number;
  kernels: KernelChoice;
  /** One row per dispatch of the step, in its order. */
  rows: ProfileRow[];
  /** The rows' `ms`, summed. */
  totalMs: number;
  /** The whole step's dispatches timed back to back in one pass. */
  passMs: number;
}

/** `model`: a preset name or layers as JSON; `kernels`: default 'auto', as the Trainer. */
export async function profileStep(gpu: Gpu, model: string, batch: number, o: { reps?: number; kernels?: KernelChoice } = {}): Promise<StepProfile> {
  const kernels = o.kernels ?? 'auto';
  const reps = Math.max(1, o.reps ?? 3);
  const runner = await createStepRunner(gpu, model, batch, kernels);
  try {
    await runner.step();
    await runner.idle();
    const useTimestamps = gpu.features.has('timestamp-query');
    const budget = { warmup: 1, min: reps, max: reps, seconds: 0 };
    const rows: ProfileRow[] = [];
    let before = 0;
    for (const [i, d] of runner.dispatches.entries()) {
      const alone = await timeDispatches(gpu.device, [d], budget, useTimestamps, d.label);
      const upTo = await timeDispatches(gpu.device, runner.dispatches.slice(0, i + 1), budget, useTimestamps, `${d.label}.in_pass`);
      rows.push({ label: d.label, workgroups: d.workgroups, ms: alone.ms, inPassMs: upTo.ms - before, method: alone.method });
      before = upTo.ms;
    }
    return { model, batch, kernels, rows, totalMs: rows.reduce((s, r) => s + r.ms, 0), passMs: before };
  } finally {
    runner.destroy();
  }
}

/** Per dispatch: ms alone, its share of their total, ms in the pass, label and grid; then both totals and the images/s they imply. */
export function formatProfile(p: StepProfile): string {
  const f = (ms: number) => ms.toFixed(ms < 1 ? 4 : 2).padStart(9);
  const lines = [`${'alone'.padStart(12)}  share ${'in pass'.padStart(12)}`];
  for (const r of p.rows) {
    lines.push(`${f(r.ms)} ms ${((r.ms / p.totalMs) * 100).toFixed(1).padStart(5)}% ${f(r.inPassMs)} ms  ${r.label} [${r.workgroups.join('×')}]${r.method === 'wall' ? ' (wall)' : ''}`);
  }
  const rate = (ms: number) => ((p.batch / ms) * 1000).toFixed(1);
  lines.push(`${f(p.passMs)} ms the step in one pass → ${rate(p.passMs)} images/s`);
  lines.push(`${f(p.totalMs)} ms total per step (${p.model}, batch ${p.batch}, '${p.kernels}' kernels) → ${rate(p.totalMs)} images/s`);
  return lines.join('\n');
}
