// A run that fails after a finished epoch keeps that epoch's model (engine/recovery-point.ts): the element
// restores it (on a new device after a loss) as a loaded model, so Save model saves it and Continue trains
// on from it; the failed run is still in the table and still the one `error` event. Tiny runs.
import { assert, assertEqual } from '../util/assert';
import type { ErrorDetail, MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCompare } from '../../src/components/compare-runs';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import { mount, record, shadow, until } from './util';

const runs = (el: HTMLElement) => (el.shadowRoot!.querySelector('mt-compare') as MtCompare).runs;
const status = (el: MnistTrainer) => shadow(el).querySelector('[part="status"] .phase')!.textContent!.trim();
const message = (el: MnistTrainer) => shadow(el).querySelector('[part="message"]')?.textContent?.trim() ?? '';
const savedEpoch = async (blob: Blob | undefined) => (blob ? decodeCheckpoint(new Uint8Array(await blob.arrayBuffer())).header.epoch : undefined);

describe('<mnist-trainer> keeps a failed run’s last finished epoch', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('a divergence in epoch 2: the model after epoch 1, at its learning rate; Save model saves it and Continue trains on', async () => {
    // Linear dense layers under SGD: safe at rate 0.001; raised to 10 once epoch 1 ends, the loss overflows in epoch 2.
    const el = await mount({
      model: JSON.stringify([{ type: 'flatten' }, ...[256, 256, 256].map((units) => ({ type: 'dense', units })), { type: 'dense', units: 10 }]),
      optimizer: 'sgd', 'learning-rate': '0.001', 'batch-size': '32', epochs: '3', 'train-limit': '256', 'test-limit': '100', seed: '7',
    });
    const errors = record<ErrorDetail>(el, 'error');
    el.addEventListener('epoch-end', () => { el.learningRate = 10; }, { once: true });
    assertEqual(await el.train(), undefined, 'the run failed');
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["divergence"]', `one error: ${JSON.stringify(errors)}`);
    assert(/NaN or infinite.*The model as it was after epoch 1 is kept: Continue trains on from there, Save model saves it\./.test(errors[0].message), errors[0].message);
    const c = el.controller;
    assertEqual(c.phase, 'idle', 'idle, as after a Load');
    assert(c.loaded?.recovered && c.trainer === c.loaded.trainer, 'the kept model is the trainer');
    assertEqual(c.trainer!.epoch, 1, 'at epoch 1');
    assertEqual(el.learningRate, 0.001, 'with the learning rate it had then');
    assert(c.trainer!.batchLoss.step.length > 0 && c.trainer!.batchLoss.step.every((s) => s <= 8), 'its batch-loss curve up to step 8');
    await el.updateComplete;
    assertEqual(runs(el).map((r) => r.status).join(), `diverged at step ${/step (\d+)/.exec(errors[0].message)![1]}`, 'the failed run is in the table');
    assert(status(el).startsWith('Kept the model as it was after epoch 1 of the failed run. Continue trains it'), status(el));
    assert(message(el).includes('is kept'), `the message stays: ${message(el)}`);

    assertEqual(await savedEpoch(await el.save()), 1, 'Save model saves epoch 1');
    const h = await el.train();
    assert(h && h.loss.length === 3 && h.loss.every(Number.isFinite), `Continue trains epochs 2 and 3: ${JSON.stringify(h?.loss)}`);
    assertEqual(runs(el).map((r) => r.status).join('|'), `${runs(el)[0].status}|finished`, 'then a finished run');
    assertEqual(c.message, '', 'the message goes with the next run');
  });

  it('a device lost after epochs: the model after the last of them on a new device, as the table has them', async () => {
    const el = await mount({ model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '64', seed: '7', epochs: '100' });
    const errors = record<ErrorDetail>(el, 'error');
    const done = el.train();
    await until(() => (el.controller.trainer?.recoveryPoint?.epoch ?? 0) >= 1, 'an epoch kept', 60000);
    const lost = el.controller.gpu!;
    lost.device.destroy();
    assertEqual(await done, undefined, 'the run failed');
    await new Promise((r) => setTimeout(r, 100)); // a second event would come from the device's lost promise
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["device-lost"]', `one error: ${JSON.stringify(errors)}`);
    const c = el.controller;
    const epochs = runs(el)[0].history.loss.length;
    assert(epochs >= 1, 'the failed run has its epochs');
    assert(new RegExp(`lost .*; the run stopped at step \\d+\\. The model as it was after epoch ${epochs} is kept on a new device`).test(errors[0].message), errors[0].message);
    assert(!/Press Train to start again/.test(errors[0].message), 'no advice to start again');
    assertEqual(c.phase, 'idle', 'idle');
    assert(c.gpu && c.gpu !== lost && c.trainer?.gpu === c.gpu, 'the kept model is on a new device');
    assertEqual(c.trainer!.epoch, epochs, 'every finished epoch is kept');
    const before = (await c.trainer!.evaluate()).accuracy;
    // The same weights on a new device (whose kernels the autotuner may pick anew): the same accuracy within an image of 100.
    assert(Math.abs(before - c.trainer!.history.test_accuracy[epochs - 1]) <= 0.011, `the weights of that epoch: ${before} vs ${c.trainer!.history.test_accuracy[epochs - 1]}`);

    el.epochs = epochs + 1;
    const h = await el.train();
    assert(h && h.loss.length === epochs + 1, `Continue trains one more epoch (${c.message})`);
    assertEqual(errors.length, 1, 'no further error');
  });

  it('a device lost while no run is under way: the finished model is kept on a new device, not thrown away', async () => {
    const el = await mount({ model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '64', seed: '7', epochs: '1' });
    const errors = record<ErrorDetail>(el, 'error');
    await el.train();
    const c = el.controller;
    const [lost, weights] = [c.gpu!, (await c.trainer!.readState()).params];
    lost.device.destroy(); // reason 'destroyed': a page's own act, so not reported as an error
    await until(() => !!c.trainer && c.trainer.gpu !== lost && c.phase === 'idle', 'the model on a new device', 30000);
    assertEqual(c.trainer!.epoch, 1, 'its epoch');
    const now = (await c.trainer!.readState()).params;
    assert(now.every((v, i) => v === weights[i]), 'its weights');
    assert(/The model as it was after epoch 1 is kept on a new device/.test(c.notice), `said so: ${c.notice}`);
    assertEqual(errors.length, 0, 'no error event for a device the page destroyed');
    assertEqual(c.evaluation, undefined, 'no evaluation of the lost model shown as if it were there');
    el.epochs = 2;
    const h = await el.train();
    assert(h && h.loss.length === 2, `Continue trains on (${c.message})`);
  });

  it('a loss the page did not cause (a driver reset) while idle: one device-lost error saying the model is kept', async () => {
    const el = await mount({ model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '64', seed: '7', epochs: '1' });
    const errors = record<ErrorDetail>(el, 'error');
    await el.train();
    // A driver reset cannot be caused from a test: the keeper's report of one, as the device's lost promise gives it.
    (el.controller as unknown as { onLost(i: GPUDeviceLostInfo, r: string): void }).onLost({ reason: 'unknown', message: 'driver reset (test)' } as GPUDeviceLostInfo, 'driver reset (test)');
    await until(() => errors.length > 0 && !!el.controller.trainer && el.controller.phase === 'idle', 'the report and the model kept', 30000);
    await new Promise((r) => setTimeout(r, 100));
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["device-lost"]', 'one error');
    assert(/lost \(driver reset \(test\)\)\. The model as it was after epoch 1 is kept on a new device/.test(errors[0].message), errors[0].message);
    assertEqual(el.controller.trainer!.epoch, 1, 'the model kept');
    // The screen says what the event says (no run failed): kept on a new device, not "start again".
    await el.updateComplete;
    const shown = el.shadowRoot!.querySelector('[part="message"]')!.textContent!;
    assert(/The model as it was after epoch 1 is kept on a new device/.test(shown) && !/start again/.test(shown), shown);
    const status = el.shadowRoot!.querySelector('[part="status"]')!.textContent!;
    assert(/Kept the model as it was after epoch 1, on a new device\./.test(status) && !/failed run/.test(status), status);
    // With no model to keep: one more error, and the element says it stopped.
    await el.reset();
    (el.controller as unknown as { onLost(i: GPUDeviceLostInfo, r: string): void }).onLost({ reason: 'unknown', message: 'again (test)' } as GPUDeviceLostInfo, 'again (test)');
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["device-lost","device-lost"]', 'one error for it');
    assertEqual(el.controller.phase, 'error', 'shown as an error');
  });
});
