// Inverted dropout (src/shaders/dropout.wgsl): forward and backward share one kernel and one mask.
// One op holds both: its dispatches are the forward, `backward` the backward, and the uniform (seed,
// step, rate) they share is its own.
import randomWgsl from '../../shaders/random.wgsl';
import dropoutWgsl from '../../shaders/dropout.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

export const DROPOUT_WORKGROUP = 256;

/** apply, or apply_vec4 (4 elements an invocation) where n is a multiple of 4. */
const spec = (vec4: boolean): KernelSpec => ({
  label: vec4 ? 'dropout.apply_vec4' : 'dropout.apply',
  code: randomWgsl + dropoutWgsl,
  entryPoint: vec4 ? 'apply_vec4' : 'apply',
  workgroupSize: [DROPOUT_WORKGROUP],
  constants: { WG: DROPOUT_WORKGROUP },
  bindings: ['read-only-storage', 'storage', 'uniform'],
});

export interface DropoutArgs {
  label: string;
  /** Number of elements of x (= of y, dy, dx). */
  n: number;
  x: BufferLike;
  y: BufferLike;
  /** Gradient buffers; omit both for an inference-only dropout. */
  dy?: BufferLike;
  dx?: BufferLike;
  seed: number;
  rate: number;
}

export interface DropoutOp extends GpuOp {
  /** The forward: y = x · mask / (1 − rate). */
  readonly dispatches: readonly Dispatch[];
  /** dx = dy · mask / (1 − rate); empty for an inference-only dropout. */
  readonly backward: readonly Dispatch[];
  /** The step selects the mask: call before each training step. */
  setStep(step: number): void;
  /** Takes effect from the next step, no recompilation. */
  setRate(rate: number): void;
}

export function validateRate(rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  return rate;
}

export async function createDropout(device: GPUDevice, a: DropoutArgs): Promise<DropoutOp> {
  if (!Number.isInteger(a.n) || a.n < 1 || a.n > 0xffffffff) throw new Error(`dropout (${a.label}): n must be a positive integer below 2^32, got ${a.n}`);
  const op = `dropout (${a.label})`;
  for (const [name, b] of Object.entries({ x: a.x, y: a.y, dy: a.dy, dx: a.dx })) if (b) checkBinding(device, op, name, b, a.n * 4, `${a.n} floats`);
  const vec4 = a.n % 4 === 0;
  const kernel = await getKernel(device, spec(vec4));
  const state = { step: 0, rate: validateRate(a.rate) };
  const pack = () => packUniform([u32(a.n), u32(a.seed >>> 0), u32(state.step >>> 0), state.rate]);
  const groups = grid1d(device, Math.ceil((vec4 ? a.n / 4 : a.n) / DROPOUT_WORKGROUP));
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.params`, pack()));
    const forward = makeDispatch(device, kernel, `${a.label}.forward`, [a.x, a.y, params], groups);
    const backward = a.dy && a.dx ? [makeDispatch(device, kernel, `${a.label}.backward`, [a.dy, a.dx, params], groups)] : [];
    const write = () => device.queue.writeBuffer(params, 0, pack());
    return {
      dispatches: [forward],
      backward,
      setStep(step: number) { state.step = step; write(); },
      setRate(rate: number) { state.rate = validateRate(rate); write(); },
    };
  });
}
