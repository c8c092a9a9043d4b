// runs.json read back into runs for the comparison table (<mt-compare>'s Load runs…): the file runsJson() in
// compare-runs.ts writes, here or in another browser.
import { historyProblem } from '../engine/checkpoint-header';
import { SETTINGS, parseSetting, type SettingName } from '../engine/settings';
import type { History } from '../engine/trainer';
import type { RunSettings } from './controller-types';

/** A run of the comparison table, as runs.json holds it (compare-runs.ts shows it). */
export interface RunRecord {
  id: number;
  label: string;
  /** A CSS colour, the run's colour in the charts. */
  color: string;
  /**
   * Shown keys: model, optimizer, lr, batch, dropout, epochs, seed (SETTING_COLUMNS), those of VARYING_SETTINGS a
   * run changed, and `layers` (the model in one line) where a model is custom; others are ignored.
   */
  settings: RunSettings;
  parameters: number;
  history: History;
  seconds: number;
  /** How it ended: 'finished', 'stopped at epoch 3', 'diverged at step 812', 'device lost' or an error code. */
  status: string;
  /** It continued a model trained this many epochs (a loaded one, or a finished run's); its History starts at epoch 1 all the same. */
  from?: number;
}

/** The table's record keys under the names the settings schema gives them (the element's properties). */
export const SETTING_NAMES: Record<string, string> = { lr: 'learningRate', batch: 'batchSize' };

/** A run read back from runs.json: its record less what the table gives it (id, label, colour). */
export type LoadedRun = Omit<RunRecord, 'id' | 'label' | 'color'>;

/**
 * runs.json back into runs for the table (another browser's comparison, or a report's): each entry's status,
 * settings (schema names back to the table's keys; null dropout: the layers' own), parameters, seconds and
 * History (nulls, JSON's NaN, back to NaN). Throws naming the entry and field that is wrong; a setting of the schema
 * must hold a value its rule allows (settingProblem), so that the table shows no rate of -1 or batch of 0.
 */
export function parseRunsJson(text: string): LoadedRun[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(data)) throw new Error('expected a list of runs, as runs.json holds');
  if (data.length === 0) throw new Error('the list holds no runs');
  const keyOf = Object.fromEntries(Object.entries(SETTING_NAMES).map(([k, v]) => [v, k]));
  return data.map((entry: unknown, i): LoadedRun => {
    const at = `run ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${at}: expected an object`);
    const r = entry as Record<string, unknown>;
    if (typeof r.status !== 'string') throw new Error(`${at}: status must be text`);
    if (typeof r.settings !== 'object' || r.settings === null || Array.isArray(r.settings)) throw new Error(`${at}: settings must be an object`);
    const settings: RunSettings = {};
    for (const [name, v] of Object.entries(r.settings)) {
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new Error(`${at}: setting ${name} must be text, a number or null`);
      const problem = settingProblem(name, v);
      if (problem) throw new Error(`${at}: setting ${problem}`);
      const key = keyOf[name] ?? name;
      settings[key] = key === 'dropout' && v === null ? 'model' : v;
    }
    if (r.parameters !== null && !(Number.isInteger(r.parameters) && (r.parameters as number) >= 0)) throw new Error(`${at}: parameters must be a whole number or null`);
    if (!(typeof r.seconds === 'number' && r.seconds >= 0)) throw new Error(`${at}: seconds must be a number of at least 0`);
    if (r.continued_from !== undefined && !(Number.isInteger(r.continued_from) && (r.continued_from as number) >= 1)) throw new Error(`${at}: continued_from must be a whole number of at least 1`);
    const problem = historyProblem(r.history);
    if (problem) throw new Error(`${at}: history${problem.startsWith('.') ? '' : ' '}${problem}`);
    const history = Object.fromEntries(Object.entries(r.history as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => x ?? Number.NaN) : v]));
    return {
      status: r.status, ...(r.continued_from ? { from: r.continued_from as number } : {}), settings,
      parameters: (r.parameters as number | null) ?? Number.NaN, seconds: r.seconds, history: history as unknown as History,
    };
  });
}

/**
 * What is wrong with a recorded setting by the schema's rule, or undefined. The model is a name or 'custom' (the layers
 * are its one-line description), and the learning rate a rate or "rate schedule" (lrSetting): those are checked as such;
 * keys the schema does not know are the table's own and pass.
 */
function settingProblem(name: string, v: string | number | null): string | undefined {
  if (name === 'model' || !(name in SETTINGS)) return undefined;
  try {
    if (name === 'learningRate' && typeof v === 'string') {
      const [rate, schedule, ...rest] = v.split(' ');
      if (rest.length || schedule === undefined) return `learningRate must be a rate, or a rate and a schedule ("0.01 cosine"), got ${JSON.stringify(v)}`;
      parseSetting('learningRate', rate);
      parseSetting('lrSchedule', schedule);
    } else {
      parseSetting(name as SettingName, v);
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
