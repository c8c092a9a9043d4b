// Models as JSON-serialisable layer lists (Keras-like), shape inference, validation and summary().
// Nothing here touches the GPU: graph.ts turns a validated model into dispatches.

import { ACTIVATIONS, type ActivationName } from './activations';
import { LAYER_TYPES, fieldRule, fitsField, layerField, layerKeys, type LayerType } from './layer-fields';
import { float32Breaks } from './settings-rules';
import { placeText, problemText, type ModelProblem, type ProblemPlace } from './model-problems';

export { LAYER_FIELDS, LAYER_TYPES, type LayerField, type LayerType } from './layer-fields';

export type Activation = ActivationName;
export const ACTIVATION_NAMES = ACTIVATIONS;

/** Keras's kernel_regularizer (L1L2): penalty l1·Σ|w| + l2·Σw² over the layer's kernel; either or both. */
export interface KernelRegularizerSpec {
  l1?: number;
  l2?: number;
}

export type LayerSpec =
  | { type: 'dense'; units: number; activation?: Activation; kernelRegularizer?: KernelRegularizerSpec }
  | { type: 'conv2d'; filters: number; kernelSize: number | [number, number]; padding?: 'valid' | 'same'; activation?: Activation; kernelRegularizer?: KernelRegularizerSpec }
  | { type: 'maxPool2d'; poolSize?: number; strides?: number }
  | { type: 'avgPool2d'; poolSize?: number; strides?: number }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation'; activation: Activation }
  | { type: 'batchNormalization'; momentum?: number; epsilon?: number };

export interface ModelSpec {
  name?: string;
  layers: LayerSpec[];
}

/** [height, width, channels] for images, [features] after flatten/dense. */
export type Shape = readonly number[];

export interface ParamInfo {
  name: string; // 'dense_1.kernel'
  shape: number[];
  size: number;
  init: 'he_uniform' | 'glorot_uniform' | 'zeros' | 'ones';
  fanIn: number;
  fanOut: number;
  /**
   * Updated by the optimizer (weights, biases, gamma, beta), or not: batch normalization's moving
   * statistics, which its training forward updates. The flat layout puts the trainable ones first.
   */
  trainable: boolean;
}

/**
 * A layer's settings with every default resolved (here, once): graph.ts, the benchmark and the CPU
 * reference read these, never the spec's optional fields.
 */
export type ResolvedSettings =
  | { type: 'dense'; units: number }
  | { type: 'conv2d'; filters: number; kernelSize: readonly [h: number, w: number]; padding: 'valid' | 'same' }
  | { type: 'maxPool2d' | 'avgPool2d'; poolSize: number; strides: number }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation' }
  | { type: 'batchNormalization'; momentum: number; epsilon: number };

export type ResolvedLayer = ResolvedSettings & {
  index: number;
  name: string; // 'conv2d_1', Keras-style
  /** As given. */
  spec: LayerSpec;
  inShape: Shape;
  outShape: Shape;
  params: ParamInfo[];
  /**
   * The function applied after the layer's own operation: 'linear' when there is none (always for pooling,
   * flatten and dropout), and for a final softmax, which the loss fuses (the model's outputs are logits).
   */
  activation: Activation;
  /** The kernel's L1/L2 factors (absent ones 0), or null: none (always for layers without a kernel). */
  kernelRegularizer: { l1: number; l2: number } | null;
};

/** Whether a layer's kernel carries a non-zero L1 or L2 penalty (ops/regularize.ts acts on it; factors are ≥ 0). */
export const hasKernelPenalty = (l: ResolvedLayer): boolean => !!l.kernelRegularizer && (l.kernelRegularizer.l1 > 0 || l.kernelRegularizer.l2 > 0);

export interface ResolvedModel {
  spec: ModelSpec;
  inputShape: Shape;
  classes: number;
  layers: ResolvedLayer[];
  /** Every parameter, trainable or not (Keras's "Total params"). */
  paramCount: number;
  /** Those the optimizer updates. */
  trainableCount: number;
}

export class ModelSpecError extends Error {
  readonly code = 'model';
  override name = 'ModelSpecError';
  /**
   * `layer`: the 0-based index of the layer at fault; undefined when the model as a whole is (no layers, too big).
   * `problem` and `place`: what is wrong and where, as data (model-problems.ts), for the common problems.
   */
  constructor(message: string, readonly layer?: number, readonly problem?: ModelProblem, readonly place?: ProblemPlace) {
    super(message);
  }

  /** A common problem, in English after its place: "layer 2 (dense_1): needs a flat input …". */
  static of(place: ProblemPlace, problem: ModelProblem): ModelSpecError {
    return new ModelSpecError(`${placeText(place)}: ${problemText(problem)}`, place === 'model' ? undefined : place.index, problem, place);
  }
}

/** Keras's BatchNormalization defaults (declared with the fields, layer-fields.ts). */
export const BATCH_NORM_DEFAULTS = {
  momentum: layerField('batchNormalization', 'momentum').default as number,
  epsilon: layerField('batchNormalization', 'epsilon').default as number,
};

/** What the model builder inserts for each type: a layer that is valid wherever its input fits. */
export const NEW_LAYERS: Record<LayerType, LayerSpec> = {
  dense: { type: 'dense', units: 64, activation: 'relu' },
  conv2d: { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
  maxPool2d: { type: 'maxPool2d', poolSize: 2 },
  avgPool2d: { type: 'avgPool2d', poolSize: 2 },
  flatten: { type: 'flatten' },
  dropout: { type: 'dropout', rate: 0.25 },
  activation: { type: 'activation', activation: 'relu' },
  batchNormalization: { type: 'batchNormalization' },
};

/** What files, charts and events call a model: its spec's name (a preset's), else 'custom'. */
export const modelName = (spec: ModelSpec): string => spec.name ?? 'custom';

/** Models bigger than this are refused before touching the GPU (a browser tab would fail later anyway). */
export const MAX_PARAMS = 50_000_000;

function fail(layer: string, problem: string): never {
  throw new ModelSpecError(`${layer}: ${problem}`);
}

function checkActivation(where: string, a: unknown): Activation {
  if (a === undefined) return 'linear';
  if (typeof a !== 'string' || !(ACTIVATION_NAMES as readonly string[]).includes(a)) {
    fail(where, `unknown activation ${JSON.stringify(a)} (use one of ${ACTIVATION_NAMES.join(', ')})`);
  }
  return a as Activation;
}

const REGULARIZER_KEYS = ['l1', 'l2'] as const;

/** A layer's kernelRegularizer resolved: l1 and l2 (absent = 0), non-negative finite numbers, no other keys. */
function checkRegularizer(where: string, r: unknown): { l1: number; l2: number } | null {
  if (r === undefined) return null;
  const keys = REGULARIZER_KEYS.join('" and/or "');
  if (!r || typeof r !== 'object' || Array.isArray(r)) fail(where, `kernelRegularizer must be an object with "${keys}", got ${JSON.stringify(r)}`);
  const o = r as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(REGULARIZER_KEYS as readonly string[]).includes(k));
  if (unknown.length) fail(where, `kernelRegularizer: unknown key ${JSON.stringify(unknown[0])} (use "${keys}")`);
  if (Object.keys(o).length === 0) fail(where, `kernelRegularizer needs "${keys}"`);
  const factor = (k: 'l1' | 'l2') => {
    const v = o[k];
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(where, `kernelRegularizer.${k} must be a finite number ≥ 0, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    // 1e39 would be Infinity there (every loss infinite), 1e-50 would be 0 (no regularization, silently).
    const f = float32Breaks(v, (x) => x > 0 || v === 0);
    if (f !== null) fail(where, `kernelRegularizer.${k} ${v} becomes ${f} as a 32-bit float, as the GPU uses it: ${f === 0 ? 'use 0 for none' : 'use a smaller factor'}`);
    return v;
  };
  return { l1: factor('l1'), l2: factor('l2') };
}

/**
 * Validates a spec and infers every layer's shapes and parameters. The last layer must yield
 * `classes` values: its softmax is fused into the loss (softmax + cross-entropy), so a final
 * `activation: 'softmax'` is accepted and means the same thing as none.
 */
export function resolveModel(spec: ModelSpec, inputShape: Shape = [28, 28, 1], classes = 10): ResolvedModel {
  return resolveInto([], spec, inputShape, classes);
}

/** What the model builder shows: the layers resolved up to the first invalid one, and that one's error (its `layer` indexes the row). */
export interface ModelInspection {
  layers: ResolvedLayer[];
  model: ResolvedModel | null;
  error: ModelSpecError | null;
}

export function inspectModel(spec: ModelSpec, inputShape: Shape = [28, 28, 1], classes = 10): ModelInspection {
  const layers: ResolvedLayer[] = [];
  try {
    return { layers, model: resolveInto(layers, spec, inputShape, classes), error: null };
  } catch (e) {
    if (!(e instanceof ModelSpecError)) throw e;
    return { layers, model: null, error: e };
  }
}

/** resolveModel, pushing each layer onto `layers` as it is resolved. */
function resolveInto(layers: ResolvedLayer[], spec: ModelSpec, inputShape: Shape, classes: number): ResolvedModel {
  if (!spec || !Array.isArray(spec.layers)) throw new ModelSpecError('model: expected {"layers": [...]}');
  if (spec.layers.length === 0) throw ModelSpecError.of('model', { id: 'no-layers' });
  const other = Object.keys(spec).find((k) => k !== 'layers' && k !== 'name');
  if (other !== undefined) throw new ModelSpecError(`model: unknown key ${JSON.stringify(other).slice(0, 60)} (a model takes "layers" and "name")`);
  if (spec.name !== undefined && (typeof spec.name !== 'string' || !/^[^\p{Cc}]{1,100}$/u.test(spec.name))) throw new ModelSpecError(`model: name must be text of 1 to 100 characters, got ${JSON.stringify(spec.name).slice(0, 60)}`);
  const counters: Record<string, number> = {};
  let shape: Shape = inputShape;
  spec.layers.forEach((raw, index) => {
    try {
      layers.push(resolveLayer(raw, index, shape, counters, index === spec.layers.length - 1));
      shape = layers[index].outShape;
    } catch (e) {
      throw e instanceof ModelSpecError && e.layer === undefined ? new ModelSpecError(e.message, index, e.problem, e.place) : e;
    }
  });
  const last = layers[layers.length - 1];
  if (last.outShape.length !== 1 || last.outShape[0] !== classes) {
    throw ModelSpecError.of({ index: last.index, name: last.name }, { id: 'outputs', classes, shape: fmt(last.outShape) });
  }
  // The loss applies softmax to the last layer's outputs (see resolveModel): where the spec does not write that
  // softmax, an earlier one with no dense or conv2d layer after it would be applied twice unseen, squashing
  // the logits into [0, 1] (it trains, badly, without a word). Two softmaxes written are computed as written.
  const softmax = layers.map((l) => l.activation).lastIndexOf('softmax');
  const writesLast = (last.spec as { activation?: unknown }).activation === 'softmax';
  if (softmax >= 0 && !writesLast && !layers.slice(softmax + 1).some((l) => l.type === 'dense' || l.type === 'conv2d')) {
    throw ModelSpecError.of({ index: softmax, name: layers[softmax].name }, { id: 'softmax-twice' });
  }
  const paramCount = layers.reduce((s, l) => s + layerParamCount(l), 0);
  const trainableCount = layers.reduce((s, l) => s + l.params.reduce((t, p) => t + (p.trainable ? p.size : 0), 0), 0);
  if (paramCount > MAX_PARAMS) throw ModelSpecError.of('model', { id: 'too-many-parameters', count: paramCount, max: MAX_PARAMS });
  return { spec, inputShape, classes, layers, paramCount, trainableCount };
}

/** A number field's value (its default when absent), or a failure in the words of the field's rule (layer-fields.ts). */
function numberField(place: { index: number; name: string }, l: Record<string, unknown>, type: LayerType, key: string): number {
  const f = layerField(type, key);
  const v = l[key] ?? f.default ?? (f.sameAs === undefined ? undefined : numberField(place, l, type, f.sameAs));
  if (!fitsField(f, v)) throw ModelSpecError.of(place, { id: 'field-rule', type, key, got: typeof l[key] === 'number' ? String(l[key]) : JSON.stringify(l[key]) });
  // The GPU holds it as an f32: a dropout rate of 0.99999999 would be 1 (nothing passes), an epsilon of 1e-50 would be 0.
  const becomes = f.kind === 'number' ? float32Breaks(v, (x) => fitsField(f, x)) : null;
  if (becomes !== null) throw ModelSpecError.of(place, { id: 'field-f32', type, key, value: v, becomes });
  return v;
}

/** One layer: its settings checked, its shapes and parameters inferred from `inShape`. */
function resolveLayer(raw: LayerSpec, index: number, inShape: Shape, counters: Record<string, number>, isLast: boolean): ResolvedLayer {
  const l = raw as LayerSpec & Record<string, unknown>;
  if (!l || typeof l !== 'object' || Array.isArray(l)) fail(`layer ${index + 1}`, `must be an object such as {"type": "dense", "units": 10}, got ${JSON.stringify(l)?.slice(0, 40)}`);
  const type = l.type;
  if (!(LAYER_TYPES as readonly string[]).includes(type as string)) {
    fail(`layer ${index + 1}`, `unknown layer type ${JSON.stringify(type)} (use one of ${LAYER_TYPES.join(', ')})`);
  }
  counters[type!] = (counters[type!] ?? 0) + 1;
  const name = `${type}_${counters[type!]}`;
  const place = { index, name };
  const where = placeText(place);
  // A misspelt key ("activaton") would otherwise train another model than the one meant, without a word.
  const keys = layerKeys(type!);
  const unknown = Object.keys(l).find((k) => !keys.includes(k) && k !== 'kernelRegularizer'); // that one's own check names the layers with a kernel
  if (unknown !== undefined) fail(where, `unknown key ${JSON.stringify(unknown).slice(0, 60)} (a ${type} layer takes ${keys.map((k) => `"${k}"`).join(', ')})`);
  let shape: Shape = inShape;
  const params: ParamInfo[] = [];
  let settings: ResolvedSettings;
  let activation: Activation = 'linear';
  let kernelRegularizer: { l1: number; l2: number } | null = null;
  if (l.type !== 'dense' && l.type !== 'conv2d' && 'kernelRegularizer' in l) fail(where, 'has no kernel to regularize: kernelRegularizer applies to dense and conv2d layers');
  switch (l.type) {
    case 'dense': {
      numberField(place, l, 'dense', 'units');
      if (inShape.length !== 1) throw ModelSpecError.of(place, { id: 'flat-input', shape: fmt(inShape) });
      activation = checkActivation(where, l.activation);
      kernelRegularizer = checkRegularizer(where, l.kernelRegularizer);
      const fanIn = inShape[0];
      params.push({ name: `${name}.kernel`, shape: [fanIn, l.units], size: fanIn * l.units, init: 'glorot_uniform', fanIn, fanOut: l.units, trainable: true });
      params.push({ name: `${name}.bias`, shape: [l.units], size: l.units, init: 'zeros', fanIn, fanOut: l.units, trainable: true });
      shape = [l.units];
      settings = { type: 'dense', units: l.units };
      break;
    }
    case 'conv2d': {
      numberField(place, l, 'conv2d', 'filters');
      const [kh, kw] = Array.isArray(l.kernelSize) ? l.kernelSize : [l.kernelSize, l.kernelSize];
      const sizeField = layerField('conv2d', 'kernelSize');
      if (!fitsField(sizeField, kh) || !fitsField(sizeField, kw) || (Array.isArray(l.kernelSize) && l.kernelSize.length !== 2)) fail(where, `kernelSize must be a positive integer or [h, w], got ${JSON.stringify(l.kernelSize)}`);
      const paddingField = layerField('conv2d', 'padding');
      const padding = (l.padding ?? paddingField.default) as 'valid' | 'same';
      if (!paddingField.choices!.includes(padding)) fail(where, `padding must be ${fieldRule(paddingField)}, got ${JSON.stringify(l.padding)}`);
      if (inShape.length !== 3) throw ModelSpecError.of(place, { id: 'image-input', shape: fmt(inShape) });
      activation = checkActivation(where, l.activation);
      kernelRegularizer = checkRegularizer(where, l.kernelRegularizer);
      const [h, w, c] = inShape;
      if (padding === 'valid' && (kh > h || kw > w)) throw ModelSpecError.of(place, { id: 'kernel-too-large', kernel: `${kh}×${kw}`, input: `${h}×${w}` });
      const fanIn = kh * kw * c;
      const fanOut = kh * kw * l.filters;
      params.push({ name: `${name}.kernel`, shape: [kh, kw, c, l.filters], size: fanIn * l.filters, init: 'glorot_uniform', fanIn, fanOut, trainable: true });
      params.push({ name: `${name}.bias`, shape: [l.filters], size: l.filters, init: 'zeros', fanIn, fanOut, trainable: true });
      shape = padding === 'same' ? [h, w, l.filters] : [h - kh + 1, w - kw + 1, l.filters];
      settings = { type: 'conv2d', filters: l.filters, kernelSize: [kh, kw], padding };
      break;
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const pool = numberField(place, l, l.type, 'poolSize');
      const stride = numberField(place, l, l.type, 'strides');
      if (inShape.length !== 3) throw ModelSpecError.of(place, { id: 'image-input', shape: fmt(inShape) });
      const [h, w, c] = inShape;
      if (pool > h || pool > w) throw ModelSpecError.of(place, { id: 'pool-too-large', pool: `${pool}×${pool}`, input: `${h}×${w}` });
      shape = [Math.floor((h - pool) / stride) + 1, Math.floor((w - pool) / stride) + 1, c];
      settings = { type: l.type, poolSize: pool, strides: stride };
      break;
    }
    case 'flatten':
      shape = [inShape.reduce((a, b) => a * b, 1)];
      settings = { type: 'flatten' };
      break;
    case 'dropout':
      numberField(place, l, 'dropout', 'rate');
      settings = { type: 'dropout', rate: l.rate };
      break;
    case 'activation':
      if (l.activation === undefined) fail(where, 'needs an "activation" name');
      activation = checkActivation(where, l.activation);
      settings = { type: 'activation' };
      break;
    case 'batchNormalization': {
      const momentum = numberField(place, l, 'batchNormalization', 'momentum');
      const epsilon = numberField(place, l, 'batchNormalization', 'epsilon');
      // Over every axis but the last: one (gamma, beta, mean, variance) per channel or feature.
      const c = inShape[inShape.length - 1];
      const p = (suffix: string, init: ParamInfo['init'], trainable: boolean): ParamInfo =>
        ({ name: `${name}.${suffix}`, shape: [c], size: c, init, fanIn: c, fanOut: c, trainable });
      params.push(p('gamma', 'ones', true), p('beta', 'zeros', true), p('moving_mean', 'zeros', false), p('moving_variance', 'ones', false));
      settings = { type: 'batchNormalization', momentum, epsilon };
      break;
    }
  }
  // The loss is softmax cross-entropy on the logits: a final softmax is the loss's own (see above).
  if (isLast && activation === 'softmax') activation = 'linear';
  return { ...settings!, index, name, spec: l, inShape, outShape: shape, params, activation, kernelRegularizer };
}

/** A layer's parameter count (trainable or not), as summary()'s "Param #" shows it. */
export function layerParamCount(l: ResolvedLayer): number {
  return l.params.reduce((s, p) => s + p.size, 0);
}

function fmt(shape: Shape): string {
  return `(${shape.join(', ')})`;
}
