// The buffers and dispatches a Trainer drives around its graph: the batch gathers for each split
// (training order shuffled per epoch; validation, test and training-evaluation in order), labels, the
// loss in training and evaluation form, the metrics the GPU accumulates and the step log. They own
// their tensors and ops (not the graph's buffers they read and write): destroy() frees them.
import { createTensor, type Tensor } from './buffers';
import type { Graph } from './graph';
import type { TrainConfig } from './training-types';
import { owning, type Destroyable, type GpuOp, type Owner } from './op';
import { StepLog } from './step-log';
import { augments, createGather, symmetricAugmentation, type AugmentArgs, type GatherOp } from './ops/gather';
import { hasKernelPenalty } from './model';
import { deriveSeed } from './random';
import { DEFAULT_TOP_K, createSoftmaxXentEvaluate, createSoftmaxXentTrain, type SoftmaxXentTrainOp } from './ops/softmax_xent';
import { METRICS_WORDS, metricsInit } from './metrics-words';
import { checkUploaded, type GpuDataset, type GpuImageSet } from './gpu-dataset';
import { createRegularize, type RegularizedKernel, type RegularizeOp } from './ops/regularize';

export type BatchGather = GatherOp;

export interface TrainingParts extends Destroyable {
  trainCount: number; valCount: number; testCount: number;
  /** order.train: (trainCount) this epoch's shuffled image indices; labels: (B). */
  trainOrder: Tensor; labels: Tensor;
  /** metrics, metrics.eval: (METRICS_WORDS) the running sums (metrics-words.ts). */
  metrics: Tensor; evalMetrics: Tensor;
  /** confusion: (classes, classes); probs: (B, classes) the eval loss's softmax, read by predict(). */
  confusion: Tensor; probs: Tensor;
  /** batchPredictions: (B) the current eval batch; predictions: (N) the whole evaluated set; probabilities: (N, classes) its softmax. */
  batchPredictions: Tensor; predictions: Tensor; probabilities: Tensor;
  gatherTrain: BatchGather;
  gatherVal?: BatchGather;
  /** The training images in order, for evaluate('train'). */
  gatherTrainEval: BatchGather;
  gatherTest: BatchGather;
  xentTrain: SoftmaxXentTrainOp;
  xentEval: GpuOp;
  stepLog: StepLog;
  /** The kernel regularizers' gradient and penalty (after backward, before the optimizer); absent without any. */
  regularize?: RegularizeOp;
}

/** The kernels with a non-zero L1 or L2 factor, where they lie in the flat buffers. */
export function regularizedKernels(graph: Graph): RegularizedKernel[] {
  return graph.model.layers.flatMap((l) => {
    const r = l.kernelRegularizer;
    if (!r || !hasKernelPenalty(l)) return [];
    const slot = graph.slots.find((s) => s.info.name === `${l.name}.kernel`);
    if (!slot) throw new Error(`${l.name}: a kernel regularizer but no kernel parameter`);
    return [{ name: slot.info.name, offset: slot.offset, n: slot.info.size, l1: r.l1, l2: r.l2 }];
  });
}

/** Allocates them once per trainer; trainCount + valCount images are the (limited) training set. */
export async function buildTrainingParts(device: GPUDevice, graph: Graph, data: GpuDataset, config: TrainConfig, trainCount: number, valCount: number): Promise<TrainingParts> {
  const { owner, value } = await owning((own) => build(own, device, graph, data, config, trainCount, valCount));
  return { ...value, destroy: () => owner.destroy() };
}

async function build(own: Owner, device: GPUDevice, graph: Graph, data: GpuDataset, config: TrainConfig, trainCount: number, valCount: number): Promise<Omit<TrainingParts, 'destroy'>> {
  const t = (name: string, shape: number[], data?: Uint32Array) => own.tensor(createTensor(device, name, shape, data));
  const B = config.batchSize;
  const classes = graph.model.classes;
  const { mean = 0, std = 1 } = config.normalization ?? {};
  const labels = t('labels', [B]);
  const trainOrder = t('order.train', [trainCount]);
  const identity = (n: number, from = 0) => Uint32Array.from({ length: n }, (_, i) => from + i);
  const gather = async (name: string, set: GpuImageSet, count: number, order: Tensor, augment?: AugmentArgs) =>
    own.add(await createGather(device, { label: `gather.${name}`, batch: B, count, imageSize: set.imageSize, images: set.images.buffer, labels: set.labels.buffer, order: order.buffer, x: graph.input.buffer, y: labels.buffer, mean, std, augment }));
  const gatherTrain = await gather('train', data.train, trainCount, trainOrder, augmentation(config, data.train));
  const gatherTrainEval = await gather('train.eval', data.train, trainCount, t('order.train.eval', [trainCount], identity(trainCount)));
  const gatherVal = valCount ? await gather('val', data.train, valCount, t('order.val', [valCount], identity(valCount, trainCount))) : undefined;
  const testCount = checkUploaded(data.test, 'test', config.testLimit, 'testLimit');
  const gatherTest = await gather('test', data.test, testCount, t('order.test', [testCount], identity(testCount)));
  const metrics = t('metrics', [METRICS_WORDS], metricsInit());
  const evalMetrics = t('metrics.eval', [METRICS_WORDS], metricsInit());
  const confusion = t('confusion', [classes * classes]);
  const predictions = t('predictions', [Math.max(testCount, valCount, trainCount)]);
  const probabilities = t('probabilities', [Math.max(testCount, valCount, trainCount), classes]);
  const batchPredictions = t('predictions.batch', [B]);
  const probs = t('probs', [B, classes]);
  const shape = { batch: B, classes };
  // k ≥ C counts every finite row, as k = C does (a k beyond the classes is refused only when top-k is reported).
  const loss = { loss: config.loss, labelSmoothing: config.labelSmoothing, topK: Math.min(config.topK ?? DEFAULT_TOP_K, classes) };
  const xentTrain = own.add(await createSoftmaxXentTrain(device, { label: 'loss', shape, ...loss, logits: graph.logits.buffer, labels: labels.buffer, dlogits: graph.dlogits.buffer, metrics: metrics.buffer }));
  const xentEval = own.add(await createSoftmaxXentEvaluate(device, { label: 'loss.eval', shape, ...loss, logits: graph.logits.buffer, labels: labels.buffer, metrics: evalMetrics.buffer, confusion: confusion.buffer, predictions: batchPredictions.buffer, probs: probs.buffer }));
  const stepLog = own.add(new StepLog(device, Math.ceil(trainCount / B)));
  const kernels = regularizedKernels(graph);
  const regularize = kernels.length
    ? own.add(await createRegularize(device, { label: 'regularize', params: graph.params.buffer, grads: graph.grads.buffer, kernels, metrics: metrics.buffer, evalMetrics: evalMetrics.buffer }))
    : undefined;
  return {
    trainCount, valCount, testCount, trainOrder, labels, metrics, evalMetrics, confusion, predictions, batchPredictions, probabilities, probs,
    gatherTrain, gatherTrainEval, gatherVal, gatherTest, xentTrain, xentEval, stepLog, regularize,
  };
}

/** The training gather's augmentation, or undefined when off (all ranges 0): only the training gather augments. */
function augmentation(config: TrainConfig, set: GpuImageSet): AugmentArgs | undefined {
  const a = config.augmentation;
  if (!a || !augments(a)) return undefined;
  return { width: set.cpu.cols, height: set.cpu.rows, seed: deriveSeed(config.seed, 'augment'), ...symmetricAugmentation(a) };
}
