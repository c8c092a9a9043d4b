// One builder per layer type: given the layer's input (and where the gradient w.r.t. it goes), each
// allocates its output and output gradient and creates its forward and backward dispatches, following
// the layer's fusion decisions (fusion.ts). The graph owns every tensor and op made here.
import type { Tensor } from './buffers';
import type { Dispatch } from './dispatch';
import { convLayerShape, type LayerFusion } from './fusion';
import type { KernelChooser, KernelSite } from './autotune';
import type { ResolvedLayer } from './model';
import type { GpuOp } from './op';
import type { BufferLike } from './pipelines';
import { deriveSeed } from './random';
import { createMatmul, createBiasGrad, matmulTilings } from './ops/matmul';
import { conv2dTilings, createConv2dForward, createConv2dBackwardInput, createConv2dBackwardWeight, forwardQuadSide, type Conv2dShape, type ConvPass } from './ops/conv2d';
import { createPool2dForward, createPool2dBackward } from './ops/pool';
import { conv2dPoolSizes, createConv2dPool } from './ops/conv2d-pool';
import { createActivationForward, createActivationBackward } from './ops/activation';
import { createDropout, type DropoutOp } from './ops/dropout';
import { createBatchNorm, type BatchNormOp } from './ops/batchnorm';

/** A parameter tensor's place in the flat parameter and gradient buffers. */
export interface ParamBinding {
  /** Offset in elements inside the flat buffers. */
  offset: number;
  param: GPUBufferBinding;
  grad: GPUBufferBinding;
}

export interface LayerContext {
  device: GPUDevice;
  batch: number;
  /** Picks each GEMM-shaped op's implementation: forced, or measured (autotune.ts). */
  kernels: KernelChooser;
  /** The graph's seed (dropout masks). */
  seed: number;
  fusion: LayerFusion;
  /** The layer's input, (B, ...inShape). */
  x: Tensor;
  /** Where the gradient w.r.t. the input goes; undefined when no layer before this one has parameters. */
  dx?: Tensor;
  /** The layer's parameters in its own order: [kernel, bias] (dense, conv2d), [gamma, beta, moving_mean, moving_variance]. */
  params: readonly ParamBinding[];
  /** A zeroed tensor the graph owns. */
  tensor(name: string, shape: readonly number[]): Tensor;
  /** Hands the op to the graph, which destroys it with itself. */
  own<T extends GpuOp>(op: T): T;
}

/** A dropout layer's op, whose step and rate the trainer sets. */
export interface DropoutSlot {
  layer: ResolvedLayer;
  op: DropoutOp;
  specRate: number;
}

/** A batch normalization layer's op, whose mode (training or inference) and valid rows the trainer sets. */
export interface BatchNormSlot {
  layer: ResolvedLayer;
  op: BatchNormOp;
}

export interface LayerBuild {
  /** The output and the gradient w.r.t. it; flatten and a linear activation alias their input's. */
  y: Tensor;
  dy: Tensor;
  forward: Dispatch[];
  /** This layer's backward, in order (the graph reverses the order of the layers, not of these). */
  backward: Dispatch[];
  /** The layer's own output when y is not it (a conv whose op also pools: y is the pooled output). */
  output?: Tensor;
  /** The forward that also writes `output`, for the inspection; absent where `forward` writes it. */
  inspect?: Dispatch[];
  dropout?: DropoutSlot;
  batchNorm?: BatchNormSlot;
}

type Layer<T extends ResolvedLayer['type']> = Extract<ResolvedLayer, { type: T }>;

export function buildLayer(c: LayerContext, l: ResolvedLayer): Promise<LayerBuild> {
  switch (l.type) {
    case 'dense': return dense(c, l);
    case 'conv2d': return conv2d(c, l);
    case 'maxPool2d':
    case 'avgPool2d': return c.fusion.pool === 'in-conv' ? identity(c, l) : pool(c, l); // in-conv: the conv before it pooled
    case 'dropout': return dropout(c, l);
    case 'activation': return activation(c, l);
    case 'batchNormalization': return batchNormalization(c, l);
    case 'flatten': return identity(c, l); // NHWC flattened row-major is Keras's order: no data movement
  }
}

/** The op's dispatches (a copy to append to), the op handed to the graph. */
async function dispatches(c: LayerContext, op: Promise<GpuOp>): Promise<Dispatch[]> {
  return [...c.own(await op).dispatches];
}

/** A GEMM-shaped op, built with the implementation the graph's kernel chooser picks for its shape. */
async function gemm(c: LayerContext, site: KernelSite, create: Parameters<KernelChooser['build']>[1]): Promise<Dispatch[]> {
  return [...c.own(await c.kernels.build(site, create)).dispatches];
}

const flag = (b: boolean | undefined): number => (b ? 1 : 0);

/** The layer's output and its gradient, (B, ...shape): its outShape, or what a crop keeps of it. */
function outputs(c: LayerContext, l: ResolvedLayer, shape: readonly number[] = l.outShape): { y: Tensor; dy: Tensor } {
  return { y: c.tensor(`${l.name}.out`, [c.batch, ...shape]), dy: c.tensor(`${l.name}.dout`, [c.batch, ...shape]) };
}

/** y = x (flatten, a linear activation): output and gradient are the input's buffers (a fresh gradient when no layer before needs one). */
async function identity(c: LayerContext, l: ResolvedLayer): Promise<LayerBuild> {
  return { y: c.x, dy: c.dx ?? c.tensor(`${l.name}.dy`, [c.batch, ...l.outShape]), forward: [], backward: [] };
}

/**
 * An activation after the layer's op: z (pre-activation) → y forward, dy → dz backward; rows × cols
 * with cols the last axis (softmax, the only one that is not elementwise, normalises along it).
 */
async function activationOps(c: LayerContext, l: ResolvedLayer, t: { z: Tensor; y: Tensor; dy: Tensor; dz?: Tensor }) {
  const kind = c.fusion.activation;
  const cols = l.outShape[l.outShape.length - 1];
  const a = { label: `${l.name}.${kind}`, kind, rows: t.y.size / cols, cols, x: t.z.buffer, y: t.y.buffer };
  return {
    forward: await dispatches(c, createActivationForward(c.device, a)),
    backward: t.dz ? await dispatches(c, createActivationBackward(c.device, { ...a, dy: t.dy.buffer, dx: t.dz.buffer })) : [],
  };
}

async function dense(c: LayerContext, l: Layer<'dense'>): Promise<LayerBuild> {
  const { device, batch, fusion } = c;
  const [kernel, bias] = c.params;
  const [fin] = l.inShape;
  const { y, dy } = outputs(c, l);
  const act = fusion.activation;
  // A separate activation reads the pre-activation z; a fused ReLU's own backward writes dz (as conv2d's).
  const z = act === 'linear' ? y : c.tensor(`${l.name}.preact`, [batch, ...l.outShape]);
  const dz = act === 'linear' && fusion.reluBackward !== 'own' ? dy : c.tensor(`${l.name}.dpreact`, [batch, ...l.outShape]);
  type Gemm = { M: number; N: number; K: number; transA?: boolean; transB?: boolean; relu?: boolean };
  const matmul = (label: string, m: Gemm, buffers: { a: BufferLike; b: BufferLike; c: BufferLike; bias?: GPUBufferBinding }) =>
    gemm(c, {
      label, family: 'matmul', shape: `M${m.M} N${m.N} K${m.K} tA${flag(m.transA)} tB${flag(m.transB)} bias${flag(buffers.bias !== undefined)}${m.relu ? ' relu1' : ''}`, tiles: matmulTilings(device, m),
      io: { inputs: [buffers.a, buffers.b, ...(buffers.bias ? [buffers.bias] : [])], outputs: [buffers.c] },
    }, (variant, tile) => createMatmul(device, { label, variant, tile, ...m, ...buffers }));
  const forward = await matmul(`${l.name}.forward`, { M: batch, N: l.units, K: fin, relu: fusion.reluInStore }, { a: c.x.buffer, b: kernel.param, c: z.buffer, bias: bias.param });
  const backward: Dispatch[] = [];
  if (fusion.reluBackward === 'own') {
    // ReLU's derivative from its output: y > 0 exactly where the pre-activation is.
    backward.push(...await dispatches(c, createActivationBackward(device, { label: `${l.name}.relu`, kind: 'relu', rows: batch, cols: l.units, x: y.buffer, y: y.buffer, dy: dy.buffer, dx: dz.buffer })));
  } else if (act !== 'linear') {
    const ops = await activationOps(c, l, { z, y, dy, dz });
    forward.push(...ops.forward);
    backward.push(...ops.backward);
  }
  backward.push(...await matmul(`${l.name}.backward_weight`, { M: fin, N: l.units, K: batch, transA: true }, { a: c.x.buffer, b: dz.buffer, c: kernel.grad }));
  const biasLabel = `${l.name}.backward_bias`;
  backward.push(...await gemm(c, { label: biasLabel, family: 'bias_grad', shape: `rows${batch} cols${l.units}`, io: { inputs: [dz.buffer], outputs: [bias.grad] } },
    (variant) => createBiasGrad(device, { label: biasLabel, variant, rows: batch, cols: l.units, dy: dz.buffer, db: bias.grad })));
  if (c.dx) backward.push(...await matmul(`${l.name}.backward_input`, { M: batch, N: fin, K: l.units, transB: true }, { a: dz.buffer, b: kernel.param, c: c.dx.buffer }));
  return { y, dy, forward, backward };
}

async function conv2d(c: LayerContext, l: Layer<'conv2d'>): Promise<LayerBuild> {
  if (c.fusion.pool === 'in-conv') return convPool(c, l);
  const { device, batch, fusion } = c;
  const [kernel, bias] = c.params;
  const [h, w, ch] = l.inShape;
  const [kh, kw] = l.kernelSize;
  const whole = convLayerShape(l, batch);
  // Cropped (fusion.ts): every tensor of the layer holds only the rows and columns the pooling after it reads.
  const shape = convLayerShape(l, batch, fusion.crop);
  const outShape = fusion.crop ? [...fusion.crop, l.filters] : l.outShape;
  const { y, dy } = outputs(c, l, outShape);
  const act = fusion.activation;
  // A separate activation reads the pre-activation z; a fused ReLU's own backward writes dz.
  const z = act === 'linear' ? y : c.tensor(`${l.name}.preact`, [batch, ...outShape]);
  const dz = act === 'linear' && fusion.reluBackward !== 'own' ? dy : c.tensor(`${l.name}.dpreact`, [batch, ...outShape]);
  const key = `B${batch} ${h}x${w}x${ch} to ${l.filters} k${kh}x${kw} ${l.padding}${fusion.crop ? ` crop${fusion.crop.join('x')}` : ''}`;
  const tiles = (pass: ConvPass) => conv2dTilings(device, pass, ch, l.filters);
  const forwardArgs = { label: l.name, shape, x: c.x.buffer, w: kernel.param, bias: bias.param, y: z.buffer, relu: fusion.reluInStore };
  const forward = await gemm(c, {
    label: `${l.name}.forward`, family: 'conv2d.forward', shape: `${key} relu${flag(fusion.reluInStore)}`, tiles: tiles('forward'),
    io: { inputs: [c.x.buffer, kernel.param, bias.param], outputs: [z.buffer] },
  }, (variant, tile) => createConv2dForward(device, { ...forwardArgs, variant, tile }));
  // The inspection shows the whole map: its forward runs the uncropped conv, with the implementation just chosen.
  const inspected = fusion.crop ? await wholeOutput(c, l, shape, { ...forwardArgs, shape: whole }) : undefined;
  const backward: Dispatch[] = [];
  if (fusion.reluBackward === 'own') {
    // ReLU's derivative from its output: y > 0 exactly where the pre-activation is.
    const [oh, ow] = outShape;
    backward.push(...await dispatches(c, createActivationBackward(device, { label: `${l.name}.relu`, kind: 'relu', rows: batch * oh * ow, cols: l.filters, x: y.buffer, y: y.buffer, dy: dy.buffer, dx: dz.buffer })));
  } else if (act !== 'linear') {
    const ops = await activationOps(c, l, { z, y, dy, dz });
    forward.push(...ops.forward);
    backward.push(...ops.backward);
  }
  backward.push(...await gemm(c, {
    label: `${l.name}.backward_weight`, family: 'conv2d.backward_weight', shape: `${key} bias1`, tiles: tiles('backward_weight'),
    io: { inputs: [c.x.buffer, dz.buffer], outputs: [kernel.grad, bias.grad] },
  }, (variant, tile) => createConv2dBackwardWeight(device, { label: l.name, shape, variant, tile, x: c.x.buffer, dy: dz.buffer, dw: kernel.grad, db: bias.grad })));
  if (c.dx) {
    backward.push(...await gemm(c, {
      label: `${l.name}.backward_input`, family: 'conv2d.backward_input', shape: key, tiles: tiles('backward_input'),
      io: { inputs: [dz.buffer, kernel.param], outputs: [c.dx.buffer] },
    }, (variant, tile) => createConv2dBackwardInput(device, { label: l.name, shape, variant, tile, dy: dz.buffer, w: kernel.param, dx: c.dx!.buffer })));
  }
  // The inspection runs both: the pooling after it reads the cropped output.
  return { y, dy, forward, backward, ...(inspected ? { output: inspected.output, inspect: [...forward, ...inspected.forward] } : {}) };
}

/**
 * A cropped conv's whole output for image 0, (1, ...outShape) (the inspection reads row 0 only), and the
 * forward writing it: the uncropped conv of image 0 with the variant its site got, in the training forward's
 * quad block side, so that it is the same pipeline and the build compiles nothing for it.
 */
async function wholeOutput(c: LayerContext, l: Layer<'conv2d'>, training: Conv2dShape, args: Omit<Parameters<typeof createConv2dForward>[1], 'y'>): Promise<{ output: Tensor; forward: Dispatch[] }> {
  const pick = c.kernels.report().picks.findLast((p) => p.label === `${l.name}.forward`)!;
  const output = c.tensor(`${l.name}.whole`, [1, ...l.outShape]);
  const op = c.own(await createConv2dForward(c.device, {
    ...args, shape: { ...args.shape, batch: 1 }, label: `${l.name}.whole`, variant: pick.variant, tile: pick.tile, y: output.buffer, quadSide: forwardQuadSide(training),
  }));
  return { output, forward: [...op.dispatches] };
}

/**
 * conv2d + ReLU + the 2×2 max pooling after it, one op (fusion.ts says where): y and dy are the pooled
 * output and its gradient, which the pooling layer passes on; the conv's own output is written only by
 * the inspection's forward, and no gradient w.r.t. it exists.
 */
async function convPool(c: LayerContext, l: Layer<'conv2d'>): Promise<LayerBuild> {
  const [kernel, bias] = c.params;
  const shape = convLayerShape(l, c.batch);
  const z = conv2dPoolSizes(shape);
  const pooled = [c.batch, z.poolH, z.poolW, l.filters];
  // One image: the inspection reads row 0 only.
  const output = c.tensor(`${l.name}.out`, [1, ...l.outShape]);
  const y = c.tensor(`${l.name}.pooled`, pooled);
  const dy = c.tensor(`${l.name}.dpooled`, pooled);
  const op = c.own(await createConv2dPool(c.device, {
    label: l.name, shape, x: c.x.buffer, w: kernel.param, bias: bias.param, y: y.buffer, conv: output.buffer, dy: dy.buffer, dw: kernel.grad, db: bias.grad,
  }));
  return { y, dy, output, forward: [...op.dispatches], backward: [...op.backward], inspect: [...op.inspect] };
}

async function pool(c: LayerContext, l: Layer<'maxPool2d' | 'avgPool2d'>): Promise<LayerBuild> {
  // The input's size from its tensor: a cropped conv's output is smaller than the layer's inShape. The model's own
  // input (a pooling layer first) is flat, (B, 784): its size is the layer's inShape.
  const [h, w, ch] = c.x.shape.length === 4 ? c.x.shape.slice(1) : l.inShape;
  const shape = { batch: c.batch, height: h, width: w, channels: ch, poolSize: l.poolSize, stride: l.strides, kind: l.type === 'maxPool2d' ? 'max' : 'avg' } as const;
  const { y, dy } = outputs(c, l);
  const forward = await dispatches(c, createPool2dForward(c.device, { label: l.name, shape, x: c.x.buffer, y: y.buffer }));
  const backward = c.dx
    ? await dispatches(c, createPool2dBackward(c.device, { label: l.name, shape, x: c.x.buffer, dy: dy.buffer, dx: c.dx.buffer, reluMask: c.fusion.reluMask }))
    : [];
  return { y, dy, forward, backward };
}

async function dropout(c: LayerContext, l: Layer<'dropout'>): Promise<LayerBuild> {
  const { y, dy } = outputs(c, l);
  const op = c.own(await createDropout(c.device, {
    label: l.name, n: y.size, x: c.x.buffer, y: y.buffer,
    dy: c.dx ? dy.buffer : undefined, dx: c.dx?.buffer,
    seed: deriveSeed(c.seed, 'dropout', l.index), rate: l.rate,
  }));
  return { y, dy, forward: [...op.dispatches], backward: [...op.backward], dropout: { layer: l, op, specRate: l.rate } };
}

async function activation(c: LayerContext, l: Layer<'activation'>): Promise<LayerBuild> {
  if (c.fusion.activation === 'linear') return identity(c, l);
  const { y, dy } = outputs(c, l);
  const ops = await activationOps(c, l, { z: c.x, y, dy, dz: c.dx });
  return { y, dy, ...ops };
}

/**
 * Statistics per channel over (B, H, W), or per feature over B. The op binds gamma | beta (and their
 * gradients, and moving_mean | moving_variance) as one range: each pair is adjacent in the flat buffers,
 * the second `stride` elements after the first.
 */
async function batchNormalization(c: LayerContext, l: Layer<'batchNormalization'>): Promise<LayerBuild> {
  const [gamma, beta, mean, variance] = c.params;
  const channels = l.inShape[l.inShape.length - 1];
  const spatial = l.inShape.slice(0, -1).reduce((a, b) => a * b, 1);
  const stride = beta.offset - gamma.offset;
  if (stride < channels || variance.offset - mean.offset !== stride) throw new Error(`${l.name}: gamma/beta and moving_mean/moving_variance must each be ${stride} elements apart`);
  const pair = (first: GPUBufferBinding): GPUBufferBinding => ({ buffer: first.buffer, offset: first.offset, size: (stride + channels) * 4 });
  const { y, dy } = outputs(c, l);
  const op = c.own(await createBatchNorm(c.device, {
    label: l.name, batch: c.batch, spatial, channels, stride, momentum: l.momentum, epsilon: l.epsilon,
    x: c.x.buffer, y: y.buffer, affine: pair(gamma.param), moving: pair(mean.param),
    dy: dy.buffer, dx: c.dx?.buffer, daffine: pair(gamma.grad),
  }));
  return { y, dy, forward: [...op.dispatches], backward: [...op.backward], batchNorm: { layer: l, op } };
}
