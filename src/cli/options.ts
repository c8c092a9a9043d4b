// The options of `npm run train`: the settings' flags (engine/settings.ts declares each setting, its
// rule, default and help once) plus the command's own output options. Parsed strictly, so a typo or a
// bad value stops with a message that names the option, instead of training something else.
import { modelName, type ModelSpec } from '../engine/model';
import { parseModel, presetNames } from '../engine/model-setting';
import { SETTINGS, SETTING_NAMES, SettingError, parseSettings, settingOptions, type LiveSettingName, type SettingName, type Settings } from '../engine/settings';
import { UsageError, formatOptions, parseArgs, type OptionHelp } from '../engine/args';
import { LIVE_SETTINGS } from '../engine/live-settings';
import { LANGS, type Lang } from './run-words';

export interface TrainOptions {
  /** Every setting: from its flag, or the schema's default. */
  settings: Settings;
  /** The model the `model` setting describes (a preset, inline JSON, or a JSON file's text). */
  model: ModelSpec;
  /** modelName() of the model: its name (a preset's), or 'custom'. */
  modelName: string;
  out: string;
  /** Where the checkpoint goes: --save, else model.mntc in `out`; none for --evaluate-only without --save. */
  save?: string;
  /** A checkpoint to continue (to `epochs` in all) or a TF.js Layers model (model.json or zip) to start from. */
  load?: string;
  /** The settings given by flag (the others are the schema's defaults). */
  given: SettingName[];
  /** The live settings given by flag: they apply to a loaded checkpoint too (the others are the checkpoint's own). */
  liveGiven: LiveSettingName[];
  /** With `load`: evaluate on the test set, train nothing. */
  evaluateOnly: boolean;
  /** After training: write model.json + weights here (TF.js Layers). */
  exportTfjs?: string;
  /** After training: write the ONNX model here. */
  exportOnnx?: string;
  quiet: boolean;
  /** Print the Keras program (engine/keras-code.ts) instead of training. */
  kerasCode: boolean;
  /** The language of the charts and the mistakes' gallery (run-words.ts). */
  lang: Lang;
}

/** Options of the command itself, not training settings; `bare` ones take no value. */
const OUTPUT_OPTIONS: (OptionHelp & { bare?: true })[] = [
  { flag: 'out', metavar: 'DIR', help: 'where history.json and .csv, metrics.json and the charts go (default out)' },
  { flag: 'save', metavar: 'FILE', help: 'where the checkpoint goes (weights, optimizer state, History; default model.mntc in --out): kept current after every finished epoch, written after training and after a stop by Ctrl-C, and, for a run that fails, as it was after its last finished epoch' },
  { flag: 'load', metavar: 'FILE', help: 'start from a checkpoint (.mntc: its model, weights, optimizer state and settings, but --learning-rate and --dropout where given, on its bundled data set unless --dataset is given; training continues to --epochs in all) or a TF.js Layers model (model.json with its weights beside it, or a zip: its model and weights, trained with these settings)' },
  { flag: 'evaluate-only', help: 'with --load: evaluate on the test set and write the files, without training', bare: true },
  { flag: 'export-tfjs', metavar: 'DIR', help: 'after training, write the model as TF.js Layers (model.json + group1-shard1of1.bin) into DIR' },
  { flag: 'export-onnx', metavar: 'FILE', help: 'after training, write the model as ONNX (opset 13; input "input" (N, 28, 28, 1), output "probabilities")' },
  { flag: 'lang', metavar: LANGS.join('|'), help: `the language of the charts and the gallery of mistakes: titles, axes, legends, class names, numbers (ru: decimal commas), for a lab report in that language (default ${LANGS[0]}; metrics.json and the console are the same in both)` },
  { flag: 'quiet', help: 'no progress bar', bare: true },
  { flag: 'keras-code', help: 'print the equivalent Keras program for these settings and exit, without training', bare: true },
  { flag: 'help', help: 'this text', bare: true },
];

/** The settings that have a flag, by flag. */
const FLAGS = new Map(SETTING_NAMES.filter((n) => SETTINGS[n].flag !== null).map((n) => [SETTINGS[n].flag as string, n]));

export const TRAIN_USAGE = `usage: npm run train -- [options]\n${formatOptions([...settingOptions(), ...OUTPUT_OPTIONS])}`;

/** Reads a text file, or returns undefined when there is none (injected: this module stays platform-free). */
export type ReadText = (path: string) => string | undefined;

/** The command line's extra step for --model: a value that is no preset and no inline JSON names a file. */
export function modelText(value: string, readText: ReadText): string {
  const t = value.trim();
  if (presetNames().includes(t) || t.startsWith('{') || t.startsWith('[')) return value;
  return readText(value) ?? value;
}

/** What the given flags would not do as they read, said before training (the run goes on as asked). */
export function settingNotes(o: TrainOptions): string[] {
  const s = o.settings;
  const notes: string[] = [];
  if (o.given.includes('topK') && !s.metrics.split(',').includes('top_k_accuracy')) {
    notes.push(`--top-k ${s.topK} reports nothing without the top_k_accuracy metric: add --metrics accuracy,top_k_accuracy`);
  }
  // Keras would refuse a val_ monitor without validation data; this trainer watches the test set's values instead.
  const watches = s.earlyStopping != null || s.reduceLrPatience != null;
  if (watches && s.monitor.startsWith('val_') && !s.validationSplit) {
    notes.push(`--monitor ${s.monitor} without --validation-split watches the test set (${s.monitor.replace('val_', 'test_')}): hold out a split (--validation-split 0.1) to keep the test set for the final score`);
  }
  return notes;
}

export function parseTrainOptions(argv: string[], readText: ReadText = () => undefined): TrainOptions {
  const bare = [...SETTING_NAMES.filter((n) => SETTINGS[n].flag !== null && SETTINGS[n].kind === 'boolean').map((n) => SETTINGS[n].flag as string), ...OUTPUT_OPTIONS.filter((o) => o.bare).map((o) => o.flag)];
  const args = parseArgs(argv, bare, [...FLAGS.keys(), ...OUTPUT_OPTIONS.map((o) => o.flag)]);
  if (args.has('help')) throw new UsageError('');
  const given: Partial<Record<SettingName, unknown>> = {};
  for (const [flag, name] of FLAGS) if (args.has(flag)) given[name] = args.get(flag);
  if (typeof given.model === 'string') given.model = modelText(given.model, readText);
  let settings: Settings;
  try {
    settings = parseSettings(given, (n) => `--${SETTINGS[n].flag}`);
  } catch (e) {
    throw e instanceof SettingError ? new UsageError(e.message) : e;
  }
  if (args.has('evaluate-only') && !args.has('load')) throw new UsageError('--evaluate-only needs --load FILE (the model to evaluate)');
  const lang = args.get('lang') ?? LANGS[0];
  if (!(LANGS as readonly string[]).includes(lang)) throw new UsageError(`--lang must be one of ${LANGS.join(', ')}, got '${lang}'`);
  const out = args.get('out') ?? 'out';
  const evaluateOnly = args.has('evaluate-only');
  const model = parseModel(settings.model);
  return {
    settings,
    model,
    modelName: modelName(model),
    out,
    // Every run keeps its model: training time should not be lost to a forgotten flag (an evaluation trains nothing).
    save: args.get('save') ?? (evaluateOnly ? undefined : `${out.replace(/\/+$/, '')}/model.mntc`),
    load: args.get('load'),
    given: SETTING_NAMES.filter((n) => n in given),
    liveGiven: LIVE_SETTINGS.filter((n) => n in given),
    evaluateOnly,
    exportTfjs: args.get('export-tfjs'),
    exportOnnx: args.get('export-onnx'),
    quiet: args.has('quiet'),
    kerasCode: args.has('keras-code'),
    lang: lang as Lang,
  };
}
