// Faults lose nothing: every `error` event of <mnist-trainer> carries a code (engine/errors.ts), exactly
// one per fault, and every run — finished, stopped or failed — enters the comparison table with its
// status and the curves it had. Tiny runs (mlp, 256 training images, 100 test images).
import { assert, assertEqual } from '../util/assert';
import type { History } from '../../src/engine/trainer';
import type { ErrorDetail } from '../../src/components/mnist-trainer';
import type { MtCompare } from '../../src/components/compare-runs';
import { WebGPUUnavailableError } from '../../src/engine/gpu';
import { mount, record, shadow, until, untilPhase } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '100', 'batch-size': '64', seed: '7' };
/** Linear dense layers under SGD at rate 10: the weights grow geometrically and the loss overflows in a few steps. */
const DIVERGING = {
  ...TINY, optimizer: 'sgd', 'learning-rate': '10', 'batch-size': '32', epochs: '2',
  model: JSON.stringify([{ type: 'flatten' }, ...[256, 256, 256].map((units) => ({ type: 'dense', units })), { type: 'dense', units: 10 }]),
};
const runs = (el: HTMLElement) => (el.shadowRoot!.querySelector('mt-compare') as MtCompare).runs;

describe('<mnist-trainer> faults', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('an invalid setting: code invalid-setting and the property name; a bad model JSON names the model', async () => {
    const el = await mount(TINY);
    const errors = record<ErrorDetail>(el, 'error');
    el.setAttribute('batch-size', '0');
    el.learningRate = -1;
    el.setAttribute('model', '[{"type": "flatten"}, {"type": "dense"');
    await el.updateComplete;
    assertEqual(errors.length, 3, `one event per invalid value: ${JSON.stringify(errors)}`);
    assertEqual(JSON.stringify(errors.map((e) => [e.code, e.setting])), JSON.stringify([['invalid-setting', 'batchSize'], ['invalid-setting', 'learningRate'], ['invalid-setting', 'model']]), 'codes and settings');
    assert(/neither a preset .* nor valid JSON/.test(errors[2].message), `the model message says why: ${errors[2].message}`);
  });

  it('no WebGPU: one event with code no-webgpu, and train() is refused', async () => {
    const errors = record<ErrorDetail>(document, 'error');
    const el = await mount(TINY, (e) => { e.requestGpu = async () => { throw new WebGPUUnavailableError('No WebGPU adapter (test)'); }; });
    await untilPhase(el, ['unavailable'], 10000);
    assertEqual(await el.train(), undefined, 'train() resolves undefined');
    await el.updateComplete;
    const mine = errors.filter((e) => /\(test\)/.test(e.message));
    assertEqual(JSON.stringify(mine.map((e) => e.code)), '["no-webgpu"]', 'exactly one no-webgpu event');
    assertEqual(runs(el).length, 0, 'no run began');
    assert(/unavailable/.test(shadow(el).querySelector('[part="message"]')!.textContent!), 'the refusal is shown');
  });

  it('a data set URL that 404s: one data error, and the run enters the table as failed', async () => {
    const el = await mount({ ...TINY, dataset: '/no-such-data/' });
    const errors = record<ErrorDetail>(el, 'error');
    const ends = record<History>(el, 'train-end');
    assertEqual(await el.train(), undefined, 'train() resolves undefined');
    assertEqual(errors.length, 1, `one error event: ${JSON.stringify(errors)}`);
    assertEqual(errors[0].code, 'data', 'code');
    assert(/no-such-data/.test(errors[0].message), `names the URL: ${errors[0].message}`);
    assertEqual(ends.length, 0, 'no train-end for a failed run');
    assertEqual(el.controller.phase, 'error', 'phase');
    await el.updateComplete;
    assertEqual(runs(el).length, 1, 'the failed run is kept');
    assertEqual(runs(el)[0].status, 'data', 'its status is the code');
  });

  it('divergence: one error with code divergence; the run is kept with its status and curves', async () => {
    const el = await mount(DIVERGING);
    const errors = record<ErrorDetail>(el, 'error');
    const ends = record<History>(el, 'train-end');
    assertEqual(await el.train(), undefined, 'train() resolves undefined');
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["divergence"]', `exactly one event: ${JSON.stringify(errors)}`);
    assertEqual(ends.length, 0, 'no train-end');
    await el.updateComplete;
    const [run] = runs(el);
    assert(run && /^diverged at step \d+$/.test(run.status), `status: ${run?.status}`);
    assertEqual(run.history.loss.length, el.controller.trainer!.history.loss.length, 'the History so far is kept');
    assert(run.parameters > 0, 'parameters known');
    const cell = shadow(el).querySelector('mt-compare')!.shadowRoot!.querySelector('td[data-status]')!;
    assertEqual(cell.textContent!.trim(), run.status, 'the status is shown in the table');
  });

  it('a device lost mid-run (device.destroy(): the only loss a test can cause): one event, the run kept, the next train() works on a new device', async () => {
    // On the test file's lent device (util.ts: a page's requestGpu that gives a new device after a loss); the
    // keeper handles the loss of a lent device and of its own alike. Lost in the first epoch (128 steps), so
    // there is no model to keep (a loss after an epoch: recovery.test.ts).
    const el = await mount({ ...TINY, 'train-limit': '8192', epochs: '100' });
    const errors = record<ErrorDetail>(el, 'error');
    const done = el.train();
    await untilPhase(el, ['training'], 60000);
    assertEqual(el.controller.trainer!.recoveryPoint, undefined, 'lost before the first epoch ended');
    const lost = el.controller.gpu!;
    lost.device.destroy();
    assertEqual(await done, undefined, 'the run resolves undefined');
    await new Promise((r) => setTimeout(r, 100)); // a second event would come from the device's lost promise
    assertEqual(JSON.stringify(errors.map((e) => e.code)), '["device-lost"]', `exactly one event: ${JSON.stringify(errors)}`);
    assert(/Press Train to start again on a new device/.test(errors[0].message), `one piece of advice: ${errors[0].message}`);
    assertEqual(el.controller.phase, 'error', 'phase');
    await el.updateComplete;
    assertEqual(runs(el)[0].status, 'device lost', 'kept as device lost');
    assertEqual(el.controller.loaded, undefined, 'no model kept');

    el.epochs = 1;
    const h = await el.train();
    assert(h && h.loss.length === 1, `the next run finishes (${el.controller.message})`);
    assert(el.controller.gpu && el.controller.gpu !== lost, 'on a new device');
    await el.updateComplete;
    assertEqual(JSON.stringify(runs(el).map((r) => r.status)), '["device lost","finished"]', 'both runs in the table');
    assertEqual(errors.length, 1, 'no further error');
  });

  it('a stopped run is kept as "stopped at epoch N" and fires train-end', async () => {
    const el = await mount({ ...TINY, epochs: '100' });
    const ends = record<History>(el, 'train-end');
    const done = el.train();
    await until(() => el.history.loss.length >= 1, 'one epoch', 60000);
    await el.stop();
    const h = await done;
    assert(h !== undefined, 'resolves with the History');
    assertEqual(ends.length, 1, 'train-end');
    await el.updateComplete;
    assertEqual(runs(el)[0].status, `stopped at epoch ${h!.loss.length + 1}`, 'status');
  });

  it('leaving the page asks first while a run trains or is paused, not before or after', async () => {
    const leave = () => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const el = await mount({ ...TINY, epochs: '100' });
    assertEqual(leave(), false, 'idle: nothing to lose');
    const done = el.train();
    await untilPhase(el, ['training']);
    assertEqual(leave(), true, 'training');
    el.pause();
    await untilPhase(el, ['paused']);
    assertEqual(leave(), true, 'paused');
    await el.stop();
    await done;
    assertEqual(leave(), false, 'stopped');
  });
});
