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

/** Up to `shown` names, then "…": a list of classes short enough for a notice. */
/** The first names of a list for a notice: "0, 1, 2, 3, …". */
export const fewNames = (names: readonly string[], shown = 4) => names.slice(0, shown).join(', ') + (names.length > shown ? ', …' : '');

/**
 * Where a model file's class names (its metadata's) are not those of the data set it is about to train and be
 * evaluated on: the names shortened for a notice; undefined where they agree or the file names none. Not an
 * error (fine-tuning a Fashion-MNIST model on MNIST is a fair experiment), but the user should know the
 * file's names are set aside.
 */
export function classNamesMismatch(file: readonly string[] | undefined, data: { name: string; classNames: readonly string[] }): { theirs: string; ours: string } | undefined {
  if (!file || (file.length === data.classNames.length && file.every((n, i) => n === data.classNames[i]))) return undefined;
  return { theirs: fewNames(file), ours: fewNames(data.classNames) };
}

/** classNamesMismatch's notice in English (the command line's; the element words it in the page's language). */
export function classNamesNotice(source: string, m: { theirs: string; ours: string }, dataset: string): string {
  return `${source} names its classes ${m.theirs}; it is trained and evaluated with ${dataset}'s: ${m.ours}`;
}
