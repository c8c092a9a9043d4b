// Kernel regularizers, early stopping and reduce-on-plateau in the Trainer, end to end on WebGPU.
import type { ModelSpec } from '../../src/engine/model';
import { Trainer, type EpochEvent } from '../../src/engine/trainer';
import { regularizedKernels } from '../../src/engine/training-parts';
import { regularizeGradient, regularizePenalty } from '../reference/regularize';
import { assert, assertBitEqual, assertClose, assertEqual } from '../util/assert';
import { testGpu } from '../util/gpu';
import { smallMnist, trainer } from './fixtures';

const plain: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 10 }] };
const regularized: ModelSpec = {
  layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu', kernelRegularizer: { l1: 0.001, l2: 0.01 } }, { type: 'dense', units: 10, kernelRegularizer: { l2: 0.02 } }],
};
// Kernels as the reference takes them: where the trainer's flat buffer holds them.
const kernels = [{ name: 'dense_1.kernel', l1: 0.001, l2: 0.01 }, { name: 'dense_2.kernel', l1: 0, l2: 0.02 }];

describe('kernel regularizers in training', () => {
  it('the loss includes the penalty (train and evaluation) and the kernel gradient its derivative', async () => {
    const data = await smallMnist(64, 48);
    // batch = training set: one step per epoch, so the epoch's loss is that step's
    const a = await trainer(data, { model: regularized, batchSize: 64 });
    const b = await trainer(data, { model: plain, batchSize: 64 });
    const slices = kernels.map((k) => {
      const slot = a.parameterSlots.find((s) => s.info.name === k.name)!;
      return { ...k, offset: slot.offset, n: slot.info.size };
    });
    assertEqual(JSON.stringify(regularizedKernels({ model: a.model, slots: a.parameterSlots } as never)), JSON.stringify(slices.map(({ name, offset, n, l1, l2 }) => ({ name, offset, n, l1, l2 }))), 'the kernels the trainer regularizes');
    const p0 = (await a.readState()).params;
    assertBitEqual((await b.readState()).params, p0, 'same seed, same layout: the same initial weights');
    await a.fit();
    await b.fit();
    const penalty0 = regularizePenalty(p0, slices);
    assert(penalty0 > 0.1, `a sizeable penalty: ${penalty0}`);
    assertClose([a.history.loss[0] - b.history.loss[0]], [penalty0], { atol: 1e-4, rtol: 1e-4 }, 'train loss − data loss = the penalty of the step\'s weights');
    // the step's gradients: the data gradient (identical in both) plus the penalty's
    const ga = await a.readGradients();
    const gb = await b.readGradients();
    assertClose(ga, regularizeGradient(p0, gb, slices), { atol: 1e-6, rtol: 1e-4 }, 'gradients');
    // evaluation: the same weights in both trainers, the losses differ by their penalty
    const pa = (await a.readState()).params;
    b.writeState(pa, (await b.readState()).optimizer, b.step, b.epoch, b.history);
    const ea = await a.evaluate();
    const eb = await b.evaluate();
    assertClose([ea.loss - eb.loss], [regularizePenalty(pa, slices)], { atol: 1e-4, rtol: 1e-4 }, 'test loss − data loss = the penalty');
    assertEqual(ea.accuracy, eb.accuracy, 'accuracy untouched');
    assertClose([a.history.test_loss[0]], [ea.loss], { atol: 1e-6, rtol: 1e-6 }, 'History test_loss includes the penalty');
    a.destroy();
    b.destroy();
    data.destroy();
  });
});

describe('early stopping and reduce-on-plateau', () => {
  it('stops after `patience` epochs without improvement and restores the best epoch\'s weights', async () => {
    const data = await smallMnist(128, 64);
    const config = { model: plain, batchSize: 64, epochs: 5 };
    // minDelta 1e9: the first epoch is the best (the first finite value), no later one can improve on it
    const stopping = { earlyStopping: 1, minDelta: 1e9, monitor: 'val_loss' as const };
    const restore = await trainer(data, { ...config, ...stopping, restoreBestWeights: true });
    const keep = await trainer(data, { ...config, ...stopping });
    const one = await trainer(data, { ...config, epochs: 1 });
    const two = await trainer(data, { ...config, epochs: 2 });
    const events: EpochEvent[] = [];
    const h = await restore.fit({ onEpochEnd: (e) => events.push(e) });
    await keep.fit();
    await one.fit();
    await two.fit();
    assertEqual(h.loss.length, 2, 'two epochs of five');
    assertEqual(h.stopped_epoch, 2, 'stopped_epoch');
    assertEqual(h.best_epoch, 1, 'best_epoch');
    assertEqual(JSON.stringify(events.map((e) => e.stopped ?? null)), JSON.stringify([null, { bestEpoch: 1, restored: true }]), 'the events say so');
    assertEqual(JSON.stringify(h.learning_rate), '[0.001,0.001]', 'the rate of each epoch');
    const p1 = (await one.readState()).params;
    const p2 = (await two.readState()).params;
    assert(p1.some((v, i) => v !== p2[i]), 'epochs 1 and 2 end with different weights');
    assertBitEqual((await restore.readState()).params, p1, 'restoreBestWeights: the weights after epoch 1');
    assertBitEqual((await keep.readState()).params, p2, 'without it: the weights after epoch 2');
    assertEqual(restore.lastEvaluation!.loss, one.lastEvaluation!.loss, 'the last test evaluation is of the restored weights');
    assertEqual(keep.history.stopped_epoch, 2, 'it stopped too');
    assertEqual(`${h.restored_epoch} ${keep.history.restored_epoch}`, '1 undefined', 'the History names the epoch whose weights were restored, and only then');
    // the state travels in a checkpoint; a stopped run stays stopped
    const loaded = await Trainer.load(await testGpu(), data, await restore.save());
    assertEqual(JSON.stringify(loaded.callbackState), JSON.stringify(restore.callbackState), 'callback state restored');
    assertEqual(loaded.history.restored_epoch, 1, 'restored_epoch travels in the checkpoint');
    assertEqual((await loaded.fit()).loss.length, 2, 'fit() after the stop trains no more');
    for (const t of [restore, keep, one, two, loaded]) t.destroy();
    data.destroy();
  });

  it('reduces the learning rate after `patience` epochs without improvement, down to the floor', async () => {
    const data = await smallMnist(128, 64);
    const t = await trainer(data, { model: plain, batchSize: 64, epochs: 4, reduceLrPatience: 1, reduceLrFactor: 0.5, minLearningRate: 0.0003, minDelta: 1e9, monitor: 'loss' });
    const reduced: (number | undefined)[] = [];
    const h = await t.fit({ onEpochEnd: (e) => reduced.push(e.reducedLearningRate) });
    assertEqual(JSON.stringify(h.learning_rate), '[0.001,0.001,0.0005,0.0003]', 'each epoch\'s rate: halved after epochs 2 and 3, floored');
    assertEqual(JSON.stringify(reduced), JSON.stringify([undefined, 0.0005, 0.0003, undefined]), 'events');
    assertEqual(t.baseLearningRate, 0.0003, 'the live rate');
    assertEqual(t.learningRateSetting, 0.001, "the user's rate is kept apart (the element's field, the next run's start)");
    assertEqual(h.stopped_epoch, undefined, 'no early stopping');
    await t.reset();
    assertEqual(t.baseLearningRate, 0.001, "fresh weights start at the user's rate again");
    t.destroy();
    data.destroy();
  });
});
