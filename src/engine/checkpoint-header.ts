// A checkpoint's header: its fields, each checked on reading with a CheckpointError that names it (a file
// from elsewhere must fail clearly, never as a TypeError deep in the Trainer), and the identities of the
// model and the data set the weights belong to, compared when a checkpoint is loaded onto a target.
import type { GpuDataset } from './gpu-dataset';
import { ModelSpecError, resolveModel, type ModelSpec, type ResolvedModel } from './model';
import type { History, TrainConfig } from './training-types';
import { ConfigFieldError, checkTrainConfig } from './settings-config';
import { checkCallbackState, type CallbackState } from './callbacks';
import { METRICS_WORDS } from './metrics-words';
import { canonicalDatasetName } from '../data/sources';
import { liveChangesProblem } from './live-changes';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  readonly code = 'checkpoint';
}

/** The model's architecture as lines, one per layer with its settings, output shape and parameter shapes (not its dropout rates, which are live). */
export interface ModelIdentity {
  input: number[];
  classes: number;
  layers: string[];
}

/** The data set the weights were trained on: its name, classes and the image shape and counts of the whole set. */
export interface DataIdentity {
  name: string;
  classNames: string[];
  imageShape: number[];
  train: number;
  test: number;
}

export interface CheckpointHeader {
  format: 'mnist-trainer-checkpoint';
  version: number;
  dataset: string;
  config: TrainConfig;
  step: number;
  epoch: number;
  history: History;
  paramCount: number;
  slots: { name: string; shape: number[]; offset: number }[];
  optimizerState: string[];
  /** Since version 2 (absent in version-1 files). */
  model?: ModelIdentity;
  data?: DataIdentity;
  /** Early stopping's and reduce-on-plateau's state (absent in files written before them: a fresh state). */
  callbacks?: CallbackState;
  /** The running sums of an epoch a stop left half done (trainer-state.ts); absent at an epoch's end. */
  epochMetrics?: number[];
}

const SETTING_KEYS = ['units', 'filters', 'kernelSize', 'padding', 'poolSize', 'strides'] as const;

export function modelIdentity(m: ResolvedModel): ModelIdentity {
  return {
    input: [...m.inputShape],
    classes: m.classes,
    layers: m.layers.map((l) => {
      const settings = SETTING_KEYS.filter((k) => k in l).map((k) => `${k}=${String((l as unknown as Record<string, unknown>)[k])}`);
      const params = l.params.map((p) => `${p.name}[${p.shape.join('×')}]`);
      return [l.name, ...settings, `→ ${l.outShape.join('×')}`, l.activation, ...params].join(' ');
    }),
  };
}

export function dataIdentity(d: GpuDataset): DataIdentity {
  return { name: d.name, classNames: [...d.classNames], imageShape: [d.train.cpu.rows, d.train.cpu.cols, 1], train: d.train.cpu.count, test: d.test.cpu.count };
}

const describeData = (d: DataIdentity) =>
  `"${d.name}" (classes ${d.classNames.join(', ')}; ${d.imageShape.join('×')} images, ${d.train} training and ${d.test} test)`;

/** Throws unless the checkpoint's data set is `target`, naming both; names compare as canonicalDatasetName gives them. */
export function checkDataIdentity(stored: DataIdentity, target: DataIdentity, source: string): void {
  const same = (d: DataIdentity) => JSON.stringify({ ...d, name: canonicalDatasetName(d.name) });
  if (same(stored) !== same(target)) {
    throw new CheckpointError(`${source}: the checkpoint was trained on data set ${describeData(stored)}, not on ${describeData(target)}`);
  }
}

/** Throws unless the checkpoint's (or, `kind`, another file's) model is `target`, naming the first layer that differs. */
export function checkModelIdentity(stored: ModelIdentity, target: ModelIdentity, source: string, what = 'the target model', kind = 'the checkpoint\'s'): void {
  if (JSON.stringify(stored) === JSON.stringify(target)) return;
  const n = Math.max(stored.layers.length, target.layers.length);
  let diff = `input ${stored.input.join('×')} → ${stored.classes} classes vs ${target.input.join('×')} → ${target.classes}`;
  for (let i = 0; i < n; i++) {
    if (stored.layers[i] !== target.layers[i]) {
      diff = `layer ${i + 1}: "${stored.layers[i] ?? 'none'}" vs "${target.layers[i] ?? 'none'}"`;
      break;
    }
  }
  throw new CheckpointError(`${source}: ${kind} model differs from ${what} (${diff})`);
}

const brief = (v: unknown) => {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const wholeFrom = (min: number, max = Number.MAX_SAFE_INTEGER) => (v: unknown) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const arrayOf = (ok: (x: unknown) => boolean) => (v: unknown) => Array.isArray(v) && v.every(ok);

/** `obj[key]` if present and `ok`, else a CheckpointError naming `path + key`. */
function need(source: string, obj: Record<string, unknown>, path: string, key: string, rule: string, ok: (v: unknown) => boolean): void {
  const v = obj[key];
  if (v === undefined) throw new CheckpointError(`${source}: header field ${path}${key} is missing`);
  if (!ok(v)) throw new CheckpointError(`${source}: header field ${path}${key} must be ${rule}, got ${brief(v)}`);
}

const HISTORY_KEYS: (keyof History)[] = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy', 'epoch_seconds'];
/** Present when the run reported top_k_accuracy. */
const TOP_K_KEYS: (keyof History)[] = ['top_k_accuracy', 'val_top_k_accuracy', 'test_top_k_accuracy'];
/**
 * Why `v` is not a History as JSON writes it (NaN, a diverged epoch, as null), or undefined: what a checkpoint's
 * header and the comparison table's runs.json hold. The problem starts with '.' and its field, or with a verb.
 */
export function historyProblem(v: unknown): string | undefined {
  if (v === undefined) return 'is missing';
  if (!isObject(v)) return `must be an object, got ${brief(v)}`;
  const numbers = arrayOf((x) => x === null || typeof x === 'number');
  for (const k of [...HISTORY_KEYS, ...TOP_K_KEYS, 'learning_rate' as const]) {
    if (v[k] === undefined) {
      if (HISTORY_KEYS.includes(k)) return `.${k} is missing`;
    } else if (!numbers(v[k])) {
      return `.${k} must be an array of numbers, got ${brief(v[k])}`;
    }
  }
  // One entry per epoch in every per-epoch array, or none (older records lack test_*; learning_rate may also start late).
  const epochs = (v.loss as unknown[]).length;
  for (const k of [...HISTORY_KEYS, ...TOP_K_KEYS]) {
    const n = (v[k] as unknown[] | undefined)?.length;
    if (n && n !== epochs) return `.${k} has ${n} entries where .loss has ${epochs} (one per epoch)`;
  }
  // What each value can be (a diverged epoch's is null): accuracies from 0 to 1; losses, seconds and rates ≥ 0.
  for (const k of [...HISTORY_KEYS, ...TOP_K_KEYS, 'learning_rate' as const]) {
    const values = (v[k] as (number | null)[] | undefined) ?? [];
    const max = k.includes('accuracy') ? 1 : Infinity;
    const i = values.findIndex((x) => x !== null && !(x >= 0 && x <= max));
    if (i >= 0) return `.${k}[${i}] must be ${max === 1 ? 'from 0 to 1' : 'a number ≥ 0'} or null, got ${brief(values[i])}`;
  }
  if (((v.learning_rate as unknown[] | undefined)?.length ?? 0) > epochs) return `.learning_rate has more entries than .loss (${epochs}, one per epoch)`;
  for (const k of ['stopped_epoch', 'best_epoch', 'restored_epoch']) {
    if (v[k] !== undefined && !(wholeFrom(1)(v[k]) && (v[k] as number) <= epochs)) return `.${k} must be a whole number from 1 to the ${epochs} epochs, got ${brief(v[k])}`;
  }
  const changes = liveChangesProblem(v.live_changes);
  return changes && `.live_changes${changes.startsWith('[') ? '' : ' '}${changes}`;
}

/** Most parameters a checkpoint may hold (1 GiB of f32 weights): a larger count is a corrupt header. */
const MAX_PARAMS = 2 ** 28;

/** Checks every field of a parsed header of file version `version`; the header as typed, or a CheckpointError naming the field. */
export function checkHeader(h: unknown, version: number, source: string): CheckpointHeader {
  if (!isObject(h)) throw new CheckpointError(`${source}: header is not a JSON object`);
  need(source, h, '', 'format', '"mnist-trainer-checkpoint"', (v) => v === 'mnist-trainer-checkpoint');
  need(source, h, '', 'version', `${version} (the file's version)`, (v) => v === version);
  need(source, h, '', 'dataset', 'a non-empty string', nonEmpty);
  need(source, h, '', 'config', 'an object', isObject);
  const config = h.config as Record<string, unknown>;
  need(source, config, 'config.', 'model', 'an object with a layers array', (v) => isObject(v) && Array.isArray(v.layers));
  need(source, config, 'config.', 'optimizer', 'an object', isObject);
  try {
    checkTrainConfig(config as unknown as TrainConfig, 'header config.');
  } catch (e) {
    if (e instanceof ConfigFieldError) throw new CheckpointError(`${source}: ${e.message}`);
    throw e;
  }
  need(source, h, '', 'step', 'a whole number from 0', wholeFrom(0));
  need(source, h, '', 'epoch', 'a whole number from 0', wholeFrom(0));
  const historyIssue = historyProblem(h.history);
  if (historyIssue) throw new CheckpointError(`${source}: header field history${historyIssue.startsWith('.') ? '' : ' '}${historyIssue}`);
  // The History records every epoch trained: one more or fewer would continue at the wrong epoch.
  const recorded = (h.history as History).loss.length;
  if (h.epoch !== recorded) throw new CheckpointError(`${source}: header field epoch is ${h.epoch as number}, but the History records ${recorded} epochs`);
  if (h.callbacks !== undefined) {
    const cb = checkCallbackState(h.callbacks, (problem) => { throw new CheckpointError(`${source}: header field callbacks${problem.startsWith('.') ? '' : ' '}${problem}`); });
    for (const k of ['bestEpoch', 'stoppedEpoch'] as const) {
      if ((cb[k] ?? 0) > recorded) throw new CheckpointError(`${source}: header field callbacks.${k} is ${cb[k]}, past the ${recorded} epochs the History records`);
    }
  }
  if (h.epochMetrics !== undefined) need(source, h, '', 'epochMetrics', `${METRICS_WORDS} whole numbers from 0 to 2³² − 1`, (v) => Array.isArray(v) && v.length === METRICS_WORDS && v.every(wholeFrom(0, 2 ** 32 - 1)));
  need(source, h, '', 'paramCount', `a whole number from 1 to ${MAX_PARAMS}`, wholeFrom(1, MAX_PARAMS));
  const P = h.paramCount as number;
  need(source, h, '', 'slots', 'a non-empty array', (v) => Array.isArray(v) && v.length > 0);
  (h.slots as unknown[]).forEach((s, i) => {
    const path = `slots[${i}].`;
    if (!isObject(s)) throw new CheckpointError(`${source}: header field slots[${i}] must be an object, got ${brief(s)}`);
    need(source, s, path, 'name', 'a non-empty string', nonEmpty);
    need(source, s, path, 'shape', 'an array of whole numbers from 1', (v) => Array.isArray(v) && v.length > 0 && v.every(wholeFrom(1, MAX_PARAMS)));
    const size = (s.shape as number[]).reduce((a, d) => a * d, 1);
    need(source, s, path, 'offset', `a whole number with the slot inside the ${P} parameters`, (v) => wholeFrom(0)(v) && (v as number) + size <= P);
  });
  need(source, h, '', 'optimizerState', 'an array of distinct names', (v) => Array.isArray(v) && v.every(nonEmpty) && new Set(v).size === v.length);
  if (version >= 2) {
    need(source, h, '', 'model', 'an object', isObject);
    const m = h.model as Record<string, unknown>;
    need(source, m, 'model.', 'input', 'an array of whole numbers', arrayOf(wholeFrom(1)));
    need(source, m, 'model.', 'classes', 'a whole number from 2', wholeFrom(2));
    need(source, m, 'model.', 'layers', 'an array of strings', (v) => Array.isArray(v) && v.length > 0 && v.every(nonEmpty));
    need(source, h, '', 'data', 'an object', isObject);
    const d = h.data as Record<string, unknown>;
    need(source, d, 'data.', 'name', 'a non-empty string', nonEmpty);
    need(source, d, 'data.', 'classNames', 'an array of names', (v) => Array.isArray(v) && v.length > 0 && v.every(nonEmpty));
    need(source, d, 'data.', 'imageShape', 'three whole numbers', (v) => Array.isArray(v) && v.length === 3 && v.every(wholeFrom(1)));
    need(source, d, 'data.', 'train', 'a whole number from 1', wholeFrom(1));
    need(source, d, 'data.', 'test', 'a whole number from 1', wholeFrom(1));
  }
  return h as unknown as CheckpointHeader;
}

/** Throws naming the tensor and index of the first NaN or ±∞ in `values` (the flat parameters or one optimizer state). */
export function checkFinite(values: Float32Array, what: string, slots: CheckpointHeader['slots'], source: string): void {
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) continue;
    const slot = slots.find((s) => i >= s.offset && i < s.offset + s.shape.reduce((a, d) => a * d, 1));
    const where = slot ? `${slot.name}[${i - slot.offset}]` : 'padding between tensors';
    throw new CheckpointError(`${source}: ${what}: ${values[i]} at index ${i} (${where}) is not finite; the saved run had diverged or the file is corrupt`);
  }
}

/**
 * Before a checkpoint is loaded onto `data` (and, when given, a `model` the caller expects): its data set
 * must be `data`, the model its config describes must be the one whose identity it stores, and that model
 * must be `model`. Version-1 files store no identities; only their config's model is compared with `model`.
 */
export function checkTarget(h: CheckpointHeader, data: GpuDataset, model: ModelSpec | undefined, source: string): void {
  if (h.data) checkDataIdentity(h.data, dataIdentity(data), source);
  const resolve = (spec: ModelSpec) => modelIdentity(resolveModel(spec, [data.train.cpu.rows, data.train.cpu.cols, 1], data.classNames.length));
  let own: ModelIdentity;
  try {
    own = resolve(h.config.model);
  } catch (e) {
    if (e instanceof ModelSpecError) throw new CheckpointError(`${source}: header config.model: ${e.message.replace(/^model: /, '')}`);
    throw e;
  }
  if (h.model) checkModelIdentity(h.model, own, source, 'the model its header config describes');
  if (model) checkModelIdentity(h.model ?? own, resolve(model), source);
}

/** Throws unless the header's parameter layout is the built model's (names, shapes, offsets, count). */
export function checkLayout(h: CheckpointHeader, slots: readonly { info: { name: string; shape: number[] }; offset: number }[], paramCount: number, source: string): void {
  if (h.paramCount !== paramCount) throw new CheckpointError(`${source}: ${h.paramCount} parameters stored, the model in its header needs ${paramCount}`);
  const built = JSON.stringify(slots.map((s) => ({ name: s.info.name, shape: s.info.shape, offset: s.offset })));
  const stored = JSON.stringify(h.slots.map((s) => ({ name: s.name, shape: s.shape, offset: s.offset })));
  if (built !== stored) throw new CheckpointError(`${source}: header slots ${brief(stored)} do not match the model's parameter layout ${brief(built)}`);
}

/**
 * Once the trainer is built from the header (the same settings on the same data, so the same steps an epoch): the
 * step lies in the epoch the History says (a stop mid-epoch leaves it inside the next one), and the optimizer
 * states stored are the ones its optimizer keeps. A header whose checksum was made anew after an edit otherwise
 * fails deep in the trainer, or trains nothing without a word.
 */
export function checkProgress(h: CheckpointHeader, stepsPerEpoch: number, stateNames: readonly string[], source: string): void {
  const [from, to] = [h.epoch * stepsPerEpoch, (h.epoch + 1) * stepsPerEpoch];
  if (h.step < from || h.step > to) throw new CheckpointError(`${source}: header field step is ${h.step}, but after ${h.epoch} epochs of ${stepsPerEpoch} steps it must be from ${from} to ${to}`);
  const missing = stateNames.find((k) => !h.optimizerState.includes(k));
  if (missing !== undefined) throw new CheckpointError(`${source}: header field optimizerState ${brief(h.optimizerState)} lacks "${missing}", which the ${h.config.optimizer.name} optimizer keeps`);
}
