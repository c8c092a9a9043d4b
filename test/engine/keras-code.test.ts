// The Keras program generated for a model and its settings: every layer in order with its arguments,
// the softmax the loss fuses made explicit, compile() and fit() from the settings, and invalid models
// refused as training refuses them.
import '../../src/components/index';
import { kerasCode } from '../../src/engine/keras-code';
import { ModelSpecError, type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { parseSettings, type Settings } from '../../src/engine/settings';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import { assert, assertEqual } from '../util/assert';

const settings = (v: Partial<Record<keyof Settings, unknown>> = {}) => parseSettings(v);

/** The lines between `keras.Sequential([` and `])`, minus the Input. */
function layerLines(code: string): string[] {
  const body = code.slice(code.indexOf('keras.Sequential([') + 'keras.Sequential(['.length, code.indexOf('], name='));
  return body.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l && !l.startsWith('keras.Input'));
}

describe('Keras code', () => {
  it('writes each preset layer by layer, the final Dense with the softmax the loss fuses', () => {
    assertEqual(layerLines(kerasCode(settings({ model: 'cnn' }))).join(' | '), [
      'layers.Conv2D(32, 3, activation="relu")', 'layers.MaxPooling2D(2)', 'layers.Conv2D(64, 3, activation="relu")', 'layers.MaxPooling2D(2)',
      'layers.Flatten()', 'layers.Dropout(0.5)', 'layers.Dense(10, activation="softmax")',
    ].join(' | '), 'cnn');
    for (const name of Object.keys(PRESETS)) {
      const lines = layerLines(kerasCode(settings({ model: name })));
      assertEqual(lines.length, PRESETS[name].layers.length, `${name}: one Keras layer per layer`);
    }
  });

  it('keeps every layer argument, and adds a separate softmax when the last layer has its own activation or none', () => {
    const model: ModelSpec = {
      name: 'odd', layers: [
        { type: 'conv2d', filters: 4, kernelSize: [3, 5], padding: 'same', activation: 'tanh' },
        { type: 'avgPool2d', poolSize: 3, strides: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'relu' },
      ],
    };
    assertEqual(layerLines(kerasCode(settings(), model)).join(' | '), [
      'layers.Conv2D(4, (3, 5), padding="same", activation="tanh")', 'layers.AveragePooling2D(3, strides=2)', 'layers.Flatten()',
      'layers.Dense(10, activation="relu")', 'layers.Activation("softmax")',
    ].join(' | '), 'arguments and the extra softmax');
    const own: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'leaky_relu' }, { type: 'activation', activation: 'gelu' }, { type: 'dense', units: 10 }] };
    assertEqual(layerLines(kerasCode(settings(), own)).join(' | '), [
      'layers.Flatten()', 'layers.Dense(16)', 'layers.LeakyReLU(negative_slope=0.01)',
      'layers.Activation(lambda x: keras.activations.gelu(x, approximate=True))', 'layers.Dense(10, activation="softmax")',
    ].join(' | '), "our leaky ReLU's slope and tanh GELU as layers of their own");
    const dropoutLast: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }, { type: 'dropout', rate: 0.1 }] };
    assertEqual(layerLines(kerasCode(settings(), dropoutLast)).slice(-2).join(' | '), 'layers.Dropout(0.1) | layers.Activation("softmax")', 'dropout last');
    const softmaxLayer: ModelSpec = { layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }, { type: 'activation', activation: 'softmax' }] };
    assertEqual(layerLines(kerasCode(settings(), softmaxLayer)).slice(-2).join(' | '), 'layers.Dense(10) | layers.Activation("softmax")', 'an explicit softmax layer stays one');
    assert(kerasCode(settings(), { name: 'lab5/v2', layers: dropoutLast.layers }).includes('], name="lab5_v2")'), "a name without '/', which Keras refuses");
  });

  it('takes compile() and fit() from the settings', () => {
    const code = kerasCode(settings({ model: 'mlp', optimizer: 'nesterov', learningRate: 0.05, weightDecay: 0.001, batchSize: 64, epochs: 3, dropout: 0.3, validationSplit: 0.1, trainLimit: 1000, testLimit: 500, seed: 7, dataSource: 'fashion-mnist' }));
    for (const part of [
      'keras.datasets.fashion_mnist.load_data()', 'x_train, y_train = x_train[:1000], y_train[:1000]', 'x_test, y_test = x_test[:500], y_test[:500]',
      'keras.utils.set_random_seed(7)', 'layers.Dropout(0.3)', 'optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, weight_decay=0.001)',
      'loss="categorical_crossentropy"', 'metrics=["accuracy"]', 'batch_size=64, epochs=3', 'validation_split=0.1', '/ 255',
    ]) assert(code.includes(part), `has ${part}\n${code}`);
    assert(!code.includes('validation_data'), 'validation_split replaces the test set as validation data');
    const cosine = kerasCode(settings({ lrSchedule: 'cosine', epochs: 4, batchSize: 16 }));
    assert(cosine.includes('CosineDecay(0.001, decay_steps=4 * steps_per_epoch)') && cosine.includes('math.ceil(len(x_train) / 16)') && cosine.includes('import math'), cosine);
    assert(kerasCode(settings()).includes('validation_data=(x_test, y_test)'), 'the test set validates by default');
    assert(kerasCode(settings({ dataSource: 'https://example.org/idx/' })).includes('load_idx_dataset()'), 'own IDX files');
  });

  it('writes the loss, the metrics, the callbacks, batch normalization, regularizers and augmentation', () => {
    const model: ModelSpec = {
      name: 'bn', layers: [
        { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu', kernelRegularizer: { l2: 0.001 } },
        { type: 'batchNormalization', momentum: 0.9 },
        { type: 'flatten' },
        { type: 'dense', units: 10, kernelRegularizer: { l1: 0.01 } },
      ],
    };
    const code = kerasCode(settings({
      labelSmoothing: 0.1, metrics: 'accuracy,top_k_accuracy', topK: 3, earlyStopping: 2, monitor: 'val_accuracy', minDelta: 0.001,
      restoreBestWeights: true, reduceLrPatience: 1, reduceLrFactor: 0.5, minLearningRate: 0.0001, augmentShift: 2, augmentRotation: 10, augmentZoom: 0.1,
    }), model);
    assertEqual(layerLines(code).join(' | '), [
      '# Augmentation: active in fit() only, as here (pixels from outside the image are 0).',
      'layers.RandomTranslation(0.0714286, 0.0714286, fill_mode="constant")', 'layers.RandomRotation(0.0277778, fill_mode="constant")',
      'layers.RandomZoom((-0.1, 0.1), fill_mode="constant")',
      'layers.Conv2D(8, 3, activation="relu", kernel_regularizer=keras.regularizers.L1L2(l1=0, l2=0.001))', 'layers.BatchNormalization(momentum=0.9)',
      'layers.Flatten()', 'layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0))',
    ].join(' | '), 'layers');
    for (const part of [
      'loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1)',
      'metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(k=3, name="top_k_accuracy")]',
      'keras.callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.001, patience=2, restore_best_weights=True)',
      'keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", min_delta=0.001, patience=1, factor=0.5, min_lr=0.0001)',
    ]) assert(code.includes(part), `has ${part}\n${code}`);
    // Keras cannot lower a schedule's rate: beside cosine, the plateau callback is a comment saying why, and the program runs.
    const both = kerasCode(settings({ lrSchedule: 'cosine', reduceLrPatience: 2 }));
    assert(both.includes('        # keras.callbacks.ReduceLROnPlateau(') && !/^\s+keras\.callbacks\.ReduceLROnPlateau/m.test(both)
      && both.includes('cannot lower a LearningRateSchedule\'s rate'), both);
    const mse = kerasCode(settings({ loss: 'mean_squared_error' }));
    assert(mse.includes('loss="mean_squared_error"') && !mse.includes('callbacks=') && !mse.includes('Random'), mse);
    assert(kerasCode(settings({ loss: 'categorical_hinge' })).includes('loss="categorical_hinge"'), 'hinge');
  });

  it('refuses an invalid model as training does', () => {
    let error: unknown;
    try {
      kerasCode(settings(), { layers: [{ type: 'flatten' }, { type: 'dense', units: 7 }] });
    } catch (e) {
      error = e;
    }
    assert(error instanceof ModelSpecError && /10 outputs/.test(error.message), String(error));
  });

  it('is shown by the element behind a button, for the current settings', async () => {
    const el = document.createElement('mnist-trainer') as MnistTrainer;
    document.body.append(el);
    try {
      el.model = 'cnn';
      el.optimizer = 'adagrad';
      await el.updateComplete;
      const view = el.shadowRoot!.querySelector('mt-keras-code')!;
      await (view as unknown as { updateComplete: Promise<unknown> }).updateComplete;
      assertEqual(view.shadowRoot!.querySelector('pre'), null, 'hidden at first');
      (view.shadowRoot!.querySelector('button[part="toggle"]') as HTMLButtonElement).click();
      await (view as unknown as { updateComplete: Promise<unknown> }).updateComplete;
      const text = view.shadowRoot!.querySelector('pre')!.textContent!;
      assertEqual(text, el.kerasCode(), 'shows kerasCode()');
      assert(text.includes('Adagrad(learning_rate=0.001)') && text.includes('layers.Conv2D(64, 3, activation="relu")'), text);
    } finally {
      el.remove();
    }
  });
});
