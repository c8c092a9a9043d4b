// `npm run bench -- --node`: the benchmark in Node through the `webgpu` package (Dawn), for GPU servers
// without a screen. TF.js is browser-only: its fields are null. Run with scripts/run-node.mjs.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { loadNodeDataset } from '../node/data';
import { nodeGpu } from '../node/gpu';
import { UsageError, usageReport } from '../engine/args';
import { formatBenchResult } from './format';
import { BENCH_USAGE, parseBenchArgs, planOverrides } from './plan';
import { runBenchmark } from './run';
import { startedResult, writeJsonFile } from './result-file';

try {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv);
  const file = args.out ? resolve(args.out) : undefined;
  const measuredWith = environment();
  const write = (r: object) => {
    if (file) writeJsonFile(file, { ...r, arguments: argv, environment: measuredWith });
  };
  // Before the GPU starts: a path that cannot be written is refused now, not after the run (result-file.ts).
  try {
    if (file) writeJsonFile(file, startedResult(argv));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let partialFailed = false;
  const gpu = await nodeGpu();
  const result = await runBenchmark({
    quick: args.quick,
    kernels: args.kernels,
    timeToAccuracy: args.timeToAccuracy,
    fp32PeakTflops: args.fp32Peak,
    plan: planOverrides(args),
    gpu,
    loadMnist: () => loadNodeDataset('mnist'),
    // Each section's results as they come (complete: false), so that a run cut short leaves them in the file;
    // a write that fails (a full disk) is said once, and the run goes on to print its table.
    onPartial: (r) => {
      try {
        write(r);
      } catch (e) {
        if (!partialFailed) console.error(`bench: note: ${(e as Error).message}; the run goes on`);
        partialFailed = true;
      }
    },
  }, (line) => console.log(`[bench] ${line}`));
  console.log(`\n${formatBenchResult({ ...result, environment: measuredWith })}`);
  if (file) {
    write(result);
    console.log(`wrote ${file}`);
  }
  process.exit(0);
} catch (e) {
  if (e instanceof UsageError) {
    const { text, status } = usageReport(e, BENCH_USAGE);
    console.error(text);
    process.exit(status);
  }
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
}

/**
 * What the numbers were measured with, for the JSON and its tables: Node's version, the webgpu package's (its Dawn
 * build), and the commit with "+changes" where tracked files differ from it, where git can tell (not in the device
 * kit, which runs without the repository's history).
 */
function environment(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  try {
    out.webgpu = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  } catch { /* not installed as a package: the version is unknown */ }
  try {
    const git = (...args: string[]) => execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    out.commit = `${git('rev-parse', '--short=12', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
  } catch { /* no git, or not a repository */ }
  return out;
}
