// <mnist-trainer> given a model that does not fit the GPU at its batch size: train() fails once, with the
// memory estimate's explanation (the tensor, its layer, a batch size that fits), before allocating it.
import { assert, assertEqual } from '../util/assert';
import type { ErrorDetail } from '../../src/components/mnist-trainer';
import { frames, mount, record } from './util';

describe('<mnist-trainer> out of GPU memory', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('a model past the adapter\'s limits: exactly one error event naming the tensor, its layer and a batch size that fits', async () => {
    // The element asks for the adapter's own limits (1 GiB per binding on SwiftShader): size the conv to exceed them at batch 2048.
    const adapter = (await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }))!;
    const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    const batch = 2048;
    const filters = Math.floor(limit / (batch * 28 * 28 * 4)) + 1;
    const fits = Math.floor(limit / (28 * 28 * filters * 4));
    const model = JSON.stringify({ layers: [{ type: 'conv2d', filters, kernelSize: 3, padding: 'same', activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 10 }] });
    const el = await mount({ model, 'batch-size': String(batch), 'train-limit': String(batch), 'test-limit': '100', seed: '1' });
    const errors = record<ErrorDetail>(el, 'error');
    assertEqual(await el.train(), undefined, 'train() resolves undefined on failure');
    await frames(4);
    assertEqual(errors.length, 1, `error events: ${JSON.stringify(errors)}`);
    const { message } = errors[0];
    assert(new RegExp(`conv2d_1\\.out of layer conv2d_1 \\(activations, \\(${batch}, 28, 28, ${filters}\\)`).test(message), `the tensor and its layer: ${message}`);
    assert(message.includes(`Use a batch size of at most ${fits}`), `a batch size that fits (${fits}): ${message}`);
    assertEqual(el.controller.phase, 'error', 'phase');
  });
});
