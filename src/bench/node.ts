// `npm run bench -- --node`: the benchmark in Node through the `webgpu` package (Dawn), for GPU servers
// without a screen. TF.js is browser-only: its fields are null. Run with scripts/run-node.mjs.
import { resolve } from 'node:path';
import { loadNodeDataset } from '../node/data';
import { nodeGpu } from '../node/gpu';
import { UsageError } from '../engine/args';
import { formatBenchResult } from './format';
import { BENCH_USAGE, parseBenchArgs, planOverrides } from './plan';
import { runBenchmark } from './run';
import { startedResult, writeJsonFile } from './result-file';

try {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv);
  const file = args.out ? resolve(args.out) : undefined;
  const write = (r: object) => {
    if (file) writeJsonFile(file, { ...r, arguments: argv });
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
  console.log(`\n${formatBenchResult(result)}`);
  if (file) {
    write(result);
    console.log(`wrote ${file}`);
  }
  process.exit(0);
} catch (e) {
  if (e instanceof UsageError) {
    if (e.message) console.error(`bench: ${e.message}`);
    console.error(BENCH_USAGE);
    process.exit(e.message ? 2 : 0);
  }
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
}
