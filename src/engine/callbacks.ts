// Keras's EarlyStopping and ReduceLROnPlateau as pure functions of the History: after each epoch the
// monitored value is compared with the best so far (an improvement is better by more than minDelta; lower
// for losses, higher for accuracies), and two wait counters decide whether to stop and whether to lower the
// learning rate. No GPU here: the Trainer copies the weights and sets the rate as the decision says.
// The state is plain JSON, saved in checkpoints, so a resumed run continues the same count.

/** The History entries a callback may watch, in the order of the setting's choices; the first is the default. */
export const MONITORS = ['val_loss', 'val_accuracy', 'loss', 'accuracy'] as const;
export type Monitor = (typeof MONITORS)[number];

/** Lower is better for losses, higher for accuracies (Keras's mode 'auto'). */
export function monitorMode(m: Monitor): 'min' | 'max' {
  return m.endsWith('accuracy') ? 'max' : 'min';
}

export interface CallbackConfig {
  monitor: Monitor;
  /** An improvement must beat the best by more than this (≥ 0). */
  minDelta: number;
  /** Early stopping's patience in epochs, or undefined: off. */
  earlyStopping?: number;
  /** On a stop, go back to the weights of the best epoch. */
  restoreBestWeights: boolean;
  /** Epochs without improvement before the rate is multiplied by reduceLrFactor, or undefined: off. */
  reduceLrPatience?: number;
  /** In (0, 1). */
  reduceLrFactor: number;
  /** The rate is never reduced below this. */
  minLearningRate: number;
}

export interface CallbackState {
  /** The best monitored value so far, or null before the first finite one. */
  best: number | null;
  /** The 1-based epoch of `best`, or null. */
  bestEpoch: number | null;
  /** Epochs since the last improvement, for early stopping and for the rate (reset when it is reduced). */
  wait: number;
  lrWait: number;
  /** The 1-based epoch early stopping stopped after, or null. */
  stoppedEpoch: number | null;
}

export function initialCallbackState(): CallbackState {
  return { best: null, bestEpoch: null, wait: 0, lrWait: 0, stoppedEpoch: null };
}

export interface EpochDecision {
  state: CallbackState;
  /** This epoch is the new best (the Trainer keeps its weights when restoreBestWeights is on). */
  improved: boolean;
  /** Early stopping says stop after this epoch. */
  stop: boolean;
  /** The reduced base learning rate, or null: unchanged. */
  learningRate: number | null;
}

/** `value` beats `best` by more than minDelta in the monitor's direction; NaN never improves. */
export function isImprovement(c: Pick<CallbackConfig, 'monitor' | 'minDelta'>, value: number, best: number | null): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return monitorMode(c.monitor) === 'min' ? value + c.minDelta < best : value - c.minDelta > best;
}

/** The monitored value of the last epoch of `history` (NaN when it has none). */
export function monitored(history: Record<Monitor, number[]>, m: Monitor): number {
  const a = history[m];
  return a.length ? a[a.length - 1] : Number.NaN;
}

/**
 * After epoch `epoch` (1-based) with monitored `value`, run at base learning rate `learningRate`: the new
 * state and what to do. Keras's order: the rate is looked at first (cooldown 0), then early stopping.
 */
export function afterEpoch(c: CallbackConfig, s: CallbackState, epoch: number, value: number, learningRate: number): EpochDecision {
  const improved = isImprovement(c, value, s.best);
  const state: CallbackState = improved
    ? { ...s, best: value, bestEpoch: epoch, wait: 0, lrWait: 0 }
    : { ...s, wait: s.wait + 1, lrWait: s.lrWait + 1 };
  let rate: number | null = null;
  if (c.reduceLrPatience !== undefined && state.lrWait >= c.reduceLrPatience && learningRate > c.minLearningRate) {
    rate = Math.max(learningRate * c.reduceLrFactor, c.minLearningRate);
    state.lrWait = 0;
  }
  const stop = c.earlyStopping !== undefined && state.wait >= c.earlyStopping;
  if (stop) state.stoppedEpoch ??= epoch;
  return { state, improved, stop, learningRate: rate };
}

/** Whether either callback is on (without them the Trainer does nothing per epoch but record the rate). */
export function callbacksActive(c: CallbackConfig): boolean {
  return c.earlyStopping !== undefined || c.reduceLrPatience !== undefined;
}

/** Throws unless `v` is a CallbackState (a checkpoint's header); `path` names the field. */
export function checkCallbackState(v: unknown, fail: (problem: string) => never): CallbackState {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('must be an object');
  const o = v as Record<string, unknown>;
  const nullable = (k: string, ok: (x: unknown) => boolean) => {
    if (o[k] !== null && !ok(o[k])) fail(`.${k} must be ${k === 'best' ? 'a number' : 'a whole number from 1'} or null, got ${JSON.stringify(o[k])}`);
  };
  const whole = (min: number) => (x: unknown) => Number.isInteger(x) && (x as number) >= min;
  nullable('best', (x) => typeof x === 'number' && Number.isFinite(x));
  nullable('bestEpoch', whole(1));
  nullable('stoppedEpoch', whole(1));
  for (const k of ['wait', 'lrWait']) if (!whole(0)(o[k])) fail(`.${k} must be a whole number from 0, got ${JSON.stringify(o[k])}`);
  return { best: o.best as number | null, bestEpoch: o.bestEpoch as number | null, wait: o.wait as number, lrWait: o.lrWait as number, stoppedEpoch: o.stoppedEpoch as number | null };
}
