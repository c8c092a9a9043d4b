// The fixed, documented set of experiments behind `npm run experiments` (docs/experiments.md): every
// run's model, settings, subset sizes and seeds, for the full report and for the reduced --quick one.
// Pure data, no Node or GPU imports, so the browser tests can check it.
import type { ModelSpec } from '../../engine/model';
import { resolveModel } from '../../engine/model';
import { PRESETS } from '../../engine/model-setting';
import type { LrScheduleName } from '../../engine/lr-schedule';
import type { LossName } from '../../engine/ops/softmax_xent';
import type { TrainConfig } from '../../engine/training-types';
import { parseSettings, type Settings } from '../../engine/settings';
import { trainConfig } from '../../engine/settings-config';
import { regularizersInUse, type Regularizers } from '../../engine/verdict-remedies';
import {
  ACTIVATION_RUNS, activationMlp, AUGMENTATION, convBlocks, DROPOUT_RATES, EARLY_STOPPING, L2, LOSS_RUNS, OPTIMIZER_GRID, OPTIMIZER_NAMES,
  optimizerRuns, WIDE_UNITS, wideDense, type RunOptimizer,
} from './models';

export * from './models';

export type DatasetId = 'mnist' | 'fashion';
export type ExperimentKind = 'headline' | 'overfitting' | 'architectures' | 'conv-blocks' | 'activations' | 'optimizers' | 'losses';

/** The settings a run carries beyond the ones every run states (augmentation, early stopping, dropout override…). */
export type RunSettings = Partial<Omit<Settings, 'model' | 'epochs' | 'batchSize' | 'seed' | 'optimizer' | 'learningRate' | 'lrSchedule' | 'loss' | 'trainLimit' | 'testLimit' | 'dataSource'>>;

export interface RunSpec {
  /** Unique within its experiment, file-name safe. */
  id: string;
  /** Legend and table label. */
  label: string;
  model: ModelSpec;
  optimizer: RunOptimizer;
  /** Default 'constant'. */
  lrSchedule?: LrScheduleName;
  /** Default 'categorical_crossentropy'. */
  loss?: LossName;
  epochs: number;
  batchSize: number;
  /** The run is trained once per seed; tables show the mean ± standard deviation over them. */
  seeds: number[];
  /** The first N training images. */
  trainLimit: number;
  /** The first N test images, evaluated after every epoch (the curves). */
  testLimit: number;
  /**
   * The first N test images of the final evaluation (the tables, confusion matrix and per-class figures)
   * when it covers more than the curves; absent: testLimit. Evaluating 10,000 images after every epoch
   * cost more than training on a CPU adapter.
   */
  finalTestLimit?: number;
  /** Any other settings, by their names in src/engine/settings.ts, parsed by its rules like every run's. */
  settings?: RunSettings;
}

export interface Experiment {
  /** The --only id and the prefix of its chart files. */
  id: ExperimentId;
  /** Its anchor in the report (docs/concepts.md links to some of these). */
  anchor: string;
  title: string;
  kind: ExperimentKind;
  dataset: DatasetId;
  /** Anchors in docs/concepts.md. */
  concepts: string[];
  /** What is compared and why: fixed text; the conclusions are generated from the measured values. */
  intro: string;
  runs: RunSpec[];
  /** Add a per-class recall table (with the data set's class names). */
  perClass?: boolean;
}

/** The headline runs keep their final evaluation's surest mistakes, with the images, for the reports' galleries. */
export const keepsMistakes = (e: Experiment): boolean => e.kind === 'headline';

export const EXPERIMENT_IDS = [
  'headline', 'overfitting', 'architectures', 'conv-blocks', 'activations', 'optimizers', 'losses',
  'fashion-headline', 'fashion-overfitting', 'fashion-architectures',
] as const;
export type ExperimentId = (typeof EXPERIMENT_IDS)[number];

interface Size { train: number; test: number; final?: number; epochs: number; batch: number; seeds: number[] }

/**
 * Subset sizes, epochs and seeds. Full: every comparison of architectures, activations, optimizers and
 * losses judged on the whole 10,000-image test set (`final`) over 3 seeds, its curves on the first 2,000
 * after each epoch, with training subsets small enough for a 2-core machine running WebGPU on SwiftShader
 * (the slowest adapter we support) to regenerate the report in a few hours (the report prints its estimate
 * from the measured speeds); the overfitting runs evaluate the first 2,000 test images after each of their
 * 40 epochs (the full set every epoch, 42 trainings, took a whole session: evaluation was 80% of it); the
 * headline runs on the full training and test sets, one seed each. Quick: one epoch on tiny subsets, only
 * to check that the report is generated (two seeds for the overfitting runs, so the ± columns are
 * exercised; a larger final test set for the conv runs, so that path is too).
 */
export interface Sizes {
  overfit: Size;
  conv: Size;
  dense: Size;
  /** `epochs` (quick only) overrides the headline runs' own. */
  headline: { train: number; test: number; seeds: number[]; epochs?: number };
}

export const SIZES: Record<'full' | 'quick', Sizes> = {
  full: {
    overfit: { train: 1000, test: 2000, epochs: 40, batch: 32, seeds: [1, 2, 3] },
    conv: { train: 2000, test: 2000, final: 10000, epochs: 3, batch: 32, seeds: [1, 2, 3] },
    dense: { train: 4000, test: 2000, final: 10000, epochs: 5, batch: 64, seeds: [1, 2, 3] },
    headline: { train: 60000, test: 10000, seeds: [1] },
  },
  quick: {
    overfit: { train: 128, test: 128, epochs: 1, batch: 32, seeds: [1, 2] },
    conv: { train: 16, test: 16, final: 32, epochs: 1, batch: 16, seeds: [1] },
    dense: { train: 256, test: 128, epochs: 1, batch: 64, seeds: [1] },
    headline: { train: 256, test: 128, seeds: [1], epochs: 1 },
  },
};

/** The optimizer runs hold out this fraction of their training subset to choose each optimizer's rate on. */
export const TUNING_SPLIT = 0.1;

const ADAM: RunOptimizer = { name: 'adam', learningRate: 0.001 };

/** A run's settings for one seed (and data set), through the settings' rules like the element's and the command line's runs. */
export function runSettings(spec: RunSpec, seed: number = spec.seeds[0], dataset?: DatasetId): Settings {
  return parseSettings({
    ...spec.settings,
    model: spec.model, epochs: spec.epochs, batchSize: spec.batchSize, seed, optimizer: spec.optimizer.name,
    learningRate: spec.optimizer.learningRate, lrSchedule: spec.lrSchedule, loss: spec.loss, trainLimit: spec.trainLimit, testLimit: spec.testLimit,
    ...(dataset ? { dataSource: dataset === 'fashion' ? 'fashion-mnist' : 'mnist' } : {}),
  }, (name) => `run "${spec.label}": ${name}`);
}

/** The test images of the run's final evaluation (tables, confusion matrix, per class). */
export const finalTestCount = (spec: RunSpec): number => Math.max(spec.testLimit, spec.finalTestLimit ?? 0);

/** A run's TrainConfig for one seed. */
export function runConfig(spec: RunSpec, seed: number = spec.seeds[0]): TrainConfig {
  return trainConfig(runSettings(spec, seed), spec.model);
}

/** What a run uses against overfitting (dropout at its rate, augmentation, …), as the verdict reads a trainer's. */
export function runRegularizers(spec: RunSpec): Regularizers {
  return regularizersInUse(resolveModel(spec.model), runConfig(spec));
}

export function optimizerLabel(o: RunOptimizer, schedule: LrScheduleName = 'constant'): string {
  return `${OPTIMIZER_NAMES[o.name]} lr ${o.learningRate}${schedule === 'constant' ? '' : `, ${schedule}`}`;
}

type RunChoice = Partial<Pick<RunSpec, 'optimizer' | 'lrSchedule' | 'loss' | 'settings' | 'epochs' | 'batchSize'>> & { id: string; label: string; model: ModelSpec };

function runsOf(s: { train: number; test: number; final?: number; epochs?: number; batch?: number; seeds: number[] }, list: RunChoice[]): RunSpec[] {
  return list.map((r) => ({
    id: r.id, label: r.label, model: r.model, optimizer: r.optimizer ?? ADAM, lrSchedule: r.lrSchedule, ...(r.loss ? { loss: r.loss } : {}),
    epochs: r.epochs ?? s.epochs!, batchSize: r.batchSize ?? s.batch!, seeds: [...s.seeds], trainLimit: s.train, testLimit: s.test,
    ...(s.final !== undefined && s.final > s.test ? { finalTestLimit: s.final } : {}),
    ...(r.settings ? { settings: { ...r.settings } } : {}),
  }));
}

const preset = (name: string): ModelSpec => structuredClone(PRESETS[name]);

function headline(s: Sizes, dataset: DatasetId): Experiment {
  const fashion = dataset === 'fashion';
  const h = s.headline;
  return {
    id: fashion ? 'fashion-headline' : 'headline',
    anchor: fashion ? 'fashion-headline' : 'headline-models',
    title: fashion ? 'The cnn on the whole of Fashion-MNIST' : 'The headline models on the whole of MNIST',
    kind: 'headline', dataset, concepts: ['evaluation', 'overfitting'], perClass: true,
    intro: fashion
      ? 'The `cnn` preset trained on all 60,000 Fashion-MNIST training images and evaluated on all 10,000 test images, with the ' +
        "settings that met the README's goal: batch 16, dropout off, learning rate 0.002 with cosine decay, 2 epochs."
      : 'The `mlp` and `cnn` presets trained on all 60,000 MNIST training images and evaluated on all 10,000 test images, with the ' +
        "README's settings (Adam lr 0.001, batch 32; 5 epochs for the mlp, 2 for the cnn).",
    runs: runsOf({ ...h, batch: 32 }, ((fashion
      ? [{ id: 'cnn', label: 'cnn', model: preset('cnn'), epochs: 2, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.002 }, lrSchedule: 'cosine', settings: { dropout: 0 } }]
      : [{ id: 'mlp', label: 'mlp', model: preset('mlp'), epochs: 5 }, { id: 'cnn', label: 'cnn', model: preset('cnn'), epochs: 2 }]) as RunChoice[])
      .map((r) => ({ ...r, epochs: h.epochs ?? r.epochs }))),
  };
}

function overfitting(s: Sizes, dataset: DatasetId): Experiment {
  const fashion = dataset === 'fashion';
  const params = resolveModel(wideDense('plain')).paramCount.toLocaleString('en-US');
  const aug = `shifts up to ${AUGMENTATION.augmentShift} px, rotations up to ${AUGMENTATION.augmentRotation}° and zoom up to ${AUGMENTATION.augmentZoom * 100}%`;
  return {
    id: fashion ? 'fashion-overfitting' : 'overfitting',
    anchor: fashion ? 'fashion-overfitting' : 'overfitting-and-dropout',
    title: fashion ? 'Overfitting and regularization on Fashion-MNIST' : 'Overfitting and regularization',
    kind: 'overfitting', dataset, concepts: ['overfitting', 'dropout', 'regularization', 'augmentation', 'batch-normalization', 'early-stopping'],
    intro: `A wide dense network (two hidden layers of ${WIDE_UNITS} units, ${params} parameters) trained for ${s.overfit.epochs} epochs on only ` +
      `${s.overfit.train.toLocaleString('en-US')} training images has far more capacity than they need: it learns them by heart. The same network is then ` +
      `trained again, identically but for one regularizer each: dropout (${DROPOUT_RATES.input} on the input pixels and ${DROPOUT_RATES.hidden} after each ` +
      `hidden layer, the recipe of Srivastava et al., 2014); an L2 penalty of ${L2} × Σw² on every dense kernel; data augmentation (${aug}); ` +
      'batch normalization between each hidden Dense and its relu; early stopping (patience ' +
      `${EARLY_STOPPING.earlyStopping} epochs on the test loss, best weights restored); and dropout together with augmentation.`,
    runs: runsOf(s.overfit, [
      { id: 'no-dropout', label: 'no regularization', model: wideDense('plain') },
      { id: 'dropout', label: 'dropout', model: wideDense('dropout') },
      { id: 'l2', label: 'L2', model: wideDense('l2') },
      { id: 'augmentation', label: 'augmentation', model: wideDense('plain'), settings: { ...AUGMENTATION } },
      { id: 'batchnorm', label: 'batch norm', model: wideDense('batchnorm') },
      { id: 'early-stopping', label: 'early stopping', model: wideDense('plain'), settings: { ...EARLY_STOPPING } },
      { id: 'dropout-augmentation', label: 'dropout + augmentation', model: wideDense('dropout'), settings: { ...AUGMENTATION } },
    ]),
  };
}

function architectures(s: Sizes, dataset: DatasetId): Experiment {
  const fashion = dataset === 'fashion';
  const presets = fashion ? ['mlp', 'cnn'] : ['mlp', 'cnn', 'cnn-deep'];
  return {
    id: fashion ? 'fashion-architectures' : 'architectures',
    anchor: fashion ? 'fashion-architectures' : 'architectures',
    title: fashion ? 'mlp against cnn on Fashion-MNIST' : 'Architectures',
    kind: 'architectures', dataset, concepts: fashion ? ['architecture', 'evaluation'] : ['architecture', 'convolution'],
    intro: fashion
      ? 'The dense `mlp` preset against the convolutional `cnn` preset on Fashion-MNIST, with the same data and settings; ' +
        'the per-class table shows which garments each model confuses.'
      : 'The three presets with the same data and settings: `mlp` (one hidden dense layer), `cnn` (two convolution + pooling blocks) ' +
        'and `cnn-deep` (two pairs of convolutions, each pair followed by pooling, and a 128-unit dense head).',
    runs: runsOf(s.conv, presets.map((p) => ({ id: p, label: p, model: preset(p) }))),
    perClass: fashion,
  };
}

function blocks(s: Sizes): Experiment {
  return {
    id: 'conv-blocks', anchor: 'conv-blocks', title: '1, 2 or 3 convolutional blocks', kind: 'conv-blocks', dataset: 'mnist', concepts: ['convolution', 'architecture'],
    intro: 'One, two or three blocks of Conv 3×3 (\'same\' padding, relu) + MaxPool 2, with 16, 32 and 64 filters, then Flatten → Dense 10. ' +
      'Each block halves the image, so deeper stacks see larger parts of the digit per unit but hand fewer values to the dense layer.',
    runs: runsOf(s.conv, [1, 2, 3].map((n) => ({ id: `blocks-${n}`, label: `${n} block${n > 1 ? 's' : ''}`, model: convBlocks(n) }))),
  };
}

function activations(s: Sizes): Experiment {
  const opt: RunOptimizer = { name: 'momentum', learningRate: 0.01 };
  return {
    id: 'activations', anchor: 'activations', title: 'Activations', kind: 'activations', dataset: 'mnist', concepts: ['activations'],
    intro: 'The same network, Flatten → 3 × Dense 128 → Dense 10, with a different activation in its hidden layers, trained with ' +
      'SGD with momentum (a plain optimizer lets differences in gradient flow show; Adam rescales them away).',
    runs: runsOf(s.dense, ACTIVATION_RUNS.map((a) => ({ id: a, label: a.replace('_', ' '), model: activationMlp(a), optimizer: opt }))),
  };
}

function optimizers(s: Sizes, quick: boolean): Experiment {
  const grid = Object.entries(OPTIMIZER_GRID).map(([n, rates]) => `${OPTIMIZER_NAMES[n as keyof typeof OPTIMIZER_NAMES]} ${rates.join(', ')}`).join('; ');
  return {
    id: 'optimizers', anchor: 'optimizers-and-learning-rates', title: 'Optimizers and learning rates', kind: 'optimizers', dataset: 'mnist', concepts: ['optimizers-losses-metrics'],
    intro: `All nine optimizers on the \`mlp\` preset, each at three learning rates (${quick ? 'in the full report; --quick runs the middle one' : grid}). ` +
      `Each optimizer's best rate is chosen by its mean final validation accuracy on ${TUNING_SPLIT * 100}% of the training subset held out ` +
      '(the test images play no part in the choice) and then compared with the others on the test images.',
    runs: runsOf(s.dense, optimizerRuns(quick).map((o) => ({
      id: `${o.name}-${o.learningRate}`, label: optimizerLabel(o), model: preset('mlp'), optimizer: o, settings: { validationSplit: TUNING_SPLIT },
    }))),
  };
}

function losses(s: Sizes): Experiment {
  return {
    id: 'losses', anchor: 'losses', title: 'Losses: cross-entropy, MSE and hinge', kind: 'losses', dataset: 'mnist', concepts: ['optimizers-losses-metrics'],
    intro: 'The `mlp` preset with Adam lr 0.001, trained to minimise categorical cross-entropy, the mean squared error between the ' +
      'softmax probabilities and the one-hot label, or the categorical hinge loss. Only the loss changes; accuracy is measured the same way.',
    runs: runsOf(s.dense, LOSS_RUNS.map((l) => ({ id: l.loss, label: l.label, model: preset('mlp'), loss: l.loss }))),
  };
}

/** The experiments, in report order; `only` keeps a subset (by id), `fashion` adds the Fashion-MNIST ones. */
export function buildPlan(o: { quick: boolean; fashion: boolean; only?: readonly string[] }): Experiment[] {
  const s = SIZES[o.quick ? 'quick' : 'full'];
  const all: Record<ExperimentId, () => Experiment> = {
    headline: () => headline(s, 'mnist'),
    overfitting: () => overfitting(s, 'mnist'),
    architectures: () => architectures(s, 'mnist'),
    'conv-blocks': () => blocks(s),
    activations: () => activations(s),
    optimizers: () => optimizers(s, o.quick),
    losses: () => losses(s),
    'fashion-headline': () => headline(s, 'fashion'),
    'fashion-overfitting': () => overfitting(s, 'fashion'),
    'fashion-architectures': () => architectures(s, 'fashion'),
  };
  return EXPERIMENT_IDS
    .filter((id) => (!o.only || o.only.includes(id)) && (o.fashion || !id.startsWith('fashion-')))
    .map((id) => all[id]());
}
