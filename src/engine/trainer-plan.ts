// What a Trainer for a config and an uploaded data set will be, all checked before anything is allocated:
// the model resolved for the data's image shape and classes, the config valid, how many images train,
// validate and test, and every tensor against the device's limits (WebGPU reports an invalid buffer
// later, not at once: checked here, the error names the tensor and the setting to change).
import { resolveModel, type ResolvedModel } from './model';
import { SettingError } from './settings';
import { validateConfig } from './settings-config';
import { checkUploaded, type GpuDataset } from './gpu-dataset';
import { checkMemory, estimateMemory } from './memory';
import { keepsBestWeights } from './trainer-callbacks';
import type { KernelSetting } from './autotune';
import type { TrainConfig } from './training-types';

export interface TrainerPlan {
  model: ResolvedModel;
  /** Training images after the validation split, and the split's. */
  trainCount: number;
  valCount: number;
  kernels: KernelSetting;
}

/** `trains: false`: the trainer will only evaluate and predict (validateConfig's training-batch rules skipped). */
export function planTrainer(data: GpuDataset, config: TrainConfig, limits: GPUSupportedLimits, o: { trains?: boolean } = {}): TrainerPlan {
  const model = resolveModel(config.model, [data.train.cpu.rows, data.train.cpu.cols, 1], data.classNames.length);
  const limited = checkUploaded(data.train, 'training', config.trainLimit, 'trainLimit');
  validateConfig(config, limited, model.classes, o);
  const valCount = Math.floor(limited * (config.validationSplit ?? 0));
  // A split of no image would silently monitor the test set instead (val_* = test_*).
  if (config.validationSplit && valCount === 0) throw new SettingError('validationSplit', `validation split ${config.validationSplit} of ${limited} training ${limited === 1 ? 'image is' : 'images is'} no image: raise it or the training images, or set none`);
  const trainCount = limited - valCount;
  const images = `${trainCount} training ${trainCount === 1 ? 'image' : 'images'}`;
  if (trainCount < config.batchSize) throw new SettingError('batchSize', `batch size ${config.batchSize} is larger than the ${images} left${valCount ? ' after the validation split' : ''}`);
  const testCount = Math.min(config.testLimit ?? data.test.count, data.test.count);
  const kernels = config.kernels ?? 'auto';
  checkMemory(estimateMemory(model, config.batchSize, {
    kernels, optimizer: config.optimizer?.name, trainCount, valCount, testCount, bestWeights: keepsBestWeights(config),
    dataset: { name: data.name, train: data.train.count, test: data.test.count, imageSize: data.train.imageSize },
  }), limits);
  return { model, trainCount, valCount, kernels };
}
