// Export to the TensorFlow.js Layers format: model.json (format "layers-model": a Keras Sequential
// topology and a weights manifest) and one binary shard with every weight, little-endian float32, in
// the manifest's order. Keras reads it through `tensorflowjs_converter --input_format=tfjs_layers_model
// --output_format=keras`; TF.js through tf.loadLayersModel. The two files travel as one zip (fflate).
// Layer classes and configs: keras-layers.ts. Weights: Keras's names (layer/kernel, layer/bias) and
// layouts, which are ours (params.ts).
import { zipSync } from 'fflate';
import { modelName, type ResolvedModel } from '../model';
import { toKerasLayers } from './keras-layers';
import { f32Bytes, paramTensors } from './params';
import type { ModelLabels } from './labels';

export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';
/** The files an export writes: model.json and its one weights shard. */
export const TFJS_FILES: readonly string[] = ['model.json', TFJS_WEIGHTS_FILE];

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: unknown[] }; keras_version: string; backend: string };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  /** labels.ts: the data set and the class names (TF.js keeps it: model.getUserDefinedMetadata()). */
  userDefinedMetadata?: { dataset: string; classNames: string[] };
}

export interface TfjsArtifacts {
  modelJson: TfjsModelJson;
  /** The one weights shard, TFJS_WEIGHTS_FILE. */
  weights: Uint8Array;
}

/**
 * model.json and the weights for `model` with flat parameters `params` (a Trainer's readState().params); `dropout`:
 * the rate its dropout layers trained with where the run set one (a Trainer's `dropout`), so training on elsewhere keeps it.
 */
export function exportTfjs(model: ResolvedModel, params: Float32Array, labels?: ModelLabels, dropout?: number): TfjsArtifacts {
  const tensors = paramTensors(model, params);
  const weights = new Uint8Array(tensors.reduce((s, t) => s + t.values.length * 4, 0));
  let offset = 0;
  for (const t of tensors) {
    weights.set(f32Bytes(t.values), offset);
    offset += t.values.length * 4;
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'mnist-trainer',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: modelName(model.spec), layers: toKerasLayers(model, dropout) },
        // The Keras version whose config format this is (TF.js Layers' own, also read by tensorflowjs_converter).
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{
        paths: [TFJS_WEIGHTS_FILE],
        weights: tensors.map((t) => ({ name: `${t.layer.name}/${t.weight}`, shape: [...t.info.shape], dtype: 'float32' })),
      }],
      ...(labels ? { userDefinedMetadata: { dataset: labels.dataset, classNames: [...labels.classNames] } } : {}),
    },
    weights,
  };
}

/** The two files as they go on disk or into the zip. */
export function tfjsFiles(a: TfjsArtifacts): Record<string, Uint8Array> {
  return { 'model.json': new TextEncoder().encode(JSON.stringify(a.modelJson, null, 1)), [TFJS_WEIGHTS_FILE]: a.weights };
}

/** A zip of model.json and its weights shard. */
export function exportTfjsZip(model: ResolvedModel, params: Float32Array, labels?: ModelLabels, dropout?: number): Uint8Array {
  return zipSync(tfjsFiles(exportTfjs(model, params, labels, dropout)));
}
