// What a benchmark run measures and for how long: the quick plan (a few minutes on a 2-core machine
// without a GPU, SwiftShader), the full plan, and the command-line / URL options that pick one.
import { KERNEL_SETTINGS } from '../engine/autotune';
import { UsageError, parseArgs } from '../engine/args';
import { GPU_GOALS, SECTIONS, type BenchPlan, type KernelChoice, type Section } from './types';

export interface BenchArgs {
  quick: boolean;
  /** Force a matmul/conv2d variant; default: preferredKernels(adapter). */
  kernels?: KernelChoice;
  /** Train and multiply with TF.js too (browser only). */
  tfjs: boolean;
  /** Train and multiply with jax-js too (browser only). */
  jaxjs: boolean;
  /** The long run: the fastest preset (cnn) to 99% test accuracy. */
  timeToAccuracy: boolean;
  only?: Section[];
  /** Square matmul sizes instead of the plan's (e.g. 4096 on a real GPU). */
  matmulSizes?: number[];
  /** The adapter's fp32 peak, TFLOP/s (the vendor's figure): the matmul rows get their share of it. */
  fp32Peak?: number;
  out?: string;
  node: boolean;
}

/** The largest square matmul --matmul-sizes accepts: a 4096² float matrix is 64 MiB, within WebGPU's default 128 MiB per storage binding. */
export const MAX_MATMUL_SIZE = 4096;
/** An upper bound on --fp32-peak, TFLOP/s: far above any single GPU's fp32 rate, so a typo (67000) is caught. */
export const MAX_FP32_PEAK = 1000;

export const BENCH_USAGE = `usage: npm run bench -- [options]
  --quick               a few minutes on a CPU-only machine: fewer repetitions and steps, conv kernels
                        at batch 32, no cnn at batch 512, time to 90% with the mlp instead of 99%
  --out FILE            also write the results as JSON
  --node                run in Node through the \`webgpu\` package (no TF.js or jax-js: their fields are null)
  --kernels K           auto | tiled | register: measure each GEMM-shaped kernel's variants on this
                        adapter and keep the fastest (default auto), or force one
  --time-to-accuracy    train the cnn to 99% MNIST test accuracy (hours on SwiftShader)
  --no-tfjs             skip TensorFlow.js
  --no-jaxjs            skip jax-js
  --only LIST           comma-separated sections: ${SECTIONS.join(', ')}
  --matmul-sizes LIST   square matmul sizes n (comma-separated, 1 to ${MAX_MATMUL_SIZE}), e.g. 1024,4096 on a GPU
  --fp32-peak TFLOPS    the GPU's fp32 peak from its data sheet (e.g. 67 for an H100 or H200 SXM): each matmul
                        row gets its share of it, and the 4096³ matmul is checked against ${GPU_GOALS.matmul4096PeakFraction * 100}%`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  // The option names checked as they are read, so `--bogus` is unknown, not a flag missing its value.
  const known = ['quick', 'out', 'node', 'help', 'kernels', 'time-to-accuracy', 'no-tfjs', 'no-jaxjs', 'only', 'matmul-sizes', 'fp32-peak'];
  const args = parseArgs(argv, ['quick', 'node', 'help', 'time-to-accuracy', 'no-tfjs', 'no-jaxjs'], known);
  if (args.has('help')) throw new UsageError('');
  const kernels = args.get('kernels');
  if (kernels !== undefined && !KERNEL_SETTINGS.includes(kernels as KernelChoice)) {
    throw new UsageError(`--kernels must be ${KERNEL_SETTINGS.join(', ')}, got "${kernels}"`);
  }
  let only: Section[] | undefined;
  const o = args.get('only');
  if (o !== undefined) {
    only = o.split(',').map((s) => s.trim()).filter(Boolean) as Section[];
    const bad = only.filter((s) => !SECTIONS.includes(s));
    if (bad.length || only.length === 0) throw new UsageError(`--only takes a comma-separated list of ${SECTIONS.join(', ')}, got "${o}"`);
  }
  let matmulSizes: number[] | undefined;
  const m = args.get('matmul-sizes');
  if (m !== undefined) {
    const texts = m.split(',').map((s) => s.trim());
    matmulSizes = texts.map(Number);
    // Plain digits only (Number() also reads 0x40 and 1e3), each size once.
    if (matmulSizes.length === 0 || !texts.every((t) => /^\d+$/.test(t)) || !matmulSizes.every((n) => n >= 1 && n <= MAX_MATMUL_SIZE) || new Set(matmulSizes).size !== matmulSizes.length) {
      throw new UsageError(`--matmul-sizes takes different whole numbers from 1 to ${MAX_MATMUL_SIZE}, comma-separated, got "${m}"`);
    }
  }
  const peak = args.get('fp32-peak');
  const fp32Peak = peak === undefined ? undefined : Number(peak);
  // Plain decimals only, as the settings are read (Number() also reads 0x10, 1e3 and ' 5').
  if (fp32Peak !== undefined && !(/^\d+(\.\d+)?$/.test(peak!) && Number.isFinite(fp32Peak) && fp32Peak > 0 && fp32Peak <= MAX_FP32_PEAK)) {
    throw new UsageError(`--fp32-peak takes the GPU's fp32 peak in TFLOP/s, a number above 0 and at most ${MAX_FP32_PEAK}, got "${peak}"`);
  }
  // An option for a section --only leaves out would be ignored without a word.
  const needs = (option: string, section: Section) => {
    if (args.has(option) && only && !only.includes(section)) throw new UsageError(`--${option} is for the ${section} section, which --only ${o} leaves out: add ${section} to --only`);
  };
  needs('time-to-accuracy', 'accuracy');
  needs('matmul-sizes', 'matmul');
  needs('fp32-peak', 'matmul');
  return {
    quick: args.has('quick'),
    kernels: kernels as KernelChoice | undefined,
    tfjs: !args.has('no-tfjs'),
    jaxjs: !args.has('no-jaxjs'),
    timeToAccuracy: args.has('time-to-accuracy'),
    only,
    ...(matmulSizes ? { matmulSizes } : {}),
    ...(fp32Peak !== undefined ? { fp32Peak } : {}),
    out: args.get('out'),
    node: args.has('node'),
  };
}

/** What the command line changes in the plan of its --quick/--time-to-accuracy choice (sections, matmul sizes). */
export function planOverrides(a: BenchArgs): Partial<BenchPlan> {
  return { ...(a.only ? { sections: a.only } : {}), ...(a.matmulSizes ? { matmulSizes: a.matmulSizes } : {}) };
}

export function makePlan(a: { quick: boolean; timeToAccuracy: boolean; only?: Section[] }): BenchPlan {
  const quick = a.quick;
  const notes: BenchPlan['notes'] = [];
  const training: BenchPlan['training'] = [];
  for (const model of ['mlp', 'cnn'] as const) {
    for (const batchSize of [32, 128, 512]) {
      if (quick && model === 'cnn' && batchSize === 512) continue;
      training.push({ model, batchSize });
    }
  }
  if (quick) {
    notes.push({ section: 'kernels', text: 'quick run: kernel shapes at batch 32 (the full run uses 128); medians of 1–3 repetitions' });
    notes.push({ section: 'training', text: 'quick run: cnn at batch 512 skipped; the cnn timed over 2–4 steps (TF.js: 2) after one warm-up step' });
  }
  let accuracy: BenchPlan['accuracy'];
  if (a.timeToAccuracy) {
    // Cosine decay over 5 epochs from 3× Keras's default rate: 99% after epoch 3 on SwiftShader, where the
    // default recipe (0.001, constant) needs 8 (README, Time to accuracy).
    accuracy = { model: 'cnn', target: 0.99, maxEpochs: 5, batchSize: 128, learningRate: 0.003, lrSchedule: 'cosine' };
  } else {
    accuracy = {
      model: 'mlp', target: 0.9, maxEpochs: 5, batchSize: 128, learningRate: 0.001, lrSchedule: 'constant', trainLimit: 10000,
      note: `${quick ? 'quick run' : 'without --time-to-accuracy'}: 90% with the mlp on the first 10000 training images instead of 99% with the cnn (hours on SwiftShader)`,
    };
  }
  return {
    sections: a.only ?? [...SECTIONS],
    kernelBatch: quick ? 32 : 128,
    kernelCases: null,
    reps: quick ? { warmup: 1, min: 1, max: 3, seconds: 0.5 } : { warmup: 1, min: 3, max: 20, seconds: 2 },
    rounds: quick ? 1 : 3,
    matmulSizes: quick ? [256, 512, 1024] : [256, 512, 1024, 2048],
    training,
    peerBatch: 128,
    trainSteps: quick
      ? { mlp: { warmup: 2, min: 3, max: 30, seconds: 3 }, cnn: { warmup: 1, min: 2, max: 4, seconds: 2 } }
      : { mlp: { warmup: 3, min: 10, max: 200, seconds: 5 }, cnn: { warmup: 2, min: 2, max: 10, seconds: 10 } },
    accuracy,
    // The shapes users train (batch 128: the cnn's conv2d_2 takes the quads' 16×16 blocks) and an odd batch
    // (13: partial tiles at every edge); the quick run checks the cnn's, whose ops include a dense layer's.
    check: quick ? [{ model: 'cnn', batch: 13 }] : [{ model: 'cnn', batch: 128 }, { model: 'cnn', batch: 13 }, { model: 'mlp', batch: 128 }, { model: 'mlp', batch: 13 }],
    notes,
  };
}
