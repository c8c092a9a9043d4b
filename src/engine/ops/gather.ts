// Batch gather (src/shaders/gather.wgsl): byte images + labels on the GPU → a normalised f32 batch.
import gatherWgsl from '../../shaders/gather.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

export const GATHER_WORKGROUP = 256;

const SPEC: KernelSpec = {
  label: 'gather.gather',
  code: gatherWgsl,
  entryPoint: 'gather',
  workgroupSize: [GATHER_WORKGROUP],
  constants: { WG: GATHER_WORKGROUP },
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'uniform'],
};

export interface GatherArgs {
  label: string;
  /** Rows per batch (B). */
  batch: number;
  /**
   * Positions in `order` (the epoch length). Rows at positions ≥ count are padding. The sample indices in
   * `order` may exceed count (a validation split iterates samples trainCount.. of the same buffers).
   */
  count: number;
  /** Pixels per image (S), not necessarily a multiple of 4. */
  imageSize: number;
  /** (N · S) bytes packed 4 per u32 (packBytes). */
  images: BufferLike;
  /** (N) bytes packed 4 per u32. */
  labels: BufferLike;
  /** (count) u32 sample indices. */
  order: BufferLike;
  /** (B, S) f32 output. */
  x: BufferLike;
  /** (B) u32 output; PADDING_LABEL (0xFFFFFFFF) for padding rows. */
  y: BufferLike;
  /** x = (byte / 255 − mean) / std; defaults 0 and 1 give [0, 1]. */
  mean?: number;
  std?: number;
}

/** Packs bytes 4 per little-endian u32 word (byte k → bits 8·(k & 3) of word k >> 2), zero-padded. */
export function packBytes(bytes: Uint8Array): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  for (let k = 0; k < bytes.length; k++) words[k >> 2] |= bytes[k] << ((k & 3) * 8);
  return words;
}

function validate(device: GPUDevice, a: GatherArgs, mean: number, std: number): void {
  const op = `gather (${a.label})`;
  const fail = (msg: string) => { throw new Error(`${op}: ${msg}`); };
  for (const [name, v] of [['batch', a.batch], ['count', a.count], ['imageSize', a.imageSize]] as const) {
    if (!Number.isInteger(v) || v < 1) fail(`${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isFinite(mean)) fail(`mean must be a finite number, got ${mean}`);
  if (!(std > 0) || !Number.isFinite(std)) fail(`std must be a finite number > 0, got ${std}`);
  if (a.count >= 0xffffffff) fail(`count ${a.count} does not fit a u32 position`);
  const xBytes = a.batch * a.imageSize * 4;
  const need: [string, BufferLike, number, string][] = [
    ['images', a.images, Math.ceil(a.imageSize / 4) * 4, `one packed ${a.imageSize}-pixel image`], ['labels', a.labels, 4, 'one packed label'],
    ['order', a.order, a.count * 4, `${a.count} u32 positions`], ['x', a.x, xBytes, `(${a.batch}, ${a.imageSize}) f32`],
    ['y', a.y, a.batch * 4, `${a.batch} u32 labels`],
  ];
  for (const [name, b, bytes, what] of need) checkBinding(device, op, name, b, bytes, what);
}

export interface GatherOp extends GpuOp {
  /** The batch starts at position `start` of the order: call before each batch's submit. */
  setStart(start: number): void;
}

export async function createGather(device: GPUDevice, a: GatherArgs): Promise<GatherOp> {
  const mean = a.mean ?? 0;
  const std = a.std ?? 1;
  validate(device, a, mean, std);
  const kernel = await getKernel(device, SPEC);
  const pack = (start: number) => packUniform([u32(a.batch), u32(a.count), u32(a.imageSize), u32(start), mean, std]);
  const groups = grid1d(device, Math.ceil((a.batch * a.imageSize) / GATHER_WORKGROUP));
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.params`, pack(0)));
    return {
      dispatches: [makeDispatch(device, kernel, `${a.label}.gather`, [a.images, a.labels, a.order, a.x, a.y, params], groups)],
      setStart(start: number) {
        if (!Number.isInteger(start) || start < 0 || start > 0xffffffff) throw new Error(`gather (${a.label}): start must be a u32 integer, got ${start}`);
        device.queue.writeBuffer(params, 0, pack(start));
      },
    };
  });
}
