// The element's API at its edges, as an audit of the README against the element found them: a Load's learning
// rate and dropout are said by settings-change, an autostart element moved after its run keeps its model, an
// Evaluate while paused shows its results, a device function set before the element is upgraded is used, a
// rejection fixed before connecting is not reported, a device request that fails is reported at once, and a
// URL's problem is named.
import { MnistTrainer } from '../../src/components/mnist-trainer';
import type { ErrorDetail } from '../../src/engine/errors';
import type { SettingsChangeDetail } from '../../src/components/mnist-trainer';
import { requestGpu } from '../../src/engine/gpu';
import { assert, assertEqual } from '../util/assert';
import { mount, record, shadow, until, untilPhase } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '3' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the element at the edges of its API', () => {
  it("says a Load's learning rate and dropout by settings-change, as any other change of a setting", async () => {
    const a = await mount({ ...TINY, 'learning-rate': '0.002', dropout: '0.2' });
    await a.train();
    const file = await a.save();
    a.remove();
    const b = await mount({ ...TINY, 'learning-rate': '0.05', dropout: '0' });
    const changes = record<SettingsChangeDetail>(b, 'settings-change');
    await b.load(file!);
    assertEqual(`${b.learningRate} ${b.dropout}`, '0.002 0.2', "the file's");
    assertEqual(changes.map((c) => `${c.setting}=${c.value}`).sort().join(), 'dropout=0.2,learningRate=0.002', 'one event each');
    b.remove();
  });

  it('an autostart element moved within the page after its run keeps its model and starts no run', async () => {
    const el = await mount({ ...TINY, autostart: '' });
    await until(() => el.controller.phase === 'idle' && el.controller.trainer?.epoch === 1, 'the autostarted run', 60000);
    const model = el.controller.trainer;
    const ends = record(el, 'train-end');
    const box = document.body.appendChild(document.createElement('div'));
    box.append(el);
    await sleep(300);
    assertEqual(el.controller.phase, 'idle', 'no run');
    assert(el.controller.trainer === model && ends.length === 0, 'the same model, no new run');
    box.remove();
  });

  it('shows the results of an Evaluate made while paused, and hides them once training resumes', async () => {
    const el = await mount({ ...TINY, epochs: '3' });
    const running = el.train();
    await untilPhase(el, ['training'], 60000);
    await el.pause();
    await untilPhase(el, ['paused']);
    const results = () => shadow(el).querySelector('[part="results"] mt-results');
    assertEqual(results(), null, 'paused: no results yet');
    assert((await el.evaluate()) !== undefined, 'evaluated');
    await el.updateComplete;
    assert(results() !== null, 'the evaluation shown while paused');
    await el.resume();
    await el.updateComplete;
    assertEqual(results(), null, 'training again: hidden (the weights move on)');
    el.stop();
    await running;
    el.remove();
  });

  it('uses a requestGpu set on a markup element before the library upgraded it', async () => {
    const el = document.createElement('mt-upgraded-late') as MnistTrainer;
    for (const [k, v] of Object.entries(TINY)) el.setAttribute(k, v);
    document.body.append(el);
    let asked = 0;
    el.requestGpu = async () => { asked++; return requestGpu(); };
    customElements.define('mt-upgraded-late', class extends MnistTrainer {});
    await el.updateComplete;
    await until(() => el.controller.adapter !== '', 'the device');
    assertEqual(asked, 1, "the page's function asked for the device");
    el.remove();
  });

  it('does not report a rejected value that a valid one replaced before the element connected', async () => {
    const el = document.createElement('mnist-trainer');
    const errors = record<ErrorDetail>(el, 'error');
    el.epochs = 0;
    el.epochs = 3;
    document.body.append(el);
    await el.updateComplete;
    assertEqual(`${el.epochs} ${errors.length}`, '3 0', 'epochs 3, no error');
    el.remove();
  });

  it('reports a device request that fails at connect (not only a missing WebGPU), and Train asks again', async () => {
    let asked = 0;
    let errors: ErrorDetail[] = [];
    const el = await mount(TINY, (e) => {
      e.requestGpu = async () => { asked++; throw new DOMException('requestDevice failed (test)', 'OperationError'); };
      errors = record<ErrorDetail>(e, 'error');
    });
    await until(() => el.controller.phase === 'error', 'the failure');
    await el.updateComplete;
    const status = shadow(el).querySelector('[part="status"]')!.textContent!.replace(/\s+/g, ' ');
    assert(/GPU: none/.test(status) && /Stopped by an error/.test(status), status);
    assert(/requestDevice failed \(test\)/.test(shadow(el).querySelector('[part="message"]')!.textContent!), 'the reason shown');
    assertEqual(await el.train(), undefined, 'Train fails again');
    assertEqual(`${asked} ${errors.map((e) => e.code).join()}`, '2 internal,internal', 'asked again; one error at connect, one for the run');
    el.remove();
  });

  it("types its listeners by its event map: error's detail, model-exported's format (the README's snippet compiles)", async () => {
    const el = await mount(TINY);
    const seen: string[] = [];
    el.addEventListener('error', (e) => seen.push(`${e.detail.code}: ${e.detail.setting}`));
    el.addEventListener('model-exported', (e) => seen.push(e.detail.format));
    el.setAttribute('epochs', '0');
    assertEqual(seen.join(), 'invalid-setting: epochs', 'the typed detail');
    el.remove();
  });

  it('names what is wrong with a data set URL', async () => {
    const el = await mount(TINY);
    const errors = record<ErrorDetail>(el, 'error');
    el.dataSource = 'https://example.org/my set/';
    assert(/got "https:\/\/example\.org\/my set\/" \(a URL has no spaces\)/.test(errors[0]?.message ?? ''), JSON.stringify(errors));
    el.remove();
  });
});
