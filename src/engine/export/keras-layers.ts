// Our layers ↔ Keras layers (class names and configs as Keras and TF.js Layers serialise them), one
// table row per layer type: the TF.js exporter writes a row's class and config, the TF.js importer reads
// them back, and a new layer type (batch normalization) is one more row, which TypeScript demands
// (LAYER_MAP is a Record over LAYER_TYPES). Weights need no table: our parameter names end in Keras's
// weight names (dense_1.kernel ↔ dense_1/kernel) and our shapes are Keras's (see params.ts).
//
// Activations: Keras's names, except two whose Keras form differs from ours:
//   leaky_relu  ours has slope 0.01 (PyTorch's), TF.js has no such activation string: a LeakyReLU layer
//               with alpha 0.01 follows the layer (and an imported LeakyReLU must have alpha 0.01);
//   gelu        ours is the tanh approximation, which TF.js calls 'gelu_new' ('gelu' there is the erf
//               form, which differs by up to ~2e-4). TF.js 4.22 cannot load 'gelu_new' from a model.json
//               (it camel-cases every string of a config, to 'geluNew', which it does not know), so a model
//               with GELU is refused by the TF.js export rather than written to compute something else;
//               an imported 'gelu_new' is accepted, an imported 'gelu' (erf) refused.
// The final softmax, which our loss fuses (the model outputs logits), is made explicit on export: the
// last layer's activation when it is linear, else an Activation("softmax") layer. On import the model's
// output softmax (before any trailing dropout or linear activation, identities at inference) becomes our
// loss's again; an output without one is read as logits, any other output activation is refused.
// kernel_regularizer round-trips as Keras's L1L2; other training-only options (bias and activity
// regularizers, constraints, frozen layers) are not ours to honour: the import lists them as notes.
import { DEFAULT_ALPHA, type ActivationName } from '../activations';
import { LAYER_TYPES, ModelSpecError, type LayerSpec, type ResolvedLayer, type ResolvedModel, type Shape } from '../model';

export interface KerasLayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

type LayerType = (typeof LAYER_TYPES)[number];

/** A Keras config being read: each option checked, and a problem named with its layer and option. */
export class KerasConfig {
  /** A batch normalization's axis as a positive index (Keras 2 writes the built axis): checked against its input's rank. */
  positiveAxis?: number;

  constructor(readonly where: string, readonly c: Record<string, unknown>) {}

  fail(problem: string): never {
    throw new ModelSpecError(`${this.where}: ${problem}`);
  }

  posInt(key: string, fallback?: number): number {
    const v = this.c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An int or a pair of ints (Keras accepts both); null or absent → `fallback`. */
  pair(key: string, fallback?: number): [number, number] {
    const v = this.c[key] ?? fallback;
    const p = Array.isArray(v) ? v : [v, v];
    if (p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) this.fail(`${key} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return p as [number, number];
  }

  /** An option whose only supported values are `allowed` (absent or null reads as `fallback`). */
  only(key: string, allowed: readonly unknown[], fallback: unknown): unknown {
    const v = this.c[key] ?? fallback;
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) {
      this.fail(`${key} ${JSON.stringify(v)} is not supported (this trainer supports ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`);
    }
    return v;
  }
}

interface LayerMapping {
  kerasClass: string;
  /** Whether the Keras layer takes an `activation` argument (ours: the layer's fused activation). */
  hasActivation: boolean;
  /** The Keras config for our layer, without name, input shape and activation. */
  toKeras(l: ResolvedLayer): Record<string, unknown>;
  /** Our spec from a Keras config, every option that changes the computation checked; activation read apart. */
  fromKeras(c: KerasConfig): LayerSpec;
}

const channelsLast = (c: KerasConfig) => c.only('data_format', ['channels_last'], 'channels_last');

const REGULARIZER_CLASSES = ['L1L2', 'L1', 'L2'];

/** Keras's kernel_regularizer as ours (L1L2, L1 or L2, as TF.js and Keras 2 and 3 write them); none where null or absent. */
function readRegularizer(c: KerasConfig): { kernelRegularizer?: { l1: number; l2: number } } {
  const r = c.c.kernel_regularizer as { class_name?: unknown; config?: Record<string, unknown> } | null | undefined;
  if (r === undefined || r === null) return {};
  if (typeof r !== 'object' || !REGULARIZER_CLASSES.includes(r.class_name as string) || !r.config || typeof r.config !== 'object') {
    c.fail(`kernel_regularizer ${JSON.stringify(r).slice(0, 80)} is not supported (${REGULARIZER_CLASSES.join(', ')} are)`);
  }
  // Absent factors are 0; the values are checked as our kernelRegularizer's (model.ts).
  const factor = (k: 'l1' | 'l2') => (r.class_name === 'L1L2' || r.class_name === k.toUpperCase() ? r.config![k] ?? 0 : 0) as number;
  return { kernelRegularizer: { l1: factor('l1'), l2: factor('l2') } };
}

/** Ours as Keras's L1L2 (which TF.js loads), where the layer has one. */
const writeRegularizer = (l: ResolvedLayer) => (l.kernelRegularizer ? { kernel_regularizer: { class_name: 'L1L2', config: { ...l.kernelRegularizer } } } : {});

function pool(type: 'maxPool2d' | 'avgPool2d', kerasClass: string): LayerMapping {
  return {
    kerasClass,
    hasActivation: false,
    toKeras: (l) => {
      const { poolSize, strides } = l as Extract<ResolvedLayer, { type: typeof type }>;
      return { pool_size: [poolSize, poolSize], strides: [strides, strides], padding: 'valid', data_format: 'channels_last' };
    },
    fromKeras: (c) => {
      const [ph, pw] = c.pair('pool_size', 2);
      const [sh, sw] = c.pair('strides', ph);
      if (ph !== pw) c.fail(`pool_size [${ph}, ${pw}] is not supported (square pools only)`);
      if (sh !== sw) c.fail(`strides [${sh}, ${sw}] is not supported (equal strides only)`);
      c.only('padding', ['valid'], 'valid');
      channelsLast(c);
      return { type, poolSize: ph, strides: sh };
    },
  };
}

/** One row per layer type of ours. */
export const LAYER_MAP: Record<LayerType, LayerMapping> = {
  dense: {
    kerasClass: 'Dense',
    hasActivation: true,
    toKeras: (l) => ({ units: (l as Extract<ResolvedLayer, { type: 'dense' }>).units, use_bias: true, ...writeRegularizer(l) }),
    fromKeras: (c) => {
      c.only('use_bias', [true], true);
      return { type: 'dense', units: c.posInt('units'), ...readRegularizer(c) };
    },
  },
  conv2d: {
    kerasClass: 'Conv2D',
    hasActivation: true,
    toKeras: (l) => {
      const { filters, kernelSize, padding } = l as Extract<ResolvedLayer, { type: 'conv2d' }>;
      return { filters, kernel_size: [...kernelSize], strides: [1, 1], padding, data_format: 'channels_last', dilation_rate: [1, 1], use_bias: true, ...writeRegularizer(l) };
    },
    fromKeras: (c) => {
      c.only('use_bias', [true], true);
      c.only('strides', [[1, 1], 1], [1, 1]);
      c.only('dilation_rate', [[1, 1], 1], [1, 1]);
      c.only('groups', [1], 1);
      channelsLast(c);
      const padding = c.only('padding', ['valid', 'same'], 'valid') as 'valid' | 'same';
      const [kh, kw] = c.pair('kernel_size');
      return { type: 'conv2d', filters: c.posInt('filters'), kernelSize: kh === kw ? kh : [kh, kw], padding, ...readRegularizer(c) };
    },
  },
  maxPool2d: pool('maxPool2d', 'MaxPooling2D'),
  avgPool2d: pool('avgPool2d', 'AveragePooling2D'),
  flatten: {
    kerasClass: 'Flatten',
    hasActivation: false,
    toKeras: () => ({ data_format: 'channels_last' }),
    fromKeras: (c) => {
      channelsLast(c);
      return { type: 'flatten' };
    },
  },
  dropout: {
    kerasClass: 'Dropout',
    hasActivation: false,
    toKeras: (l) => ({ rate: (l as Extract<ResolvedLayer, { type: 'dropout' }>).rate }),
    fromKeras: (c) => {
      c.only('noise_shape', [null], null);
      const rate = c.c.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) c.fail(`rate must be in [0, 1), got ${JSON.stringify(rate)}`);
      return { type: 'dropout', rate: rate as number };
    },
  },
  activation: {
    kerasClass: 'Activation',
    hasActivation: true,
    toKeras: () => ({}),
    fromKeras: () => ({ type: 'activation', activation: 'linear' }),
  },
  // Over the last axis (channels_last), with gamma and beta: Keras's defaults; weights gamma, beta,
  // moving_mean, moving_variance in that order (ours, model.ts), inference uses the moving ones.
  batchNormalization: {
    kerasClass: 'BatchNormalization',
    hasActivation: false,
    toKeras: (l) => {
      const { momentum, epsilon } = l as Extract<ResolvedLayer, { type: 'batchNormalization' }>;
      return { axis: -1, momentum, epsilon, center: true, scale: true };
    },
    fromKeras: (c) => {
      // -1, or the last axis as Keras 2 writes it: 3 for an image (NHWC), 1 after a dense layer (checked in import-tfjs.ts).
      const axis = c.only('axis', [-1, [-1], 1, [1], 3, [3]], -1);
      const a = Array.isArray(axis) ? axis[0] as number : axis as number;
      if (a > 0) c.positiveAxis = a;
      c.only('center', [true], true);
      c.only('scale', [true], true);
      const momentum = c.c.momentum ?? 0.99;
      const epsilon = c.c.epsilon ?? 0.001;
      if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) c.fail(`momentum must be in [0, 1), got ${JSON.stringify(momentum)}`);
      if (typeof epsilon !== 'number' || !(epsilon > 0)) c.fail(`epsilon must be a number > 0, got ${JSON.stringify(epsilon)}`);
      return { type: 'batchNormalization', momentum: momentum as number, epsilon: epsilon as number };
    },
  },
};

/** Keras's name for each of our activations ('leaky_relu' is a LeakyReLU layer instead: see the top). */
const KERAS_ACTIVATION: Record<ActivationName, string> = {
  linear: 'linear', relu: 'relu', leaky_relu: 'linear', elu: 'elu', sigmoid: 'sigmoid', tanh: 'tanh', gelu: 'gelu_new', softmax: 'softmax',
};
const LEAKY_ALPHA = DEFAULT_ALPHA.leaky_relu!;

/** The TF.js Layers (Keras) layer list for a resolved model, the final softmax made explicit. */
/** `dropout`: the rate every dropout layer trained with where the run set one (a Trainer's `dropout`), else their own. */
export function toKerasLayers(model: ResolvedModel, dropout?: number): KerasLayerJson[] {
  const gelu = model.layers.find((l) => l.activation === 'gelu');
  if (gelu) {
    throw new ModelSpecError(`TF.js export: layer ${gelu.index + 1} (${gelu.name}): activation "gelu" cannot be exported to TF.js Layers: ` +
      'TF.js 4.22 cannot load the tanh approximation this trainer computes ("gelu_new"), and its "gelu" (erf) computes something else; export to ONNX instead');
  }
  const last = model.layers[model.layers.length - 1];
  const ownSoftmax = LAYER_MAP[last.type].hasActivation && last.activation === 'linear';
  const out: KerasLayerJson[] = [];
  for (const l of model.layers) {
    const act: ActivationName = ownSoftmax && l === last ? 'softmax' : l.activation;
    const m = LAYER_MAP[l.type];
    const config: Record<string, unknown> = { name: l.name, trainable: true, dtype: 'float32' };
    if (out.length === 0) config.batch_input_shape = [null, ...model.inputShape];
    if (l.type === 'activation' && act === 'leaky_relu') {
      out.push({ class_name: 'LeakyReLU', config: { ...config, alpha: LEAKY_ALPHA } });
      continue;
    }
    Object.assign(config, m.toKeras(l.type === 'dropout' && dropout !== undefined ? { ...l, rate: dropout } : l));
    if (m.hasActivation) config.activation = KERAS_ACTIVATION[act];
    out.push({ class_name: m.kerasClass, config });
    if (act === 'leaky_relu') out.push({ class_name: 'LeakyReLU', config: { name: `${l.name}_leaky_relu`, trainable: true, dtype: 'float32', alpha: LEAKY_ALPHA } });
  }
  if (!ownSoftmax) out.push({ class_name: 'Activation', config: { name: `${last.name}_softmax`, trainable: true, dtype: 'float32', activation: 'softmax' } });
  return out;
}

const FROM_KERAS_ACTIVATION: Record<string, ActivationName> = {
  linear: 'linear', relu: 'relu', elu: 'elu', sigmoid: 'sigmoid', tanh: 'tanh', gelu_new: 'gelu', softmax: 'softmax',
};

function readActivation(c: KerasConfig): ActivationName {
  let a = c.c.activation ?? 'linear';
  // Keras 3 may write a built-in activation as {class_name: 'function', config: 'relu', ...}.
  if (a && typeof a === 'object' && typeof (a as { config?: unknown }).config === 'string') a = (a as { config: string }).config;
  if (a === 'gelu') c.fail('activation "gelu" (the exact erf form) is not supported: this trainer computes the tanh approximation, "gelu_new" in TF.js');
  if (typeof a !== 'string' || !(a in FROM_KERAS_ACTIVATION)) {
    c.fail(`activation ${JSON.stringify(a)} is not supported (use one of ${Object.keys(FROM_KERAS_ACTIVATION).join(', ')}, or a LeakyReLU layer with alpha ${LEAKY_ALPHA})`);
  }
  return FROM_KERAS_ACTIVATION[a];
}

const BY_CLASS = new Map(LAYER_TYPES.map((t) => [LAYER_MAP[t].kerasClass, t]));

/** The input shape a Keras layer declares (batch_input_shape in Keras 2 / TF.js, batch_shape in Keras 3), if any. */
function declaredInput(c: Record<string, unknown>): unknown {
  return c.batch_input_shape ?? c.batch_shape ?? (c.input_shape ? [null, ...(c.input_shape as unknown[])] : undefined);
}

/** Keras's options that only training reads and this trainer does not honour: named in the import's notes. */
const TRAINING_ONLY = ['bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'];

/** What fromKerasLayers returns: per layer of ours, its Keras name (its weights are `${name}/kernel`, ...), where messages name it and a positive batch-normalization axis. */
export interface KerasImport {
  specs: LayerSpec[];
  kerasNames: string[];
  /** "model.json: layer 3 (Dense \"dense_1\")": the file's layer, for messages about ours. */
  wheres: string[];
  positiveAxes: (number | undefined)[];
  /** Training-only options of the file this trainer leaves out (predictions are not affected). */
  notes: string[];
}

/**
 * Our layer specs for a Keras Sequential layer list. Throws a ModelSpecError naming the first layer or option we do
 * not support.
 */
export function fromKerasLayers(layers: unknown[], inputShape: Shape, source: string): KerasImport {
  const r: KerasImport = { specs: [], kerasNames: [], wheres: [], positiveAxes: [], notes: [] };
  const push = (spec: LayerSpec, name: string, c: KerasConfig) => {
    r.specs.push(spec);
    r.kerasNames.push(name);
    r.wheres.push(c.where);
    r.positiveAxes.push(c.positiveAxis);
  };
  layers.forEach((raw, i) => {
    const entry = (raw && typeof raw === 'object' ? raw : {}) as { class_name?: unknown; config?: unknown };
    const cls = String(entry.class_name);
    const config = (entry.config && typeof entry.config === 'object' ? entry.config : {}) as Record<string, unknown>;
    const name = typeof config.name === 'string' ? config.name : `layer_${i + 1}`;
    // Quoted as JSON: a name's control characters are escaped, not written to the terminal.
    const c = new KerasConfig(`${source}: layer ${i + 1} (${JSON.stringify(cls).slice(1, -1)} ${JSON.stringify(name)})`, config);
    const declared = declaredInput(config);
    if (declared !== undefined && JSON.stringify(declared) !== JSON.stringify([null, ...inputShape])) {
      c.fail(`input shape ${JSON.stringify(declared)} is not supported (this trainer's images are ${JSON.stringify([null, ...inputShape])})`);
    }
    if (cls === 'InputLayer') return;
    const unused = TRAINING_ONLY.filter((k) => config[k] !== undefined && config[k] !== null);
    if (unused.length) r.notes.push(`${c.where}: ${unused.join(', ')} not used in training here`);
    if (config.trainable === false) r.notes.push(`${c.where}: frozen in the file (trainable: false); this trainer trains every layer`);
    if (cls === 'LeakyReLU') {
      const alpha = config.alpha ?? config.negative_slope ?? 0.3;
      if (typeof alpha !== 'number' || Math.abs(alpha - LEAKY_ALPHA) > 1e-6) c.fail(`alpha ${JSON.stringify(alpha)} is not supported (this trainer's leaky_relu has slope ${LEAKY_ALPHA})`);
      // Our own export's split of dense/conv2d(leaky_relu) (toKerasLayers) folds back into one layer.
      const prev = r.specs[r.specs.length - 1];
      if ((prev?.type === 'dense' || prev?.type === 'conv2d') && !prev.activation && name === `${r.kerasNames[r.kerasNames.length - 1]}_leaky_relu`) {
        prev.activation = 'leaky_relu';
        return;
      }
      push({ type: 'activation', activation: 'leaky_relu' }, name, c);
      return;
    }
    const type = BY_CLASS.get(cls);
    if (type === undefined) return c.fail(`layer class ${JSON.stringify(cls)} is not supported (supported: ${[...BY_CLASS.keys(), 'LeakyReLU', 'InputLayer'].join(', ')})`);
    const m = LAYER_MAP[type];
    const spec = m.fromKeras(c);
    if (m.hasActivation) {
      const act = readActivation(c);
      if (act !== 'linear' || spec.type === 'activation') (spec as { activation?: ActivationName }).activation = act;
    }
    push(spec, name, c);
  });
  outputAsLogits(r);
  return r;
}

const activationOf = (s: LayerSpec | undefined): ActivationName => ((s as { activation?: ActivationName } | undefined)?.activation ?? 'linear');

/**
 * TF.js's model outputs its last layer's values, ours the softmax of its logits (the loss's). The file's output
 * softmax, before any trailing dropout or linear activation (identities at inference), becomes the loss's:
 * an Activation("softmax") layer is dropped, a layer's own softmax made linear. Where a softmax layer follows
 * another softmax as the last layer, it stays (our last softmax is the loss's: the two are computed). An output
 * without softmax is read as logits; any other output activation (sigmoid, relu, ...) would give other numbers.
 */
function outputAsLogits(r: KerasImport): void {
  const { specs } = r;
  const last = specs.length - 1;
  let o = last;
  while (o > 0 && (specs[o].type === 'dropout' || (specs[o].type === 'activation' && activationOf(specs[o]) === 'linear'))) o--;
  const out = specs[o];
  const act = activationOf(out);
  if (act === 'linear') return;
  if (act !== 'softmax') {
    throw new ModelSpecError(`${r.wheres[o]}: the model's output activation ${JSON.stringify(act)} is not supported: this trainer's models give class probabilities by softmax (end with softmax, or with no activation for logits)`);
  }
  if (out.type !== 'activation') {
    if (o !== last) delete (out as { activation?: ActivationName }).activation;
  } else if (!(o === last && activationOf(specs[o - 1]) === 'softmax') && specs.length > 1) {
    for (const list of [specs, r.kerasNames, r.wheres, r.positiveAxes] as unknown[][]) list.splice(o, 1);
  }
}
