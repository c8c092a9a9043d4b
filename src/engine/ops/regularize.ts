// L1/L2 kernel regularization (src/shaders/regularize.wgsl): after the backward pass each regularized
// kernel's gradient gets l1·sign(w) + 2·l2·w, and the penalty Σ l1·|w| + l2·w² of the step's weights goes
// to the training metrics (words METRIC.penaltySum / penaltyCount), in two passes: per-thread partials
// into a scratch buffer this op owns (no barriers), then one workgroup that adds their total. Evaluation gets the same
// penalty, once per evaluation, into its own metrics buffer, without touching the gradients.
import regularizeWgsl from '../../shaders/regularize.wgsl';
import { createTensor, createUniform, packUniform, u32 } from '../buffers';
import { makeDispatch, type Dispatch } from '../dispatch';
import { METRIC, METRICS_WORDS } from '../metrics-words';
import { createOp, type GpuOp } from '../op';
import { checkBinding, checkNotAliased, getKernel, type BindingKind, type KernelSpec } from '../pipelines';

export const REGULARIZE_WORKGROUP = 256;
/**
 * Workgroups per kernel at most: each thread strides over the rest, so the partials (and the one-workgroup
 * final sum) stay small for kernels of millions of weights while a 16k-weight kernel still gets one thread
 * per weight.
 */
export const REGULARIZE_MAX_GROUPS = 256;

/** Workgroups the penalty of an n-weight kernel uses. */
export function regularizeGroups(n: number): number {
  return Math.min(Math.ceil(n / REGULARIZE_WORKGROUP), REGULARIZE_MAX_GROUPS);
}

/** Partials (one per thread) of an n-weight kernel. */
export function regularizePartials(n: number): number {
  return regularizeGroups(n) * REGULARIZE_WORKGROUP;
}

const BINDINGS: readonly BindingKind[] = ['read-only-storage', 'storage', 'storage', 'uniform', 'storage'];
const spec = (entryPoint: 'train' | 'penalty' | 'finish'): KernelSpec => ({
  label: `regularize.${entryPoint}`,
  code: regularizeWgsl,
  entryPoint,
  workgroupSize: [REGULARIZE_WORKGROUP],
  constants: { WG: REGULARIZE_WORKGROUP, PENALTY_SUM: METRIC.penaltySum, PENALTY_COUNT: METRIC.penaltyCount },
  bindings: BINDINGS,
});

/** One regularized kernel: its place in the flat buffers and its factors. */
export interface RegularizedKernel {
  name: string;
  /** First element in params / grads, and the number of weights. */
  offset: number;
  n: number;
  l1: number;
  l2: number;
}

export interface RegularizeArgs {
  label: string;
  /** The flat parameters (read) and gradients (added to), P floats each. */
  params: GPUBuffer;
  grads: GPUBuffer;
  kernels: readonly RegularizedKernel[];
  /** The training metrics (METRICS_WORDS words) the step's penalty is added to. */
  metrics: GPUBuffer;
  /** The evaluation metrics; omit for no evaluate dispatches. */
  evalMetrics?: GPUBuffer;
}

export interface RegularizeOp extends GpuOp {
  /** The training step's part: gradients, then the penalty into `metrics`. */
  readonly dispatches: readonly Dispatch[];
  /** Once per evaluation: the penalty into `evalMetrics` (empty without it). */
  readonly evaluate: readonly Dispatch[];
}

/** Throws unless l1 and l2 are finite and ≥ 0 (the model validation's rule, again at the GPU boundary). */
export function checkFactor(what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${what} must be a finite number ≥ 0, got ${v}`);
  return v;
}

export async function createRegularize(device: GPUDevice, a: RegularizeArgs): Promise<RegularizeOp> {
  const op = `regularize (${a.label})`;
  if (a.kernels.length === 0) throw new Error(`${op}: no regularized kernels (build no op instead)`);
  checkNotAliased(op, { grads: a.grads }, { params: a.params });
  let count = 0;
  const plan = a.kernels.map((k) => {
    if (!Number.isInteger(k.offset) || k.offset < 0 || !Number.isInteger(k.n) || k.n < 1) throw new Error(`${op}: ${k.name}: offset ${k.offset} and size ${k.n} must be whole numbers, the size ≥ 1`);
    checkFactor(`${op}: ${k.name}: l1`, k.l1);
    checkFactor(`${op}: ${k.name}: l2`, k.l2);
    const end = (k.offset + k.n) * 4;
    checkBinding(device, op, `params (${k.name})`, a.params, end, `${k.name} ends at element ${k.offset + k.n}`);
    checkBinding(device, op, `grads (${k.name})`, a.grads, end, `${k.name} ends at element ${k.offset + k.n}`);
    const groups = regularizeGroups(k.n);
    const base = count;
    count += groups * REGULARIZE_WORKGROUP;
    return { k, groups, base };
  });
  for (const [name, m] of Object.entries({ metrics: a.metrics, evalMetrics: a.evalMetrics })) if (m) checkBinding(device, op, name, m, METRICS_WORDS * 4, `${METRICS_WORDS} metrics words`);
  const [train, penalty, finish] = await Promise.all([getKernel(device, spec('train')), getKernel(device, spec('penalty')), getKernel(device, spec('finish'))]);
  return createOp(a.label, async (own) => {
    const partials = own.tensor(createTensor(device, `${a.label}.partials`, [count])).buffer;
    const pass = (kernel: typeof train, mode: string, metrics: GPUBuffer) => plan.map(({ k, groups, base }) => {
      const uniform = own.add(createUniform(device, `${a.label}.${k.name}.params`, packUniform([u32(k.offset), u32(k.n), u32(base), u32(0), k.l1, k.l2])));
      return makeDispatch(device, kernel, `${a.label}.${mode}.${k.name}`, [a.params, a.grads, partials, uniform, metrics], [groups]);
    });
    const total = own.add(createUniform(device, `${a.label}.finish.params`, packUniform([u32(0), u32(0), u32(0), u32(count), 0, 0])));
    const sum = (metrics: GPUBuffer, mode: string) => makeDispatch(device, finish, `${a.label}.${mode}.finish`, [a.params, a.grads, partials, total, metrics], [1]);
    const evaluate = a.evalMetrics ? [...pass(penalty, 'evaluate', a.evalMetrics), sum(a.evalMetrics, 'evaluate')] : [];
    return { dispatches: [...pass(train, 'train', a.metrics), sum(a.metrics, 'train')], evaluate };
  });
}
