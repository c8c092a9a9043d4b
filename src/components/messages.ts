// The element's error texts in the page's language. The `error` event's `message` stays the engine's
// English (an API: pages and logs match on it); what the element renders is built here at render time:
// in English the engine's own message, in another language a translated lead sentence for the error's
// code, then the engine's technical detail (a file name, a layer, a GPU message) as it was.
import { msg, str } from '@lit/localize';
import type { ErrorCode, ErrorDetail } from '../engine/errors';
import { shown } from '../engine/settings-rules';
import { checkCombination, settingSpec, SettingError, type SettingName, type Settings } from '../engine/settings';
import { formatNumber, getLocale } from './i18n';
import { sourceLocale } from './locales/locale-codes';
import { SETTING_TEXTS } from './locales/setting-texts';
import { modelErrorText } from './model-problem-text';

/** One lead sentence per error code: what went wrong and what to do, before the technical detail. */
const LEADS: { readonly [C in ErrorCode]: () => string } = {
  'invalid-setting': () => msg('A setting is not valid.'),
  model: () => msg('The model cannot be built.'),
  data: () => msg('The data set could not be loaded or read.'),
  checkpoint: () => msg('The model file cannot be read or does not fit.'),
  'out-of-memory': () => msg('The GPU ran out of memory: use a smaller batch size or model, or fewer training images.'),
  divergence: () => msg('Training diverged: the loss became NaN or infinite. Try a lower learning rate.'),
  'device-lost': () => msg('The GPU device was lost. Press Train to start again on a new device.'),
  'no-webgpu': () => msg('WebGPU is not available in this browser.'),
  aborted: () => msg('Stopped.'),
  internal: () => msg('Something went wrong inside the trainer.'),
};

const inSource = () => getLocale() === sourceLocale;

/** An error as the element shows it: the engine's message in English, else the code's lead and the detail. */
export function errorText(detail: ErrorDetail): string {
  if (inSource()) return detail.message;
  const whole = wholeText(detail);
  if (whole) return whole;
  const lead = LEADS[detail.code]();
  const technical = detail.message;
  return msg(str`${lead} Details: ${technical}`);
}

/**
 * The errors a student meets most, said whole in the page's language rather than a lead and English detail: a
 * divergence (its numbers from `facts`) and a browser without WebGPU (how to enable it). Undefined for the others.
 * In English, word for word the engine's message (error-text.test.ts).
 */
export function wholeText(d: ErrorDetail): string | undefined {
  const f = d.facts;
  if (d.code === 'divergence' && f && typeof f.step === 'number' && typeof f.epoch === 'number' && typeof f.learningRate === 'number') {
    const [step, epoch, lr] = [formatNumber(f.step), formatNumber(f.epoch), formatNumber(f.learningRate, { maximumSignificantDigits: 6 })];
    if (f.set === 'test') return msg(str`The test loss became NaN or infinite after epoch ${epoch} (step ${step}), though the training loss stayed finite: the model's outputs are no longer numbers; training stopped. Try a lower learning rate (now ${lr}).`);
    if (f.set === 'validation') return msg(str`The validation loss became NaN or infinite after epoch ${epoch} (step ${step}), though the training loss stayed finite: the model's outputs are no longer numbers; training stopped. Try a lower learning rate (now ${lr}).`);
    return msg(str`The loss became NaN or infinite at step ${step} (epoch ${epoch}); training stopped. Try a lower learning rate (now ${lr}).`);
  }
  if (d.code === 'no-webgpu') {
    const why = /navigator\.gpu is missing/.test(d.message) ? msg('WebGPU is not available in this browser (navigator.gpu is missing).') : msg('No WebGPU adapter was found (it may be blocked or disabled).');
    return `${why} ${msg('Use a recent Chrome or Edge (113+) on a machine with a supported GPU, and check chrome://gpu. On Linux, start Chrome with --enable-unsafe-webgpu (and --enable-features=Vulkan); headless Chromium without a GPU can use SwiftShader with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader.')}`;
  }
  return undefined;
}

/** controller-types.ts's lostMessage() (the `error` event's English) in the page's language. */
export function lostText(lostReason: string, step?: number, kept?: number): string {
  const reason = lostReason || msg('unknown reason');
  const lost = step === undefined ? msg(str`The GPU device was lost (${reason}).`) : msg(str`The GPU device was lost (${reason}); the run stopped at step ${step}.`);
  // As lostMessage: a model kept (a finished one after a loss while idle too) is said so, not "start again".
  return `${lost} ${kept === undefined ? msg('Press Train to start again on a new device.') : keptText(kept, true)}`;
}

/** controller-types.ts's keptMessage() in the page's language. */
export function keptText(epoch: number, newDevice: boolean): string {
  const n = formatNumber(epoch);
  return newDevice
    ? msg(str`The model as it was after epoch ${n} is kept on a new device: Continue trains on from there, Save model saves it.`)
    : msg(str`The model as it was after epoch ${n} is kept: Continue trains on from there, Save model saves it.`);
}

/** A rejected setting as the element shows it (what the element keeps is named too). */
export interface RejectedSetting {
  /** The English message, as the `error` event carries it. */
  message: string;
  /** The engine's message for the value alone (without "; keeping ..."). */
  problem: string;
  /** The attribute as the message names it, the rejected value, and the value kept (null: not set). */
  attribute: string;
  value: unknown;
  kept: unknown;
  /** The error thrown: a model's problem in it is worded in the page's language (model-problem-text.ts). */
  cause?: unknown;
}

/** The English message of a rejected setting (the `error` event's). */
export const rejectedMessage = (problem: string, attribute: string, kept: unknown) =>
  `${problem}; keeping ${attribute} = ${kept === null ? '(not set)' : JSON.stringify(kept)}`;

/**
 * A rejected setting in the page's language: the rule from the schema's translated texts when the engine's
 * message is the plain "<attribute> must be <rule>, got <value>", else a translated frame around its detail.
 */
export function rejectedText(name: SettingName, r: RejectedSetting): string {
  if (inSource()) return r.message;
  const { attribute } = r;
  const kept = r.kept === null ? msg('(not set)') : typeof r.kept === 'number' ? formatNumber(r.kept, { maximumSignificantDigits: 21 }) : JSON.stringify(r.kept);
  const { plain, got, rule, detail } = problemParts(name, attribute, r.problem, r.value, r.cause);
  return plain
    ? msg(str`${attribute} must be ${rule}, got ${got}; keeping ${attribute} = ${kept}`)
    : msg(str`${attribute}: the value is not valid (${detail}); it must be ${rule}; keeping ${attribute} = ${kept}`);
}

/**
 * A setting's rejected value alone (no value kept: the demo page's link problems) in the page's language: the rule
 * from the schema's translated texts where the engine's message is the plain "<attribute> must be <rule>, got <value>".
 */
export function settingProblemText(name: SettingName, problem: string, value: unknown, cause?: unknown): string {
  if (inSource()) return problem;
  const attribute = settingSpec(name).attribute ?? name;
  const { plain, got, rule, detail } = problemParts(name, attribute, problem, value, cause);
  if (plain) return msg(str`${attribute} must be ${rule}, got ${got}`, { id: 'setting-problem-plain' }); // not the model field's (another case)
  return msg(str`${attribute}: the value is not valid (${detail}); it must be ${rule}`);
}

/**
 * What rejectedText and settingProblemText say of a rejected value: whether the engine's message is the plain
 * "<attribute> must be <rule>, got <value>", the value as shown, the rule translated, and otherwise the message's
 * detail after the attribute (a model's problem worded in the page's language).
 */
function problemParts(name: SettingName, attribute: string, problem: string, value: unknown, cause: unknown) {
  const got = shown(value);
  const plain = problem === `${attribute} must be ${settingSpec(name).rule}, got ${got}`;
  const worded = cause === undefined ? problem : modelErrorText(cause);
  const detail = worded.startsWith(attribute) ? worded.slice(attribute.length).replace(/^:?\s*/, '') : worded;
  return { plain, got, rule: SETTING_TEXTS[name].rule(), detail };
}

/** The status line's note after reduce-on-plateau lowered the rate. */
export function reducedNote(rate: number, epoch: number): string {
  const lr = formatNumber(rate, { minimumSignificantDigits: 2, maximumSignificantDigits: 2 });
  return msg(str`learning rate reduced to ${lr} after epoch ${epoch}`);
}

/** The status line's note after early stopping ended the run (and which epoch's weights it kept). */
export function stoppedNote(epoch: number, best: number | null, restored: boolean): string {
  if (best === null) return msg(str`early stopping after epoch ${epoch}`);
  return restored ? msg(str`early stopping after epoch ${epoch}, best epoch ${best} restored`) : msg(str`early stopping after epoch ${epoch}, best epoch ${best}`);
}

/**
 * The layer editor's message (the engine's, naming the layer) in the page's language: a translated lead, then the
 * detail, itself translated where `cause` is a common model problem (model-problem-text.ts).
 */
export function layersErrorText(message: string, cause?: unknown): string {
  if (inSource() || message === '') return message;
  const detail = (cause === undefined ? message : modelErrorText(cause)).replace(/^model:\s*/, '');
  return msg(str`The layers are not valid: ${detail}`);
}

/**
 * A run's status as the comparison table shows it. The status itself stays English (stored with the run,
 * compared to 'finished'; see trainer-controller.ts for the forms it takes); an error code shows as its lead.
 */
export function runStatusText(status: string): string {
  const n = (s: string) => formatNumber(Number(s), { useGrouping: false });
  let m: RegExpMatchArray | null;
  if (status === 'finished') return msg('finished');
  if (status === 'stopped before training') return msg('stopped before training');
  if (status === 'device lost') return msg('device lost');
  if ((m = /^stopped at epoch (\d+)$/.exec(status))) return msg(str`stopped at epoch ${n(m[1])}`);
  if ((m = /^early stopping after epoch (\d+)$/.exec(status))) return msg(str`early stopping after epoch ${n(m[1])}`);
  if ((m = /^diverged at step (\d+|\?)$/.exec(status))) return msg(str`diverged at step ${m[1] === '?' ? '?' : n(m[1])}`);
  if (status in LEADS) return LEADS[status as ErrorCode]();
  return status;
}

/**
 * Settings valid one by one that do not combine (settings.ts checkCombination, the one rule): the setting to change and
 * why, in the page's language, shown at its field before Train refuses them; undefined where they combine.
 */
export function combinationProblem(s: Pick<Settings, 'loss' | 'labelSmoothing'>): { setting: SettingName; text: string } | undefined {
  try {
    checkCombination(s);
    return undefined;
  } catch (e) {
    if (!(e instanceof SettingError)) throw e;
    const text = e.setting === 'labelSmoothing'
      ? msg(str`Label smoothing applies to categorical_crossentropy only (as in Keras), not to ${s.loss}: set it to 0 or change the loss. Train refuses these settings until then.`)
      : e.message;
    return { setting: e.setting, text };
  }
}
