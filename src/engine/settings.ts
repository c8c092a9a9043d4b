// Every training setting, declared once: its name, default, rule, help, attribute of <mnist-trainer>,
// command-line flag and whether it changes a running trainer. The element (its properties, attributes
// and form), the command line (its options and --help), the experiments, validateConfig and the
// checkpoint header all take their rules from here, so a setting cannot mean two things in two places.
import { ModelSpecError, resolveModel, type ModelSpec } from './model';
import { parseModel, presetNames } from './model-setting';
import { ADAMW_WEIGHT_DECAY, OPTIMIZERS } from './ops/optimizer';
import { DEFAULT_TOP_K, LOSSES } from './ops/softmax_xent';
import { LR_SCHEDULES } from './lr-schedule';
import { KERNEL_SETTINGS } from './kernel-variant';
import { MONITORS } from './callbacks';
import type { MetricName } from './training-types';
import type { OptionHelp } from './args';
import { builtinDatasetName, canonicalDatasetName } from '../data/sources';
import { optional, parseBoolean, parseChoice, parseNumber, rangeRule, shown, type NumberRange } from './settings-rules';

/** Checks a caller needs and the engine cannot do: the element resolves URLs against document.baseURI. */
export interface SettingHooks {
  /** Throws when `url` cannot be resolved the way the caller will fetch it. */
  checkUrl?(url: string): void;
}

interface SettingMeta {
  /** The form's label. */
  label: string;
  /** One line, for --help and the docs. */
  help: string;
  /** The attribute of <mnist-trainer>, or null: command line only. */
  attribute: string | null;
  /** The command-line flag without its dashes, or null: element only. */
  flag: string | null;
  /** The value's placeholder in --help. */
  metavar?: string;
  /** Applies to a running trainer at once (the Trainer holds the live value), not only to the next run. */
  live: boolean;
  /** What an absent value (null) means, for help texts and the form's placeholder. */
  absent?: string;
  /** The entry of the element's help texts (components/help.ts) for this setting; default: its name. */
  helpKey?: string;
}

export interface SettingSpec<T> extends SettingMeta {
  kind: 'integer' | 'number' | 'choice' | 'text' | 'boolean';
  default: T;
  /** Numbers: the allowed range. */
  range?: NumberRange;
  /** Choices: the allowed values. */
  values?: readonly string[];
  /** The rule as one phrase ("a whole number from 1 to 1000"). */
  rule: string;
  /** The string form or the typed value → the normalised value; throws an Error starting with `display`. */
  parse(value: unknown, display: string, hooks: SettingHooks): T;
}

const number = <const M extends SettingMeta>(meta: M, range: NumberRange, def: number): M & SettingSpec<number> & { range: NumberRange } => ({
  ...meta, kind: range.integer ? 'integer' : 'number', default: def, range, rule: rangeRule(range),
  parse: (v, display) => parseNumber(v, display, range),
});

const optionalNumber = <const M extends SettingMeta>(meta: M, range: NumberRange): M & SettingSpec<number | null> & { range: NumberRange } => ({
  ...meta, kind: range.integer ? 'integer' : 'number', default: null, range, rule: rangeRule(range),
  parse: (v, display) => optional(v, (x) => parseNumber(x, display, range)),
});

const choice = <const M extends SettingMeta, T extends string>(meta: M, values: readonly T[], def: T): M & SettingSpec<T> & { values: readonly T[] } => ({
  ...meta, kind: 'choice', default: def, values, rule: `one of ${values.join(', ')}`,
  parse: (v, display) => parseChoice(v, display, values),
});

/** A flag: false unless given (an attribute's presence, a bare command-line flag, or true). */
const flag = <const M extends SettingMeta>(meta: M): M & SettingSpec<boolean> => ({
  ...meta, kind: 'boolean', default: false, rule: 'true or false',
  parse: (v, display) => parseBoolean(v, display),
});

/** The metrics a run can report (Keras's names); accuracy is computed in any case (the charts need it). */
export const METRIC_NAMES = ['accuracy', 'top_k_accuracy'] as const satisfies readonly MetricName[];

const METRICS_RULE = `a comma-separated list of ${METRIC_NAMES.join(', ')}`;

/** A metrics list: names separated by commas (spaces ignored, case-insensitive), normalised to "a,b" without repeats. */
function parseMetrics(v: unknown, display: string): string {
  const names = typeof v === 'string' ? v.split(',').map((n) => n.trim().toLowerCase()) : Array.isArray(v) ? v.map((n) => String(n).trim().toLowerCase()) : [];
  const unknown = names.filter((n) => !(METRIC_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`${display} must be ${METRICS_RULE}, got ${shown(v)}${unknown.length > 0 && names.length > 1 ? ` (unknown: ${unknown.map((n) => shown(n)).join(', ')})` : ''}`);
  }
  return [...new Set(names)].join(',');
}

/** The bundled data sets; anything else is a folder or URL. */
export const DATASETS = ['mnist', 'fashion-mnist'] as const;

/** The `dataset` value of the bundled set a data set's name (a checkpoint's, say) is, if it is one. */
export function bundledDataset(name: string): (typeof DATASETS)[number] | undefined {
  const canonical = canonicalDatasetName(name);
  return DATASETS.find((d) => builtinDatasetName(d) === canonical);
}

const DATASET_RULE = `${DATASETS.join(', ')}, or a folder or URL (with a /) holding the four IDX files`;

/** MNIST-format images and classes (data/idx.ts refuses others): a model setting must fit them. */
export const MODEL_INPUT = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

/** A model setting: its normalised text (a preset name or JSON) and the spec it describes. */
export function parseModelSetting(v: unknown, display = 'model'): { text: string; spec: ModelSpec } {
  const text = typeof v === 'string' ? v.trim() : v && typeof v === 'object' ? JSON.stringify(v) : '';
  if (text === '') throw new Error(`${display} must be a preset name (${presetNames().join(', ')}) or the layers as JSON, got ${shown(v)}`);
  try {
    const spec = parseModel(text);
    resolveModel(spec, MODEL_INPUT.shape, MODEL_INPUT.classes);
    return { text, spec };
  } catch (e) {
    if (!(e instanceof ModelSpecError)) throw e;
    throw new Error(`${display}: ${e.message.replace(/^model: /, '')}`, { cause: e });
  }
}

/** The settings, in the order of the form, --help and the run records. */
export const SETTINGS = {
  dataSource: {
    label: 'Data set', attribute: 'dataset', flag: 'dataset', metavar: 'NAME|DIR|URL', live: false,
    help: "mnist (bundled), fashion-mnist (Debian's dataset-fashion-mnist), or a folder or URL holding the four IDX files, optionally .gz",
    kind: 'text', default: 'mnist', rule: DATASET_RULE,
    parse(v: unknown, display: string, hooks: SettingHooks): string {
      const s = typeof v === 'string' ? v.trim() : '';
      if ((DATASETS as readonly string[]).includes(s.toLowerCase())) return s.toLowerCase();
      let why = '';
      if (s.includes('/')) {
        try {
          hooks.checkUrl?.(s);
          return s;
        } catch (e) {
          why = ` (${(e as Error).message})`; // what is wrong with it as a URL: a space, say
        }
      }
      throw new Error(`${display} must be ${DATASET_RULE}, got ${shown(v)}${why}`);
    },
  },
  dataBase: {
    label: 'Data folder', attribute: 'data-base', flag: null, live: false, absent: 'next to the page',
    help: "where the bundled sets' data/<set>/ folders are", kind: 'text', default: null, rule: 'a URL',
    parse(v: unknown, display: string, hooks: SettingHooks): string | null {
      return optional(v, (s) => {
        try {
          if (typeof s !== 'string') throw new Error('not a string');
          hooks.checkUrl?.(s);
          return s;
        } catch {
          throw new Error(`${display} must be a URL, got ${shown(s)}`);
        }
      });
    },
  },
  model: {
    label: 'Model', attribute: 'model', flag: 'model', metavar: 'NAME|FILE|JSON', live: false,
    help: `a preset (${presetNames().join(', ')}) or the layers as JSON ({"layers": [...]} or a bare array); the command line also reads a JSON file`,
    kind: 'text', default: 'mlp', rule: 'a preset name or the layers as JSON',
    parse: (v: unknown, display: string): string => parseModelSetting(v, display).text,
  },
  epochs: number({ label: 'Epochs', attribute: 'epochs', flag: 'epochs', metavar: 'N', live: false, help: 'passes over the training images' },
    { integer: true, min: 1, max: 1000 }, 5),
  // 32: Keras's default for fit(), and the batch the README's accuracy goals were met at.
  batchSize: number({ label: 'Batch size', attribute: 'batch-size', flag: 'batch-size', metavar: 'N', live: false, help: 'images per step' },
    { integer: true, min: 1, max: 4096 }, 32),
  optimizer: choice({ label: 'Optimizer', attribute: 'optimizer', flag: 'optimizer', metavar: 'NAME', live: false, help: 'the update rule' },
    OPTIMIZERS, 'adam'),
  weightDecay: optionalNumber({
    label: 'Weight decay', attribute: 'weight-decay', flag: 'weight-decay', metavar: 'X', live: false,
    // Short: it is the form's placeholder too (the help names the values).
    absent: "the optimizer's own",
    help: `decoupled weight decay: each step also shrinks every weight by learning rate × this, for any optimizer (the optimizer's own: ${ADAMW_WEIGHT_DECAY} for adamw, 0 for the others)`,
  }, { integer: false, min: 0, max: Infinity }),
  learningRate: number({ label: 'Learning rate', attribute: 'learning-rate', flag: 'learning-rate', metavar: 'X', live: true, help: 'the base step size' },
    { integer: false, min: 0, minExclusive: true, max: 10 }, 0.001),
  lrSchedule: choice({
    label: 'Schedule', attribute: 'lr-schedule', flag: 'lr-schedule', metavar: 'NAME', live: false,
    help: 'how the rate changes over the run; cosine decays it to ~0 by the last step',
  }, LR_SCHEDULES, 'constant'),
  loss: choice({
    label: 'Loss', attribute: 'loss', flag: 'loss', metavar: 'NAME', live: false,
    help: 'what training minimises, on the softmax probabilities (Keras names)',
  }, LOSSES, 'categorical_crossentropy'),
  labelSmoothing: number({
    label: 'Label smoothing', attribute: 'label-smoothing', flag: 'label-smoothing', metavar: 'X', live: false,
    help: 'categorical_crossentropy only: the target puts 1 − X on the label and X/classes on every class',
  }, { integer: false, min: 0, max: 1, maxExclusive: true }, 0),
  metrics: {
    label: 'Metrics', attribute: 'metrics', flag: 'metrics', metavar: 'LIST', live: false,
    help: `reported each epoch besides the loss (${METRIC_NAMES.join(', ')}); accuracy is always computed`,
    kind: 'text', default: 'accuracy', rule: METRICS_RULE,
    parse: (v: unknown, display: string): string => parseMetrics(v, display),
  },
  topK: number({
    label: 'Top-k', attribute: 'top-k', flag: 'top-k', metavar: 'K', live: false, helpKey: 'topKAccuracy',
    help: 'top_k_accuracy counts an image when its label is among the K most probable classes',
  }, { integer: true, min: 1, max: Infinity }, DEFAULT_TOP_K),
  dropout: optionalNumber({
    label: 'Dropout', attribute: 'dropout', flag: 'dropout', metavar: 'X', live: true, absent: "each layer's own rate",
    help: 'one rate for every dropout layer, 0 = off',
  }, { integer: false, min: 0, max: 1, maxExclusive: true }),
  // Augmentation (the training gather, gather.wgsl): each image's own random transform, every step.
  augmentShift: number({
    label: 'Shift (px)', attribute: 'augment-shift', flag: 'augment-shift', metavar: 'PX', live: false, helpKey: 'augmentation',
    help: 'augmentation: shift each training image by a random real number of pixels in [−PX, PX], in x and y independently; 0 = off',
  }, { integer: false, min: 0, max: 8 }, 0),
  augmentRotation: number({
    label: 'Rotation (°)', attribute: 'augment-rotation', flag: 'augment-rotation', metavar: 'DEG', live: false, helpKey: 'augmentation',
    help: 'augmentation: rotate each training image about its centre by a random angle in [−DEG, DEG] degrees; 0 = off',
  }, { integer: false, min: 0, max: 45 }, 0),
  augmentZoom: number({
    label: 'Zoom', attribute: 'augment-zoom', flag: 'augment-zoom', metavar: 'X', live: false, helpKey: 'augmentation',
    help: "augmentation: zoom each training image by a random factor in [1 − X, 1 + X] (Keras's RandomZoom); 0 = off",
  }, { integer: false, min: 0, max: 0.5 }, 0),
  seed: number({
    label: 'Seed', attribute: 'seed', flag: 'seed', metavar: 'N', live: false,
    help: 'fixes the initial weights, the shuffling, the dropout masks and the augmentation: the same History on the same adapter',
  }, { integer: true, min: 0, max: 0xffffffff }, 1),
  trainLimit: optionalNumber({
    label: 'Train images', attribute: 'train-limit', flag: 'train-limit', metavar: 'N', live: false, absent: 'all', helpKey: 'dataset',
    help: 'train on the first N training images',
  }, { integer: true, min: 1, max: 1e9 }),
  testLimit: optionalNumber({
    label: 'Test images', attribute: 'test-limit', flag: 'test-limit', metavar: 'N', live: false, absent: 'all', helpKey: 'accuracy',
    help: 'evaluate on the first N test images',
  }, { integer: true, min: 1, max: 1e9 }),
  validationSplit: optionalNumber({
    label: 'Validation split', attribute: 'validation-split', flag: 'validation-split', metavar: 'X', live: false, absent: 'none', helpKey: 'overfitting',
    help: 'hold out this fraction of the training images as validation data',
  }, { integer: false, min: 0, max: 1, maxExclusive: true }),
  earlyStopping: optionalNumber({
    label: 'Early stopping', attribute: 'early-stopping', flag: 'early-stopping', metavar: 'N', live: false, absent: 'off',
    help: 'stop after N epochs in a row without an improvement of the monitored value',
  }, { integer: true, min: 1, max: 1000 }),
  monitor: choice({
    label: 'Monitor', attribute: 'monitor', flag: 'monitor', metavar: 'NAME', live: false, helpKey: 'earlyStopping',
    help: 'the History value early stopping and reduce-on-plateau watch: losses should fall, accuracies rise',
  }, MONITORS, 'val_loss'),
  minDelta: number({
    label: 'Min. improvement', attribute: 'min-delta', flag: 'min-delta', metavar: 'X', live: false, helpKey: 'earlyStopping',
    help: 'an epoch improves on the best only when the monitored value is better by more than this',
  }, { integer: false, min: 0, max: Infinity }, 0),
  restoreBestWeights: flag({
    label: 'Restore best weights', attribute: 'restore-best-weights', flag: 'restore-best-weights', live: false, helpKey: 'earlyStopping',
    help: "when early stopping stops, go back to the best epoch's weights",
  }),
  reduceLrPatience: optionalNumber({
    label: 'Reduce rate after', attribute: 'reduce-lr-patience', flag: 'reduce-lr-patience', metavar: 'N', live: false, absent: 'off', helpKey: 'reduceLr',
    help: 'multiply the learning rate by the reduce factor after N epochs in a row without an improvement of the monitored value',
  }, { integer: true, min: 1, max: 1000 }),
  reduceLrFactor: number({
    label: 'Reduce factor', attribute: 'reduce-lr-factor', flag: 'reduce-lr-factor', metavar: 'X', live: false, helpKey: 'reduceLr',
    help: 'what a plateau multiplies the learning rate by',
  }, { integer: false, min: 0, minExclusive: true, max: 1, maxExclusive: true }, 0.1),
  minLearningRate: number({
    label: 'Min. learning rate', attribute: 'min-learning-rate', flag: 'min-learning-rate', metavar: 'X', live: false, helpKey: 'reduceLr',
    help: 'a plateau never lowers the rate below this',
  }, { integer: false, min: 0, max: 10 }, 0),
  // Per file and reset by every chunk received: a slow but moving download is fine, a stalled one is not.
  loadTimeout: number({
    label: 'Load timeout', attribute: 'load-timeout', flag: 'load-timeout', metavar: 'S', live: false,
    help: 'seconds a data file may go without receiving any bytes before loading fails',
  }, { integer: true, min: 1, max: 3600 }, 60),
  kernels: choice({
    label: 'GEMM kernels', attribute: 'kernels', flag: 'kernels', metavar: 'K', live: false,
    help: "auto: time each matrix product's implementations on this GPU and keep the fastest (cached); tiled or register: use that one everywhere",
  }, KERNEL_SETTINGS, 'auto'),
  autostart: flag({ label: 'Start at once', attribute: 'autostart', flag: null, live: false, help: 'start training once the element is on the page' }),
} as const satisfies Record<string, SettingSpec<unknown>>;

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S> = S extends { parse(...a: never[]): infer T } ? T : never;
export type Settings = { [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };
/** Settings that <mnist-trainer> has as attributes and properties. */
export type ElementSettingName = { [K in SettingName]: (typeof SETTINGS)[K]['attribute'] extends string ? K : never }[SettingName];
/** Settings that change a running trainer. */
export type LiveSettingName = { [K in SettingName]: (typeof SETTINGS)[K]['live'] extends true ? K : never }[SettingName];

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function settingSpec<K extends SettingName>(name: K): SettingSpec<Settings[K]> {
  return SETTINGS[name] as unknown as SettingSpec<Settings[K]>;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze(Object.fromEntries(SETTING_NAMES.map((n) => [n, SETTINGS[n].default])) as Settings);

/** A rejected setting: `setting` is its name here, the message names it as the caller spells it. */
export class SettingError extends Error {
  override name = 'SettingError';
  readonly code = 'invalid-setting';
  constructor(readonly setting: SettingName, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * `value` (an attribute's or flag's string, or the typed value) as setting `name`, normalised; throws a
 * SettingError whose message starts with `display`: the attribute, the `--flag` or the config field.
 */
export function parseSetting<K extends SettingName>(name: K, value: unknown, display: string = name, hooks: SettingHooks = {}): Settings[K] {
  const spec = settingSpec(name);
  if (!spec) throw new Error(`unknown setting ${String(name)}`);
  try {
    return spec.parse(value, display, hooks);
  } catch (e) {
    throw new SettingError(name, (e as Error).message, { cause: e }); // a model's problem, for its translation
  }
}

/** The defaults with `values` parsed over them (each named as `display(name)` in messages). */
export function parseSettings(values: Partial<Record<SettingName, unknown>>, display: (name: SettingName) => string = (n) => n, hooks: SettingHooks = {}): Settings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [name, v] of Object.entries(values) as [SettingName, unknown][]) {
    if (v !== undefined) out[name] = parseSetting(name, v, display(name), hooks);
  }
  checkCombination(out as Settings, display);
  return out as Settings;
}

/** The rules between settings; a SettingError naming the setting to change. */
export function checkCombination(s: Pick<Settings, 'loss' | 'labelSmoothing'>, display: (name: SettingName) => string = (n) => n): void {
  if (s.labelSmoothing > 0 && s.loss !== 'categorical_crossentropy') {
    throw new SettingError('labelSmoothing', `${display('labelSmoothing')} applies to categorical_crossentropy only (as in Keras), not to ${s.loss}; set it to 0 or change the loss`);
  }
}

/** The --help lines of the settings that have a flag: help, rule and default from the schema. */
export function settingOptions(): OptionHelp[] {
  return SETTING_NAMES.map((n) => SETTINGS[n] as SettingSpec<unknown>).filter((s) => s.flag !== null).map((s) => {
    // A boolean is a bare flag on the command line (args.ts): on where given.
    const rule = s.kind === 'text' ? '' : s.kind === 'boolean' ? ' (a flag: on where given)' : ` (${s.rule})`;
    const def = s.default === null ? `default: ${s.absent}` : s.kind === 'boolean' ? `default ${s.default ? 'on' : 'off'}` : `default ${String(s.default)}`;
    return { flag: s.flag!, metavar: s.metavar, help: `${s.help}${rule}; ${def}` };
  });
}
