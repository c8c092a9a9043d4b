// A plain-words overfitting verdict after each epoch, from the Keras-style History.
//
// It compares training metrics (loss, accuracy: running averages over the epoch, dropout on) with
// held-out metrics (val_loss, val_accuracy: the validation split, or the test set when there is none).
// The rules, checked in this order on the last epoch:
//   'none'        no complete epoch yet.
//   'watch'       the last epoch's numbers are NaN/infinite (nothing can be judged; a diverged run).
//   'watch'       'not-learning': train and held-out accuracy both less than NOT_LEARNING_PTS (10 points) above
//                 chance (100/classes %) after a whole epoch: the model all but guesses. A loss that explodes but
//                 stays finite (Adam at rate 10: 10–20% accuracy) ends here; its held-out loss can still fall by a
//                 third from one epoch to the next, or rise once, which the rules below would call "still learning"
//                 or a sign of overfitting. Where the loss function is known, its value says which way the rate is
//                 off: a loss that has been above OVERSHOOT × a guess's in some epoch (ln 10 for cross-entropy over 10
//                 classes: a guess scores 2.303; an exploded model scores 5–50,000) means steps that overshoot, so
//                 a lower rate; one that never was has barely moved, so a higher rate or more epochs. Unknown
//                 loss (a History alone): a lower rate, the usual cause.
//   'overfitting' held-out loss rose while training loss fell in each of the last RISE_EPOCHS (2)
//                 epochs: the classic sign that the model is memorising; or the accuracy gap
//                 (train − held-out) is ≥ GAP_AT_TOP_PTS (3 points) with train accuracy ≥ 99%:
//                 the training set is nearly learnt by heart but that does not carry over; or the
//                 gap is ≥ GAP_SEVERE_PTS (10 points) at any train accuracy (e.g. a tiny training set).
//   'watch'       held-out loss rose in the last epoch (one tick can be noise); or the gap is
//                 ≥ GAP_WATCH_PTS (1.5 points) and grew since the previous epoch; or the gap is
//                 ≥ GAP_AT_TOP_PTS (3 points) below the overfitting rules ('gap-wide'): a model that does
//                 clearly better on its training images is not "doing about as well" on new ones.
//   'ok'          otherwise (so the gap is < 3 points); the case 'still-learning' where held-out loss fell
//                 by ≥ STILL_LEARNING_RELATIVE (5%) of its value in the last epoch: the model has not finished
//                 learning, so more epochs should help (underfitting in the sense of TensorFlow's "Overfit and
//                 underfit" tutorial: room for improvement left, here because it has not been trained long
//                 enough). 5% is above the epoch-to-epoch jitter of a converged run's held-out loss (a few percent).
// A loss change smaller than FLAT_RELATIVE (0.1%) of its value counts as flat, so rounding-level
// jitter near convergence is not called a rise. Train accuracy is an average over an epoch in which
// the model was still improving, so early on it is often *below* held-out accuracy (a negative gap):
// that is fine and reported as such. An overfitting verdict ends with advice (verdict-remedies.ts): what is left
// to try, given what the run already uses against overfitting when the caller knows it.
import type { History } from './training-types';
import { describeLiveChange, type LiveChange } from './live-changes';
import { MODEL_INPUT } from './settings';
import { guessLoss, type LossName } from './ops/softmax_xent';
import { ADVISED_DROPOUT, LOW_DROPOUT, advisesDropout, orList, remediesFor, type Regularizers, type Remedy } from './verdict-remedies';

export type VerdictLevel = 'none' | 'ok' | 'watch' | 'overfitting';

export interface Verdict {
  level: VerdictLevel;
  title: string;
  detail: string;
  suggestDropout: boolean;
  /** The advice, unworded (verdict-remedies.ts): against overfitting, or more epochs for a model still learning. */
  remedies: Remedy[];
  /** How the gap and held-out loss moved since the last live change (sinceLastChange), in words. */
  since?: string;
}

export const RISE_EPOCHS = 2;
export const GAP_AT_TOP_PTS = 3;
export const TOP_TRAIN_ACCURACY = 0.99;
export const GAP_SEVERE_PTS = 10;
export const GAP_WATCH_PTS = 1.5;
export const FLAT_RELATIVE = 1e-3;
export const STILL_LEARNING_RELATIVE = 0.05;
export const NOT_LEARNING_PTS = 10;
export const OVERSHOOT = 1.5;
/**
 * A gap (train − held-out accuracy, in points) that is a lead of held-out accuracy, in words: one that rounds to
 * 0.0 is not ("a gap of 0.0 points", not "test is ahead by 0.0 points").
 */
export const heldOutLeads = (gapPts: number): boolean => gapPts <= -0.05;

/** What the verdict knows of the run beyond its History: the model's classes and the loss function. */
export interface RunFacts {
  classes?: number;
  loss?: LossName;
}

/** Which rule decided the verdict ("the rules" above, in order). */
export type VerdictCase = 'none' | 'not-finite' | 'not-learning' | 'rising' | 'gap-severe' | 'gap-at-top' | 'ticked-up' | 'gap-growing' | 'gap-wide' | 'still-learning' | 'ok';

/** What the rules found on the last epoch: everything a wording needs, nothing worded. */
export interface Judgement {
  case: VerdictCase;
  level: VerdictLevel;
  suggestDropout: boolean;
  /** Complete epochs judged. */
  epochs: number;
  /** What val_* holds: a validation split, the test set itself, or (without test_*) unknown held-out data. */
  heldOut: 'held-out' | 'validation' | 'test';
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Train − held-out accuracy in points, this epoch and the one before (NaN after one epoch). */
  gap: number;
  prevGap: number;
  /** Held-out loss of the epoch before (NaN after one epoch). */
  prevValLoss: number;
  /** How much held-out loss fell in the last epoch, in whole percent of prevValLoss (what 'still-learning' says). */
  valLossFallPct: number;
  /** Epochs in a row, ending with the last, in which held-out loss rose while train loss fell. */
  streak: number;
  /** The epoch (1-based) of the lowest held-out loss. */
  bestEpoch: number;
  /** The classes, and the accuracy of guessing among them (1 / classes) that 'not-learning' compares with. */
  classes: number;
  chance: number;
  /** The loss of a guess (guessLoss) where the run's loss function is known, else NaN. */
  guessLoss: number;
  /** 'not-learning': some epoch's loss was above OVERSHOOT × guessLoss (true), never was (false), or unknown loss. */
  overshoot?: boolean;
  /** What to try, in order (verdict-remedies.ts): against overfitting, or more epochs for a model still learning. */
  remedies: Remedy[];
  /** The dropout rate the run trains with, where known (the 'more-dropout' remedy names it). */
  dropoutRate?: number;
}

function rose(a: number, b: number): boolean {
  return b - a > FLAT_RELATIVE * Math.abs(a);
}
function fell(a: number, b: number): boolean {
  return a - b > FLAT_RELATIVE * Math.abs(a);
}

/** Whether val_* holds a validation split (it differs from test_*) or is the test set itself. */
function heldOutKind(h: History, n: number): Judgement['heldOut'] {
  const tl = h.test_loss ?? [];
  const ta = h.test_accuracy ?? [];
  if (tl.length < n || ta.length < n) return 'held-out';
  for (let i = 0; i < n; i++) {
    if (!Object.is(tl[i], h.val_loss[i]) || !Object.is(ta[i], h.val_accuracy[i])) return 'validation';
  }
  return 'test';
}

/**
 * The rules, once: the page (components/verdict.ts) and the report (overfittingVerdict) word the result.
 * `inUse`: what the run already does against overfitting, so that the advice skips it; absent, the lab's advice.
 * `run`: the model's classes (MNIST's and Fashion-MNIST's 10 where not given) and the loss function, where known.
 */
export function judgeOverfitting(h: History, inUse?: Regularizers, run: RunFacts = {}): Judgement {
  const classes = run.classes ?? MODEL_INPUT.classes;
  const n = Math.min(h.loss.length, h.accuracy.length, h.val_loss.length, h.val_accuracy.length);
  const last = n - 1;
  const facts = {
    epochs: n, heldOut: heldOutKind(h, n), loss: h.loss[last], accuracy: h.accuracy[last], valLoss: h.val_loss[last], valAccuracy: h.val_accuracy[last],
    gap: Number.NaN, prevGap: Number.NaN, prevValLoss: n > 1 ? h.val_loss[last - 1] : Number.NaN, streak: 0, bestEpoch: n, classes, chance: 1 / classes,
    guessLoss: run.loss ? guessLoss(run.loss, classes) : Number.NaN,
    valLossFallPct: n > 1 ? Math.round((1 - h.val_loss[last] / h.val_loss[last - 1]) * 100) : Number.NaN,
    ...(inUse ? { dropoutRate: inUse.dropoutRate } : {}),
  };
  const decide = (c: VerdictCase, level: VerdictLevel): Judgement => {
    const remedies: Remedy[] = level === 'overfitting' ? remediesFor(inUse, c === 'rising') : c === 'still-learning' ? ['more-epochs']
      : c === 'not-learning' ? (overshoot === false ? ['higher-learning-rate', 'more-epochs'] : ['lower-learning-rate']) : [];
    return { ...facts, case: c, level, suggestDropout: advisesDropout(remedies), remedies, ...(overshoot !== undefined ? { overshoot } : {}) };
  };
  let overshoot: boolean | undefined;
  if (n === 0) return decide('none', 'none');
  if (![facts.loss, facts.accuracy, facts.valLoss, facts.valAccuracy].every(Number.isFinite)) return decide('not-finite', 'watch');
  const guessing = facts.chance + NOT_LEARNING_PTS / 100;
  if (facts.accuracy < guessing && facts.valAccuracy < guessing) {
    const losses = [...h.loss.slice(0, n), ...h.val_loss.slice(0, n)].filter(Number.isFinite);
    if (run.loss) overshoot = losses.some((l) => l > OVERSHOOT * facts.guessLoss);
    return decide('not-learning', 'watch');
  }

  facts.gap = (facts.accuracy - facts.valAccuracy) * 100;
  if (n > 1) facts.prevGap = (h.accuracy[last - 1] - h.val_accuracy[last - 1]) * 100;
  for (let i = last; i > 0 && rose(h.val_loss[i - 1], h.val_loss[i]) && fell(h.loss[i - 1], h.loss[i]); i--) facts.streak++;
  let best = last;
  for (let i = 0; i < n; i++) if (h.val_loss[i] < h.val_loss[best]) best = i;
  facts.bestEpoch = best + 1;

  if (facts.streak >= RISE_EPOCHS) return decide('rising', 'overfitting');
  if (facts.gap >= GAP_SEVERE_PTS) return decide('gap-severe', 'overfitting');
  if (facts.gap >= GAP_AT_TOP_PTS && facts.accuracy >= TOP_TRAIN_ACCURACY) return decide('gap-at-top', 'overfitting');
  if (n > 1 && rose(facts.prevValLoss, facts.valLoss)) return decide('ticked-up', 'watch');
  if (facts.gap >= GAP_WATCH_PTS && facts.gap > facts.prevGap) return decide('gap-growing', 'watch');
  if (facts.gap >= GAP_AT_TOP_PTS) return decide('gap-wide', 'watch');
  // prevValLoss > 0: a hinge loss can sit at exactly 0, which is not a fall.
  if (n > 1 && facts.prevValLoss > 0 && facts.prevValLoss - facts.valLoss >= STILL_LEARNING_RELATIVE * facts.prevValLoss) return decide('still-learning', 'ok');
  return decide('ok', 'ok');
}

/**
 * How the held-out figures moved since the run's last live change (live-changes.ts): the lab's "add dropout
 * and look again", answered on the same run. From the last epoch complete before the change to the last
 * epoch now; undefined without a change, before an epoch has ended after it, for a change in the first
 * epoch (nothing before it to compare) or where either epoch's figures are not numbers.
 */
export interface SinceChange {
  /** The changes made at that step (a rate and dropout changed together are one moment). */
  changes: LiveChange[];
  /** The last epoch complete before the change and the last epoch now (1-based). */
  before: number;
  after: number;
  /** Train − held-out accuracy in points, and held-out loss, at those epochs. */
  gapBefore: number;
  gapAfter: number;
  valLossBefore: number;
  valLossAfter: number;
}

export function sinceLastChange(h: History): SinceChange | undefined {
  const list = h.live_changes;
  if (!list?.length) return undefined;
  const step = list[list.length - 1].step;
  const changes = list.filter((c) => c.step === step);
  const n = Math.min(h.loss.length, h.accuracy.length, h.val_loss.length, h.val_accuracy.length);
  const before = Math.floor(changes[0].epoch);
  if (before < 1 || n <= before) return undefined;
  const gap = (i: number) => (h.accuracy[i] - h.val_accuracy[i]) * 100;
  const since = { changes, before, after: n, gapBefore: gap(before - 1), gapAfter: gap(n - 1), valLossBefore: h.val_loss[before - 1], valLossAfter: h.val_loss[n - 1] };
  return [since.gapBefore, since.gapAfter, since.valLossBefore, since.valLossAfter].every(Number.isFinite) ? since : undefined;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pts = (v: number) => `${Math.abs(v).toFixed(1)} point${Math.abs(v).toFixed(1) === '1.0' ? '' : 's'}`;
const num = (v: number) => (Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toPrecision(2));

/** sinceLastChange in English; undefined without one. */
function sinceText(c: SinceChange | undefined, held: string): string | undefined {
  if (!c) return undefined;
  const signed = (v: number) => `${v.toFixed(1)} point${v.toFixed(1) === '1.0' || v.toFixed(1) === '-1.0' ? '' : 's'}`;
  const at = Number(c.changes[0].epoch.toFixed(2));
  const text = `Since epoch ${at} (${c.changes.map(describeLiveChange).join(', ')}): the gap between train and ${held} accuracy went from ${signed(c.gapBefore)} to ` +
    `${signed(c.gapAfter)}, ${held} loss from ${num(c.valLossBefore)} to ${num(c.valLossAfter)} (epoch ${c.before} → epoch ${c.after}).`;
  return c.changes.some((x) => x.setting === 'dropout') ? `${text} Train accuracy is measured with dropout on, so a dropout change moves it too: ${held} loss is the fairer judge.` : text;
}

const REMEDY_WORDS: Record<Remedy, (rate: number) => string> = {
  dropout: () => `dropout (${LOW_DROPOUT}–${ADVISED_DROPOUT})`,
  'more-dropout': (rate) => `more dropout (${ADVISED_DROPOUT} rather than ${Number(rate.toFixed(2))})`,
  'dropout-layer': () => `a dropout layer (rate ${LOW_DROPOUT}–${ADVISED_DROPOUT})`,
  'weight-decay': () => 'weight decay',
  augmentation: () => 'augmentation (random shifts and rotations)',
  'early-stopping': () => 'early stopping',
  'fewer-epochs': () => 'fewer epochs',
  'more-data': () => 'more training data',
  'smaller-model': () => 'a smaller model',
  'more-epochs': () => 'more epochs',
  'lower-learning-rate': () => 'a learning rate ten times lower',
  'higher-learning-rate': () => 'a learning rate ten times higher',
};

/** The advice as one sentence: "Try dropout (0.2–0.5), fewer epochs, more training data or a smaller model." */
function adviceText(j: Judgement): string {
  return `Try ${orList(j.remedies.map((r) => REMEDY_WORDS[r](j.dropoutRate ?? 0)), 'or')}.`;
}

/** The verdict in English, for the experiments report and the command line; `inUse` and `classes` as for judgeOverfitting. */
export function overfittingVerdict(h: History, inUse?: Regularizers, run?: RunFacts): Verdict {
  const j = judgeOverfitting(h, inUse, run);
  const { level, suggestDropout, epochs: n, heldOut: held } = j;
  const since = sinceText(sinceLastChange(h), held);
  const verdict = (title: string, detail: string): Verdict => ({ level, title, detail, suggestDropout, remedies: j.remedies, ...(since ? { since } : {}) });
  if (j.case === 'none') return verdict('No verdict yet', 'A verdict on over- or underfitting appears after the first epoch.');
  const Held = held[0].toUpperCase() + held.slice(1);
  const epochWord = `after ${n} epoch${n === 1 ? '' : 's'}`;
  if (j.case === 'not-finite') {
    return verdict('Cannot judge: the metrics are not numbers', `The loss or accuracy ${epochWord} is NaN or infinite, which usually means training diverged. Try a lower learning rate.`);
  }
  const { accuracy: acc, valAccuracy: vAcc, gap } = j;
  const gapText = !heldOutLeads(gap)
    ? `Train accuracy ${pct(acc)}, ${held} accuracy ${pct(vAcc)}: a gap of ${pts(gap)}.`
    : `Train accuracy ${pct(acc)}, ${held} accuracy ${pct(vAcc)}: ${held} is ahead by ${pts(gap)} (train accuracy is averaged over an epoch in which the model was still learning).`;
  const facts = `${gapText} Train loss ${num(j.loss)}, ${held} loss ${num(j.valLoss)}.`;
  switch (j.case) {
    case 'not-learning': {
      const guessed = `Train accuracy ${pct(acc)}, ${held} accuracy ${pct(vAcc)} ${epochWord}: close to guessing one of ${j.classes} classes (${pct(j.chance)}).`;
      const losses = `Train loss ${num(j.loss)}, ${held} loss ${num(j.valLoss)}`;
      const why = j.overshoot === undefined
        ? `${losses}. The usual cause is a learning rate too high for the optimizer: the steps overshoot, and the loss jumps about or explodes (if instead it barely moves, the rate is too low).`
        : j.overshoot
          ? `${losses}; a guess scores ${num(j.guessLoss)}, and the loss has been far above that: the learning rate is too high for the optimizer, so the steps overshoot.`
          : `${losses}; a guess scores ${num(j.guessLoss)}, and the loss has stayed near that: the steps are too small to move it (a learning rate too low for the optimizer), or the model needs more epochs.`;
      return verdict('Not learning', `${guessed} ${why} ${adviceText(j)}`);
    }
    case 'rising':
      return verdict('Overfitting', `${Held} loss has risen for ${j.streak} epochs in a row while train loss kept falling: the model is memorising the training images. ${facts} ` +
        `${Held} loss was lowest after epoch ${j.bestEpoch}. ${adviceText(j)}`);
    case 'gap-severe':
    case 'gap-at-top': {
      const why = j.case === 'gap-severe'
        ? `Train accuracy is ${pts(gap)} above ${held} accuracy`
        : `The model gets ${pct(acc)} of the training images right but clearly fewer ${held} images`;
      return verdict('Overfitting', `${why}: what it learnt does not carry over to new images. ${facts} ${adviceText(j)}`);
    }
    case 'ticked-up':
      return verdict(`Watch: ${held} loss went up`, `${Held} loss rose in the last epoch (${num(j.prevValLoss)} → ${num(j.valLoss)}). A single rise can be noise; if it keeps rising while train loss falls, the model is overfitting. ${facts}`);
    case 'gap-growing':
      // From a held-out lead, "grew from 25.8 points" would hide the sign.
      return verdict('Watch: the gap is growing', `${!heldOutLeads(j.prevGap)
        ? `The gap between train and ${held} accuracy grew from ${pts(j.prevGap)} to ${pts(gap)}.`
        : `Train accuracy went from ${pts(j.prevGap)} below ${held} accuracy to ${pts(gap)} above it.`} ${facts}`);
    case 'gap-wide':
      return verdict('Watch: a wide gap', `Train accuracy is ${pts(gap)} above ${held} accuracy: the model does clearly better on its training images than on new ones, ` +
        `though the gap is not growing; if it grows, the model is overfitting. ${facts}`);
    case 'still-learning':
      return verdict('No sign of overfitting; still learning', `${facts} ${Held} loss fell ${j.valLossFallPct}% in the last epoch (${num(j.prevValLoss)} → ${num(j.valLoss)}): ` +
        'the model has not finished learning (it underfits), so more epochs should help.');
    default:
      return verdict('No sign of overfitting', `${facts} The model does about as well on images it has not seen as on its training images ${epochWord}.`);
  }
}
