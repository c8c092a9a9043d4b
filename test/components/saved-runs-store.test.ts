// The comparison table's runs in IndexedDB, in <mnist-trainer>: restored by a new element with the same store
// (which is what a page reload does), kept apart by store name, cleared; the last model kept after every epoch
// (within MAX_KEPT_MODEL_BYTES); another tab's older connection waited for; an IndexedDB that fails is a notice,
// not a fault. Tiny runs: mlp, 256 training images, 128 test images, batch 64, 1 epoch.
import '../../src/components/index';
import { assert, assertEqual } from '../util/assert';
import type { MnistTrainer } from '../../src/components/mnist-trainer';
import type { MtCompare } from '../../src/components/compare-runs';
import type { ErrorDetail } from '../../src/engine/errors';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import { mount, record, shadow, until } from './util';
import { MAX_KEPT_MODEL_BYTES, SavedRuns } from '../../src/components/saved-runs';
import type { Trainer } from '../../src/engine/trainer';

const TINY = { model: 'mlp', 'train-limit': '256', 'test-limit': '128', 'batch-size': '64', epochs: '1', seed: '7', 'learning-rate': '0.002' };
const runs = (el: MnistTrainer) => shadow(el).querySelector<MtCompare>('mt-compare')!.runs;
const buttonText = (el: MnistTrainer, part: string) => shadow(el).querySelector(`[part~="${part}"]`)?.textContent?.trim();
const storeName = (what: string) => `test-${what}-${Math.random().toString(36).slice(2)}`;

describe('<mnist-trainer> saved runs (IndexedDB)', function () {
  this.timeout(180000);
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('restores the runs in a new element with the same store (a reload), apart from other stores; clears them', async () => {
    const name = storeName('runs');
    const el = await mount({ ...TINY, 'persist-runs': '', 'store-name': name });
    await el.train();
    el.epochs = 2;
    await el.train(); // trains the finished run on: a second run, continued after epoch 1
    await until(() => el.savedRuns.count === 2, 'the runs stored');
    await el.savedRuns.settled();
    const history = JSON.stringify(runs(el)[0].history);
    el.remove();

    const again = await mount({ 'persist-runs': '', 'store-name': name });
    await until(() => runs(again).length === 2, 'the stored runs back in the table');
    assertEqual(runs(again)[0].status, 'finished', 'its status');
    assertEqual(JSON.stringify(runs(again)[0].history), history, 'its History');
    assertEqual(runs(again)[0].settings.seed, 7, 'its settings');
    assertEqual(`${runs(again)[0].from} ${runs(again)[1].from} ${runs(again)[1].history.loss.length}`, 'undefined 1 2', 'the second continued after epoch 1');
    await again.updateComplete;
    assert(buttonText(again, 'clear-runs')!.includes('(2)'), `the clear button counts them: ${buttonText(again, 'clear-runs')}`);

    const other = await mount({ 'persist-runs': '', 'store-name': storeName('other') });
    await other.savedRuns.settled();
    assertEqual(runs(other).length, 0, 'another store has none of them');
    const off = await mount({ 'store-name': name });
    await off.savedRuns.settled();
    assertEqual(runs(off).length, 0, 'without persist-runs nothing is restored');

    shadow(again).querySelector<HTMLButtonElement>('[part~="clear-runs"]')!.click();
    await again.updateComplete;
    assertEqual(runs(again).length, 0, 'the table is empty after Clear');
    await again.savedRuns.settled();
    const third = await mount({ 'persist-runs': '', 'store-name': name });
    await third.savedRuns.settled();
    assertEqual(runs(third).length, 0, 'the store is empty after Clear');
  });

  it('keeps the last model after every epoch; a new element with the same store (a reload) restores it; Clear forgets it', async () => {
    const name = storeName('model');
    const lastModel = (el: MnistTrainer) => shadow(el).querySelector('[part="last-model"]');
    const el = await mount({ ...TINY, epochs: '2', 'persist-runs': '', 'store-name': name });
    await el.savedRuns.settled();
    assertEqual(lastModel(el), null, 'nothing to restore at first');
    await el.train();
    await el.savedRuns.settled();
    const kept = el.savedRuns.lastModel;
    assert(kept?.epoch === 2 && kept.model === 'mlp' && kept.dataset === 'MNIST', `the model after the last epoch: ${JSON.stringify({ ...kept, bytes: undefined })}`);
    assert(kept.bytes === el.controller.trainer!.recoveryPoint!.bytes, 'its recovery point');
    await el.updateComplete;
    assertEqual(lastModel(el), null, 'not offered while the element has a model');
    el.remove();

    const again = await mount({ 'persist-runs': '', 'store-name': name });
    await until(() => !!again.savedRuns.lastModel, 'the last model read from the store');
    await again.updateComplete;
    assert(lastModel(again)?.textContent?.includes('mlp on MNIST after epoch 2'), `offered: ${lastModel(again)?.textContent}`);
    shadow(again).querySelector<HTMLButtonElement>('[part~="restore"]')!.click();
    await until(() => again.controller.loaded !== undefined, 'restored');
    assertEqual(again.controller.trainer!.epoch, 2, 'at epoch 2');
    const bytes = new Uint8Array(await (await again.save())!.arrayBuffer());
    assertEqual(decodeCheckpoint(bytes).params.join(), decodeCheckpoint(kept.bytes).params.join(), 'the same weights');
    await again.updateComplete;
    assertEqual(lastModel(again), null, 'no longer offered');

    shadow(again).querySelector<HTMLButtonElement>('[part~="clear-runs"]')!.click();
    await again.savedRuns.settled();
    const third = await mount({ 'persist-runs': '', 'store-name': name });
    await third.savedRuns.settled();
    await third.updateComplete;
    assert(third.savedRuns.lastModel === undefined && lastModel(third) === null, 'Clear forgot it');
  });

  it('does not write a model past MAX_KEPT_MODEL_BYTES to the store every epoch', async () => {
    const saved = new SavedRuns(() => {});
    saved.use(true, storeName('big'), () => []);
    const keep = (size: number) => saved.keepModel({
      trainer: { recoveryPoint: { epoch: 1, step: 4, bytes: new Uint8Array(size) }, config: { model: { name: 'mlp' } } } as unknown as Trainer,
      data: { dataset: { name: 'MNIST' } },
    });
    keep(MAX_KEPT_MODEL_BYTES + 1);
    assertEqual(saved.lastModel, undefined, 'too large: not kept');
    keep(1024);
    assertEqual(saved.lastModel?.bytes.length, 1024, 'a small one is');
    await saved.settled();
    assertEqual(saved.notice, '', 'stored without a problem');
  });

  it('says so while another tab holds the saved runs open in an older version, and stores once it lets go', async () => {
    const name = storeName('blocked');
    // The other tab: version 1, and it ignores the request to close.
    const old = await new Promise<IDBDatabase>((resolve) => { const r = indexedDB.open(`mnist-trainer-runs/${name}`, 1); r.onsuccess = () => resolve(r.result); });
    const saved = new SavedRuns(() => {});
    saved.use(true, name, () => []);
    await until(() => saved.notice.includes('waiting for another tab'), 'a notice while blocked');
    old.close();
    await saved.settled();
    assertEqual(saved.notice, '', 'gone once the other tab let go and the store opened');
  });

  it('goes on without IndexedDB: a notice, and the run stays in the table', async () => {
    const open = indexedDB.open;
    indexedDB.open = () => { throw new DOMException('IndexedDB is disabled (test)', 'SecurityError'); };
    try {
      const el = await mount({ ...TINY, 'persist-runs': '', 'store-name': storeName('broken') });
      const errors = record<ErrorDetail>(el, 'error');
      await until(() => el.savedRuns.notice !== '', 'a notice');
      assert(el.savedRuns.notice.includes('IndexedDB is disabled (test)'), el.savedRuns.notice);
      assert(await el.train(), 'the run finished');
      await el.savedRuns.settled();
      await el.updateComplete;
      assertEqual(runs(el).length, 1, 'the run is in the table');
      assertEqual(errors.length, 0, 'no error event');
      assert(shadow(el).querySelector('[part="message"]')!.textContent!.includes('Saved runs: could not'), 'the notice is shown');
      const line = shadow(el).querySelector('[part="saved-runs"]')!.textContent!;
      assert(line.includes('Runs are not being saved in this browser') && !line.includes('Runs are saved'), `the saved-runs line agrees: ${line}`);
    } finally {
      indexedDB.open = open;
    }
  });
});
