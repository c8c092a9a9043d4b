// The runs of <mnist-trainer>'s "Compare runs" section: every run that ended (this page's, and with
// persist-runs those restored from the browser's store), which of them the charts overlay, and the
// section itself. Every change makes new arrays, so <mt-compare> and <mt-charts> see it.
import { msg, str } from '@lit/localize';
import { html } from 'lit';
import type { LoadedRun, RunRecord, RunsLoadedDetail } from './compare-runs';
import type { ChartRun } from './charts';
import type { RunEnd } from './controller-types';
import type { SavedRuns } from './saved-runs';
import type { StoredRun } from './run-store';
import { hasFocus, hostOf, refocus } from './focus';

const RUN_COLORS = ['#8250df', '#1a7f37', '#bf3989', '#9a6700', '#0969da', '#cf222e', '#57606a'];

export class RunBook {
  /** The table's runs, restored ones first, then this page's in the order they ended. */
  runs: RunRecord[] = [];
  /** Ids of the runs overlaid on the charts. */
  overlay: number[] = [];
  private nextId = 1;

  constructor(private readonly saved: SavedRuns, private readonly changed: () => void) {}

  /**
   * `run` with a new table id, its colour and its label (ids never repeat, so neither do labels). The label is
   * a getter, read in the page's language whenever it is shown: a run outlives a language switch, and runs
   * restored from the store come back before a page's language has loaded.
   */
  private identify(run: Omit<RunRecord, 'id' | 'label' | 'color'>): RunRecord {
    const id = this.nextId++;
    const record = { ...run, id, color: RUN_COLORS[(id - 1) % RUN_COLORS.length] } as RunRecord;
    Object.defineProperty(record, 'label', { get: () => msg(str`Run ${id}`), enumerable: true, configurable: true });
    return record;
  }

  /** Stored runs back into the table, before the runs of this page, with new ids; their records. */
  restore(stored: StoredRun[]): RunRecord[] {
    const records = stored.map(({ savedAt: _s, ...s }) => this.identify(s));
    this.runs = [...records, ...this.runs];
    this.changed();
    return records;
  }

  /** Runs read from a runs.json file join the table after its runs (and the store), with new ids. */
  load(runs: readonly LoadedRun[]): RunRecord[] {
    const records = runs.map((r) => this.identify(r));
    this.runs = [...this.runs, ...records];
    for (const r of records) this.saved.add(r);
    this.changed();
    return records;
  }

  /** A run that ended enters the table (and the store) with its status and a copy of its curves. */
  add(end: RunEnd): RunRecord {
    const history = structuredClone(end.history);
    const record = this.identify({
      settings: end.request?.settings ?? {}, parameters: end.trainer?.model.paramCount ?? Number.NaN,
      history, seconds: history.epoch_seconds.reduce((a, b) => a + b, 0), status: end.status, ...(end.from ? { from: end.from } : {}),
    });
    this.runs = [...this.runs, record];
    this.saved.add(record);
    this.changed();
    return record;
  }

  private drop(ids: ReadonlySet<number>): void {
    this.runs = this.runs.filter((r) => !ids.has(r.id));
    this.overlay = this.overlay.filter((i) => !ids.has(i));
    this.changed();
  }

  /** The user removed a run from the table (and so from the store). */
  remove(id: number): void {
    this.drop(new Set([id]));
    this.saved.remove(id);
  }

  /** Empties the store and removes its runs from the table. */
  clearSaved(): void {
    this.drop(new Set(this.saved.clear()));
  }

  /**
   * "Clear saved runs" pressed: the button is disabled then (nothing left to clear), so the focus it had goes to
   * the table (or, with no runs left, the "No runs yet" text) once the table has the new runs.
   */
  private clearFromButton(e: Event): void {
    const button = e.currentTarget as HTMLElement;
    const focused = hasFocus(button);
    this.clearSaved();
    const compare = button.closest('section')?.querySelector('mt-compare');
    void refocus(button, focused, hostOf(button)?.updateComplete.then(() => compare?.updateComplete), () => [compare?.focusTarget()]);
  }

  /** The overlaid runs, for the charts. */
  overlays(): ChartRun[] {
    return this.runs.filter((r) => this.overlay.includes(r.id)).map((r) => ({
      label: r.label, history: r.history, color: r.color, ...(typeof r.settings.loss === 'string' ? { loss: r.settings.loss } : {}),
    }));
  }

  render() {
    return html`<section class="block" part="compare">
      <h2>${msg('Compare runs')}</h2>
      <mt-compare .runs=${this.runs} .selected=${this.overlay}
        @overlay-change=${(e: CustomEvent<{ ids: number[] }>) => { this.overlay = e.detail.ids; this.changed(); }}
        @remove-run=${(e: CustomEvent<{ id: number }>) => this.remove(e.detail.id)}
        @runs-loaded=${(e: CustomEvent<RunsLoadedDetail>) => this.load(e.detail.runs)}></mt-compare>
      ${this.saved.render((e) => this.clearFromButton(e))}
    </section>`;
  }
}
