// Save and Load for TrainerController: a trainer to checkpoint bytes, and checkpoint bytes back to a
// trainer on the element's data set; or a TF.js Layers model (a zip of model.json and its weights: our Export TF.js,
// or a Keras model through tensorflowjs_converter) as a fresh trainer with its weights, under the form's settings.
// Kept apart from the controller, which only decides when (the state table) and what the phases are while it happens.
//
// A load checks everything it can before it changes anything, so a bad file leaves the element's model,
// data set and runs as they were: the file (magic, version, checksum, length, header fields, finite
// weights) when decoded, then the data set's identity against the CPU copy, before the GPU copy is
// replaced. Only a GPU failure while building the restored trainer can come after that.
import type { Gpu } from '../engine/gpu';
import { Trainer } from '../engine/trainer';
import { CheckpointError, decodeCheckpoint, type CheckpointHeader } from '../engine/checkpoint';
import { checkDataIdentity } from '../engine/checkpoint-header';
import { importTfjsZip, parseModelJson } from '../engine/export/import-tfjs';
import { modelFileKind } from '../engine/model-file';
import { classNamesMismatch, classNamesNotice, fewNames } from '../engine/export/labels';
import { msg, str } from '@lit/localize';
import { className } from './class-names';
import type { ModelSpec } from '../engine/model';
import type { TrainConfig } from '../engine/training-types';
import type { Dataset } from '../data/idx';
import type { DataKeeper } from './data-keeper';
import type { RunRequest, RunSettings } from './controller-types';
import type { History } from '../engine/training-types';
import type { LrScheduleName } from '../engine/lr-schedule';
import { HISTORY_NAMES } from '../engine/live-changes';

/** What a model file says of its run: a checkpoint its whole configuration, a TF.js model its model and, from our export, its data set. */
export interface ModelFileInfo {
  model: ModelSpec;
  config?: TrainConfig;
  dataset?: string;
  /** A TF.js model's class names (its metadata's), where it has them. */
  classNames?: string[];
}

/** A trainer restored from a checkpoint or imported from a TF.js model, with the request (settings) it was built from. */
export interface LoadedModel {
  trainer: Trainer;
  info: ModelFileInfo;
  request: RunRequest;
  /** The file name (or URL) it came from. */
  name: string;
  /** It is a failed run's recovery point (engine/recovery-point.ts), not a file. */
  recovered?: true;
  /** It is a finished or loaded model brought back on a new device after a loss while idle (no run failed). */
  relocated?: true;
  /** It is a TF.js model's weights, not a checkpoint (no History, no optimizer state). */
  imported?: true;
  /** A TF.js model's training-only options that training here leaves out (import-tfjs.ts's notes). */
  importNotes?: string[];
}

/** What the restore needs from the controller. */
export interface RestoreEnv {
  gpu: Gpu;
  data: DataKeeper;
  /** A download starts (phase 'loading'). */
  onDownload(): void;
  /** The trainer is being built (phase 'compiling'). */
  onCompile(): void;
  /** stop() or reset() was called meanwhile: give up quietly. */
  stopped(): boolean;
}

/** Throws a CheckpointError unless the checkpoint was trained on `d` (name, classes, image shape, counts). */
export function checkDataset(h: CheckpointHeader, d: Dataset, source: string): void {
  if (!h.data) return; // a version-1 file: Trainer.load checks what it can
  checkDataIdentity(h.data, { name: d.name, classNames: [...d.classNames], imageShape: [d.train.rows, d.train.cols, 1], train: d.train.count, test: d.test.count }, source);
}

/** Why a JSON file is not a model to load: a TF.js model.json without its weights, the comparison's runs.json, or neither. */
function jsonFileProblem(bytes: Uint8Array, name: string): CheckpointError {
  try {
    parseModelJson(new TextDecoder().decode(bytes), name);
    return new CheckpointError(`${name}: a TF.js model.json alone has no weights: load a zip of model.json and its .bin files (what Export TF.js saves)`);
  } catch {
    const runs = /"runs"\s*:\s*\[/.test(new TextDecoder().decode(bytes.subarray(0, 4096)));
    return new CheckpointError(`${name}: neither an mnist-trainer checkpoint (.mntc) nor a TF.js Layers model (a zip of model.json and its weights)${runs ? '; a runs.json goes to Load runs… under Compare runs' : ''}`);
  }
}

/**
 * Decodes `bytes` (a CheckpointError, or for a zip a ModelSpecError, names the problem), gets the data set
 * `requestFor(info)` names onto the GPU and builds the trainer: a checkpoint's whole state, or a fresh trainer of the
 * request's settings with a TF.js model's weights. Undefined when stopped meanwhile (the built trainer destroyed).
 */
export async function restoreTrainer(env: RestoreEnv, bytes: Uint8Array, name: string, requestFor: (info: ModelFileInfo) => RunRequest): Promise<LoadedModel | undefined> {
  const kind = modelFileKind(bytes, name);
  if (kind === 'tfjs-json') throw jsonFileProblem(bytes, name);
  const imported = kind === 'tfjs-zip' ? importTfjsZip(bytes, { source: name }) : undefined;
  const header = imported ? undefined : decodeCheckpoint(bytes, name).header;
  const info: ModelFileInfo = header ? { model: header.config.model, config: header.config, dataset: header.dataset }
    : { model: imported!.spec, dataset: imported!.dataset, classNames: imported!.classNames };
  const request = requestFor(info);
  const data = await env.data.ensure(env.gpu.device, request, env.onDownload, (d) => header && checkDataset(header, d, name));
  if (env.stopped()) return undefined;
  env.onCompile();
  const trainer = header ? await Trainer.load(env.gpu, data, bytes, name) : await Trainer.create(env.gpu, data, request.config);
  try {
    if (imported) await trainer.setWeights(imported.params);
  } catch (e) {
    trainer.destroy();
    throw e;
  }
  if (env.stopped()) {
    trainer.destroy();
    return undefined;
  }
  return { trainer, info, request, name, ...(imported ? { imported: true as const, importNotes: imported.notes } : {}) };
}

/**
 * The notice for a TF.js model whose class names are not its data set's (engine/export/labels.ts), in English and
 * in the page's language; undefined where they agree or the file names none. A checkpoint's data set is checked
 * before it loads (checkDataset) and refused when it differs.
 */
export function classNamesNote(loaded: LoadedModel): [string, () => string] | undefined {
  const data = loaded.trainer.data;
  const m = classNamesMismatch(loaded.info.classNames, data);
  if (!m) return undefined;
  const ours = fewNames(data.classNames.map(className)); // in the page's language (Fashion-MNIST's are translated)
  const [name, dataset, theirs] = [loaded.name, data.name, m.theirs];
  return [classNamesNotice(name, m, dataset), () => msg(str`${name} names its classes ${theirs}; it is trained and evaluated with ${dataset}'s: ${ours}`)];
}

/** The notice for a TF.js model whose training-only options training here leaves out, in English and in the page's language. */
export function importNote(loaded: LoadedModel): [string, () => string] | undefined {
  const notes = loaded.importNotes ?? [];
  if (!notes.length) return undefined;
  const list = notes.join('; '); // each note names the file and its layer
  return [`Training here leaves out what only the file's own training used (its predictions are unchanged): ${list}`,
    () => msg(str`Training here leaves out what only the file's own training used (its predictions are unchanged): ${list}`)];
}

/**
 * A failed run's recovery point (engine/recovery-point.ts) on a trainer of its own, on the device `env.gpu()`
 * gives (a new one after a loss), as a loaded model that Train continues, with the batch-loss curve up to that
 * point. Undefined when the run kept none, when stopped meanwhile, or when the restore fails too (the failure
 * the user is told of is the run's; this one would only hide it).
 */
export async function keepRecoveryPoint(env: Omit<RestoreEnv, 'gpu'> & { gpu(): Promise<Gpu> }, failed: Trainer, request: RunRequest): Promise<LoadedModel | undefined> {
  const point = failed.recoveryPoint;
  if (!point) return undefined;
  try {
    const loaded = await restoreTrainer({ ...env, gpu: await env.gpu() }, point.bytes, `the recovery point of epoch ${point.epoch}`, () => request);
    if (!loaded) return undefined;
    loaded.trainer.batchLoss = failed.batchLoss.upTo(point.step);
    return { ...loaded, recovered: true };
  } catch {
    return undefined;
  }
}

/** The settings part of a request that must match for a loaded model to continue (not the epochs or live ones). */
export function continueKey(r: RunRequest): string {
  const { epochs: _e, dropout: _d, optimizer, ...rest } = r.config;
  const { learningRate: _lr, ...opt } = optimizer;
  return JSON.stringify([r.dataset, rest, opt]);
}

/** The learning rate as the comparison table shows it: the rate, and the schedule where it is not constant. */
export const lrSetting = (rate: number, schedule: LrScheduleName = 'constant') => (schedule === 'constant' ? rate : `${rate} ${schedule}`);

/**
 * The settings a continued run is shown with: those of the model it continues (`base`, as its run or file recorded
 * them) with the live ones as its History began (its first epoch's learning rate, the dropout before the first
 * change; a checkpoint records them as they were at saving), so that its History's live changes follow on, and
 * the Epochs it now trains to.
 */
export function continuedSettings(base: RunSettings, config: TrainConfig, history: History): RunSettings {
  const firstRate = history.learning_rate[0];
  const dropout = history.live_changes?.find((c) => c.setting === HISTORY_NAMES.dropout);
  return {
    ...base, epochs: config.epochs,
    ...(firstRate !== undefined ? { lr: lrSetting(firstRate, config.lrSchedule) } : {}),
    ...(dropout ? { dropout: dropout.from ?? 'model' } : {}),
  };
}
