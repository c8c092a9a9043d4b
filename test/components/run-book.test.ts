// The "Compare runs" section's runs: ids, labels and colours that never repeat, restored runs before the
// page's, a run's curves copied when it ends, removal from the table and the overlay, and every change
// reaching the element (and a new array, so <mt-compare> sees it).
import { RunBook } from '../../src/components/run-book';
import { SavedRuns } from '../../src/components/saved-runs';
import { emptyHistory } from '../../src/engine/trainer';
import type { StoredRun } from '../../src/components/run-store';
import { assert, assertEqual } from '../util/assert';
import { setLocale } from '../../src/components/i18n';

function ended(loss: number[], status = 'finished') {
  const history = emptyHistory();
  history.loss = loss;
  history.epoch_seconds = loss.map(() => 2);
  return { history, status, request: undefined, trainer: undefined };
}

describe('RunBook', () => {
  it('keeps the runs that ended, restored ones first, each with its own id, label and colour', () => {
    let changes = 0;
    const book = new RunBook(new SavedRuns(() => {}), () => changes++);
    const first = book.add(ended([0.5, 0.3]));
    const e = ended([0.4], 'stopped at epoch 2');
    const second = book.add(e);
    e.history.loss.push(9); // the trainer's history goes on changing: the table keeps its copy
    assertEqual(second.history.loss.join(), '0.4', 'a copy of the curves');
    assertEqual(first.seconds, 4, 'seconds: the epochs summed');
    assertEqual(second.status, 'stopped at epoch 2', 'status');
    assert(Number.isNaN(first.parameters) && Object.keys(first.settings).length === 0, 'no trainer or request: unknown parameters, no settings');
    const stored = { ...first, label: 'old', color: 'red' } as unknown as StoredRun;
    const restored = book.restore([stored]);
    assertEqual(book.runs.map((r) => r.id).join(), `${restored[0].id},${first.id},${second.id}`, 'restored runs before the page\'s');
    assertEqual(book.runs.map((r) => r.label).join(), 'Run 3,Run 1,Run 2', 'labels from new ids');
    assertEqual(new Set(book.runs.map((r) => r.color)).size, 3, 'three colours');
    assertEqual(changes, 3, 'each change reaches the element');
  });

  it('names a run in the page’s language when it is shown, not when it ended (a language switch, a restore before the language loaded)', async () => {
    const book = new RunBook(new SavedRuns(() => {}), () => {});
    const run = book.add(ended([0.5]));
    assertEqual(run.label, 'Run 1', 'in English');
    await setLocale('ru');
    try {
      assertEqual(run.label, 'Запуск 1', 'the same run after a switch to Russian');
      assertEqual(book.overlays().length, 0, 'nothing overlaid');
      book.overlay = [run.id];
      assertEqual(book.overlays()[0].label, 'Запуск 1', 'its overlay on the charts too');
    } finally {
      await setLocale('en');
    }
  });

  it('adds the runs of a runs.json file after its own, with new ids and labels', () => {
    let changes = 0;
    const book = new RunBook(new SavedRuns(() => {}), () => changes++);
    const own = book.add(ended([0.5]));
    const { history, status } = ended([0.7, 0.6], 'finished');
    const loaded = book.load([{ history, status, settings: { model: 'mlp' }, parameters: 10, seconds: 3 }]);
    assertEqual(book.runs.map((r) => r.label).join(), 'Run 1,Run 2', 'after the table\'s runs, a new label');
    assertEqual(`${loaded[0].id !== own.id} ${loaded[0].settings.model} ${loaded[0].history.loss.join()}`, 'true mlp 0.7,0.6', 'the run as read');
    assertEqual(changes, 2, 'the element told');
  });

  it('removes a run from the table and the overlay, and overlays the selected runs in table order', () => {
    const book = new RunBook(new SavedRuns(() => {}), () => {});
    const [a, b, c] = [book.add(ended([1])), book.add(ended([2])), book.add(ended([3]))];
    book.overlay = [c.id, a.id];
    assertEqual(book.overlays().map((o) => o.label).join(), 'Run 1,Run 3', 'overlays in table order');
    const before = book.runs;
    book.remove(a.id);
    assert(book.runs !== before, 'a new array');
    assertEqual(book.runs.map((r) => r.id).join(), `${b.id},${c.id}`, 'removed from the table');
    assertEqual(book.overlay.join(), `${c.id}`, 'and from the overlay');
    book.clearSaved(); // none stored: nothing removed
    assertEqual(book.runs.length, 2, 'clearing an unused store keeps the page\'s runs');
  });
});
