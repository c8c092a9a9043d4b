// One complete training step on the GPU (gather → forward → loss → backward → Adam) against the same
// step computed with the float64 CPU references, parameter by parameter.
import { type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { resolveOptimizerConfig } from '../../src/engine/ops/optimizer';
import { deriveSeed, shuffledIndices } from '../../src/engine/random';
import { gatherReference } from '../reference/gather';
import { referenceStep } from '../reference/model';
import { refOptimizerState } from '../reference/optimizer';
import { assertClose } from '../util/assert';
import { smallMnist, trainer } from './fixtures';

/**
 * `optimizer`: Adam by default; SGD where some gradients are tiny (Adam's first step, about lr·sign(g), turns
 * the f32 rounding of a gradient near 0 into a full step either way).
 */
async function compareStep(name: string, model: ModelSpec, batch: number, optimizer: 'adam' | 'sgd' = 'adam'): Promise<void> {
  const data = await smallMnist(batch, batch);
  const seed = 11;
  // batch = training set: fit(…, 1) runs exactly one step.
  const t = await trainer(data, { model, batchSize: batch, seed, epochs: 1, optimizer: { name: optimizer, learningRate: 0.01 } });
  const before = Float64Array.from((await t.readState()).params);
  await t.fit({}, undefined, 1);
  const grads = await t.readGradients();
  const after = (await t.readState()).params;

  const order = shuffledIndices(batch, deriveSeed(seed, 'shuffle'), 0);
  const { x, y } = gatherReference(data.train.cpu.images, data.train.cpu.labels, order, { start: 0, batch, imageSize: 784 });
  const slots = t.parameterSlots.map((s) => ({ name: s.info.name, offset: s.offset, size: s.info.size }));
  const params = Float64Array.from(before);
  const config = resolveOptimizerConfig({ name: optimizer, learningRate: 0.01 });
  const ref = referenceStep(t.model, slots, params, x, y, batch, { seed, step: 1, optimizer: { config, state: refOptimizerState(params.length) } });

  for (const s of slots) {
    const g = grads.subarray(s.offset, s.offset + s.size);
    const gr = ref.grads.subarray(s.offset, s.offset + s.size);
    // f32 forward and backward through the whole network against float64: errors scale with the
    // tensor's largest gradient (sums of thousands of products), so the tolerance is relative to it.
    const scale = gr.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assertClose(g, gr, { atol: 2e-4 * scale + 1e-7, rtol: 2e-3 }, `${name} ${s.name} gradient`);
    // Adam's first step moves each weight by about lr·sign(g): compare the updated weights too (and the
    // moving statistics, which the forward updates).
    assertClose(after.subarray(s.offset, s.offset + s.size), params.subarray(s.offset, s.offset + s.size), { atol: 1e-5, rtol: 1e-5 }, `${name} ${s.name} after ${optimizer}`);
  }
  t.destroy();
  data.destroy();
}

describe('a full training step matches the CPU references', () => {
  it('cnn preset (conv, relu, max-pool, dropout 0.5, dense), batch 4', async () => {
    await compareStep('cnn', PRESETS.cnn, 4);
  });
  it('mlp preset (dense, relu, dropout 0.2), batch 8', async () => {
    await compareStep('mlp', PRESETS.mlp, 8);
  });
  it('same padding, avg-pool, tanh/gelu/elu layers, batch 3', async () => {
    await compareStep('mixed', {
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'tanh' },
        { type: 'avgPool2d', poolSize: 3, strides: 2 },
        { type: 'activation', activation: 'elu' },
        { type: 'flatten' },
        { type: 'dense', units: 16, activation: 'gelu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    }, 3);
  });
  // Statistics per channel after a conv's fused ReLU (the conv's own ReLU backward), per feature after a dense;
  // the moving statistics' update is compared with the weights after the step.
  it('batch normalization after a conv (relu) and after a dense, batch 4', async () => {
    await compareStep('batch norm', {
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
        { type: 'batchNormalization' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'flatten' },
        // A ReLU between: batch normalization straight after a dense would make Σ over the batch of every
        // gradient before it 0 (its output ignores a constant shift), leaving beta_1's gradient pure rounding.
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 },
        { type: 'dense', units: 10 },
      ],
    }, 4, 'sgd');
  });
  // The conv2d ReLU is fused: into the conv's store, and its backward into a following pool's backward
  // (max in the cnn above, avg here) or, before a conv or a flatten, run on the layer's output.
  it('fused conv ReLUs: before a conv, an avg-pool and a flatten, batch 2', async () => {
    await compareStep('fused relu', {
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'conv2d', filters: 6, kernelSize: 3, activation: 'relu' },
        { type: 'avgPool2d', poolSize: 2 },
        { type: 'conv2d', filters: 5, kernelSize: 3, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ],
    }, 2);
  });
});
