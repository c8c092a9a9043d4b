// Batch normalization inside the Trainer: the last short batch's statistics use its real images only,
// evaluation runs on the moving statistics without changing them, checkpoints carry them, and a batch of
// one image is refused for training but not for a trainer that only predicts.
import { errorCode } from '../../src/engine/errors';
import { type ModelSpec } from '../../src/engine/model';
import { Trainer } from '../../src/engine/trainer';
import { deriveSeed, shuffledIndices } from '../../src/engine/random';
import { gatherReference } from '../reference/gather';
import { batchStats } from '../reference/batchnorm';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { testGpu } from '../util/gpu';
import { assertSameNextEpoch, smallMnist, trainer } from './fixtures';

const small: ModelSpec = {
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'batchNormalization' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
};

/** The flat-parameter range of one tensor. */
function tensor(t: Trainer, params: Float32Array, name: string): Float32Array {
  const s = t.parameterSlots.find((x) => x.info.name === name)!;
  return params.slice(s.offset, s.offset + s.info.size);
}

describe('batch normalization in the trainer', () => {
  it('the last, short batch of an epoch: statistics over its real images only (padding rows left out)', async () => {
    const data = await smallMnist(10, 8);
    const seed = 5;
    // Batch normalization on the input image with momentum 0: the moving statistics after the epoch are
    // exactly the last batch's, which holds 10 − 2·4 = 2 images and 2 padding rows.
    const model: ModelSpec = { layers: [{ type: 'batchNormalization', momentum: 0 }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
    const t = await trainer(data, { model, batchSize: 4, seed });
    await t.fit();
    const params = (await t.readState()).params;
    const order = shuffledIndices(10, deriveSeed(seed, 'shuffle'), 0);
    const { x } = gatherReference(data.train.cpu.images, data.train.cpu.labels, order, { start: 8, batch: 4, imageSize: 784 });
    const ref = batchStats(x, 2 * 784, 1);
    assertClose(tensor(t, params, 'batchNormalization_1.moving_mean'), ref.mean, { atol: 0, rtol: 1e-5 }, 'moving mean = the 2 real images\' mean');
    assertClose(tensor(t, params, 'batchNormalization_1.moving_variance'), ref.variance, { atol: 0, rtol: 1e-4 }, 'moving variance = their biased variance');
    t.destroy();
    data.destroy();
  });

  it('evaluation and predict run on the moving statistics and leave them alone; training updates them again', async () => {
    const data = await smallMnist(64, 32);
    const t = await trainer(data, { model: small, batchSize: 16, epochs: 2 });
    await t.fit({}, undefined, 1);
    const s = await t.readState();
    const mean = tensor(t, s.params, 'batchNormalization_1.moving_mean');
    assert(mean.some((v) => v !== 0), 'one epoch moved the moving mean from its zeros');
    const e1 = await t.evaluate('train');
    await t.predict(new Uint8Array(784).fill(128));
    const e2 = await t.evaluate('train');
    assertEqual(e2.loss, e1.loss, 'evaluation is deterministic: no batch statistics, no update');
    assertBitEqual((await t.readState()).params, s.params, 'evaluate and predict change no parameter, the moving statistics included');
    // Shift the moving mean far away: evaluation follows it (it uses the moving statistics, not the batch's).
    const shifted = Float32Array.from(s.params);
    const slot = t.parameterSlots.find((x) => x.info.name === 'batchNormalization_1.moving_mean')!;
    shifted.fill(100, slot.offset, slot.offset + slot.info.size);
    t.writeState(shifted, s.optimizer, t.step, t.epoch, t.history);
    const e3 = await t.evaluate('train');
    assert(Math.abs(e3.loss - e1.loss) > 1, `a shifted moving mean changes the evaluation loss (${e1.loss} → ${e3.loss})`);
    t.writeState(s.params, s.optimizer, t.step, t.epoch, t.history);
    await t.fit();
    const after = tensor(t, (await t.readState()).params, 'batchNormalization_1.moving_mean');
    assert(after.some((v, i) => v !== mean[i]), 'training after the evaluations updates the moving mean again');
    t.destroy();
    data.destroy();
  });

  it('checkpoints carry the moving statistics; training continues identically after a reload', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(72, 16);
    const a = await trainer(data, { model: small, batchSize: 16, epochs: 2, optimizer: { name: 'adamw', learningRate: 0.001 } });
    await a.fit({}, undefined, 1);
    const b = await Trainer.load(gpu, data, await a.save(), 'bn.mntc');
    const [sa, sb] = [await a.readState(), await b.readState()];
    for (const name of ['batchNormalization_1.moving_mean', 'batchNormalization_1.moving_variance', 'batchNormalization_1.gamma']) {
      assertBitEqual(tensor(b, sb.params, name), tensor(a, sa.params, name), `${name} restored`);
    }
    assert(tensor(a, sa.params, 'batchNormalization_1.moving_variance').some((v) => v !== 1), 'the moving variance left its ones');
    for (const k of Object.keys(sa.optimizer)) assertBitEqual(sb.optimizer[k], sa.optimizer[k], `optimizer state ${k} restored`);
    await assertSameNextEpoch(a, b);
    a.destroy();
    b.destroy();
    data.destroy();
  });

  it('refuses a batch size of 1 with a batch normalization layer, naming the setting and the layer', async () => {
    const data = await smallMnist(8, 8);
    const e = await assertRejects(() => trainer(data, { model: small, batchSize: 1 }), /batch size 1 cannot train layer 2 \(batchNormalization_1\)/, 'batch size 1');
    assertEqual(errorCode(e), 'invalid-setting', 'a setting error');
    assertEqual((e as Error & { setting?: string }).setting, 'batchSize', 'names batchSize');
    data.destroy();
  });

  it('predicts one image at a time with a trainer that does not train (the predict command), as the trained one does', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(64, 8);
    // Moving statistics that moved (momentum 0.5), and a model that learned something (3 epochs at 0.01).
    const model: ModelSpec = { layers: small.layers.map((l) => (l.type === 'batchNormalization' ? { ...l, momentum: 0.5 } : l)) };
    const a = await trainer(data, { model, batchSize: 16, epochs: 3, optimizer: { name: 'adam', learningRate: 0.01 } });
    await a.fit();
    const b = await Trainer.create(gpu, data, { model, epochs: 1, batchSize: 1, seed: 1, optimizer: { name: 'sgd', learningRate: 0.01 } }, { trains: false });
    await b.setWeights((await a.readState()).params);
    const image = data.test.cpu.images.subarray(0, 784);
    const [pa, pb] = [await a.predict(image), await b.predict(image)];
    assert(pa.some((p) => p > 0.2), 'the trained model is not uniform');
    assertClose(pb, pa, { atol: 1e-6, rtol: 1e-5 }, 'the moving statistics, not the one image\'s');
    a.destroy();
    b.destroy();
    data.destroy();
  });
});
