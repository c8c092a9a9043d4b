// The recovery point: the state after the last finished epoch, kept on the CPU so a failure later loses
// only the epoch under way (a diverged loss here; a lost device in test/components/faults.test.ts).
import type { ModelSpec } from '../../src/engine/model';
import { DivergenceError, Trainer } from '../../src/engine/trainer';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import { finiteState } from '../../src/engine/recovery-point';
import { readF32s } from '../../src/engine/buffers';
import { assert, assertBitEqual, assertEqual, assertRejects } from '../util/assert';
import { loadMnist, smallMnist, trainer } from './fixtures';
import { testGpu } from '../util/gpu';

const mlp: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 }] };

describe('recovery point', () => {
  it('is the state after each finished epoch; a divergence later leaves it, and it trains on from there', async () => {
    const data = await smallMnist(128, 64);
    const t = await trainer(data, { model: mlp, epochs: 3 });
    try {
      assertEqual(t.recoveryPoint, undefined, 'none before the first epoch');
      await t.fit({}, undefined, 1);
      const point = t.recoveryPoint!;
      assert(point, 'kept after epoch 1');
      assertEqual(point.epoch, 1, 'its epoch');
      assertEqual(point.step, t.step, 'its step');
      const kept = decodeCheckpoint(point.bytes);
      const now = await t.readState();
      assertBitEqual(kept.params, now.params, 'the weights as they were after epoch 1');
      assertBitEqual(kept.optimizer.m, now.optimizer.m, 'and the optimizer state');
      assertEqual(kept.header.history.loss.length, 1, 'with the History of that epoch');

      // Weights a far too high rate would leave behind: the next forward pass overflows.
      t.writeState(now.params.map(() => 1e30), now.optimizer, t.step, t.epoch, t.history);
      const e = await assertRejects(() => t.fit({}, undefined, 3), /loss became NaN or infinite/, 'divergence');
      assert(e instanceof DivergenceError, 'a DivergenceError');
      assert(t.recoveryPoint === point, 'the failed epoch left the point as it was');

      const restored = await Trainer.load(await testGpu(), data, point.bytes, 'recovery point');
      try {
        assertEqual(restored.epoch, 1, 'restored at epoch 1');
        assert(restored.recoveryPoint?.bytes === point.bytes, 'a restored trainer starts with its file as its point');
        assertBitEqual((await restored.readState()).params, now.params, 'the kept weights');
        const h = await restored.fit({}, undefined, 3);
        assertEqual(h.loss.length, 3, 'trains on to epoch 3');
        assert(h.loss.every(Number.isFinite) && h.loss[2] < h.loss[0] && h.test_accuracy[2] > h.test_accuracy[0], `and learns: loss ${h.loss.join(', ')}; accuracy ${h.test_accuracy.join(', ')}`);
        assertEqual(restored.recoveryPoint!.epoch, 3, 'its point follows');
        await restored.reset();
        assertEqual(restored.recoveryPoint, undefined, 'fresh weights: no point');
      } finally {
        restored.destroy();
      }
    } finally {
      t.destroy();
      data.destroy();
    }
  });

  it('a test loss that is no longer a number after an epoch whose training losses were finite is a divergence too: the epoch is not kept', async () => {
    const data = await smallMnist(32, 64);
    const t = await trainer(data, { model: mlp, epochs: 3, optimizer: { name: 'sgd', learningRate: 0.01 } });
    try {
      await t.fit({}, undefined, 1);
      const point = t.recoveryPoint!;
      assertEqual(point.epoch, 1, 'kept after epoch 1');
      // The first layer's weights (784, 32) at 3e38 for the pixels that no training image lights but test images
      // do: the training forward and gradients stay finite (those inputs are 0), the test forward overflows.
      const d = await loadMnist();
      const lit = (set: typeof d.train, count: number, p: number) => Array.from({ length: count }, (_, i) => set.images[i * 784 + p]).some((v) => v > 0);
      const dark = Array.from({ length: 784 }, (_, p) => p).filter((p) => !lit(d.train, 32, p) && lit(d.test, 64, p));
      assert(dark.length > 10, `pixels dark in training, lit in test: ${dark.length}`);
      const now = await t.readState();
      for (const p of dark) now.params.fill(3e38, p * 32, p * 32 + 32);
      t.writeState(now.params, now.optimizer, t.step, t.epoch, t.history);
      const e = await assertRejects(() => t.fit({}, undefined, 2), /The test loss became NaN or infinite after epoch 2 \(step 2\), though the training loss stayed finite.*lower learning rate/, 'divergence');
      assert(e instanceof DivergenceError && e.step === 2, 'a DivergenceError naming the step');
      assert(t.recoveryPoint === point, 'the point stays the last epoch whose test loss was a number');
      assertEqual(t.history.loss.length, 1, 'the epoch is not recorded');
      assert(Number.isFinite(t.history.test_loss[0]), 'the kept epoch evaluated finite');
    } finally {
      t.destroy();
      data.destroy();
    }
  });

  it('reads several buffers in one map, or one by one where together they pass maxBufferSize: the same floats', async () => {
    const { device } = await testGpu();
    const make = (values: number[]) => {
      const b = device.createBuffer({ label: 'test.read', size: values.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(b, 0, new Float32Array(values));
      return b;
    };
    const [a, b] = [make([1, 2, 3, 4, 5]), make([-1, 0.5, 7])];
    // A device whose largest buffer is 16 bytes: the 28 bytes asked for do not fit one staging buffer.
    const sizes: number[] = [];
    const small = new Proxy(device, {
      get: (t, k) => {
        if (k === 'limits') return { maxBufferSize: 16 };
        if (k === 'createBuffer') return (d: GPUBufferDescriptor) => { sizes.push(d.size); return t.createBuffer(d); };
        const v = t[k as keyof GPUDevice];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    try {
      for (const d of [device, small]) {
        const [x, y] = await readF32s(d, 'test', [{ buffer: a, count: 4 }, { buffer: b, count: 3 }]);
        assertEqual(`${[...x]}|${[...y]}`, '1,2,3,4|-1,0.5,7', d === device ? 'one map' : 'one by one');
      }
      assertEqual(sizes.join(), '16,12', 'a staging buffer per part on the small device');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('keeps only finite states', () => {
    const params = new Float32Array([0, -1.5, 3e38]);
    assert(finiteState({ params, optimizer: { m: new Float32Array(3) } }), 'finite');
    assert(!finiteState({ params: new Float32Array([0, Number.NaN, 1]), optimizer: {} }), 'a NaN weight');
    assert(!finiteState({ params, optimizer: { m: new Float32Array(3), v: new Float32Array([0, 0, Number.POSITIVE_INFINITY]) } }), 'an infinite optimizer value');
  });
});
