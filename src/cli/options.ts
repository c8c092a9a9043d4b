// Command-line options shared by `npm run train` and `npm run experiments`: parsed strictly, so a
// typo or a bad value stops with a message that names the option, instead of training something else.
import { OPTIMIZERS, type OptimizerName } from '../engine/ops/optimizer';
import { parseModel, presetNames, type ModelSpec } from '../engine/model';
import { LR_SCHEDULES, type LrScheduleName } from '../engine/lr-schedule';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface TrainOptions {
  dataset: string;
  model: ModelSpec;
  modelName: string;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  lrSchedule: LrScheduleName;
  dropout?: number;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  validationSplit?: number;
  out: string;
  save?: string;
  quiet: boolean;
}

export const TRAIN_USAGE = `usage: npm run train -- [options]
  --dataset NAME|DIR|URL   mnist (bundled, default), fashion-mnist (Debian's dataset-fashion-mnist),
                           a folder or URL holding the four IDX files (optionally .gz)
  --model NAME|FILE|JSON   ${presetNames().join(', ')} (default mlp), a JSON file, or inline JSON
  --epochs N               default 5
  --batch-size N           default 128
  --optimizer NAME         ${OPTIMIZERS.join(', ')} (default adam)
  --learning-rate X        default 0.001
  --lr-schedule NAME       ${LR_SCHEDULES.join(', ')} (default constant; cosine decays the rate to ~0 over the epochs)
  --dropout X              rate for every dropout layer, 0 = off (default: each layer's own rate)
  --seed N                 default 1: same seed, same adapter → same History
  --train-limit N          train on the first N training images
  --test-limit N           evaluate on the first N test images only (default: all)
  --validation-split X     hold out this fraction of the training images as validation data
  --out DIR                where history.json, metrics.json, loss.png, accuracy.png go (default out)
  --save FILE              also write a checkpoint (weights, optimizer state, History)
  --quiet                  no progress bar`;

export function parseArgs(argv: string[], flags: string[] = ['quiet', 'help', 'quick']): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}" (options start with --)`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (flags.includes(name)) {
      out.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    out.set(name, value);
  }
  return out;
}

export function intOption(args: Map<string, string>, name: string, def: number | undefined, min = 1): number | undefined {
  const v = args.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function numberOption(args: Map<string, string>, name: string, def: number | undefined, check: (n: number) => boolean, range: string): number | undefined {
  const v = args.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${range}, got "${v}"`);
  return n;
}

/** Reads a text file, or returns undefined when there is none (injected: this module stays platform-free). */
export type ReadText = (path: string) => string | undefined;

export function loadModelOption(value: string, readText: ReadText): ModelSpec {
  const file = presetNames().includes(value) || value.trim().startsWith('{') || value.trim().startsWith('[') ? undefined : readText(value);
  const text = file ?? value;
  try {
    return parseModel(text);
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
}

export function parseTrainOptions(argv: string[], readText: ReadText = () => undefined): TrainOptions {
  const args = parseArgs(argv);
  const known = ['dataset', 'model', 'epochs', 'batch-size', 'optimizer', 'learning-rate', 'lr-schedule', 'dropout', 'seed', 'train-limit', 'test-limit', 'validation-split', 'out', 'save', 'quiet', 'help'];
  for (const k of args.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k}`);
  if (args.has('help')) throw new UsageError('');
  const optimizer = (args.get('optimizer') ?? 'adam') as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got "${optimizer}"`);
  const lrSchedule = (args.get('lr-schedule') ?? 'constant') as LrScheduleName;
  if (!LR_SCHEDULES.includes(lrSchedule)) throw new UsageError(`--lr-schedule must be one of ${LR_SCHEDULES.join(', ')}, got "${lrSchedule}"`);
  const modelArg = args.get('model') ?? 'mlp';
  return {
    dataset: args.get('dataset') ?? 'mnist',
    model: loadModelOption(modelArg, readText),
    modelName: presetNames().includes(modelArg) ? modelArg : 'custom',
    epochs: intOption(args, 'epochs', 5)!,
    batchSize: intOption(args, 'batch-size', 128)!,
    optimizer,
    learningRate: numberOption(args, 'learning-rate', 0.001, (n) => n > 0, 'a positive number')!,
    lrSchedule,
    dropout: numberOption(args, 'dropout', undefined, (n) => n >= 0 && n < 1, 'in [0, 1)'),
    seed: intOption(args, 'seed', 1, 0)!,
    trainLimit: intOption(args, 'train-limit', undefined),
    testLimit: intOption(args, 'test-limit', undefined),
    validationSplit: numberOption(args, 'validation-split', undefined, (n) => n >= 0 && n < 1, 'in [0, 1)'),
    out: args.get('out') ?? 'out',
    save: args.get('save'),
    quiet: args.has('quiet'),
  };
}
