// Small real data sets for engine tests: slices of the bundled MNIST, uploaded to the test GPU.
import { loadDataset } from '../../src/data/sources';
import type { Dataset, ImageSet } from '../../src/data/idx';
import { uploadDataset, type GpuDataset } from '../../src/engine/gpu-dataset';
import { Trainer, type TrainConfig } from '../../src/engine/trainer';
import { testGpu } from '../util/gpu';
import { assertBitEqual } from '../util/assert';

let mnist: Promise<Dataset> | undefined;
export function loadMnist(): Promise<Dataset> {
  mnist ??= loadDataset('/data/mnist/', { name: 'mnist' });
  return mnist;
}

export function slice(set: ImageSet, from: number, count: number): ImageSet {
  const px = set.rows * set.cols;
  return { ...set, count, images: set.images.slice(from * px, (from + count) * px), labels: set.labels.slice(from, from + count) };
}

/** MNIST's first `train` training images and first `test` test images (or `testFromTrain`: the same images). */
export async function smallMnist(train: number, test: number, testFromTrain = false): Promise<GpuDataset> {
  const d = await loadMnist();
  const gpu = await testGpu();
  const t = slice(d.train, 0, train);
  return uploadDataset(gpu.device, { name: 'mnist-small', classNames: d.classNames, train: t, test: testFromTrain ? t : slice(d.test, 0, test) });
}

export async function trainer(data: GpuDataset, config: Partial<TrainConfig> & Pick<TrainConfig, 'model'>): Promise<Trainer> {
  const gpu = await testGpu();
  return Trainer.create(gpu, data, { epochs: 1, batchSize: 32, seed: 7, optimizer: { name: 'adam', learningRate: 0.001 }, ...config });
}

/**
 * Trains `a` (the original) and `b` (reloaded from its checkpoint) on to their configured epochs and asserts
 * bit-identical weights: the checkpoint lost nothing the next epoch depends on.
 */
export async function assertSameNextEpoch(a: Trainer, b: Trainer): Promise<void> {
  await a.fit();
  await b.fit();
  assertBitEqual((await b.readState()).params, (await a.readState()).params, 'second epoch identical after reload');
}
