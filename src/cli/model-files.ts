// Model files on disk for the command line: our checkpoints (.mntc), TF.js Layers models (a model.json
// with its shards beside it, or a zip of both), and the exports written after training.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CheckpointError, decodeCheckpoint } from '../engine/checkpoint';
import { checkLayout } from '../engine/checkpoint-header';
import { importTfjs, importTfjsZip, parseModelJson, readShards } from '../engine/export/import-tfjs';
import { exportOnnx } from '../engine/export/onnx';
import { exportTfjs, tfjsFiles } from '../engine/export/tfjs';
import { labelsOf } from '../engine/export/labels';
import { flatParamLayout } from '../engine/graph';
import { resolveModel, type ModelSpec } from '../engine/model';
import type { Gpu } from '../engine/gpu';
import type { GpuDataset } from '../engine/gpu-dataset';
import { Trainer, type TrainConfig } from '../engine/trainer';

const ZIP_MAGIC = [0x50, 0x4b]; // 'PK'
const CHECKPOINT_MAGIC = [0x4d, 0x4e, 0x54, 0x43]; // 'MNTC'
const startsWith = (b: Uint8Array, magic: number[]) => magic.every((m, i) => b[i] === m);

export type ModelFileKind = 'checkpoint' | 'tfjs';

/** What --load and predict's --model take, for messages. */
export const MODEL_FILES = 'a checkpoint .mntc, a TF.js model.json or its zip';

/** What a file holds, from its first bytes. */
export function modelFileKind(bytes: Uint8Array, path: string): ModelFileKind {
  if (startsWith(bytes, CHECKPOINT_MAGIC)) return 'checkpoint';
  if (startsWith(bytes, ZIP_MAGIC) || bytes[0] === 0x7b /* { */) return 'tfjs';
  // An ONNX file is ours to write, not to read: say so rather than "neither".
  const onnx = /\.onnx$/i.test(path) ? ' (ONNX files are exported, not read: load the checkpoint or the TF.js model it came from)' : '';
  throw new CheckpointError(`${path}: neither an mnist-trainer checkpoint (.mntc) nor a TF.js Layers model (model.json or a zip of it)${onnx}`);
}

/** A TF.js Layers model from a model.json (shards read beside it) or a zip. */
export function readTfjsModel(path: string, bytes: Uint8Array, inputShape: number[], classes: number) {
  if (startsWith(bytes, ZIP_MAGIC)) return importTfjsZip(bytes, { inputShape, classes, source: path });
  const modelJson = parseModelJson(new TextDecoder().decode(bytes), path);
  const weights = readShards(modelJson, (p) => {
    const file = join(dirname(path), p);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
  }, path);
  return importTfjs(modelJson, weights, { inputShape, classes, source: path });
}

/** Model and weights only from either kind of file (a checkpoint's optimizer state and History are left out). */
export function readModelWeights(path: string, inputShape: number[], classes: number): { spec: ModelSpec; params: Float32Array; dataset?: string; classNames?: string[] } {
  const bytes = new Uint8Array(readFileSync(path));
  if (modelFileKind(bytes, path) === 'tfjs') return readTfjsModel(path, bytes, inputShape, classes);
  const c = decodeCheckpoint(bytes, path);
  const model = resolveModel(c.header.config.model, inputShape, classes);
  const slots = flatParamLayout(model).layout.map(({ info, offset }) => ({ info, offset }));
  checkLayout(c.header, slots, flatParamLayout(model).total, path);
  return { spec: c.header.config.model, params: c.params, dataset: c.header.dataset, classNames: c.header.data?.classNames };
}

/** Writes model.json and its weights shard into `dir` (created if needed); returns the paths. */
export async function writeTfjs(dir: string, trainer: Trainer): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files = tfjsFiles(exportTfjs(trainer.model, (await trainer.readState()).params, labelsOf(trainer.data)));
  return Object.entries(files).map(([name, bytes]) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  });
}

export async function writeOnnx(file: string, trainer: Trainer): Promise<void> {
  const bytes = exportOnnx(trainer.model, (await trainer.readState()).params, { labels: labelsOf(trainer.data) });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/**
 * The trainer `npm run train` starts from: fresh from the settings, a checkpoint's (its own model,
 * settings, weights, optimizer state and History), or a TF.js model's weights under these settings.
 */
export async function startTrainer(gpu: Gpu, data: GpuDataset, config: TrainConfig, load?: string): Promise<Trainer> {
  if (!load) return Trainer.create(gpu, data, config);
  const bytes = new Uint8Array(readFileSync(load));
  // config.model is the model the checkpoint must hold (loaded-settings.ts: its own, or --model where given).
  if (modelFileKind(bytes, load) === 'checkpoint') return Trainer.load(gpu, data, bytes, load, config.model);
  const imported = readTfjsModel(load, bytes, [data.train.cpu.rows, data.train.cpu.cols, 1], data.classNames.length);
  const trainer = await Trainer.create(gpu, data, { ...config, model: imported.spec });
  await trainer.setWeights(imported.params);
  return trainer;
}
