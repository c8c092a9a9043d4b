// Where a training step's time goes: each dispatch of the Trainer's own step (trainer.trainingStep, via
// createStepRunner), in order, timed alone after one real step has written every uniform: GPU timestamps
// where the adapter has them, else wall time to onSubmittedWorkDone (engine/gpu-timer.ts). Dispatches timed one
// by one add up to more than the step, which runs them back to back in one pass: this shows the shares.
import type { Gpu } from '../engine/gpu';
import { timeDispatches } from '../engine/gpu-timer';
import { createStepRunner } from './training';
import type { KernelChoice, TimingMethod } from './types';

export interface ProfileRow {
  label: string;
  workgroups: readonly [number, number, number];
  /** Median of the repetitions. */
  ms: number;
  method: TimingMethod;
}

export interface StepProfile {
  model: string;
  batch: number;
  kernels: KernelChoice;
  /** One row per dispatch of the step, in its order. */
  rows: ProfileRow[];
  totalMs: number;
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
    const rows: ProfileRow[] = [];
    for (const d of runner.dispatches) {
      const t = await timeDispatches(gpu.device, [d], { warmup: 1, min: reps, max: reps, seconds: 0 }, useTimestamps, d.label);
      rows.push({ label: d.label, workgroups: d.workgroups, ms: t.ms, method: t.method });
    }
    return { model, batch, kernels, rows, totalMs: rows.reduce((s, r) => s + r.ms, 0) };
  } finally {
    runner.destroy();
  }
}

/** ms, share of the total, label and grid per dispatch, then the total and the images/s it implies. */
export function formatProfile(p: StepProfile): string {
  const lines = p.rows.map((r) => `${r.ms.toFixed(2).padStart(9)} ms ${((r.ms / p.totalMs) * 100).toFixed(1).padStart(5)}%  ${r.label} [${r.workgroups.join('×')}]${r.method === 'wall' ? ' (wall)' : ''}`);
  lines.push(`${p.totalMs.toFixed(2).padStart(9)} ms total per step (${p.model}, batch ${p.batch}, '${p.kernels}' kernels) → ${((p.batch / p.totalMs) * 1000).toFixed(1)} images/s`);
  return lines.join('\n');
}
