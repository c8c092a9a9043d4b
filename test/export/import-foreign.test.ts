// Importing TF.js Layers models made elsewhere: built and saved by TF.js itself (its cpu backend, random weights,
// random batch-normalization statistics), imported, run by our Trainer and compared with TF.js's own
// model.predict on the same test images. What their outputs mean is ours to keep: the file's softmax before a
// dropout, two softmaxes, a batch normalization whose axis Keras 2 writes as 1, a file saved with its
// optimizer; an output that is neither softmax nor logits is refused, and training-only options are noted.
import type * as TF from '@tensorflow/tfjs';
import { importTfjs, type ImportedModel } from '../../src/engine/export/import-tfjs';
import { errorCode } from '../../src/engine/errors';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { smallMnist, trainer } from '../engine/fixtures';
import { tfjsCpu } from './clients';

const N = 32;
type Tfjs = typeof TF;

/** model.json as TF.js's own model.save writes it, and its weights, from the artifacts a save handler gets. */
async function saved(model: TF.LayersModel, includeOptimizer = false): Promise<{ json: Record<string, unknown>; weights: Uint8Array }> {
  const tf = await tfjsCpu();
  let json: Record<string, unknown> = {};
  let weights = new Uint8Array();
  await model.save(tf.io.withSaveHandler(async (a) => {
    json = { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
    weights = new Uint8Array((a.weightData as ArrayBuffer).slice(0));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return { json: JSON.parse(JSON.stringify(json)) as Record<string, unknown>, weights };
}

/** Every weight (batch normalization's moving statistics too) random, as after training: deterministic. */
function randomWeights(tf: Tfjs, model: TF.LayersModel): void {
  let seed = 1;
  const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  model.setWeights(model.weights.map((w) => {
    const shape = w.shape as number[];
    return tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => (w.name.includes('variance') ? 0.5 + next() : next() - 0.5)), shape);
  }));
}

/** Our Trainer's probabilities for the imported model against TF.js's model.predict on the first N test images. */
async function assertSamePredictions(tf: Tfjs, model: TF.LayersModel, imported: ImportedModel, what: string, logits = false): Promise<void> {
  const data = await smallMnist(64, N);
  const t = await trainer(data, { model: imported.spec, batchSize: 32 });
  try {
    await t.setWeights(imported.params);
    const images = data.test.cpu.images.subarray(0, N * 784);
    const ours = await t.predictMany(images);
    const x = tf.tensor4d(Float32Array.from(images, (v) => v / 255), [N, 28, 28, 1]);
    // A file that ends in logits: TF.js gives them, ours are their softmax.
    const y = logits ? tf.softmax(model.predict(x) as TF.Tensor) : model.predict(x) as TF.Tensor;
    const theirs = (await y.data()) as Float32Array;
    tf.dispose([x, y]);
    let diff = 0;
    for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    assert(theirs.length === ours.length && diff <= 1e-5, `${what}: max abs difference ${diff.toExponential(2)} from TF.js`);
  } finally {
    t.destroy();
    data.destroy();
  }
}

describe("import of TF.js models made elsewhere, checked against TF.js's own predictions", () => {
  it("keeps what the file's output means: a softmax before a dropout, two softmaxes, batch normalization with axis 1, a saved optimizer", async () => {
    const tf = await tfjsCpu();
    const L = tf.layers;
    const models: [string, TF.Sequential, string][] = [
      ['softmax, then dropout', tf.sequential({ layers: [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 16, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' }), L.dropout({ rate: 0.2 })] }), 'flatten,dense:relu,dense,dropout'],
      ['two softmaxes', tf.sequential({ layers: [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 10, activation: 'softmax' }), L.activation({ activation: 'softmax' })] }), 'flatten,dense:softmax,activation:softmax'],
      ['batch normalization, axis 1 after a dense layer', tf.sequential({ layers: [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 12 }), L.batchNormalization({ axis: 1 }), L.dense({ units: 10, activation: 'softmax' })] }), 'flatten,dense,batchNormalization,dense:softmax'],
      ['logits (no softmax)', tf.sequential({ layers: [L.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dense({ units: 10 })] }), 'conv2d:relu,flatten,dense'],
    ];
    for (const [what, model, layers] of models) {
      randomWeights(tf, model);
      const { json, weights } = await saved(model);
      const imported = importTfjs(json, weights, { source: what });
      assertEqual(imported.spec.layers.map((l) => `${l.type}${'activation' in l && l.activation ? `:${l.activation}` : ''}`).join(), layers, `${what}: our layers`);
      await assertSamePredictions(tf, model, imported, what, what.startsWith('logits'));
      model.dispose();
    }
    // Saved with its optimizer (an int32 step counter among Adam's moments): those weights are skipped, as TF.js does.
    const m = tf.sequential({ layers: [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 10, activation: 'softmax' })] });
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await m.fit(tf.zeros([2, 28, 28, 1]), tf.oneHot(tf.tensor1d([1, 2], 'int32'), 10), { epochs: 1, verbose: 0 });
    const withOptimizer = await saved(m, true);
    const groups = ((withOptimizer.json.weightsManifest as { weights: { group?: string; dtype: string }[] }[])[0].weights);
    assert(groups.some((w) => w.group === 'optimizer' && w.dtype === 'int32'), `the file holds the optimizer's state: ${JSON.stringify(groups)}`);
    await assertSamePredictions(tf, m, importTfjs(withOptimizer.json, withOptimizer.weights), 'saved with its optimizer');
    m.dispose();
  });

  it('refuses an output activation that is neither softmax nor logits, and batch normalization over another axis', async () => {
    const tf = await tfjsCpu();
    const L = tf.layers;
    const sigmoid = tf.sequential({ layers: [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 10, activation: 'sigmoid' }), L.dropout({ rate: 0.1 })] });
    let f = await saved(sigmoid);
    const e = await assertRejects(() => importTfjs(f.json, f.weights, { source: 'm.json' }),
      /^m\.json: layer 2 \(Dense "dense_Dense\d+"\): the model's output activation "sigmoid" is not supported: this trainer's models give class probabilities by softmax/, 'sigmoid');
    assertEqual(errorCode(e), 'model', 'a model error');
    const heightAxis = tf.sequential({ layers: [L.batchNormalization({ inputShape: [28, 28, 1], axis: 1 }), L.flatten(), L.dense({ units: 10 })] });
    f = await saved(heightAxis);
    await assertRejects(() => importTfjs(f.json, f.weights, { source: 'm.json' }),
      /^m\.json: layer 1 \(BatchNormalization "batch_normalization_BatchNormalization\d+"\): axis 1 is not supported: this trainer normalizes over the last axis of its input \(3 for a batch of shape \[null, 28, 28, 1\], or -1\)$/, 'axis 1 of an image');
    [sigmoid, heightAxis].forEach((m) => m.dispose());
  });

  it('imports kernel_regularizer, and notes the training-only options it leaves out (frozen layers, bias regularizers)', async () => {
    const tf = await tfjsCpu();
    const L = tf.layers;
    const m = tf.sequential({ layers: [
      L.flatten({ inputShape: [28, 28, 1] }),
      L.dense({ units: 8, activation: 'relu', kernelRegularizer: tf.regularizers.l1l2({ l1: 0.001, l2: 0.01 }), trainable: false, name: 'frozen' }),
      L.dense({ units: 10, kernelRegularizer: tf.regularizers.l2({ l2: 0.02 }), biasRegularizer: tf.regularizers.l2({ l2: 0.1 }), name: 'out' }),
    ] });
    const f = await saved(m);
    const imported = importTfjs(f.json, f.weights, { source: 'm.json' });
    assertEqual(JSON.stringify(imported.model.layers.map((l) => l.kernelRegularizer)), '[null,{"l1":0.001,"l2":0.01},{"l1":0,"l2":0.02}]', 'the kernel regularizers');
    assertEqual(imported.notes.join('\n'), 'm.json: layer 2 (Dense "frozen"): frozen in the file (trainable: false); this trainer trains every layer\n'
      + 'm.json: layer 3 (Dense "out"): bias_regularizer not used in training here', 'the notes');
    m.dispose();
  });
});
