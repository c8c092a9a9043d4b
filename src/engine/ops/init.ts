// Weight initialisation (src/shaders/init.wgsl): He uniform, Glorot uniform (Keras limits), zeros and ones,
// drawn from the counter-based generator so the CPU can rebuild any initial weight exactly.
import randomWgsl from '../../shaders/random.wgsl';
import initWgsl from '../../shaders/init.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

export const INIT_WORKGROUP = 256;

export type InitName = 'he_uniform' | 'glorot_uniform' | 'zeros' | 'ones';
export const INITS: readonly InitName[] = ['he_uniform', 'glorot_uniform', 'zeros', 'ones'];

/** The shader's KIND id: the two uniform initialisers differ only in their limit. */
const KIND_IDS: Record<InitName, number> = { he_uniform: 0, glorot_uniform: 0, zeros: 1, ones: 2 };

function checkKind(kind: InitName): void {
  if (!INITS.includes(kind)) throw new Error(`init: unknown kind '${String(kind)}', expected one of ${INITS.join(', ')}`);
}

function checkFan(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`init: ${name} must be a positive integer, got ${v}`);
}

/** Half-width of the uniform distribution: √(6/fan_in) (He), √(6/(fan_in + fan_out)) (Glorot), 0 (the constants). */
export function initLimit(kind: InitName, fanIn: number, fanOut: number): number {
  checkKind(kind);
  if (kind === 'zeros' || kind === 'ones') return 0;
  checkFan('fanIn', fanIn);
  if (kind === 'he_uniform') return Math.sqrt(6 / fanIn);
  checkFan('fanOut', fanOut);
  return Math.sqrt(6 / (fanIn + fanOut));
}

export interface InitArgs {
  label: string;
  /** Number of elements to write. */
  n: number;
  target: BufferLike;
  kind: InitName;
  fanIn: number;
  fanOut: number;
  seed: number;
  /** Tells parameter tensors apart (e.g. the parameter's index). */
  stream: number;
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`init: ${name} must be an integer in [0, 2^32), got ${v}`);
}

export interface InitOp extends GpuOp {
  /** Draws from `seed` at the next submit of the dispatches: one op serves every initialisation. */
  setSeed(seed: number): void;
}

export async function createInit(device: GPUDevice, a: InitArgs): Promise<InitOp> {
  const limit = initLimit(a.kind, a.fanIn, a.fanOut);
  if (!Number.isInteger(a.n) || a.n < 1 || a.n > 0xffffffff) throw new Error(`init: n must be a positive integer below 2^32, got ${a.n}`);
  checkU32('seed', a.seed);
  checkU32('stream', a.stream);
  checkBinding(device, `init (${a.label})`, 'target', a.target, a.n * 4, `n = ${a.n} floats`);

  const spec: KernelSpec = {
    label: 'init.fill',
    code: randomWgsl + initWgsl,
    entryPoint: 'fill',
    workgroupSize: [INIT_WORKGROUP],
    constants: { WG: INIT_WORKGROUP, KIND: KIND_IDS[a.kind] },
    bindings: ['storage', 'uniform'],
  };
  const kernel = await getKernel(device, spec);
  const pack = (seed: number) => packUniform([u32(a.n), u32(seed), u32(a.stream), limit]);
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.params`, pack(a.seed)));
    return {
      dispatches: [makeDispatch(device, kernel, `${a.label}.fill`, [a.target, params], grid1d(device, Math.ceil(a.n / INIT_WORKGROUP)))],
      setSeed(seed: number) {
        checkU32('seed', seed);
        device.queue.writeBuffer(params, 0, pack(seed));
      },
    };
  });
}
