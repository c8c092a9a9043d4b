// The status line of <mnist-trainer>: the adapter and the run's kernels (kernel-text.ts), the phase (the
// only live region: the counters beside it change many times a second), epoch, batch, images/s, ETA and
// learning rate while training, what the callbacks did, and the progress bar (the download's share while
// loading, none while compiling or evaluating).
import { msg, str } from '@lit/localize';
import { html, nothing } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { formatNumber } from './i18n';
import { formatPercent } from './number-format';
import { kernelDetails, kernelSummary } from './kernel-text';
import { loadedText } from './model-files';
import type { TrainerController } from './trainer-controller';
import { keptEpoch, type Trainer } from '../engine/trainer';

const fmtTime = (s: number) => (Number.isFinite(s) && s >= 0 ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : '—');

/**
 * The last run's result: the test accuracy of the model it ended with (keptEpoch: early stopping's restored best, else
 * the last epoch's); for a run that finished all its epochs (so can be trained on), what Train will do with it; for one
 * stopped by the user, where (a Stop inside an epoch leaves the weights partway through it).
 */
function doneText(c: TrainerController, continues: boolean, trainer: Trainer): string {
  const h = c.history;
  const n = h.loss.length;
  const accuracy = formatPercent(h.test_accuracy[keptEpoch(h) - 1], 2);
  if (c.finished?.trainer !== trainer && h.stopped_epoch === undefined) {
    const [epoch, inside] = [formatNumber(n), formatNumber(n + 1)];
    return trainer.step > n * trainer.stepsPerEpoch
      ? msg(str`Stopped in epoch ${inside}; test accuracy after epoch ${epoch}: ${accuracy}.`)
      : msg(str`Stopped after epoch ${epoch}, test accuracy ${accuracy}.`);
  }
  const done = n === 1 ? msg(str`Done: 1 epoch, test accuracy ${accuracy}.`) : msg(str`Done: ${formatNumber(n)} epochs, test accuracy ${accuracy}.`);
  if (c.finished?.trainer !== trainer) return done;
  return `${done} ${continues
    ? msg('Continue trains this model on up to the Epochs setting; Reset, then Train, starts afresh.')
    : msg('Raise Epochs to train this model on (with the same settings), or press Train to start a new run.')}`;
}

/** `continues`: Train would continue the current model with the settings as they are (idle; loaded, or finished). */
export function renderStatus(c: TrainerController, continues: boolean) {
  const p = c.progress;
  const kernels = c.phase !== 'compiling' ? c.trainer?.kernels : undefined;
  const loaded = formatNumber(c.data.loadFraction, { style: 'percent', maximumFractionDigits: 0 });
  const phase = {
    idle: () => (c.loaded ? loadedText(c.loaded.name, c.loaded.trainer.epoch, continues, c.loaded) : c.trainer && c.history.loss.length ? doneText(c, continues, c.trainer) : msg('Ready')),
    loading: () => msg(str`Loading the data set… ${loaded}`),
    compiling: () => msg('Building the model on the GPU…'),
    training: () => msg('Training'),
    paused: () => msg('Paused'),
    evaluating: () => msg('Evaluating on the test set…'),
    error: () => msg('Stopped by an error'),
    unavailable: () => msg('WebGPU unavailable'),
  }[c.phase]();
  const count = (n: number) => formatNumber(n);
  const value = c.phase === 'loading' ? c.data.loadFraction : c.phase === 'compiling' || c.phase === 'evaluating' ? undefined : (p?.fraction ?? 0);
  return html`<div part="status" class="status">
      <span class="adapter">${c.adapter ? msg(str`GPU: ${c.adapter}`) : c.phase === 'unavailable' ? msg('No WebGPU') : c.phase === 'error' ? msg('GPU: none') : msg('GPU: checking…')}</span>
      ${kernels ? html`<span class="kernels" title=${kernelDetails(kernels)}>${kernelSummary(kernels)}</span>` : nothing}
      <span class="phase" role="status">${phase}</span>
      ${p && (c.phase === 'training' || c.phase === 'paused') ? html`
        <span>${msg(str`epoch ${count(p.epoch)}/${count(p.epochs)}`)}</span><span>${msg(str`batch ${count(p.batch)}/${count(p.batches)}`)}</span>
        <span>${msg(str`${count(Math.round(p.imagesPerSec))} images/s`)}</span><span>${msg(str`ETA ${fmtTime(p.etaSeconds)}`)}</span>
        <span title=${msg('learning rate of the latest step')}>${msg(str`lr ${formatNumber(p.learningRate, { minimumSignificantDigits: 2, maximumSignificantDigits: 2 })}`)}</span>` : nothing}
      ${c.trainer && c.callbackNote ? html`<span class="callbacks">${c.callbackNote()}</span>` : nothing}
    </div>
    <progress part="progress" max="1" value=${ifDefined(value)} aria-label=${msg('Training progress')}></progress>`;
}
