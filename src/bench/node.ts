// `npm run bench -- --node`: the benchmark in Node through the `webgpu` package (Dawn), for GPU servers
// without a screen. TF.js is browser-only: its fields are null. Run with scripts/run-node.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadNodeDataset } from '../node/data';
import { nodeGpu } from '../node/gpu';
import { UsageError } from '../engine/args';
import { formatBenchResult } from './format';
import { BENCH_USAGE, parseBenchArgs, planOverrides } from './plan';
import { runBenchmark } from './run';

try {
  const args = parseBenchArgs(process.argv.slice(2));
  const file = args.out ? resolve(args.out) : undefined;
  const write = (r: unknown) => {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  };
  const gpu = await nodeGpu();
  const result = await runBenchmark({
    quick: args.quick,
    kernels: args.kernels,
    timeToAccuracy: args.timeToAccuracy,
    fp32PeakTflops: args.fp32Peak,
    plan: planOverrides(args),
    gpu,
    loadMnist: () => loadNodeDataset('mnist'),
    // Each section's results as they come (complete: false), so that a run cut short leaves them in the file.
    onPartial: write,
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
