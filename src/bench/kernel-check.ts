// The kernel check: every kernel candidate of a model's training step, on this adapter, against the
// float64 CPU references. The test suite compares each kernel with its reference, but on SwiftShader
// only; on a GPU the autotuner may pick any candidate (the tiled variant at each tile shape, register
// and its quads), so the bench's figures count only when those candidates compute the right thing
// where they ran. This is the suite's whole-step test (test/engine/model-step.test.ts) taken to that
// adapter, with the references the suite uses (test/reference/model.ts): for a model at a batch size,
// round r builds each GEMM-shaped op with its r-th candidate (roundRobinKernels; round 0: the adapter's
// default variant), so that the rounds together run every candidate of every op once; each round trains
// one step on real MNIST images from the same seeded weights, and its gradients and loss are compared
// with one float64 reference step.
import { firstImages, type Dataset, type ImageSet } from '../data/idx';
import { candidateOf, roundRobinKernels, type KernelChooser } from '../engine/autotune';
import { errorDetail } from '../engine/errors';
import type { Gpu } from '../engine/gpu';
import { preferredKernels } from '../engine/kernel-variant';
import { uploadDataset, type GpuDataset } from '../engine/gpu-dataset';
import { parseModel } from '../engine/model-setting';
import { deriveSeed, shuffledIndices } from '../engine/random';
import { Trainer } from '../engine/trainer';
import { gatherReference } from '../../test/reference/gather';
import { referenceStep } from '../../test/reference/model';
import type { KernelCheckCase, KernelCheckResult, KernelCheckRound, Progress } from './types';

const SEED = 11;

/**
 * model-step.test's tolerance: f32 forward and backward through the whole network against float64 give
 * errors that scale with the tensor's largest gradient (sums of thousands of products).
 */
const GRAD_ATOL = 2e-4;
const GRAD_RTOL = 2e-3;
/**
 * Max pooling routes each window's gradient to its largest input; where two inputs are within rounding of
 * each other, f32 and float64 may pick different ones, and the kernel gradients of the layer below move by
 * a product each (the cnn at batch 128: 2 of conv2d_1's 288 kernel gradients at 2.6e-4 of the largest, the
 * rest below 1e-6; its bias, which sums the same gradients wherever they go, below 1e-6). So up to
 * OUTLIER_SHARE of a tensor's elements may exceed the tolerance, each by at most OUTLIER_ATOL of its largest
 * gradient: a wrong kernel (a tile unwritten, a K step skipped, a race) moves far more elements, or far more.
 */
const OUTLIER_SHARE = 0.02;
const OUTLIER_ATOL = 1e-2;
/** The step's mean loss, relative. */
const LOSS_RTOL = 1e-4;

export interface SlotGradients {
  name: string;
  gpu: ArrayLike<number>;
  reference: ArrayLike<number>;
}

export interface GradientComparison {
  /** The worst |gpu − reference| as a multiple of the tolerance (2e-4 · the tensor's largest reference gradient + 1e-7 + 2e-3 · |reference|); NaN counts as Infinity. */
  error: number;
  /** Its parameter tensor. */
  slot: string;
  /** Elements beyond the tolerance, in all tensors. */
  outliers: number;
  /** Within the tolerance, but for at most OUTLIER_SHARE of each tensor's elements, each within OUTLIER_ATOL of its largest gradient. */
  passed: boolean;
}

/** A step's gradients against the reference's, tensor by tensor. */
export function compareGradients(slots: readonly SlotGradients[]): GradientComparison {
  const r: GradientComparison = { error: 0, slot: '', outliers: 0, passed: true };
  for (const s of slots) {
    let scale = 0;
    for (let i = 0; i < s.reference.length; i++) scale = Math.max(scale, Math.abs(s.reference[i]));
    let outliers = 0;
    for (let i = 0; i < s.reference.length; i++) {
      const d = Math.abs(s.gpu[i] - s.reference[i]);
      const e = Number.isNaN(d) ? Infinity : d / (GRAD_ATOL * scale + 1e-7 + GRAD_RTOL * Math.abs(s.reference[i]));
      if (e > r.error) Object.assign(r, { error: e, slot: s.name });
      if (e <= 1) continue;
      outliers++;
      if (!(d <= OUTLIER_ATOL * scale)) r.passed = false;
    }
    if (outliers > OUTLIER_SHARE * s.reference.length) r.passed = false;
    r.outliers += outliers;
  }
  return r;
}

export interface CheckOptions {
  /** Round r's chooser (default: roundRobinKernels(r, the adapter's default variant)); tests pass one that builds a wrong kernel. */
  chooser?: (round: number) => KernelChooser & { rounds(): number };
}

/** What the passing rounds ran: each op family's candidates, and every compute pipeline of their training steps. */
interface Covered {
  candidates: Record<string, string[]>;
  pipelines: Set<string>;
}

type Reference = { params: Float32Array; grads: Float64Array; loss: number };
/** What a round ran: each op's family and candidate, and its training step's pipelines. */
type Ran = { kernels: { family: string; candidate: string }[]; pipelines: string[] };

/** A round that could not run: the error, and the picks made until then (the last: the op being built). */
function failedRound(c: KernelCheckCase, round: number, picks: Record<string, string>, e: unknown): KernelCheckRound {
  return { model: c.model, batch: c.batch, round, picks, gradientError: null, worstSlot: '', outliers: 0, loss: null, referenceLoss: null, lossError: null, passed: false, error: errorDetail(e).message };
}

/** One case: every round of `c.model` at batch `c.batch`, on its first `c.batch` training images. */
async function checkCase(gpu: Gpu, dataset: Dataset, c: KernelCheckCase, progress: Progress, covered: Covered, o: CheckOptions): Promise<KernelCheckRound[]> {
  if (c.batch > dataset.train.count) throw new Error(`kernel check: batch ${c.batch} needs ${c.batch} training images, the data set has ${dataset.train.count}`);
  const train = firstImages(dataset.train, c.batch);
  const data = uploadDataset(gpu.device, { ...dataset, train, test: train });
  const rounds: KernelCheckRound[] = [];
  const reference: { value?: Reference } = {};
  try {
    // As many rounds as the op with the most candidates has (known once round 0 has built them), or c.rounds.
    const total = (count: number) => Math.min(count, c.rounds ?? Infinity);
    for (let round = 0, count = 1; round < total(count); round++) {
      const chooser = o.chooser?.(round) ?? roundRobinKernels(round, preferredKernels(gpu.adapterInfo));
      let r: KernelCheckRound;
      let ran: Ran | undefined;
      try {
        ({ result: r, ran } = await checkRound(gpu, data, train, c, round, chooser, reference));
      } catch (e) {
        // A candidate this adapter cannot build or run fails its round (the picks name it, the last built), not the check.
        r = failedRound(c, round, Object.fromEntries(chooser.report().picks.map((p) => [p.label, candidateOf(p)])), e);
      }
      count = chooser.rounds();
      rounds.push(r);
      if (r.passed && ran) {
        for (const p of ran.kernels) {
          const list = (covered.candidates[p.family] ??= []);
          if (!list.includes(p.candidate)) list.push(p.candidate);
        }
        for (const l of ran.pipelines) covered.pipelines.add(l);
      }
      const detail = r.error ? r.error : `gradients at worst ${fmt(r.gradientError!)} the tolerance, ${r.worstSlot}, ${r.outliers} beyond it; loss ${fmt(r.lossError!)}`;
      progress(`kernel check ${c.model} batch ${c.batch} round ${round + 1}/${total(count)}: ${r.passed ? 'ok' : 'FAILED'} (${detail}) — ${Object.entries(r.picks).map(([l, k]) => `${l} ${k}`).join(', ')}`);
    }
  } finally {
    data.destroy();
  }
  return rounds;
}

/** One training step with `chooser`'s kernels against the reference step (computed once per case, from the same weights). */
async function checkRound(
  gpu: Gpu, data: GpuDataset, train: ImageSet, c: KernelCheckCase, round: number, chooser: KernelChooser, reference: { value?: Reference },
): Promise<{ result: KernelCheckRound; ran: Ran }> {
  // One epoch of one step (the training set is one batch), Adam; dropout as the model has it.
  const t = await Trainer.create(gpu, data, { model: parseModel(c.model), epochs: 1, batchSize: c.batch, seed: SEED, optimizer: { name: 'adam', learningRate: 0.001 } }, { chooser });
  try {
    const before = (await t.readState()).params;
    const history = await t.fit({}, undefined, 1);
    const grads = await t.readGradients();
    const slots = t.parameterSlots.map((s) => ({ name: s.info.name, offset: s.offset, size: s.info.size }));
    if (!reference.value || !sameBits(reference.value.params, before)) {
      const order = shuffledIndices(c.batch, deriveSeed(SEED, 'shuffle'), 0);
      const { x, y } = gatherReference(train.images, train.labels, order, { start: 0, batch: c.batch, imageSize: train.rows * train.cols });
      const r = referenceStep(t.model, slots, Float64Array.from(before), x, y, c.batch, { seed: SEED, step: 1 });
      reference.value = { params: before, grads: r.grads, loss: r.loss };
    }
    const ref = reference.value;
    const worst = compareGradients(slots.map((s) => ({ name: s.name, gpu: grads.subarray(s.offset, s.offset + s.size), reference: ref.grads.subarray(s.offset, s.offset + s.size) })));
    const loss = history.loss[history.loss.length - 1];
    const lossError = Math.abs(loss - ref.loss) / (LOSS_RTOL * Math.abs(ref.loss));
    const kernels = t.kernels.picks.map((p) => ({ label: p.label, family: p.family, candidate: candidateOf(p) }));
    const result: KernelCheckRound = {
      model: c.model, batch: c.batch, round, picks: Object.fromEntries(kernels.map((k) => [k.label, k.candidate])),
      gradientError: worst.error, worstSlot: worst.slot, outliers: worst.outliers, loss, referenceLoss: ref.loss, lossError, passed: worst.passed && lossError <= 1,
    };
    return { result, ran: { kernels, pipelines: t.trainingStep.dispatches.map((d) => d.pipeline.label) } };
  } finally {
    t.destroy();
  }
}

const fmt = (v: number) => (Number.isFinite(v) ? `${v.toFixed(3)}×` : String(v));

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Every case's rounds; `candidates` lists, per op family, each candidate that ran in a passing round, and
 * `pipelines` every compute pipeline those rounds ran (a failing round names its picks: one of them computed
 * a wrong gradient).
 */
export async function checkKernels(gpu: Gpu, dataset: Dataset, cases: readonly KernelCheckCase[], progress: Progress, o: CheckOptions = {}): Promise<KernelCheckResult> {
  const rounds: KernelCheckRound[] = [];
  const covered: Covered = { candidates: {}, pipelines: new Set() };
  for (const c of cases) {
    try {
      rounds.push(...await checkCase(gpu, dataset, c, progress, covered, o));
    } catch (e) {
      // A case that cannot start (too few images, its data set's upload refused) fails as its round 0, and the others run.
      const r = failedRound(c, 0, {}, e);
      rounds.push(r);
      progress(`kernel check ${c.model} batch ${c.batch}: FAILED (${r.error})`);
    }
  }
  return { passed: rounds.every((r) => r.passed), rounds, candidates: covered.candidates, pipelines: [...covered.pipelines].sort() };
}
