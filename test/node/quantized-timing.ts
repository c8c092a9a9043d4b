// Run by scripts/cli-smoke.mjs (scripts/run-node.mjs): GPU timing through Dawn with its timestamps quantized, as
// a browser has them (Node's own instance turns that off, node/gpu.ts). One run of a small matmul, as the
// autotuner times a candidate, reads 0 or a quantum; each timing must still come from the timestamps
// (gpu-timer.ts takes more runs until their mean means something), never fall back to wall time. Prints JSON.
import { createTensor } from '../../src/engine/buffers';
import { timeDispatches } from '../../src/engine/gpu-timer';
import { createMatmul } from '../../src/engine/ops/matmul';

const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
Object.assign(globalThis, globals);
// Kept for the life of the process (node/gpu.ts: a collected instance aborts pending work).
const instance = create([]);
const adapter = await instance.requestAdapter();
if (!adapter?.features.has('timestamp-query')) {
  console.log(JSON.stringify({ skipped: 'no timestamp-query' }));
  process.exit(0);
}
const device = await adapter.requestDevice({ requiredFeatures: ['timestamp-query'] });
const t = (n: number) => createTensor(device, 'x', [n]).buffer;
const op = await createMatmul(device, { label: 'mm', M: 8, N: 8, K: 8, a: t(64), b: t(64), c: t(64), variant: 'register' });
const once = { warmup: 0, min: 1, max: 1, seconds: 0 };
const timings = [];
for (let i = 0; i < 12; i++) timings.push(await timeDispatches(device, op.dispatches, once, true, 'quantized'));
const ticks = timings.flatMap((x) => x.samples);
console.log(JSON.stringify({
  methods: [...new Set(timings.map((x) => x.method))],
  ms: timings.map((x) => x.ms),
  // Every reading a multiple of 2^16 ns: the timestamps really were quantized.
  quantized: ticks.every((v) => Math.abs(v / 0.065536 - Math.round(v / 0.065536)) < 1e-6),
  runs: timings.map((x) => x.samples.length),
}));
op.destroy();
device.destroy();
process.exit(0);
