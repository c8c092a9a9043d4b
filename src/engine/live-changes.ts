// A run's live changes: the learning rate or the dropout rate changed while it trained (the element's
// fields during a run, the command line's --load with --learning-rate or --dropout), recorded in its
// History as `live_changes`. A History of series alone cannot say that its curves bend at epoch 3.4
// because dropout went from 0 to 0.5 there, and the lab's question (did dropout close the train–test
// gap?) is answered by exactly that: the charts mark each change where it took effect, and history.json,
// metrics.json and checkpoints carry the list, so a saved run still says what it trained with.

/**
 * Each live setting of the schema (settings.ts: `live: true`, live-settings.ts) under its History name (Keras's,
 * as the learning_rate series is named). Not typed from the schema here: settings.ts reaches this module through
 * training-types.ts, and a type import back would be a cycle.
 */
export const HISTORY_NAMES = { learningRate: 'learning_rate', dropout: 'dropout' } as const;
export type LiveChangeSetting = (typeof HISTORY_NAMES)[keyof typeof HISTORY_NAMES];
const LIVE_CHANGE_SETTINGS: readonly LiveChangeSetting[] = Object.values(HISTORY_NAMES);

export interface LiveChange {
  /** Training steps done when it changed: it applies from step `step + 1`. */
  step: number;
  /** The same point on the charts' epoch axis: `step / stepsPerEpoch` (3.4 = 40% into epoch 4). */
  epoch: number;
  setting: LiveChangeSetting;
  /**
   * The value before and after. The learning rate: the base rate in use before (a reduce-on-plateau
   * reduction included) and the one set. Dropout: one rate for every dropout layer, null for each layer's own.
   */
  from: number | null;
  to: number | null;
}

/**
 * Records a change on `h`. Changes of one setting between the same two steps are one change (a toggle on
 * and off again before the next step is none), and a value set again unchanged is not a change.
 */
export function recordLiveChange(h: { live_changes?: LiveChange[] }, change: LiveChange): void {
  const list = (h.live_changes ??= []);
  const i = list.findIndex((c) => c.setting === change.setting && c.step === change.step);
  const merged = i < 0 ? change : { ...change, from: list[i].from };
  if (i >= 0) list.splice(i, 1);
  if (merged.from !== merged.to) list.push(merged);
  if (list.length === 0) delete h.live_changes;
}

/**
 * A trainer's changes made since its last step. A change takes effect with the next step, so it enters the
 * History only when that step runs: a rate moved after a run has ended, for the next run, marks nothing on the
 * finished one. A file written before then (a checkpoint, whose settings are already the new ones) has them too.
 */
export class PendingChanges {
  private pending: { live_changes?: LiveChange[] } = {};

  /** `setting` changed after `step` steps (of `stepsPerEpoch` an epoch) from `from` to `to`. */
  note(step: number, stepsPerEpoch: number, setting: LiveChangeSetting, from: number | null, to: number | null): void {
    recordLiveChange(this.pending, { step, epoch: stepEpoch(step, stepsPerEpoch), setting, from, to });
  }

  /** Onto `h`: the next step runs now. */
  apply(h: { live_changes?: LiveChange[] }): void {
    for (const c of this.pending.live_changes ?? []) recordLiveChange(h, c);
    this.pending = {};
  }

  /** `h` with the pending changes, a copy where there are some (the trainer's History stays as it is). */
  with<H extends { live_changes?: LiveChange[] }>(h: H): H {
    if (!this.pending.live_changes) return h;
    const copy = { ...h, ...(h.live_changes ? { live_changes: [...h.live_changes] } : {}) };
    for (const c of this.pending.live_changes) recordLiveChange(copy, c);
    return copy;
  }

  clear(): void {
    this.pending = {};
  }
}

/** The values the changes left, under the settings' names (absent: not changed): what the last steps trained with. */
export function changedValues(changes: readonly LiveChange[] | undefined): { learningRate?: number; dropout?: number | null } {
  const out: { learningRate?: number; dropout?: number | null } = {};
  for (const c of changes ?? []) {
    if (c.setting === HISTORY_NAMES.dropout) out.dropout = c.to;
    else if (c.to !== null) out.learningRate = c.to;
  }
  return out;
}

/** "dropout 0 → 0.5", "learning rate 0.001 → 0.0005", dropout's null "layers' own": the English of the charts and the report. */
export function describeLiveChange(c: LiveChange): string {
  const value = (v: number | null) => (v === null ? "layers' own" : String(Number(v.toPrecision(4))));
  return `${c.setting === 'dropout' ? 'dropout' : 'learning rate'} ${value(c.from)} → ${value(c.to)}`;
}

/** `step` on the epoch axis, unrounded: its whole part is the epochs complete when it changed (a fit resumes mid-epoch where it stopped). */
export function stepEpoch(step: number, stepsPerEpoch: number): number {
  return step / stepsPerEpoch;
}

/**
 * Where the charts (the element's and the command line's) put a change's label: the first row from the top
 * where [from, to] (pixels) stays `gap` clear of the labels already in it; the label is then placed there.
 */
export function labelRow(rows: [number, number][][], from: number, to: number, gap: number): number {
  let row = rows.findIndex((r) => r.every(([a, b]) => to + gap <= a || from >= b + gap));
  if (row < 0) row = rows.push([]) - 1;
  rows[row].push([from, to]);
  return row;
}

const rate = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Why `v` is not a History's live_changes as JSON holds them, or undefined (absent is fine: files from before it). */
export function liveChangesProblem(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return 'must be an array of changes';
  for (const [i, c] of v.entries()) {
    const at = `[${i}]`;
    if (typeof c !== 'object' || c === null) return `${at} must be an object`;
    const o = c as Record<string, unknown>;
    if (!count(o.step)) return `${at}.step must be a whole number from 0`;
    if (typeof o.epoch !== 'number' || !(o.epoch >= 0)) return `${at}.epoch must be a number from 0`;
    if (!LIVE_CHANGE_SETTINGS.includes(o.setting as LiveChangeSetting)) return `${at}.setting must be one of ${LIVE_CHANGE_SETTINGS.join(', ')}`;
    for (const k of ['from', 'to'] as const) if (!rate(o[k])) return `${at}.${k} must be a rate from 0 or null`;
  }
  return undefined;
}
