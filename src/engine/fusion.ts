// Which layers' work the graph fuses, decided per layer before any dispatch is wired (graph.ts), and
// read by the benchmark so it times the kernels the training step really runs. Nothing here touches the GPU.
// (A final softmax is not planned here: resolveModel already resolves it to 'linear', the loss's own.)
import type { Activation, ResolvedLayer, ResolvedModel } from './model';
import { conv2dPoolRefusal } from './ops/conv2d-pool';
import type { Conv2dShape } from './ops/conv2d-shape';

export interface LayerFusion {
  /** The activation run by its own forward and backward ops after the layer's op; 'linear' for none. */
  activation: Activation;
  /** conv2d or dense + ReLU: the layer's GEMM applies the ReLU in its store, one pass fewer over its output. */
  reluInStore: boolean;
  /**
   * Where that ReLU's backward runs: 'own', an op computing [y > 0] from the output (exactly where the
   * pre-activation is > 0); 'next-pool', the following pooling layer's backward (reluMask there).
   */
  reluBackward?: 'own' | 'next-pool';
  /** A pooling layer whose backward also does the preceding conv's ReLU backward (RELU_MASK). */
  reluMask: boolean;
  /**
   * conv2d: its op (ops/conv2d-pool.ts) also does the 2×2 max pooling after it, forward and backward, and
   * its ReLU; maxPool2d: done by the conv before it (its builder passes the conv's tensors on).
   */
  pool?: 'in-conv';
  /**
   * conv2d before a pooling layer whose windows stop short of its output's last rows or columns (an odd
   * 11×11 under 2×2 windows: 10×10 read): the rows and columns it computes (Conv2dShape.crop), which its
   * output, gradient and backward keep to; the pooling reads that output as its input.
   */
  crop?: readonly [height: number, width: number];
}

const isConvRelu = (l?: ResolvedLayer): boolean => l?.type === 'conv2d' && l.activation === 'relu';
const isDenseRelu = (l?: ResolvedLayer): boolean => l?.type === 'dense' && l.activation === 'relu';
const isPool = (l?: ResolvedLayer): boolean => l?.type === 'maxPool2d' || l?.type === 'avgPool2d';

/**
 * One decision per layer. A pooling layer's backward always runs when it follows a conv2d (a layer with
 * parameters precedes it), so a ReLU backward moved into it is never skipped.
 */
export function planFusion(model: ResolvedModel): LayerFusion[] {
  return model.layers.map((l): LayerFusion => {
    const prev = model.layers[l.index - 1];
    const next = model.layers[l.index + 1];
    if (convPoolFuses(model, l) || convPoolFuses(model, prev)) return { activation: 'linear', reluInStore: false, reluMask: false, pool: 'in-conv' };
    if (isConvRelu(l)) return { activation: 'linear', reluInStore: true, reluBackward: isPool(next) ? 'next-pool' : 'own', reluMask: false, ...poolCrop(l, next) };
    // A dense layer's output is flat: no pooling layer can follow it, so its ReLU's backward is its own.
    if (isDenseRelu(l)) return { activation: 'linear', reluInStore: true, reluBackward: 'own', reluMask: false };
    return { activation: l.activation, reluInStore: false, reluMask: isPool(l) && isConvRelu(prev), ...(l.activation === 'linear' ? poolCrop(l, next) : {}) };
  });
}

/**
 * conv2d + ReLU + 2×2 max pooling (stride 2) as one op: where the conv is the model's first layer with
 * parameters (nothing needs the gradient w.r.t. its input, which the fused op does not compute), its
 * padding 'valid', and its shape one conv2d-pool.ts takes (few input channels: a conv bound by its
 * output's traffic, which the fusion removes).
 */
export function convPoolFuses(model: ResolvedModel, l?: ResolvedLayer): boolean {
  const next = l && model.layers[l.index + 1];
  if (!l || !isConvRelu(l) || l.type !== 'conv2d' || l.padding !== 'valid') return false;
  if (next?.type !== 'maxPool2d' || next.poolSize !== 2 || next.strides !== 2) return false;
  if (model.layers.slice(0, l.index).some((p) => p.params.length > 0)) return false;
  return conv2dPoolRefusal(convLayerShape(l, 1)) === undefined;
}

/** A conv2d layer's shape at `batch` as the conv ops take it, with the crop fusion planned for it (if any). */
export function convLayerShape(l: Extract<ResolvedLayer, { type: 'conv2d' }>, batch: number, crop?: readonly [number, number]): Conv2dShape {
  const [height, width, inChannels] = l.inShape;
  const [kernelHeight, kernelWidth] = l.kernelSize;
  return { batch, height, width, inChannels, outChannels: l.filters, kernelHeight, kernelWidth, padding: l.padding, ...(crop ? { crop } : {}) };
}

/**
 * A conv2d's crop before a pooling layer: the rows and columns its windows read, (P − 1)·stride + pool
 * each way, where that is short of the conv's output. Only for a conv without an activation op of its own
 * (linear, or a ReLU in its store), so every tensor of the layer is the cropped one.
 */
function poolCrop(l: ResolvedLayer, next?: ResolvedLayer): { crop?: readonly [number, number] } {
  if (l.type !== 'conv2d' || (next?.type !== 'maxPool2d' && next?.type !== 'avgPool2d')) return {};
  const [oh, ow] = l.outShape;
  const [ph, pw] = next.outShape;
  const rows = (ph - 1) * next.strides + next.poolSize;
  const cols = (pw - 1) * next.strides + next.poolSize;
  return rows < oh || cols < ow ? { crop: [rows, cols] } : {};
}
