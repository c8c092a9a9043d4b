// Import of a TensorFlow.js Layers model (model.json + its weight shards), as written by our exporter,
// by TF.js's model.save, or by `tensorflowjs_converter --input_format=keras` from a Keras model: a
// Sequential model of the layers in keras-layers.ts, channels_last, float32 weights. The result is our
// ModelSpec and the flat parameters (graph.ts's layout) that a Trainer takes with writeState().
// Anything we would compute differently is refused with its name (a ModelSpecError, code 'model'):
// another model class, an unknown layer class, an unsupported option or activation, a weight that is
// missing, has another shape or dtype, or is not finite, shards shorter or longer than the manifest. A zip that
// cannot be read (corrupt, truncated) is the file's fault: a CheckpointError (code 'checkpoint'), as for a cut .mntc.
import { unzipSync } from 'fflate';
import { ModelSpecError, resolveModel, type ModelSpec, type ResolvedModel, type Shape } from '../model';
import { fromKerasLayers } from './keras-layers';
import { bytesF32, flatParams } from './params';
import { checkedClassNames } from './labels';
import { crcMismatch } from './zip-crc';
import { CheckpointError } from '../checkpoint-header';

export interface ImportedModel {
  spec: ModelSpec;
  model: ResolvedModel;
  /** Flat parameters in graph.ts's layout (alignment padding zero). */
  params: Float32Array;
  /** From userDefinedMetadata (labels.ts), where the file has them (ours do; others' mostly not). */
  dataset?: string;
  classNames?: string[];
  /** Training-only options of the file this trainer leaves out (keras-layers.ts), for a run that trains it. */
  notes: string[];
}

export interface ImportOptions {
  inputShape?: Shape;
  classes?: number;
  /** Names the file in error messages. */
  source?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** model.json's text as an object, or a ModelSpecError saying why not. */
export function parseModelJson(text: string, source = 'model.json'): Obj {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, '')); // a byte-order mark, as some editors write
  } catch (e) {
    throw new ModelSpecError(`${source}: not valid JSON (corrupt or truncated?): ${(e as Error).message}`);
  }
  if (!isObj(v) || !isObj(v.modelTopology)) throw new ModelSpecError(`${source}: not a TF.js Layers model.json (no "modelTopology" object)`);
  if (v.format !== undefined && v.format !== 'layers-model') throw new ModelSpecError(`${source}: format ${JSON.stringify(v.format)} is not supported (a TF.js Layers model, "layers-model", is; a graph model is not)`);
  return v;
}

interface ManifestEntry { name: string; shape: number[]; offset: number; size: number }

/** The weight shards' paths, in the order their bytes are concatenated. */
export function weightPaths(modelJson: Obj, source = 'model.json'): string[] {
  return manifestGroups(modelJson, source).flatMap((g) => g.paths as string[]);
}

function manifestGroups(modelJson: Obj, source: string): Obj[] {
  const m = modelJson.weightsManifest;
  if (!Array.isArray(m) || !m.every((g) => isObj(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') && Array.isArray(g.weights))) {
    throw new ModelSpecError(`${source}: "weightsManifest" must be a list of {paths, weights} groups`);
  }
  return m as Obj[];
}

/** Bytes per value of the dtypes a saved optimizer's state may have (TF.js: the step counter is int32). */
const OPTIMIZER_DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

function manifest(modelJson: Obj, source: string): { entries: ManifestEntry[]; bytes: number } {
  const entries: ManifestEntry[] = [];
  let offset = 0;
  for (const g of manifestGroups(modelJson, source)) {
    for (const w of g.weights as unknown[]) {
      const name = isObj(w) && typeof w.name === 'string' ? w.name : undefined;
      if (!isObj(w) || !name || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new ModelSpecError(`${source}: weightsManifest entry ${JSON.stringify(w)} needs a name and a shape`);
      }
      const count = (w.shape as number[]).reduce((a, b) => a * b, 1);
      // model.save({includeOptimizer: true}) adds the optimizer's state: its bytes are skipped, as TF.js's loader does.
      if (w.group === 'optimizer') {
        const bytes = OPTIMIZER_DTYPE_BYTES[w.dtype as string];
        if (bytes === undefined || w.quantization !== undefined) throw new ModelSpecError(`${source}: optimizer weight "${name}": dtype ${JSON.stringify(w.dtype)} cannot be skipped (${Object.keys(OPTIMIZER_DTYPE_BYTES).join(', ')} can)`);
        offset += count * bytes;
        continue;
      }
      if (w.dtype !== 'float32') throw new ModelSpecError(`${source}: weight "${name}": dtype ${JSON.stringify(w.dtype)} is not supported (float32 only)`);
      if (w.quantization !== undefined) throw new ModelSpecError(`${source}: weight "${name}": quantized weights are not supported`);
      entries.push({ name, shape: w.shape as number[], offset, size: count });
      offset += count * 4;
    }
  }
  return { entries, bytes: offset };
}

/** The Sequential layer list inside modelTopology (TF.js writes it bare, tensorflowjs_converter under model_config). */
function sequentialLayers(modelJson: Obj, source: string): { name?: string; layers: unknown[] } {
  const topology = modelJson.modelTopology as Obj;
  const inner = isObj(topology.model_config) ? topology.model_config : topology;
  if (inner.class_name !== 'Sequential') {
    throw new ModelSpecError(`${source}: model class ${JSON.stringify(inner.class_name)} is not supported (Sequential models only)`);
  }
  const config = inner.config;
  const layers = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new ModelSpecError(`${source}: the Sequential model has no layers`);
  const name = isObj(config) && typeof config.name === 'string' ? config.name : undefined;
  return { name, layers };
}

/**
 * Our model and parameters from a model.json object and its weights (all shards' bytes concatenated in
 * weightPaths order, as TF.js loads them).
 */
export function importTfjs(modelJson: Obj, weights: Uint8Array, options: ImportOptions = {}): ImportedModel {
  const { inputShape = [28, 28, 1], classes = 10, source = 'model.json' } = options;
  const { name: fileName, layers } = sequentialLayers(modelJson, source);
  const { specs, kerasNames, wheres, positiveAxes, notes } = fromKerasLayers(layers, inputShape, source);
  // A model's name is for display: one a spec refuses (too long, control characters) is tidied, not refused.
  const name = fileName?.replace(/\p{Cc}+/gu, ' ').trim().slice(0, 100);
  const spec: ModelSpec = { ...(name ? { name } : {}), layers: specs };
  let model: ResolvedModel;
  try {
    model = resolveModel(spec, inputShape, classes);
  } catch (e) {
    if (!(e instanceof ModelSpecError)) throw e;
    // A layer's problem names the file's layer (index, class and name), not ours.
    if (e.layer !== undefined && wheres[e.layer]) throw new ModelSpecError(`${wheres[e.layer]}: ${e.message.replace(/^layer \d+ \([^)]*\): /, '')}`);
    throw new ModelSpecError(`${source}: as this trainer's model: ${e.message}`);
  }
  positiveAxes.forEach((axis, i) => {
    const shape = model.layers[i].inShape;
    if (axis !== undefined && axis !== shape.length) {
      throw new ModelSpecError(`${wheres[i]}: axis ${axis} is not supported: this trainer normalizes over the last axis of its input (${shape.length} for a batch of shape [null, ${shape.join(', ')}], or -1)`);
    }
  });
  const { entries, bytes } = manifest(modelJson, source);
  if (weights.length !== bytes) {
    throw new ModelSpecError(`${source}: the weights are ${weights.length} bytes, the manifest describes ${bytes} (a missing, truncated or extra shard?)`);
  }
  // Keras 3 and some converters prefix every weight with the model's name ('sequential/dense/kernel'): a prefix all share.
  const prefix = sharedPrefix(entries.map((x) => x.name));
  const used = new Set<ManifestEntry>();
  const params = flatParams(model, (info, layer) => {
    const weight = `${kerasNames[layer.index]}/${info.name.slice(layer.name.length + 1)}`;
    const e = entries.find((x) => x.name === weight) ?? entries.find((x) => x.name === prefix + weight);
    if (!e || used.has(e)) throw new ModelSpecError(`${wheres[layer.index]}: weight "${weight}" is missing from the manifest`);
    used.add(e);
    if (e.shape.join() !== info.shape.join()) {
      throw new ModelSpecError(`${wheres[layer.index]}: weight "${e.name}" has shape [${e.shape.join(', ')}], the layer needs [${info.shape.join(', ')}]`);
    }
    const values = bytesF32(weights.subarray(e.offset, e.offset + e.size * 4));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelSpecError(`${source}: weight "${e.name}" has a non-finite value (${values[bad]}) at index ${bad}`);
    return values;
  });
  const meta = isObj(modelJson.userDefinedMetadata) ? modelJson.userDefinedMetadata : {};
  const classNames = checkedClassNames(meta.classNames, classes, `${source}: userDefinedMetadata.classNames`);
  const dataset = typeof meta.dataset === 'string' && meta.dataset.trim() !== '' ? meta.dataset : undefined;
  return { spec, model, params, ...(dataset ? { dataset } : {}), ...(classNames ? { classNames } : {}), notes };
}

/** The folders every name starts with ('sequential/'), or ''. */
function sharedPrefix(names: string[]): string {
  if (names.length === 0) return '';
  let p = names[0].slice(0, names[0].lastIndexOf('/') + 1);
  while (p && !names.every((n) => n.startsWith(p))) p = p.slice(0, p.slice(0, -1).lastIndexOf('/') + 1);
  return p;
}

/** Concatenated shards, read by path with `read` (a zip's entries, files beside model.json, ...). */
export function readShards(modelJson: Obj, read: (path: string) => Uint8Array | undefined, source = 'model.json'): Uint8Array {
  const parts = weightPaths(modelJson, source).map((p) => {
    const bytes = read(p);
    if (!bytes) throw new ModelSpecError(`${source}: weights file "${p}" named in the manifest is missing`);
    return bytes;
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Import from a zip holding model.json and its shards (our exportTfjsZip, or the user's own). */
export function importTfjsZip(zip: Uint8Array, options: ImportOptions = {}): ImportedModel {
  const source = options.source ?? 'model zip';
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    // A file that cannot be read is the file's fault ('checkpoint', as for a cut .mntc), not the model's.
    throw new CheckpointError(`${source}: not a readable zip file (corrupt or truncated?): ${(e as Error).message}`);
  }
  const corrupt = crcMismatch(zip, files);
  if (corrupt !== undefined) throw new CheckpointError(`${source}: corrupt zip file: ${corrupt} does not match the CRC-32 the zip stores for it`);
  // model.json, else the one .json file (TF.js's downloads://my-model writes my-model.json and my-model.weights.bin).
  const jsons = Object.keys(files).filter((p) => /\.json$/i.test(p) && !p.startsWith('__MACOSX/'));
  const jsonPath = jsons.find((p) => p === 'model.json' || p.endsWith('/model.json')) ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (!jsonPath) throw new ModelSpecError(`${source}: the zip holds no model.json${jsons.length ? ` (it holds ${jsons.slice(0, 3).join(', ')})` : ''}`);
  const dir = jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1);
  const inner = `${source}: ${jsonPath.slice(dir.length)}`;
  const modelJson = parseModelJson(new TextDecoder().decode(files[jsonPath]), inner);
  // Paths relative to model.json, './' included (tf.io.browserDownloads writes './model.weights.bin').
  const weights = readShards(modelJson, (p) => files[dir + p.replace(/^(\.\/)+/, '')], inner);
  return importTfjs(modelJson, weights, { ...options, source: inner });
}
