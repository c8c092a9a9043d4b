// The experiments' runner on the test GPU: a run judged on a larger final test set than its curves hands
// its trained state (weights and batch normalization's moving statistics) to a second trainer, which must
// report exactly what one trainer evaluating the larger set after every epoch reports; nothing stays alive.
import { runOne } from '../../src/cli/experiments/runner';
import { wideDense, type RunSpec } from '../../src/cli/experiments/plan';
import { loadMnist, slice } from '../engine/fixtures';
import { testGpu } from '../util/gpu';
import { liveBuffers, trackBuffers } from '../util/live-buffers';
import { assert, assertEqual } from '../util/assert';

trackBuffers();

describe('experiments runner: a larger final test set', () => {
  it('evaluates the trained weights on it, as if they had been evaluated there after every epoch', async () => {
    const gpu = await testGpu();
    const d = await loadMnist();
    const data = { ...d, train: slice(d.train, 0, 96), test: slice(d.test, 0, 80) };
    const spec: RunSpec = {
      id: 'bn', label: 'batch norm', model: wideDense('batchnorm'), optimizer: { name: 'adam', learningRate: 0.01 },
      epochs: 2, batchSize: 32, seeds: [3], trainLimit: 96, testLimit: 16, finalTestLimit: 48,
    };
    const before = liveBuffers(gpu.device).size;
    const split = await runOne(gpu, data, spec, 3, undefined, true);
    const whole = await runOne(gpu, data, { ...spec, testLimit: 48, finalTestLimit: undefined }, 3);
    assertEqual(liveBuffers(gpu.device).size, before, 'both trainers and the data destroyed');

    assertEqual(split.history.test_accuracy.length, 2, 'a curve point per epoch');
    assertEqual(JSON.stringify(split.history.loss), JSON.stringify(whole.history.loss), 'the same training');
    const sum = (c: number[]) => c.reduce((a, v) => a + v, 0);
    assertEqual(sum(split.test!.confusion!), 48, 'the final evaluation covers the larger set');
    assertEqual(JSON.stringify(split.test!.confusion), JSON.stringify(whole.test!.confusion), 'the same predictions');
    assert(Math.abs(split.test!.loss - whole.test!.loss) < 1e-6, `test loss ${split.test!.loss} vs ${whole.test!.loss}`);
    assert(Math.abs(split.train!.loss - whole.train!.loss) < 1e-6, `train loss ${split.train!.loss} vs ${whole.train!.loss}`);
    // The curves were on the first 16 images only: the curve's last point differs from the table's.
    assert(split.history.test_loss[1] !== whole.history.test_loss[1], 'the curve is on the smaller set');
    // Asked for, the final evaluation's mistakes: all of the larger set's, the surest with their images as stored.
    const c = split.test!.confusion!;
    const wrong = sum(c) - Array.from({ length: 10 }, (_, k) => c[k * 10 + k]).reduce((a, v) => a + v, 0);
    const m = split.test!.mistakes!;
    assert(m && m.count === wrong && m.surest.length === Math.min(24, wrong) && m.rows === 28 && m.cols === 28, `mistakes ${JSON.stringify(m?.count)} of ${wrong}`);
    for (const s of m.surest) {
      const pixels = Uint8Array.from(atob(s.pixels), (ch) => ch.charCodeAt(0));
      assert(s.index < 48 && s.label === data.test.labels[s.index] && s.predicted !== s.label, `mistake ${s.index}: a misclassified image of the final set`);
      assertEqual(pixels.join(), data.test.images.subarray(s.index * 784, (s.index + 1) * 784).join(), `mistake ${s.index}: its pixels`);
    }
    assertEqual(whole.test!.mistakes, undefined, 'not asked for: none kept');
  });
});
