// Our training throughput: full training steps of a preset, recorded exactly as Trainer.fit records
// them (one command buffer per step: gather → forward → softmax cross-entropy → backward → Adam, plus
// the step-log copy; the per-step uniforms written before each submit; at most IN_FLIGHT + 1 steps
// queued). It drives the graph directly rather than through the Trainer because the Trainer takes no
// kernel variant: here buildGraph gets `{ kernels }` so `--kernels` can force one, and the variants
// actually used are read back from the pipelines' labels.
import { createTensor, readU32, type Tensor } from '../engine/buffers';
import { encodeDispatches, type Dispatch } from '../engine/dispatch';
import { buildGraph, type Graph } from '../engine/graph';
import { PRESETS, resolveModel, type ResolvedModel } from '../engine/model';
import { createGather, packBytes } from '../engine/ops/gather';
import { createOptimizer } from '../engine/ops/optimizer';
import { createSoftmaxXentTrain, metricsInit, readMetrics } from '../engine/ops/softmax_xent';
import { deriveSeed, randU32 } from '../engine/random';
import { StepLog } from '../engine/step-log';
import type { BenchModel, KernelChoice, StepBudget } from './types';

/** The Trainer's IN_FLIGHT: it waits for the oldest step once more than this many are queued. */
const IN_FLIGHT = 4;
/** Distinct batches of synthetic images the steps cycle through. */
const CYCLE = 4;
const SEED = 1;

/** The kernel variant of each op family, as a graph built it. */
export interface KernelVariants {
  matmul: KernelChoice;
  conv2d: KernelChoice;
}

/**
 * The matmul and conv2d variants a dispatch list uses, read from its pipelines' labels (e.g.
 * 'matmul.register', 'conv2d.forward.register'): 'register' when a label says so, else 'tiled'; a family
 * the list does not use is absent. (The bias-gradient and split-K reduction passes have one variant.)
 */
export function kernelVariantsOf(list: readonly Dispatch[]): Partial<KernelVariants> {
  const found: Partial<KernelVariants> = {};
  for (const d of list) {
    const label = d.pipeline.label ?? '';
    const m = /^(matmul|conv2d)\./.exec(label);
    if (!m || /column_sums|reduce_splits/.test(label)) continue;
    const family = m[1] as keyof KernelVariants;
    if (found[family] !== 'register') found[family] = /register/.test(label) ? 'register' : 'tiled';
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
  graph: Graph;
  variants: Partial<KernelVariants>;
  /** Queues one step (throttled like the Trainer); resolves once it may queue the next. */
  step(): Promise<void>;
  idle(): Promise<void>;
  /** Loss state after the steps so far: the number of the first step with a non-finite loss, if any. */
  nonFiniteStep(): Promise<number | null>;
  destroy(): void;
}

export async function createStepRunner(device: GPUDevice, name: BenchModel, batch: number, kernels: KernelChoice): Promise<StepRunner> {
  const model = resolveModel(PRESETS[name]);
  const graph = await buildGraph(device, model, batch, SEED, { kernels });
  const owned: Tensor[] = [];
  const t = (label: string, shape: number[], data?: Uint32Array) => {
    const x = createTensor(device, `bench.${label}`, shape, data);
    owned.push(x);
    return x;
  };
  const imageSize = graph.input.shape[1];
  const count = batch * CYCLE;
  const pixels = Uint8Array.from({ length: count * imageSize }, (_, i) => randU32(SEED, 1, i) & 255);
  const classes = Uint8Array.from({ length: count }, (_, i) => randU32(SEED, 2, i) % model.classes);
  const images = t('images', [Math.ceil(pixels.length / 4)], packBytes(pixels));
  const labelBytes = t('labels.packed', [Math.ceil(classes.length / 4)], packBytes(classes));
  const order = t('order', [count], Uint32Array.from({ length: count }, (_, i) => i));
  const labels = t('labels', [batch]);
  const metrics = t('metrics', [4], metricsInit());
  const gather = await createGather(device, { label: 'bench.gather', batch, count, imageSize, images: images.buffer, labels: labelBytes.buffer, order: order.buffer, x: graph.input.buffer, y: labels.buffer });
  const xent = await createSoftmaxXentTrain(device, { label: 'bench.loss', shape: { batch, classes: model.classes }, logits: graph.logits.buffer, labels: labels.buffer, dlogits: graph.dlogits.buffer, metrics: metrics.buffer });
  const optimizer = await createOptimizer(device, { label: 'bench.optimizer', config: { name: 'adam', learningRate: 0.001 }, n: graph.params.size, params: graph.params.buffer, grads: graph.grads.buffer });
  const log = new StepLog(device, 64, 'bench.steplog');

  const init = await graph.initialize(deriveSeed(SEED, 'bench'));
  const enc = device.createCommandEncoder({ label: 'bench.init' });
  const pass = enc.beginComputePass({ label: 'bench.init' });
  encodeDispatches(pass, init);
  pass.end();
  device.queue.submit([enc.finish()]);
  optimizer.reset();
  await device.queue.onSubmittedWorkDone();

  const list = [...gather.dispatches, ...graph.forward, ...xent.dispatches, ...graph.backward, ...optimizer.dispatches];
  const inFlight: Promise<unknown>[] = [];
  let n = 0;
  return {
    model, batch, graph,
    variants: kernelVariantsOf(list),
    async step() {
      n++;
      gather.setStart(((n - 1) % CYCLE) * batch);
      for (const d of graph.dropouts) d.op.setStep(n);
      xent.setStep(n);
      optimizer.setStep(n);
      const e = device.createCommandEncoder({ label: 'bench.train.step' });
      const p = e.beginComputePass({ label: 'bench.train.step' });
      encodeDispatches(p, list);
      p.end();
      log.record(e, metrics.buffer, (n - 1) % log.rows);
      device.queue.submit([e.finish()]);
      inFlight.push(device.queue.onSubmittedWorkDone());
      if (inFlight.length > IN_FLIGHT) await inFlight.shift();
    },
    async idle() {
      inFlight.length = 0;
      await device.queue.onSubmittedWorkDone();
    },
    async nonFiniteStep() {
      return readMetrics(await readU32(device, metrics)).nonFiniteStep;
    },
    destroy() {
      for (const x of [graph, log, gather, xent, optimizer]) x.destroy();
      for (const x of owned) x.buffer.destroy();
    },
  };
}

export interface Throughput {
  imagesPerSec: number;
  steps: number;
  seconds: number;
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
  const estimate = performance.now() - t;
  return Math.max(budget.min, Math.min(budget.max, Math.ceil((budget.seconds * 1000) / Math.max(estimate, 1e-3))));
}

/** `steps` steps timed from an idle GPU to an idle GPU. */
export async function timeSteps(s: Stepper, steps: number): Promise<Throughput> {
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
  const totals = steppers.map(() => ({ steps: 0, seconds: 0 }));
  for (let r = 0; r < Math.max(1, rounds); r++) {
    for (let i = 0; i < steppers.length; i++) {
      const t = await timeSteps(steppers[i], steps[i]);
      totals[i].steps += t.steps;
      totals[i].seconds += t.seconds;
    }
  }
  return totals.map((t, i) => ({ imagesPerSec: (steppers[i].batch * t.steps) / t.seconds, ...t }));
}
