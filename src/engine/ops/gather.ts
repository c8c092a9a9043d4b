// Batch gather (src/shaders/gather.wgsl): byte images + labels on the GPU → a normalised f32 batch,
// optionally augmented (random shift, rotation and zoom per image, drawn on the GPU from (seed, step, row)).
import randomWgsl from '../../shaders/random.wgsl';
import gatherWgsl from '../../shaders/gather.wgsl';
import { createUniform, packUniform, u32 } from '../buffers';
import { grid1d, makeDispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { checkBinding, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

export const GATHER_WORKGROUP = 256;

/**
 * The plain copy, or (AUGMENT) the augmented resampling: one override, so the plain kernel has no extra
 * work. The plain copy of images whose size is a multiple of 4 moves 4 pixels per thread (gather_vec4).
 */
const spec = (augment: boolean, vec4: boolean): KernelSpec => ({
  label: augment ? 'gather.augmented' : vec4 ? 'gather.gather_vec4' : 'gather.gather',
  code: randomWgsl + gatherWgsl,
  entryPoint: vec4 ? 'gather_vec4' : 'gather',
  workgroupSize: [GATHER_WORKGROUP],
  constants: { WG: GATHER_WORKGROUP, AUGMENT: augment ? 1 : 0 },
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'uniform'],
});

/** The largest rotation the shader's sine and cosine series are accurate for (π/4). */
export const MAX_ROTATION_DEGREES = 45;

/**
 * Per-image random transforms (gather.wgsl): each range [lo, hi] is drawn uniformly, per row and step.
 * Keras's layers take (lower, upper) factors the same way; the trainer uses symmetric ranges.
 */
export interface AugmentArgs {
  /** Image width and height in pixels: width · height = imageSize, row-major. */
  width: number;
  height: number;
  /** The generator's seed (e.g. deriveSeed(seed, 'augment')); the step is the stream. */
  seed: number;
  /** Shift right (x) and down (y), in pixels. */
  shiftX: readonly [number, number];
  shiftY: readonly [number, number];
  /** Rotation in degrees, within ±MAX_ROTATION_DEGREES. */
  rotation: readonly [number, number];
  /** The factor k > 0 that scales the source coordinates about the centre: k > 1 zooms out (as Keras's RandomZoom's 1 + factor). */
  zoom: readonly [number, number];
}

/** The trainer's symmetric ranges: shift ±shift pixels in x and y, rotation ±rotation degrees, zoom k in [1 − zoom, 1 + zoom]. */
/** Whether any range is non-zero (each is ≥ 0): off, the training gather copies images as they are. */
export const augments = (a: { shift?: number; rotation?: number; zoom?: number } = {}): boolean => !!(a.shift || a.rotation || a.zoom);

export function symmetricAugmentation(a: { shift?: number; rotation?: number; zoom?: number }): Pick<AugmentArgs, 'shiftX' | 'shiftY' | 'rotation' | 'zoom'> {
  const { shift = 0, rotation = 0, zoom = 0 } = a;
  return { shiftX: [-shift, shift], shiftY: [-shift, shift], rotation: [-rotation, rotation], zoom: [1 - zoom, 1 + zoom] };
}

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
  /** Random transforms per image (training only); absent: the plain copy. */
  augment?: AugmentArgs;
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
  const g = a.augment;
  if (!g) return;
  if (!Number.isInteger(g.width) || !Number.isInteger(g.height) || g.width < 1 || g.height < 1 || g.width * g.height !== a.imageSize) {
    fail(`augmentation needs width × height = imageSize ${a.imageSize}, got ${g.width} × ${g.height}`);
  }
  if (!Number.isInteger(g.seed) || g.seed < 0 || g.seed > 0xffffffff) fail(`augmentation seed must be a u32 integer, got ${g.seed}`);
  // [name, range, rule beyond lo ≤ hi, whether the range keeps it]
  const R = MAX_ROTATION_DEGREES;
  const ranges = [
    ['shiftX', g.shiftX, '', () => true], ['shiftY', g.shiftY, '', () => true],
    ['rotation', g.rotation, ` within ±${R}`, (lo: number, hi: number) => lo >= -R && hi <= R], ['zoom', g.zoom, ' and lo > 0', (lo: number) => lo > 0],
  ] as const;
  for (const [name, [lo, hi], rule, ok] of ranges) {
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && ok(lo, hi))) fail(`augmentation ${name} must be a finite range [lo, hi] with lo ≤ hi${rule}, got [${lo}, ${hi}]`);
  }
}

export interface GatherOp extends GpuOp {
  /** The batch starts at position `start` of the order: call before each batch's submit. */
  setStart(start: number): void;
  /** The training step selects the augmentation's draws: call before each step (nothing to do without augmentation). */
  setStep(step: number): void;
}

const u32Check = (label: string, name: string, v: number) => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`gather (${label}): ${name} must be a u32 integer, got ${v}`);
};

/** The Params struct of gather.wgsl; the augmentation fields are unused (zero) by the plain kernel. */
function packParams(a: GatherArgs, mean: number, std: number, start: number, step: number): ArrayBuffer {
  const g = a.augment;
  const range = (r: readonly [number, number] | undefined, scale = 1) => (r ? [r[0] * scale, (r[1] - r[0]) * scale] : [0, 0]);
  return packUniform([
    u32(a.batch), u32(a.count), u32(a.imageSize), u32(start), mean, std,
    u32(g?.width ?? 0), u32(g?.height ?? 0), u32(g ? g.seed >>> 0 : 0), u32(step >>> 0),
    ...range(g?.shiftX), ...range(g?.shiftY), ...range(g?.rotation, Math.PI / 180), ...range(g?.zoom),
  ]);
}

export async function createGather(device: GPUDevice, a: GatherArgs): Promise<GatherOp> {
  const mean = a.mean ?? 0;
  const std = a.std ?? 1;
  validate(device, a, mean, std);
  const vec4 = a.augment === undefined && a.imageSize % 4 === 0;
  const kernel = await getKernel(device, spec(a.augment !== undefined, vec4));
  const state = { start: 0, step: 0 };
  const groups = grid1d(device, Math.ceil((a.batch * a.imageSize) / (vec4 ? 4 : 1) / GATHER_WORKGROUP));
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.params`, packParams(a, mean, std, 0, 0)));
    const write = () => device.queue.writeBuffer(params, 0, packParams(a, mean, std, state.start, state.step));
    return {
      dispatches: [makeDispatch(device, kernel, `${a.label}.gather`, [a.images, a.labels, a.order, a.x, a.y, params], groups)],
      setStart(start: number) {
        u32Check(a.label, 'start', start);
        state.start = start;
        write();
      },
      setStep(step: number) {
        u32Check(a.label, 'step', step);
        state.step = step;
        if (a.augment) write();
      },
    };
  });
}
