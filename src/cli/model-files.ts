// Model files on disk for the command line: our checkpoints (.mntc), TF.js Layers models (a model.json
// with its shards beside it, or a zip of both), and the exports written after training.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeOutput } from './output-file';
import { decodeCheckpoint } from '../engine/checkpoint';
import { checkLayout } from '../engine/checkpoint-header';
import { importTfjs, importTfjsZip, parseModelJson, readShards, type ImportedModel } from '../engine/export/import-tfjs';
import { modelFileKind } from '../engine/model-file';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES } from '../data/idx';
import { exportOnnx } from '../engine/export/onnx';
import { exportTfjs, tfjsFiles } from '../engine/export/tfjs';
import { labelsOf } from '../engine/export/labels';
import { flatParamLayout } from '../engine/graph';
import { resolveModel, type ModelSpec } from '../engine/model';
import type { Gpu } from '../engine/gpu';
import type { GpuDataset } from '../engine/gpu-dataset';
import { Trainer, type TrainConfig } from '../engine/trainer';

/** What --load and predict's --model take, for messages. */
export const MODEL_FILES = 'a checkpoint .mntc, a TF.js model.json or its zip';

/** A model file read once: its bytes, and for a TF.js model its import (the data sets are all 28×28, 10 classes). */
export interface ModelFile {
  path: string;
  bytes: Uint8Array;
  imported?: ImportedModel;
}

/** Reads --load's file (engine/model-file.ts says which kind it is; a CheckpointError when it is none). */
export function readModelFile(path: string): ModelFile {
  const bytes = new Uint8Array(readFileSync(path));
  if (modelFileKind(bytes, path) === 'checkpoint') return { path, bytes };
  return { path, bytes, imported: readTfjsModel(path, bytes, [IMAGE_ROWS, IMAGE_COLS, 1], NUM_CLASSES) };
}

/** A TF.js Layers model from a model.json (shards read beside it) or a zip. */
export function readTfjsModel(path: string, bytes: Uint8Array, inputShape: number[], classes: number): ImportedModel {
  if (modelFileKind(bytes, path) === 'tfjs-zip') return importTfjsZip(bytes, { inputShape, classes, source: path });
  const modelJson = parseModelJson(new TextDecoder().decode(bytes), path);
  const weights = readShards(modelJson, (p) => {
    const file = join(dirname(path), p);
    // An empty path or '.' names the folder itself: as missing as a file that is not there.
    return p.trim() !== '' && existsSync(file) && statSync(file).isFile() ? new Uint8Array(readFileSync(file)) : undefined;
  }, path);
  return importTfjs(modelJson, weights, { inputShape, classes, source: path });
}

/** Model and weights only from either kind of file (a checkpoint's optimizer state and History are left out). */
export function readModelWeights(path: string, inputShape: number[], classes: number): { spec: ModelSpec; params: Float32Array; dataset?: string; classNames?: string[] } {
  const bytes = new Uint8Array(readFileSync(path));
  if (modelFileKind(bytes, path) !== 'checkpoint') return readTfjsModel(path, bytes, inputShape, classes);
  const c = decodeCheckpoint(bytes, path);
  const model = resolveModel(c.header.config.model, inputShape, classes);
  const slots = flatParamLayout(model).layout.map(({ info, offset }) => ({ info, offset }));
  checkLayout(c.header, slots, flatParamLayout(model).total, path);
  return { spec: c.header.config.model, params: c.params, dataset: c.header.dataset, classNames: c.header.data?.classNames };
}

/** Writes model.json and its weights shard into `dir` (created if needed); returns the paths. */
export async function writeTfjs(dir: string, trainer: Trainer): Promise<string[]> {
  const files = tfjsFiles(exportTfjs(trainer.model, (await trainer.readState()).params, labelsOf(trainer.data), trainer.dropout));
  const paths: string[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    await writeOutput(join(dir, name), bytes, 'export-tfjs');
    paths.push(join(dir, name));
  }
  return paths;
}

export async function writeOnnx(file: string, trainer: Trainer): Promise<void> {
  const bytes = exportOnnx(trainer.model, (await trainer.readState()).params, { labels: labelsOf(trainer.data) });
  await writeOutput(file, bytes, 'export-onnx');
}

/**
 * The trainer `npm run train` starts from: fresh from the settings, a checkpoint's (its own model,
 * settings, weights, optimizer state and History), or a TF.js model's weights under these settings.
 */
export async function startTrainer(gpu: Gpu, data: GpuDataset, config: TrainConfig, load?: ModelFile): Promise<Trainer> {
  if (!load) return Trainer.create(gpu, data, config);
  const { imported } = load;
  // config.model is the model the checkpoint must hold (loaded-settings.ts: its own, or --model where given).
  if (!imported) return Trainer.load(gpu, data, load.bytes, load.path, config.model);
  const trainer = await Trainer.create(gpu, data, { ...config, model: imported.spec });
  await trainer.setWeights(imported.params);
  return trainer;
}
