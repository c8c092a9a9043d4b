// The overfitting verdict in the page's language. The rules are the engine's (judgeOverfitting in
// src/engine/verdict.ts, whose header lists them; the experiments report and the command line word them in
// English); this module words their result through msg(), with the button or note that goes with dropout
// advice. test/components/verdict.test.ts checks that both give the same verdict, word for word in English.
import { msg, str } from '@lit/localize';
import { html, nothing } from 'lit';
import type { History } from '../engine/trainer';
import { formatNumber } from './i18n';
import { heldOutLeads, judgeOverfitting, sinceLastChange, type Judgement, type RunFacts, type SinceChange, type Verdict } from '../engine/verdict';
import { ADVISED_DROPOUT, LOW_DROPOUT, REMEDY_SETTINGS, orList, type Regularizers, type Remedy } from '../engine/verdict-remedies';
import type { ElementSettingName } from '../engine/settings';
import { SETTING_TEXTS } from './locales/setting-texts';
import { liveChangeLabel } from './chart-markers';

export type { Verdict, VerdictLevel } from '../engine/verdict';
export { ADVISED_DROPOUT, leavesImagesOut, trainerRegularizers, trainerRunFacts } from '../engine/verdict-remedies';

// Numbers in the page's locale (decimal comma in Russian). Russian needs no plural here: points are
// "п. п." and epoch counts are ordinals ("после 3-й эпохи"), so the English singular/plural pairs below
// share one Russian target.
const pct = (v: number) => formatNumber(v, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
function pts(v: number): string {
  const x = formatNumber(Math.abs(v), { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
  return Math.abs(v).toFixed(1) === '1.0' ? msg(str`${x} point`) : msg(str`${x} points`);
}
const num = (v: number) => (Math.abs(v) >= 0.01
  ? formatNumber(v, { minimumFractionDigits: 3, maximumFractionDigits: 3, useGrouping: false })
  : formatNumber(v, { minimumSignificantDigits: 2, maximumSignificantDigits: 2 }));
const afterEpochs = (n: number) => (n === 1 ? msg(str`after ${n} epoch`) : msg(str`after ${n} epochs`));

/**
 * The held-out data's name inside the sentences, and at a sentence's start. Explicit ids: "test" here is the
 * adjective of "тестовой выборке", not the word other parts of the element translate. Russian sentences
 * never start with it, so its "capitalised" form is the same lower-case adjective.
 */
const HELD: Record<Judgement['heldOut'], { held(): string; Held(): string }> = {
  'held-out': { held: () => msg('held-out', { id: 'verdict-held-out' }), Held: () => msg('Held-out', { id: 'verdict-held-out-start' }) },
  validation: { held: () => msg('validation', { id: 'verdict-validation' }), Held: () => msg('Validation', { id: 'verdict-validation-start' }) },
  test: { held: () => msg('test', { id: 'verdict-test' }), Held: () => msg('Test', { id: 'verdict-test-start' }) },
};

/** sinceLastChange in the page's language (the engine's English word for word); undefined without one. */
function sinceText(c: SinceChange | undefined, held: string): string | undefined {
  if (!c) return undefined;
  const signed = (v: number) => {
    const x = formatNumber(v, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
    return Math.abs(v).toFixed(1) === '1.0' ? msg(str`${x} point`) : msg(str`${x} points`);
  };
  const at = formatNumber(c.changes[0].epoch, { maximumFractionDigits: 2, useGrouping: false });
  const what = c.changes.map(liveChangeLabel).join(', ');
  const [gapBefore, gapAfter, lossBefore, lossAfter, { before, after }] = [signed(c.gapBefore), signed(c.gapAfter), num(c.valLossBefore), num(c.valLossAfter), c];
  const text = msg(str`Since epoch ${at} (${what}): the gap between train and ${held} accuracy went from ${gapBefore} to ${gapAfter}, ${held} loss from ${lossBefore} to ${lossAfter} (epoch ${before} → epoch ${after}).`);
  return c.changes.some((x) => x.setting === 'dropout')
    ? `${text} ${msg(str`Train accuracy is measured with dropout on, so a dropout change moves it too: ${held} loss is the fairer judge.`)}` : text;
}

/** The advice (verdict-remedies.ts) in the page's language, each remedy as the object of "Try …". */
const REMEDY_WORDS: Record<Remedy, (rate: string) => string> = {
  dropout: () => msg(str`dropout (${rate(LOW_DROPOUT)}–${rate(ADVISED_DROPOUT)})`),
  'more-dropout': (now) => msg(str`more dropout (${rate(ADVISED_DROPOUT)} rather than ${now})`),
  'dropout-layer': () => msg(str`a dropout layer (rate ${rate(LOW_DROPOUT)}–${rate(ADVISED_DROPOUT)})`),
  'weight-decay': () => msg('weight decay'),
  augmentation: () => msg('augmentation (random shifts and rotations)'),
  'early-stopping': () => msg('early stopping'),
  'fewer-epochs': () => msg('fewer epochs'),
  'more-data': () => msg('more training data'),
  'smaller-model': () => msg('a smaller model'),
  'more-epochs': () => msg('more epochs'),
  'lower-learning-rate': () => msg('a learning rate ten times lower'),
  'higher-learning-rate': () => msg('a learning rate ten times higher'),
};
function rate(v: number): string {
  return formatNumber(v, { maximumFractionDigits: 2, useGrouping: false });
}
function adviceText(j: Judgement): string {
  const list = orList(j.remedies.map((r) => REMEDY_WORDS[r](rate(j.dropoutRate ?? 0))), msg('or', { id: 'verdict-or' }));
  return msg(str`Try ${list}.`);
}

/** The verdict in the page's language; `inUse` and `run` as for judgeOverfitting. */
export function overfittingVerdict(h: History, inUse?: Regularizers, run?: RunFacts): Verdict {
  const j = judgeOverfitting(h, inUse, run);
  const { level, suggestDropout, epochs: n } = j;
  const since = sinceText(sinceLastChange(h), HELD[j.heldOut].held());
  const verdict = (title: string, detail: string): Verdict => ({ level, title, detail, suggestDropout, remedies: j.remedies, ...(since ? { since } : {}) });
  if (j.case === 'none') return verdict(msg('No verdict yet'), msg('A verdict on over- or underfitting appears after the first epoch.'));
  const held = HELD[j.heldOut].held();
  const Held = HELD[j.heldOut].Held();
  const epochWord = afterEpochs(n);
  if (j.case === 'not-finite') {
    return verdict(msg('Cannot judge: the metrics are not numbers'),
      msg(str`The loss or accuracy ${epochWord} is NaN or infinite, which usually means training diverged. Try a lower learning rate.`));
  }
  const [trainPct, heldPct, gapPts] = [pct(j.accuracy), pct(j.valAccuracy), pts(j.gap)];
  const gapText = !heldOutLeads(j.gap)
    ? msg(str`Train accuracy ${trainPct}, ${held} accuracy ${heldPct}: a gap of ${gapPts}.`)
    : msg(str`Train accuracy ${trainPct}, ${held} accuracy ${heldPct}: ${held} is ahead by ${gapPts} (train accuracy is averaged over an epoch in which the model was still learning).`);
  const [trainLoss, heldLoss] = [num(j.loss), num(j.valLoss)];
  const lossText = msg(str`Train loss ${trainLoss}, ${held} loss ${heldLoss}.`);
  const facts = `${gapText} ${lossText}`;
  const { streak, bestEpoch } = j;
  switch (j.case) {
    case 'not-learning': {
      const [classes, chance, guess] = [formatNumber(j.classes), pct(j.chance), num(j.guessLoss)];
      const why = j.overshoot === undefined
        ? `${lossText} ${msg('The usual cause is a learning rate too high for the optimizer: the steps overshoot, and the loss jumps about or explodes (if instead it barely moves, the rate is too low).')}`
        : j.overshoot
          ? msg(str`Train loss ${trainLoss}, ${held} loss ${heldLoss}; a guess scores ${guess}, and the loss has been far above that: the learning rate is too high for the optimizer, so the steps overshoot.`)
          : msg(str`Train loss ${trainLoss}, ${held} loss ${heldLoss}; a guess scores ${guess}, and the loss has stayed near that: the steps are too small to move it (a learning rate too low for the optimizer), or the model needs more epochs.`);
      return verdict(msg('Not learning'), `${msg(str`Train accuracy ${trainPct}, ${held} accuracy ${heldPct} ${epochWord}: close to guessing one of ${classes} classes (${chance}).`)} ${why} ${adviceText(j)}`);
    }
    case 'rising':
      return verdict(msg('Overfitting'),
        `${msg(str`${Held} loss has risen for ${streak} epochs in a row while train loss kept falling: the model is memorising the training images.`)} ${facts} ` +
        `${msg(str`${Held} loss was lowest after epoch ${bestEpoch}.`)} ${adviceText(j)}`);
    case 'gap-severe':
    case 'gap-at-top': {
      const why = j.case === 'gap-severe'
        ? msg(str`Train accuracy is ${gapPts} above ${held} accuracy: what it learnt does not carry over to new images.`)
        : msg(str`The model gets ${trainPct} of the training images right but clearly fewer ${held} images: what it learnt does not carry over to new images.`);
      return verdict(msg('Overfitting'), `${why} ${facts} ${adviceText(j)}`);
    }
    case 'ticked-up':
      return verdict(msg(str`Watch: ${held} loss went up`),
        `${msg(str`${Held} loss rose in the last epoch (${num(j.prevValLoss)} → ${heldLoss}). A single rise can be noise; if it keeps rising while train loss falls, the model is overfitting.`)} ${facts}`);
    case 'gap-growing':
      return verdict(msg('Watch: the gap is growing'), `${!heldOutLeads(j.prevGap)
        ? msg(str`The gap between train and ${held} accuracy grew from ${pts(j.prevGap)} to ${gapPts}.`)
        : msg(str`Train accuracy went from ${pts(j.prevGap)} below ${held} accuracy to ${gapPts} above it.`)} ${facts}`);
    case 'gap-wide':
      return verdict(msg('Watch: a wide gap'), `${msg(str`Train accuracy is ${gapPts} above ${held} accuracy: the model does clearly better on its training images than on new ones, though the gap is not growing; if it grows, the model is overfitting.`)} ${facts}`);
    case 'still-learning': {
      const fell = formatNumber(j.valLossFallPct / 100, { style: 'percent' });
      return verdict(msg('No sign of overfitting; still learning'), `${facts} ${msg(str`${Held} loss fell ${fell} in the last epoch (${num(j.prevValLoss)} → ${heldLoss}): the model has not finished learning (it underfits), so more epochs should help.`)}`);
    }
    default:
      return verdict(msg('No sign of overfitting'), `${facts} ${msg(str`The model does about as well on images it has not seen as on its training images ${epochWord}.`)}`);
  }
}

/**
 * The form's fields for the advice, one per remedy (augmentation's group by its first field), in the advice's order:
 * dropout's slider is left to the button, more data only where the run had a limit to raise.
 */
function adviceFields(remedies: readonly Remedy[], limited: boolean): ElementSettingName[] {
  const first = remedies.filter((r) => r !== 'dropout' && r !== 'more-dropout' && (r !== 'more-data' || limited)).map((r) => REMEDY_SETTINGS[r][0]);
  return [...new Set(first)] as ElementSettingName[];
}
const fieldLabel = (n: ElementSettingName) => (n === 'augmentShift' ? msg('Data augmentation') : SETTING_TEXTS[n].label());

export interface VerdictActions {
  /** Sets dropout to ADVISED_DROPOUT (the button where the advice includes dropout). */
  raiseDropout(): void;
  /** Opens, shows and focuses a setting's field in the form (the advice's links). */
  reveal(name: ElementSettingName): void;
  /**
   * Where the model can be trained on now (idle, it finished its epochs, the settings still match it): sets Epochs to
   * `epochs` and continues it (the button beside the advice "more epochs").
   */
  trainOn?: { epochs: number; run(): void };
}

/**
 * The verdict under the charts. Where its advice includes dropout (the run's rate is below ADVISED_DROPOUT), a
 * button sets that rate, or a note says how to add a dropout layer to a model without one; the other remedies
 * link to their fields in the form, for the next run; a model still learning that can be trained on gets a button
 * that does so (`actions.trainOn`). `inUse`: what the run uses against overfitting, dropout at
 * its live rate; `limited`: the run left training images out (more data is a setting then).
 */
export function renderVerdict(h: History, inUse: Regularizers, limited: boolean, actions: VerdictActions, run?: RunFacts) {
  if (h.loss.length === 0) return nothing;
  const v = overfittingVerdict(h, inUse, run);
  const fields = adviceFields(v.remedies, limited);
  const on = v.remedies.includes('more-epochs') ? actions.trainOn : undefined;
  return html`<div part="verdict" class=${`verdict ${v.level}`} role="status">
    <strong>${v.title}</strong><p>${v.detail}</p>${v.since ? html`<p part="verdict-since">${v.since}</p>` : nothing}
    ${v.suggestDropout ? (inUse.dropoutLayers > 0
      ? html`<button type="button" part="button dropout" @click=${() => actions.raiseDropout()}>${inUse.dropoutRate > 0 ? msg(str`Raise dropout to ${rate(ADVISED_DROPOUT)}`) : msg(str`Turn dropout on (${rate(ADVISED_DROPOUT)})`)}</button>`
      : html`<p class="note">${msg('This model has no dropout layer; add one in the layer editor to regularise it.')}</p>`) : nothing}
    ${on ? html`<button type="button" part="button train-on" @click=${() => on.run()}>${msg(str`Train on to ${formatNumber(on.epochs)} epochs`)}</button>` : nothing}
    ${fields.length ? html`<p class="remedies">${msg('Where to set it for the next run:')} ${fields.map((n) =>
      html`<button type="button" part="button remedy" @click=${() => actions.reveal(n)}>${fieldLabel(n)}</button>`)}</p>` : nothing}
  </div>`;
}
