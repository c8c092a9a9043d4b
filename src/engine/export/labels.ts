// What an exported model's outputs mean: the data set it was trained on and its class names, one per output.
// A checkpoint holds them in its header; TF.js Layers files carry them in model.json's userDefinedMetadata (which
// tf.loadLayersModel keeps: model.getUserDefinedMetadata()), ONNX files as metadata_props ("dataset",
// "class_names" as a JSON array), so a Fashion-MNIST model that leaves the page still says "Ankle boot", not "9".
import { ModelSpecError } from '../model';

export interface ModelLabels {
  dataset: string;
  classNames: readonly string[];
}

/** The class names in a file's metadata (`v`), checked against the model's outputs; undefined where there are none. */
export function checkedClassNames(v: unknown, classes: number, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== classes || v.some((c) => typeof c !== 'string' || c.trim() === '')) {
    throw new ModelSpecError(`${where} must be ${classes} non-empty names, one per output, got ${JSON.stringify(v)?.slice(0, 120)}`);
  }
  return [...(v as string[])];
}

/** A data set's labels (a GpuDataset's, say) as the exports write them. */
export const labelsOf = (d: { name: string; classNames: readonly string[] }): ModelLabels => ({ dataset: d.name, classNames: d.classNames });
