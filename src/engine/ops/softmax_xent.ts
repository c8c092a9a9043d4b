// Softmax and the loss on its probabilities (cross-entropy, MSE or hinge, chosen by an override constant),
// fused with its gradient and the training/evaluation metrics, top-k included (src/shaders/softmax_xent.wgsl).
// One workgroup per batch: the metrics buffer accumulates across dispatches without float atomics.
import xentWgsl from '../../shaders/softmax_xent.wgsl';
import { createUniform, packUniform, u32, type UniformField } from '../buffers';
import { makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, getKernel, type BindingKind, type BufferLike, type KernelSpec } from '../pipelines';
import { METRICS_WORDS, NO_STEP } from '../metrics-words';

export { METRICS_WORDS, NO_STEP, metricsInit, readMetrics, type Metrics } from '../metrics-words';

/** Threads of the single workgroup; a power of two. */
export const SOFTMAX_XENT_WORKGROUP = 256;
/** The label of a padding row (the gather writes it past the end of the data set). */
export const PADDING_LABEL = 0xffffffff;

export interface SoftmaxXentShape {
  batch: number;
  classes: number;
}

/** The losses, by their Keras names; the index is the shader's LOSS constant. */
export const LOSSES = ['categorical_crossentropy', 'mean_squared_error', 'categorical_hinge'] as const;
export type LossName = (typeof LOSSES)[number];

/**
 * The loss of a guess, the uniform prediction 1/C on every class (the formulas in softmax_xent.wgsl): ln C for
 * cross-entropy (label smoothing leaves it so: the targets still sum to 1), (C − 1)/C² for MSE, 1 for the hinge.
 * The verdict compares a model's loss with it.
 */
export function guessLoss(loss: LossName, classes: number): number {
  if (loss === 'mean_squared_error') return (classes - 1) / classes ** 2;
  return loss === 'categorical_hinge' ? 1 : Math.log(classes);
}

/** Keras's TopKCategoricalAccuracy default. */
export const DEFAULT_TOP_K = 5;

/** The loss and the top-k metric's k; defaults: cross-entropy, no smoothing, k = DEFAULT_TOP_K. */
export interface LossOptions {
  loss?: LossName;
  /** α in [0, 1): the target is onehot·(1 − α) + α/C; cross-entropy only, as in Keras. */
  labelSmoothing?: number;
  /** The top-k count's k, a whole number ≥ 1. */
  topK?: number;
}

function resolveLoss(o: LossOptions = {}): Required<LossOptions> {
  const r = { loss: o.loss ?? 'categorical_crossentropy', labelSmoothing: o.labelSmoothing ?? 0, topK: o.topK ?? DEFAULT_TOP_K };
  if (!LOSSES.includes(r.loss)) throw new Error(`softmax_xent: loss must be one of ${LOSSES.join(', ')}, got ${String(r.loss)}`);
  if (!(r.labelSmoothing >= 0 && Math.fround(r.labelSmoothing) < 1)) throw new Error(`softmax_xent: label smoothing must be in [0, 1), got ${r.labelSmoothing}`);
  if (r.labelSmoothing > 0 && r.loss !== 'categorical_crossentropy') throw new Error(`softmax_xent: label smoothing applies to categorical_crossentropy only, not ${r.loss}`);
  if (!Number.isInteger(r.topK) || r.topK < 1 || r.topK > 0xffffffff) throw new Error(`softmax_xent: topK must be a whole number ≥ 1, got ${r.topK}`);
  return r;
}

/**
 * Threads per row: one for small C (MNIST: each thread owns whole rows, 256 rows per pass); for large C
 * enough lanes that each strides over ~8 classes, so a wide row does not serialise on one thread.
 */
export function lanesPerRow(classes: number): number {
  if (classes <= 32) return 1;
  let lanes = 1;
  while (lanes < Math.ceil(classes / 8) && lanes < SOFTMAX_XENT_WORKGROUP) lanes *= 2;
  return lanes;
}

// vec4<f32> red_f[WG] + vec4<u32> red_u[WG]
const WORKGROUP_BYTES = SOFTMAX_XENT_WORKGROUP * (16 + 16);
const COMMON: BindingKind[] = ['read-only-storage', 'read-only-storage', 'storage', 'uniform', 'storage'];

function spec(entryPoint: 'train' | 'evaluate', lanes: number, loss: LossName): KernelSpec {
  return {
    label: `softmax_xent.${entryPoint}`,
    code: xentWgsl,
    entryPoint,
    workgroupSize: [SOFTMAX_XENT_WORKGROUP],
    constants: { WG: SOFTMAX_XENT_WORKGROUP, LANES: lanes, LOSS: LOSSES.indexOf(loss) },
    bindings: entryPoint === 'train' ? COMMON : [...COMMON, 'storage', 'storage'],
  };
}

function checkShape(s: SoftmaxXentShape): void {
  for (const [name, v] of [['batch', s.batch], ['classes', s.classes]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`softmax_xent: ${name} must be a positive integer, got ${v}`);
  }
  if (s.classes >= PADDING_LABEL) throw new Error(`softmax_xent: ${s.classes} classes collide with PADDING_LABEL`);
}

function params(s: SoftmaxXentShape, l: Required<LossOptions>, step: number): ArrayBuffer {
  const fields: UniformField[] = [u32(s.batch), u32(s.classes), u32(step), u32(l.topK), l.labelSmoothing];
  return packUniform(fields);
}

/** Checks the shape and the inputs both entry points read; returns what their output checks need. */
function checkInputs(device: GPUDevice, a: { label: string; shape: SoftmaxXentShape; logits: BufferLike; labels: BufferLike }) {
  const s = a.shape;
  checkShape(s);
  const op = `softmax_xent (${a.label})`;
  const n = s.batch * s.classes * 4;
  const bc = `(${s.batch}, ${s.classes}) f32`;
  checkBinding(device, op, 'logits', a.logits, n, bc);
  checkBinding(device, op, 'labels', a.labels, s.batch * 4, `${s.batch} u32 labels`);
  return { s, op, n, bc };
}

export interface SoftmaxXentTrainArgs extends LossOptions {
  label: string;
  shape: SoftmaxXentShape;
  logits: BufferLike;
  labels: BufferLike;
  /** (B, C): dL/dlogits / V (cross-entropy: (softmax − target) / V), zero rows for padding. */
  dlogits: BufferLike;
  /** METRICS_WORDS words, accumulated (metrics-words.ts). */
  metrics: BufferLike;
}

export interface SoftmaxXentTrainOp extends GpuOp {
  /** The step a non-finite loss is recorded with: call before each step's submit. */
  setStep(step: number): void;
}

export async function createSoftmaxXentTrain(device: GPUDevice, a: SoftmaxXentTrainArgs): Promise<SoftmaxXentTrainOp> {
  const { s, op, n, bc } = checkInputs(device, a);
  checkBinding(device, op, 'dlogits', a.dlogits, n, bc);
  checkBinding(device, op, 'metrics', a.metrics, METRICS_WORDS * 4, `${METRICS_WORDS} metrics words`);
  const l = resolveLoss(a);
  const kernel = await getKernel(device, spec('train', lanesPerRow(s.classes), l.loss), WORKGROUP_BYTES);
  return createOp(a.label, async (own) => {
    const uniform = own.add(createUniform(device, `${a.label}.params`, params(s, l, 0)));
    const dispatch = makeDispatch(device, kernel, `${a.label}.train`, [a.logits, a.labels, a.metrics, uniform, a.dlogits], [1]);
    return {
      dispatches: [dispatch],
      setStep(step: number) {
        if (!Number.isInteger(step) || step < 0 || step >= NO_STEP) throw new Error(`softmax_xent: step must be an integer in [0, 2^32 − 2], got ${step}`);
        device.queue.writeBuffer(uniform, 0, params(s, l, step));
      },
    };
  });
}

export interface SoftmaxXentEvaluateArgs extends LossOptions {
  label: string;
  shape: SoftmaxXentShape;
  logits: BufferLike;
  labels: BufferLike;
  /** METRICS_WORDS words, accumulated (metrics-words.ts; word 3 is left alone). */
  metrics: BufferLike;
  /** (C, C) u32, accumulated: row = true label, column = prediction. */
  confusion: BufferLike;
  /** (B) u32 argmax, PADDING_LABEL for padding rows. */
  predictions: BufferLike;
  /** (B, C) softmax of every row (padding rows too: pass PADDING_LABEL labels to predict unlabelled inputs). */
  probs: BufferLike;
}

export async function createSoftmaxXentEvaluate(device: GPUDevice, a: SoftmaxXentEvaluateArgs): Promise<GpuOp> {
  const { s, op, n, bc } = checkInputs(device, a);
  checkBinding(device, op, 'metrics', a.metrics, METRICS_WORDS * 4, `${METRICS_WORDS} metrics words`);
  checkBinding(device, op, 'confusion', a.confusion, s.classes * s.classes * 4, `(${s.classes}, ${s.classes}) u32`);
  checkBinding(device, op, 'predictions', a.predictions, s.batch * 4, `${s.batch} u32 predictions`);
  checkBinding(device, op, 'probs', a.probs, n, bc);
  const l = resolveLoss(a);
  const kernel = await getKernel(device, spec('evaluate', lanesPerRow(s.classes), l.loss), WORKGROUP_BYTES);
  return createOp(a.label, async (own) => {
    const uniform = own.add(createUniform(device, `${a.label}.params`, params(s, l, 0)));
    const buffers = [a.logits, a.labels, a.metrics, uniform, a.probs, a.confusion, a.predictions];
    return { dispatches: [makeDispatch(device, kernel, `${a.label}.evaluate`, buffers, [1])] };
  });
}
