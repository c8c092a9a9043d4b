// Every GPU buffer has an owner that destroys it: Trainers of each preset created and destroyed ten times,
// Trainer.create failing at any point after it began to allocate, and <mnist-trainer> run after run leave
// no buffer alive but the data set's. Buffers are counted by wrapping createBuffer and destroy.
import { PRESETS } from '../../src/engine/model-setting';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import { runRequest } from '../../src/components/run-request';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { aliveSince, bindGroupCount, failBindGroup, liveBuffers, trackBuffers } from '../util/live-buffers';
import { smallMnist, trainer } from './fixtures';
import { mount, until, untilPhase } from '../components/util';

trackBuffers();

const SMALL = { batchSize: 8, trainLimit: 16, testLimit: 8 };

function assertNoneAlive(before: Set<GPUBuffer>, what: string, device?: GPUDevice): void {
  const left = aliveSince(before, device);
  assert(left.length === 0, `${what}: ${left.length} buffers still alive: ${left.join(', ')}`);
}

describe('GPU buffers have owners', () => {
  for (const preset of ['mlp', 'cnn', 'cnn-deep', 'cnn-bn'] as const) {
    it(`creating and destroying a ${preset} Trainer ten times leaves only the data set's buffers`, async () => {
      const data = await smallMnist(16, 8);
      const before = liveBuffers();
      for (let i = 0; i < 10; i++) {
        const t = await trainer(data, { ...SMALL, model: PRESETS[preset] });
        // Two steps and an evaluation in the first and last rounds: training allocates nothing that stays.
        if (i === 0 || i === 9) {
          await t.fit();
          await t.evaluate('train');
          // reset() initializes the weights again: with the same init ops, so nothing more stays alive.
          const alive = liveBuffers().size;
          await t.reset();
          assertEqual(liveBuffers().size, alive, `${preset}: buffers alive after reset()`);
        }
        t.destroy();
        assertNoneAlive(before, `${preset}, round ${i + 1}`);
      }
      data.destroy();
    });
  }

  it('a Trainer with kernel regularizers and restoreBestWeights frees their scratch and the best weights', async () => {
    const data = await smallMnist(16, 8);
    const before = liveBuffers();
    const model = { layers: PRESETS.cnn.layers.map((l) => (l.type === 'conv2d' || l.type === 'dense' ? { ...l, kernelRegularizer: { l1: 1e-4, l2: 1e-3 } } : l)) };
    for (let i = 0; i < 2; i++) {
      const t = await trainer(data, { ...SMALL, model, epochs: 3, earlyStopping: 1, minDelta: 1e9, restoreBestWeights: true });
      await t.fit();
      assertEqual(t.history.stopped_epoch, 2, 'stopped early, best weights restored');
      t.destroy();
      assertNoneAlive(before, `round ${i + 1}`);
    }
    data.destroy();
  });

  it('a Trainer.create that throws late frees what it had allocated', async () => {
    const data = await smallMnist(16, 8);
    const before = liveBuffers();
    // Checked before anything is allocated:
    await assertRejects(() => trainer(data, { ...SMALL, model: PRESETS.cnn, validationSplit: 0.75 }), /batch size 8 is larger than the 4 training images/, 'batch > images after the split');
    assertNoneAlive(before, 'batch larger than the split');
    // A split that rounds to no image would monitor the test set under val_*:
    await assertRejects(() => trainer(data, { ...SMALL, model: PRESETS.cnn, validationSplit: 0.05 }), /validation split 0\.05 of 16 training images is no image: raise it/, 'a split of no image');
    assertNoneAlive(before, 'a split of no image');
    // The optimizer's settings are checked after the graph and the training parts exist:
    await assertRejects(() => trainer(data, { ...SMALL, model: PRESETS.cnn, optimizer: { name: 'adam', learningRate: 0.001, beta1: 1.5 } }), /beta1 must be in \[0, 1\)/, 'invalid beta1');
    assertNoneAlive(before, 'invalid beta1');
    // Every op creates its bind group after its uniforms and scratch: fail each bind group of the create in turn.
    // Forced kernels: every failure ends the create ('auto' passes over a GEMM candidate that fails to build: below).
    const made = async (config: Parameters<typeof trainer>[1]) => {
      const first = bindGroupCount();
      (await trainer(data, config)).destroy();
      return bindGroupCount() - first;
    };
    for (const preset of ['mlp', 'cnn'] as const) {
      const config = { ...SMALL, model: PRESETS[preset], kernels: 'register' as const };
      const n = await made(config);
      assert(n > 10, `${preset}: ${n} bind groups per Trainer.create`);
      for (let k = 1; k <= n; k++) {
        failBindGroup(k);
        await assertRejects(() => trainer(data, config), /injected failure/, `${preset}: bind group ${k} of ${n} fails`);
        failBindGroup(undefined);
        assertNoneAlive(before, `${preset}: Trainer.create failing at bind group ${k} of ${n}`);
      }
    }
    data.destroy();
  });

  it("with kernels 'auto', a GEMM candidate that fails to build is passed over and freed; other failures end the create and free it", async () => {
    const data = await smallMnist(16, 8);
    const before = liveBuffers();
    const config = { ...SMALL, model: PRESETS.mlp, kernels: 'auto' as const };
    const first = bindGroupCount();
    (await trainer(data, config)).destroy(); // measures, then later creates take the cached picks
    const n = bindGroupCount() - first;
    const outcomes: string[] = [];
    for (let k = 1; k <= n; k++) {
      failBindGroup(k);
      try {
        const t = await trainer(data, config);
        const failed = t.kernels.picks.filter((p) => p.failed);
        assert(failed.length === 1 && /injected failure/.test(Object.values(failed[0].failed!)[0]), `bind group ${k}: the create went on past one failed candidate: ${JSON.stringify(t.kernels.picks)}`);
        t.destroy();
        outcomes.push('passed over');
      } catch (e) {
        assert(/injected failure/.test((e as Error).message), `bind group ${k}: ${(e as Error).message}`);
        outcomes.push('thrown');
      } finally {
        failBindGroup(undefined);
      }
      assertNoneAlive(before, `Trainer.create with bind group ${k} of ${n} failing`);
    }
    // The mlp's GEMM ops (three dense layers) and its other ops (gather, loss, optimizer, ...) both fail somewhere.
    assert(outcomes.includes('passed over') && outcomes.includes('thrown'), outcomes.join());
    data.destroy();
  });

  describe('<mnist-trainer>', () => {
    let el: MnistTrainer | undefined;
    afterEach(() => el?.remove());

    it('five train() runs leave as many buffers alive as two; reset leaves the data set, removal nothing', async () => {
      // cnn: its conv ops own the most (partials, column-sum scratch); each run is stopped after a step.
      el = await mount({ model: 'cnn', 'train-limit': '640', 'batch-size': '8', epochs: '100', seed: '7' });
      const e = el;
      const counts: number[] = [];
      for (let run = 1; run <= 5; run++) {
        const done = e.train();
        await untilPhase(e, ['training'], 120000);
        await until(() => (e.controller.trainer?.step ?? 0) >= 1, 'a training step', 120000);
        await e.stop();
        assert((await done) !== undefined, `run ${run} ends cleanly: ${e.controller.message}`);
        counts.push(liveBuffers(e.controller.gpu!.device).size);
      }
      assertEqual(counts[4], counts[1], `buffers alive after five runs and after two (after each: ${counts.join(', ')})`);
      const device = e.controller.gpu!.device;
      const data = e.controller.data.gpuData!;
      await e.reset();
      const left = [...liveBuffers(device)];
      const dataBuffers = [data.train.images, data.train.labels, data.test.images, data.test.labels].map((t) => t.buffer);
      assert(left.length === 4 && dataBuffers.every((b) => left.includes(b)), `after reset only the data set's 4 buffers are alive: ${left.map((b) => b.label).join(', ')}`);
      e.remove();
      await until(() => e.controller.disposed, 'the element to release its GPU objects');
      assertNoneAlive(new Set(), 'after removal', device);
    });

    it('a request that fails to read after the trainer was compiled frees the trainer', async () => {
      el = await mount({ model: 'cnn', 'train-limit': '64', 'test-limit': '32', 'batch-size': '8' });
      const e = el;
      const request = runRequest(e.settings);
      // Read by train() and when the run starts, after the data set is on the GPU, then after the trainer is compiled: fails there.
      let reads = 0;
      const run = await e.controller.train(() => {
        if (++reads === 4) throw new Error('settings unreadable');
        return request;
      });
      assertEqual(run, undefined, 'the run failed');
      assert(/settings unreadable/.test(e.controller.message), `the failure is shown: ${e.controller.message}`);
      assertEqual(reads, 4, 'reads of the request');
      const data = e.controller.data.gpuData!;
      const dataBuffers = [data.train.images, data.train.labels, data.test.images, data.test.labels].map((t) => t.buffer);
      const left = [...liveBuffers(e.controller.gpu!.device)];
      assert(left.length === 4 && dataBuffers.every((b) => left.includes(b)), `only the data set's 4 buffers are alive: ${left.map((b) => b.label).join(', ')}`);
    });
  });
});
