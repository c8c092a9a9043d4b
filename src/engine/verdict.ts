// A plain-words overfitting verdict after each epoch, from the Keras-style History.
//
// It compares training metrics (loss, accuracy: running averages over the epoch, dropout on) with
// held-out metrics (val_loss, val_accuracy: the validation split, or the test set when there is none).
// The rules, checked in this order on the last epoch:
//   'none'        no complete epoch yet.
//   'watch'       the last epoch's numbers are NaN/infinite (nothing can be judged; a diverged run).
//   'overfitting' held-out loss rose while training loss fell in each of the last RISE_EPOCHS (2)
//                 epochs: the classic sign that the model is memorising; or the accuracy gap
//                 (train − held-out) is ≥ GAP_AT_TOP_PTS (3 points) with train accuracy ≥ 99%:
//                 the training set is nearly learnt by heart but that does not carry over; or the
//                 gap is ≥ GAP_SEVERE_PTS (10 points) at any train accuracy (e.g. a tiny training set).
//   'watch'       held-out loss rose in the last epoch (one tick can be noise); or the gap is
//                 ≥ GAP_WATCH_PTS (1.5 points) and grew since the previous epoch.
//   'ok'          otherwise.
// A loss change smaller than FLAT_RELATIVE (0.1%) of its value counts as flat, so rounding-level
// jitter near convergence is not called a rise. Train accuracy is an average over an epoch in which
// the model was still improving, so early on it is often *below* held-out accuracy (a negative gap):
// that is fine and reported as such.
import type { History } from './training-types';

export type VerdictLevel = 'none' | 'ok' | 'watch' | 'overfitting';

export interface Verdict {
  level: VerdictLevel;
  title: string;
  detail: string;
  suggestDropout: boolean;
}

export const RISE_EPOCHS = 2;
export const GAP_AT_TOP_PTS = 3;
export const TOP_TRAIN_ACCURACY = 0.99;
export const GAP_SEVERE_PTS = 10;
export const GAP_WATCH_PTS = 1.5;
export const FLAT_RELATIVE = 1e-3;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pts = (v: number) => `${Math.abs(v).toFixed(1)} point${Math.abs(v).toFixed(1) === '1.0' ? '' : 's'}`;
const num = (v: number) => (Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toPrecision(2));

function rose(a: number, b: number): boolean {
  return b - a > FLAT_RELATIVE * Math.abs(a);
}
function fell(a: number, b: number): boolean {
  return a - b > FLAT_RELATIVE * Math.abs(a);
}

/** Whether val_* holds a validation split (it differs from test_*) or is the test set itself. */
function heldOutName(h: History, n: number): string {
  const tl = h.test_loss ?? [];
  const ta = h.test_accuracy ?? [];
  if (tl.length < n || ta.length < n) return 'held-out';
  for (let i = 0; i < n; i++) {
    if (!Object.is(tl[i], h.val_loss[i]) || !Object.is(ta[i], h.val_accuracy[i])) return 'validation';
  }
  return 'test';
}

export function overfittingVerdict(h: History): Verdict {
  const n = Math.min(h.loss.length, h.accuracy.length, h.val_loss.length, h.val_accuracy.length);
  if (n === 0) {
    return { level: 'none', title: 'No verdict yet', detail: 'A verdict on over- or underfitting appears after the first epoch.', suggestDropout: false };
  }
  const held = heldOutName(h, n);
  const Held = held[0].toUpperCase() + held.slice(1);
  const last = n - 1;
  const loss = h.loss[last];
  const acc = h.accuracy[last];
  const vLoss = h.val_loss[last];
  const vAcc = h.val_accuracy[last];
  const epochWord = `after ${n} epoch${n === 1 ? '' : 's'}`;
  if (![loss, acc, vLoss, vAcc].every(Number.isFinite)) {
    return {
      level: 'watch',
      title: 'Cannot judge: the metrics are not numbers',
      detail: `The loss or accuracy ${epochWord} is NaN or infinite, which usually means training diverged. Try a lower learning rate.`,
      suggestDropout: false,
    };
  }

  const gap = (acc - vAcc) * 100;
  const prevGap = n > 1 ? (h.accuracy[last - 1] - h.val_accuracy[last - 1]) * 100 : Number.NaN;
  // Consecutive epochs, ending with the last, in which held-out loss rose while training loss fell.
  let streak = 0;
  for (let i = last; i > 0 && rose(h.val_loss[i - 1], h.val_loss[i]) && fell(h.loss[i - 1], h.loss[i]); i--) streak++;
  const tickedUp = n > 1 && rose(h.val_loss[last - 1], vLoss);
  let best = last;
  for (let i = 0; i < n; i++) if (h.val_loss[i] < h.val_loss[best]) best = i;

  const gapText = gap >= 0
    ? `Train accuracy ${pct(acc)}, ${held} accuracy ${pct(vAcc)}: a gap of ${pts(gap)}.`
    : `Train accuracy ${pct(acc)}, ${held} accuracy ${pct(vAcc)}: ${held} is ahead by ${pts(gap)} (train accuracy is averaged over an epoch in which the model was still learning).`;
  const lossText = `Train loss ${num(loss)}, ${held} loss ${num(vLoss)}.`;
  const facts = `${gapText} ${lossText}`;

  if (streak >= RISE_EPOCHS) {
    return {
      level: 'overfitting',
      title: 'Overfitting',
      detail: `${Held} loss has risen for ${streak} epochs in a row while train loss kept falling: the model is memorising the training images. ${facts} ` +
        `${Held} loss was lowest after epoch ${best + 1}. Try dropout (0.2–0.5), fewer epochs, more training data or a smaller model.`,
      suggestDropout: true,
    };
  }
  if ((gap >= GAP_AT_TOP_PTS && acc >= TOP_TRAIN_ACCURACY) || gap >= GAP_SEVERE_PTS) {
    const why = gap >= GAP_SEVERE_PTS
      ? `Train accuracy is ${pts(gap)} above ${held} accuracy`
      : `The model gets ${pct(acc)} of the training images right but clearly fewer ${held} images`;
    return {
      level: 'overfitting',
      title: 'Overfitting',
      detail: `${why}: what it learnt does not carry over to new images. ${facts} Try dropout (0.2–0.5), more training data or a smaller model.`,
      suggestDropout: true,
    };
  }
  if (tickedUp) {
    return {
      level: 'watch',
      title: `Watch: ${held} loss went up`,
      detail: `${Held} loss rose in the last epoch (${num(h.val_loss[last - 1])} → ${num(vLoss)}). Once can be noise; if it keeps rising while train loss falls, the model is overfitting. ${facts}`,
      suggestDropout: false,
    };
  }
  if (gap >= GAP_WATCH_PTS && gap > prevGap) {
    return {
      level: 'watch',
      title: 'Watch: the gap is growing',
      detail: `The gap between train and ${held} accuracy grew from ${pts(prevGap)} to ${pts(gap)}. ${facts}`,
      suggestDropout: false,
    };
  }
  return {
    level: 'ok',
    title: 'No sign of overfitting',
    detail: `${facts} The model does about as well on images it has not seen as on its training images ${epochWord}.`,
    suggestDropout: false,
  };
}
