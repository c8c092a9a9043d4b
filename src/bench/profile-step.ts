// Per-dispatch wall time of one training step (each dispatch submitted alone and awaited), in Node.
// A profiling aid: `node scripts/run-node.mjs src/bench/profile-step.ts cnn 128 [reps]`.
// KERNELS=tiled|register picks the matmul/conv2d implementation (default: preferredKernels(adapter)).
import { nodeGpu } from '../node/gpu';
import { buildGraph } from '../engine/graph';
import { PRESETS, resolveModel } from '../engine/model';
import { submitDispatches } from '../engine/dispatch';
import { checkVariant, preferredKernels } from '../engine/kernel-variant';

const [name = 'cnn', batchArg = '128', repsArg = '3'] = process.argv.slice(2);
const gpu = await nodeGpu();
const device = gpu.device;
const model = resolveModel(PRESETS[name]);
const kernels = process.env.KERNELS ?? preferredKernels(gpu.adapterInfo);
checkVariant('KERNELS', kernels);
console.log(`${gpu.adapterInfo.description || gpu.adapterInfo.architecture}: '${kernels}' kernels`);
const graph = await buildGraph(device, model, Number(batchArg), 1, { kernels });
submitDispatches(device, await graph.initialize(1));
await device.queue.onSubmittedWorkDone();
const rows: [string, number][] = [];
for (const d of [...graph.forward, ...graph.backward]) {
  submitDispatches(device, [d]);
  await device.queue.onSubmittedWorkDone();
  const times: number[] = [];
  for (let r = 0; r < Number(repsArg); r++) {
    const t = performance.now();
    submitDispatches(device, [d]);
    await device.queue.onSubmittedWorkDone();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  rows.push([`${d.label} [${d.workgroups.join('×')}]`, times[times.length >> 1]]);
}
const total = rows.reduce((s, r) => s + r[1], 0);
for (const [l, ms] of rows) console.log(`${ms.toFixed(1).padStart(9)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${l}`);
console.log(`${total.toFixed(1).padStart(9)} ms total per step → ${((Number(batchArg) / total) * 1000).toFixed(1)} images/s`);
process.exit(0);
