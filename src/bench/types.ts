// The benchmark's options, plan and result (the JSON written by `npm run bench -- --out FILE`).
// Everything here is plain data: the same types serve the page, the Node runner and the tests.

import type { StepBudget, TimingMethod } from '../engine/gpu-timer';
import type { KernelReport, KernelSetting } from '../engine/autotune';
import type { KernelCandidate } from '../engine/kernel-variant';
import type { LrScheduleName } from '../engine/lr-schedule';

export type { StepBudget, TimingMethod };

/** The GEMM kernels' implementation: measured per op ('auto', autotune.ts) or forced ('tiled', 'register'; kernel-variant.ts). */
export type KernelChoice = KernelSetting;
export type BenchModel = 'mlp' | 'cnn';
/** The frameworks compared with ours (peers.ts). */
export type PeerId = 'tfjs' | 'jaxjs';
/** [min, max] over the rounds of one run. */
export type Range = [number, number];

/** Each contender's spread over the rounds (images/s or GFLOP/s), and that of ours / theirs within a round; null where it did not run. */
export interface Spreads {
  ours: Range;
  tfjs: Range | null;
  jaxjs: Range | null;
  ratio: Range | null;
  jaxjsRatio: Range | null;
}
export type Section = 'check' | 'kernels' | 'training' | 'matmul' | 'accuracy';
/** Every section, as --only names them; the kernel check runs first (a wrong kernel shows before any of its timings), then run.ts's order (matmul before training). */
export const SECTIONS: readonly Section[] = ['check', 'kernels', 'training', 'matmul', 'accuracy'];

/** A model (preset name or layers as JSON) at a batch size whose kernel candidates the check runs (kernel-check.ts). */
export interface KernelCheckCase {
  model: string;
  batch: number;
  /** At most this many rounds (tests); default: as many as the op with the most candidates has. */
  rounds?: number;
}

/** One training step of a case with each GEMM-shaped op at one candidate, against the float64 reference step. */
export interface KernelCheckRound extends KernelCheckCase {
  /** 0-based in the JSON; the progress lines, notes and tables count from 1 ("round 2/5"). */
  round: number;
  /** Each op's candidate in this round, by op label (`conv2d_2.backward_input`: `tiled:8x8x32`). */
  picks: Record<string, KernelCandidate>;
  /** The worst gradient error as a multiple of its tolerance, and its parameter tensor (kernel-check.ts: compareGradients); null: the round failed to run. */
  gradientError: number | null;
  worstSlot: string;
  /** Gradients beyond the tolerance: a few, by little, where max pooling's near-ties route differently in f32 and float64; more fail. */
  outliers: number;
  /** The step's mean loss, ours and the reference's; lossError: |difference| as a multiple of 1e-4 · the reference (≤ 1 passes). */
  loss: number | null;
  referenceLoss: number | null;
  lossError: number | null;
  passed: boolean;
  /** Why the round could not run (a candidate that failed to build or to run: the last of `picks`). */
  error?: string;
}

export interface KernelCheckResult {
  passed: boolean;
  rounds: KernelCheckRound[];
  /** Per op family (`matmul`, `conv2d.forward`, …), every candidate that ran in a passing round. */
  candidates: Record<string, KernelCandidate[]>;
  /** Every compute pipeline the passing rounds' training steps ran, by label (`conv2d.backward_input.pixel16`, …). */
  pipelines: string[];
}

export interface AccuracyPlan {
  model: string;
  /** Test accuracy to reach, in [0, 1]. */
  target: number;
  /** The run's length: its epochs, over which a cosine schedule decays; it stops early at the target. */
  maxEpochs: number;
  batchSize: number;
  /** Adam's base learning rate and its schedule (lr-schedule.ts), as the element's and the CLI's settings. */
  learningRate: number;
  lrSchedule: LrScheduleName;
  /** Train on the first N training images only. */
  trainLimit?: number;
  /** Evaluate on the first N test images only (tests). */
  testLimit?: number;
  /** Why this target (e.g. "quick run: 90% with mlp instead of 99%"). */
  note?: string;
}

export interface BenchPlan {
  sections: Section[];
  /** Batch size of the conv, pooling, loss and dense-layer kernel shapes. */
  kernelBatch: number;
  /** Only kernel cases whose name starts with one of these (null: all). */
  kernelCases: string[] | null;
  /** Kernel repetitions after one warm-up: the median is reported. */
  reps: StepBudget;
  /** Ours, TF.js and jax-js take turns this many times (matmul and training), so drifting machine speed hits all alike. */
  rounds: number;
  /** Square matmuls, ours beside tf.matMul. */
  matmulSizes: number[];
  training: { model: BenchModel; batchSize: number }[];
  /** TF.js and jax-js train at this batch size only (the issues ask for 128). */
  peerBatch: number;
  trainSteps: Record<BenchModel, StepBudget>;
  accuracy: AccuracyPlan;
  /** The kernel check's cases: every candidate of their ops on this adapter against the references. */
  check: KernelCheckCase[];
  /** What this plan leaves out or shortens, per section (reported only for the sections that run). */
  notes: { section: Section; text: string }[];
}

export interface KernelResult {
  name: string;
  shape: string;
  /**
   * The implementation timed: the autotuner's pick for this shape under 'auto' (`tiled:8x8x32` for the tiled
   * variant at a tile shape other than its default), else the forced variant; absent for kernels with one implementation.
   */
  variant?: KernelCandidate;
  /** Under 'auto': each candidate's median ms in this run (every variant, and matmuls' tile shapes), so the pick can be checked against the best. */
  variantMs?: Record<KernelCandidate, number>;
  /**
   * The compute pipelines the timed implementation ran, by label, in dispatch order, each once: which kernel a
   * candidate came to at this shape (register:quad at the cnn's conv2d_2 backward_input: `conv2d.backward_input.pixel16`).
   * Absent from files written before 1 Dec 2026.
   */
  pipelines?: string[];
  ms: number;
  gflops: number;
  gbps: number;
}

export interface TrainingResult {
  model: string;
  batchSize: number;
  /** Each GEMM-shaped op's variant in this graph and how it was chosen, and the ms spent measuring. */
  kernels: KernelReport;
  /** Images over seconds, all rounds together (likewise for the peers). */
  imagesPerSec: number;
  tfjsImagesPerSec: number | null;
  jaxjsImagesPerSec: number | null;
  /** Ours / TF.js; null where TF.js did not run. */
  ratio: number | null;
  /** Ours / jax-js; null where jax-js did not run. */
  jaxjsRatio: number | null;
  steps: number;
  tfjsSteps: number | null;
  jaxjsSteps: number | null;
  /** Images/s per round and the ratios per round. */
  spreads: Spreads;
}

export interface MatmulResult {
  /** The implementation timed (under 'auto': the autotuner's pick for n³, as KernelResult.variant). */
  variant: KernelCandidate;
  n: number;
  /** From the median time of all repetitions of all rounds (likewise for the peers). */
  gflops: number;
  tfjsGflops: number | null;
  jaxjsGflops: number | null;
  ratio: number | null;
  jaxjsRatio: number | null;
  /** GFLOP/s of each round's median, and the ratios per round. */
  spreads: Spreads;
  /** gflops over the adapter's fp32 peak (--fp32-peak); null or absent when no peak was given. */
  peakFraction?: number | null;
}

export interface TimeToAccuracyResult {
  model: string;
  target: number;
  /** Wall time from the start of training until the epoch that reached the target (null: not reached). */
  seconds: number | null;
  epochs: number;
  reached: boolean;
  /** Test accuracy after the last epoch run. */
  accuracy: number;
  batchSize: number;
  /** The recipe (absent in files written before 2 Dec 2026: Adam 0.001, constant, up to 30 epochs). */
  learningRate?: number;
  lrSchedule?: LrScheduleName;
  maxEpochs?: number;
  note?: string;
}

export interface GoalResult {
  name: string;
  /** The framework the ratio is against. */
  peer: PeerId;
  /** Required ratio ours / peer. */
  goal: number;
  ratio: number | null;
  met: boolean | null;
}

/** The goals on a real GPU (issue #17): matmul 4096³ at this share of the fp32 peak, the cnn to 99% in these seconds. */
export const GPU_GOALS = { matmul4096PeakFraction: 0.2, cnnTo99Seconds: 10 };

/**
 * Issue #17's goals on a real GPU, measured against the run's own figures: matmul 4096³ at ≥ 20% of the
 * fp32 peak the command line states (--fp32-peak), the cnn to 99% MNIST test accuracy in ≤ 10 s of training.
 */
export interface GpuGoalResult {
  name: string;
  /** 'fraction': measured / peak, at least `goal`; 'seconds': at most `goal`. */
  kind: 'fraction' | 'seconds';
  goal: number;
  /** null: not measured in this run (no peak given, no 4096³ matmul, no time-to-accuracy run, or not reached). */
  measured: number | null;
  met: boolean | null;
}

/** Issue #17: 'auto' is never more than 5% slower than the best forced variant on any benchmarked kernel. */
export interface AutoPicks {
  /** Kernels of the table timed with every variant. */
  kernels: number;
  /** The largest pick ms / best variant ms (1 = the pick was the fastest). */
  worstRatio: number;
  worstKernel: string;
  /** worstRatio ≤ 1 + AUTO_TOLERANCE. */
  met: boolean;
}

/** How much slower than the best forced variant the autotuner's pick may be. */
export const AUTO_TOLERANCE = 0.05;

export interface BenchResult {
  /** The adapter's info; `device` where it names one (Dawn on Vulkan: the GPU's name; absent from older files). */
  adapter: { vendor: string; architecture: string; description: string; device?: string };
  /** adapterName(): the short name used in tables. */
  adapterName: string;
  runtime: 'browser' | 'node';
  userAgent: string;
  /** Node's and the webgpu package's versions and the commit, where known (bench/node.ts); absent in the page. */
  environment?: Record<string, string>;
  /** The matmul/conv2d kernel variant of the graphs timed: preferredKernels(adapter), or --kernels. */
  kernelVariant: string;
  timing: TimingMethod;
  tfjs: { version: string; backend: string; timing: TimingMethod } | null;
  jaxjs: { version: string; backend: string; timing: TimingMethod } | null;
  quick: boolean;
  date: string;
  seconds: number;
  kernels: KernelResult[];
  training: TrainingResult[];
  matmul: MatmulResult[];
  timeToAccuracy: TimeToAccuracyResult | null;
  /** The kernel check (null where the section did not run; absent in files written before 2 Dec 2026). */
  kernelCheck?: KernelCheckResult | null;
  goals: GoalResult[];
  /** The adapter's fp32 peak in TFLOP/s as stated by --fp32-peak (the vendor's figure); null or absent: none given. */
  fp32PeakTflops?: number | null;
  /** The real-GPU goals (absent in files written before 2 Dec 2026). */
  gpuGoals?: GpuGoalResult[];
  /** Under 'auto': how far the autotuner's picks are from the best forced variant of each kernel in the table (null: none timed so). */
  autoPicks: AutoPicks | null;
  notes: string[];
  /** False in a file written while the run went on (after each section): a run cut short leaves what it had measured. Absent before 2 Dec 2026. */
  complete?: boolean;
  /** The command line's arguments (written to the file by --out since 3 Dec 2026). */
  arguments?: string[];
}

export type Progress = (message: string) => void;
