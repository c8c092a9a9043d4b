// The settings of a run that --loads a checkpoint. The checkpoint keeps its own (the model, optimizer, batch size,
// limits, schedule, ...), as the element's Load sets its form to them, and its data set where --dataset is not given;
// the command line sets what a loaded model may change (the live settings given, --epochs to continue to) and where
// this machine keeps the data (--dataset, --load-timeout). So metrics.json, the charts and the console describe the
// run that trained, not the command line's defaults. A flag given for another setting, with a value unlike the
// checkpoint's, is named as not applied; --model, where given, is the model the checkpoint must hold (Trainer.load
// refuses another, naming the first layer that differs). A TF.js model trains with the command line's settings, on
// the bundled set its metadata names (our export's userDefinedMetadata) where --dataset is not given, and its own model.
import { CheckpointError, decodeCheckpoint } from '../engine/checkpoint';
import { modelName, resolveModel, type ModelSpec } from '../engine/model';
import { modelSetting } from '../engine/model-setting';
import { checkModelIdentity, modelIdentity } from '../engine/checkpoint-header';
import { bundledDataset, MODEL_INPUT, SETTINGS, settingSpec, type SettingName, type Settings } from '../engine/settings';
import { configSettings } from '../engine/settings-config';
import { readModelFile, type ModelFile } from './model-files';
import type { TrainOptions } from './options';

/** Settings the command line sets for a loaded checkpoint besides the live ones (the model: see above). */
const FROM_COMMAND_LINE: readonly SettingName[] = ['epochs', 'dataSource', 'loadTimeout', 'model'];

const identity = (m: ModelSpec) => modelIdentity(resolveModel(m, MODEL_INPUT.shape, MODEL_INPUT.classes));

/** The options a run with `o.load` trains with, the flags given that the checkpoint overrides, and the file, read once. Other runs: `o`. */
export function loadedRunOptions(o: TrainOptions): { options: TrainOptions; notApplied: string[]; file?: ModelFile } {
  if (!o.load) return { options: o, notApplied: [] };
  const file = readModelFile(o.load);
  if (file.imported) {
    const { dataset, spec } = file.imported;
    const dataSource = dataset === undefined || o.given.includes('dataSource') ? o.settings.dataSource : trainedOn(dataset, o.load, 'model');
    // The file's model is the one that trains: a --model given must be it (as a checkpoint's must), and the outputs name it.
    if (o.given.includes('model')) checkModelIdentity(identity(spec), identity(o.model), o.load, `--model ${o.modelName}`, 'the file\'s');
    return { options: { ...o, settings: { ...o.settings, dataSource, model: modelSetting(spec) }, model: spec, modelName: modelName(spec) }, notApplied: [], file };
  }
  const h = decodeCheckpoint(file.bytes, o.load).header;
  // Named at once and as the flag (Trainer.load would say "the target model" after the data set is loaded).
  if (o.given.includes('model')) checkModelIdentity(h.model ?? identity(h.config.model), identity(o.model), o.load, `--model ${o.modelName}`);
  const keep = new Set<SettingName>([...FROM_COMMAND_LINE, ...o.liveGiven]);
  const settings = { ...o.settings, ...configSettings(h.config) } as Settings;
  for (const n of keep) (settings as Record<SettingName, unknown>)[n] = o.settings[n];
  settings.dataSource = o.given.includes('dataSource') ? o.settings.dataSource : trainedOn(h.dataset, o.load, 'checkpoint');
  const model = o.given.includes('model') ? o.model : h.config.model;
  settings.model = modelSetting(model);
  const shown = (n: SettingName, v: unknown) => (v === null ? settingSpec(n).absent ?? 'none' : String(v));
  const notApplied = o.given.filter((n) => !keep.has(n) && JSON.stringify(o.settings[n]) !== JSON.stringify(settings[n]))
    .map((n) => `--${SETTINGS[n].flag} ${shown(n, o.settings[n])} (the checkpoint's: ${shown(n, settings[n])})`);
  return { options: { ...o, settings, model, modelName: modelName(h.config.model) }, notApplied, file };
}

/** The bundled set a model file was trained on; another set's folder is not in the file, so it must be given. */
function trainedOn(dataset: string, source: string, what: 'checkpoint' | 'model'): string {
  const bundled = bundledDataset(dataset);
  if (bundled) return bundled;
  throw new CheckpointError(`${source}: the ${what} was trained on data set "${dataset}", which is not bundled: pass --dataset with its folder or URL`);
}
