// Measured results of the experiments and what they say: the train–test gap, rankings, and the
// conclusion sentences of the report, generated from the numbers (nothing here is hard-coded).
// Pure functions, tested in the browser.
import type { History } from '../../engine/trainer';
import { OPTIMIZER_NAMES, type Experiment, type RunSpec } from './plan';

export interface SetMetrics {
  loss: number;
  accuracy: number;
}

export interface TestMetrics extends SetMetrics {
  /** Per class, in label order. */
  recall: number[];
  precision: number[];
  f1: number[];
}

export interface RunResult {
  spec: RunSpec;
  parameters: number;
  /** Keras-style: train metrics are running averages over each epoch, with dropout active. */
  history: History;
  /** Seconds spent in training steps (evaluations excluded). */
  trainSeconds: number;
  /** Wall-clock seconds of the whole run: model build, training, every evaluation. */
  seconds: number;
  /** Training images per second (trainSeconds). */
  imagesPerSec: number;
  /** The whole training subset re-evaluated after the last epoch with dropout off. */
  train?: SetMetrics;
  /** The test subset after the last epoch. */
  test?: TestMetrics;
  /** Set when the loss became NaN/infinite: the trainer's message. */
  diverged?: string;
}

export interface ExperimentResult {
  experiment: Experiment;
  datasetName: string;
  classNames: string[];
  runs: RunResult[];
}

export interface Gap {
  /** train accuracy − test accuracy, in percentage points (train re-evaluated with dropout off). */
  accuracyPoints: number;
  /** test loss − train loss. */
  loss: number;
  /** Keras-style: the last epoch's running train accuracy (dropout on) − test accuracy, in points. */
  runningAccuracyPoints: number;
  /** The 1-based epoch with the lowest test loss, that loss, and how far the final test loss is above it. */
  bestEpoch: number;
  bestTestLoss: number;
  finalTestLoss: number;
  testLossRise: number;
}

const last = (a: number[]): number => (a.length ? a[a.length - 1] : Number.NaN);

/** The final train metrics: the dropout-off re-evaluation when there is one, else the last epoch's running values. */
export function finalTrain(r: RunResult): SetMetrics {
  return r.train ?? { loss: last(r.history.loss), accuracy: last(r.history.accuracy) };
}

export function finalTest(r: RunResult): SetMetrics {
  return r.test ?? { loss: last(r.history.test_loss), accuracy: last(r.history.test_accuracy) };
}

export function gapOf(r: RunResult): Gap {
  const train = finalTrain(r);
  const test = finalTest(r);
  const h = r.history;
  let best = -1;
  h.test_loss.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v < h.test_loss[best])) best = i;
  });
  const bestTestLoss = best < 0 ? Number.NaN : h.test_loss[best];
  return {
    accuracyPoints: (train.accuracy - test.accuracy) * 100,
    loss: test.loss - train.loss,
    runningAccuracyPoints: (last(h.accuracy) - test.accuracy) * 100,
    bestEpoch: best + 1,
    bestTestLoss,
    finalTestLoss: test.loss,
    testLossRise: test.loss - bestTestLoss,
  };
}

export const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
export const points = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
export const num = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
export const secs = (x: number): string => (!Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
/** Images per second: whole numbers from 10 up, one decimal below. */
export const rate = (x: number): string => (!Number.isFinite(x) ? 'n/a' : x >= 10 ? int(x) : x.toFixed(1));

const ok = (r: RunResult) => !r.diverged && Number.isFinite(finalTest(r).accuracy);
const byTestAccuracy = (runs: RunResult[]) => runs.filter(ok).sort((a, b) => finalTest(b).accuracy - finalTest(a).accuracy);

/** "cut … from a to b", "widened … from a to b", "left … at a" (differences under `eps` count as none). */
function change(what: string, a: number, b: number, fmt: (x: number) => string, eps: number, unit = ''): string {
  if (b < a - eps) return `cut ${what} from ${fmt(a)} to ${fmt(b)}${unit}`;
  if (b > a + eps) return `widened ${what} from ${fmt(a)} to ${fmt(b)}${unit}`;
  return `left ${what} about the same (${fmt(a)} → ${fmt(b)}${unit})`;
}

function divergedNote(runs: RunResult[]): string {
  const d = runs.filter((r) => r.diverged);
  if (!d.length) return '';
  return ` Left out of the ranking because the loss diverged: ${d.map((r) => `${r.spec.label} (${r.diverged!.replace(/;.*$/, '').replace(/^The loss/, 'the loss')})`).join('; ')}.`;
}

/** "Dropout (0.2 on the input, 0.5 after the hidden layers)", read from the run's model. */
export function dropoutPhrase(spec: RunSpec): string {
  const layers = spec.model.layers;
  const parts: string[] = [];
  const hidden: number[] = [];
  layers.forEach((l, i) => {
    if (l.type !== 'dropout') return;
    if (layers.slice(0, i).every((p) => p.type === 'flatten' || p.type === 'dropout')) parts.push(`${l.rate} on the input`);
    else hidden.push(l.rate);
  });
  if (hidden.length) parts.push(new Set(hidden).size === 1 ? `${hidden[0]} after the hidden layers` : `${hidden.join(', ')} after the hidden layers`);
  return parts.length ? `Dropout (${parts.join(', ')})` : 'The second run';
}

function overfitting(runs: RunResult[]): string[] {
  const [plain, drop] = runs;
  if (!plain || !drop || !ok(plain) || !ok(drop)) return [`Not enough completed runs to compare.${divergedNote(runs)}`];
  const g0 = gapOf(plain), g1 = gapOf(drop);
  const t0 = finalTrain(plain), t1 = finalTest(plain), e1 = finalTest(drop);
  const n = plain.spec.trainLimit, epochs = plain.history.loss.length;
  const out: string[] = [];
  out.push(`Without dropout the network fitted its ${int(n)} training images to ${pct(t0.accuracy)} accuracy (loss ${num(t0.loss)}) ` +
    `but reached ${pct(t1.accuracy)} on the test images: a gap of ${points(g0.accuracyPoints)} points in accuracy and ${num(g0.loss)} in loss.`);
  const rose = g0.testLossRise > Math.max(0.02, 0.05 * g0.bestTestLoss);
  const trainFell = last(plain.history.loss) < plain.history.loss[g0.bestEpoch - 1];
  out.push(rose
    ? `Its test loss was lowest at epoch ${g0.bestEpoch} (${num(g0.bestTestLoss)}) and then rose to ${num(g0.finalTestLoss)} by epoch ${epochs}` +
      `${trainFell ? ' while the training loss kept falling' : ''}: the signature of overfitting.`
    : `Its test loss was lowest at epoch ${g0.bestEpoch} (${num(g0.bestTestLoss)}) and ended at ${num(g0.finalTestLoss)}, so the test loss did not clearly turn upwards in ${epochs} epoch${epochs === 1 ? '' : 's'}.`);
  out.push(`${dropoutPhrase(drop.spec)} ${change('the final train–test accuracy gap', g0.accuracyPoints, g1.accuracyPoints, points, 0.05, ' points')} and ` +
    `${change('the loss gap', g0.loss, g1.loss, (x) => num(x), 0.0005)}; ` +
    `test accuracy went from ${pct(t1.accuracy)} to ${pct(e1.accuracy)} and the final test loss from ${num(g0.finalTestLoss)} to ${num(g1.finalTestLoss)} ` +
    `(lowest at epoch ${g1.bestEpoch}, ${num(g1.bestTestLoss)}).`);
  out.push(`Measured as Keras reports it, with the training accuracy averaged over the last epoch while dropout is active, ` +
    `the gaps were ${points(g0.runningAccuracyPoints)} and ${points(g1.runningAccuracyPoints)} points.`);
  return out;
}

function compareModels(e: Experiment, runs: RunResult[]): string[] {
  const ranked = byTestAccuracy(runs);
  if (!ranked.length) return [`No run completed.${divergedNote(runs)}`];
  const [best, ...rest] = ranked;
  const out: string[] = [];
  out.push(`The highest test accuracy was ${best.spec.label}'s, ${pct(finalTest(best).accuracy)}, with ${int(best.parameters)} parameters` +
    (rest.length ? `; ${rest.map((r) => `${r.spec.label} reached ${pct(finalTest(r).accuracy)} with ${int(r.parameters)}`).join(', ')}.` : '.'));
  const speed = runs.filter(ok).sort((a, b) => b.imagesPerSec - a.imagesPerSec);
  if (speed.length > 1) {
    const f = speed[0], s = speed[speed.length - 1];
    out.push(`Training speed on this adapter ranged from ${rate(s.imagesPerSec)} images/s (${s.spec.label}) to ${rate(f.imagesPerSec)} images/s (${f.spec.label}), ` +
      `${ratio(f.imagesPerSec / s.imagesPerSec)}× apart.`);
  }
  if (e.kind === 'conv-blocks' && runs.length >= 2) {
    const a = runs[0], z = runs[runs.length - 1];
    out.push(`Going from ${a.spec.label} to ${z.spec.label} changed the parameter count from ${int(a.parameters)} to ${int(z.parameters)} ` +
      `(each block pools the image smaller, so the final dense layer gets fewer inputs) and the test accuracy from ${pct(finalTest(a).accuracy)} to ${pct(finalTest(z).accuracy)}.`);
  }
  const s = runs[0].spec;
  out.push(`With ${int(s.trainLimit)} training images and ${s.epochs} epoch${s.epochs > 1 ? 's' : ''}, these numbers compare the models early in training, ` +
    'not at their best accuracy.');
  return [...out, divergedNote(runs).trim()].filter(Boolean);
}

function activations(runs: RunResult[]): string[] {
  const ranked = byTestAccuracy(runs);
  if (!ranked.length) return [`No run completed.${divergedNote(runs)}`];
  const best = ranked[0], worst = ranked[ranked.length - 1];
  const out = [`Ranked by test accuracy: ${ranked.map((r) => `${r.spec.label} ${pct(finalTest(r).accuracy)}`).join(', ')}.`];
  if (ranked.length > 1) {
    out.push(`With ${worst.spec.label} the network trailed ${best.spec.label} by ${points((finalTest(best).accuracy - finalTest(worst).accuracy) * 100)} points; ` +
      `after the first epoch its training loss was ${num(worst.history.loss[0])} against ${num(best.history.loss[0])}.`);
  }
  return [...out, divergedNote(runs).trim()].filter(Boolean);
}

/** The run with the same optimizer and rate as `c`, held constant (for a cosine run `c`). */
export function constantTwin(runs: readonly RunResult[], c: RunResult): RunResult | undefined {
  return runs.find((r) => r.spec.lrSchedule !== 'cosine' && r.spec.optimizer.name === c.spec.optimizer.name && r.spec.optimizer.learningRate === c.spec.optimizer.learningRate);
}

/** Each cosine run against the same optimizer and rate held constant. */
function cosineSentence(runs: RunResult[]): string[] {
  const pairs = runs.filter((r) => r.spec.lrSchedule === 'cosine' && r.test && !r.diverged).flatMap((c) => {
    const twin = constantTwin(runs, c);
    return twin?.test && !twin.diverged ? [{ c, gain: (finalTest(c).accuracy - finalTest(twin).accuracy) * 100, twin }] : [];
  });
  if (!pairs.length) return [];
  const helped = pairs.filter((p) => p.gain > 0).length;
  const verdict = helped === pairs.length ? 'decaying the rate let every such run settle higher than the constant rate did'
    : helped === 0 ? 'here decaying the rate did not help' : `decaying the rate helped in ${helped} of ${pairs.length} cases`;
  return [`With cosine decay, ${pairs.map((p) => `${p.twin.spec.label} ended at ${pct(finalTest(p.c).accuracy)} against ${pct(finalTest(p.twin).accuracy)} at a constant rate (${p.gain >= 0 ? '+' : '−'}${points(Math.abs(p.gain))} points)`).join(', and ')}: ${verdict}.`];
}

function optimizers(all: RunResult[]): string[] {
  // The rankings compare optimizers and rates at a constant rate; the cosine runs get their own sentence.
  const runs = all.filter((r) => r.spec.lrSchedule !== 'cosine');
  const ranked = byTestAccuracy(runs);
  if (!ranked.length) return [`No run completed.${divergedNote(runs)}`];
  const lead = runs.length < all.length ? 'At a constant rate, the best run was' : 'The best run was';
  const out = [`${lead} ${ranked[0].spec.label} with ${pct(finalTest(ranked[0]).accuracy)} test accuracy; the worst completed run was ` +
    `${ranked[ranked.length - 1].spec.label} with ${pct(finalTest(ranked[ranked.length - 1]).accuracy)}.`];
  const groups = new Map<string, RunResult[]>();
  for (const r of ranked) groups.set(r.spec.optimizer.name, [...(groups.get(r.spec.optimizer.name) ?? []), r]);
  const bests = [...groups.values()].map((g) => g[0]);
  out.push(`Best learning rate per optimizer: ${bests.map((r) => `${r.spec.label} (${pct(finalTest(r).accuracy)})`).join(', ')}.`);
  const within = [...groups.values()].filter((g) => g.length > 1)
    .map((g) => ({ r: g[0], spread: (finalTest(g[0]).accuracy - finalTest(g[g.length - 1]).accuracy) * 100 }))
    .sort((a, b) => b.spread - a.spread)[0];
  if (within && bests.length > 1) {
    const between = (finalTest(bests[0]).accuracy - finalTest(bests[bests.length - 1]).accuracy) * 100;
    out.push(`Changing the learning rate moved one optimizer's result by up to ${points(within.spread)} points (${OPTIMIZER_NAMES[within.r.spec.optimizer.name]}), ` +
      `while the optimizers at their best learning rates were ${points(between)} points apart: ` +
      `${within.spread > between ? 'the learning rate mattered more than the choice of optimizer' : 'here the choice of optimizer mattered more than the learning rate'}.`);
  }
  return [...out, ...cosineSentence(all), divergedNote(all).trim()].filter(Boolean);
}

/** Per-class sentences for data sets with named classes: the hardest class per model and the biggest gain. */
export function perClassConclusion(r: ExperimentResult): string[] {
  const runs = r.runs.filter((x) => x.test && !x.diverged);
  if (!runs.length) return [];
  const names = r.classNames;
  const out = [runs.map((x) => {
    const rec = x.test!.recall;
    const low = Math.min(...rec);
    const hardest = names.filter((_, c) => rec[c] === low);
    return `for ${x.spec.label} the hardest class${hardest.length > 1 ? 'es were' : ' was'} ${hardest.join(', ')} (recall ${pct(low)})`;
  }).join('; ').replace(/^f/, 'F') + '.'];
  if (runs.length >= 2) {
    const [a, b] = [runs[0], runs[runs.length - 1]];
    const diff = names.map((_, i) => b.test!.recall[i] - a.test!.recall[i]);
    const i = diff.indexOf(Math.max(...diff));
    out.push(`The largest gain of ${b.spec.label} over ${a.spec.label} was on ${names[i]} (recall ${pct(a.test!.recall[i])} → ${pct(b.test!.recall[i])}).`);
  }
  return out;
}

/** The conclusion of one experiment, as sentences built from its measured values. */
export function conclusion(r: ExperimentResult): string[] {
  switch (r.experiment.kind) {
    case 'overfitting': return overfitting(r.runs);
    case 'architectures':
    case 'conv-blocks': return [...compareModels(r.experiment, r.runs), ...(r.experiment.perClass ? perClassConclusion(r) : [])];
    case 'activations': return activations(r.runs);
    case 'optimizers': return optimizers(r.runs);
  }
}
