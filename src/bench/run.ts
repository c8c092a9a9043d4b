// runBenchmark: kernel throughput, training throughput and matmul beside TF.js and jax-js, and time to
// accuracy, on one adapter in one run. Works in any page (pass the peers' loaders), in the test runner
// and in Node (no peers: their fields are null). Progress goes to `onProgress` one line at a time.
import { loadDataset } from '../data/sources';
import type { Dataset } from '../data/idx';
import { adapterName, requestGpu, type Gpu } from '../engine/gpu';
import { errorDetail } from '../engine/errors';
import { adapterKey, autotuner, candidateOf } from '../engine/autotune';
import { parseCandidate, preferredKernels, siteCandidates, type KernelCandidate, type KernelVariant } from '../engine/kernel-variant';
import { timeToAccuracy } from './accuracy';
import { checkKernels } from './kernel-check';
import { sig } from './format';
import { matmulCase, modelKernelCases, selectCases, type KernelCase } from './kernels';
import { makePlan } from './plan';
import { timeDispatches } from '../engine/gpu-timer';
import type { Dispatch } from '../engine/dispatch';
import { createStepRunner, describeVariants, type KernelVariants } from './training';
import { compareMatmul, compareTraining, gflopsOf, ratio, spreadsOf } from './compare';
import { startPeers, type Peer, type PeerLoaders } from './peers';
import { AUTO_TOLERANCE, GPU_GOALS, type AutoPicks, type BenchPlan, type BenchResult, type GoalResult, type GpuGoalResult, type KernelCheckResult, type KernelChoice, type KernelResult, type MatmulResult, type PeerId, type Progress, type TimingMethod, type TrainingResult } from './types';

export interface BenchOptions {
  quick?: boolean;
  /** 'auto' (default, as the Trainer): each GEMM-shaped kernel's variant measured per shape; or force one. */
  kernels?: KernelChoice;
  /** Load TF.js (its WebGPU backend registered) and jax-js; an absent one is skipped and its fields are null. */
  peers?: PeerLoaders;
  /** The long time-to-accuracy run (cnn to 99%). */
  timeToAccuracy?: boolean;
  /** Replaces parts of the plan chosen by `quick` (tests, --only). */
  plan?: Partial<BenchPlan>;
  /** The adapter's fp32 peak in TFLOP/s (the vendor's figure, --fp32-peak): the matmul rows' share of it. */
  fp32PeakTflops?: number;
  /** An existing device (Node); default requestGpu(). */
  gpu?: Gpu;
  /** MNIST for the kernel check and the time-to-accuracy run; default: fetched from data/mnist/ beside the page. */
  loadMnist?: () => Promise<Dataset>;
  /**
   * After each section but the last, the results so far (`complete: false`): Node writes them to --out, so that a
   * run cut short (a device call's time limit, a lost device, a killed process) leaves what it had measured.
   */
  onPartial?: (r: BenchResult) => void;
}

/** The speed goals on SwiftShader (issue #17): ours / peer, same adapter, same run. */
export const GOALS: Record<PeerId, { cnn128: number; mlp128: number; matmul1024: number }> = {
  tfjs: { cnn128: 20, mlp128: 8, matmul1024: 8 },
  jaxjs: { cnn128: 5, mlp128: 2, matmul1024: 2 },
};

/**
 * The real-GPU goals from a run's matmul rows and time to accuracy. Not measured (null): no peak given or
 * no 4096³ matmul; no 99% cnn run. A 99% cnn run that did not reach 99% has not met its goal.
 */
export function gpuGoalsOf(matmul: readonly MatmulResult[], tta: BenchResult['timeToAccuracy']): GpuGoalResult[] {
  const { matmul4096PeakFraction: share, cnnTo99Seconds: limit } = GPU_GOALS;
  const fraction = matmul.find((m) => m.n === 4096)?.peakFraction ?? null;
  const ran = !!tta && tta.model === 'cnn' && tta.target === 0.99;
  const seconds = ran && tta.reached ? tta.seconds : null;
  return [
    { name: 'matmul 4096³, share of the fp32 peak', kind: 'fraction', goal: share, measured: fraction, met: fraction === null ? null : fraction >= share },
    { name: 'cnn to 99% MNIST test accuracy, seconds of training', kind: 'seconds', goal: limit, measured: seconds, met: !ran ? null : seconds !== null && seconds <= limit },
  ];
}

function kernelResult(c: KernelCase, ms: number, pipelines: string[]): KernelResult {
  return { name: c.name, shape: c.shape, pipelines, ms, gflops: c.flops / ms / 1e6, gbps: c.bytes / ms / 1e6 };
}

/** The pipelines' labels of dispatches, in order, each once (KernelResult.pipelines). */
function pipelinesOf(dispatches: readonly Dispatch[]): string[] {
  return [...new Set(dispatches.map((d) => d.pipeline.label))];
}

function defaultMnist(): Promise<Dataset> {
  if (typeof document === 'undefined') throw new Error('bench: pass loadMnist outside a page (MNIST for the kernel check and the time to accuracy)');
  // The folder the dev server and the test runner serve, beside the page (a base with a query string, like
  // the test runner's, still resolves to the server root's data/).
  return loadDataset(new URL('data/mnist/', document.baseURI).href, { name: 'MNIST' });
}

/** The autotuner's picks against each kernel's fastest variant, from the kernels timed with every variant. */
export function autoPicksOf(kernels: readonly KernelResult[]): AutoPicks | null {
  const timed = kernels.filter((k) => k.variantMs && k.variant);
  if (!timed.length) return null;
  const ratios = timed.map((k) => ({ name: `${k.name} [${k.shape}]`, r: k.ms / Math.min(...Object.values(k.variantMs!) as number[]) }));
  const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a));
  return { kernels: timed.length, worstRatio: worst.r, worstKernel: worst.name, met: worst.r <= 1 + AUTO_TOLERANCE };
}

export async function runBenchmark(options: BenchOptions = {}, onProgress: Progress = () => {}): Promise<BenchResult> {
  const started = performance.now();
  const quick = options.quick ?? false;
  const plan: BenchPlan = { ...makePlan({ quick, timeToAccuracy: options.timeToAccuracy ?? false }), ...options.plan };
  const notes = plan.notes.filter((n) => plan.sections.includes(n.section)).map((n) => n.text);
  const gpu = options.gpu ?? (await requestGpu());
  const { device } = gpu;
  const log = (s: string) => onProgress(s);
  /**
   * One part of the run (a kernel candidate, a row, the check): its failure becomes a note and a progress line
   * instead of ending the run, so that one kernel a driver cannot build, or a row that cannot run, does not
   * lose everything else a run on a lent GPU measured.
   */
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      const m = errorDetail(e).message;
      notes.push(`${what} failed: ${m}`);
      log(`${what} FAILED: ${m}`);
      return null;
    }
  };

  const useTimestamps = gpu.features.has('timestamp-query');
  log(`adapter: ${adapterName(gpu)}; timing: ${useTimestamps ? 'GPU timestamps (timestamp-query)' : 'wall time to onSubmittedWorkDone (no timestamp-query)'}`);

  // The setting, and what a batch-1 cnn graph built with it really uses (under 'auto': what measuring picked).
  const choice: KernelChoice = options.kernels ?? 'auto';
  const fallback = preferredKernels(gpu.adapterInfo);
  const probe = await attempt('building the cnn at batch 1', () => createStepRunner(gpu, 'cnn', 1, choice));
  const variants: KernelVariants = { matmul: choice === 'auto' ? fallback : choice, conv2d: choice === 'auto' ? fallback : choice, ...probe?.variants };
  probe?.destroy();
  if (choice !== 'auto' && (variants.matmul !== choice || variants.conv2d !== choice)) {
    notes.push(`'${choice}' kernels were asked for but the graph uses ${describeVariants(variants)} kernels`);
  }
  log(`kernels: ${describeVariants(variants)}${choice === 'auto' ? ' (auto: measured per op on this adapter)' : ' (forced)'}`);
  /** A case's candidates, as the graph's op has them: every variant at its default tiling (register's quads where offered), and the other tile shapes. */
  const tilesOf = (c: KernelCase) => c.tilings?.(device) ?? [];
  const candidatesOf = (c: KernelCase): KernelCandidate[] => siteCandidates(tilesOf(c));
  const variantsFor = (id: KernelCandidate): KernelVariants => {
    const { variant, tile } = parseCandidate(id);
    return { matmul: variant, conv2d: variant, ...(tile ? { tile } : {}) };
  };
  /** The candidate the autotuner picks for a case's shape, measured now on a cache of its own. */
  const autotunePick = async (c: KernelCase): Promise<KernelCandidate> => {
    const tuner = autotuner(device, { adapter: adapterKey(gpu.adapterInfo), fallback, cache: new Map(), useTimestamps, budgetMs: Infinity });
    const op = await tuner.build({ label: c.name, family: c.family ?? 'matmul', shape: c.shape, tiles: tilesOf(c) }, async (v, tile) => {
      const b = await c.build(device, { matmul: v, conv2d: v, ...(tile ? { tile } : {}) });
      return { label: c.name, dispatches: b.dispatches, destroy: () => b.destroy() };
    });
    op.destroy();
    return candidateOf(tuner.report().picks[0]);
  };

  let dataset: Promise<Dataset> | undefined;
  const mnist = () => (dataset ??= (options.loadMnist ?? defaultMnist)());

  const peers: Peer[] = await startPeers(options.peers ?? {}, log, notes);

  const methods = new Set<TimingMethod>();
  const has = (s: BenchPlan['sections'][number]) => plan.sections.includes(s);
  const timeWith = async (c: KernelCase, v: KernelVariants): Promise<{ ms: number; pipelines: string[] }> => {
    const built = await c.build(device, v);
    try {
      const t = await timeDispatches(device, built.dispatches, plan.reps, useTimestamps, c.name);
      methods.add(t.method);
      return { ms: t.ms, pipelines: pipelinesOf(built.dispatches) };
    } finally {
      built.destroy();
    }
  };
  // Under 'auto' a GEMM-shaped case is timed with every variant and reported at the autotuner's pick, so
  // the JSON shows both what it chose and whether that was the fastest here.
  const time = async (c: KernelCase) => {
    let r: KernelResult;
    if (choice === 'auto' && c.family) {
      const variantMs: Record<KernelCandidate, number> = {};
      const pipelines: Record<KernelCandidate, string[]> = {};
      for (const id of candidatesOf(c)) {
        const t = await attempt(`kernel ${c.name} at ${id}`, () => timeWith(c, variantsFor(id)));
        if (t) ({ ms: variantMs[id], pipelines: pipelines[id] } = t);
      }
      const variant = await autotunePick(c);
      if (variantMs[variant] === undefined) throw new Error(`the autotuner picked ${variant}, which failed to run here`);
      r = { ...kernelResult(c, variantMs[variant], pipelines[variant]), variant, variantMs };
    } else {
      const t = await timeWith(c, variants);
      r = { ...kernelResult(c, t.ms, t.pipelines), ...(c.family ? { variant: variants.matmul } : {}) };
    }
    const others = r.variantMs ? ` (${Object.entries(r.variantMs).map(([v, ms]) => `${v} ${sig(ms)} ms`).join(', ')})` : '';
    log(`kernel ${r.name} [${r.shape}]${r.variant ? ` ${r.variant}` : ''}: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s${others} → ${r.pipelines!.join(' + ')}`);
    return r;
  };

  let kernelCheck: KernelCheckResult | null = null;
  const kernels: KernelResult[] = [];
  const matmul: MatmulResult[] = [];
  const training: TrainingResult[] = [];
  let tta: BenchResult['timeToAccuracy'] = null;
  /** The results so far (the JSON's shape, with its goals computed from what ran); `complete` once every section has run. */
  const resultSoFar = (complete: boolean): BenchResult => {
    const goals: GoalResult[] = (['tfjs', 'jaxjs'] as const).flatMap((peer) => {
      const pick = (r: { ratio: number | null; jaxjsRatio: number | null } | undefined) => (peer === 'tfjs' ? r?.ratio : r?.jaxjsRatio) ?? null;
      const goal = (name: string, target: number, r: number | null): GoalResult => ({ name, peer, goal: target, ratio: r, met: r === null ? null : r >= target });
      const g = GOALS[peer];
      return [
        goal('cnn training, batch 128', g.cnn128, pick(training.find((t) => t.model === 'cnn' && t.batchSize === 128))),
        goal('mlp training, batch 128', g.mlp128, pick(training.find((t) => t.model === 'mlp' && t.batchSize === 128))),
        goal('matmul 1024³', g.matmul1024, pick(matmul.find((m) => m.n === 1024))),
      ];
    });
    const autoPicks = autoPicksOf(kernels);
    const peerInfo = (id: PeerId) => {
      const p = peers.find((q) => q.id === id);
      return p ? { version: p.version, backend: p.backend, timing: p.timing } : null;
    };
    const info = gpu.adapterInfo;
    const fellBack = methods.size > 1 ? ['some kernels fell back to wall time: their GPU timestamps were not plausible'] : [];
    return {
      adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description, ...(info.device ? { device: info.device } : {}) },
      adapterName: adapterName(gpu),
      runtime: typeof document === 'undefined' ? 'node' : 'browser',
      userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : '',
      kernelVariant: describeVariants(variants),
      timing: methods.has('wall') || !useTimestamps ? 'wall' : 'timestamp-query',
      tfjs: peerInfo('tfjs'),
      jaxjs: peerInfo('jaxjs'),
      quick,
      date: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
      kernels: [...kernels],
      training: [...training],
      matmul: [...matmul],
      timeToAccuracy: tta,
      kernelCheck,
      goals,
      fp32PeakTflops: options.fp32PeakTflops ?? null,
      gpuGoals: gpuGoalsOf(matmul, tta),
      autoPicks,
      notes: [...notes, ...fellBack],
      complete,
    };
  };
  const partial = () => options.onPartial?.(resultSoFar(false));

  if (has('check')) {
    log('kernel check: every kernel candidate against the float64 references, on MNIST');
    kernelCheck = await attempt('kernel check', async () => checkKernels(gpu, await mnist(), plan.check, log));
    const failed = kernelCheck?.rounds.filter((r) => !r.passed) ?? [];
    if (kernelCheck?.passed) log(`kernel check: all ${kernelCheck.rounds.length} rounds match the references`);
    if (kernelCheck && !kernelCheck.passed) {
      log(`kernel check FAILED in ${failed.length} of ${kernelCheck.rounds.length} rounds`);
      notes.push(`kernel check failed: ${failed.map((r) => `${r.model} batch ${r.batch} round ${r.round + 1} (${r.error ?? r.worstSlot})`).join('; ')}: the timings of those candidates are of wrong results or none`);
    }
    partial();
  }

  if (has('kernels')) {
    for (const c of selectCases(modelKernelCases(plan.kernelBatch), plan.kernelCases)) {
      const r = await attempt(`kernel ${c.name}`, () => time(c));
      if (r) kernels.push(r);
    }
    partial();
  }

  if (has('matmul')) {
    for (const n of plan.matmulSizes) {
      await attempt(`matmul ${n}³`, async () => {
        const c = matmulCase('matmul.square', { M: n, N: n, K: n });
        const v = choice === 'auto' ? await autotunePick(c) : choice;
        const built = await c.build(device, variantsFor(v));
        const pipelines = pipelinesOf(built.dispatches);
        let rounds: Awaited<ReturnType<typeof compareMatmul>>;
        try {
          rounds = await compareMatmul(n, peers, plan.rounds, plan.reps, async () => {
            const t = await timeDispatches(device, built.dispatches, plan.reps, useTimestamps, c.name);
            methods.add(t.method);
            return t.samples;
          }, notes);
        } finally {
          built.destroy();
        }
        const ours = gflopsOf(c.flops, rounds.ours);
        const theirs = new Map([...rounds.theirs].filter(([, s]) => s.length).map(([id, s]) => [id, gflopsOf(c.flops, s)]));
        const r = kernelResult(c, c.flops / ours.gflops / 1e6, pipelines);
        kernels.push({ ...r, variant: v });
        log(`kernel ${r.name} [${r.shape}]: ${sig(r.ms)} ms, ${sig(r.gflops)} GFLOP/s, ${sig(r.gbps)} GB/s`);
        for (const p of peers) {
          const g = theirs.get(p.id);
          if (g) log(`${p.name} matmul ${n}×${n}×${n}: ${sig(g.gflops)} GFLOP/s (${p.timing})`);
        }
        const tf = theirs.get('tfjs')?.gflops ?? null;
        const jx = theirs.get('jaxjs')?.gflops ?? null;
        matmul.push({
          n, variant: v, gflops: ours.gflops, tfjsGflops: tf, jaxjsGflops: jx, ratio: ratio(ours.gflops, tf), jaxjsRatio: ratio(ours.gflops, jx),
          peakFraction: options.fp32PeakTflops ? ours.gflops / (options.fp32PeakTflops * 1000) : null,
          spreads: spreadsOf(ours.perRound, { tfjs: theirs.get('tfjs')?.perRound, jaxjs: theirs.get('jaxjs')?.perRound }),
        });
      });
    }
    partial();
  }

  if (has('training')) {
    for (const { model, batchSize } of plan.training) {
      await attempt(`training ${model} batch ${batchSize}`, async () => {
        const runner = await createStepRunner(gpu, model, batchSize, choice);
        if (choice !== 'auto') {
          for (const [family, v] of Object.entries(runner.variants) as [keyof KernelVariants, KernelVariant][]) {
            if (v !== variants[family]) notes.push(`the ${model} graph at batch ${batchSize} uses ${family} ${v}, the kernel table ${variants[family]}`);
          }
        }
        try {
          const { ours, theirs } = await compareTraining(runner, batchSize === plan.peerBatch ? peers : [], model, plan.trainSteps[model], plan.rounds, notes);
          const bad = await runner.nonFiniteStep();
          if (bad !== null) throw new Error(`${model} batch ${batchSize}: the loss became non-finite at step ${bad}; the timing would not be of real training`);
          const tuned = runner.kernels.setting === 'auto' ? `, chosen in ${(runner.kernels.tuningMs / 1000).toFixed(2)} s` : '';
          log(`training ${model} batch ${batchSize}: ${ours.imagesPerSec.toFixed(1)} images/s (${ours.steps} steps, ${describeVariants(runner.variants)} kernels${tuned})`);
          for (const p of peers) {
            const t = theirs.get(p.id);
            if (t) log(`${p.name} training ${model} batch ${batchSize}: ${t.imagesPerSec.toFixed(1)} images/s (${t.steps} steps)`);
          }
          const tf = theirs.get('tfjs');
          const jx = theirs.get('jaxjs');
          training.push({
            model, batchSize, kernels: runner.kernels, imagesPerSec: ours.imagesPerSec, steps: ours.steps,
            tfjsImagesPerSec: tf?.imagesPerSec ?? null, tfjsSteps: tf?.steps ?? null, ratio: ratio(ours.imagesPerSec, tf?.imagesPerSec),
            jaxjsImagesPerSec: jx?.imagesPerSec ?? null, jaxjsSteps: jx?.steps ?? null, jaxjsRatio: ratio(ours.imagesPerSec, jx?.imagesPerSec),
            spreads: spreadsOf(ours.rounds, { tfjs: tf?.rounds, jaxjs: jx?.rounds }),
          });
        } finally {
          runner.destroy();
        }
      });
    }
    partial();
  }

  if (has('accuracy')) {
    const a = plan.accuracy;
    log(`time to ${(a.target * 100).toFixed(0)}%: loading MNIST`);
    tta = await attempt(`time to ${(a.target * 100).toFixed(0)}%`, async () => timeToAccuracy(gpu, await mnist(), a, log));
    if (tta) log(tta.reached
      ? `time to ${(a.target * 100).toFixed(0)}% with ${a.model}: ${tta.seconds!.toFixed(1)} s, ${tta.epochs} epochs`
      : `time to ${(a.target * 100).toFixed(0)}% with ${a.model}: not reached in ${tta.epochs} epochs (${(tta.accuracy * 100).toFixed(2)}%)`);
  }

  return resultSoFar(true);
}
