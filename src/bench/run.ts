// runBenchmark: kernel throughput, training throughput beside TF.js, matmul beside tf.matMul, and time
// to accuracy, on one adapter in one run. Works in any page (pass a TF.js loader), in the test runner
// and in Node (no TF.js: its fields are null). Progress goes to `onProgress` one line at a time.
import { loadDataset } from '../data/sources';
import type { Dataset } from '../data/idx';
import { adapterName, requestGpu, type Gpu } from '../engine/gpu';
import { adapterKey, autotuner } from '../engine/autotune';
import { KERNEL_VARIANTS, preferredKernels, type KernelVariant } from '../engine/kernel-variant';
import { timeToAccuracy } from './accuracy';
import { sig } from './format';
import { matmulCase, modelKernelCases, selectCases, type KernelCase } from './kernels';
import { makePlan } from './plan';
import { initTfjs, tfjsMatmul, tfjsStepper, type Tfjs, type TfjsLoader } from './tfjs';
import { median, timeDispatches } from '../engine/gpu-timer';
import { compareThroughput, createStepRunner, describeVariants, type KernelVariants, type Stepper, type Throughput } from './training';
import type { BenchPlan, BenchResult, GoalResult, KernelChoice, KernelResult, MatmulResult, Progress, TimingMethod, TrainingResult } from './types';

export interface BenchOptions {
  quick?: boolean;
  /** 'auto' (default, as the Trainer): each GEMM-shaped kernel's variant measured per shape; or force one. */
  kernels?: KernelChoice;
  /** Loads TF.js with its WebGPU backend registered; absent: TF.js is skipped and its fields are null. */
  tfjs?: TfjsLoader;
  /** The long time-to-accuracy run (cnn to 99%). */
  timeToAccuracy?: boolean;
  /** Replaces parts of the plan chosen by `quick` (tests, --only). */
  plan?: Partial<BenchPlan>;
  /** An existing device (Node); default requestGpu(). */
  gpu?: Gpu;
  /** MNIST for the time-to-accuracy run; default: fetched from data/mnist/ beside the page. */
  loadMnist?: () => Promise<Dataset>;
}

/** The issue's speed goals: ours / TF.js, same adapter, same run. */
export const GOALS = { cnn128: 15, mlp128: 4, matmul1024: 4 };

const ratio = (ours: number, theirs: number | null) => (theirs && theirs > 0 ? ours / theirs : null);

function kernelResult(c: KernelCase, ms: number): KernelResult {
  return { name: c.name, shape: c.shape, ms, gflops: c.flops / ms / 1e6, gbps: c.bytes / ms / 1e6 };
}

function defaultMnist(): Promise<Dataset> {
  if (typeof document === 'undefined') throw new Error('time to accuracy: pass loadMnist outside a page');
  // The folder the dev server and the test runner serve, beside the page (a base with a query string, like
  // the test runner's, still resolves to the server root's data/).
  return loadDataset(new URL('data/mnist/', document.baseURI).href, { name: 'MNIST' });
}

export async function runBenchmark(options: BenchOptions = {}, onProgress: Progress = () => {}): Promise<BenchResult> {
  const started = performance.now();
  const quick = options.quick ?? false;
  const plan: BenchPlan = { ...makePlan({ quick, timeToAccuracy: options.timeToAccuracy ?? false }), ...options.plan };
  const notes = plan.notes.filter((n) => plan.sections.includes(n.section)).map((n) => n.text);
  const gpu = options.gpu ?? (await requestGpu());
  const { device } = gpu;
  const log = (s: string) => onProgress(s);
  const useTimestamps = gpu.features.has('timestamp-query');
  log(`adapter: ${adapterName(gpu)}; timing: ${useTimestamps ? 'GPU timestamps (timestamp-query)' : 'wall time to onSubmittedWorkDone (no timestamp-query)'}`);

  // The setting, and what a batch-1 cnn graph built with it really uses (under 'auto': what measuring picked).
  const choice: KernelChoice = options.kernels ?? 'auto';
  const fallback = preferredKernels(gpu.adapterInfo);
  const probe = await createStepRunner(gpu, 'cnn', 1, choice);
  const variants: KernelVariants = { matmul: choice === 'auto' ? fallback : choice, conv2d: choice === 'auto' ? fallback : choice, ...probe.variants };
  probe.destroy();
  if (choice !== 'auto' && (variants.matmul !== choice || variants.conv2d !== choice)) {
    notes.push(`'${choice}' kernels were asked for but the graph uses ${describeVariants(variants)} kernels`);
  }
  log(`kernels: ${describeVariants(variants)}${choice === 'auto' ? ' (auto: measured per op on this adapter)' : ' (forced)'}`);
  /** The variant the autotuner picks for a case's shape, measured now on a cache of its own. */
  const autotunePick = async (c: KernelCase): Promise<KernelVariant> => {
    const tuner = autotuner(device, { adapter: adapterKey(gpu.adapterInfo), fallback, cache: new Map(), useTimestamps, budgetMs: Infinity });
    const op = await tuner.build({ label: c.name, family: c.family ?? 'matmul', shape: c.shape }, async (v) => {
      const b = await c.build(device, { matmul: v, conv2d: v });
      return { label: c.name, dispatches: b.dispatches, destroy: () => b.destroy() };
    });
    op.destroy();
    return tuner.report().picks[0].variant;
  };

  let tf: Tfjs | null = null;
  let tfjs: BenchResult['tfjs'] = null;
  let tfTiming: TimingMethod = 'wall';
  if (options.tfjs) {
    try {
      tf = await options.tfjs();
      const info = await initTfjs(tf);
      tfjs = { ...info, timing: 'wall' };
      log(`TF.js ${info.version} on ${info.backend}`);
    } catch (e) {
      tf = null;
      notes.push(`TF.js skipped: ${(e as Error).message}`);
      log(`TF.js skipped: ${(e as Error).message}`);
    }
  } else {
    notes.push('TF.js not run (Node, or --no-tfjs): its fields are null');
  }

  const methods = new Set<TimingMethod>();
  const has = (s: BenchPlan['sections'][number]) => plan.sections.includes(s);
  const timeWith = async (c: KernelCase, v: KernelVariants): Promise<number> => {
    const built = await c.build(device, v);
    try {
      const t = await timeDispatches(device, built.dispatches, plan.reps, useTimestamps, c.name);
      methods.add(t.method);
      return t.ms;
    } finally {
      built.destroy();
    }
  };
  // Under 'auto' a GEMM-shaped case is timed with every variant and reported at the autotuner's pick, so
  // the JSON shows both what it chose and whether that was the fastest here.
  const time = async (c: KernelCase) => {
    let r: KernelResult;
    if (choice === 'auto' && c.family) {
      const variantMs: Partial<Record<KernelVariant, number>> = {};
      for (const v of KERNEL_VARIANTS) variantMs[v] = await timeWith(c, { matmul: v, conv2d: v });
      const variant = await autotunePick(c);
      r = { ...kernelResult(c, variantMs[variant]!), variant, variantMs };
    } else {
      r = { ...kernelResult(c, await timeWith(c, variants)), ...(c.family ? { variant: variants.matmul } : {}) };
    }
    const others = r.variantMs ? ` (${Object.entries(r.variantMs).map(([v, ms]) => `${v} ${sig(ms)} ms`).join(', ')})` : '';
    log(`kernel ${r.name} [${r.shape}]${r.variant ? ` ${r.variant}` : ''}: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s${others}`);
    return r;
  };

  const kernels: KernelResult[] = [];
  if (has('kernels')) {
    for (const c of selectCases(modelKernelCases(plan.kernelBatch), plan.kernelCases)) kernels.push(await time(c));
  }

  const matmul: MatmulResult[] = [];
  if (has('matmul')) {
    for (const n of plan.matmulSizes) {
      const c = matmulCase('matmul.square', { M: n, N: n, K: n });
      const v = choice === 'auto' ? await autotunePick(c) : choice;
      const built = await c.build(device, { matmul: v, conv2d: v });
      const ours: number[] = [];
      const theirs: number[] = [];
      let tfOk = tf !== null;
      try {
        for (let round = 0; round < Math.max(1, plan.rounds); round++) {
          const t = await timeDispatches(device, built.dispatches, plan.reps, useTimestamps, c.name);
          methods.add(t.method);
          ours.push(...t.samples);
          if (tf && tfOk) {
            try {
              const u = await tfjsMatmul(tf, n, plan.reps);
              tfTiming = u.method;
              theirs.push(...u.samples);
            } catch (e) {
              notes.push(`tf.matMul ${n}: ${(e as Error).message}`);
              theirs.length = 0;
              tfOk = false;
            }
          }
        }
      } finally {
        built.destroy();
      }
      const r = kernelResult(c, median(ours));
      kernels.push({ ...r, variant: v });
      log(`kernel ${r.name} [${r.shape}]: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s`);
      const tfjsGflops = theirs.length ? c.flops / median(theirs) / 1e6 : null;
      if (tfjsGflops !== null) log(`tf.matMul ${n}×${n}×${n}: ${sig(median(theirs))} ms, ${sig(tfjsGflops)} GFLOP/s (${tfTiming})`);
      matmul.push({ n, variant: v, gflops: r.gflops, tfjsGflops, ratio: ratio(r.gflops, tfjsGflops) });
    }
  }
  if (tfjs) tfjs.timing = tfTiming;

  const training: TrainingResult[] = [];
  if (has('training')) {
    for (const { model, batchSize } of plan.training) {
      const runner = await createStepRunner(gpu, model, batchSize, choice);
      if (choice !== 'auto') {
        for (const [family, v] of Object.entries(runner.variants) as [keyof KernelVariants, KernelVariant][]) {
          if (v !== variants[family]) notes.push(`the ${model} graph at batch ${batchSize} uses ${family} ${v}, the kernel table ${variants[family]}`);
        }
      }
      let their: (Stepper & { dispose(): void }) | null = null;
      try {
        if (tf && batchSize === plan.tfjsBatch) their = tfjsStepper(tf, model, batchSize);
        let results: Throughput[];
        try {
          results = await compareThroughput(their ? [runner, their] : [runner], plan.trainSteps[model], plan.rounds);
        } catch (e) {
          if (!their) throw e;
          // A TF.js failure costs only its column: measure ours alone.
          notes.push(`TF.js training ${model} batch ${batchSize}: ${(e as Error).message}`);
          their.dispose();
          their = null;
          results = await compareThroughput([runner], plan.trainSteps[model], plan.rounds);
        }
        const bad = await runner.nonFiniteStep();
        if (bad !== null) throw new Error(`${model} batch ${batchSize}: the loss became non-finite at step ${bad}; the timing would not be of real training`);
        const [ours, theirs] = results;
        const tuned = runner.kernels.setting === 'auto' ? `, chosen in ${(runner.kernels.tuningMs / 1000).toFixed(2)} s` : '';
        log(`training ${model} batch ${batchSize}: ${ours.imagesPerSec.toFixed(1)} images/s (${ours.steps} steps, ${describeVariants(runner.variants)} kernels${tuned})`);
        if (theirs) log(`TF.js training ${model} batch ${batchSize}: ${theirs.imagesPerSec.toFixed(1)} images/s (${theirs.steps} steps)`);
        training.push({
          model, batchSize, kernels: runner.kernels, imagesPerSec: ours.imagesPerSec, steps: ours.steps,
          tfjsImagesPerSec: theirs?.imagesPerSec ?? null, tfjsSteps: theirs?.steps ?? null,
          ratio: ratio(ours.imagesPerSec, theirs?.imagesPerSec ?? null),
        });
      } finally {
        runner.destroy();
        their?.dispose();
      }
    }
  }

  let tta: BenchResult['timeToAccuracy'] = null;
  if (has('accuracy')) {
    const a = plan.accuracy;
    log(`time to ${(a.target * 100).toFixed(0)}%: loading MNIST`);
    const data = await (options.loadMnist ?? defaultMnist)();
    tta = await timeToAccuracy(gpu, data, a, log);
    log(tta.reached
      ? `time to ${(a.target * 100).toFixed(0)}% with ${a.model}: ${tta.seconds!.toFixed(1)} s, ${tta.epochs} epochs`
      : `time to ${(a.target * 100).toFixed(0)}% with ${a.model}: not reached in ${tta.epochs} epochs (${(tta.accuracy * 100).toFixed(2)}%)`);
  }

  const goal = (name: string, target: number, r: number | null | undefined): GoalResult => ({ name, goal: target, ratio: r ?? null, met: r == null ? null : r >= target });
  const goals = [
    goal('cnn training, batch 128', GOALS.cnn128, training.find((t) => t.model === 'cnn' && t.batchSize === 128)?.ratio),
    goal('mlp training, batch 128', GOALS.mlp128, training.find((t) => t.model === 'mlp' && t.batchSize === 128)?.ratio),
    goal('matmul 1024³', GOALS.matmul1024, matmul.find((m) => m.n === 1024)?.ratio),
  ];
  if (methods.size > 1) notes.push('some kernels fell back to wall time: their GPU timestamps were not plausible');
  const info = gpu.adapterInfo;
  return {
    adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description },
    adapterName: adapterName(gpu),
    runtime: typeof document === 'undefined' ? 'node' : 'browser',
    userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : '',
    kernelVariant: describeVariants(variants),
    timing: methods.has('wall') || !useTimestamps ? 'wall' : 'timestamp-query',
    tfjs,
    quick,
    date: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
    kernels,
    training,
    matmul,
    timeToAccuracy: tta,
    goals,
    notes,
  };
}
