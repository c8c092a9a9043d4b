// Measured results of the experiments and what they say: the train–test gap, rankings, and the
// conclusion sentences of the report, generated from the numbers (nothing here is hard-coded).
// Pure functions, tested in the browser.
import { OPTIMIZER_NAMES, runRegularizers, type Experiment, type RunSpec } from './plan';
import { completed, noiseSentence, pctSpread, pointsSpread, spread, type RunResult, type SetMetrics } from './seeds';
import { overfittingVerdict } from '../../engine/verdict';
import { DEFAULT_SETTINGS } from '../../engine/settings';

export type { RunResult, SeedRun, SetMetrics, TestMetrics } from './seeds';

export interface ExperimentResult {
  experiment: Experiment;
  /** Read from a results.json whose runs differ from the current plan's (the intro then describes runs not shown). */
  stale?: boolean;
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
  /**
   * Per seed (the completed ones): the 1-based epoch of its lowest test loss, and the epochs it trained (early
   * stopping ends seeds at different epochs). The lowest test loss is the mean of each seed's lowest, so that the
   * rise (final − lowest, a mean of per-seed rises) is never below zero, as the minimum of the mean curve would make
   * it where seeds stop early and restore their best weights.
   */
  bestEpochs: number[];
  epochsTrained: number[];
  bestTestLoss: number;
  finalTestLoss: number;
  testLossRise: number;
}

/** "8" where every seed agrees, else "7–9". */
export const epochRange = (list: number[]): string => {
  const lo = Math.min(...list), hi = Math.max(...list);
  return !list.length ? 'n/a' : lo === hi ? String(lo) : `${lo}–${hi}`;
};
const atEpochs = (list: number[]): string => `epoch${new Set(list).size > 1 ? 's' : ''} ${epochRange(list)}`;
const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];

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
  const seeds = completed(r).length ? completed(r) : r.seeds;
  // Each seed's lowest finite test loss and its index (seeds with none left out).
  const lows = seeds.flatMap((s) => {
    const t = s.history.test_loss;
    let best = -1;
    t.forEach((v, i) => {
      if (Number.isFinite(v) && (best < 0 || v < t[best])) best = i;
    });
    return best < 0 ? [] : [{ epoch: best + 1, loss: t[best] }];
  });
  const bestTestLoss = lows.length ? lows.reduce((a, v) => a + v.loss, 0) / lows.length : Number.NaN;
  return {
    accuracyPoints: (train.accuracy - test.accuracy) * 100,
    loss: test.loss - train.loss,
    runningAccuracyPoints: (last(h.accuracy) - test.accuracy) * 100,
    bestEpochs: lows.map((v) => v.epoch),
    epochsTrained: seeds.map((s) => s.history.loss.length),
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

/** The per-seed train − test accuracy gap (train re-evaluated with dropout off), as fractions. */
export const gapSpread = (r: RunResult) => spread(r, (s) => (s.train && s.test ? s.train.accuracy - s.test.accuracy : undefined));
const testAccSpread = (r: RunResult) => spread(r, (s) => s.test?.accuracy);

export interface RegularizerEffect {
  run: RunResult;
  /** Mean accuracy gaps in points, before (the unregularized run) and after. */
  before: number;
  after: number;
  /** after ≤ before / 2. */
  halved: boolean;
}

/** The unregularized run ('no-dropout', else the first) and what each other run did to its gap. */
export function regularizerEffects(runs: RunResult[]): { base?: RunResult; effects: RegularizerEffect[] } {
  const base = runs.find((r) => r.spec.id === 'no-dropout') ?? runs[0];
  if (!base || !ok(base)) return { effects: [] };
  const before = gapSpread(base).mean * 100;
  const effects = runs.filter((r) => r !== base && ok(r)).map((run) => {
    const after = gapSpread(run).mean * 100;
    return { run, before, after, halved: after <= before / 2 };
  });
  return { base, effects };
}

const pctCut = (a: number, b: number) => `${a > b ? '−' : '+'}${Math.abs((1 - b / a) * 100).toFixed(0)}%`;

function overfitting(runs: RunResult[]): string[] {
  const { base, effects } = regularizerEffects(runs);
  if (!base) return [`Not enough completed runs to compare.${divergedNote(runs)}`];
  const g0 = gapOf(base), t0 = finalTrain(base);
  const n = base.spec.trainLimit, epochs = Math.max(...g0.epochsTrained), seeds = base.seeds.length;
  const lowest = (g: Gap) => `${atEpochs(g.bestEpochs)} (${num(g.bestTestLoss)}${g.bestEpochs.length > 1 ? ', the mean of each seed\'s lowest' : ''})`;
  const out: string[] = [];
  out.push(`Without regularization the network fitted its ${int(n)} training images to ${pct(t0.accuracy)} accuracy (loss ${num(t0.loss)}) ` +
    `but reached ${pctSpread(testAccSpread(base))} on the test images: a gap of ${pointsSpread(gapSpread(base))} points in accuracy and ${num(g0.loss)} in loss` +
    `${seeds > 1 ? ` (mean ± standard deviation over ${seeds} seeds)` : ''}.`);
  const rose = g0.testLossRise > Math.max(0.02, 0.05 * g0.bestTestLoss);
  const trainFell = last(base.history.loss) < base.history.loss[median(g0.bestEpochs) - 1];
  out.push(rose
    ? `Its test loss was lowest at ${lowest(g0)} and then rose to ${num(g0.finalTestLoss)} by epoch ${epochs}` +
      `${trainFell ? ' while the training loss kept falling' : ''}: the signature of overfitting.`
    : `Its test loss was lowest at ${lowest(g0)} and ended at ${num(g0.finalTestLoss)}, so the test loss did not clearly turn upwards in ${epochs} epoch${epochs === 1 ? '' : 's'}.`);
  for (const e of effects) {
    const g = gapOf(e.run);
    out.push(`${e.run.spec.label[0].toUpperCase()}${e.run.spec.label.slice(1)}: gap ${pointsSpread(gapSpread(base))} → ${pointsSpread(gapSpread(e.run))} points ` +
      `(${pctCut(e.before, e.after)}${e.halved ? ', at least halved' : ''}), test accuracy ${pctSpread(testAccSpread(e.run))}, ` +
      `final test loss ${num(g.finalTestLoss)} (lowest ${num(g.bestTestLoss)} at ${atEpochs(g.bestEpochs)}` +
      `${Math.min(...g.epochsTrained) < epochs ? `; stopped after ${epochRange(g.epochsTrained)} epochs` : ''}).`);
  }
  const halved = effects.filter((e) => e.halved);
  const biggest = [...effects].sort((a, b) => a.after - b.after)[0];
  if (biggest) {
    out.push(halved.length
      ? `The gap at least halved with ${halved.map((e) => e.run.spec.label).join(', ')}.`
      : `No regularizer halved the gap on this setting; the largest cut, from ${points(biggest.before)} to ${points(biggest.after)} points, came with ${biggest.run.spec.label}.`);
    // A gap can close from the training side: say so where the test accuracy did not rise with it.
    const fromBelow = halved.filter((e) => finalTest(e.run).accuracy < finalTest(base).accuracy);
    if (fromBelow.length) {
      out.push('A smaller gap is not by itself a better model: ' + fromBelow.map((e) => `with ${e.run.spec.label} the training accuracy fell from ` +
        `${pct(finalTrain(base).accuracy)} to ${pct(finalTrain(e.run).accuracy)} while the test accuracy went from ${pct(finalTest(base).accuracy)} to ` +
        `${pct(finalTest(e.run).accuracy)}`).join('; ') + ', so the gap closed from the training side.');
    }
    const bestTest = [...effects].sort((a, b) => finalTest(b.run).accuracy - finalTest(a.run).accuracy)[0];
    out.push(`Test accuracy: ${noiseSentence(bestTest.run, base)}`);
  }
  const drop = runs.find((r) => r.spec.id === 'dropout');
  if (drop && ok(drop)) {
    out.push('Measured as Keras reports it, with the training accuracy averaged over the last epoch (dropout active), ' +
      `the gaps without regularization and with dropout were ${points(g0.runningAccuracyPoints)} and ${points(gapOf(drop).runningAccuracyPoints)} points.`);
  }
  return [...out, divergedNote(runs).trim()].filter(Boolean);
}

/** The noise sentence on the two best runs by test accuracy. */
function topTwo(runs: RunResult[]): string[] {
  const ranked = byTestAccuracy(runs);
  return ranked.length > 1 ? [`Best two: ${noiseSentence(ranked[0], ranked[1])}`] : [];
}

function compareModels(e: Experiment, runs: RunResult[]): string[] {
  const ranked = byTestAccuracy(runs);
  if (!ranked.length) return [`No run completed.${divergedNote(runs)}`];
  const [best, ...rest] = ranked;
  const out: string[] = [];
  out.push(`The highest mean test accuracy, ${pctSpread(testAccSpread(best))}, was reached by ${best.spec.label} with ${int(best.parameters)} parameters` +
    (rest.length ? `; ${rest.map((r) => `${r.spec.label} reached ${pctSpread(testAccSpread(r))} with ${int(r.parameters)}`).join(', ')}.` : '.'));
  out.push(...topTwo(runs));
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

/**
 * Activations and losses: a ranking, the noise between the best two, and how far the worst trailed (with the
 * first epoch's training losses side by side only where they are one loss: not across different losses).
 */
function ranking(runs: RunResult[], sameLoss = true): string[] {
  const ranked = byTestAccuracy(runs);
  if (!ranked.length) return [`No run completed.${divergedNote(runs)}`];
  const best = ranked[0], worst = ranked[ranked.length - 1];
  const out = [`Ranked by mean test accuracy: ${ranked.map((r) => `${r.spec.label} ${pctSpread(testAccSpread(r))}`).join(', ')}.`, ...topTwo(runs)];
  if (ranked.length > 2) {
    out.push(`${worst.spec.label[0].toUpperCase()}${worst.spec.label.slice(1)} trailed ${best.spec.label} by ${points((finalTest(best).accuracy - finalTest(worst).accuracy) * 100)} points` +
      (sameLoss ? `; after the first epoch its training loss was ${num(worst.history.loss[0])} against ${num(best.history.loss[0])}.` : ' (their loss values are on different scales and are not compared).'));
  }
  return [...out, divergedNote(runs).trim()].filter(Boolean);
}

/** Mean final validation accuracy: what the optimizers' rates are chosen by. */
export const valAccSpread = (r: RunResult) => spread(r, (s) => last(s.history.val_accuracy));

/** Per optimizer, the run at its best learning rate (highest mean final validation accuracy), in plan order. */
export function bestRates(runs: RunResult[]): RunResult[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs.filter(ok)) groups.set(r.spec.optimizer.name, [...(groups.get(r.spec.optimizer.name) ?? []), r]);
  return [...groups.values()].map((g) => [...g].sort((a, b) => valAccSpread(b).mean - valAccSpread(a).mean)[0]);
}

function optimizers(runs: RunResult[]): string[] {
  const bests = bestRates(runs);
  if (!bests.length) return [`No run completed.${divergedNote(runs)}`];
  const ranked = byTestAccuracy(bests);
  const out = [`Each optimizer at its best learning rate (by validation accuracy), ranked by mean test accuracy: ` +
    `${ranked.map((r) => `${r.spec.label} ${pctSpread(testAccSpread(r))}`).join(', ')}.`, ...topTwo(bests)];
  const within = bests.map((b) => {
    const g = runs.filter((r) => ok(r) && r.spec.optimizer.name === b.spec.optimizer.name).map((r) => finalTest(r).accuracy);
    return { r: b, spread: (Math.max(...g) - Math.min(...g)) * 100 };
  }).sort((a, b) => b.spread - a.spread)[0];
  if (within && ranked.length > 1) {
    const between = (finalTest(ranked[0]).accuracy - finalTest(ranked[ranked.length - 1]).accuracy) * 100;
    out.push(`Changing the learning rate moved one optimizer's test accuracy by up to ${points(within.spread)} points (${OPTIMIZER_NAMES[within.r.spec.optimizer.name]}), ` +
      `while the optimizers at their best rates were ${points(between)} points apart: ` +
      `${within.spread > between ? 'the learning rate mattered more than the choice of optimizer' : 'here the choice of optimizer mattered more than the learning rate'}.`);
  }
  return [...out, divergedNote(runs).trim()].filter(Boolean);
}

/** The headline runs: final metrics, the gap and the element's overfitting verdict on each run's History. */
function headline(runs: RunResult[]): string[] {
  return runs.filter(ok).map((r) => {
    const v = overfittingVerdict(r.seeds[0].history, runRegularizers(r.spec), { loss: r.spec.loss ?? DEFAULT_SETTINGS.loss });
    return `${r.spec.label}: test accuracy ${pctSpread(testAccSpread(r))} (loss ${num(finalTest(r).loss)}) after ${r.history.loss.length} epoch${r.history.loss.length === 1 ? '' : 's'} on ${int(r.spec.trainLimit)} images; ` +
      `the whole training set re-evaluated: ${pct(finalTrain(r).accuracy)}, a gap of ${pointsSpread(gapSpread(r))} points. Verdict: **${v.title}**. ${v.detail}`;
  }).concat(divergedNote(runs).trim()).filter(Boolean);
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
    case 'activations': return ranking(r.runs);
    case 'losses': return ranking(r.runs, false);
    case 'optimizers': return optimizers(r.runs);
    case 'headline': return [...headline(r.runs), ...perClassConclusion(r)];
  }
}
