// What a Trainer will allocate on the GPU, counted before anything is: every tensor of the graph
// (parameters, gradients, activations and their gradients as graph.ts / graph-layers.ts / fusion.ts
// allocate them), the optimizer's state, the trainer's own buffers (training-parts.ts, step-log.ts) and
// the uploaded data set (gpu-dataset.ts). WebGPU refuses a buffer bigger than maxBufferSize and a
// binding bigger than maxStorageBufferBindingSize, and reports neither until the buffer is used; so
// checkMemory() compares every tensor with them first and says what to change.
// The backward ops' scratch (conv2d backward_weight's split partials, the bias gradient's chunk sums) is
// counted from the ops' own plans. Not counted (test/engine/memory.test.ts pins it): uniforms, 16–96 bytes per op.
import { tensorBytes } from './buffers';
import { CodedError } from './errors';
import { convLayerShape, planFusion } from './fusion';
import { conv2dPoolSizes } from './ops/conv2d-pool';
import { flatParamLayout } from './graph';
import { inspectLayout } from './inspect';
import type { KernelSetting } from './autotune';
import { KERNEL_VARIANTS } from './kernel-variant';
import { hasKernelPenalty, type ParamInfo, type ResolvedModel } from './model';
import { batchNormChunks } from './ops/batchnorm';
import { conv2dWeightPlan } from './ops/conv2d';
import { biasGradChunks, matmulSplitBytes } from './ops/matmul';
import { optimizerStateNames, type OptimizerName } from './ops/optimizer';
import { regularizePartials } from './ops/regularize';
import { LOG_ROW_BYTES } from './step-log';
import { METRICS_WORDS } from './metrics-words';
import { storageBindingLimit } from './pipelines';

export type MemoryKind = 'parameters' | 'gradients' | 'optimizer' | 'activations' | 'activation-gradients' | 'scratch' | 'trainer' | 'data';

export interface MemoryRow {
  /** The buffer's label, as allocated. */
  name: string;
  kind: MemoryKind;
  /** The layer it belongs to, for activations and their gradients. */
  layer?: string;
  /** Its shape in 4-byte elements (B first where it grows with the batch). */
  shape: readonly number[];
  bytes: number;
  /** Bytes per image of the batch, for the tensors shaped (B, ...): what a smaller batch saves. */
  perImage?: number;
  /** Bound as a storage buffer (limited by maxStorageBufferBindingSize too), or only copied/mapped. */
  storage: boolean;
}

export interface MemoryEstimate {
  batch: number;
  rows: MemoryRow[];
  /** Σ bytes of the rows, and per kind. */
  total: number;
  byKind: Record<MemoryKind, number>;
}

export interface MemoryOptions {
  /** The graph's kernels (the conv2d weight gradient's scratch depends on them); default 'tiled', as buildGraph's; 'auto': the larger. */
  kernels?: KernelSetting;
  /** The optimizer (its state: 0, 1 or 2 copies of the parameters); default 'adam'. */
  optimizer?: OptimizerName;
  /** Training images after the train limit and the validation split (default: one batch), held out, evaluated. */
  trainCount?: number;
  valCount?: number;
  testCount?: number;
  /** restoreBestWeights with early stopping: a copy of the parameters (trainer-callbacks.ts). */
  bestWeights?: boolean;
  /** The data set as uploaded (gpu-dataset.ts uploads only the first train/test-limit images, and has already refused a set past the limits). */
  dataset?: { name: string; train: number; test: number; imageSize: number };
}

const KINDS: MemoryKind[] = ['parameters', 'gradients', 'optimizer', 'activations', 'activation-gradients', 'scratch', 'trainer', 'data'];

/** The tensors a Trainer of `model` at `batch` allocates, in the order it allocates them. */
export function estimateMemory(model: ResolvedModel, batch: number, o: MemoryOptions = {}): MemoryEstimate {
  const rows: MemoryRow[] = [];
  const add = (name: string, kind: MemoryKind, shape: readonly number[], extra: { layer?: string; batched?: boolean; storage?: boolean; bytes?: number } = {}) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = extra.bytes ?? tensorBytes(n);
    rows.push({ name, kind, shape, bytes, storage: extra.storage ?? true, ...(extra.layer ? { layer: extra.layer } : {}), ...(extra.batched ? { perImage: (n / batch) * 4 } : {}) });
  };

  // graph.ts: the flat parameters and gradients, the input, then each layer's tensors (graph-layers.ts).
  const { total: P, trainable: T, layout } = flatParamLayout(model);
  add('params', 'parameters', [P]);
  add('grads', 'gradients', [P]);
  add('input', 'activations', [batch, model.inputShape.reduce((a, b) => a * b, 1)], { batched: true });
  const fusion = planFusion(model);
  const scratch = (name: string, bytes: number) => { if (bytes) add(name, 'scratch', [bytes / 4], { bytes }); };
  let hasDx = false; // a layer before this one has parameters: its builder gets a dx to write
  for (const l of model.layers) {
    const f = fusion[l.index];
    // A cropped conv's tensors (fusion.ts) hold only the rows and columns its pooling reads.
    const shape = [batch, ...(f.crop ? [...f.crop, l.outShape[2]] : l.outShape)];
    const t = (suffix: string, kind: MemoryKind) => add(`${l.name}.${suffix}`, kind, shape, { layer: l.name, batched: true });
    const outputs = () => { t('out', 'activations'); t('dout', 'activation-gradients'); };
    // A pooling layer done by the conv before it passes that conv's tensors on, as an identity does.
    const identity = l.type === 'flatten' || (l.type === 'activation' && f.activation === 'linear') || (l.type === 'maxPool2d' && f.pool === 'in-conv');
    if (l.type === 'conv2d' && f.pool === 'in-conv') {
      // graph-layers.ts convPool: the conv's output (written for the inspection), the pooled output and its gradient.
      const z = conv2dPoolSizes(convLayerShape(l, batch));
      const pooled = [batch, z.poolH, z.poolW, l.filters];
      add(`${l.name}.out`, 'activations', [1, ...l.outShape], { layer: l.name }); // image 0's, for the inspection
      add(`${l.name}.pooled`, 'activations', pooled, { layer: l.name, batched: true });
      add(`${l.name}.dpooled`, 'activation-gradients', pooled, { layer: l.name, batched: true });
      scratch(`${l.name}.pool_code`, z.codeBytes);
      scratch(`${l.name}.backward_weight.partials`, z.partialsBytes);
    } else if (identity) {
      // Output and gradient alias the input's; a fresh gradient only where no dx comes in.
      if (!hasDx) t('dy', 'activation-gradients');
    } else {
      outputs();
      if (l.type === 'dense') {
        if (f.activation !== 'linear') t('preact', 'activations');
        if (f.activation !== 'linear' || f.reluBackward === 'own') t('dpreact', 'activation-gradients');
        scratch(`${l.name}.backward_bias.chunk_sums`, biasGradChunks(batch, l.units).scratchBytes);
        // 'auto' may pick the split tile for a product of few tiles and a long K: its partial products.
        if (o.kernels === 'auto') {
          const fin = l.inShape[0];
          scratch(`${l.name}.forward.partials`, matmulSplitBytes({ M: batch, N: l.units, K: fin }));
          scratch(`${l.name}.backward_weight.partials`, matmulSplitBytes({ M: fin, N: l.units, K: batch }));
          if (hasDx) scratch(`${l.name}.backward_input.partials`, matmulSplitBytes({ M: batch, N: fin, K: l.units }));
        }
      }
      if (l.type === 'conv2d') {
        if (f.activation !== 'linear') t('preact', 'activations');
        if (f.activation !== 'linear' || f.reluBackward === 'own') t('dpreact', 'activation-gradients');
        const shape = convLayerShape(l, batch, f.crop);
        // graph-layers.ts wholeOutput: image 0's uncropped output, which the inspection's forward writes.
        if (f.crop) add(`${l.name}.whole`, 'activations', [1, ...l.outShape], { layer: l.name });
        // 'auto' may pick either variant per op: count the larger scratch of the two.
        const plans = (o.kernels === 'auto' ? KERNEL_VARIANTS : [o.kernels ?? 'tiled']).map((v) => conv2dWeightPlan(shape, v, true));
        scratch(`${l.name}.backward_weight.partials`, Math.max(...plans.map((p) => p.partialsBytes)));
        scratch(`${l.name}.backward_bias.chunk_sums`, Math.max(...plans.map((p) => (p.biasRow ? 0 : biasGradChunks(p.rows, l.filters).scratchBytes))));
      }
      if (l.type === 'batchNormalization') {
        // ops/batchnorm.ts: the saved batch mean and inverse deviation, laid out like gamma | beta.
        const offset = (p: ParamInfo) => layout.find((e) => e.info === p)!.offset;
        add(`${l.name}.stats`, 'scratch', [2, offset(l.params[1]) - offset(l.params[0])]);
        const channels = l.outShape[l.outShape.length - 1];
        const rows = (batch * l.outShape.reduce((a, b) => a * b, 1)) / channels;
        add(`${l.name}.partials`, 'scratch', [2, batchNormChunks(rows).chunks, channels]);
      }
    }
    if (l.params.length) hasDx = true;
  }

  // ops/regularize.ts: one partial per thread of each regularized kernel (training-parts.ts builds it).
  const regularized = model.layers.filter(hasKernelPenalty);
  const partials = regularized.reduce((s, l) => s + regularizePartials(l.params.find((p) => p.name === `${l.name}.kernel`)!.size), 0);
  if (partials) add('regularize.partials', 'scratch', [partials]);
  if (o.bestWeights) add('params.best', 'parameters', [P], { storage: false });

  // ops/optimizer.ts: its state over the trainable prefix, and a placeholder for each of its two state slots left unused.
  const state = optimizerStateNames(o.optimizer ?? 'adam');
  for (const name of state) add(`optimizer.${name}`, 'optimizer', [T]);
  for (let k = state.length; k < 2; k++) add(`optimizer.unused${k}`, 'optimizer', [4]);

  // training-parts.ts and step-log.ts.
  const trainCount = o.trainCount ?? batch;
  const valCount = o.valCount ?? 0;
  const testCount = o.testCount ?? 0;
  const classes = model.classes;
  add('labels', 'trainer', [batch], { batched: true });
  add('order.train', 'trainer', [trainCount]);
  add('order.train.eval', 'trainer', [trainCount]);
  if (valCount) add('order.val', 'trainer', [valCount]);
  add('order.test', 'trainer', [testCount]);
  add('metrics', 'trainer', [METRICS_WORDS]);
  add('metrics.eval', 'trainer', [METRICS_WORDS]);
  add('confusion', 'trainer', [classes, classes]);
  add('predictions', 'trainer', [Math.max(testCount, valCount, trainCount)]);
  add('probabilities', 'trainer', [Math.max(testCount, valCount, trainCount), classes]);
  add('predictions.batch', 'trainer', [batch], { batched: true });
  add('probs', 'trainer', [batch, classes], { batched: true });
  const logBytes = Math.max(16, Math.ceil(trainCount / batch) * LOG_ROW_BYTES);
  for (const name of ['steplog', 'steplog.staging0', 'steplog.staging1']) add(name, 'trainer', [logBytes / 4], { bytes: logBytes, storage: false });
  // inspect.ts: one image's activations, probabilities and the first convolution's kernel, mapped once per inspection.
  add('inspect.staging', 'trainer', [inspectLayout(model).total], { storage: false });

  // gpu-dataset.ts: images and labels packed 4 bytes per word.
  const d = o.dataset;
  if (d) {
    for (const [split, count] of [['train', d.train], ['test', d.test]] as const) {
      add(`${d.name}.${split}.images`, 'data', [Math.ceil((count * d.imageSize) / 4)]);
      add(`${d.name}.${split}.labels`, 'data', [Math.ceil(count / 4)]);
    }
  }

  const byKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<MemoryKind, number>;
  for (const r of rows) byKind[r.kind] += r.bytes;
  return { batch, rows, total: rows.reduce((s, r) => s + r.bytes, 0), byKind };
}

/** The largest one buffer (storage or not) may be on this device. */
export function rowLimit(row: MemoryRow, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): number {
  return row.storage ? storageBindingLimit(limits) : limits.maxBufferSize;
}

/** The largest batch whose every (B, ...) tensor fits its limit (0 if even one image does not). */
export function largestBatch(e: MemoryEstimate, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): number {
  let best = Infinity;
  for (const r of e.rows) {
    // tensorBytes rounds up to 16 bytes: B·perImage must stay within the limit rounded down to 16.
    if (r.perImage) best = Math.min(best, Math.floor(Math.floor(rowLimit(r, limits) / 16) * 16 / r.perImage));
  }
  return best;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/**
 * Throws CodedError('out-of-memory') when a tensor exceeds what one buffer may hold on this device,
 * naming the largest such tensor, its layer, its size, the limit, the total, and what to change.
 */
export function checkMemory(e: MemoryEstimate, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): void {
  const over = e.rows.filter((r) => r.bytes > rowLimit(r, limits));
  if (!over.length) return;
  const worst = over.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const limit = rowLimit(worst, limits);
  const which = worst.storage && limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const what = `${worst.name}${worst.layer ? ` of layer ${worst.layer}` : ''} (${worst.kind}, (${worst.shape.join(', ')}) × 4 bytes)`;
  let fix: string;
  if (worst.perImage) {
    const b = largestBatch(e, limits);
    fix = b >= 1
      ? `Use a batch size of at most ${b}${worst.layer ? `, or make layer ${worst.layer} smaller` : ''}.`
      : `Even one image does not fit: make layer ${worst.layer ?? worst.name} smaller.`;
  } else if (worst.kind === 'data' || worst.kind === 'trainer') {
    fix = 'Use a train limit (and a test limit) to use fewer images.';
  } else {
    fix = 'Use a model with fewer parameters.';
  }
  throw new CodedError('out-of-memory',
    `The model does not fit this GPU: ${what} needs ${formatBytes(worst.bytes)} (${worst.bytes} bytes), more than the ` +
    `${formatBytes(limit)} (${limit} bytes) this GPU allows for one buffer (${which}); ${over.length} tensor${over.length === 1 ? '' : 's'} too big, ` +
    `${formatBytes(e.total)} in all at batch ${e.batch}. ${fix}`);
}
