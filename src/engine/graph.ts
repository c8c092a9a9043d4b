// A resolved model turned into GPU buffers and ordered dispatch lists, built once per (model, batch size):
// forward (training mode: dropout active), backward (reverse order), and parameter init.
// All parameters live in one flat buffer (and gradients in its twin), each tensor at a 256-byte aligned
// offset, so the optimizer is a single dispatch and a checkpoint is two buffer reads.
// The graph owns every tensor and op it makes; destroy() frees them all.
import { align, createTensor, type Tensor } from './buffers';
import type { Dispatch } from './dispatch';
import type { ResolvedModel, ResolvedLayer, ParamInfo, Activation } from './model';
import { owning, type GpuOp, type Owner } from './op';
import { deriveSeed } from './random';
import type { KernelVariant } from './kernel-variant';
import { createMatmul, createBiasGrad } from './ops/matmul';
import { createConv2dForward, createConv2dBackwardInput, createConv2dBackwardWeight } from './ops/conv2d';
import { createPool2dForward, createPool2dBackward } from './ops/pool';
import { createActivationForward, createActivationBackward } from './ops/activation';
import { createDropout, type DropoutOp } from './ops/dropout';
import { createInit } from './ops/init';

export interface ParamSlot {
  info: ParamInfo;
  /** Offset in elements inside the flat buffers (a multiple of 64: 256 bytes). */
  offset: number;
  param: GPUBufferBinding;
  grad: GPUBufferBinding;
}

export interface DropoutSlot {
  layer: ResolvedLayer;
  op: DropoutOp;
  specRate: number;
}

export interface Graph {
  model: ResolvedModel;
  batch: number;
  /** params: (P) all weights, flat; grads: (P) their gradients. P includes alignment padding. */
  params: Tensor;
  grads: Tensor;
  slots: ParamSlot[];
  /** input: (B, H·W·C) normalised images; logits: (B, classes); dlogits: (B, classes). */
  input: Tensor;
  logits: Tensor;
  dlogits: Tensor;
  forward: Dispatch[];
  backward: Dispatch[];
  dropouts: DropoutSlot[];
  /**
   * The dispatches that write fresh initial weights for `seed` (He/Glorot uniform from the counter-based
   * generator): the same init ops every time, their seed rewritten, so initializing allocates nothing.
   */
  initialize(seed: number): Promise<readonly Dispatch[]>;
  destroy(): void;
}

const ALIGN_ELEMENTS = 64;

export interface GraphOptions {
  /** Implementation of the matmul and conv2d kernels: 'tiled' (default, GPUs) or 'register' (CPU backends; see preferredKernels). */
  kernels?: KernelVariant;
}

export async function buildGraph(device: GPUDevice, model: ResolvedModel, batch: number, seed: number, options: GraphOptions = {}): Promise<Graph> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  const { owner, value } = await owning((own) => wire(device, own, model, batch, seed, options.kernels ?? 'tiled'));
  return { ...value, destroy: () => owner.destroy() };
}

async function wire(device: GPUDevice, own: Owner, model: ResolvedModel, batch: number, seed: number, variant: KernelVariant): Promise<Omit<Graph, 'destroy'>> {
  const tensor = (name: string, shape: number[]) => own.tensor(createTensor(device, name, shape));
  /** The op's dispatches, the op owned by the graph. */
  const ops = async (op: Promise<GpuOp>) => own.add(await op).dispatches;

  // Flat parameter layout.
  let total = 0;
  const layout: { info: ParamInfo; offset: number }[] = [];
  for (const l of model.layers) {
    for (const info of l.params) {
      layout.push({ info, offset: total });
      total = align(total + info.size, ALIGN_ELEMENTS);
    }
  }
  const params = tensor('params', [Math.max(total, ALIGN_ELEMENTS)]);
  const grads = tensor('grads', [Math.max(total, ALIGN_ELEMENTS)]);
  const slots: ParamSlot[] = layout.map(({ info, offset }) => ({
    info,
    offset,
    param: { buffer: params.buffer, offset: offset * 4, size: info.size * 4 },
    grad: { buffer: grads.buffer, offset: offset * 4, size: info.size * 4 },
  }));
  const slotsOf = (l: ResolvedLayer) => slots.filter((s) => s.info.name.startsWith(`${l.name}.`));

  const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const inputSize = numel(model.inputShape);
  const input = tensor('input', [batch, inputSize]);
  const forward: Dispatch[] = [];
  const backwardSteps: Dispatch[][] = [];
  const dropouts: DropoutSlot[] = [];

  // x: the current activation; nothing computes the gradient of the network input.
  let x = input;
  let dx: Tensor | undefined;
  let seenParams = false;
  // Set by a conv2d whose ReLU backward the following pooling layer's backward does (RELU_MASK).
  let reluMaskForPool = false;
  const last = model.layers.length - 1;
  for (const l of model.layers) {
    const outN = numel(l.outShape);
    const isLast = l.index === last;
    const needInputGrad = seenParams;
    const lp = `${l.name}`;
    const bwd: Dispatch[] = [];
    const spec = l.spec;
    // The loss fuses the final softmax, so a last-layer softmax is dropped here.
    const act: Activation = 'activation' in spec && spec.activation && !(isLast && spec.activation === 'softmax') ? spec.activation : 'linear';
    let y: Tensor;
    let dy: Tensor;
    if (spec.type === 'flatten') {
      y = x; // NHWC flattened row-major is Keras's order: no data movement
      dy = dx ?? tensor(`${lp}.dy`, [batch, outN]);
    } else {
      y = tensor(`${lp}.out`, [batch, ...l.outShape]);
      dy = tensor(`${lp}.dout`, [batch, ...l.outShape]);
      const inGrad = needInputGrad ? (dx ?? tensor(`${lp}.din`, [batch, ...l.inShape])) : undefined;
      if (spec.type === 'dense' || spec.type === 'conv2d') {
        const [kernel, bias] = slotsOf(l);
        // A conv2d's ReLU runs in the conv's store, and its backward ([y > 0]) in the next pooling
        // layer's backward when there is one: two fewer passes over the layer's largest tensors.
        const fusedRelu = spec.type === 'conv2d' && act === 'relu';
        const next = model.layers[l.index + 1]?.spec.type;
        const reluInPool = fusedRelu && (next === 'maxPool2d' || next === 'avgPool2d');
        const z = act === 'linear' || fusedRelu ? y : tensor(`${lp}.preact`, [batch, ...l.outShape]);
        const dz = act === 'linear' || reluInPool ? dy : tensor(`${lp}.dpreact`, [batch, ...l.outShape]);
        if (spec.type === 'dense') {
          const [fin] = l.inShape;
          const units = spec.units;
          forward.push(...await ops(createMatmul(device, { label: `${lp}.forward`, variant, M: batch, N: units, K: fin, a: x.buffer, b: kernel.param, c: z.buffer, bias: bias.param })));
          if (act !== 'linear') {
            forward.push(...await ops(createActivationForward(device, { label: `${lp}.${act}`, kind: act, rows: batch, cols: units, x: z.buffer, y: y.buffer })));
            bwd.push(...await ops(createActivationBackward(device, { label: `${lp}.${act}`, kind: act, rows: batch, cols: units, x: z.buffer, y: y.buffer, dy: dy.buffer, dx: dz.buffer })));
          }
          bwd.push(...await ops(createMatmul(device, { label: `${lp}.backward_weight`, variant, M: fin, N: units, K: batch, transA: true, a: x.buffer, b: dz.buffer, c: kernel.grad })));
          bwd.push(...(await ops(createBiasGrad(device, { label: `${lp}.backward_bias`, variant, rows: batch, cols: units, dy: dz.buffer, db: bias.grad }))));
          if (inGrad) bwd.push(...await ops(createMatmul(device, { label: `${lp}.backward_input`, variant, M: batch, N: fin, K: units, transB: true, a: dz.buffer, b: kernel.param, c: inGrad.buffer })));
        } else {
          const [h, w, c] = l.inShape;
          const [kh, kw] = Array.isArray(spec.kernelSize) ? spec.kernelSize : [spec.kernelSize, spec.kernelSize];
          const shape = { batch, height: h, width: w, inChannels: c, outChannels: spec.filters, kernelHeight: kh, kernelWidth: kw, padding: spec.padding ?? 'valid' } as const;
          const [oh, ow] = l.outShape;
          forward.push(...await ops(createConv2dForward(device, { label: lp, shape, variant, x: x.buffer, w: kernel.param, bias: bias.param, y: z.buffer, relu: fusedRelu })));
          if (reluInPool) {
            reluMaskForPool = true;
          } else if (fusedRelu) {
            // ReLU's derivative from its output: y > 0 exactly where the pre-activation is.
            bwd.push(...await ops(createActivationBackward(device, { label: `${lp}.relu`, kind: 'relu', rows: batch * oh * ow, cols: spec.filters, x: y.buffer, y: y.buffer, dy: dy.buffer, dx: dz.buffer })));
          } else if (act !== 'linear') {
            forward.push(...await ops(createActivationForward(device, { label: `${lp}.${act}`, kind: act, rows: batch * oh * ow, cols: spec.filters, x: z.buffer, y: y.buffer })));
            bwd.push(...await ops(createActivationBackward(device, { label: `${lp}.${act}`, kind: act, rows: batch * oh * ow, cols: spec.filters, x: z.buffer, y: y.buffer, dy: dy.buffer, dx: dz.buffer })));
          }
          bwd.push(...(await ops(createConv2dBackwardWeight(device, { label: lp, shape, variant, x: x.buffer, dy: dz.buffer, dw: kernel.grad, db: bias.grad }))));
          if (inGrad) bwd.push(...await ops(createConv2dBackwardInput(device, { label: lp, shape, variant, dy: dz.buffer, w: kernel.param, dx: inGrad.buffer })));
        }
      } else if (spec.type === 'maxPool2d' || spec.type === 'avgPool2d') {
        const [h, w, c] = l.inShape;
        const shape = { batch, height: h, width: w, channels: c, poolSize: spec.poolSize ?? 2, stride: spec.strides, kind: spec.type === 'maxPool2d' ? 'max' : 'avg' } as const;
        forward.push(...await ops(createPool2dForward(device, { label: lp, shape, x: x.buffer, y: y.buffer })));
        if (inGrad) bwd.push(...await ops(createPool2dBackward(device, { label: lp, shape, x: x.buffer, dy: dy.buffer, dx: inGrad.buffer, reluMask: reluMaskForPool })));
        reluMaskForPool = false;
      } else if (spec.type === 'dropout') {
        const op = own.add(await createDropout(device, {
          label: lp, n: batch * outN, x: x.buffer, y: y.buffer,
          dy: inGrad ? dy.buffer : undefined, dx: inGrad?.buffer,
          seed: deriveSeed(seed, 'dropout', l.index), rate: spec.rate,
        }));
        forward.push(...op.dispatches);
        bwd.push(...op.backward);
        dropouts.push({ layer: l, op, specRate: spec.rate });
      } else if (spec.type === 'activation') {
        // Softmax (the only activation that is not elementwise) runs over the last axis.
        const cols = l.outShape[l.outShape.length - 1];
        const rows = (batch * outN) / cols;
        if (act === 'linear') {
          y = x;
          dy = inGrad ?? dy;
        } else {
          forward.push(...await ops(createActivationForward(device, { label: `${lp}.${act}`, kind: act, rows, cols, x: x.buffer, y: y.buffer })));
          if (inGrad) bwd.push(...await ops(createActivationBackward(device, { label: `${lp}.${act}`, kind: act, rows, cols, x: x.buffer, y: y.buffer, dy: dy.buffer, dx: inGrad.buffer })));
        }
      }
    }
    backwardSteps.push(bwd);
    if (l.params.length) seenParams = true;
    x = y;
    dx = dy;
  }
  const logits = x;
  const dlogits = dx!;
  const backward = backwardSteps.reverse().flat();

  const initSeed = (s: number) => deriveSeed(s, 'init');
  const inits = await Promise.all(slots.map(async (slot, i) => own.add(await createInit(device, {
    label: `${slot.info.name}.init`, n: slot.info.size, target: slot.param, kind: slot.info.init,
    fanIn: slot.info.fanIn, fanOut: slot.info.fanOut, seed: initSeed(seed), stream: i,
  }))));
  const initDispatches = inits.flatMap((op) => op.dispatches);

  return {
    model, batch, params, grads, slots, input, logits, dlogits, forward, backward, dropouts,
    async initialize(s: number) {
      for (const op of inits) op.setSeed(initSeed(s));
      return initDispatches;
    },
  };
}
