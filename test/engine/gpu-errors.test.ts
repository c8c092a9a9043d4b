// GPU errors become our errors: a refused command inside error scopes rejects with its message, and a
// GPU error later in training stops the run with that error, not with a "loss became NaN at step 0"
// read from a step log the GPU never wrote.
import { errorCode } from '../../src/engine/errors';
import { uploadDataset } from '../../src/engine/gpu-dataset';
import { withErrorScopes } from '../../src/engine/gpu-errors';
import { PRESETS } from '../../src/engine/model-setting';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { smallGpu, testGpu } from '../util/gpu';
import { liveBuffers, trackBuffers } from '../util/live-buffers';
import { smallMnist, trainer } from './fixtures';

trackBuffers();

describe('GPU errors', () => {
  it('a data set past one buffer\'s limit is refused before upload, with a train limit that fits; a good upload\'s check resolves', async () => {
    const { device } = await smallGpu();
    const before = liveBuffers(device);
    const set = (count: number) => ({ count, rows: 28, cols: 28, images: new Uint8Array(count * 784), labels: new Uint8Array(count) });
    // 134217728 / 784 = 171196.08 images fit in 128 MiB; the pixels are never read (checked before packing).
    const big = { ...set(1), count: 200_000 };
    const e = await assertRejects(() => uploadDataset(device, { name: 'huge', classNames: [], train: big, test: set(4) }),
      /data set huge: 200000 training images take 156800000 bytes, more than this GPU's storage buffer limit of 134217728 bytes; set a train limit of at most 171196 images/, 'too big');
    assertEqual(errorCode(e), 'out-of-memory', 'code');
    assertEqual(liveBuffers(device).size, before.size, 'nothing allocated');
    const ok = uploadDataset(device, { name: 'ok', classNames: [], train: set(8), test: set(4) });
    await ok.checked;
    ok.destroy();
  });

  it('withErrorScopes: a buffer past maxBufferSize rejects with the GPU\'s message; the scope stack stays balanced', async () => {
    const { device } = await testGpu();
    let made: GPUBuffer | undefined;
    const e = await assertRejects(() => withErrorScopes(device, 'a test', async () => {
      made = device.createBuffer({ label: 'too-big', size: device.limits.maxBufferSize + 4096, usage: GPUBufferUsage.STORAGE });
    }), /The GPU refused a command during a test: .+/, 'oversized buffer');
    assertEqual(errorCode(e), 'internal', 'code');
    made?.destroy();
    // fn's own error wins, and the scopes it pushed are popped: an outer scope sees nothing of them.
    device.pushErrorScope('validation');
    await assertRejects(() => withErrorScopes(device, 'a test', async () => { throw new Error('own failure'); }), /^own failure$/, 'own error');
    assertEqual(await withErrorScopes(device, 'a test', async () => 42), 42, 'value');
    assertEqual(await device.popErrorScope(), null, 'the outer scope');
  });

  it('a GPU error in the first training step stops it with that error', async () => {
    const data = await smallMnist(16, 8);
    const t = await trainer(data, { model: PRESETS.mlp, batchSize: 8, epochs: 1 });
    t.parameterSlots[0].param.buffer.destroy(); // every later command using the parameters is refused
    const e = await assertRejects(() => t.fit(), /The GPU refused a command during the first training step/, 'first step');
    assertEqual(errorCode(e), 'internal', 'code');
    t.destroy();
    data.destroy();
  });

  it('a GPU error later in training stops the run with that error, not as a NaN loss', async () => {
    const data = await smallMnist(16, 8);
    const t = await trainer(data, { model: PRESETS.mlp, batchSize: 8, epochs: 1 });
    await t.fit();
    t.parameterSlots[0].param.buffer.destroy();
    // Steps 3 and 4 are refused; their step-log rows stay zero, which decode as a NaN at step 0.
    const e = await assertRejects(() => t.fit({}, undefined, 2), /The GPU refused a command during training or evaluation/, 'later step');
    assertEqual(errorCode(e), 'internal', 'code');
    assert(!/NaN/.test(e.message), `not a divergence: ${e.message}`);
    t.destroy();
    data.destroy();
  });
});
