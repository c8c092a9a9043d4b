// Trainer.inspect: one image's output of every layer and the first convolution's filters, read back
// once after an inference forward. Checked against predict(), against float64 CPU forwards of each
// layer from the read-back parameters and the previous layer's read-back output, against resolveModel's
// shapes; and inspecting between training steps changes nothing the training computes.
import { resolveModel, type ModelSpec } from '../../src/engine/model';
import type { Inspection, Trainer } from '../../src/engine/trainer';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { conv2dForwardRef } from '../reference/conv2d';
import { matmulForward } from '../reference/matmul';
import { poolForward } from '../reference/pool';
import { smallMnist, trainer } from './fixtures';

const spec: ModelSpec = {
  layers: [
    // 8 filters: conv2d_1 and maxPool2d_1 run as one op (fusion.ts), whose inspection forward writes the conv's map.
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    // 11×11 under 2×2 windows: conv2d_2 computes only the 10×10 its pooling reads; its inspection forward, the whole map.
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
};
const TOL = { atol: 1e-5, rtol: 1e-4 };
const relu = (v: Float64Array) => v.map((x) => Math.max(x, 0));

function softmax(z: ArrayLike<number>): Float64Array {
  const max = Math.max(...Array.from(z));
  const e = Float64Array.from(z, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

async function weights(t: Trainer): Promise<(name: string) => Float32Array> {
  const { params } = await t.readState();
  return (name) => {
    const s = t.parameterSlots.find((q) => q.info.name === name)!;
    return params.subarray(s.offset, s.offset + s.info.size);
  };
}

describe('Trainer.inspect', () => {
  it("reads every layer's output for one image: the last = predict(), each = a float64 forward of the one before", async () => {
    const data = await smallMnist(256, 64);
    const t = await trainer(data, { model: spec, epochs: 1, batchSize: 32 });
    await t.fit();
    const img = data.test.cpu.images.subarray(3 * 784, 4 * 784);
    const ins = await t.inspect(img);
    const resolved = resolveModel(spec, [28, 28, 1], 10);
    assertEqual(ins.layers.length, resolved.layers.length, 'one output per layer');
    ins.layers.forEach((l, i) => {
      assertEqual(JSON.stringify(l.shape), JSON.stringify(resolved.layers[i].outShape), `${l.name}: shape`);
      assertEqual(l.name, resolved.layers[i].name, 'layer name');
      assertEqual(l.values.length, l.shape.reduce((a, b) => a * b, 1), `${l.name}: values`);
    });
    const [conv, pool, conv2, pool2, flat, drop, hidden, out] = ins.layers;
    assertBitEqual(out.values, await t.predict(img), "the last layer's output: predict()'s probabilities");
    assertBitEqual(ins.probabilities, out.values, 'probabilities');

    const w = await weights(t);
    const x = Float64Array.from(img, (v) => v / 255);
    const s = { batch: 1, height: 28, width: 28, inChannels: 1, outChannels: 8, kernelHeight: 3, kernelWidth: 3, padding: 'valid' } as const;
    assertClose(conv.values, relu(conv2dForwardRef(s, x, w('conv2d_1.kernel'), w('conv2d_1.bias'))), TOL, 'conv2d + relu');
    assert(conv.values.some((v) => v > 0), 'the convolution sees the digit');
    assertClose(pool.values, poolForward({ batch: 1, height: 26, width: 26, channels: 8, poolSize: 2, kind: 'max' }, conv.values), TOL, 'max pooling');
    const s2 = { batch: 1, height: 13, width: 13, inChannels: 8, outChannels: 4, kernelHeight: 3, kernelWidth: 3, padding: 'valid' } as const;
    assertClose(conv2.values, relu(conv2dForwardRef(s2, pool.values, w('conv2d_2.kernel'), w('conv2d_2.bias'))), TOL, 'conv2d_2 + relu: all 11×11');
    assertClose(pool2.values, poolForward({ batch: 1, height: 11, width: 11, channels: 4, poolSize: 2, kind: 'max' }, conv2.values), TOL, 'max pooling of the crop');
    assertBitEqual(flat.values, pool2.values, 'flatten: the same numbers');
    assertBitEqual(drop.values, flat.values, 'dropout is off in inference');
    assertClose(hidden.values, relu(matmulForward({ M: 1, N: 16, K: 100 }, drop.values, w('dense_1.kernel'), w('dense_1.bias'))), TOL, 'dense + relu');
    const logits = matmulForward({ M: 1, N: 10, K: 16 }, hidden.values, w('dense_2.kernel'), w('dense_2.bias'));
    assertClose(ins.logits, logits, TOL, 'logits: the last dense layer');
    assertClose(out.values, softmax(ins.logits), { atol: 1e-6, rtol: 0 }, 'probabilities: the softmax of the logits');

    assertEqual(ins.filters?.layer, 'conv2d_1', 'filters of the first convolution');
    assertEqual(JSON.stringify(ins.filters!.shape), '[3,3,1,8]', 'kernel shape (kh, kw, in, out)');
    assertBitEqual(ins.filters!.values, w('conv2d_1.kernel'), 'the kernel as read back with the parameters');

    // Two inspections at once share the staging buffer one after the other.
    const other = data.test.cpu.images.subarray(7 * 784, 8 * 784);
    const [a, b] = await Promise.all([t.inspect(img), t.inspect(other)]);
    assertBitEqual(a.probabilities, out.values, 'first of two concurrent inspections');
    assertBitEqual(b.probabilities, await t.predict(other), 'second of two concurrent inspections');
    await assertRejects(() => t.inspect(new Uint8Array(5)), /inspect: expected 784 pixels, got 5/, 'wrong size');
    t.destroy();
    await assertRejects(() => t.inspect(img), /destroyed/, 'after destroy()');
    data.destroy();
  });

  it('between training steps changes nothing the training computes (dropout and the weights)', async () => {
    const data = await smallMnist(256, 32);
    const make = () => trainer(data, { model: spec, epochs: 1, batchSize: 32, readbacksPerEpoch: 8 });
    const [a, b] = await Promise.all([make(), make()]);
    const img = data.test.cpu.images.subarray(0, 784);
    const seen: Promise<Inspection>[] = [];
    const hb = await b.fit({ onBatch: () => { seen.push(b.inspect(img)); } });
    const ha = await a.fit();
    assert(seen.length >= 4, `inspected ${seen.length} times while training`);
    for (const ins of await Promise.all(seen)) assert(ins.layers.every((l) => l.values.every(Number.isFinite)), 'finite outputs');
    assertBitEqual(hb.loss, ha.loss, 'training loss');
    assertBitEqual((await b.readState()).params, (await a.readState()).params, 'weights after the epoch');
    a.destroy();
    b.destroy();
    data.destroy();
  });

  it('a pooling layer first pools the 28×28 image (the model\'s input is flat), and trains', async () => {
    const first: ModelSpec = { layers: [{ type: 'avgPool2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }] };
    const data = await smallMnist(128, 32);
    const t = await trainer(data, { model: first, epochs: 1, batchSize: 32 });
    const h = await t.fit();
    assert(h.loss.length === 1 && Number.isFinite(h.loss[0]), `it trains: loss ${h.loss[0]}`);
    const img = data.test.cpu.images.subarray(0, 784);
    const ins = await t.inspect(img);
    const w = await weights(t);
    const pooled = poolForward({ batch: 1, height: 28, width: 28, channels: 1, poolSize: 2, kind: 'avg' }, Float64Array.from(img, (v) => v / 255));
    assertClose(ins.layers[0].values, pooled, TOL, 'average pooling of the image, 14×14');
    assertClose(ins.logits, matmulForward({ M: 1, N: 10, K: 196 }, pooled, w('dense_1.kernel'), w('dense_1.bias')), TOL, 'logits');
    t.destroy();
    data.destroy();
  });
});
