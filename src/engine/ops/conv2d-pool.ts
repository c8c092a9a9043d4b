// conv2d + ReLU + 2×2 max pooling in one op (src/shaders/conv2d_pool.wgsl): a model's first conv layer
// when it has few input channels and a 2×2 max pooling follows it (fusion.ts decides, from
// conv2dPoolRefusal). One op holds the forward, the backward (dw and db; never dx: nothing before a
// first layer needs it) and the inspection's forward, with the argmax codes and partial sums they share.
import conv2dPoolWgsl from '../../shaders/conv2d_pool.wgsl';
import { createTensor, createUniform, packUniform, tensorBytes, u32 } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { createOp, type GpuOp } from '../op';
import { conv2dOutputSize, type Conv2dShape } from './conv2d-shape';
import { checkBinding, checkBindingLimit, checkNotAliased, getKernel, type BindingKind, type BufferLike, type KernelSpec } from '../pipelines';

/** Invocations per workgroup of every entry point. */
export const CONV2D_POOL_WORKGROUP = 64;
/** backward_weight splits its reduction over pooled positions until about this many invocations run. */
export const CONV2D_POOL_TARGET_INVOCATIONS = 4096;
/** Above this many input channels the conv has enough arithmetic per output for its GEMM kernels to win. */
export const CONV2D_POOL_MAX_IN_CHANNELS = 4;

/** A conv2d's shape; its padding is 'valid' (stride 1, as every conv here). */
export type Conv2dPoolShape = Omit<Conv2dShape, 'padding'>;

/** The conv's whole 'valid' output (conv2d-shape.ts's rules; throws when the shape is impossible). */
const convOutput = (s: Conv2dPoolShape) => conv2dOutputSize({ ...s, padding: 'valid', crop: undefined });

/**
 * Why the fused op cannot compute this conv (padding 'valid', stride 1) followed by a 2×2 max pooling of
 * stride 2, or undefined when it can; throws, as conv2dOutputSize, when the shape is no conv at all.
 */
export function conv2dPoolRefusal(s: Conv2dPoolShape): string | undefined {
  const o = convOutput(s);
  if (s.inChannels > CONV2D_POOL_MAX_IN_CHANNELS) return `${s.inChannels} input channels (at most ${CONV2D_POOL_MAX_IN_CHANNELS})`;
  if (s.outChannels % 8 !== 0) return `${s.outChannels} filters (a multiple of 8 needed)`;
  if (o.height < 2 || o.width < 2) return `a ${s.height}×${s.width} input leaves no 2×2 window after a ${s.kernelHeight}×${s.kernelWidth} kernel`;
  return undefined;
}

/** backward_weight's groups of 5 flat taps (the bias the last): each invocation loads a position's gradient once for five. */
const tapGroups = (s: Conv2dPoolShape): number => Math.ceil((s.kernelHeight * s.kernelWidth * s.inChannels + 1) / 5);

export interface Conv2dPoolSizes {
  outH: number;
  outW: number;
  poolH: number;
  poolW: number;
  /** B·PH·PW pooled positions. */
  positions: number;
  /** backward_weight's split of the positions: `splits` ranges of `chunk`. */
  splits: number;
  chunk: number;
  /** (KH·KW·CIN + 1)·COUT: dw's elements, then db's. */
  gradElements: number;
  /** The scratch the op allocates: argmax codes (one u32 per position and 4 channels) and partial sums. */
  codeBytes: number;
  partialsBytes: number;
}

/** The op's sizes; throws `${op}: <why>` where conv2dPoolRefusal refuses the shape. */
export function conv2dPoolSizes(s: Conv2dPoolShape, op = 'conv2d+maxPool2d'): Conv2dPoolSizes {
  const why = conv2dPoolRefusal(s);
  if (why) throw new Error(`${op}: ${why}`);
  const { height: outH, width: outW } = convOutput(s);
  const poolH = Math.floor(outH / 2);
  const poolW = Math.floor(outW / 2);
  const positions = s.batch * poolH * poolW;
  const cout4 = s.outChannels / 4;
  // backward_weight: one invocation per (split, 5 taps or the bias, 2 channel quads).
  const perSplit = tapGroups(s) * (cout4 / 2);
  const chunk = Math.ceil(positions / Math.max(1, Math.min(positions, Math.ceil(CONV2D_POOL_TARGET_INVOCATIONS / perSplit))));
  const splits = Math.ceil(positions / chunk);
  const gradElements = (s.kernelHeight * s.kernelWidth * s.inChannels + 1) * s.outChannels;
  return { outH, outW, poolH, poolW, positions, splits, chunk, gradElements, codeBytes: tensorBytes(positions * cout4), partialsBytes: tensorBytes(splits * gradElements) };
}

type Entry = 'forward' | 'forward_store' | 'forward_edges' | 'backward_weight' | 'reduce';
const BINDINGS: Record<Entry, readonly BindingKind[]> = {
  forward: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'uniform'],
  forward_store: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'uniform', 'storage'],
  forward_edges: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'storage', 'uniform', 'storage'],
  backward_weight: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage', 'uniform'],
  reduce: ['read-only-storage', 'storage', 'uniform'],
};

const spec = (entry: Entry, s: Conv2dPoolShape): KernelSpec => ({
  label: `conv2d_pool.${entry}`,
  code: conv2dPoolWgsl,
  entryPoint: entry,
  workgroupSize: [CONV2D_POOL_WORKGROUP],
  constants: { WG: CONV2D_POOL_WORKGROUP, KH: s.kernelHeight, KW: s.kernelWidth, CIN: s.inChannels },
  bindings: BINDINGS[entry],
});

export interface Conv2dPoolArgs {
  /** The conv layer's name: dispatches are `${label}.forward`, `${label}.backward_weight`, ... */
  label: string;
  shape: Conv2dPoolShape;
  /** x: (B, H, W, CIN); w: (KH, KW, CIN, COUT); bias: (COUT); y: (B, PH, PW, COUT) pooled. */
  x: BufferLike;
  w: BufferLike;
  bias: BufferLike;
  y: BufferLike;
  /** dy: (B, PH, PW, COUT) w.r.t. y; dw, db: the gradients written (omit all three for a forward-only op). */
  dy?: BufferLike;
  dw?: BufferLike;
  db?: BufferLike;
  /** (1, OH, OW, COUT): image 0's conv output after the ReLU, written only by the `inspect` dispatches. */
  conv?: BufferLike;
}

export interface Conv2dPoolOp extends GpuOp {
  /** The forward: y and the argmax codes. */
  readonly dispatches: readonly Dispatch[];
  /** dw and db from dy (after the forward of the same batch: it reads the codes). */
  readonly backward: readonly Dispatch[];
  /** The forward that also writes `conv`, image 0's whole conv map (empty without `conv`). */
  readonly inspect: readonly Dispatch[];
}

export async function createConv2dPool(device: GPUDevice, a: Conv2dPoolArgs): Promise<Conv2dPoolOp> {
  const s = a.shape;
  const op = `conv2d+maxPool2d (${a.label})`;
  const z = conv2dPoolSizes(s, op);
  const cout4 = s.outChannels / 4;
  const f32 = (shape: number[]) => `f32 shape (${shape.join(', ')})`;
  const xShape = [s.batch, s.height, s.width, s.inChannels];
  const yShape = [s.batch, z.poolH, z.poolW, s.outChannels];
  const convShape = [1, z.outH, z.outW, s.outChannels];
  const taps = s.kernelHeight * s.kernelWidth * s.inChannels;
  checkBinding(device, op, 'x', a.x, 4 * s.batch * s.height * s.width * s.inChannels, f32(xShape));
  checkBinding(device, op, 'w', a.w, 4 * taps * s.outChannels, f32([s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels]));
  checkBinding(device, op, 'bias', a.bias, 4 * s.outChannels, f32([s.outChannels]));
  checkBinding(device, op, 'y', a.y, 4 * z.positions * s.outChannels, f32(yShape));
  if (a.conv) checkBinding(device, op, 'conv', a.conv, 4 * z.outH * z.outW * s.outChannels, f32(convShape));
  const grads = [a.dy, a.dw, a.db].filter((b) => b !== undefined).length;
  if (grads !== 0 && grads !== 3) throw new Error(`${op}: dy, dw and db go together (a forward-only op has none)`);
  if (a.dy && a.dw && a.db) {
    checkBinding(device, op, 'dy', a.dy, 4 * z.positions * s.outChannels, f32(yShape));
    checkBinding(device, op, 'dw', a.dw, 4 * taps * s.outChannels, f32([s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels]));
    checkBinding(device, op, 'db', a.db, 4 * s.outChannels, f32([s.outChannels]));
    checkBindingLimit(device, op, 'partials', z.partialsBytes, `${z.splits} partial sums of dw and db`);
    checkNotAliased(op, { dw: a.dw }, { x: a.x, dy: a.dy, y: a.y });
    checkNotAliased(op, { db: a.db }, { x: a.x, dy: a.dy, y: a.y });
  }
  checkNotAliased(op, { y: a.y, ...(a.conv ? { conv: a.conv } : {}) }, { x: a.x, w: a.w, bias: a.bias });
  checkBindingLimit(device, op, 'code', z.codeBytes, 'argmax codes');
  if (z.positions * cout4 > 0xffffffff) throw new Error(`${op}: ${z.positions * cout4} invocations exceed the u32 index range`);

  // Only the pipelines this op runs (each a compile on first use).
  const kernel = (e: Entry, used: unknown) => (used ? getKernel(device, spec(e, s)) : undefined);
  const [fwd, store, edges, bw, reduce] = await Promise.all([
    kernel('forward', true), kernel('forward_store', a.conv), kernel('forward_edges', a.conv), kernel('backward_weight', a.dy), kernel('reduce', a.dy),
  ]);
  const groups = (invocations: number) => grid1d(device, Math.ceil(invocations / CONV2D_POOL_WORKGROUP));
  return createOp(a.label, async (own) => {
    const params = own.add(createUniform(device, `${a.label}.pool_params`, packUniform([
      u32(s.height), u32(s.width), u32(z.outH), u32(z.outW), u32(z.poolH), u32(z.poolW),
      u32(cout4), u32(z.positions), u32(z.splits), u32(z.chunk),
    ])));
    const code = own.tensor(createTensor(device, `${a.label}.pool_code`, [z.positions * cout4])).buffer;
    const forwardBuffers = [a.x, a.w, a.bias, a.y, code, params];
    const forwardInvocations = z.positions * (cout4 / 2); // 8 channels an invocation
    const forward = makeDispatch(device, fwd!, `${a.label}.forward`, forwardBuffers, groups(forwardInvocations));
    const inspect: Dispatch[] = [];
    if (a.conv) {
      inspect.push(makeDispatch(device, store!, `${a.label}.forward_store`, [...forwardBuffers, a.conv], groups(forwardInvocations)));
      // Image 0's outputs the pooling drops: an odd OH's last row, an odd OW's last column.
      const dropped = (z.outH % 2) * z.outW + (z.outW % 2) * (z.outH - (z.outH % 2));
      if (dropped) inspect.push(makeDispatch(device, edges!, `${a.label}.forward_edges`, [...forwardBuffers, a.conv], groups(dropped * cout4)));
    }
    const backward: Dispatch[] = [];
    if (a.dy && a.dw && a.db) {
      const partials = own.tensor(createTensor(device, `${a.label}.backward_weight.partials`, [z.splits * z.gradElements])).buffer;
      const nW = taps * s.outChannels;
      // The partials' slice [offset, offset + count) summed over the splits into `sums`: dw, then db.
      const sum = (name: string, sums: BufferLike, offset: number, count: number) => makeDispatch(device, reduce!, `${a.label}.${name}`,
        [partials, sums, own.add(createUniform(device, `${a.label}.${name}.params`, packUniform([u32(z.gradElements), u32(z.splits), u32(offset), u32(count)])))], groups(count));
      backward.push(
        makeDispatch(device, bw!, `${a.label}.backward_weight`, [a.x, a.dy, a.y, code, partials, params], groups(z.splits * tapGroups(s) * (cout4 / 2))),
        sum('backward_weight.reduce', a.dw, 0, nW),
        sum('backward_bias.reduce', a.db, nW, s.outChannels),
      );
    }
    return { dispatches: [forward], backward, inspect };
  });
}
