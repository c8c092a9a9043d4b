// The data set on the GPU: pixels and labels uploaded once as packed bytes (4 per u32 word),
// so 60000 MNIST images take 47 MB instead of 188 MB as floats. The gather kernel normalises per batch.
// Only the images a run uses go up (the first trainLimit / testLimit): a set larger than the GPU's
// binding limit still trains on a prefix that fits.
import type { Dataset, ImageSet } from '../data/idx';
import { createTensor, type Tensor } from './buffers';
import { CodedError } from './errors';
import { packBytes } from './ops/gather';

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
  destroy(): void;
}

/** How many images of each set to upload; absent = all (the settings trainLimit and testLimit). */
export interface UploadLimits {
  trainLimit?: number | null;
  testLimit?: number | null;
}

/** Packed bytes of the first `count` images (4 per word, so rounded up to 4). */
const packedBytes = (count: number, imageSize: number) => Math.ceil((count * imageSize) / 4) * 4;

/** Throws a 'data' error naming the set, its size and the limit when its images would not fit one binding. */
function checkFits(device: GPUDevice, data: Dataset, which: 'training' | 'test', set: ImageSet, count: number): void {
  const bytes = packedBytes(count, set.rows * set.cols);
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes <= limit) return;
  const fits = Math.floor(limit / (set.rows * set.cols));
  const setting = which === 'training' ? 'train limit' : 'test limit';
  throw new CodedError('data', `data set ${data.name}: ${count} ${which} images take ${bytes} bytes, more than this GPU's storage buffer limit of ${limit} bytes; ` +
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
  const train = upload(device, `${data.name}.train`, data.train, trainCount);
  let test: GpuImageSet;
  try {
    test = upload(device, `${data.name}.test`, data.test, testCount);
  } catch (e) {
    train.images.buffer.destroy();
    train.labels.buffer.destroy();
    throw e;
  }
  return {
    name: data.name,
    classNames: data.classNames,
    train,
    test,
    destroy() {
      for (const s of [train, test]) {
        s.images.buffer.destroy();
        s.labels.buffer.destroy();
      }
    },
  };
}

/** Throws when a run needs more images of a set than were uploaded (it was uploaded with a smaller limit). */
export function checkUploaded(set: GpuImageSet, which: 'training' | 'test', limit: number | undefined, setting: string): number {
  const wanted = Math.min(limit ?? set.cpu.count, set.cpu.count);
  if (wanted > set.count) {
    throw new CodedError('data', `the run needs ${wanted} ${which} images (${setting}), the data set was uploaded to the GPU with only the first ${set.count}`);
  }
  return wanted;
}
