// The command line of `npm run experiments`. Pure, so the browser tests can check it.
import { parseArgs, UsageError } from '../../engine/args';
import { EXPERIMENT_IDS, type ExperimentId } from './plan';

export interface ExperimentOptions {
  quick: boolean;
  out: string;
  /** Folder or URL of the Fashion-MNIST IDX files; undefined skips those experiments. */
  fashion?: string;
  only?: ExperimentId[];
  quiet: boolean;
  /** A results.json to draw the report and its charts from again, without training. */
  fromResults?: string;
  /** Train every run again, even those whose settings match a run stored in the results.json being replaced. */
  rerun: boolean;
  /** Where stored runs are looked up (default: OUT/experiments/results.json). */
  reuse?: string;
}

export const EXPERIMENTS_USAGE = `usage: npm run experiments -- [options]
  --quick              a reduced version (tiny subsets, one epoch) that checks the report is generated (CI)
  --out DIR            write DIR/experiments.md, DIR/lab5.ru.md, DIR/lab5.en.md and DIR/experiments/*.svg (default docs)
  --fashion DIR|URL    the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist when it exists)
  --no-fashion         skip the Fashion-MNIST experiments
  --only LIST          only these experiments, comma-separated: ${EXPERIMENT_IDS.join(', ')}
  --quiet              one line per run instead of one per epoch
  --reuse FILE         take runs from this results.json when their settings, model, seed and data set match
                       (default DIR/experiments/results.json, the file the report replaces)
  --rerun              train every run again instead of reusing stored ones (the stored speeds still give the estimate)
                       (an interrupted command resumes from DIR/experiments/results.partial.json, even with --rerun)
  --from-results FILE  no training: write the report and its charts again from a results.json it wrote
                       (e.g. docs/experiments/results.json after a change to the report or the charts)`;

/** Parses the command line; `fashionDefault` is the Fashion-MNIST folder when one exists on this machine. */
export function parseExperimentOptions(argv: string[], fashionDefault?: string): ExperimentOptions {
  // The option names checked as they are read, so `--bogus` is unknown, not a flag missing its value.
  const known = ['quick', 'out', 'fashion', 'no-fashion', 'only', 'quiet', 'help', 'from-results', 'rerun', 'reuse'];
  const args = parseArgs(argv, ['quick', 'quiet', 'help', 'no-fashion', 'rerun'], known);
  if (args.has('help')) throw new UsageError('');
  if (args.has('fashion') && args.has('no-fashion')) throw new UsageError('--fashion and --no-fashion contradict each other');
  const out = args.get('out') ?? 'docs';
  if (out.trim() === '') throw new UsageError('--out needs a folder');
  const fashion = args.has('no-fashion') ? undefined : args.get('fashion') ?? fashionDefault;
  if (fashion !== undefined && fashion.trim() === '') throw new UsageError('--fashion needs a folder or URL');
  let only: ExperimentId[] | undefined;
  if (args.has('only')) {
    only = args.get('only')!.split(',').map((s) => s.trim()).filter(Boolean) as ExperimentId[];
    const bad = only.filter((id) => !(EXPERIMENT_IDS as readonly string[]).includes(id));
    if (bad.length || only.length === 0) throw new UsageError(`--only takes experiment ids (${EXPERIMENT_IDS.join(', ')}), got "${args.get('only')}"`);
    if (!fashion && only.every((id) => id.startsWith('fashion-'))) throw new UsageError('--only names Fashion-MNIST experiments only, but no Fashion-MNIST data is given (--fashion DIR|URL)');
  }
  const fromResults = args.get('from-results');
  if (fromResults !== undefined && fromResults.trim() === '') throw new UsageError('--from-results needs a results.json file');
  // It trains nothing: a flag that chooses what to train would be ignored, so it is refused.
  const training = ['quick', 'only', 'fashion', 'no-fashion', 'rerun', 'reuse'].filter((f) => args.has(f));
  if (fromResults !== undefined && training.length) {
    throw new UsageError(`--from-results draws the report again from the file and trains nothing: ${training.map((f) => `--${f}`).join(', ')} does not apply`);
  }
  const reuse = args.get('reuse');
  if (reuse !== undefined && reuse.trim() === '') throw new UsageError('--reuse needs a results.json file');
  return {
    quick: args.has('quick'), out, fashion, only, quiet: args.has('quiet'), rerun: args.has('rerun'),
    ...(fromResults !== undefined ? { fromResults } : {}), ...(reuse !== undefined ? { reuse } : {}),
  };
}
