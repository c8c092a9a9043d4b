// Training a finished run on, in <mnist-trainer>: a run that did all its epochs is kept as a model Train continues
// once Epochs is raised (as Keras's second fit() would; the button says "Continue" and the status line says how to
// start afresh), while the other settings match; a stopped run, one ended by early stopping, or one whose settings
// changed starts afresh. The verdict's "Train on to N epochs" does it for a model still learning.
// Tiny runs: mlp, 256 training images (1,024 for the verdict), 128 test images, batch 64.
import { assert, assertEqual } from '../util/assert';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCompare } from '../../src/components/compare-runs';
import type { EpochEvent } from '../../src/engine/trainer';
import type { ErrorDetail } from '../../src/engine/errors';
import { mount, record, shadow, until } from './util';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '7', 'learning-rate': '0.002' };
const runs = (el: MnistTrainer) => shadow(el).querySelector<MtCompare>('mt-compare')!.runs;
const part = (el: MnistTrainer, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
const status = (el: MnistTrainer) => part(el, 'status')!.textContent!.replace(/\s+/g, ' ');
async function params(el: MnistTrainer): Promise<Float32Array> {
  return (await el.controller.trainer!.readState()).params;
}

describe('<mnist-trainer> trains a finished run on', function () {
  this.timeout(240000);

  it('continues a run that finished its epochs once Epochs is raised: one more epoch, the weights of one longer run', async () => {
    const el = await mount(TINY);
    const whole = await mount({ ...TINY, epochs: '2' });
    try {
      assert((await el.train())?.loss.length === 1, `the first run finishes (${el.controller.message})`);
      const trainer = el.controller.trainer;
      await el.updateComplete;
      assertEqual(part(el, 'train')!.textContent!.trim(), 'Train', 'with the same Epochs, Train starts a new run');
      assert(status(el).includes('Done: 1 epoch, test accuracy') && status(el).includes('Raise Epochs to train this model on (with the same settings), or press Train to start a new run.'), status(el));
      el.epochs = 2;
      await el.updateComplete;
      assertEqual(part(el, 'train')!.textContent!.trim(), 'Continue', 'Epochs raised: Train continues it');
      assert(status(el).includes('Continue trains this model on up to the Epochs setting; Reset, then Train, starts afresh.'), status(el));
      const epochs = record<EpochEvent>(el, 'epoch-end');
      const h = await el.train();
      assertEqual(el.controller.trainer, trainer, 'the same trainer trained on');
      assertEqual(JSON.stringify(epochs.map((e) => e.epoch)), '[2]', 'one more epoch, the second');
      assertEqual(h?.loss.length, 2, 'its History grew to two epochs');
      await el.updateComplete;
      assertEqual(JSON.stringify(runs(el).map((r) => [r.status, r.history.loss.length, r.from])), '[["finished",1,null],["finished",2,1]]', 'both runs in the table, the second continued after epoch 1');
      const table = shadow(el).querySelector<MtCompare>('mt-compare')!;
      await table.updateComplete;
      const cells = [...table.shadowRoot!.querySelectorAll('td.status')].map((td) => td.querySelector('.from')?.textContent ?? '');
      assertEqual(cells.join('|'), '|continued after epoch 1', 'the status cells say so');
      await whole.train();
      const [a, b] = [await params(el), await params(whole)];
      const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      assert(worst <= 1e-6, `one epoch, then one more, gives the weights of two in one go (max |Δ| ${worst})`);
      assertEqual(JSON.stringify(h!.loss), JSON.stringify(whole.history.loss), 'and the same losses');
    } finally {
      el.remove();
      whole.remove();
    }
  });

  it('starts afresh where the settings changed (until they match again), after Reset, a Stop or early stopping', async () => {
    const el = await mount(TINY);
    try {
      await el.train();
      const button = async () => { await el.updateComplete; return part(el, 'train')!.textContent!.trim(); };
      el.epochs = 2;
      el.setAttribute('loss', 'mean_squared_error');
      el.setAttribute('label-smoothing', '0.1');
      assertEqual(await button(), 'Train', 'settings that do not combine (Train will say why): no Continue, and the page still renders');
      const said = shadow(el).querySelector('#f-label-smoothing-error')?.textContent ?? '';
      assert(said.includes('Label smoothing applies to categorical_crossentropy only'), `the field says why before Train: '${said}'`);
      const errors = record<ErrorDetail>(el, 'error');
      const trainer = el.controller.trainer;
      assertEqual(await el.train(), undefined, 'Train with them resolves undefined (it does not throw)');
      assertEqual(errors.map((e) => `${e.code} ${e.setting}`).join(), 'invalid-setting labelSmoothing', 'one error, naming the setting');
      assert(errors[0].message.startsWith('label-smoothing applies to categorical_crossentropy only'), `by its attribute, as the element's other messages: ${errors[0].message}`);
      assert(el.controller.trainer === trainer && el.controller.phase === 'idle', `the finished model stays (phase ${el.controller.phase})`);
      assertEqual(JSON.stringify(runs(el).map((r) => [r.status, r.history.loss.length])), '[["finished",1],["invalid-setting",0]]', 'the refused run has its row');
      el.removeAttribute('label-smoothing');
      el.removeAttribute('loss');
      assertEqual(await button(), 'Continue', 'the settings mended: the finished model is still the one Train continues');
      el.batchSize = 32;
      assertEqual(await button(), 'Train', 'another batch size: a new run');
      el.batchSize = 64;
      el.learningRate = 0.001;
      assertEqual(await button(), 'Continue', 'the batch size back, and a live setting changed: it continues');
      await el.train();
      await el.updateComplete;
      const table = shadow(el).querySelector<MtCompare>('mt-compare')!;
      await table.updateComplete;
      const lr = [...table.shadowRoot!.querySelectorAll('tbody tr')].at(-1)!.textContent!;
      assert(lr.includes('0.002 → 0.001'), `the continued run's rate is the one its History began with, then the change: ${lr}`);
      await el.reset();
      assertEqual(await button(), 'Train', 'Reset forgets it');

      el.epochs = 100;
      const run = el.train();
      await until(() => el.history.loss.length >= 1, 'one epoch', 60000);
      await el.stop();
      await run;
      assert(runs(el).at(-1)!.status.startsWith('stopped at epoch'), runs(el).at(-1)!.status);
      assert(/Stopped (in epoch \d+; test accuracy after epoch \d+|after epoch \d+, test accuracy)/.test(status(el)), `the status line says it stopped: ${status(el)}`);
      assertEqual(await button(), 'Train', 'after a Stop, Train starts afresh (epochs remain, but the run was stopped)');

      el.setAttribute('early-stopping', '1');
      el.setAttribute('monitor', 'loss');
      el.setAttribute('min-delta', '10'); // no epoch improves by 10: stopped after the second
      el.setAttribute('restore-best-weights', '');
      el.epochs = 5;
      const h = await el.train();
      assertEqual(h?.stopped_epoch, 2, 'early stopping ended it');
      assertEqual(h?.restored_epoch, 1, 'and restored the first epoch\'s weights');
      await el.updateComplete;
      const first = `${(h!.test_accuracy[0] * 100).toFixed(2)}%`;
      assert(h!.test_accuracy[0] !== h!.test_accuracy[1], 'the two epochs differ in test accuracy');
      assert(status(el).includes(`Done: 2 epochs, test accuracy ${first}.`), `the status line gives the restored model's accuracy (${first}): ${status(el)}`);
      assertEqual(el.controller.evaluation!.accuracy, h!.test_accuracy[0], 'which is the evaluation of the weights kept');
      const row = [...shadow(el).querySelector<MtCompare>('mt-compare')!.shadowRoot!.querySelectorAll('tbody tr')].at(-1)!.textContent!;
      assert(row.includes(first), `so does the table: ${row}`);
      assertEqual(await button(), 'Train', 'a run early stopping ended is not trained on');
    } finally {
      el.remove();
    }
  });

  it("the verdict's button trains a model still learning on to twice its epochs", async () => {
    // 1,024 images: after two epochs test loss fell 36% with no gap (256 images end epoch 2 with a growing gap).
    const el = await mount({ ...TINY, 'train-limit': '1024', 'test-limit': '256', epochs: '2' });
    try {
      await el.train();
      await el.updateComplete;
      const verdict = part(el, 'verdict')!;
      assert(verdict.textContent!.includes('still learning'), `a model still learning: ${verdict.textContent}`);
      const trainOn = part(el, 'train-on');
      assertEqual(trainOn?.textContent, 'Train on to 4 epochs', 'the button');
      const trainer = el.controller.trainer;
      trainOn!.click();
      assertEqual(el.epochs, 4, 'Epochs set to 4');
      const h = await el.controller.current;
      assertEqual(el.controller.trainer, trainer, 'the same model trained on');
      assertEqual(h?.loss.length, 4, 'to four epochs');
      el.batchSize = 32;
      await el.updateComplete;
      assertEqual(part(el, 'train-on'), null, 'no button where Train would start a new run');
    } finally {
      el.remove();
    }
  });
});
