// A run's live changes (engine/live-changes.ts): how changes between two steps merge, what a file's
// live_changes must be to be read, and where the charts put their labels.
import { PendingChanges, changedValues, labelRow, liveChangesProblem, recordLiveChange, stepEpoch, type LiveChange } from '../../src/engine/live-changes';
import { assertEqual } from '../util/assert';

const change = (step: number, setting: LiveChange['setting'], from: number | null, to: number | null): LiveChange => ({ step, epoch: stepEpoch(step, 8), setting, from, to });

describe('live changes', () => {
  it('records changes in order; one setting changed twice between two steps is one change, back where it was none', () => {
    const h: { live_changes?: LiveChange[] } = {};
    recordLiveChange(h, change(3, 'dropout', null, 0));
    recordLiveChange(h, change(3, 'learning_rate', 0.001, 0.002));
    recordLiveChange(h, change(3, 'dropout', 0, 0.5)); // the same step: from the layers' own to 0.5
    assertEqual(JSON.stringify(h.live_changes), JSON.stringify([change(3, 'learning_rate', 0.001, 0.002), change(3, 'dropout', null, 0.5)]), 'merged, last in order');
    recordLiveChange(h, change(5, 'dropout', 0.5, 0.5));
    assertEqual(h.live_changes?.length, 2, 'a value set again unchanged is no change');
    recordLiveChange(h, change(3, 'learning_rate', 0.002, 0.001));
    recordLiveChange(h, change(3, 'dropout', 0.5, null));
    assertEqual(h.live_changes, undefined, 'both back where they were before step 4: none, and no empty list');
    assertEqual(Math.floor(stepEpoch(3749, 3750)), 0, 'the epoch axis unrounded: one step short of an epoch is still in it');
  });

  it('keeps a trainer\'s changes pending until a step applies them; a file written meanwhile has them, the History not', () => {
    const pending = new PendingChanges();
    const h: { live_changes?: LiveChange[] } = { live_changes: [change(2, 'dropout', null, 0)] };
    pending.note(8, 8, 'dropout', 0, 0.5);
    pending.note(8, 8, 'learning_rate', 0.001, 0.002);
    const file = pending.with(h);
    assertEqual(file.live_changes?.length, 3, 'the copy has them');
    assertEqual(h.live_changes?.length, 1, 'the History not yet');
    pending.apply(h);
    assertEqual(JSON.stringify(h.live_changes), JSON.stringify(file.live_changes), 'applied: the same three');
    assertEqual(pending.with(h), h, 'nothing pending: the History itself');
    assertEqual(JSON.stringify(changedValues(h.live_changes)), '{"dropout":0.5,"learningRate":0.002}', 'the values they left');
    assertEqual(JSON.stringify(changedValues([change(1, 'dropout', 0.5, null)])), '{"dropout":null}', "the layers' own rates");
  });

  it('puts each chart label in the first row where it keeps clear of the others', () => {
    const rows: [number, number][][] = [];
    const placed = [[0, 100], [90, 150], [160, 200], [105, 140], [10, 50]].map(([a, b]) => labelRow(rows, a, b, 8));
    assertEqual(placed.join(), '0,1,0,2,1', 'overlapping labels go lower; one that fits higher goes there');
  });

  it('names what is wrong in a file\'s live_changes', () => {
    assertEqual(liveChangesProblem(undefined), undefined, 'absent: files from before the record');
    assertEqual(liveChangesProblem([change(8, 'dropout', null, 0.5)]), undefined, 'a good one');
    assertEqual(liveChangesProblem({}), 'must be an array of changes', 'not an array');
    assertEqual(liveChangesProblem([null]), '[0] must be an object', 'null');
    assertEqual(liveChangesProblem([{ ...change(1, 'dropout', 0, 1), step: -1 }]), '[0].step must be a whole number from 0', 'step');
    assertEqual(liveChangesProblem([change(1, 'dropout', 0, 0.5), { ...change(1, 'dropout', 0, 0.5), epoch: 'one' }]), '[1].epoch must be a number from 0', 'epoch');
    assertEqual(liveChangesProblem([{ ...change(1, 'dropout', 0, 0.5), setting: 'momentum' }]), '[0].setting must be one of learning_rate, dropout', 'setting');
    assertEqual(liveChangesProblem([change(1, 'learning_rate', Number.NaN, 0.5)]), '[0].from must be a rate from 0 or null', 'from');
  });
});
