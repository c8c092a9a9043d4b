// The data set on the GPU: pixels and labels uploaded once as packed bytes (4 per u32 word),
// so 60000 MNIST images take 47 MB instead of 188 MB as floats. The gather kernel normalises per batch.
// Only the images a run uses go up (the first trainLimit / testLimit): a set larger than the GPU's
// binding limit still trains on a prefix that fits.
import type { Dataset, ImageSet } from '../data/idx';
import { createTensor, type Tensor } from './buffers';
import { CodedError } from './errors';
import { gpuError } from './gpu-errors';
import { packBytes } from './ops/gather';
import { storageBindingLimit } from './pipelines';

export interface GpuImageSet {
  /** images: (count, rows·cols) bytes packed 4 per word; labels: (count) bytes packed. */
  images: Tensor;
  labels: Tensor;
  /** Images on the GPU: the first `count` of the CPU set (all, or the limit it was uploaded with). */
  count: number;
  imageSize: number;
  /** The CPU copy (the whole set), kept for galleries of misclassified images and for predict(). */
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

/** How many images of each set to upload; absent = all (the settings trainLimit and testLimit). */
export interface UploadLimits {
  trainLimit?: number | null;
  testLimit?: number | null;
}

/** Packed bytes of the first `count` images (4 per word, so rounded up to 4). */
const packedBytes = (count: number, imageSize: number) => Math.ceil((count * imageSize) / 4) * 4;

/** Throws an 'out-of-memory' error naming the set, its size and the limit when its images would not fit one binding. */
function checkFits(device: GPUDevice, data: Dataset, which: 'training' | 'test', set: ImageSet, count: number): void {
  const bytes = packedBytes(count, set.rows * set.cols);
  const limit = storageBindingLimit(device.limits);
  if (bytes <= limit) return;
  const fits = Math.floor(limit / (set.rows * set.cols));
  const setting = which === 'training' ? 'train limit' : 'test limit';
  throw new CodedError('out-of-memory', `data set ${data.name}: ${count} ${which} images take ${bytes} bytes, more than this GPU's storage buffer limit of ${limit} bytes; ` +
    `set a ${setting} of at most ${fits} images`);
}

function upload(device: GPUDevice, name: string, set: ImageSet, count: number): GpuImageSet {
  const imageSize = set.rows * set.cols;
  const images = packBytes(set.images.subarray(0, count * imageSize));
  const labels = packBytes(set.labels.subarray(0, count));
  return {
    images: createTensor(device, `${name}.images`, [images.length], images),
    labels: createTensor(device, `${name}.labels`, [labels.length], labels),
    count,
    imageSize,
    cpu: set,
  };
}

export function uploadDataset(device: GPUDevice, data: Dataset, limits: UploadLimits = {}): GpuDataset {
  const trainCount = Math.min(limits.trainLimit ?? data.train.count, data.train.count);
  const testCount = Math.min(limits.testLimit ?? data.test.count, data.test.count);
  checkFits(device, data, 'training', data.train, trainCount);
  checkFits(device, data, 'test', data.test, testCount);
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
    sets.push(upload(device, `${data.name}.train`, data.train, trainCount));
    sets.push(upload(device, `${data.name}.test`, data.test, testCount));
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

/** Throws when a run needs more images of a set than were uploaded (it was uploaded with a smaller limit). */
export function checkUploaded(set: GpuImageSet, which: 'training' | 'test', limit: number | undefined, setting: string): number {
  const wanted = Math.min(limit ?? set.cpu.count, set.cpu.count);
  if (wanted > set.count) {
    throw new CodedError('data', `the run needs ${wanted} ${which} images (${setting}), the data set was uploaded to the GPU with only the first ${set.count}`);
  }
  return wanted;
}
