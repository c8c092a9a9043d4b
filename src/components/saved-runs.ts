// The element's side of the saved runs: which table rows are in the store (run id → store key), restoring
// them when the element connects (a page reload), storing each run as it ends, deleting a removed one and
// clearing them all. Any store failure becomes `notice` (shown with the element's messages), never an
// error event: nothing the user asked for failed, and the table works without the store.
import { msg, str } from '@lit/localize';
import { html, nothing } from 'lit';
import type { RunRecord } from './compare-runs';
import { RunStore, storeNotice, type StoredRun } from './run-store';
import { formatNumber } from './i18n';

export class SavedRuns {
  /** The last failure, for the element's message area ('' when none). */
  notice = '';
  private store?: RunStore;
  /** Table run id → store key, for the runs stored by or restored from the current store. */
  private readonly keys = new Map<number, number>();
  /** The store operations under way (tests and the element's removal wait for them). */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly changed: () => void) {}

  /** Number of runs in the table that are stored. */
  get count(): number {
    return this.keys.size;
  }
  get enabled(): boolean {
    return !!this.store;
  }
  /** Resolves when every store operation started so far has settled. */
  settled(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  private track<T>(what: string, op: () => Promise<T>): Promise<T | undefined> {
    const p = op().catch((e: unknown) => {
      this.notice = storeNotice(what, e);
      this.changed();
      return undefined;
    });
    this.pending = Promise.all([this.pending, p]);
    return p;
  }

  /**
   * Uses store `name` (or none when `enabled` is false). A new store's runs are handed to `restore`, which
   * adds them to the table and returns their records (with their table ids), oldest first.
   */
  use(enabled: boolean, name: string, restore: (runs: StoredRun[]) => RunRecord[]): void {
    if (enabled && this.store?.name === name) return;
    this.store?.close();
    this.keys.clear();
    this.notice = '';
    this.store = enabled ? new RunStore(name) : undefined;
    const store = this.store;
    if (!store) return;
    void this.track('read the stored runs', async () => {
      const stored = await store.list();
      if (store !== this.store) return;
      const records = restore(stored.map((s) => s.run));
      records.forEach((r, i) => this.keys.set(r.id, stored[i].key));
      this.changed();
    });
  }

  /** Stores a run that has just ended. */
  add(run: RunRecord): void {
    const store = this.store;
    if (!store) return;
    void this.track('store the run', async () => {
      const key = await store.add(run);
      if (store === this.store) this.keys.set(run.id, key);
      this.changed();
    });
  }

  /** Forgets a run the user removed from the table. */
  remove(id: number): void {
    const key = this.keys.get(id);
    const store = this.store;
    if (key === undefined || !store) return;
    this.keys.delete(id);
    void this.track('delete the run', () => store.delete(key));
    this.changed();
  }

  /** Empties the store; the ids of the table's runs that were in it (the element removes them). */
  clear(): number[] {
    const ids = [...this.keys.keys()];
    const store = this.store;
    this.keys.clear();
    if (store) void this.track('clear the stored runs', () => store.clear());
    this.changed();
    return ids;
  }

  /** "Clear saved runs (N)" for the compare section, while the store is in use. */
  render(clear: () => void) {
    if (!this.store) return nothing;
    const n = formatNumber(this.count);
    const saved = this.count === 0 ? msg('Finished runs are saved in this browser.')
      : this.count === 1 ? msg('1 run saved in this browser.') : msg(str`${n} runs saved in this browser.`);
    return html`<p class="note saved-runs" part="saved-runs">
      ${saved}
      <button type="button" part="button clear-runs" ?disabled=${this.count === 0} @click=${clear}>${msg(str`Clear saved runs (${n})`)}</button>
    </p>`;
  }
}
