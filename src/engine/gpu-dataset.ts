// The data set on the GPU: pixels and labels uploaded once as packed bytes (4 per u32 word),
// so 60000 MNIST images take 47 MB instead of 188 MB as floats. The gather kernel normalises per batch.
import type { Dataset, ImageSet } from '../data/idx';
import { createTensor, type Tensor } from './buffers';
import { CodedError } from './errors';
import { gpuError } from './gpu-errors';
import { packBytes } from './ops/gather';

export interface GpuImageSet {
  /** images: (N, rows·cols) bytes packed 4 per word; labels: (N) bytes packed. */
  images: Tensor;
  labels: Tensor;
  count: number;
  imageSize: number;
  /** The CPU copy, kept for galleries of misclassified images and for predict(). */
  cpu: ImageSet;
}

export interface GpuDataset {
  name: string;
  classNames: string[];
  train: GpuImageSet;
  test: GpuImageSet;
  /**
   * Settles once the GPU has taken the upload: rejects with a CodedError ('out-of-memory' or 'internal')
   * when it refused a buffer or a write (the data set's buffers are then destroyed). Trainer.create awaits it.
   */
  checked: Promise<void>;
  destroy(): void;
}

function upload(device: GPUDevice, name: string, set: ImageSet): GpuImageSet {
  const imageSize = set.rows * set.cols;
  const images = packBytes(set.images.subarray(0, set.count * imageSize));
  const labels = packBytes(set.labels.subarray(0, set.count));
  return {
    images: createTensor(device, `${name}.images`, [images.length], images),
    labels: createTensor(device, `${name}.labels`, [labels.length], labels),
    count: set.count,
    imageSize,
    cpu: set,
  };
}

export function uploadDataset(device: GPUDevice, data: Dataset): GpuDataset {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  for (const [split, set] of [['training', data.train], ['test', data.test]] as const) {
    const bytes = set.count * set.rows * set.cols;
    if (bytes > limit) {
      const fits = Math.floor(limit / (set.rows * set.cols));
      throw new CodedError('out-of-memory', `data set ${data.name}: its ${set.count} ${split} images take ${bytes} bytes, more than this GPU's ` +
        `limit of ${limit} bytes for one buffer; use a ${split === 'training' ? 'train' : 'test'} limit of at most ${fits} images`);
    }
  }
  // The upload's GPU errors (a buffer refused, out of memory) come back asynchronously: see `checked`.
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const sets: GpuImageSet[] = [];
  const destroy = () => {
    for (const s of sets) {
      s.images.buffer.destroy();
      s.labels.buffer.destroy();
    }
  };
  let failure: { thrown: unknown } | undefined;
  try {
    sets.push(upload(device, `${data.name}.train`, data.train));
    sets.push(upload(device, `${data.name}.test`, data.test));
  } catch (thrown) {
    failure = { thrown };
  }
  // Both popped (innermost first) whatever happened, so the device's scope stack stays balanced.
  const validation = device.popErrorScope();
  const oom = device.popErrorScope();
  if (failure) {
    destroy();
    throw failure.thrown;
  }
  const checked = Promise.all([validation, oom]).then(([v, o]) => {
    const e = o ?? v;
    if (e) {
      destroy();
      throw gpuError(e, `the upload of data set ${data.name}`);
    }
  });
  checked.catch(() => undefined); // handled by whoever awaits it (Trainer.create); never an unhandled rejection
  const [train, test] = sets;
  return { name: data.name, classNames: data.classNames, train, test, checked, destroy };
}
