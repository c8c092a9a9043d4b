// Every 1-D grid past the device's per-dimension limit (65,535 workgroups) is folded into x and y
// (dispatch.ts grid1d), and each kernel linearises it back, skipping the fold's extra workgroups. Grids that
// large come only with large batches, so here every grid of more than 3 workgroups is folded
// (gridFolding.limit) and a run must match the same run unfolded bit for bit: folding moves work between
// workgroups but changes no arithmetic, so any difference is an index or guard wrong in some kernel.
import { gridFolding } from '../../src/engine/dispatch';
import type { ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import type { KernelSetting } from '../../src/engine/kernel-variant';
import type { GpuDataset } from '../../src/engine/gpu-dataset';
import { assert, assertBitEqual, assertEqual } from '../util/assert';
import { smallMnist, trainer } from './fixtures';

/** Two steps of training, the gradients, a test evaluation, a batch prediction and an inspection, as numbers. */
async function run(data: GpuDataset, model: ModelSpec, kernels: KernelSetting, images: Uint8Array): Promise<Record<string, ArrayLike<number>>> {
  const t = await trainer(data, {
    model, kernels, batchSize: 24, seed: 5, optimizer: { name: 'adam', learningRate: 0.01 }, augmentation: { shift: 2, rotation: 10, zoom: 0.1 },
  });
  try {
    await t.fit({}, undefined, 1);
    const grads = await t.readGradients();
    const { params } = await t.readState();
    const e = await t.evaluate('test');
    const inspection = await t.inspect(images.subarray(0, 784));
    return {
      params, grads, loss: [e.loss], predictions: e.predictions, probabilities: e.probabilities, predictMany: await t.predictMany(images),
      maps: inspection.layers.flatMap((l) => [...l.values]),
    };
  } finally {
    t.destroy();
  }
}

const CASES: [string, ModelSpec, KernelSetting][] = [
  ['the cnn (conv + pool fused, dropout, dense), register kernels', PRESETS.cnn, 'register'],
  ['the cnn, tiled kernels', PRESETS.cnn, 'tiled'],
  ['conv (same padding, tanh), batch norm, avg-pool, dense gelu with an L1/L2 regularizer, dropout', {
    layers: [
      { type: 'conv2d', filters: 6, kernelSize: [3, 3], padding: 'same', activation: 'tanh' },
      { type: 'batchNormalization' },
      { type: 'avgPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 40, activation: 'gelu', kernelRegularizer: { l1: 0.001, l2: 0.01 } },
      { type: 'dropout', rate: 0.3 },
      { type: 'dense', units: 10 },
    ],
  }, 'register'],
];

describe('1-D grids folded into two dimensions give the same results', () => {
  for (const [what, model, kernels] of CASES) {
    it(what, async () => {
      const data = await smallMnist(48, 37);
      const images = data.test.cpu.images.slice(0, 5 * 784);
      try {
        const plain = await run(data, model, kernels, images);
        gridFolding.limit = 3;
        let folded: Record<string, ArrayLike<number>>;
        try {
          folded = await run(data, model, kernels, images);
        } finally {
          gridFolding.limit = undefined;
        }
        for (const [k, v] of Object.entries(plain)) {
          assert(v.length > 0, `${k}: something to compare`);
          assertEqual(folded[k].length, v.length, `${k}: length`);
          assertBitEqual(Float32Array.from(folded[k]), Float32Array.from(v), `${what}: ${k}`);
        }
      } finally {
        data.destroy();
      }
    });
  }
});
