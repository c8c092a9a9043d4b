// The training engine end to end on real WebGPU: learning, reproducibility, live dropout, errors.
import { type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { DivergenceError } from '../../src/engine/trainer';
import { lrScale } from '../../src/engine/lr-schedule';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { matmulForward } from '../reference/matmul';
import { smallMnist, trainer } from './fixtures';
import { testGpu } from '../util/gpu';

const mlp = PRESETS.mlp;
const mlpNoDropout: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10 }] };

describe('trainer', () => {
  it('destroyed at any moment of a fit, the fit resolves and no command touches a freed buffer', async () => {
    // Two steps an epoch and an evaluation after each: destroy() lands in a step, the step log's read or the evaluation.
    const data = await smallMnist(64, 64);
    const { device } = await testGpu();
    const uncaptured: string[] = [];
    const listen = (e: Event) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message);
    device.addEventListener('uncapturederror', listen);
    try {
      for (const delay of [0, 1, 3, 6, 10, 15, 25, 40, 60, 90]) {
        // restoreBestWeights: the epoch's end copies the weights on the GPU after the evaluation's read.
        const t = await trainer(data, { model: mlpNoDropout, epochs: 50, batchSize: 32, earlyStopping: 100, restoreBestWeights: true });
        const fitting = t.fit();
        await new Promise((r) => setTimeout(r, delay));
        t.destroy();
        const h = await fitting;
        assert(h.loss.length < 50, `destroyed after ${delay} ms: the fit ended`);
        await device.queue.onSubmittedWorkDone();
        assertEqual(JSON.stringify(uncaptured), '[]', `destroyed after ${delay} ms: GPU errors`);
      }
    } finally {
      device.removeEventListener('uncapturederror', listen);
      data.destroy();
    }
  });

  it('lowers the loss on a fixed subset and generalises', async () => {
    const data = await smallMnist(1024, 500);
    const t = await trainer(data, { model: mlp, epochs: 3, batchSize: 64 });
    const h = await t.fit();
    assertEqual(h.loss.length, 3, 'one loss per epoch');
    assert(h.loss[2] < h.loss[1] && h.loss[1] < h.loss[0], `training loss falls: ${h.loss.join(', ')}`);
    assert(h.test_accuracy[2] > 0.75, `test accuracy after 3 epochs on 1024 images: ${h.test_accuracy[2]}`);
    assert(t.batchLoss.loss.length > 0 && t.batchLoss.loss.every(Number.isFinite), 'smoothed per-batch loss recorded');
    t.destroy();
    data.destroy();
  });

  it('fits a tiny subset to 100% accuracy', async () => {
    const data = await smallMnist(64, 0, true);
    const t = await trainer(data, { model: mlpNoDropout, epochs: 40, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } });
    const h = await t.fit();
    assertEqual(h.test_accuracy[h.test_accuracy.length - 1], 1, `accuracy on the 64 training images (losses ${h.test_loss.slice(-3).join(', ')})`);
    t.destroy();
    data.destroy();
  });

  it('reproduces a run from its seed (weights, shuffling, dropout), and another seed differs', async () => {
    const data = await smallMnist(256, 128);
    const run = async (seed: number) => {
      const t = await trainer(data, { model: mlp, epochs: 2, seed });
      const h = await t.fit();
      const { params } = await t.readState();
      t.destroy();
      return { h, params };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) assertBitEqual(b.h[k], a.h[k], `History.${k}`);
    assertBitEqual(b.params, a.params, 'final weights');
    assert(c.h.loss[0] !== a.h.loss[0], 'seed 4 gives another run');
    data.destroy();
  });

  it('applies a dropout change from the next step, without recompiling or losing progress', async () => {
    const data = await smallMnist(32, 32);
    // batch = training set: one step per epoch, so fit(…, epochs) advances exactly one step at a time.
    const make = () => trainer(data, { model: mlp, epochs: 2, batchSize: 32, dropout: 0 });
    const [a, b, c] = await Promise.all([make(), make(), make()]);
    for (const t of [a, b, c]) await t.fit({}, undefined, 1);
    assertBitEqual((await b.readState()).params, (await a.readState()).params, 'identical after step 1');
    b.setDropout(0.5);
    c.setDropout(0.5);
    c.setDropout(0); // toggled on and off again before the step: no effect
    for (const t of [a, b, c]) await t.fit({}, undefined, 2);
    const [pa, pb, pc] = await Promise.all([a, b, c].map(async (t) => (await t.readState()).params));
    assert(pa.some((v, i) => v !== pb[i]), 'dropout 0.5 in step 2 changes the update');
    assertBitEqual(pc, pa, 'dropout back to 0 before step 2 changes nothing');
    assertEqual(b.epoch, 2, 'progress kept');
    // The History records where the live change took effect (after step 1 = epoch 1 on the charts' axis); none for c.
    assertEqual(JSON.stringify(b.history.live_changes), JSON.stringify([{ step: 1, epoch: 1, setting: 'dropout', from: 0, to: 0.5 }]), 'b: the change recorded');
    assertEqual(c.history.live_changes, undefined, 'c: on and off before a step is no change');
    assertEqual(a.history.live_changes, undefined, 'a: none');
    // A change once the fit has ended takes effect with the next step: none yet, then in the History.
    b.setDropout(0.25);
    assertEqual(b.history.live_changes?.length, 1, 'b: a change after the fit is not in the History yet');
    await b.fit({}, undefined, 3);
    assertEqual(JSON.stringify(b.history.live_changes?.[1]), JSON.stringify({ step: 2, epoch: 2, setting: 'dropout', from: 0.5, to: 0.25 }), 'b: then it is, after step 2');
    // A model without a dropout layer trains the same at any rate: no change recorded.
    const plain = await trainer(data, { model: { layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] }, epochs: 2, batchSize: 32, dropout: 0.4 });
    await plain.fit({}, undefined, 1);
    plain.setDropout(0.1);
    await plain.fit({}, undefined, 2);
    assertEqual(plain.history.live_changes, undefined, 'no dropout layer: nothing recorded');
    for (const t of [a, b, c, plain]) t.destroy();
    data.destroy();
  });

  it('cosine schedule: each step uses base·½(1 + cos(π(t−1)/T)) over the fit, as if set by hand', async () => {
    const data = await smallMnist(32, 32);
    // batch = training set: one step per epoch. A runs 4 scheduled steps in one fit; B sets each
    // step's rate by hand with the constant schedule; C keeps the base rate throughout.
    const base = 0.05;
    const make = (lrSchedule: 'constant' | 'cosine') => trainer(data, { model: mlpNoDropout, epochs: 4, batchSize: 32, optimizer: { name: 'sgd', learningRate: base }, lrSchedule });
    const [a, b, c] = await Promise.all([make('cosine'), make('constant'), make('constant')]);
    await a.fit();
    await c.fit();
    for (let k = 1; k <= 4; k++) {
      b.setLearningRate(base * lrScale('cosine', k, 4));
      await b.fit({}, undefined, k);
    }
    const [pa, pb, pc] = await Promise.all([a, b, c].map(async (t) => (await t.readState()).params));
    assertBitEqual(pa, pb, 'scheduled steps = the same rates set by hand');
    assert(pa.some((v, i) => v !== pc[i]), 'the schedule changes the run');
    assertClose([a.learningRate], [base * 0.146447], { atol: 0, rtol: 1e-5 }, 'last step’s rate: base·½(1 + cos(3π/4))');
    assertEqual(c.learningRate, base, 'constant: the base rate');
    for (const t of [a, b, c]) t.destroy();
    data.destroy();
  });

  it('holds out a validation split from the end of the training set', async () => {
    const data = await smallMnist(320, 100);
    const t = await trainer(data, { model: mlp, epochs: 1, validationSplit: 0.2 });
    assertEqual(t.trainCount, 256, 'training images after the split');
    const h = await t.fit();
    assert(h.val_loss[0] !== h.test_loss[0], 'val_* is the split, test_* the test set');
    const v = await t.evaluate('validation');
    assertEqual(v.predictions.length, 64, 'validation images');
    t.destroy();
    data.destroy();
  });

  it('trains with the MSE loss and reports top_k_accuracy like Keras: History, events, evaluation; k > classes refused', async () => {
    const data = await smallMnist(320, 100);
    const t = await trainer(data, { model: mlp, epochs: 2, loss: 'mean_squared_error', metrics: ['accuracy', 'top_k_accuracy'], topK: 3, validationSplit: 0.2 });
    const batches: number[] = [];
    const epochs: number[] = [];
    const h = await t.fit({ onBatch: (e) => batches.push(e.topKAccuracy!), onEpochEnd: (e) => epochs.push(e.val_top_k_accuracy!) });
    for (const key of ['top_k_accuracy', 'val_top_k_accuracy', 'test_top_k_accuracy'] as const) {
      const acc = h[key.replace('top_k_', '') as 'accuracy' | 'val_accuracy' | 'test_accuracy'];
      const v = h[key]!;
      assertEqual(v.length, 2, `${key}: one per epoch`);
      assert(v.every((x, i) => x >= 0 && x <= 1 && x >= acc[i]), `${key} ${v.join(', ')} in [0, 1] and ≥ accuracy ${acc.join(', ')}`);
    }
    assert(h.loss[1] < h.loss[0] && h.loss[0] < 0.1, `the MSE loss (≤ 2/C) falls: ${h.loss.join(', ')}`);
    assert(h.test_top_k_accuracy![1] > 0.5, `top-3 test accuracy: ${h.test_top_k_accuracy![1]}`);
    assert(batches.length > 0 && batches.every((x) => x >= 0 && x <= 1), `batch events carry topKAccuracy: ${batches.join(', ')}`);
    assertEqual(epochs.join(), h.val_top_k_accuracy!.join(), 'epoch events carry val_top_k_accuracy');
    const ev = await t.evaluate();
    assertEqual(ev.topKAccuracy, h.test_top_k_accuracy![1], 'the evaluation has topKAccuracy');
    t.destroy();
    const plain = await trainer(data, { model: mlp, epochs: 1 });
    const hp = await plain.fit();
    assert(!('top_k_accuracy' in hp), 'no top-k keys without the metric');
    plain.destroy();
    await assertRejects(() => trainer(data, { model: mlp, metrics: ['top_k_accuracy'], topK: 11 }), /^topK 11 is larger than the model's 10 classes/, 'k > classes');
    data.destroy();
  });

  it("evaluates the training images with dropout off: evaluate('train') equals the test set being those images", async () => {
    const data = await smallMnist(200, 200, true);
    const t = await trainer(data, { model: mlp, epochs: 1, validationSplit: 0.2 });
    await t.fit();
    // The first 160 images are trained on, the last 40 held out: train = images 0–159, test = 0–199.
    const train = await t.evaluate('train');
    const test = await t.evaluate();
    assertEqual(train.predictions.length, 160, 'training images evaluated');
    assertBitEqual(train.predictions, test.predictions.subarray(0, 160), 'same predictions as the same images in the test set');
    const confusionTotal = train.confusion.reduce((a, b) => a + b, 0);
    assertEqual(confusionTotal, 160, 'confusion counts the training images');
    t.destroy();
    data.destroy();
  });

  it('stops a diverging run with an error naming the step and suggesting a lower learning rate', async () => {
    const data = await smallMnist(256, 32);
    // The settings cap the rate at 10, too low to overflow this small model in a few steps, so the run
    // starts from weights a far too high rate would have left behind: the first forward pass overflows.
    const t = await trainer(data, { model: mlpNoDropout, epochs: 2, optimizer: { name: 'sgd', learningRate: 10 } });
    const { params } = await t.readState();
    t.writeState(params.fill(1e30), {}, 0, 0, t.history);
    const e = await assertRejects(() => t.fit(), /loss became NaN or infinite at step \d+ .*lower learning rate/, 'divergence');
    assert(e instanceof DivergenceError, 'a DivergenceError');
    t.destroy();
    data.destroy();
  });

  it('pauses, resumes and stops', async () => {
    const data = await smallMnist(512, 32);
    const t = await trainer(data, { model: mlpNoDropout, epochs: 3, batchSize: 32, readbacksPerEpoch: 8 });
    let batches = 0;
    const run = t.fit({ onBatch: () => { if (++batches === 1) t.pause(); } });
    while (!t.isPaused || batches === 0) await new Promise((r) => setTimeout(r, 10));
    const stepAtPause = t.step;
    await new Promise((r) => setTimeout(r, 200));
    assertEqual(t.step, stepAtPause, 'no steps while paused');
    t.resume();
    t.stop();
    const h = await run;
    assert(h.loss.length < 3, 'stopped before the last epoch');
    assert(!t.isRunning, 'not running after stop');
    await t.fit({}, undefined, 3); // continues where it stopped
    assertEqual(t.history.loss.length, 3, 'resumed to the end');
    t.destroy();
    data.destroy();
  });

  it('predicts class probabilities that agree with evaluate()', async () => {
    const data = await smallMnist(512, 64);
    const t = await trainer(data, { model: mlpNoDropout, epochs: 2 });
    await t.fit();
    const ev = await t.evaluate();
    const img = data.test.cpu.images.subarray(5 * 784, 6 * 784);
    const p = await t.predict(img);
    assertEqual(p.length, 10, 'ten probabilities');
    assert(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
    assertEqual(p.indexOf(Math.max(...p)), ev.predictions[5], 'argmax = evaluate prediction');
    // The GPU's softmax (the evaluation loss's) against the float64 CPU softmax of the float64 logits
    // of the trained weights: dense(relu) → dense.
    const { params } = await t.readState();
    const weights = (name: string) => {
      const s = t.parameterSlots.find((q) => q.info.name === name)!;
      return params.subarray(s.offset, s.offset + s.info.size);
    };
    let h: Float64Array = Float64Array.from(img, (v) => v / 255);
    for (const l of t.model.layers.filter((x) => x.spec.type === 'dense')) {
      const z = matmulForward({ M: 1, N: l.outShape[0], K: l.inShape[0] }, h, weights(`${l.name}.kernel`), weights(`${l.name}.bias`));
      h = l.index === t.model.layers.length - 1 ? z : z.map((v) => Math.max(v, 0));
    }
    const max = Math.max(...h);
    const e = h.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    assertClose(p, e.map((v) => v / sum), { atol: 1e-6, rtol: 0 }, 'predict = softmax of the logits');
    await assertRejects(() => t.predict(new Uint8Array(10)), /expected 784 pixels, got 10/, 'wrong size');
    // predictMany: all 64 test images in batches of 32 and a last partial one (64 + 5: the first 5 again),
    // bit for bit what predict gives one by one, and the classes evaluate() predicts.
    const images = data.test.cpu.images;
    const many = await t.predictMany(Uint8Array.from([...images.subarray(0, 64 * 784), ...images.subarray(0, 5 * 784)]));
    assertEqual(many.length, 69 * 10, 'predictMany: ten probabilities per image');
    for (const i of [0, 5, 31, 32, 63, 64, 68]) {
      const one = await t.predict(images.subarray((i % 64) * 784, (i % 64 + 1) * 784));
      assertBitEqual(many.subarray(i * 10, (i + 1) * 10), one, `predictMany row ${i} = predict`);
    }
    for (let i = 0; i < 64; i++) {
      const row = Array.from(many.subarray(i * 10, (i + 1) * 10));
      assertEqual(row.indexOf(Math.max(...row)), ev.predictions[i], `predictMany row ${i}: argmax = evaluate prediction`);
    }
    // evaluate() keeps every image's probabilities (copied on the GPU per batch, read once): the same softmax, but
    // for the input's last bit (the gather normalises pixels on the GPU, predictMany on the CPU).
    assertEqual(ev.probabilities.length, 64 * 10, 'evaluate: ten probabilities per test image');
    assertClose(ev.probabilities, many.subarray(0, 64 * 10), { atol: 1e-6, rtol: 0 }, 'evaluate\'s probabilities = predictMany\'s');
    await assertRejects(() => t.predictMany(new Uint8Array(784 + 10)), /predictMany: expected whole images of 784 pixels, got 794 values/, 'a partial image');
    await assertRejects(() => t.predictMany(new Float32Array(0)), /predictMany: expected whole images of 784 pixels, got 0 values/, 'no images');
    const total = Array.from(ev.confusion).reduce((a, b) => a + b, 0);
    assertEqual(total, 64, 'confusion matrix counts every test image');
    t.destroy();
    data.destroy();
  });
});

describe('trainer lifecycle', () => {
  it('reset() stops a run and starts again from the seed', async () => {
    const data = await smallMnist(512, 32);
    const t = await trainer(data, { model: mlpNoDropout, epochs: 2, batchSize: 32 });
    const initial = (await t.readState()).params;
    const run = t.fit();
    await new Promise((r) => setTimeout(r, 50));
    await t.reset();
    await run;
    assertEqual(t.step, 0, 'step back to 0');
    assertEqual(t.history.loss.length, 0, 'History cleared');
    assertBitEqual((await t.readState()).params, initial, 'initial weights from the seed');
    t.destroy();
    data.destroy();
  });

  /** A trainer on a device of its own (the tests below destroy it), `train` and `test` MNIST images. */
  const onOwnDevice = async (train: number, test: number, epochs: number) => {
    const { requestGpu } = await import('../../src/engine/gpu');
    const { uploadDataset } = await import('../../src/engine/gpu-dataset');
    const { Trainer } = await import('../../src/engine/trainer');
    const { loadMnist, slice } = await import('./fixtures');
    const gpu = await requestGpu();
    const d = await loadMnist();
    const data = uploadDataset(gpu.device, { name: 'm', classNames: d.classNames, train: slice(d.train, 0, train), test: slice(d.test, 0, test) });
    return { gpu, t: await Trainer.create(gpu, data, { model: mlpNoDropout, epochs, batchSize: 32, seed: 1, optimizer: { name: 'adam', learningRate: 0.001 } }) };
  };

  it('reports a lost GPU device instead of hanging', async () => {
    const { gpu, t } = await onOwnDevice(2048, 32, 3);
    const run = t.fit();
    await new Promise((r) => setTimeout(r, 100));
    gpu.device.destroy();
    await assertRejects(() => run, /GPU device was lost .* at training step \d+; training stopped/, 'device lost');
  });

  it('names a device lost before a readback outside training (evaluate, predict, readState) as the loss, not as an aborted read', async () => {
    const { errorCode } = await import('../../src/engine/errors');
    const { gpu, t } = await onOwnDevice(64, 64, 1);
    await t.fit();
    gpu.device.destroy();
    for (const [what, read] of [['evaluate', () => t.evaluate()], ['predict', () => t.predict(new Uint8Array(784))], ['readState', () => t.readState()]] as const) {
      const e = await assertRejects(read, /GPU device was lost/, what);
      assertEqual(errorCode(e), 'device-lost', `${what}: the code`);
    }
  });
});
