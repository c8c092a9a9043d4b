// A resolved model turned into GPU buffers and ordered dispatch lists, built once per (model, batch size):
// forward (training mode: dropout active), backward (reverse order), and parameter init.
// All parameters live in one flat buffer (and gradients in its twin), each tensor at a 256-byte aligned
// offset, so the optimizer is a single dispatch and a checkpoint is two buffer reads. The trainable
// tensors come first, then the non-trainable ones (batch normalization's moving statistics): the
// optimizer updates only that prefix, so neither an update nor weight decay ever touches the statistics,
// while checkpoints carry them with the weights.
// Fusion is planned first (fusion.ts), then each layer's builder (graph-layers.ts) wires its dispatches.
// The graph owns every tensor and op it makes; destroy() frees them all.
import { align, createTensor, type Tensor } from './buffers';
import type { Dispatch } from './dispatch';
import { planFusion } from './fusion';
import { buildLayer, type BatchNormSlot, type DropoutSlot } from './graph-layers';
import type { ResolvedModel, ParamInfo } from './model';
import { owning, type Owner } from './op';
import { deriveSeed } from './random';
import { fixedKernels, type KernelChooser, type KernelReport } from './autotune';
import type { KernelVariant } from './kernel-variant';
import { createInit } from './ops/init';

export interface ParamSlot {
  info: ParamInfo;
  /** Offset in elements inside the flat buffers (a multiple of 64: 256 bytes). */
  offset: number;
  param: GPUBufferBinding;
  grad: GPUBufferBinding;
}

export type { BatchNormSlot, DropoutSlot };

export interface Graph {
  model: ResolvedModel;
  batch: number;
  /** params: (P) all weights, flat; grads: (P) their gradients. P includes alignment padding. */
  params: Tensor;
  grads: Tensor;
  /** T ≤ P: the trainable tensors fill params[0, T) (alignment padding included); the optimizer's range. */
  trainableSize: number;
  slots: ParamSlot[];
  /** input: (B, H·W·C) normalised images; logits: (B, classes); dlogits: (B, classes). */
  input: Tensor;
  logits: Tensor;
  dlogits: Tensor;
  /**
   * Each layer's output, (B, ...outShape), in layer order (flatten and a linear activation: their input's
   * buffer). A conv whose op also pools, or that is cropped (fusion.ts): (1, ...outShape), image 0's whole
   * output, written by inspectForward only (the inspection reads row 0).
   */
  outputs: Tensor[];
  forward: Dispatch[];
  /** forward, with what fused ops skip also written: every layer's output (the inspection's forward, inspect.ts). */
  inspectForward: Dispatch[];
  backward: Dispatch[];
  dropouts: DropoutSlot[];
  /** The batch normalization layers' ops, whose mode and valid rows the trainer sets. */
  batchNorms: BatchNormSlot[];
  /**
   * The dispatches that write fresh initial weights for `seed` (He/Glorot uniform from the counter-based
   * generator): the same init ops every time, their seed rewritten, so initializing allocates nothing.
   */
  initialize(seed: number): Promise<readonly Dispatch[]>;
  /** Which implementation each GEMM-shaped op got, and how (forced, measured, cached). */
  kernels: KernelReport;
  destroy(): void;
}

const ALIGN_ELEMENTS = 64;

/**
 * Each parameter tensor's offset in the flat buffers, in layer order, the trainable tensors first; their
 * length P, and T the aligned length of the trainable prefix (each at least one aligned block).
 */
export function flatParamLayout(model: ResolvedModel): { layout: { info: ParamInfo; offset: number }[]; total: number; trainable: number } {
  let total = 0;
  const layout: { info: ParamInfo; offset: number }[] = [];
  const place = (trainable: boolean) => {
    for (const l of model.layers) {
      for (const info of l.params) {
        if (info.trainable !== trainable) continue;
        layout.push({ info, offset: total });
        total = align(total + info.size, ALIGN_ELEMENTS);
      }
    }
  };
  place(true);
  const trainable = Math.max(total, ALIGN_ELEMENTS);
  total = trainable;
  place(false);
  return { layout, total, trainable };
}

export interface GraphOptions {
  /**
   * Implementation of the GEMM-shaped kernels (matmul, bias gradient, conv2d): one variant for all,
   * 'tiled' (default, GPUs) or 'register' (CPU backends; see preferredKernels), or a chooser that picks
   * per op (autotune.ts).
   */
  kernels?: KernelVariant | KernelChooser;
}

export async function buildGraph(device: GPUDevice, model: ResolvedModel, batch: number, seed: number, options: GraphOptions = {}): Promise<Graph> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  const k = options.kernels ?? 'tiled';
  const kernels = typeof k === 'string' ? fixedKernels(k) : k;
  const { owner, value } = await owning((own) => wire(device, own, model, batch, seed, kernels));
  return { ...value, kernels: kernels.report(), destroy: () => owner.destroy() };
}

async function wire(device: GPUDevice, own: Owner, model: ResolvedModel, batch: number, seed: number, kernels: KernelChooser): Promise<Omit<Graph, 'destroy' | 'kernels'>> {
  const tensor = (name: string, shape: readonly number[]) => own.tensor(createTensor(device, name, shape));

  const { layout, total, trainable } = flatParamLayout(model);
  const params = tensor('params', [total]);
  const grads = tensor('grads', [total]);
  const slots: ParamSlot[] = layout.map(({ info, offset }) => ({
    info,
    offset,
    param: { buffer: params.buffer, offset: offset * 4, size: info.size * 4 },
    grad: { buffer: grads.buffer, offset: offset * 4, size: info.size * 4 },
  }));

  const input = tensor('input', [batch, model.inputShape.reduce((a, b) => a * b, 1)]);
  const fusion = planFusion(model);
  const forward: Dispatch[] = [];
  const inspectForward: Dispatch[] = [];
  const backwardSteps: Dispatch[][] = [];
  const dropouts: DropoutSlot[] = [];
  const batchNorms: BatchNormSlot[] = [];
  const outputs: Tensor[] = [];
  // x: the current activation, dy: the gradient w.r.t. it; nothing computes the gradient of the network input.
  let x = input;
  let dy: Tensor | undefined;
  let seenParams = false;
  for (const l of model.layers) {
    const built = await buildLayer({
      device, batch, kernels, seed, fusion: fusion[l.index], x, dx: seenParams ? dy : undefined,
      params: l.params.map((info) => slots.find((s) => s.info === info)!),
      tensor, own: (op) => own.add(op),
    }, l);
    forward.push(...built.forward);
    inspectForward.push(...(built.inspect ?? built.forward));
    backwardSteps.push(built.backward);
    if (built.dropout) dropouts.push(built.dropout);
    if (built.batchNorm) batchNorms.push(built.batchNorm);
    if (l.params.length) seenParams = true;
    x = built.y;
    dy = built.dy;
    outputs.push(built.output ?? x);
  }

  const initSeed = (s: number) => deriveSeed(s, 'init');
  const inits = await Promise.all(slots.map(async (slot, i) => own.add(await createInit(device, {
    label: `${slot.info.name}.init`, n: slot.info.size, target: slot.param, kind: slot.info.init,
    fanIn: slot.info.fanIn, fanOut: slot.info.fanOut, seed: initSeed(seed), stream: i,
  }))));
  const initDispatches = inits.flatMap((op) => op.dispatches);

  return {
    model, batch, params, grads, trainableSize: trainable, slots, input, logits: x, dlogits: dy!, outputs, forward, inspectForward, backward: backwardSteps.reverse().flat(), dropouts, batchNorms,
    async initialize(s: number) {
      for (const op of inits) op.setSeed(initSeed(s));
      return initDispatches;
    },
  };
}
