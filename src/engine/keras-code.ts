// The equivalent Keras 3 program for a model and its settings: Sequential([...]), compile(optimizer,
// loss, metrics), fit(..., validation_data) — so a student sees the network trained here in the terms
// of the lab's Keras code. Generated from the resolved model and the settings (settings.ts), never from
// user text pasted as code: names come from fixed tables and numbers are printed by pyNumber().
//
// Where the two differ by design, the program says so in a comment: labels are one-hot (Keras needs them
// for label smoothing, MSE and the hinge; 'accuracy' then means categorical accuracy, which is ours),
// and the final softmax, which this trainer fuses into the loss, is the last Dense's activation.
import { MODEL_INPUT, type Settings } from './settings';
import { modelName, resolveModel, type ModelSpec, type ResolvedLayer } from './model';
import { parseModel } from './model-setting';
import type { OptimizerName } from './ops/optimizer';
import { DEFAULT_ALPHA, type ActivationName } from './activations';

/** A number as Python source: integers as integers, others in the shortest form that reads back the same. */
export function pyNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`keras code: ${n} is not a finite number`);
  return String(n);
}

const KERAS_DATASETS: Record<string, string> = { mnist: 'mnist', 'fashion-mnist': 'fashion_mnist' };

/** Keras class and arguments for each optimizer (Keras 3 defaults are left out: they are the same as ours). */
function optimizerCode(name: OptimizerName, lr: string, weightDecay: number | null): string {
  const wd = weightDecay !== null ? `, weight_decay=${pyNumber(weightDecay)}` : '';
  const calls: Record<OptimizerName, string> = {
    sgd: `SGD(learning_rate=${lr}${wd})`,
    momentum: `SGD(learning_rate=${lr}, momentum=0.9${wd})`,
    nesterov: `SGD(learning_rate=${lr}, momentum=0.9, nesterov=True${wd})`,
    adam: `Adam(learning_rate=${lr}${wd})`,
    adamw: `AdamW(learning_rate=${lr}${wd})`,
    rmsprop: `RMSprop(learning_rate=${lr}${wd})`,
    adagrad: `Adagrad(learning_rate=${lr}${wd})`,
    adamax: `Adamax(learning_rate=${lr}${wd})`,
    nadam: `Nadam(learning_rate=${lr}${wd})`,
  };
  return `keras.optimizers.${calls[name]}`;
}

/**
 * The model's layers as Keras constructor calls, ending in the softmax this trainer fuses into the loss:
 * the last layer's activation when it has a linear one, else a separate Activation layer after it.
 */
function layersCode(layers: readonly ResolvedLayer[], dropout: number | null): string[] {
  const last = layers[layers.length - 1];
  const ownSoftmax = (last.type === 'dense' || last.type === 'conv2d' || last.type === 'activation') && last.activation === 'linear';
  const calls = layers.flatMap((l) => layerCalls(l, dropout, ownSoftmax && l === last ? 'softmax' : l.activation));
  if (!ownSoftmax) calls.push('layers.Activation("softmax")');
  return calls;
}

/**
 * Activations whose Keras string differs from ours, as a layer of their own: our leaky ReLU's slope is 0.01
 * (Keras's default 0.2), our GELU is the tanh approximation (Keras's "gelu" is the exact erf form).
 */
const OWN_ACTIVATION_LAYERS: Partial<Record<ActivationName, string>> = {
  leaky_relu: `layers.LeakyReLU(negative_slope=${pyNumber(DEFAULT_ALPHA.leaky_relu!)})`,
  gelu: 'layers.Activation(lambda x: keras.activations.gelu(x, approximate=True))',
};

/** One layer as Keras constructor calls (two when its activation needs a layer of its own), with activation `act`. */
function layerCalls(l: ResolvedLayer, dropout: number | null, act: ActivationName): string[] {
  const separate = OWN_ACTIVATION_LAYERS[act];
  if (!separate) return [layerCode(l, dropout, act)];
  return l.type === 'activation' ? [separate] : [layerCode(l, dropout, 'linear'), separate];
}

/** A dense or conv layer's kernel_regularizer argument ('' without one): Keras's L1L2 has the same penalty. */
function regularizer(l: ResolvedLayer): string {
  const r = l.kernelRegularizer;
  if (!r || (r.l1 === 0 && r.l2 === 0)) return '';
  return `, kernel_regularizer=keras.regularizers.L1L2(l1=${pyNumber(r.l1)}, l2=${pyNumber(r.l2)})`;
}

/** One layer as a Keras constructor call, with activation `act`. */
function layerCode(l: ResolvedLayer, dropout: number | null, act: ActivationName): string {
  const activation = act === 'linear' ? '' : `, activation="${act}"`;
  switch (l.type) {
    case 'dense':
      return `layers.Dense(${l.units}${activation}${regularizer(l)})`;
    case 'conv2d': {
      const [kh, kw] = l.kernelSize;
      const kernel = kh === kw ? String(kh) : `(${kh}, ${kw})`;
      const padding = l.padding === 'same' ? ', padding="same"' : '';
      return `layers.Conv2D(${l.filters}, ${kernel}${padding}${activation}${regularizer(l)})`;
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const cls = l.type === 'maxPool2d' ? 'MaxPooling2D' : 'AveragePooling2D';
      const strides = l.strides === l.poolSize ? '' : `, strides=${l.strides}`;
      return `layers.${cls}(${l.poolSize}${strides})`;
    }
    case 'flatten':
      return 'layers.Flatten()';
    case 'dropout':
      return `layers.Dropout(${pyNumber(dropout ?? l.rate)})`;
    case 'activation':
      return `layers.Activation("${act}")`;
    case 'batchNormalization': {
      const momentum = l.momentum === 0.99 ? '' : `momentum=${pyNumber(l.momentum)}`;
      const epsilon = l.epsilon === 0.001 ? '' : `epsilon=${pyNumber(l.epsilon)}`;
      return `layers.BatchNormalization(${[momentum, epsilon].filter(Boolean).join(', ')})`;
    }
  }
}

/** The loss as compile() takes it: a name, or the class when it has an argument (label smoothing). */
function lossCode(s: Settings): string {
  if (s.loss === 'categorical_crossentropy' && s.labelSmoothing > 0) return `keras.losses.CategoricalCrossentropy(label_smoothing=${pyNumber(s.labelSmoothing)})`;
  return `"${s.loss}"`;
}

/** Accuracy (always reported here) and top-k accuracy under the History key this trainer uses. */
function metricsCode(s: Settings): string {
  const topK = s.metrics.split(',').includes('top_k_accuracy') ? `, keras.metrics.TopKCategoricalAccuracy(k=${s.topK}, name="top_k_accuracy")` : '';
  return `["accuracy"${topK}]`;
}

/** EarlyStopping and ReduceLROnPlateau with the shared monitor and min_delta, when they are on. */
function callbackCode(s: Settings): string[] {
  const common = `monitor="${s.monitor}", min_delta=${pyNumber(s.minDelta)}`;
  const out: string[] = [];
  if (s.earlyStopping !== null) {
    out.push(`keras.callbacks.EarlyStopping(${common}, patience=${s.earlyStopping}${s.restoreBestWeights ? ', restore_best_weights=True' : ''})`);
  }
  if (s.reduceLrPatience !== null) {
    const plateau = `keras.callbacks.ReduceLROnPlateau(${common}, patience=${s.reduceLrPatience}, factor=${pyNumber(s.reduceLrFactor)}, min_lr=${pyNumber(s.minLearningRate)})`;
    // Keras cannot lower a schedule's rate (ReduceLROnPlateau raises TypeError at the first plateau); here the plateau
    // lowers the base rate the cosine schedule scales. The program says so and leaves the callback out, so that it runs.
    if (s.lrSchedule === 'cosine') out.push(...PLATEAU_ON_SCHEDULE, `# ${plateau}`);
    else out.push(plateau);
  }
  return out;
}

/** The comment in place of ReduceLROnPlateau beside a cosine schedule. */
const PLATEAU_ON_SCHEDULE = [
  '# Not in Keras: ReduceLROnPlateau cannot lower a LearningRateSchedule\'s rate (TypeError at the first plateau).',
  '# mnist-trainer lowers the base rate its cosine schedule scales; this program keeps the schedule alone:',
];

/**
 * The augmentation as Keras preprocessing layers (inactive outside fit(), like ours): translation as a
 * fraction of the image, rotation as a fraction of a full turn, zoom (−z, z); 'constant' fill, bilinear.
 */
function augmentationLayers(s: Settings, height: number, width: number): string[] {
  const out: string[] = [];
  const fraction = (n: number) => pyNumber(Number((n).toPrecision(6)));
  if (s.augmentShift > 0) out.push(`layers.RandomTranslation(${fraction(s.augmentShift / height)}, ${fraction(s.augmentShift / width)}, fill_mode="constant")`);
  if (s.augmentRotation > 0) out.push(`layers.RandomRotation(${fraction(s.augmentRotation / 360)}, fill_mode="constant")`);
  if (s.augmentZoom > 0) out.push(`layers.RandomZoom((${pyNumber(-s.augmentZoom)}, ${pyNumber(s.augmentZoom)}), fill_mode="constant")`);
  return out;
}

/**
 * The Keras program for `model` (default: the `model` setting's) trained with settings `s`. Throws a
 * ModelSpecError for an invalid model, as training would.
 */
export function kerasCode(s: Settings, model: ModelSpec = parseModel(s.model)): string {
  const resolved = resolveModel(model, MODEL_INPUT.shape, MODEL_INPUT.classes);
  const classes = resolved.classes;
  const out: string[] = [];
  const line = (t = '') => out.push(t);

  line('# The same network and training in Keras 3 (generated by mnist-trainer).');
  if (s.lrSchedule === 'cosine') line('import math');
  line('import keras');
  line('from keras import layers');
  line();
  line(`keras.utils.set_random_seed(${s.seed})  # fixes Keras's own initial weights and shuffling, not ours`);
  line();
  const set = KERAS_DATASETS[s.dataSource];
  if (set) {
    line(`(x_train, y_train), (x_test, y_test) = keras.datasets.${set}.load_data()`);
  } else {
    line(`# Data: the four IDX files at ${JSON.stringify(s.dataSource)}; load them into the arrays below, e.g. with the idx2numpy package.`);
    line('(x_train, y_train), (x_test, y_test) = load_idx_dataset()  # write this for your files');
  }
  if (s.trainLimit !== null) line(`x_train, y_train = x_train[:${s.trainLimit}], y_train[:${s.trainLimit}]`);
  if (s.testLimit !== null) line(`x_test, y_test = x_test[:${s.testLimit}], y_test[:${s.testLimit}]`);
  line('# Pixels 0–255 → [0, 1], with a channel axis: (N, 28, 28) → (N, 28, 28, 1).');
  line('x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255');
  line('x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255');
  line(`# One-hot labels: 5 → [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]; 'accuracy' is then categorical accuracy.`);
  line(`y_train = keras.utils.to_categorical(y_train, ${classes})`);
  line(`y_test = keras.utils.to_categorical(y_test, ${classes})`);
  line();

  line('model = keras.Sequential([');
  line(`    keras.Input(shape=(${resolved.inputShape.join(', ')})),`);
  const [height, width] = resolved.inputShape;
  const augment = augmentationLayers(s, height, width);
  if (augment.length) line('    # Augmentation: active in fit() only, as here (pixels from outside the image are 0).');
  for (const call of [...augment, ...layersCode(resolved.layers, s.dropout)]) line(`    ${call},`);
  // Keras refuses a '/' in a name (it separates name scopes).
  line(`], name=${JSON.stringify(modelName(model).replaceAll('/', '_'))})`);
  line('model.summary()');
  line();

  const lr = pyNumber(s.learningRate);
  if (s.lrSchedule === 'cosine') {
    line('# Cosine decay over the whole run, from the full rate on the first step to ~0 on the last.');
    const trained = s.validationSplit === null ? 'len(x_train)' : `math.ceil(len(x_train) * (1 - ${pyNumber(s.validationSplit)}))`;
    line(`steps_per_epoch = math.ceil(${trained} / ${s.batchSize})`);
    line(`learning_rate = keras.optimizers.schedules.CosineDecay(${lr}, decay_steps=${s.epochs} * steps_per_epoch)`);
  }
  const rate = s.lrSchedule === 'cosine' ? 'learning_rate' : lr;
  line('model.compile(');
  line(`    optimizer=${optimizerCode(s.optimizer, rate, s.weightDecay)},`);
  line(`    loss=${lossCode(s)},`);
  line(`    metrics=${metricsCode(s)},`);
  line(')');
  line();
  const callbacks = callbackCode(s);
  const validation = s.validationSplit !== null ? `validation_split=${pyNumber(s.validationSplit)}` : 'validation_data=(x_test, y_test)';
  line('history = model.fit(');
  line(`    x_train, y_train, batch_size=${s.batchSize}, epochs=${s.epochs},`);
  line(`    ${validation},`);
  if (callbacks.length) {
    line('    callbacks=[');
    for (const c of callbacks) line(`        ${c}${c.startsWith('#') ? '' : ','}`);
    line('    ],');
  }
  line(')');
  line('test_loss, test_accuracy = model.evaluate(x_test, y_test)');
  return `${out.join('\n')}\n`;
}
