// The memory estimate (src/engine/memory.ts) against what Trainer.create really allocates, buffer by
// buffer (createBuffer wrapped by test/util/live-buffers.ts), for every preset and optimizer; and a model
// past a small device's limits refused before anything is allocated, with a batch size that fits.
import { uploadDataset } from '../../src/engine/gpu-dataset';
import { errorCode } from '../../src/engine/errors';
import { preferredKernels } from '../../src/engine/kernel-variant';
import { estimateMemory, largestBatch } from '../../src/engine/memory';
import { resolveModel, type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { Trainer, type TrainConfig } from '../../src/engine/trainer';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { smallGpu, testGpu } from '../util/gpu';
import { liveBuffers, trackBuffers } from '../util/live-buffers';
import { loadMnist, slice, smallMnist } from './fixtures';

trackBuffers();

/** What the estimate leaves out, on purpose: uniforms (16–96 bytes each, one or a few per op). */
const NOT_ESTIMATED = (b: GPUBuffer) => (b.usage & GPUBufferUsage.UNIFORM) !== 0;

describe('memory estimate', () => {
  const cases: [string, Partial<TrainConfig>][] = [
    ['mlp', { optimizer: { name: 'sgd', learningRate: 0.1 } }],
    ['mlp', { optimizer: { name: 'momentum', learningRate: 0.1 }, validationSplit: 0.25 }],
    ['cnn', { optimizer: { name: 'adam', learningRate: 0.001 } }],
    ['cnn', { optimizer: { name: 'nesterov', learningRate: 0.01 }, kernels: 'tiled', batchSize: 24 }],
    ['cnn-deep', { optimizer: { name: 'adamw', learningRate: 0.001 }, testLimit: 24 }],
    ['cnn', {
      optimizer: { name: 'adam', learningRate: 0.001 }, earlyStopping: 2, restoreBestWeights: true,
      model: { layers: PRESETS.cnn.layers.map((l) => (l.type === 'conv2d' || l.type === 'dense' ? { ...l, kernelRegularizer: { l2: 0.001 } } : l)) },
    }],
    ['cnn-bn', { optimizer: { name: 'adam', learningRate: 0.001 } }],
  ];
  for (const [preset, extra] of cases) {
    it(`${preset} (${extra.optimizer!.name}${extra.validationSplit ? ', validation split' : ''}${extra.kernels ? `, ${extra.kernels} kernels` : ''}${extra.restoreBestWeights ? ', regularizers and best weights' : ''}): every tensor Trainer.create allocates, with its size`, async () => {
      const gpu = await testGpu();
      const data = await smallMnist(64, 32);
      // One variant everywhere, so the estimate can name every buffer exactly ('auto' is checked below).
      const config: TrainConfig = { model: PRESETS[preset], epochs: 1, batchSize: 16, seed: 1, optimizer: extra.optimizer!, kernels: preferredKernels(gpu.adapterInfo), ...extra };
      const B = config.batchSize;
      const before = liveBuffers();
      const t = await Trainer.create(gpu, data, config);
      const made = [...liveBuffers()].filter((b) => !before.has(b));
      const model = resolveModel(config.model, [28, 28, 1], 10);
      const valCount = Math.floor(64 * (config.validationSplit ?? 0));
      const e = estimateMemory(model, B, {
        kernels: config.kernels, optimizer: config.optimizer.name, trainCount: 64 - valCount, valCount, testCount: config.testLimit ?? 32,
        bestWeights: config.restoreBestWeights === true && config.earlyStopping !== undefined,
        dataset: { name: data.name, train: 64, test: 32, imageSize: 784 },
      });
      const estimated = new Map(e.rows.filter((r) => r.kind !== 'data').map((r) => [r.name, r.bytes]));
      const actual = new Map<string, number>();
      const left: string[] = [];
      for (const b of made) {
        if (NOT_ESTIMATED(b)) continue;
        assert(!actual.has(b.label), `two buffers labelled ${b.label}`);
        actual.set(b.label, b.size);
      }
      for (const [name, bytes] of estimated) {
        if (actual.get(name) !== bytes) left.push(`${name}: estimated ${bytes}, allocated ${actual.get(name) ?? 'none'}`);
      }
      for (const [name, bytes] of actual) if (!estimated.has(name)) left.push(`${name}: ${bytes} bytes allocated, not estimated`);
      assert(left.length === 0, `${preset}: the estimate and the allocation differ:\n${left.join('\n')}`);
      // The data set's rows: its four buffers as uploaded.
      const dataRows = e.rows.filter((r) => r.kind === 'data').map((r) => `${r.name}:${r.bytes}`).sort();
      const uploaded = [data.train.images, data.train.labels, data.test.images, data.test.labels].map((x) => `${x.buffer.label}:${x.buffer.size}`).sort();
      assertEqual(dataRows.join(' '), uploaded.join(' '), `${preset}: data set rows`);
      // What is left out is small: the uniforms are under 1% of the estimate here.
      const omitted = made.filter(NOT_ESTIMATED).reduce((s, b) => s + b.size, 0);
      assert(omitted < 0.01 * e.total, `${preset}: ${omitted} bytes not estimated, of ${e.total}`);
      t.destroy();
      data.destroy();
    });
  }

  it("kernels 'auto': whatever each op picks, every buffer Trainer.create allocates is estimated, at least as large", async () => {
    const gpu = await testGpu();
    const data = await smallMnist(64, 32);
    const config: TrainConfig = { model: PRESETS['cnn-deep'], epochs: 1, batchSize: 16, seed: 1, optimizer: { name: 'adam', learningRate: 0.001 }, kernels: 'auto' };
    const before = liveBuffers();
    const t = await Trainer.create(gpu, data, config);
    const made = [...liveBuffers()].filter((b) => !before.has(b) && !NOT_ESTIMATED(b));
    const e = estimateMemory(resolveModel(config.model, [28, 28, 1], 10), 16, { kernels: 'auto', trainCount: 64, testCount: 32, dataset: { name: data.name, train: 64, test: 32, imageSize: 784 } });
    const estimated = new Map(e.rows.map((r) => [r.name, r.bytes]));
    const over = made.filter((b) => !(b.size <= (estimated.get(b.label) ?? -1))).map((b) => `${b.label}: ${b.size} bytes, estimated ${estimated.get(b.label) ?? 'none'}`);
    assert(over.length === 0, `not covered by the 'auto' estimate:\n${over.join('\n')}`);
    t.destroy();
    data.destroy();
  });

  it('a model past the device limits: Trainer.create rejects with out-of-memory, the tensor, its layer and a batch size that fits; nothing stays allocated', async () => {
    const gpu = await smallGpu();
    const d = await loadMnist();
    const data = uploadDataset(gpu.device, { name: 'mnist-1024', classNames: d.classNames, train: slice(d.train, 0, 1024), test: slice(d.test, 0, 16) });
    const model: ModelSpec = { layers: [{ type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
    const config: TrainConfig = { model, epochs: 1, batchSize: 1024, seed: 1, optimizer: { name: 'adam', learningRate: 0.001 } };
    const before = liveBuffers(gpu.device);
    // conv2d_1's output at batch 1024: 1024·28·28·64 floats = 196 MiB, past the default 128 MiB per binding.
    const err = await assertRejects(() => Trainer.create(gpu, data, config), /conv2d_1\.out of layer conv2d_1 \(activations, \(1024, 28, 28, 64\) × 4 bytes\) needs 196\.0 MiB \(205520896 bytes\), more than the 128\.0 MiB \(134217728 bytes\)/, 'too big');
    assertEqual(errorCode(err), 'out-of-memory', 'code');
    // 134217728 / (28·28·64·4) = 668.7: batch 668 is the largest whose every tensor fits.
    assert(/Use a batch size of at most 668, or make layer conv2d_1 smaller/.test(err.message), `suggestion: ${err.message}`);
    assert(/in all at batch 1024/.test(err.message), `total: ${err.message}`);
    assertEqual([...liveBuffers(gpu.device)].filter((b) => !before.has(b)).length, 0, 'buffers left');
    // And the suggestion holds: at 668 Trainer.create succeeds, at 669 it does not.
    const m = resolveModel(model, [28, 28, 1], 10);
    assertEqual(largestBatch(estimateMemory(m, 669), gpu.device.limits), 668, 'largestBatch');
    await assertRejects(() => Trainer.create(gpu, data, { ...config, batchSize: 669 }), /at most 668/, 'batch 669');
    const t = await Trainer.create(gpu, data, { ...config, batchSize: 668, testLimit: 16 });
    t.destroy();
    data.destroy();
  });
});
