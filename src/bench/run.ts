// runBenchmark: kernel throughput, training throughput beside TF.js, matmul beside tf.matMul, and time
// to accuracy, on one adapter in one run. Works in any page (pass a TF.js loader), in the test runner
// and in Node (no TF.js: its fields are null). Progress goes to `onProgress` one line at a time.
import { loadDataset } from '../data/sources';
import type { Dataset } from '../data/idx';
import { adapterName, requestGpu, type Gpu } from '../engine/gpu';
import { preferredKernels } from '../engine/kernel-variant';
import { timeToAccuracy } from './accuracy';
import { sig } from './format';
import { matmulCase, modelKernelCases, selectCases, type KernelCase } from './kernels';
import { makePlan } from './plan';
import { initTfjs, tfjsMatmul, tfjsStepper, type Tfjs, type TfjsLoader } from './tfjs';
import { median, timeDispatches } from './timer';
import { compareThroughput, createStepRunner, describeVariants, type KernelVariants, type Stepper, type Throughput } from './training';
import type { BenchPlan, BenchResult, GoalResult, KernelChoice, KernelResult, MatmulResult, Progress, TimingMethod, TrainingResult } from './types';

export interface BenchOptions {
  quick?: boolean;
  /** Force a matmul/conv2d variant; default: preferredKernels(adapter), as the Trainer is to use. */
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

/** The speed goals: ours / TF.js, same adapter, same run. */
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

  // The variant for this adapter (or the forced one), and what a batch-1 cnn graph built with it really uses.
  const choice = options.kernels ?? preferredKernels(gpu.adapterInfo);
  const probe = await createStepRunner(gpu, 'cnn', 1, choice);
  const variants: KernelVariants = { matmul: choice, conv2d: choice, ...probe.variants };
  probe.destroy();
  if (variants.matmul !== choice || variants.conv2d !== choice) {
    notes.push(`'${choice}' kernels were asked for but the graph uses ${describeVariants(variants)} kernels`);
  }
  log(`kernels: ${describeVariants(variants)}${options.kernels ? ' (forced)' : ' (preferredKernels for this adapter)'}`);

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
  const time = async (c: KernelCase) => {
    const built = await c.build(device, variants);
    try {
      const t = await timeDispatches(device, built.dispatches, plan.reps, useTimestamps, c.name);
      methods.add(t.method);
      const r = kernelResult(c, t.ms);
      log(`kernel ${r.name} [${r.shape}]: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s`);
      return r;
    } finally {
      built.destroy();
    }
  };

  const kernels: KernelResult[] = [];
  if (has('kernels')) {
    for (const c of selectCases(modelKernelCases(plan.kernelBatch), plan.kernelCases)) kernels.push(await time(c));
  }

  const matmul: MatmulResult[] = [];
  if (has('matmul')) {
    for (const n of plan.matmulSizes) {
      const c = matmulCase('matmul.square', { M: n, N: n, K: n });
      const built = await c.build(device, variants);
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
      kernels.push(r);
      log(`kernel ${r.name} [${r.shape}]: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s`);
      const tfjsGflops = theirs.length ? c.flops / median(theirs) / 1e6 : null;
      if (tfjsGflops !== null) log(`tf.matMul ${n}×${n}×${n}: ${sig(median(theirs))} ms, ${sig(tfjsGflops)} GFLOP/s (${tfTiming})`);
      matmul.push({ n, gflops: r.gflops, tfjsGflops, ratio: ratio(r.gflops, tfjsGflops) });
    }
  }
  if (tfjs) tfjs.timing = tfTiming;

  const training: TrainingResult[] = [];
  if (has('training')) {
    for (const { model, batchSize } of plan.training) {
      const runner = await createStepRunner(gpu, model, batchSize, choice);
      for (const [family, v] of Object.entries(runner.variants) as [keyof KernelVariants, KernelChoice][]) {
        if (v !== variants[family]) notes.push(`the ${model} graph at batch ${batchSize} uses ${family} ${v}, the kernel table ${variants[family]}`);
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
        log(`training ${model} batch ${batchSize}: ${ours.imagesPerSec.toFixed(1)} images/s (${ours.steps} steps, ${describeVariants(runner.variants)} kernels)`);
        if (theirs) log(`TF.js training ${model} batch ${batchSize}: ${theirs.imagesPerSec.toFixed(1)} images/s (${theirs.steps} steps)`);
        training.push({
          model, batchSize, imagesPerSec: ours.imagesPerSec, steps: ours.steps,
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
