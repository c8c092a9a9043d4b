// Early stopping and reduce-on-plateau as pure functions of the monitored values (no GPU).
import { afterEpoch, checkCallbackState, initialCallbackState, isImprovement, monitorMode, type CallbackConfig, type CallbackState } from '../../src/engine/callbacks';
import { assert, assertEqual } from '../util/assert';

const base: CallbackConfig = { monitor: 'val_loss', minDelta: 0, restoreBestWeights: false, reduceLrFactor: 0.1, minLearningRate: 0 };

/** Runs the values through afterEpoch from a fresh state; each epoch's decision and the rate it leaves. */
function run(c: CallbackConfig, values: number[], lr = 1) {
  let s: CallbackState = initialCallbackState();
  const out: { improved: boolean; stop: boolean; lr: number }[] = [];
  values.forEach((v, i) => {
    const d = afterEpoch(c, s, i + 1, v, lr);
    s = d.state;
    if (d.learningRate !== null) lr = d.learningRate;
    out.push({ improved: d.improved, stop: d.stop, lr });
  });
  return { out, state: s };
}

describe('callbacks', () => {
  it('losses are minimised, accuracies maximised', () => {
    assertEqual(monitorMode('val_loss'), 'min', 'val_loss');
    assertEqual(monitorMode('loss'), 'min', 'loss');
    assertEqual(monitorMode('val_accuracy'), 'max', 'val_accuracy');
    assertEqual(monitorMode('accuracy'), 'max', 'accuracy');
    assert(isImprovement(base, 0.5, 0.6) && !isImprovement(base, 0.6, 0.5), 'min mode');
    const acc = { ...base, monitor: 'accuracy' as const };
    assert(isImprovement(acc, 0.6, 0.5) && !isImprovement(acc, 0.5, 0.6), 'max mode');
    assert(isImprovement(base, 123, null), 'the first finite value is the first best');
    assert(!isImprovement(base, Number.NaN, null) && !isImprovement(base, 0.5, 0.5), 'NaN and equal values never improve');
  });

  it('minDelta: an improvement must be larger than it', () => {
    const c = { ...base, minDelta: 0.1 };
    assert(!isImprovement(c, 0.95, 1) && !isImprovement(c, 0.9, 1) && isImprovement(c, 0.89, 1), 'min mode');
    const a = { ...c, monitor: 'val_accuracy' as const };
    assert(!isImprovement(a, 0.6, 0.5) && isImprovement(a, 0.61, 0.5), 'max mode');
  });

  it('early stopping stops after `patience` epochs without improvement and records the best epoch', () => {
    const c = { ...base, earlyStopping: 2 };
    const { out, state } = run(c, [1, 0.8, 0.9, 0.7, 0.75, 0.71, 0.5]);
    assertEqual(out.map((o) => o.stop).join(), 'false,false,false,false,false,true,false', 'stops after epoch 6');
    assertEqual(state.bestEpoch, 7, 'the loop above went on, so epoch 7 is the best');
    const r = run(c, [1, 0.8, 0.9, 0.7, 0.75, 0.71]);
    assertEqual(JSON.stringify(r.state), JSON.stringify({ best: 0.7, bestEpoch: 4, wait: 2, lrWait: 2, stoppedEpoch: 6 }), 'state at the stop');
    assertEqual(run({ ...c, earlyStopping: 1 }, [1, 1, 1]).state.stoppedEpoch, 2, 'patience 1, no improvement: stops after epoch 2');
    assertEqual(run(base, [1, 2, 3, 4]).out.some((o) => o.stop), false, 'off: never stops');
  });

  it('reduce on plateau: factor after `patience` epochs, wait restarts, never below the floor', () => {
    const c = { ...base, reduceLrPatience: 2, reduceLrFactor: 0.5, minLearningRate: 0.3 };
    const { out } = run(c, [1, 1, 1, 1, 1, 1, 1, 0.5, 0.6, 0.7]);
    // epochs 3 and 5 reduce (1 → 0.5 → 0.3: floored), 7 does nothing at the floor; 8 improves
    assertEqual(out.map((o) => o.lr).join(), '1,1,0.5,0.5,0.3,0.3,0.3,0.3,0.3,0.3', 'rates');
    const plain = run({ ...base, reduceLrPatience: 1, reduceLrFactor: 0.1 }, [1, 2, 3], 0.01).out.map((o) => o.lr);
    assertEqual(plain.length, 3, 'three epochs');
    assert(Math.abs(plain[1] - 0.001) < 1e-15 && Math.abs(plain[2] - 0.0001) < 1e-15, `patience 1: ×0.1 each epoch: ${plain.join()}`);
  });

  it('both at once: one best, two waits; early stopping still counts across a reduction', () => {
    const c = { ...base, earlyStopping: 3, reduceLrPatience: 1, reduceLrFactor: 0.5 };
    const { out, state } = run(c, [1, 2, 2, 2]);
    assertEqual(out.map((o) => `${o.lr}${o.stop ? '!' : ''}`).join(), '1,0.5,0.25,0.125!', 'reduced each epoch, stopped after 3 without improvement');
    assertEqual(state.bestEpoch, 1, 'best epoch');
  });

  it('checks a saved state', () => {
    const ok = { best: 0.5, bestEpoch: 2, wait: 1, lrWait: 0, stoppedEpoch: null };
    assertEqual(JSON.stringify(checkCallbackState(ok, (p) => { throw new Error(p); })), JSON.stringify(ok), 'valid');
    for (const bad of [null, [], { ...ok, wait: -1 }, { ...ok, bestEpoch: 0 }, { ...ok, best: 'x' }, { ...ok, lrWait: undefined }]) {
      let threw = false;
      try {
        checkCallbackState(bad, (p) => { throw new Error(p); });
      } catch {
        threw = true;
      }
      assert(threw, `rejects ${JSON.stringify(bad)}`);
    }
  });
});
