// Every op checks each storage binding it is given or makes against the device's limit before it
// allocates or dispatches anything: on a device with WebGPU's default limits (128 MiB per binding), a
// shape past it is rejected with the op, the binding, its size and the limit named. The buffers passed
// are tiny: the shapes are only validated, never allocated.
import { createTensor } from '../../src/engine/buffers';
import { errorCode } from '../../src/engine/errors';
import { createActivationForward } from '../../src/engine/ops/activation';
import { createConv2dForward } from '../../src/engine/ops/conv2d';
import { createDropout } from '../../src/engine/ops/dropout';
import { createGather } from '../../src/engine/ops/gather';
import { createInit } from '../../src/engine/ops/init';
import { createBiasGrad, createMatmul } from '../../src/engine/ops/matmul';
import { createOptimizer } from '../../src/engine/ops/optimizer';
import { createPool2dBackward, createPool2dForward } from '../../src/engine/ops/pool';
import { createSoftmaxXentTrain } from '../../src/engine/ops/softmax_xent';
import { assertEqual, assertRejects } from '../util/assert';
import { smallGpu } from '../util/gpu';

const LIMIT = 128 * 1024 * 1024;

async function setup() {
  const { device } = await smallGpu();
  assertEqual(device.limits.maxStorageBufferBindingSize, LIMIT, 'the small device has the default binding limit');
  const tiny = (name: string, n = 4) => createTensor(device, name, [n]).buffer;
  return { device, tiny };
}

/** The op's promise rejects with code 'out-of-memory' and `op: name needs <bytes> bytes (...), more than ... of 134217728 bytes`. */
async function rejectsPastLimit(make: () => Promise<unknown>, op: string, name: string, bytes: number): Promise<void> {
  const e = await assertRejects(make, new RegExp(`^${op.replace(/[()]/g, '\\$&')}: ${name} needs ${bytes} bytes \\(.*\\), more than this device's storage binding limit of ${LIMIT} bytes`), `${op} ${name}`);
  assertEqual(errorCode(e), 'out-of-memory', `${op}: error code`);
}

describe('every op checks its bindings against the device limit', () => {
  it('matmul and the bias gradient', async () => {
    const { device, tiny } = await setup();
    const [a, b, c] = [tiny('a'), tiny('b'), tiny('c')];
    await rejectsPastLimit(() => createMatmul(device, { label: 'big', M: 8192, N: 16, K: 8192, a, b, c }), 'matmul big', 'a', 8192 * 8192 * 4);
    await rejectsPastLimit(() => createMatmul(device, { label: 'wide', M: 16, N: 1 << 22, K: 16, transB: true, a: createTensor(device, 'a16', [256]).buffer, b, c }), 'matmul wide', 'b', 16 * (1 << 22) * 4);
    await rejectsPastLimit(() => createBiasGrad(device, { label: 'big', rows: 1 << 20, cols: 64, dy: a, db: b }), 'biasGrad big', 'dy', (1 << 26) * 4);
  });

  it('the optimizer', async () => {
    const { device, tiny } = await setup();
    const n = 1 << 26;
    for (const name of ['sgd', 'adam'] as const) {
      await rejectsPastLimit(() => createOptimizer(device, { label: 'opt', config: { name, learningRate: 0.1 }, n, params: tiny('p'), grads: tiny('g') }), 'optimizer (opt)', 'params', n * 4);
    }
  });

  it('pooling, forward and backward', async () => {
    const { device, tiny } = await setup();
    const shape = { batch: 1024, height: 128, width: 128, channels: 8, poolSize: 2, kind: 'max' } as const;
    const bytes = 1024 * 128 * 128 * 8 * 4;
    await rejectsPastLimit(() => createPool2dForward(device, { label: 'p', shape, x: tiny('x'), y: tiny('y') }), 'pool2d (p.forward)', 'x', bytes);
    await rejectsPastLimit(() => createPool2dBackward(device, { label: 'p', shape, x: tiny('x'), dy: tiny('dy'), dx: tiny('dx') }), 'pool2d (p.backward)', 'x', bytes);
  });

  it('activation, dropout, init, gather, softmax cross-entropy and conv2d', async () => {
    const { device, tiny } = await setup();
    const n = 1 << 26;
    await rejectsPastLimit(() => createActivationForward(device, { label: 'act', kind: 'relu', rows: 1 << 20, cols: 64, x: tiny('x'), y: tiny('y') }), 'activation (act.forward)', 'x', n * 4);
    await rejectsPastLimit(() => createDropout(device, { label: 'drop', n, x: tiny('x'), y: tiny('y'), seed: 1, rate: 0.5 }), 'dropout (drop)', 'x', n * 4);
    await rejectsPastLimit(() => createInit(device, { label: 'w', n, target: tiny('w'), kind: 'he_uniform', fanIn: 4, fanOut: 4, seed: 1, stream: 0 }), 'init (w)', 'target', n * 4);
    await rejectsPastLimit(() => createGather(device, { label: 'g', batch: 1 << 16, count: 1, imageSize: 1024, images: tiny('img', 256), labels: tiny('l'), order: tiny('o'), x: tiny('x'), y: tiny('y') }), 'gather (g)', 'x', n * 4);
    await rejectsPastLimit(() => createSoftmaxXentTrain(device, { label: 'loss', shape: { batch: 1 << 22, classes: 10 }, logits: tiny('l'), labels: tiny('y'), dlogits: tiny('d'), metrics: tiny('m') }), 'softmax_xent (loss)', 'logits', (1 << 22) * 40);
    const shape = { batch: 4096, height: 64, width: 64, inChannels: 4, outChannels: 8, kernelHeight: 3, kernelWidth: 3, padding: 'same' } as const;
    await rejectsPastLimit(() => createConv2dForward(device, { label: 'conv', shape, x: tiny('x'), w: tiny('w'), y: tiny('y') }), 'conv.forward', 'x', 4096 * 64 * 64 * 4 * 4);
  });
});
