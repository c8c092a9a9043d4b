// Export to TF.js Layers and ONNX, checked by the real clients: for every preset and a model with every
// layer type and activation, TF.js (tf.loadLayersModel) and ONNX Runtime give the class probabilities
// of our Trainer.predictMany on 200 test images (max abs difference ≤ 1e-4) and the same argmax; and the
// TF.js export imports back to the same model and bit-identical weights.
import { ACTIVATIONS } from '../../src/engine/activations';
import { exportTfjs, exportTfjsZip } from '../../src/engine/export/tfjs';
import { exportOnnx, decodeOnnx } from '../../src/engine/export/onnx';
import { importTfjsZip } from '../../src/engine/export/import-tfjs';
import { classNamesMismatch } from '../../src/engine/export/labels';
import { LAYER_TYPES, resolveModel, type ModelSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { flatParamLayout } from '../../src/engine/graph';
import { assert, assertBitEqual, assertEqual } from '../util/assert';
import { FASHION_MNIST_CLASSES } from '../../src/data/sources';
import { smallMnist, trainer } from '../engine/fixtures';
import { onnxPredict, tfjsPredict } from './clients';

/** Every layer type and every activation, 'same' padding with an even kernel side, a pool with stride ≠ size, a non-linear last layer, kernel regularizers (L1L2 in Keras). */
export const EVERY_LAYER: ModelSpec = {
  name: 'every-layer',
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: [3, 2], padding: 'same', activation: 'leaky_relu', kernelRegularizer: { l2: 0.001 } },
    { type: 'batchNormalization', momentum: 0.5 },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 6, kernelSize: 3, activation: 'elu' },
    { type: 'avgPool2d', poolSize: 3, strides: 2 },
    { type: 'activation', activation: 'gelu' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 16, activation: 'tanh', kernelRegularizer: { l1: 0.0005, l2: 0.002 } },
    { type: 'batchNormalization', epsilon: 0.01 },
    { type: 'dense', units: 12, activation: 'softmax' },
    { type: 'activation', activation: 'leaky_relu' },
    { type: 'dense', units: 12, activation: 'sigmoid' },
    { type: 'dense', units: 10, activation: 'relu' },
  ],
};

/** The same without GELU, which TF.js 4.22 cannot load in its tanh form (keras-layers.ts): for TF.js. */
export const EVERY_LAYER_BUT_GELU: ModelSpec = {
  name: 'every-layer-but-gelu',
  layers: EVERY_LAYER.layers.map((l) => (l.type === 'activation' && l.activation === 'gelu' ? { type: 'activation', activation: 'relu' } : l)),
};

const N = 200;
const TOL = 1e-4;

function argmax(p: Float32Array, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (p[row * k + j] > p[row * k + best]) best = j;
  return best;
}

function compare(ours: Float32Array, theirs: Float32Array, what: string): void {
  assert(theirs.length === ours.length, `${what}: ${theirs.length} probabilities, expected ${ours.length}`);
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
  assert(maxDiff <= TOL, `${what}: max abs difference ${maxDiff.toExponential(3)} > ${TOL}`);
  for (let r = 0; r < N; r++) {
    assert(argmax(ours, r, 10) === argmax(theirs, r, 10), `${what}: image ${r}: argmax ${argmax(theirs, r, 10)}, ours ${argmax(ours, r, 10)}`);
  }
}

describe('export to TF.js Layers and ONNX, checked by TF.js and ONNX Runtime', () => {
  it('the every-layer model uses every layer type and activation', () => {
    const types = new Set(EVERY_LAYER.layers.map((l) => l.type));
    const acts = new Set(EVERY_LAYER.layers.map((l) => ('activation' in l ? l.activation : undefined)));
    for (const t of LAYER_TYPES) assert(types.has(t), `layer type ${t} missing`);
    for (const a of ACTIVATIONS) assert(a === 'linear' || acts.has(a), `activation ${a} missing`);
  });

  it("writes the dropout rate the run trained with (the dropout setting) where it set one, else the layer's own", () => {
    const model = resolveModel(PRESETS.mlp);
    const params = new Float32Array(flatParamLayout(model).total);
    type KerasLayer = { class_name: string; config: { rate?: number } };
    const rates = (dropout?: number) => (exportTfjs(model, params, undefined, dropout).modelJson.modelTopology.config.layers as KerasLayer[])
      .filter((l) => l.class_name === 'Dropout').map((l) => l.config.rate).join();
    const own = model.layers.find((l) => l.type === 'dropout') as { rate: number };
    assertEqual(rates(), String(own.rate), "the layer's own");
    assertEqual(rates(0.5), '0.5', 'the run\'s');
  });

  for (const [name, spec] of [...Object.entries(PRESETS), ['every-layer', EVERY_LAYER] as const, ['every-layer-but-gelu', EVERY_LAYER_BUT_GELU] as const]) {
    it(`${name}: TF.js and ONNX Runtime give our probabilities and argmax on ${N} test images; TF.js round-trips`, async () => {
      const data = await smallMnist(64, N);
      const t = await trainer(data, { model: spec, batchSize: 32, epochs: 1 });
      await t.fit(); // two steps: weights that are not the initial ones
      const params = (await t.readState()).params;
      const images = data.test.cpu.images;
      const ours = await t.predictMany(images.subarray(0, N * 784));
      const pixels = Float32Array.from(images.subarray(0, N * 784), (v) => v / 255);

      const gelu = spec.layers.some((l) => 'activation' in l && l.activation === 'gelu');
      if (gelu) {
        let refused = '';
        try {
          exportTfjs(t.model, params);
        } catch (e) {
          refused = (e as Error).message;
        }
        assert(/activation "gelu" cannot be exported to TF\.js Layers/.test(refused), `${name}: the TF.js export refuses GELU: ${refused}`);
      } else {
        compare(ours, (await tfjsPredict(exportTfjs(t.model, params), pixels, N)).probs, `${name}: TF.js`);
      }
      const onnx = exportOnnx(t.model, params);
      compare(ours, await onnxPredict(onnx, pixels, N), `${name}: ONNX Runtime`);
      const ops = ((decodeOnnx(onnx).graph as { node: { opType: string }[] }).node).map((n) => n.opType);
      assert(!ops.includes('Dropout'), `${name}: no Dropout in the inference graph: ${ops.join()}`);

      if (gelu) {
        t.destroy();
        data.destroy();
        return;
      }
      const back = importTfjsZip(exportTfjsZip(t.model, params));
      // The same layers with the same settings (the spec may spell defaults out: padding 'valid', strides).
      const layers = (s: ModelSpec) => JSON.stringify(resolveModel(s).layers.map((l) => ({ ...l, spec: undefined })));
      assert(layers(back.spec) === layers(spec), `${name}: the model round-trips: ${JSON.stringify(back.spec.layers)}`);
      assertBitEqual(back.params, params, `${name}: weights round-trip`);
      t.destroy();
      data.destroy();
    });
  }

  it('the files say what the outputs mean: TF.js keeps the data set and class names, ONNX has them as metadata_props, import reads them back', async () => {
    const data = await smallMnist(64, 8);
    const t = await trainer(data, { model: PRESETS.mlp, batchSize: 32, epochs: 1 });
    const params = (await t.readState()).params;
    const pixels = Float32Array.from(data.test.cpu.images.subarray(0, 8 * 784), (v) => v / 255);
    const labels = { dataset: 'Fashion-MNIST', classNames: FASHION_MNIST_CLASSES };
    const { metadata } = await tfjsPredict(exportTfjs(t.model, params, labels), pixels, 8);
    assertEqual(JSON.stringify(metadata), JSON.stringify({ dataset: 'Fashion-MNIST', classNames: FASHION_MNIST_CLASSES }), 'tf.loadLayersModel: getUserDefinedMetadata()');
    const back = importTfjsZip(exportTfjsZip(t.model, params, labels));
    assertEqual(`${back.dataset}|${back.classNames?.join()}`, `Fashion-MNIST|${FASHION_MNIST_CLASSES.join()}`, 'our import');
    const unlabelled = importTfjsZip(exportTfjsZip(t.model, params));
    assert(unlabelled.dataset === undefined && unlabelled.classNames === undefined, 'a file without them: none');
    // Loaded on another data set, the names are set aside with a notice; the same names, or none, need none.
    assertEqual(JSON.stringify(classNamesMismatch(back.classNames, data)), JSON.stringify({ theirs: 'T-shirt/top, Trouser, Pullover, Dress, …', ours: '0, 1, 2, 3, …' }), 'other names');
    assert(classNamesMismatch([...data.classNames], data) === undefined && classNamesMismatch(undefined, data) === undefined, 'the same names, or none: no notice');
    assertEqual(classNamesMismatch(['a', 'b'], { name: 'AB', classNames: ['a', 'b', 'c'] })?.theirs, 'a, b', 'fewer names than classes');
    const props = (decodeOnnx(exportOnnx(t.model, params, { labels })) as { metadataProps?: { key: string; value: string }[] }).metadataProps ?? [];
    assertEqual(JSON.stringify(props), JSON.stringify([{ key: 'dataset', value: 'Fashion-MNIST' }, { key: 'class_names', value: JSON.stringify(FASHION_MNIST_CLASSES) }]), 'ONNX metadata_props');
    t.destroy();
    data.destroy();
  });
});
