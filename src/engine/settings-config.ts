// Settings ↔ TrainConfig: the one mapping from the settings (settings.ts) to the Trainer's configuration,
// its inverse for checkpoints and config files, and the settings' rules applied to a config built in code
// (checkTrainConfig, validateConfig), each field named by its path in the config.
import { type ModelSpec } from './model';
import { parseModel } from './model-setting';
import { checkCombination, DEFAULT_SETTINGS, parseSetting, SettingError, settingSpec, type SettingName, type Settings } from './settings';
import { shown } from './settings-rules';
import type { MetricName, TrainConfig } from './training-types';

/**
 * The one mapping from settings to the Trainer's configuration; `model` when the caller already parsed it;
 * `display` names the settings in the refusal of ones that do not combine (the element: by their attributes).
 */
export function trainConfig(s: Settings, model: ModelSpec = parseModel(s.model), display?: (name: SettingName) => string): TrainConfig {
  checkCombination(s, display);
  return {
    model, epochs: s.epochs, batchSize: s.batchSize, seed: s.seed,
    optimizer: { name: s.optimizer, learningRate: s.learningRate, ...(s.weightDecay === null ? {} : { weightDecay: s.weightDecay }) },
    lrSchedule: s.lrSchedule,
    loss: s.loss, labelSmoothing: s.labelSmoothing, metrics: s.metrics.split(',') as MetricName[], topK: s.topK,
    dropout: s.dropout ?? undefined, trainLimit: s.trainLimit ?? undefined,
    testLimit: s.testLimit ?? undefined, validationSplit: s.validationSplit ?? undefined,
    earlyStopping: s.earlyStopping ?? undefined, monitor: s.monitor, minDelta: s.minDelta, restoreBestWeights: s.restoreBestWeights,
    reduceLrPatience: s.reduceLrPatience ?? undefined, reduceLrFactor: s.reduceLrFactor, minLearningRate: s.minLearningRate,
    augmentation: s.augmentShift || s.augmentRotation || s.augmentZoom ? { shift: s.augmentShift, rotation: s.augmentRotation, zoom: s.augmentZoom } : undefined,
    kernels: s.kernels,
  };
}

/** The TrainConfig fields that are settings, by their path in the config. */
const CONFIG_FIELDS: readonly { field: string; setting: SettingName; get(c: TrainConfig): unknown }[] = [
  { field: 'epochs', setting: 'epochs', get: (c) => c.epochs },
  { field: 'batchSize', setting: 'batchSize', get: (c) => c.batchSize },
  { field: 'optimizer.name', setting: 'optimizer', get: (c) => c.optimizer?.name },
  { field: 'optimizer.learningRate', setting: 'learningRate', get: (c) => c.optimizer?.learningRate },
  { field: 'optimizer.weightDecay', setting: 'weightDecay', get: (c) => c.optimizer?.weightDecay },
  { field: 'lrSchedule', setting: 'lrSchedule', get: (c) => c.lrSchedule ?? DEFAULT_SETTINGS.lrSchedule },
  { field: 'loss', setting: 'loss', get: (c) => c.loss ?? DEFAULT_SETTINGS.loss },
  { field: 'labelSmoothing', setting: 'labelSmoothing', get: (c) => c.labelSmoothing ?? DEFAULT_SETTINGS.labelSmoothing },
  { field: 'metrics', setting: 'metrics', get: (c) => (Array.isArray(c.metrics) ? c.metrics.join(',') : c.metrics) ?? DEFAULT_SETTINGS.metrics },
  { field: 'topK', setting: 'topK', get: (c) => c.topK ?? DEFAULT_SETTINGS.topK },
  { field: 'dropout', setting: 'dropout', get: (c) => c.dropout },
  { field: 'seed', setting: 'seed', get: (c) => c.seed },
  { field: 'trainLimit', setting: 'trainLimit', get: (c) => c.trainLimit },
  { field: 'testLimit', setting: 'testLimit', get: (c) => c.testLimit },
  { field: 'validationSplit', setting: 'validationSplit', get: (c) => c.validationSplit },
  { field: 'earlyStopping', setting: 'earlyStopping', get: (c) => c.earlyStopping },
  { field: 'monitor', setting: 'monitor', get: (c) => c.monitor ?? DEFAULT_SETTINGS.monitor },
  { field: 'minDelta', setting: 'minDelta', get: (c) => c.minDelta ?? DEFAULT_SETTINGS.minDelta },
  { field: 'restoreBestWeights', setting: 'restoreBestWeights', get: (c) => c.restoreBestWeights ?? DEFAULT_SETTINGS.restoreBestWeights },
  { field: 'reduceLrPatience', setting: 'reduceLrPatience', get: (c) => c.reduceLrPatience },
  { field: 'reduceLrFactor', setting: 'reduceLrFactor', get: (c) => c.reduceLrFactor ?? DEFAULT_SETTINGS.reduceLrFactor },
  { field: 'minLearningRate', setting: 'minLearningRate', get: (c) => c.minLearningRate ?? DEFAULT_SETTINGS.minLearningRate },
  { field: 'augmentation.shift', setting: 'augmentShift', get: (c) => c.augmentation?.shift ?? 0 },
  { field: 'augmentation.rotation', setting: 'augmentRotation', get: (c) => c.augmentation?.rotation ?? 0 },
  { field: 'augmentation.zoom', setting: 'augmentZoom', get: (c) => c.augmentation?.zoom ?? 0 },
  { field: 'kernels', setting: 'kernels', get: (c) => c.kernels ?? DEFAULT_SETTINGS.kernels },
];

/** The settings a TrainConfig was made from (trainConfig's inverse for the fields that are settings; the model as JSON). */
export function configSettings(c: TrainConfig): Partial<Settings> {
  const out: Record<string, unknown> = { model: JSON.stringify(c.model) };
  for (const f of CONFIG_FIELDS) out[f.setting] = f.get(c) ?? null;
  return out as Partial<Settings>;
}

/** A config field that breaks its setting's rule; `field` is its path, e.g. 'optimizer.learningRate'. */
export class ConfigFieldError extends Error {
  override name = 'ConfigFieldError';
  readonly code = 'invalid-setting';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * Checks the settings in a TrainConfig by the settings' rules. A config holds typed, normalised values
 * (5, not "5"; 'adam', not 'Adam'); absent optional fields are fine. Throws a ConfigFieldError whose
 * message names the field as `${prefix}${field}`.
 */
export function checkTrainConfig(c: TrainConfig, prefix = ''): void {
  for (const f of CONFIG_FIELDS) {
    const v = f.get(c);
    const spec = settingSpec(f.setting);
    if (v === undefined && spec.default === null) continue;
    const display = `${prefix}${f.field}`;
    let parsed: unknown;
    try {
      parsed = parseSetting(f.setting, v, display);
    } catch (e) {
      throw new ConfigFieldError(f.field, (e as Error).message);
    }
    if (!Object.is(parsed, v)) throw new ConfigFieldError(f.field, `${display} must be ${spec.rule}, got ${shown(v)}`);
  }
  try {
    checkCombination({ loss: c.loss ?? DEFAULT_SETTINGS.loss, labelSmoothing: c.labelSmoothing ?? 0 }, (n) => `${prefix}${n}`);
  } catch (e) {
    throw new ConfigFieldError('labelSmoothing', (e as Error).message);
  }
}

/**
 * The settings' rules (settings.ts) for the fields that are settings, then what needs the data set and the model.
 * `trains: false`: the trainer only evaluates and predicts (the predict command), so rules about training batches do not apply.
 */
export function validateConfig(c: TrainConfig, trainCount: number, classes?: number, o: { trains?: boolean } = {}): void {
  checkTrainConfig(c);
  if (c.batchSize > trainCount) throw new SettingError('batchSize', `batch size ${c.batchSize} is larger than the ${trainCount} training ${trainCount === 1 ? 'image' : 'images'}`);
  // One image's batch statistics are its own values (variance 0, every x̂ 0): refused rather than trained into noise.
  // Inference uses the moving statistics instead, so one image at a time is fine there.
  const bn = c.model.layers.findIndex((l) => l.type === 'batchNormalization');
  if (bn >= 0 && c.batchSize < 2 && o.trains !== false) {
    throw new SettingError('batchSize', `batch size ${c.batchSize} cannot train layer ${bn + 1} (batchNormalization_1): batch normalization needs at least 2 images per batch`);
  }
  const k = c.topK ?? DEFAULT_SETTINGS.topK;
  if (classes !== undefined && c.metrics?.includes('top_k_accuracy') && k > classes) {
    throw new SettingError('topK', `topK ${k} is larger than the model's ${classes} classes: top_k_accuracy would count every image`);
  }
}
