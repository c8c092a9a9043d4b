// Activation functions, forward and backward (src/shaders/activation.wgsl). Elementwise functions
// are one kernel specialised by the ACT override; softmax (over the last axis) has its own kernels.
// 'linear' returns a plain copy dispatch; a caller that can alias y to x should skip it instead.
// Outputs may not alias inputs (WebGPU forbids a buffer being read-only and writable in one dispatch).
import activationWgsl from '../../shaders/activation.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { ACTIVATIONS, DEFAULT_ALPHA, isActivationName, type ActivationName } from '../activations';
import { createOp, type GpuOp } from '../op';
import { checkBinding, checkNotAliased, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

/** Elementwise kernels and narrow-row softmax: one invocation per element / per row. */
export const ACTIVATION_WORKGROUP = 256;
/** Wide-row softmax: one workgroup per row. A power of two (tree reduction). */
export const SOFTMAX_WORKGROUP = 128;
/** Rows up to this many columns use one invocation per row; wider rows one workgroup per row. */
export const SOFTMAX_SMALL_COLS = 32;

// The names live in activations.ts (no shader); re-exported for callers that import them with the kernels.
export { ACTIVATIONS, DEFAULT_ALPHA, isActivationName, type ActivationName };

/** The shader's ACT ids: the index in ACTIVATIONS (softmax's id is unused: it has its own entry points). */
const ACT_ID = (kind: ActivationName): number => ACTIVATIONS.indexOf(kind);

export interface ActivationArgs {
  label: string;
  kind: ActivationName;
  /** n = rows·cols elements; the split matters only for softmax, which normalises each row. */
  rows: number;
  cols: number;
  /** leaky_relu slope / elu scale; defaults in DEFAULT_ALPHA; ignored by the other functions. */
  alpha?: number;
  /** Pre-activation input. */
  x: BufferLike;
  /** Output (forward) / forward output (backward: softmax's gradient is computed from it). */
  y: BufferLike;
}

type Stage = 'forward' | 'backward';

function kernelSpec(stage: Stage, kind: ActivationName, cols: number): { spec: KernelSpec; workgroupBytes: number } {
  const bindings: KernelSpec['bindings'] = stage === 'forward'
    ? ['read-only-storage', 'storage', 'uniform']
    : ['read-only-storage', 'storage', 'uniform', 'read-only-storage', 'read-only-storage'];
  if (kind !== 'softmax') {
    return {
      spec: {
        label: `activation.${stage}`, code: activationWgsl, entryPoint: stage, bindings,
        workgroupSize: [ACTIVATION_WORKGROUP], constants: { WG: ACTIVATION_WORKGROUP, ACT: ACT_ID(kind) },
      },
      workgroupBytes: 0,
    };
  }
  const small = cols <= SOFTMAX_SMALL_COLS;
  const wg = small ? ACTIVATION_WORKGROUP : SOFTMAX_WORKGROUP;
  const entryPoint = `softmax_${stage}_${small ? 'small' : 'rows'}`;
  return {
    spec: { label: `activation.${entryPoint}`, code: activationWgsl, entryPoint, bindings, workgroupSize: [wg], constants: { WG: wg } },
    workgroupBytes: small ? 0 : 4 * wg,
  };
}

interface Checked { n: number; alpha: number }

function validate(device: GPUDevice, label: string, a: ActivationArgs, inputs: Record<string, BufferLike>, outputs: Record<string, BufferLike>): Checked {
  if (typeof a.kind !== 'string' || !isActivationName(a.kind)) {
    throw new Error(`activation (${label}): unknown activation '${String(a.kind)}'; valid names: ${ACTIVATIONS.join(', ')}`);
  }
  for (const k of ['rows', 'cols'] as const) {
    const v = a[k];
    if (!Number.isInteger(v) || v < 1) throw new Error(`activation (${label}): ${k} must be a positive integer, got ${String(v)}`);
  }
  const n = a.rows * a.cols;
  if (n > 0xffffffff) throw new Error(`activation (${label}): ${n} elements exceed the u32 index range`);
  const alpha = a.alpha ?? DEFAULT_ALPHA[a.kind] ?? 0;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`activation (${label}): alpha must be a finite number, got ${String(alpha)}`);
  const op = `activation (${label})`;
  for (const [name, b] of Object.entries({ ...inputs, ...outputs })) checkBinding(device, op, name, b, 4 * n, `${a.rows}×${a.cols} floats`);
  checkNotAliased(op, outputs, inputs);
  return { n, alpha };
}

function grid(device: GPUDevice, a: ActivationArgs, n: number): [number, number, number] {
  if (a.kind !== 'softmax') return grid1d(device, Math.ceil(n / ACTIVATION_WORKGROUP));
  if (a.cols <= SOFTMAX_SMALL_COLS) return grid1d(device, Math.ceil(a.rows / ACTIVATION_WORKGROUP));
  return grid1d(device, a.rows);
}

async function create(device: GPUDevice, stage: Stage, a: ActivationArgs, inputs: Record<string, BufferLike>,
  outputs: Record<string, BufferLike>, order: BufferLike[]): Promise<GpuOp> {
  const label = `${a.label}.${stage}`;
  const { n, alpha } = validate(device, label, a, inputs, outputs);
  const { spec, workgroupBytes } = kernelSpec(stage, a.kind, a.cols);
  const kernel = await getKernel(device, spec, workgroupBytes);
  return createOp(label, async (own) => {
    const params = own.add(createUniform(device, `${label}.params`, packUniform([u32(n), u32(a.rows), u32(a.cols), alpha])));
    return { dispatches: [makeDispatch(device, kernel, label, [...order.slice(0, 2), params, ...order.slice(2)], grid(device, a, n))] };
  });
}

/** y = f(x). */
export function createActivationForward(device: GPUDevice, a: ActivationArgs): Promise<GpuOp> {
  return create(device, 'forward', a, { x: a.x }, { y: a.y }, [a.x, a.y]);
}

/** dx = dL/dx from dy = dL/dy; x and y are the forward input and output. */
export function createActivationBackward(device: GPUDevice, a: ActivationArgs & { dy: BufferLike; dx: BufferLike }): Promise<GpuOp> {
  return create(device, 'backward', a, { x: a.x, y: a.y, dy: a.dy }, { dx: a.dx }, [a.x, a.dx, a.y, a.dy]);
}
