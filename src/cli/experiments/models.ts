// The models and the fixed choices the experiments compare: the overfitting network and its regularized
// variants, the conv-block stacks, the activations network, the optimizers' learning-rate grids and the
// losses. Pure data, no Node or GPU imports.
import type { LayerSpec, ModelSpec } from '../../engine/model';
import type { ActivationName } from '../../engine/ops/activation';
import type { OptimizerConfig } from '../../engine/ops/optimizer';
import type { LossName } from '../../engine/ops/softmax_xent';

const relu: ActivationName = 'relu';

/** Units of the overfitting network's two hidden layers. */
export const WIDE_UNITS = 256;

/**
 * Dropout in the overfitting network: Srivastava et al.'s (2014) recipe, 0.2 on the input pixels and 0.5
 * after each hidden layer. Measured on MNIST (1,000 images, 20 epochs, one seed, 27 Nov 2026): 0.5 after the
 * hidden layers alone still memorised the subset (gap 14.6 points against 13.6 without dropout); this recipe
 * gave 11.9 with a test loss still falling at epoch 20, hence the longer runs of the current plan.
 */
export const DROPOUT_RATES = { input: 0.2, hidden: 0.5 };

/** L2 penalty per weight of every dense kernel (Keras's `regularizers.l2(0.001)`, the usual starting value). */
export const L2 = 0.001;

/** Augmentation: ±2 px shifts, ±10° rotations, ±10% zoom: digits and garments stay what they are. */
export const AUGMENTATION = { augmentShift: 2, augmentRotation: 10, augmentZoom: 0.1 } as const;

/** Early stopping: 5 epochs of patience on val_loss (the test set: no validation split), best weights restored. */
export const EARLY_STOPPING = { earlyStopping: 5, restoreBestWeights: true } as const;

export type WideVariant = 'plain' | 'dropout' | 'l2' | 'batchnorm';

/**
 * The overfitting network: Flatten → Dense 256 relu → Dense 256 relu → Dense 10, and its variants: with
 * dropout (DROPOUT_RATES), with an L2 kernel penalty on every dense layer, or with batch normalization
 * between each hidden Dense and its relu (the placement of Ioffe & Szegedy, 2015).
 */
export function wideDense(variant: WideVariant | boolean = 'plain'): ModelSpec {
  const v: WideVariant = variant === true ? 'dropout' : variant === false ? 'plain' : variant;
  const drop = (rate: number): LayerSpec[] => (v === 'dropout' ? [{ type: 'dropout', rate }] : []);
  const reg = v === 'l2' ? { kernelRegularizer: { l2: L2 } } : {};
  const hidden = (): LayerSpec[] => v === 'batchnorm'
    ? [{ type: 'dense', units: WIDE_UNITS }, { type: 'batchNormalization' }, { type: 'activation', activation: relu }]
    : [{ type: 'dense', units: WIDE_UNITS, activation: relu, ...reg }, ...drop(DROPOUT_RATES.hidden)];
  const name = { plain: 'wide-dense', dropout: 'wide-dense-dropout', l2: 'wide-dense-l2', batchnorm: 'wide-dense-bn' }[v];
  return { name, layers: [{ type: 'flatten' }, ...drop(DROPOUT_RATES.input), ...hidden(), ...hidden(), { type: 'dense', units: 10, ...reg }] };
}

/** n blocks of Conv 3×3 'same' relu + MaxPool 2, with 16, 32, 64 filters, then Flatten → Dense 10. */
export function convBlocks(n: number): ModelSpec {
  if (!Number.isInteger(n) || n < 1 || n > 3) throw new Error(`convBlocks: 1 to 3 blocks, got ${n}`);
  const layers: LayerSpec[] = [];
  for (const filters of [16, 32, 64].slice(0, n)) {
    layers.push({ type: 'conv2d', filters, kernelSize: 3, padding: 'same', activation: relu }, { type: 'maxPool2d', poolSize: 2 });
  }
  return { name: `conv-${n}-block${n > 1 ? 's' : ''}`, layers: [...layers, { type: 'flatten' }, { type: 'dense', units: 10 }] };
}

/** The activations network: three hidden Dense 128 layers, so saturating functions have depth to hurt. */
export function activationMlp(a: ActivationName): ModelSpec {
  const hidden: LayerSpec = { type: 'dense', units: 128, activation: a };
  return { name: `mlp-3x128-${a}`, layers: [{ type: 'flatten' }, hidden, { ...hidden }, { ...hidden }, { type: 'dense', units: 10 }] };
}

export const ACTIVATION_RUNS: ActivationName[] = ['relu', 'leaky_relu', 'tanh', 'sigmoid', 'gelu'];

export type OptimizerName = OptimizerConfig['name'];

/** An experiment's optimizer: the two settings the runs vary (the rest are the optimizers' defaults). */
export type RunOptimizer = Pick<OptimizerConfig, 'name' | 'learningRate'>;

/**
 * Each optimizer's learning-rate grid: three rates a factor ~3 apart around the usual value (SGD-type rates
 * are larger, adaptive ones smaller, Adagrad in between). Each optimizer is reported at its best rate, chosen
 * on a validation split held out of the training subset (never on the test images).
 */
export const OPTIMIZER_GRID: Record<OptimizerName, number[]> = {
  sgd: [0.03, 0.1, 0.3],
  momentum: [0.01, 0.03, 0.1],
  nesterov: [0.01, 0.03, 0.1],
  rmsprop: [0.0003, 0.001, 0.003],
  adagrad: [0.003, 0.01, 0.03],
  adam: [0.0003, 0.001, 0.003],
  adamw: [0.0003, 0.001, 0.003],
  adamax: [0.001, 0.003, 0.01],
  nadam: [0.0003, 0.001, 0.003],
};

/** --quick: one rate per optimizer (the grid's middle), to keep the smoke test short. */
export function optimizerRuns(quick: boolean): RunOptimizer[] {
  return (Object.keys(OPTIMIZER_GRID) as OptimizerName[]).flatMap((name) =>
    (quick ? [OPTIMIZER_GRID[name][1]] : OPTIMIZER_GRID[name]).map((learningRate) => ({ name, learningRate })));
}

export const OPTIMIZER_NAMES: Record<OptimizerName, string> = {
  sgd: 'SGD', momentum: 'SGD+momentum', nesterov: 'Nesterov', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad', adamax: 'Adamax', nadam: 'Nadam',
};

/** The losses compared, in Keras's names; categorical_hinge is Keras's multi-class hinge. */
export const LOSS_RUNS: { loss: LossName; label: string }[] = [
  { loss: 'categorical_crossentropy', label: 'cross-entropy' },
  { loss: 'mean_squared_error', label: 'MSE' },
  { loss: 'categorical_hinge', label: 'hinge' },
];
