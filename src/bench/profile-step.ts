// `npm run profile -- cnn 128 [reps]`: per-dispatch time of the Trainer's training step, in Node
// (the `webgpu` package; run with scripts/run-node.mjs). The model is a preset name or layers as JSON.
// KERNELS=auto|tiled|register picks the GEMM kernels' implementation (default auto: measured per op, autotune.ts).
import { adapterName } from '../engine/gpu';
import { checkKernelSetting } from '../engine/autotune';
import { nodeGpu } from '../node/gpu';
import { formatProfile, profileStep } from './profile';

const [model = 'cnn', batchArg = '128', repsArg = '3'] = process.argv.slice(2);
try {
  const kernels = process.env.KERNELS;
  if (kernels !== undefined) checkKernelSetting('KERNELS', kernels);
  const gpu = await nodeGpu();
  console.log(adapterName(gpu));
  console.log(formatProfile(await profileStep(gpu, model, Number(batchArg), { reps: Number(repsArg), kernels })));
  process.exit(0);
} catch (e) {
  console.error(`profile: ${(e as Error).message}`);
  process.exit(1);
}
