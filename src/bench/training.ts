// Our training throughput: the Trainer's own training step (src/engine/step.ts: one command buffer per
// step, gather → forward → softmax cross-entropy → backward → Adam plus the step-log copy; the per-step
// uniforms; the IN_FLIGHT throttle), timed on a real Trainer built over a small synthetic data set.
// TrainConfig.kernels forces a variant (`--kernels`); the variants used are the graph's kernel report's.
import type { Dispatch } from '../engine/dispatch';
import type { KernelReport } from '../engine/autotune';
import type { Gpu } from '../engine/gpu';
import type { KernelVariant } from '../engine/kernel-variant';
import { uploadDataset, type GpuDataset } from '../engine/gpu-dataset';
import { type ResolvedModel } from '../engine/model';
import { parseModel } from '../engine/model-setting';
import { randU32 } from '../engine/random';
import { Trainer } from '../engine/trainer';
import { repsFor } from '../engine/gpu-timer';
import type { KernelChoice, StepBudget } from './types';

/** Distinct batches of synthetic images the steps cycle through (the synthetic epoch). */
const CYCLE = 4;
const SEED = 1;
const CLASSES = 10;

/** The kernel variant of each op family, as a graph built it. */
export interface KernelVariants {
  matmul: KernelVariant;
  conv2d: KernelVariant;
  /** A kernel case's tiling when not its variant's default (a tile shape of MATMUL_TILES, or register's quad); only kernel cases read it. */
  tile?: string;
}

/**
 * The matmul and conv2d variants of a graph, from its kernel report (Trainer.kernels): 'register' when any
 * op of the family uses it; a family the graph does not use is absent. Bias gradients are left out: a
 * column-sum pass, not a tile of either family.
 */
export function kernelVariantsOf(report: KernelReport): Partial<KernelVariants> {
  const found: Partial<KernelVariants> = {};
  for (const p of report.picks) {
    if (p.family === 'bias_grad') continue;
    const family: keyof KernelVariants = p.family === 'matmul' ? 'matmul' : 'conv2d';
    if (found[family] !== 'register') found[family] = p.variant;
  }
  return found;
}

/** 'register', 'tiled', or 'matmul tiled, conv2d register' when the families differ. */
export function describeVariants(v: Partial<KernelVariants>): string {
  const kinds = new Set(Object.values(v));
  if (kinds.size <= 1) return [...kinds][0] ?? 'none';
  return Object.entries(v).map(([family, kind]) => `${family} ${kind}`).join(', ');
}

export interface StepRunner {
  model: ResolvedModel;
  batch: number;
  /** One training step's dispatches, in order: the Trainer's (trainer.trainingStep). */
  dispatches: readonly Dispatch[];
  variants: Partial<KernelVariants>;
  /** Each GEMM-shaped op's variant and how it was chosen (autotune.ts). */
  kernels: KernelReport;
  /** Queues one step (throttled as in Trainer.fit); resolves once it may queue the next. */
  step(): Promise<void>;
  idle(): Promise<void>;
  /** Loss state after the steps so far: the number of the first step with a non-finite loss, if any. */
  nonFiniteStep(): Promise<number | null>;
  destroy(): void;
}

/** `count` 28×28 images of random bytes with random labels, as train and test set, on the GPU. */
function syntheticDataset(device: GPUDevice, count: number): GpuDataset {
  const [rows, cols] = [28, 28];
  const set = {
    rows, cols, count,
    images: Uint8Array.from({ length: count * rows * cols }, (_, i) => randU32(SEED, 1, i) & 255),
    labels: Uint8Array.from({ length: count }, (_, i) => randU32(SEED, 2, i) % CLASSES),
  };
  const classNames = Array.from({ length: CLASSES }, (_, i) => String(i));
  return uploadDataset(device, { name: 'bench.synthetic', classNames, train: set, test: set });
}

/**
 * A Trainer of `model` (a preset name such as 'cnn', or layers as JSON; Adam 0.001, the model's dropout) at
 * `batch` over CYCLE batches of synthetic images, stepping through its training step as fit() does, the
 * first epoch over and over.
 */
export async function createStepRunner(gpu: Gpu, model: string, batch: number, kernels: KernelChoice): Promise<StepRunner> {
  const data = syntheticDataset(gpu.device, batch * CYCLE);
  let trainer: Trainer;
  try {
    trainer = await Trainer.create(gpu, data, {
      model: parseModel(model), epochs: 1, batchSize: batch, seed: SEED, kernels,
      optimizer: { name: 'adam', learningRate: 0.001 },
      testLimit: batch, // evaluation is not timed: keep its buffers small
    });
  } catch (e) {
    data.destroy();
    throw e;
  }
  const t = trainer.trainingStep;
  t.beginEpoch(0, true);
  let n = 0;
  return {
    model: trainer.model,
    batch,
    dispatches: t.dispatches,
    variants: kernelVariantsOf(trainer.kernels),
    kernels: trainer.kernels,
    async step() {
      n++;
      await t.run(n, (n - 1) % CYCLE);
    },
    idle: () => t.idle(),
    async nonFiniteStep() {
      return (await t.metrics()).nonFiniteStep;
    },
    destroy() {
      trainer.destroy();
      data.destroy();
    },
  };
}

export interface Throughput {
  /** All rounds together. */
  imagesPerSec: number;
  steps: number;
  seconds: number;
  /** Images/s of each round. */
  rounds: number[];
}

/** Something that trains: ours (a StepRunner) or TF.js's model.trainOnBatch. */
export interface Stepper {
  batch: number;
  step(): Promise<void>;
  idle(): Promise<void>;
}

/**
 * `warmup` untimed steps (at least one); the last runs alone from an idle GPU to an idle GPU and tells
 * how many steps fill about budget.seconds, within [budget.min, budget.max].
 */
export async function warmUp(s: Stepper, budget: StepBudget): Promise<number> {
  for (let i = 1; i < budget.warmup; i++) await s.step();
  await s.idle();
  const t = performance.now();
  await s.step();
  await s.idle();
  return repsFor(budget, performance.now() - t);
}

/** `steps` steps timed from an idle GPU to an idle GPU. */
export async function timeSteps(s: Stepper, steps: number): Promise<Omit<Throughput, 'rounds'>> {
  await s.idle();
  const t = performance.now();
  for (let i = 0; i < steps; i++) await s.step();
  await s.idle();
  const seconds = (performance.now() - t) / 1000;
  return { imagesPerSec: (s.batch * steps) / seconds, steps, seconds };
}

/**
 * Images/s of each stepper after its warm-up, over `rounds` rounds that alternate between them, so a
 * machine whose speed drifts (other jobs, clocks) slows both alike: total images / total seconds.
 */
export async function compareThroughput(steppers: readonly Stepper[], budget: StepBudget, rounds: number): Promise<Throughput[]> {
  const steps: number[] = [];
  for (const s of steppers) steps.push(await warmUp(s, budget));
  const totals = steppers.map(() => ({ steps: 0, seconds: 0, rounds: [] as number[] }));
  for (let r = 0; r < Math.max(1, rounds); r++) {
    for (let i = 0; i < steppers.length; i++) {
      const t = await timeSteps(steppers[i], steps[i]);
      totals[i].steps += t.steps;
      totals[i].seconds += t.seconds;
      totals[i].rounds.push(t.imagesPerSec);
    }
  }
  return totals.map((t, i) => ({ imagesPerSec: (steppers[i].batch * t.steps) / t.seconds, ...t }));
}
