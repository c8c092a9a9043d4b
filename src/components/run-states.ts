// The one state machine of <mnist-trainer>: for every phase of its controller and every public method
// (and a setting change, live or for the next run), what the call does. TrainerController consults this
// table (rule()) before acting, so no method decides on its own which phases it runs in; the tests drive
// every cell against the real element (test/components/run-states.test.ts).
//
// Actions:
//   start  — the method does its work now
//   ignore — no effect; train() resolves with the run under way's promise (or undefined), evaluate()
//            with the evaluation under way's result (or undefined)
//   queue  — takes effect later, at the point `does` names (after the evaluation under way; a setting:
//            in the run being prepared, whose compile restarts if the setting changes while compiling)
//   reject — no effect; resolves undefined and `does` is the notice shown to the user (not an error event:
//            nothing failed)
//
// Settings: a live one (learning rate, dropout) is 'start' where a trainer may hold it (it applies from
// the trainer's next step and is handed back to the element when the trainer is let go); elsewhere it is
// held for the run being prepared or the next one, like every other setting ('queue'). A run reads its
// settings when it starts compiling, and builds again if one changed while it compiled, so the run that
// trains always has the values current when its training begins.

import { msg } from '@lit/localize';

export type Phase =
  | 'idle' // nothing running; a run may have finished, been stopped or reset, or failed with its last finished epoch kept
  | 'loading' // a run is getting its device and data set
  | 'compiling' // a run is building its model's pipelines and buffers
  | 'training'
  | 'paused'
  | 'evaluating' // evaluate() on the test set, from idle or paused
  | 'error' // the last run or action failed, leaving no model to go on with; `message` says why
  | 'unavailable'; // no WebGPU; `message` says how to enable it

export const PHASES: readonly Phase[] = ['idle', 'loading', 'compiling', 'training', 'paused', 'evaluating', 'error', 'unavailable'];
export const METHODS = ['train', 'pause', 'resume', 'stop', 'reset', 'evaluate', 'save', 'load', 'setLive', 'setNextRun'] as const;
export type Method = (typeof METHODS)[number];
export type Action = 'start' | 'ignore' | 'queue' | 'reject';

export interface Rule {
  readonly act: Action;
  /** What happens (for 'reject': the notice, in English, as the controller's `notice` holds it). */
  readonly does: string;
  /** For 'reject': the notice in the page's language, read when it is shown. */
  readonly text?: () => string;
}

const r = (act: Action, does: string, text?: () => string): Rule => ({ act, does, ...(text ? { text } : {}) });
/** A refusal: its notice in English (`does`) and in the page's language (`text`). */
const refuse = (does: string, text: () => string): Rule => r('reject', does, text);
const NEW_RUN = r('start', 'a new run from fresh weights; after a Load (or a failed run whose last finished epoch was kept), or after a run that finished all its epochs with Epochs raised since, while the other settings match, continues that model ("Continue")');
const JOIN = r('ignore', 'returns the promise of the run under way');
const NOTHING = r('ignore', 'nothing to do');
const STOP_EARLY = r('start', 'ends the run before it trains; it is kept as stopped');
const RESET = r('start', 'stops any run (kept as stopped), forgets the trainer and the message');
const BUSY = r('ignore', 'no weights to evaluate yet');
const LIVE = r('start', 'to the trainer at once (from its next step); without one, to the next run');
const PREPARED = r('queue', 'to the run being prepared (its compile restarts if under way)');
const NEXT = r('queue', 'to the next run');
const AFTER_EVAL = r('queue', 'once the evaluation ends, as in the phase it returns to');
// save() reads the weights between steps: only while nothing trains; load() replaces the model: only between runs.
const SAVE_WAIT = refuse('Pause or stop training to save the model.', () => msg('Pause or stop training to save the model.'));
const LOAD_WAIT = refuse('Stop the run (or wait for it to end) to load a model.', () => msg('Stop the run (or wait for it to end) to load a model.'));
const NO_WEBGPU = refuse('WebGPU is unavailable.', () => msg('WebGPU is unavailable.'));
const LOAD = r('start', 'restores the checkpoint (model, weights, optimizer state, settings, History); Train then continues it');

export const RUN_STATES: { readonly [P in Phase]: { readonly [M in Method]: Rule } } = {
  idle: {
    train: NEW_RUN, pause: NOTHING, resume: NOTHING, stop: NOTHING, reset: r('start', 'forgets the trainer and the message'),
    evaluate: r('start', 'the last run’s weights on the test set (without a run: rejected, "Train a model first")'),
    save: r('start', 'the current weights as a checkpoint file (without a model: rejected, "Train or load a model first")'),
    load: LOAD, setLive: LIVE, setNextRun: NEXT,
  },
  loading: {
    train: JOIN, pause: NOTHING, resume: NOTHING, stop: STOP_EARLY, reset: RESET, evaluate: BUSY,
    save: SAVE_WAIT, load: LOAD_WAIT, setLive: PREPARED, setNextRun: PREPARED,
  },
  compiling: {
    train: JOIN, pause: NOTHING, resume: NOTHING, stop: STOP_EARLY, reset: RESET, evaluate: BUSY,
    save: SAVE_WAIT, load: LOAD_WAIT, setLive: PREPARED, setNextRun: PREPARED,
  },
  training: {
    train: JOIN, pause: r('start', 'pauses after the step in flight'), resume: NOTHING,
    stop: r('start', 'ends the run after the step in flight; it is kept as stopped'), reset: RESET,
    evaluate: r('ignore', 'pause first; training evaluates after every epoch'), save: SAVE_WAIT, load: LOAD_WAIT,
    setLive: LIVE, setNextRun: NEXT,
  },
  paused: {
    train: JOIN, pause: NOTHING, resume: r('start', 'training continues'),
    stop: r('start', 'ends the paused run; it is kept as stopped'), reset: RESET,
    evaluate: r('start', 'the paused weights on the test set; back to paused'),
    save: r('start', 'the paused weights as a checkpoint file; still paused'), load: LOAD_WAIT, setLive: LIVE, setNextRun: NEXT,
  },
  evaluating: {
    train: AFTER_EVAL, pause: AFTER_EVAL, resume: AFTER_EVAL, stop: AFTER_EVAL, reset: AFTER_EVAL,
    evaluate: r('ignore', 'returns the evaluation under way'), save: AFTER_EVAL, load: AFTER_EVAL, setLive: LIVE, setNextRun: NEXT,
  },
  error: {
    train: NEW_RUN, pause: NOTHING, resume: NOTHING, stop: NOTHING, reset: r('start', 'forgets the failed run’s trainer and the message'),
    evaluate: refuse('The last run failed: train again to evaluate.', () => msg('The last run failed: train again to evaluate.')),
    save: refuse('The last run failed: there is no model to save.', () => msg('The last run failed: there is no model to save.')), load: LOAD, setLive: LIVE, setNextRun: NEXT,
  },
  unavailable: {
    train: refuse('WebGPU is unavailable: see the message above for how to enable it.', () => msg('WebGPU is unavailable: see the message above for how to enable it.')),
    pause: NOTHING, resume: NOTHING, stop: NOTHING, reset: NOTHING, evaluate: NO_WEBGPU, save: NO_WEBGPU,
    load: refuse('WebGPU is unavailable: a model needs it to load.', () => msg('WebGPU is unavailable: a model needs it to load.')), setLive: NEXT, setNextRun: NEXT,
  },
};

export function rule(phase: Phase, method: Method): Rule {
  return RUN_STATES[phase][method];
}
