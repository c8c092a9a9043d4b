// Augmentation end to end: the settings reach the training gather only; evaluation never augments; a seed
// reproduces an augmented run exactly; checkpoints carry the settings.
import { type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { DEFAULT_SETTINGS, SettingError, parseSetting } from '../../src/engine/settings';
import { checkTrainConfig, trainConfig } from '../../src/engine/settings-config';
import { Trainer } from '../../src/engine/trainer';
import { parseTrainOptions } from '../../src/cli/options';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import '../../src/components/index';
import { assert, assertBitEqual, assertEqual, assertRejects } from '../util/assert';
import { testGpu } from '../util/gpu';
import { assertSameNextEpoch, smallMnist, trainer } from './fixtures';

const mlp: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 }] };
const AUGMENT = { shift: 2, rotation: 15, zoom: 0.1 };

describe('augmentation settings', () => {
  it('three settings, 0 (off) by default, ranges 0–8 px, 0–45°, 0–0.5; out of range a SettingError naming the setting', async () => {
    assertEqual(DEFAULT_SETTINGS.augmentShift, 0, 'shift off');
    assertEqual(DEFAULT_SETTINGS.augmentRotation, 0, 'rotation off');
    assertEqual(DEFAULT_SETTINGS.augmentZoom, 0, 'zoom off');
    for (const [name, ok, bad, display] of [
      ['augmentShift', [0, 1.5, 8], [-1, 8.5], '--augment-shift'], ['augmentRotation', [0, 10, 45], [-5, 46], 'augment-rotation'], ['augmentZoom', [0, 0.25, 0.5], [-0.1, 0.6], 'augmentZoom'],
    ] as const) {
      for (const v of ok) assertEqual(parseSetting(name, v), v, `${name} = ${v}`);
      for (const v of bad) {
        const e = await assertRejects(() => parseSetting(name, v, display), new RegExp(`^${display} must be a number from 0 to`), `${name} = ${v}`);
        assert(e instanceof SettingError && e.setting === name, `${name}: a SettingError naming it`);
      }
    }
    const o = parseTrainOptions(['--augment-shift', '2', '--augment-rotation', '15', '--augment-zoom', '0.1']);
    assertEqual(JSON.stringify(trainConfig(o.settings).augmentation), JSON.stringify(AUGMENT), 'flags → TrainConfig.augmentation');
    assertEqual(trainConfig(DEFAULT_SETTINGS).augmentation, undefined, 'off: no augmentation in the config');
    const c = trainConfig({ ...DEFAULT_SETTINGS, augmentZoom: 0.2 });
    checkTrainConfig(c);
    await assertRejects(() => checkTrainConfig({ ...c, augmentation: { rotation: 90 } }), /^augmentation\.rotation must be a number from 0 to 45, got 90/, 'config field named by its path');
  });

  it("the element's attributes and form fields", async () => {
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    el.setAttribute('augment-shift', '2');
    el.setAttribute('augment-rotation', '15');
    el.setAttribute('augment-zoom', '0.1');
    assertEqual(JSON.stringify(trainConfig(el.settings).augmentation), JSON.stringify(AUGMENT), "the element's config");
    document.body.append(el);
    await el.updateComplete;
    for (const [name, v] of [['augment-shift', '2'], ['augment-rotation', '15'], ['augment-zoom', '0.1']]) {
      const input = el.shadowRoot!.querySelector<HTMLInputElement>(`input[name="${name}"]`);
      assert(input, `form field ${name}`);
      assertEqual(input.value, v, `${name} shows its value`);
    }
    el.remove();
  });
});

describe('augmentation in the trainer', () => {
  it('reproduces an augmented run from its seed; augmentation changes training but not evaluation', async () => {
    const data = await smallMnist(128, 64);
    const run = async (seed: number, augmentation?: typeof AUGMENT) => {
      const t = await trainer(data, { model: mlp, epochs: 2, seed, augmentation });
      const h = await t.fit();
      const { params } = await t.readState();
      t.destroy();
      return { h, params };
    };
    const a = await run(3, AUGMENT);
    const b = await run(3, AUGMENT);
    const plain = await run(3);
    const other = await run(4, AUGMENT);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy'] as const) assertBitEqual(b.h[k], a.h[k], `History.${k}`);
    assertBitEqual(b.params, a.params, 'final weights');
    assert(plain.h.loss[0] !== a.h.loss[0], `augmentation changes the training batches: ${plain.h.loss[0]} vs ${a.h.loss[0]}`);
    assert(other.h.loss[0] !== a.h.loss[0], 'another seed draws other transforms');
    data.destroy();
  });

  it('evaluation and prediction see the images as they are', async () => {
    const data = await smallMnist(96, 96, true);
    const t = await trainer(data, { model: mlp, epochs: 1, augmentation: { shift: 4, rotation: 30, zoom: 0.3 } });
    await t.fit();
    const first = await t.evaluate();
    const again = await t.evaluate();
    assertBitEqual(again.predictions, first.predictions, 'evaluate() twice: same predictions');
    assertEqual(again.loss, first.loss, 'evaluate() twice: same loss');
    // The test set is the training images: evaluate('train') must see them unaugmented too.
    const train = await t.evaluate('train');
    assertBitEqual(train.predictions, first.predictions, "evaluate('train') = the same images in the test set");
    assertEqual(train.loss, first.loss, "evaluate('train') loss");
    t.destroy();
    data.destroy();
  });

  it('a checkpoint carries the augmentation, and the reloaded trainer continues identically', async () => {
    const gpu = await testGpu();
    const data = await smallMnist(128, 32);
    const a = await trainer(data, { model: PRESETS.mlp, epochs: 2, augmentation: AUGMENT });
    await a.fit({}, undefined, 1);
    const b = await Trainer.load(gpu, data, await a.save(), 'aug.mntc');
    assertEqual(JSON.stringify(b.config.augmentation), JSON.stringify(AUGMENT), 'restored config');
    await assertSameNextEpoch(a, b);
    a.destroy();
    b.destroy();
    data.destroy();
  });
});
