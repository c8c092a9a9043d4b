// <mnist-trainer> in Chromium on WebGPU: rendering, settings from attributes to the Trainer, validation,
// events of a real (tiny) run, live dropout and learning rate, the no-WebGPU message, cleanup of an own
// and of a borrowed device.
// Runs are tiny (mlp, 256 training images, batch 64: 4 steps per epoch) because SwiftShader executes the
// shaders on the CPU; each epoch still evaluates the full 10,000-image test set.
import { resultsAbout } from '../../src/components/results-about';
import { assert, assertEqual } from '../util/assert';
import { adapterName, borrowGpu } from '../../src/engine/gpu';
import { PRESETS } from '../../src/engine/model-setting';
import type { History } from '../../src/engine/trainer';
import type { EpochEndDetail, ErrorDetail } from '../../src/components/mnist-trainer';
import type { MtCharts } from '../../src/components/charts';
import type { MtCompare } from '../../src/components/compare-runs';
import type { MtResults } from '../../src/components/results-panel';
import { frames, mount, record, shadow, until, untilPhase } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'batch-size': '64', seed: '7' };

describe('<mnist-trainer>', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer:not([data-keep])').forEach((e) => e.remove()));

  it('renders labelled controls, the status line with the adapter, and both charts', async () => {
    const el = await mount({});
    const root = shadow(el);
    await until(() => el.controller.adapter !== '', 'the adapter name');
    await el.updateComplete;
    assert(root.querySelector('[part="status"]')!.textContent!.includes(el.controller.adapter), 'status line names the adapter');
    for (const c of root.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      const labelled = c.getAttribute('aria-label') || (c.id && root.querySelector(`label[for="${c.id}"]`));
      assert(labelled, `control ${c.outerHTML.slice(0, 80)} has a label`);
    }
    const buttons = [...root.querySelectorAll('button')].map((b) => b.textContent!.trim());
    for (const b of ['Train', 'Pause', 'Stop', 'Reset', 'Evaluate']) assert(buttons.includes(b), `button ${b} in ${buttons.join(', ')}`);
    const charts = root.querySelector<MtCharts>('mt-charts')!;
    await frames();
    assert(charts.lossPlot && charts.accuracyPlot, 'both uPlot charts exist');
    assert(charts.shadowRoot!.adoptedStyleSheets.some((s) => [...s.cssRules].some((r) => r.cssText.includes('.u-legend'))), "uPlot's CSS is adopted");
    const labels = charts.lossPlot!.series.map((s) => s.label);
    assert(labels.includes('train loss') && labels.includes('test loss') && labels.some((l) => String(l).includes('per batch')), `loss series ${labels.join(', ')}`);
    assertEqual(charts.lossPlot!.axes[0].label, 'epoch', 'x axis label');
  });

  it('rejects invalid attribute values with a message and an error event, keeping the last valid value', async () => {
    const early = document.createElement('mnist-trainer');
    early.setAttribute('epochs', '0');
    const earlyErrors = record<ErrorDetail>(document, 'error');
    document.body.append(early);
    await early.updateComplete;
    assertEqual(early.epochs, 5, 'epochs after an invalid initial attribute (the default)');
    assert(earlyErrors.some((d) => /epochs must be a whole number from 1/.test(d.message)), `error event for the initial attribute: ${JSON.stringify(earlyErrors)}`);

    const el = await mount({ epochs: '3' });
    const errors = record<ErrorDetail>(el, 'error');
    const bad: [string, string, string, unknown][] = [
      ['epochs', 'abc', 'epochs', 3],
      ['batch-size', '0', 'batchSize', 32],
      ['learning-rate', '-1', 'learningRate', 0.001],
      ['optimizer', 'adadelta', 'optimizer', 'adam'],
      ['lr-schedule', 'linear', 'lrSchedule', 'constant'],
      ['dropout', '1.5', 'dropout', null],
      ['dataset', 'minst', 'dataSource', 'mnist'],
      ['model', '[{"type": "flatten"}, {"type": "dense", "units": 7}]', 'model', 'mlp'],
      ['seed', '-3', 'seed', 1],
    ];
    for (const [attr, value, prop, kept] of bad) {
      el.setAttribute(attr, value);
      await el.updateComplete;
      assertEqual((el as unknown as Record<string, unknown>)[prop], kept, `${prop} after ${attr}="${value}"`);
      const last = errors[errors.length - 1];
      assert(last && last.message.startsWith(attr === 'dataset' ? 'dataset' : attr.replace('-', '-')), `error event for ${attr}: ${JSON.stringify(last)}`);
      const shown = shadow(el).querySelector('[part="message"]')?.textContent ?? '';
      assert(shown.includes(last.message), `message for ${attr} is shown: "${shown}"`);
    }
    assert(/must end with 10 outputs/.test(errors[7].message), `model message explains the problem: ${errors[7].message}`);
    el.setAttribute('epochs', '4');
    await el.updateComplete;
    assertEqual(el.epochs, 4, 'a valid value is accepted again');
    assert(!(shadow(el).querySelector('[part="message"]')?.textContent ?? '').includes('epochs'), 'the epochs message is gone');

    // The layer editor validates inline without changing the model.
    const editor = shadow(el).querySelector('textarea')!;
    editor.value = '[{"type": "flatten"}, {"type": "dense", "units": "ten"}]';
    editor.dispatchEvent(new Event('input'));
    await el.updateComplete;
    assert(/units must be a positive integer/.test(shadow(el).querySelector('#model-error')!.textContent!), 'inline editor message');
    assertEqual(el.model, 'mlp', 'model kept after an invalid edit');
    editor.value = '[{"type": "flatten"}, {"type": "dense", "units": 10}]';
    editor.dispatchEvent(new Event('input'));
    await el.updateComplete;
    assertEqual(JSON.parse(el.model).layers.length, 2, 'a valid edit becomes the model');
    assertEqual(shadow(el).querySelector('#model-error')!.textContent, '', 'editor message cleared');
  });

  it('reports a configuration the trainer refuses (batch larger than the training set)', async () => {
    const el = await mount({ ...TINY, 'batch-size': '512' });
    const errors = record<ErrorDetail>(el, 'error');
    assertEqual(await el.train(), undefined, 'train() resolves undefined on failure');
    assert(errors.some((e) => /batch size 512 is larger than the 256 training images/.test(e.message)), JSON.stringify(errors));
    assertEqual(errors.length, 1, 'one event');
    assertEqual(`${errors[0].code} ${errors[0].setting}`, 'invalid-setting batchSize', 'code and setting');
    assertEqual(el.controller.phase, 'error', 'phase');
  });

  describe('a tiny training run', () => {
    let el: Awaited<ReturnType<typeof mount>>;
    let epochs: EpochEndDetail[];
    let ends: History[];
    const dropoutCalls: (number | undefined)[] = [];
    const lrCalls: number[] = [];
    let history: History | undefined;

    before(async () => {
      el = await mount({ ...TINY, epochs: '2', optimizer: 'sgd', 'learning-rate': '0.05', 'lr-schedule': 'cosine', dropout: '0.3', 'data-keep': '' });
      epochs = record<EpochEndDetail>(el, 'epoch-end');
      ends = record<History>(el, 'train-end');
      el.addEventListener('epoch-end', () => {
        if (dropoutCalls.length) return;
        // Live changes mid-run, through the form for dropout and the property for the learning rate.
        const trainer = el.controller.trainer!;
        const setDropout = trainer.setDropout.bind(trainer);
        trainer.setDropout = (r) => { dropoutCalls.push(r); setDropout(r); };
        const setLr = trainer.setLearningRate.bind(trainer);
        trainer.setLearningRate = (lr) => { lrCalls.push(lr); setLr(lr); };
        const slider = shadow(el).querySelector<HTMLInputElement>('#f-dropout')!;
        slider.value = '0.35';
        slider.dispatchEvent(new Event('input'));
        el.learningRate = 0.02;
      }, { once: true });
      history = await el.train();
    });
    after(() => el.remove());

    it('passes the attributes to the trainer config', () => {
      const c = el.controller.trainer!.config;
      assertEqual(c.batchSize, 64, 'batchSize');
      assertEqual(c.epochs, 2, 'epochs');
      assertEqual(c.seed, 7, 'seed');
      assertEqual(c.trainLimit, 256, 'trainLimit');
      assertEqual(c.dropout, 0.3, 'dropout at the start');
      assertEqual(c.optimizer.name, 'sgd', 'optimizer');
      assertEqual(c.optimizer.learningRate, 0.05, 'learning rate at the start');
      assertEqual(c.lrSchedule, 'cosine', 'learning-rate schedule');
      assertEqual(JSON.stringify(c.model.layers), JSON.stringify(PRESETS.mlp.layers), 'model layers');
      assertEqual(el.controller.trainer!.trainCount, 256, 'training images');
    });

    it('fires epoch-end with the four metrics and train-end with the History', () => {
      assertEqual(epochs.length, 2, 'epoch-end events');
      epochs.forEach((d, i) => {
        assertEqual(JSON.stringify(Object.keys(d).sort()), JSON.stringify(['accuracy', 'epoch', 'loss', 'val_accuracy', 'val_loss']), 'detail keys');
        assertEqual(d.epoch, i + 1, 'epoch number');
        for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) assert(Number.isFinite(d[k]), `${k} = ${d[k]} is finite`);
        assert(d.accuracy >= 0 && d.accuracy <= 1 && d.val_accuracy >= 0 && d.val_accuracy <= 1, 'accuracies in [0, 1]');
      });
      assertEqual(ends.length, 1, 'train-end events');
      const h = ends[0];
      assertEqual(h.loss.length, 2, 'History epochs');
      assertEqual(h.val_accuracy[1], epochs[1].val_accuracy, 'History matches the epoch-end detail');
      assertEqual(history!.loss[0], h.loss[0], 'train() resolves with the History');
      assertEqual(el.history.loss.length, 2, 'the history property');
      // Loss drops from ln(10) ≈ 2.30 within two epochs even on 256 images.
      assert(h.val_loss[1] < 2.3, `test loss ${h.val_loss[1]} is below chance level`);
    });

    it('applies dropout and learning rate changes to the running trainer', () => {
      assertEqual(el.dropout, 0.35, 'dropout property set by the slider');
      assert(dropoutCalls.includes(0.35), `setDropout calls ${JSON.stringify(dropoutCalls)}`);
      assert(lrCalls.includes(0.02), `setLearningRate calls ${JSON.stringify(lrCalls)}`);
      // Cosine over 8 steps: the last uses 0.02·½(1 + cos(7π/8)) ≈ 0.00076.
      const last = el.controller.trainer!.learningRate;
      assert(Math.abs(last - 0.02 * 0.5 * (1 + Math.cos((7 * Math.PI) / 8))) < 1e-9, `the schedule scales the new base rate: last step's rate ${last}`);
      assertEqual(el.controller.progress?.learningRate, last, 'the status line’s rate is the last step’s');
      // Both are live changes after epoch 1's 4 steps: in the History, on the charts and in the verdict.
      assertEqual(JSON.stringify(el.history.live_changes?.map((c) => `${c.step} ${c.epoch} ${c.setting} ${c.from}→${c.to}`)),
        JSON.stringify(['4 1 dropout 0.3→0.35', '4 1 learning_rate 0.05→0.02']), 'the History records them');
      const charts = shadow(el).querySelector<MtCharts>('mt-charts')!;
      const label = charts.shadowRoot!.querySelector('[part="loss"]')!.getAttribute('aria-label')!;
      assert(label.endsWith('At epoch 1: dropout 0.3 → 0.35. At epoch 1: learning rate 0.05 → 0.02.'), `the charts say them: ${label}`);
      const since = shadow(el).querySelector('[part="verdict-since"]')?.textContent ?? '';
      assert(since.startsWith('Since epoch 1 (dropout 0.3 → 0.35, learning rate 0.05 → 0.02): the gap between train and test accuracy went from'), `the verdict says what they did: ${since}`);
    });

    it('shows the results, the verdict, the run in the comparison, and points in both charts', async () => {
      await el.updateComplete;
      const root = shadow(el);
      const results = root.querySelector<MtResults>('mt-results');
      assert(results?.evaluation && results.evaluation.confusion.length === 100, 'mt-results has the evaluation');
      // Its metrics.json names the run as the command line's does: the data set, the preset, the adapter, the settings.
      const metrics = JSON.parse(await results.metricsFile().text());
      assertEqual(JSON.stringify([metrics.dataset, metrics.model, metrics.parameters, metrics.settings.lrSchedule, metrics.settings.trainLimit, metrics.test_accuracy]),
        JSON.stringify(['MNIST', 'mlp', 101770, 'cosine', 256, results.evaluation.accuracy]), `metrics.json: ${JSON.stringify(metrics).slice(0, 300)}`);
      assert(metrics.adapter === el.controller.adapter && metrics.kernels?.picks?.length > 0 && metrics.mistakes?.count === results.evaluation.predictions.length - Math.round(results.evaluation.accuracy * results.evaluation.predictions.length), 'adapter, kernels and mistakes');
      assert(root.querySelector('[part="verdict"]'), 'verdict shown');
      // The run's kernels beside the adapter: auto picks register on SwiftShader; one tooltip line per op.
      const kernels = root.querySelector<HTMLElement>('[part="status"] .kernels')!;
      assert(/^GEMM kernels: \d+ register(:quad)?(, \d+ register(:quad)?)?, (chosen in \d+\.\d\d s|as measured before on this GPU)$/.test(kernels.textContent!), `kernels shown: ${kernels.textContent}`);
      const picks = el.controller.trainer!.kernels.picks;
      assertEqual(kernels.title.split('\n').map((l) => l.split(' ')[0]).join(), picks.map((p) => p.label).join(), 'a tooltip line per op');
      const compare = root.querySelector<MtCompare>('mt-compare')!;
      assertEqual(compare.runs.length, 1, 'one run kept');
      assertEqual(compare.runs[0].settings.lr, '0.05 cosine', 'run settings');
      // The other settings are recorded too; those changed from the default get a column (here the training subset).
      assertEqual(`${compare.runs[0].settings.loss} ${compare.runs[0].settings.trainLimit}`, 'categorical_crossentropy 256', 'the loss and the subset recorded');
      assertEqual(compare.runs[0].settings.layers, 'Flatten → Dense 128 relu → Dropout 0.2 → Dense 10', 'the layers recorded');
      assertEqual([...compare.shadowRoot!.querySelectorAll('thead th[data-setting]')].map((t) => t.textContent).join(), 'Model,Optimizer,LR,Batch,Dropout,Epochs,Seed,Train images', 'the settings, and a column for the changed one');
      compare.dispatchEvent(new CustomEvent('overlay-change', { detail: { ids: [compare.runs[0].id] } }));
      await el.updateComplete;
      const charts = root.querySelector<MtCharts>('mt-charts')!;
      await frames();
      const points = (d: ArrayLike<number | null | undefined>) => Array.from(d).filter((v) => v != null).length;
      const loss = charts.lossPlot!.data;
      const acc = charts.accuracyPlot!.data;
      assertEqual(points(loss[1]), 2, 'train loss points');
      assert(points(loss[3]) >= 2, 'smoothed batch loss points');
      assertEqual(points(acc[2]), 2, 'test accuracy points');
      assertEqual(charts.lossPlot!.series.length, 1 + 3 + 2, 'overlay adds a train and a test series');
      assert(charts.lossPlot!.series.some((s) => String(s.label).startsWith('Run 1')), 'overlay series labelled');
      assertEqual(charts.lossPlot!.axes[1].label, 'loss (cross-entropy)', "the loss axis names the run's loss");
    });

    it('reads the live rate and dropout from the trainer while it exists, and keeps them when it is let go', async () => {
      const t = el.controller.trainer!;
      t.setLearningRate(0.03);
      t.setDropout(0.25);
      assertEqual(el.learningRate, 0.03, 'learningRate: the trainer’s');
      assertEqual(el.dropout, 0.25, 'dropout: the trainer’s');
      assertEqual(el.settings.learningRate, 0.03, 'settings: the trainer’s rate');
      // The results' metrics.json records what the run's last steps trained with (its live changes: dropout 0.35 and
      // the rate 0.02 after epoch 1), not the values set since for the next run, which no step has applied.
      const about = resultsAbout(el.controller)!;
      assertEqual(`${about.settings.learningRate} ${about.settings.dropout}`, '0.02 0.35', 'metrics.json: the values the run trained with last');
      assertEqual(JSON.stringify(about.liveChanges?.map((c) => [c.setting, c.to])), JSON.stringify([['dropout', 0.35], ['learning_rate', 0.02]]), 'metrics.json: the run\'s changes');
      await el.reset();
      assertEqual(el.controller.trainer, undefined, 'the trainer is let go');
      assertEqual(el.learningRate, 0.03, 'its rate is the next run’s');
      assertEqual(el.dropout, 0.25, 'its dropout is the next run’s');
    });
  });

  it('says how to enable WebGPU when there is no adapter, without crashing', async () => {
    const gpu = navigator.gpu;
    const original = gpu.requestAdapter;
    gpu.requestAdapter = async () => null;
    try {
      const errors = record<ErrorDetail>(document, 'error');
      const el = await mount(TINY, (e) => { e.requestGpu = undefined; });
      await untilPhase(el, ['unavailable'], 10000);
      await el.updateComplete;
      const text = shadow(el).querySelector('[part="message"]')?.textContent ?? '';
      assert(/No WebGPU adapter/.test(text) && /--enable-unsafe-webgpu/.test(text), `message: ${text}`);
      assert(errors.some((e) => /No WebGPU adapter/.test(e.message)), 'error event');
      const train = [...shadow(el).querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Train')!;
      assert(train.disabled, 'Train is disabled');
      assertEqual(await el.train(), undefined, 'train() resolves without a device');
      assertEqual(el.controller.phase, 'unavailable', 'phase');
    } finally {
      gpu.requestAdapter = original;
    }
  });

  it('pauses, resumes, stops (keeping the run) and resets from its buttons', async () => {
    const el = await mount({ ...TINY, epochs: '100' });
    const button = (name: string) => [...shadow(el).querySelectorAll('button')].find((b) => b.textContent!.trim() === name)!;
    const phase = () => el.controller.phase;
    const done = el.train();
    await untilPhase(el, ['training'], 60000);
    await el.updateComplete;
    button('Pause').click();
    assert(el.controller.trainer!.isPaused && phase() === 'paused', 'paused');
    await el.updateComplete;
    const step = el.controller.trainer!.step;
    await new Promise((r) => setTimeout(r, 300));
    assertEqual(el.controller.trainer!.step, step, 'no steps while paused');
    button('Resume').click();
    assert(!el.controller.trainer!.isPaused && phase() === 'training', 'resumed');
    await until(() => el.controller.trainer!.step > step, 'a step after resuming');
    await el.updateComplete;
    button('Stop').click();
    const h = await done;
    assert(h !== undefined && phase() === 'idle', `stopped cleanly (phase ${phase()}: ${el.controller.message})`);
    assert(el.controller.trainer!.epoch < 100, 'stopped before the end');
    await el.updateComplete;
    button('Reset').click();
    await until(() => el.controller.trainer === undefined, 'reset to drop the trainer');
    assertEqual(el.history.loss.length, 0, 'history after reset');
  });

  it('autostarts, and destroys the trainer, data and device when removed, but not when moved', async () => {
    const el = await mount({ ...TINY, epochs: '100', autostart: '' }, (e) => { e.requestGpu = undefined; }); // a device of its own
    const done = el.train(); // the autostarted run's promise
    const gpu = await el.controller.ensureGpu();
    let destroyed = 0;
    const destroy = gpu.device.destroy.bind(gpu.device);
    gpu.device.destroy = () => { destroyed++; destroy(); };
    await untilPhase(el, ['training'], 60000);
    document.body.append(el); // a move: disconnect + connect in one task
    await new Promise((r) => setTimeout(r, 0));
    assertEqual(destroyed, 0, 'device kept after a move');
    const trainer = el.controller.trainer!;
    let trainerDestroyed = 0;
    const destroyTrainer = trainer.destroy.bind(trainer);
    trainer.destroy = () => { trainerDestroyed++; destroyTrainer(); };
    el.remove();
    await new Promise((r) => setTimeout(r, 0));
    assert(el.controller.disposed, 'controller disposed');
    assertEqual(destroyed, 1, 'device.destroy calls');
    assertEqual(trainerDestroyed, 1, 'trainer.destroy calls');
    assertEqual(el.controller.trainer, undefined, 'trainer released');
    assertEqual(el.controller.data.gpuData, undefined, 'data set released');
    const t0 = performance.now();
    await done;
    assert(performance.now() - t0 < 15000, 'the run unwinds after removal');
    assert(trainer.step < 100 * 4, 'the run did not go on');
  });

  it('off the page, Train starts nothing and a device that arrives is dropped; back on the page, it trains', async () => {
    const el = await mount({ ...TINY, epochs: '1' }, (e) => { e.requestGpu = undefined; }); // a device of its own
    await el.controller.ensureGpu();
    el.remove();
    await new Promise((r) => setTimeout(r, 0));
    assert(el.controller.disposed, 'disposed');
    assertEqual(await el.train(), undefined, 'train() off the page resolves undefined');
    assertEqual(el.controller.phase, 'idle', 'and starts nothing');
    // A device requested now arrives while the element is away: dropped, and not kept as the answer to later requests.
    const late = await el.controller.ensureGpu().then(() => 'resolved', (e: unknown) => String((e as Error).message));
    assert(/removed from the page/.test(late), `the late device is dropped: ${late}`);
    document.body.append(el);
    await el.updateComplete;
    const h = await el.train();
    assertEqual(h?.loss.length, 1, `back on the page it trains on a new device (${el.controller.message})`);
  });

  it('trains on a device the page lends (borrowGpu); removed mid-run, it unwinds without destroying it or using what it freed', async () => {
    const adapter = (await navigator.gpu.requestAdapter())!;
    const device = await adapter.requestDevice({ label: 'the page’s device' }); // WebGPU's default limits
    try {
      let destroyed = 0;
      const destroy = device.destroy.bind(device);
      device.destroy = () => { destroyed++; destroy(); };
      const uncaptured: string[] = [];
      device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
      const lent = borrowGpu(device);
      assert(lent.borrowed === true, 'borrowed');
      assertEqual(JSON.stringify(lent.adapterInfo), JSON.stringify({ vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description, device: adapter.info.device }), 'the adapter, read from the device');
      assertEqual(lent.features.has('timestamp-query'), false, 'the features the page enabled (none)');
      const el = await mount({ ...TINY, epochs: '100' }, (e) => { e.requestGpu = async () => lent; });
      const done = el.train();
      await untilPhase(el, ['training'], 60000);
      await until(() => (el.controller.trainer?.step ?? 0) >= 1, 'a training step', 60000);
      assertEqual(el.controller.gpu?.device, device, 'trains on the lent device');
      assertEqual(el.controller.adapter, adapterName(lent), 'the status line names its adapter');
      el.remove();
      const t0 = performance.now();
      await done;
      assert(performance.now() - t0 < 15000, 'the run unwinds after removal');
      assertEqual(destroyed, 0, 'the lent device is not destroyed');

      const next = await mount({ ...TINY, epochs: '1' }, (e) => { e.requestGpu = async () => lent; });
      const h = await next.train();
      assert(h !== undefined && h.loss.length === 1, `a later element trains on it (${next.controller.message})`);
      next.remove();
      await device.queue.onSubmittedWorkDone();
      assertEqual(JSON.stringify(uncaptured), '[]', 'no command used a buffer freed by the removal');
      assertEqual(destroyed, 0, 'still alive');
    } finally {
      device.destroy();
    }
  });
});
