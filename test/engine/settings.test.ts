// The settings schema: one declaration per setting, and every surface (element, command line, TrainConfig,
// checkpoint) derived from it rather than restating it.
import '../../src/components/index';
import { DEFAULT_SETTINGS, SETTINGS, SETTING_NAMES, SettingError, parseSetting, parseSettings, settingSpec, type SettingName } from '../../src/engine/settings';
import { ConfigFieldError, configSettings, checkTrainConfig, trainConfig, validateConfig } from '../../src/engine/settings-config';
import { LOSSES } from '../../src/engine/ops/softmax_xent';
import type { TrainConfig } from '../../src/engine/training-types';
import { OPTIMIZERS } from '../../src/engine/ops/optimizer';
import { TRAIN_USAGE, parseTrainOptions, settingNotes } from '../../src/cli/options';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import { assert, assertEqual, assertRejects } from '../util/assert';

/** A value each kind of setting must refuse. */
function badValues(name: SettingName): unknown[] {
  const s = settingSpec(name);
  if (s.range) return ['abc', s.range.max * 2 + 1, s.range.min - 1];
  if (s.values) return ['no-such-value', 3];
  if (s.kind === 'boolean') return [42];
  return name === 'dataBase' ? [42] : ['', 'no-such-set'];
}

const sorted = (xs: readonly (string | null)[]) => JSON.stringify(xs.filter((x) => x !== null).sort());

describe('settings schema', () => {
  it('each default passes its own parser unchanged', () => {
    for (const n of SETTING_NAMES) assertEqual(JSON.stringify(parseSetting(n, DEFAULT_SETTINGS[n])), JSON.stringify(DEFAULT_SETTINGS[n]), `default of ${n}`);
  });

  it('names, attributes and flags are unique, and every setting is reachable from the element or the command line', () => {
    const attributes = SETTING_NAMES.map((n) => SETTINGS[n].attribute).filter((a) => a !== null);
    const flags = SETTING_NAMES.map((n) => SETTINGS[n].flag).filter((f) => f !== null);
    assertEqual(new Set(SETTING_NAMES).size, SETTING_NAMES.length, 'names');
    assertEqual(new Set(attributes).size, attributes.length, `attributes ${attributes.join(', ')}`);
    assertEqual(new Set(flags).size, flags.length, `flags ${flags.join(', ')}`);
    for (const n of SETTING_NAMES) assert(settingSpec(n).attribute !== null || settingSpec(n).flag !== null, `${n} has an attribute or a flag`);
  });

  it('every rule error names the setting as the caller spells it', async () => {
    for (const n of SETTING_NAMES) {
      for (const v of badValues(n)) {
        for (const display of [n, SETTINGS[n].attribute, SETTINGS[n].flag && `--${SETTINGS[n].flag}`]) {
          if (!display) continue;
          const e = await assertRejects(() => parseSetting(n, v, display), new RegExp(`^${display.replace(/[-]/g, '\\-')}[ :]`), `${n} = ${JSON.stringify(v)} as ${display}`);
          assert(e instanceof SettingError && e.setting === n, `${n}: a SettingError for ${n}`);
        }
      }
    }
  });

  it('the rules the brief fixes: batch 1–4096 (default 32), epochs 1–1000, 0 < lr ≤ 10, seed 0 to 2^32 − 1, dropout in [0, 1)', async () => {
    assertEqual(DEFAULT_SETTINGS.batchSize, 32, 'default batch size');
    for (const [n, ok, bad] of [
      ['batchSize', [1, 4096], [0, 4097, 1.5]], ['epochs', [1, 1000], [0, 1001]], ['learningRate', [1e-9, 10], [0, -1, 10.5]],
      ['seed', [0, 0xffffffff], [-1, 2 ** 32]], ['dropout', [0, 0.99, null], [1, -0.1]], ['validationSplit', [0, 0.5], [1]],
    ] as [SettingName, unknown[], unknown[]][]) {
      for (const v of ok) assertEqual(parseSetting(n, v), v, `${n} = ${v} accepted`);
      for (const v of bad) await assertRejects(() => parseSetting(n, v), new RegExp(`^${n} must be`), `${n} = ${v} refused`);
    }
    assertEqual(parseSetting('batchSize', ' 64 '), 64, 'string form');
    assertEqual(parseSetting('optimizer', 'SGD'), 'sgd', 'choices are normalised');
  });

  it('numbers keep their meaning as the f32 the GPU sees: no rate that becomes 0, no dropout that becomes 1', async () => {
    await assertRejects(() => parseSetting('learningRate', 1e-50), /^learningRate must be .* as a 32-bit float.*becomes 0/, 'lr 1e-50');
    await assertRejects(() => parseSetting('learningRate', '1e-46'), /^learningRate must be .*32-bit float/, 'lr "1e-46"');
    await assertRejects(() => parseSetting('dropout', 0.99999999), /^dropout must be .* as a 32-bit float.*becomes 1/, 'dropout 0.99999999');
    await assertRejects(() => parseSetting('validationSplit', '0.99999999'), /^validationSplit must be .*32-bit float/, 'split 0.99999999');
    assertEqual(parseSetting('learningRate', 1e-30), 1e-30, 'a tiny rate that f32 still holds');
    assertEqual(parseSetting('dropout', 0.9999), 0.9999, 'a dropout just below 1 that f32 still holds');
    assertEqual(parseSetting('seed', 0xffffffff), 0xffffffff, 'whole numbers are not f32 values (the seed is a u32)');
  });

  it('only plain decimal numbers are read from strings, for every number setting', async () => {
    for (const n of SETTING_NAMES) {
      if (!settingSpec(n).range) continue;
      for (const v of ['0x10', '0b1', '0o7', '1_000', ' ', 'Infinity', '-Infinity', 'NaN', '1e', '.', '1.2.3', '5px']) {
        await assertRejects(() => parseSetting(n, v), new RegExp(`^${n} must be`), `${n} = ${JSON.stringify(v)} refused`);
      }
    }
    assertEqual(parseSetting('epochs', '12'), 12, '12');
    assertEqual(parseSetting('epochs', '+3'), 3, '+3');
    assertEqual(parseSetting('learningRate', '0.001'), 0.001, '0.001');
    assertEqual(parseSetting('learningRate', '1e-3'), 0.001, '1e-3');
    assertEqual(parseSetting('learningRate', '.5'), 0.5, '.5');
    assertEqual(parseSetting('dropout', '-0'), -0, '-0');
    await assertRejects(() => parseSetting('learningRate', Number.POSITIVE_INFINITY), /^learningRate must be/, 'Infinity as a number');
  });

  it('a boolean is true for any string but "false" (an attribute\'s presence, as HTML\'s), and a boolean', () => {
    for (const [v, want] of [['', true], ['true', true], ['restore', true], ['false', false], [' FALSE ', false], [true, true], [false, false]] as const) {
      assertEqual(parseSetting('restoreBestWeights', v), want, JSON.stringify(v));
    }
  });

  it('the command-line help lists every flag of the schema, and the parser knows each', () => {
    for (const n of SETTING_NAMES) {
      const { flag } = SETTINGS[n];
      if (!flag) continue;
      assert(new RegExp(`^  --${flag} `, 'm').test(TRAIN_USAGE), `--help lists --${flag}:\n${TRAIN_USAGE}`);
      if (SETTINGS[n].kind === 'boolean') {
        assertEqual(parseTrainOptions([`--${flag}`]).settings[n], true, `--${flag} alone`);
        continue;
      }
      const value = ({ model: 'cnn', dropout: '0.5', validationSplit: '0.1', trainLimit: '100', testLimit: '100', weightDecay: '0.01', earlyStopping: '3', reduceLrPatience: '2' } as Record<string, string>)[n] ?? String(DEFAULT_SETTINGS[n]);
      const o = parseTrainOptions([`--${flag}`, value]);
      assertEqual(String(o.settings[n]), value, `--${flag} ${value}`);
    }
    assert(/^ {2}--out DIR .*\(default out\)/m.test(TRAIN_USAGE) && /^ {2}--quiet /m.test(TRAIN_USAGE), 'the command’s own options are listed too');
    assert(/^ {2}--batch-size N .*from 1 to 4096\); default 32$/m.test(TRAIN_USAGE), `the rule and default come from the schema:\n${TRAIN_USAGE}`);
  });

  it('notes, before training, flags that would not do what they read as: --top-k without its metric, a val_ monitor without a split', () => {
    const notes = (argv: string[]) => settingNotes(parseTrainOptions(argv));
    assertEqual(JSON.stringify(notes([])), '[]', 'the defaults: no note');
    assertEqual(notes(['--top-k', '3']).join(), '--top-k 3 reports nothing without the top_k_accuracy metric: add --metrics accuracy,top_k_accuracy', '--top-k alone');
    assertEqual(notes(['--top-k', '3', '--metrics', 'accuracy,top_k_accuracy']).length, 0, 'with its metric');
    assert(/^--monitor val_loss without --validation-split watches the test set \(test_loss\)/.test(notes(['--early-stopping', '2']).join()), 'early stopping without a split');
    assert(/^--monitor val_accuracy .* \(test_accuracy\)/.test(notes(['--reduce-lr-patience', '2', '--monitor', 'val_accuracy']).join()), 'reduce-on-plateau too');
    for (const argv of [['--early-stopping', '2', '--validation-split', '0.1'], ['--early-stopping', '2', '--monitor', 'loss'], ['--monitor', 'val_loss']]) {
      assertEqual(notes(argv).length, 0, argv.join(' '));
    }
  });

  it("the element's observed attributes are the schema's attribute names (and its two storage options), and its defaults the schema's", () => {
    const ctor = customElements.get('mnist-trainer') as unknown as typeof MnistTrainer;
    // persist-runs and store-name configure the element's run store, not training: they are not settings.
    const elementOnly = ['persist-runs', 'store-name'];
    assertEqual(sorted(ctor.observedAttributes), sorted([...SETTING_NAMES.map((n) => SETTINGS[n].attribute), ...elementOnly]), 'observed attributes');
    const el = document.createElement('mnist-trainer');
    for (const n of SETTING_NAMES) if (SETTINGS[n].attribute) assertEqual(JSON.stringify(el.settings[n]), JSON.stringify(DEFAULT_SETTINGS[n]), `element default of ${n}`);
    assertEqual(parseTrainOptions([]).settings.batchSize, el.batchSize, 'the command line and the element share the batch-size default');
  });

  it("weight decay: a number ≥ 0, absent by default (the optimizer's own), reaching the optimizer's config", async () => {
    assertEqual(DEFAULT_SETTINGS.weightDecay, null, 'default: absent');
    for (const v of [0, 0.004, 5, null]) assertEqual(parseSetting('weightDecay', v), v, `weightDecay = ${v} accepted`);
    for (const v of [-0.001, 'abc', Infinity]) await assertRejects(() => parseSetting('weightDecay', v), /^weightDecay must be a number of at least 0, got/, `weightDecay = ${v} refused`);
    assertEqual(parseSetting('weightDecay', ''), null, "'' is absent");
    assertEqual('weightDecay' in trainConfig(DEFAULT_SETTINGS).optimizer, false, 'absent: no field, so adamw keeps its 0.004');
    const c = trainConfig({ ...DEFAULT_SETTINGS, optimizer: 'adamw', weightDecay: 0.01 });
    assertEqual(JSON.stringify(c.optimizer), JSON.stringify({ name: 'adamw', learningRate: 0.001, weightDecay: 0.01 }), 'config');
    checkTrainConfig(c);
    assertEqual(parseTrainOptions(['--weight-decay', '0.02']).settings.weightDecay, 0.02, '--weight-decay');
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    el.setAttribute('weight-decay', '0.03');
    assertEqual(el.weightDecay, 0.03, 'the weight-decay attribute');
    assertEqual(trainConfig(el.settings).optimizer.weightDecay, 0.03, "the element's config");
    await assertRejects(() => checkTrainConfig({ ...c, optimizer: { ...c.optimizer, weightDecay: -1 } }), /^optimizer\.weightDecay must be a number of at least 0, got -1/, 'config field named by its path');
  });

  it('kernels: auto by default, tiled or register forced, from the element, the command line and a config', async () => {
    assertEqual(DEFAULT_SETTINGS.kernels, 'auto', 'default: measured');
    assertEqual(trainConfig(DEFAULT_SETTINGS).kernels, 'auto', 'into the config');
    await assertRejects(() => parseSetting('kernels', 'fast'), /^kernels must be one of auto, tiled, register, got/, 'an unknown variant refused');
    assertEqual(parseTrainOptions(['--kernels', 'register']).settings.kernels, 'register', '--kernels');
    assert(TRAIN_USAGE.includes('--kernels K'), '--help lists it');
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    el.setAttribute('kernels', 'tiled');
    assertEqual(trainConfig(el.settings).kernels, 'tiled', "the element's attribute reaches the config");
    assertEqual(configSettings({ ...trainConfig(DEFAULT_SETTINGS), kernels: 'register' }).kernels, 'register', 'and back (checkpoints)');
    await assertRejects(() => checkTrainConfig({ ...trainConfig(DEFAULT_SETTINGS), kernels: 'fast' as never }), /^kernels must be one of auto, tiled, register/, 'a config field named');
  });

  it('the optimizer choice lists every algorithm of the engine: the schema, --help and the element\'s select', async () => {
    assertEqual(JSON.stringify(settingSpec('optimizer').values), JSON.stringify(OPTIMIZERS), 'schema');
    assert(TRAIN_USAGE.replace(/\s+/g, ' ').includes(`one of ${OPTIMIZERS.join(', ')}`), `--help:\n${TRAIN_USAGE}`);
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    document.body.append(el);
    await el.updateComplete;
    const options = [...el.shadowRoot!.querySelectorAll<HTMLOptionElement>('select[name="optimizer"] option')].map((o) => o.value);
    assertEqual(options.join(), OPTIMIZERS.join(), 'the select');
    el.remove();
  });

  it('a TrainConfig from the defaults is valid; a config field breaking its rule is named by its path', async () => {
    const config = trainConfig(DEFAULT_SETTINGS);
    checkTrainConfig(config);
    validateConfig(config, 60000);
    assertEqual(config.batchSize, 32, 'batch size');
    assertEqual(config.dropout, undefined, 'absent dropout: each layer’s own rate');
    const bad: [Partial<TrainConfig>, RegExp][] = [
      [{ optimizer: { name: 'adam', learningRate: 11 } }, /^optimizer\.learningRate must be a number greater than 0 and at most 10/],
      [{ optimizer: { name: 'Adam' as 'adam', learningRate: 0.1 } }, /^optimizer\.name must be one of sgd/],
      [{ epochs: '5' as unknown as number }, /^epochs must be a whole number from 1 to 1000, got "5"/],
      [{ dropout: 1 }, /^dropout must be a number from 0 up to but not including 1/],
      [{ batchSize: 5000 }, /^batchSize must be a whole number from 1 to 4096/],
    ];
    for (const [change, pattern] of bad) await assertRejects(() => validateConfig({ ...config, ...change }, 60000), pattern, JSON.stringify(change));
  });
  it('loss, label smoothing, metrics and top-k: parsed, combined, and carried into the config', async () => {
    assertEqual(DEFAULT_SETTINGS.loss, 'categorical_crossentropy', 'default loss');
    assertEqual(JSON.stringify(settingSpec('loss').values), JSON.stringify(LOSSES), 'the losses of the engine');
    assertEqual(parseSetting('loss', ' Mean_Squared_Error '), 'mean_squared_error', 'choices are normalised');
    await assertRejects(() => parseSetting('loss', 'mse', '--loss'), /^--loss must be one of categorical_crossentropy, mean_squared_error, categorical_hinge, got "mse"/, 'no aliases');
    for (const v of [0, 0.1, 0.999]) assertEqual(parseSetting('labelSmoothing', v), v, `labelSmoothing ${v}`);
    for (const v of [1, -0.1, '0.1x']) await assertRejects(() => parseSetting('labelSmoothing', v), /^labelSmoothing must be a number from 0 up to but not including 1/, `labelSmoothing ${v}`);
    const e = await assertRejects(() => parseSettings({ loss: 'categorical_hinge', labelSmoothing: '0.1' }, (n) => `--${SETTINGS[n].flag}`), /^--label-smoothing applies to categorical_crossentropy only/, 'smoothing with the hinge');
    assert(e instanceof SettingError && e.setting === 'labelSmoothing', 'a SettingError naming labelSmoothing');
    await assertRejects(() => trainConfig({ ...DEFAULT_SETTINGS, loss: 'mean_squared_error', labelSmoothing: 0.2 }), /^labelSmoothing applies to categorical_crossentropy only/, 'trainConfig refuses it too');
    const smoothed = trainConfig({ ...DEFAULT_SETTINGS, labelSmoothing: 0.1 });
    assertEqual(smoothed.labelSmoothing, 0.1, 'smoothing with cross-entropy');
    const c = await assertRejects(() => checkTrainConfig({ ...smoothed, loss: 'categorical_hinge' }, 'header config.'), /^header config\.labelSmoothing applies to categorical_crossentropy only/, 'a checkpoint config');
    assert(c instanceof ConfigFieldError && c.field === 'labelSmoothing', 'a ConfigFieldError for labelSmoothing');

    assertEqual(DEFAULT_SETTINGS.metrics, 'accuracy', 'default metrics');
    assertEqual(parseSetting('metrics', ' accuracy, TOP_K_accuracy ,accuracy'), 'accuracy,top_k_accuracy', 'a list, normalised');
    assertEqual(parseSetting('metrics', ['top_k_accuracy']), 'top_k_accuracy', 'an array');
    const m = await assertRejects(() => parseSetting('metrics', 'accuracy,precision', 'metrics'), /^metrics must be a comma-separated list of accuracy, top_k_accuracy, got "accuracy,precision" \(unknown: "precision"\)/, 'an unknown metric');
    assert(m instanceof SettingError && m.setting === 'metrics', 'a SettingError naming metrics');
    await assertRejects(() => parseSetting('metrics', ''), /^metrics must be a comma-separated list/, 'an empty list');

    assertEqual(DEFAULT_SETTINGS.topK, 5, "Keras's default k");
    for (const v of [0, 1.5, -1]) await assertRejects(() => parseSetting('topK', v, 'top-k'), /^top-k must be a whole number/, `topK ${v}`);
    const config = trainConfig(parseSettings({ loss: 'categorical_hinge', metrics: 'accuracy,top_k_accuracy', topK: '3' }));
    assertEqual(JSON.stringify([config.loss, config.labelSmoothing, config.metrics, config.topK]), JSON.stringify(['categorical_hinge', 0, ['accuracy', 'top_k_accuracy'], 3]), 'the config');
    checkTrainConfig(config);
    validateConfig({ ...config, topK: 10 }, 60000, 10);
    validateConfig({ ...config, metrics: ['accuracy'], topK: 11 }, 60000, 10);
    const k = await assertRejects(() => validateConfig({ ...config, topK: 11 }, 60000, 10), /^topK 11 is larger than the model's 10 classes/, 'k > classes');
    assert(k instanceof SettingError && k.setting === 'topK', 'a SettingError naming topK');
    await assertRejects(() => checkTrainConfig({ ...config, metrics: ['accuracy', 'f1' as 'accuracy'] }), /^metrics must be a comma-separated list/, 'a config metric');

    const o = parseTrainOptions(['--loss', 'categorical_hinge', '--metrics', 'top_k_accuracy', '--top-k', '2']).settings;
    assertEqual(JSON.stringify([o.loss, o.metrics, o.topK]), JSON.stringify(['categorical_hinge', 'top_k_accuracy', 2]), 'the flags');
    assert(/--label-smoothing/.test(TRAIN_USAGE) && /--top-k/.test(TRAIN_USAGE), '--help lists them');
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    el.setAttribute('loss', 'mean_squared_error');
    el.setAttribute('metrics', 'accuracy, top_k_accuracy');
    el.setAttribute('top-k', '3');
    el.setAttribute('label-smoothing', '0.1');
    const s = el.settings;
    assertEqual(JSON.stringify([s.loss, s.metrics, s.topK, s.labelSmoothing]), JSON.stringify(['mean_squared_error', 'accuracy,top_k_accuracy', 3, 0.1]), 'the attributes');
    await assertRejects(() => trainConfig(s), /^labelSmoothing applies to categorical_crossentropy only/, "the element's run refuses the combination");
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assertEqual([...root.querySelectorAll<HTMLOptionElement>('select[name="loss"] option')].map((x) => x.value).join(), LOSSES.join(), 'the loss select');
    for (const name of ['label-smoothing', 'metrics', 'top-k']) assert(root.querySelector(`input[name="${name}"]`) !== null, `the ${name} input`);
    el.remove();
  });
});
