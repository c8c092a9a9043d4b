// How a Trainer holds each live setting of the schema (settings.ts: `live: true`), the one map the
// element (its controller) and the command line (--load with --learning-rate or --dropout) read and
// write them through. A new live setting fails to compile until it is added here.
import type { Trainer } from './trainer';
import type { LiveSettingName, Settings } from './settings';

export const LIVE: { [K in LiveSettingName]: { get(t: Trainer): Settings[K]; set(t: Trainer, v: Settings[K]): void } } = {
  // The user's rate, not one reduce-on-plateau lowered: the status line shows the rate in use.
  learningRate: { get: (t) => t.learningRateSetting, set: (t, v) => t.setLearningRate(v) },
  dropout: { get: (t) => t.dropout ?? null, set: (t, v) => t.setDropout(v ?? undefined) },
};

export const LIVE_SETTINGS = Object.keys(LIVE) as LiveSettingName[];

/** Gives the trainer a live setting's (valid) value: it applies from its next step. */
export function setLive<K extends LiveSettingName>(t: Trainer, name: K, value: Settings[K]): void {
  LIVE[name].set(t, value);
}
