// <mt-compare>: the runs (finished, stopped or failed) side by side (final metrics first, then settings, size, time),
// with a checkbox per run to overlay its curves on the charts and a button to remove it, and the table saved as
// runs.csv / runs.json (and runs.json read back: Load runs…). The results lead so that they are in view without scrolling sideways in the element's
// narrow column.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { csvLine } from '../engine/history-files';
import { DEFAULT_SETTINGS, type SettingName, type Settings } from '../engine/settings';
import { HISTORY_NAMES, describeLiveChange } from '../engine/live-changes';
import { keptEpoch, type History } from '../engine/trainer';
import type { RunSettings } from './controller-types';
import { downloadBlob } from './download';
import { themeStyles } from './help';
import { formatNumber } from './i18n';
import { SETTING_TEXTS } from './locales/setting-texts';
import { runStatusText } from './messages';
import { SETTING_NAMES, parseRunsJson, type LoadedRun, type RunRecord } from './runs-json';
import { focusDropped, hasFocus } from './focus';

export { parseRunsJson, type LoadedRun, type RunRecord } from './runs-json';
import { formatCount, formatFixed, formatPercent } from './number-format';

export interface OverlayChangeDetail { ids: number[] }
export interface RemoveRunDetail { id: number }
export interface RunsLoadedDetail { runs: LoadedRun[] }

/** A setting's text in the table; dropout 'model' (or a live change's null) is each layer's own rate. */
const startText = (key: string, v: unknown): string => {
  if (key === 'dropout' && (v === 'model' || v === null)) return msg('the model\'s', { id: 'compare-dropout-model' });
  // Recorded in English ('custom', '0.002 cosine': runs.json and runs.csv keep them so); shown in the page's language.
  if (key === 'model' && v === 'custom') return msg('custom', { id: 'compare-model-custom' });
  const scheduled = key === 'lr' && typeof v === 'string' ? /^(\S+) cosine$/.exec(v) : null;
  if (scheduled && Number.isFinite(Number(scheduled[1]))) return `${settingText(Number(scheduled[1]))} ${msg('cosine decay')}`;
  return settingText((v ?? undefined) as string | number | undefined);
};

/** The values live changes gave a live setting's column (lr, dropout) during the run (its History's live_changes), in order; none for the others. */
const liveValues = (run: RunRecord, key: string) => {
  const name = (HISTORY_NAMES as Record<string, string | undefined>)[SETTING_NAMES[key] ?? key];
  return name ? (run.history.live_changes ?? []).filter((c) => c.setting === name).map((c) => c.to) : [];
};

/** The settings columns: key in RunRecord.settings → column heading (a function: the heading follows the locale). */
export const SETTING_COLUMNS: readonly (readonly [string, () => string])[] = [
  ['model', () => msg('Model')],
  ['optimizer', () => msg('Optimizer')],
  ['lr', () => msg('LR', { desc: 'learning rate, a column heading' })],
  ['batch', () => msg('Batch', { desc: 'batch size, a column heading' })],
  ['dropout', () => msg('Dropout')],
  ['epochs', () => msg('Epochs')],
  ['seed', () => msg('Seed')],
];

/**
 * Settings shown as a column only when a run in the table did not keep the default (a loss compared, weight
 * decay or augmentation against overfitting, a subset of the data): the table stays narrow, and what a run
 * changed is in view. Recorded under their names in RunRecord.settings; a run recorded before a setting was
 * (an older stored run) shows '—' there.
 */
export const VARYING_SETTINGS = [
  'dataSource', 'loss', 'labelSmoothing', 'weightDecay', 'augmentShift', 'augmentRotation', 'augmentZoom',
  'trainLimit', 'validationSplit', 'earlyStopping', 'reduceLrPatience',
] as const satisfies readonly SettingName[];
type VaryingSetting = (typeof VARYING_SETTINGS)[number];

/** The VARYING_SETTINGS of `s`, for a run's record. */
export function varyingSettings(s: Settings): RunSettings {
  return Object.fromEntries(VARYING_SETTINGS.map((name) => [name, s[name]]));
}

/** The VARYING_SETTINGS some run of `runs` changed from the default, in their order. */
export function varyingColumns(runs: readonly RunRecord[]): VaryingSetting[] {
  return VARYING_SETTINGS.filter((name) => runs.some((r) => name in r.settings && r.settings[name] !== DEFAULT_SETTINGS[name]));
}

const pct = (v: number) => (Number.isFinite(v) ? formatPercent(v, 2) : '—');
const loss = (v: number) => (Number.isFinite(v) ? formatFixed(v, 4) : '—');
/** A numeric setting in the locale's notation (a decimal comma in Russian), every digit, ungrouped (a seed); text settings as they are. */
const settingText = (v: string | number | undefined) => (v === undefined ? '—' : typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: 20, useGrouping: false }) : v);
/** A varying setting's cell: its value, what an absent one means ("the optimizer's own", "all", "off"), or '—' where not recorded. */
const varyingText = (run: RunRecord, name: VaryingSetting) => {
  const v = run.settings[name];
  return v === null ? SETTING_TEXTS[name].absent?.() ?? '—' : settingText(v);
};

/** A settings column of the table: its key in RunRecord.settings, heading, cell text, and whether the runs differ there. */
interface SettingColumn { key: string; heading: () => string; cell: (run: RunRecord) => string; differs: boolean }

/**
 * The table's settings columns: SETTING_COLUMNS, the VARYING_SETTINGS some run changed, and the layers where a
 * model is custom. Those whose recorded values are not all the same (a run recorded before a setting was is
 * left out of its comparison) come first, next to the results, and are shown in bold: what a comparison varied
 * stays in view in the element's narrow column.
 */
export function settingColumns(runs: readonly RunRecord[], epochs: (run: RunRecord) => string): SettingColumn[] {
  const fixed = SETTING_COLUMNS.map(([key, heading]) => ({
    key, heading,
    cell: (run: RunRecord) => key === 'epochs' ? epochs(run) : [run.settings[key], ...liveValues(run, key)].map((v) => startText(key, v)).join(' → '),
  }));
  const varying = varyingColumns(runs).map((name) => ({ key: name, heading: () => SETTING_TEXTS[name].label(), cell: (run: RunRecord) => varyingText(run, name) }));
  // A preset's name says its layers; 'custom' does not, so custom models show theirs (recorded as describeModel's line).
  const layers = runs.some((r) => r.settings.model === 'custom' && typeof r.settings.layers === 'string')
    ? [{ key: 'layers', heading: () => msg('Layers'), cell: (run: RunRecord) => settingText(run.settings.layers ?? undefined) }] : [];
  const columns = [...fixed, ...varying, ...layers].map((c) => ({
    ...c, differs: new Set(runs.filter((r) => c.key in r.settings).map((r) => JSON.stringify([r.settings[c.key], ...liveValues(r, c.key)]))).size > 1,
  }));
  return [...columns.filter((c) => c.differs), ...columns.filter((c) => !c.differs)];
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) {
    const seconds = s < 10 ? formatFixed(s, 1) : formatNumber(Math.round(s));
    return msg(str`${seconds} s`);
  }
  const total = Math.round(s);
  const two = (n: number) => String(n).padStart(2, '0');
  if (total < 3600) return msg(str`${formatNumber(Math.floor(total / 60))} min ${two(total % 60)} s`);
  return msg(str`${formatNumber(Math.floor(total / 3600))} h ${two(Math.floor((total % 3600) / 60))} min`);
}

/** A run's final train and test metrics: its kept epoch's (the best early stopping restored, else the last; val_* stands in for older records' test_*). */
export function finalMetrics(h: History): { trainAccuracy: number; testAccuracy: number; trainLoss: number; testLoss: number } {
  const test = h.test_accuracy?.length ? { acc: h.test_accuracy, loss: h.test_loss } : { acc: h.val_accuracy, loss: h.val_loss };
  const at = (a: readonly number[] | undefined) => a?.[keptEpoch(h) - 1] ?? Number.NaN;
  return { trainAccuracy: at(h.accuracy), testAccuracy: at(test.acc), trainLoss: at(h.loss), testLoss: at(test.loss) };
}

const settingKeys = [...SETTING_COLUMNS.map(([key]) => key), ...VARYING_SETTINGS, 'layers'];

/** A recorded setting as the file writes it: an absent one (null, dropout 'model': each layer's own) is empty. */
const settingValue = (run: RunRecord, key: string) => {
  const v = run.settings[key];
  return v === 'model' && key === 'dropout' ? null : v;
};

/**
 * runs.csv: `run,status,test_accuracy,train_accuracy,test_loss,train_loss,epochs_done,continued_from,` the settings (schema
 * names, their start values), `parameters,seconds,live_changes` (the History's, "epoch 2.4: dropout 0 → 0.5; …").
 * An empty cell is a setting left at its absent meaning (dropout: the layers' own rates; train limit: all
 * images; …), one not recorded (a run stored by an older version), a metric the run never reached, or no change.
 */
export function runsCsv(runs: readonly RunRecord[]): string {
  const head = ['run', 'status', 'test_accuracy', 'train_accuracy', 'test_loss', 'train_loss', 'epochs_done', 'continued_from',
    ...settingKeys.map((k) => SETTING_NAMES[k] ?? k), 'parameters', 'seconds', 'live_changes'];
  const rows = runs.map((run) => {
    const m = finalMetrics(run.history);
    return csvLine([run.label, run.status, m.testAccuracy, m.trainAccuracy, m.testLoss, m.trainLoss, run.history.loss.length, run.from,
      ...settingKeys.map((k) => settingValue(run, k)), run.parameters, run.seconds,
      (run.history.live_changes ?? []).map((c) => `epoch ${Number(c.epoch.toFixed(2))}: ${describeLiveChange(c)}`).join('; ')]);
  });
  return [csvLine(head), ...rows].join('\n') + '\n';
}

/** runs.json: each run's label, status, the epoch it continued after (`continued_from`, where it did), settings (schema names), parameters, seconds and History, indented. */
export function runsJson(runs: readonly RunRecord[]): string {
  return JSON.stringify(runs.map((run) => ({
    run: run.label, status: run.status, ...(run.from ? { continued_from: run.from } : {}),
    settings: Object.fromEntries(Object.keys(run.settings).map((k) => [SETTING_NAMES[k] ?? k, settingValue(run, k)])),
    parameters: Number.isFinite(run.parameters) ? run.parameters : null, seconds: run.seconds, history: run.history,
  })), null, 2) + '\n';
}

/** The columns the table sorts by (a click on their heading): the run's order, its results, size and time. */
type SortKey = 'run' | 'testAccuracy' | 'trainAccuracy' | 'testLoss' | 'trainLoss' | 'parameters' | 'seconds';
/** Accuracies sort best first on the first click, the rest smallest first. */
const DESCENDING_FIRST: readonly SortKey[] = ['testAccuracy', 'trainAccuracy'];

/** The row order of `runs` (with their finalMetrics) sorted by `key` (ties and unknown values: table order, unknown last). */
export function sortedOrder(runs: readonly RunRecord[], metrics: readonly ReturnType<typeof finalMetrics>[], key: SortKey, descending: boolean): number[] {
  const value = (r: RunRecord, i: number): number => (key === 'run' ? i : key === 'parameters' ? r.parameters : key === 'seconds' ? r.seconds : metrics[i][key]);
  const values = runs.map(value);
  return runs.map((_, i) => i).sort((a, b) => {
    const [x, y] = [values[a], values[b]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Number(!Number.isFinite(x)) - Number(!Number.isFinite(y)) || a - b;
    return (descending ? y - x : x - y) || a - b;
  });
}

/**
 * Properties: `.runs` (RunRecord[]), `.selected` (ids overlaid on the charts).
 * Events (bubbling, composed): `overlay-change` {ids} when a checkbox changes, `remove-run` {id}, `runs-loaded`
 * {runs} when a runs.json file was read (Load runs…; a file it cannot read is named under the buttons).
 * Parts: table, empty, downloads (the runs.csv, runs.json and Load runs… buttons), load-error.
 */
export class MtCompare extends LitElement {
  static override properties = {
    runs: { attribute: false },
    selected: { attribute: false },
    loadError: { state: true },
    sort: { state: true },
  };

  declare runs: RunRecord[];
  declare selected: number[];
  /** Why the last file given to Load runs… was refused ('' when it was read). */
  declare loadError: string;
  /** The rows' order: by a column, after a click on its heading; the table's own order at first. */
  declare sort: { key: SortKey; descending: boolean };

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.runs = [];
    this.selected = [];
    this.loadError = '';
    this.sort = { key: 'run', descending: false };
  }

  /** A sortable heading: a button that sorts by its column, again the other way; aria-sort says how the rows are. */
  private sortable(key: SortKey, label: string, cls = '') {
    const on = this.sort.key === key;
    const next = { key, descending: on ? !this.sort.descending : DESCENDING_FIRST.includes(key) };
    // The table's own order (runs in the order they ended) needs no arrow.
    const arrow = on && (key !== 'run' || this.sort.descending);
    return html`<th scope="col" class=${cls} aria-sort=${on ? (this.sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" @click=${() => { this.sort = next; }}>${label}${arrow ? html`<span aria-hidden="true">${this.sort.descending ? ' ▼' : ' ▲'}</span>` : nothing}</button></th>`;
  }

  /** Reads a runs.json file and hands its runs on (`runs-loaded`), or says why it cannot. */
  async loadFile(file: Blob & { name?: string }): Promise<void> {
    try {
      const runs = parseRunsJson(await file.text());
      this.loadError = '';
      this.dispatchEvent(new CustomEvent<RunsLoadedDetail>('runs-loaded', { detail: { runs }, bubbles: true, composed: true }));
    } catch (e) {
      const name = file.name ?? 'the file';
      this.loadError = msg(str`${name} is not a runs.json file: ${(e as Error).message}`);
    }
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    th, td { border-bottom: 1px solid var(--_line); text-align: right; white-space: nowrap; }
    thead th { font-weight: 500; color: var(--_muted); }
    tbody th { font-weight: 600; }
    .text { text-align: left; }
    .swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; vertical-align: middle; }
    tr.best .test-acc { font-weight: 700; color: var(--_good); }
    .ended { color: var(--_bad); }
    td.layers { white-space: normal; min-width: 16em; font-size: 0.9em; }
    .differs { font-weight: 600; }
    thead th.differs { color: inherit; }
    /* The run's name stays in view while the columns scroll sideways. */
    th.run { position: sticky; left: 0; background: var(--_bg); z-index: 1; }
    button { padding: 0.1em 0.6em; }
    /* A sortable heading reads as a heading; its button is only how it is clicked. */
    button.sort { font: inherit; color: inherit; background: none; border: none; padding: 0; cursor: pointer; text-align: inherit; }
    button.sort:hover { text-decoration: underline; }
  `];

  private toggle(id: number, on: boolean): void {
    const wanted = new Set(this.selected);
    wanted[on ? 'add' : 'delete'](id);
    const ids = this.runs.map((r) => r.id).filter((i) => wanted.has(i));
    this.selected = ids;
    this.dispatchEvent(new CustomEvent<OverlayChangeDetail>('overlay-change', { detail: { ids }, bubbles: true, composed: true }));
  }

  /** A Remove the user pressed (it had the focus): its row's place, where the focus goes once the table has lost the row. */
  private removed?: { button: Element; row: number };

  private removeRun(id: number, e: Event): void {
    const button = e.currentTarget as HTMLButtonElement;
    const rows = [...this.renderRoot.querySelectorAll('tbody tr')];
    if (hasFocus(button)) this.removed = { button, row: rows.indexOf(button.closest('tr')!) };
    this.dispatchEvent(new CustomEvent<RemoveRunDetail>('remove-run', { detail: { id }, bubbles: true, composed: true }));
  }

  /** Where the focus goes when the runs around it go (a row removed, the saved runs cleared): the table, or the "No runs yet" text. */
  focusTarget(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('table, [part="empty"]');
  }

  /** After a removed row: the focus, if the row took it along, on the Remove button now in its place (the row after it, or before the last), or on the table's place. */
  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('runs') || !this.removed) return;
    const { button, row } = this.removed;
    this.removed = undefined;
    if (!focusDropped(button)) return; // still on a Remove button (Lit reuses the rows): the next run's
    const buttons = [...this.renderRoot.querySelectorAll<HTMLElement>('td.remove button')];
    (buttons[Math.min(row, buttons.length - 1)] ?? this.focusTarget())?.focus();
  }

  private epochs(run: RunRecord): string {
    const done = run.history.loss.length;
    const planned = run.settings.epochs;
    if (planned === undefined || planned === null) return formatNumber(done);
    return Number(planned) === done ? formatNumber(done) : `${formatNumber(done)}/${settingText(planned)}`;
  }

  /** Load runs…: a file input behind a button, so the button reads like the others. */
  private loader() {
    return html`<button type="button" title=${msg('Add the runs of a runs.json file saved here or in another browser to the table')}
        @click=${() => this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click()}>${msg('Load runs…')}</button>
      <input type="file" accept=".json,application/json" hidden @change=${async (e: Event) => {
        const input = e.target as HTMLInputElement;
        const file = input.files?.[0];
        input.value = '';
        if (file) await this.loadFile(file);
      }}>
      ${this.loadError ? html`<span class="ended" role="alert" part="load-error">${this.loadError}</span>` : nothing}`;
  }

  protected override render() {
    if (this.runs.length === 0) {
      return html`<p class="muted" part="empty" tabindex="-1">${msg('No runs yet. Each run (finished, stopped or failed) is added here, so you can compare settings and results and overlay their curves.')}</p>
        <p class="downloads muted" part="downloads">${this.loader()}</p>`;
    }
    const metrics = this.runs.map((r) => finalMetrics(r.history));
    let best = -1;
    if (this.runs.length > 1) {
      metrics.forEach((m, i) => { if (Number.isFinite(m.testAccuracy) && (best < 0 || m.testAccuracy > metrics[best].testAccuracy)) best = i; });
    }
    const selected = new Set(this.selected);
    const columns = settingColumns(this.runs, (run) => this.epochs(run));
    return html`
      <div class="table-scroll">
        <table part="table" tabindex="-1">
          <caption class="muted"><span>${msg('Every run, finished, stopped or failed. Tick a run to overlay its curves on the charts; click a result\'s heading to sort by it. Settings that differ between runs are in bold.')}</span></caption>
          <thead><tr>
            <th scope="col">${msg('Overlay')}</th>${this.sortable('run', msg('Run'), 'text run')}
            ${this.sortable('testAccuracy', msg('Test acc.'))}${this.sortable('trainAccuracy', msg('Train acc.'))}${this.sortable('testLoss', msg('Test loss'))}${this.sortable('trainLoss', msg('Train loss'))}
            <th scope="col" class="text">${msg('Status')}</th>
            ${columns.map((c) => html`<th scope="col" class=${[c.key === 'layers' ? 'text' : '', c.differs ? 'differs' : ''].filter(Boolean).join(' ')} data-setting=${c.key}>${c.heading()}</th>`)}
            ${this.sortable('parameters', msg('Parameters'))}${this.sortable('seconds', msg('Time'))}<th scope="col"><span class="muted">${msg('Remove')}</span></th>
          </tr></thead>
          <tbody>
            ${sortedOrder(this.runs, metrics, this.sort.key, this.sort.descending).map((i) => {
              const run = this.runs[i];
              const m = metrics[i];
              return html`<tr data-id=${run.id} class=${i === best ? 'best' : ''}>
                <td class="text"><input type="checkbox" .checked=${selected.has(run.id)} aria-label=${msg(str`Overlay ${run.label} on the charts`)}
                  @change=${(e: Event) => this.toggle(run.id, (e.target as HTMLInputElement).checked)}></td>
                <th scope="row" class="text run"><span class="swatch" style=${styleMap({ background: run.color })} aria-hidden="true"></span> ${run.label}${i === best ? html` <span class="muted" title=${msg('Best test accuracy')}>${msg('(best)')}</span>` : ''}</th>
                <td class="test-acc">${pct(m.testAccuracy)}</td><td>${pct(m.trainAccuracy)}</td>
                <td>${loss(m.testLoss)}</td><td>${loss(m.trainLoss)}</td>
                <td class=${run.status === 'finished' ? 'text status' : 'text status ended'} data-status=${run.status}>${runStatusText(run.status)}${run.from
                  ? html`<br><span class="muted from">${msg(str`continued after epoch ${formatCount(run.from)}`)}</span>` : nothing}</td>
                ${columns.map((c) => html`<td data-setting=${c.key} class=${[typeof run.settings[c.key] === 'number' ? '' : 'text', c.differs ? 'differs' : '', c.key === 'layers' ? 'layers' : ''].filter(Boolean).join(' ')}>${c.cell(run)}</td>`)}
                <td>${Number.isFinite(run.parameters) ? formatCount(run.parameters) : '—'}</td>
                <td>${formatSeconds(run.seconds)}</td>
                <td class="remove"><button type="button" @click=${(e: Event) => this.removeRun(run.id, e)} aria-label=${msg(str`Remove ${run.label}`)}>${msg('Remove')}</button></td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      <p class="downloads muted" part="downloads">${msg('Save:')}
        <button type="button" title=${msg('Save the table, a row per run with its results and settings (CSV)')}
          @click=${() => downloadBlob(new Blob([runsCsv(this.runs)], { type: 'text/csv' }), 'runs.csv')}>runs.csv</button>
        <button type="button" title=${msg('Save every run of the table with its settings and whole History (JSON)')}
          @click=${() => downloadBlob(new Blob([runsJson(this.runs)], { type: 'application/json' }), 'runs.json')}>runs.json</button>
        ${this.loader()}
      </p>`;
  }
}

if (!customElements.get('mt-compare')) customElements.define('mt-compare', MtCompare);

declare global {
  interface HTMLElementTagNameMap {
    'mt-compare': MtCompare;
  }
}
