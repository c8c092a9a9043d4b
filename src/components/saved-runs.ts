// The element's side of the saved runs: which table rows are in the store (run id → store key), restoring
// them when the element connects (a page reload), storing each run as it ends, deleting a removed one and
// clearing them all; and the last model a run reached (its latest recovery point, replaced after every
// epoch), which a reloaded page offers to restore. Any store failure becomes `notice` (shown with the
// element's messages), never an error event: nothing the user asked for failed, and the element works without the store.
import { msg, str } from '@lit/localize';
import { html, nothing } from 'lit';
import type { RunRecord } from './compare-runs';
import { RunStore, storeNotice, type StoreAction, type StoredModel, type StoredRun } from './run-store';
import { formatNumber, getLocale } from './i18n';
import { modelName } from '../engine/model';
import type { Trainer } from '../engine/trainer';
import { checkpointFileName } from './model-files';

/** A model whose checkpoint is larger is not written to the store after every epoch (the user can still save it). */
export const MAX_KEPT_MODEL_BYTES = 64 * 1024 * 1024;

export class SavedRuns {
  /** The last failure, for the element's message area ('' when none), in English; `noticeText()` in the page's language. */
  notice = '';
  noticeText: () => string = () => this.notice;
  /** The last model in the store: read when the store is opened, replaced by keepModel. */
  lastModel?: StoredModel;
  private store?: RunStore;
  /** Table run id → store key, for the runs stored by or restored from the current store. */
  private readonly keys = new Map<number, number>();
  /** The store's open waits for another tab (its notice says so until an operation succeeds). */
  private waiting = false;
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

  private setNotice(n: { english: string; text(): string }): void {
    this.notice = n.english;
    this.noticeText = n.text;
    this.changed();
  }

  private track<T>(what: StoreAction, op: () => Promise<T>): Promise<T | undefined> {
    const p = op().then((v) => {
      // The other tab let go: what waited is stored, and the wait's notice no longer holds.
      if (this.waiting) {
        this.waiting = false;
        this.notice = '';
        this.changed();
      }
      return v;
    }).catch((e: unknown) => {
      this.setNotice(storeNotice(what, e));
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
    this.lastModel = undefined;
    this.store = enabled ? new RunStore(name, () => {
      this.waiting = true;
      this.setNotice({
        english: 'Saved runs: waiting for another tab of this page to close or reload (it holds the saved runs open in an older version); the runs are saved once it does.',
        text: () => msg('Saved runs: waiting for another tab of this page to close or reload (it holds the saved runs open in an older version); the runs are saved once it does.'),
      });
    }) : undefined;
    const store = this.store;
    if (!store) return;
    void this.track({ english: 'read the stored runs', text: () => msg('read the stored runs') }, async () => {
      const stored = await store.list();
      if (store !== this.store) return;
      const records = restore(stored.map((s) => s.run));
      records.forEach((r, i) => this.keys.set(r.id, stored[i].key));
      this.changed();
    });
    void this.track({ english: 'read the last model', text: () => msg('read the last model') }, async () => {
      const last = await store.lastModel();
      if (store !== this.store) return;
      this.lastModel ??= last; // unless a run already kept a newer one
      this.changed();
    });
  }

  /** The trainer's latest recovery point becomes the last model (in the store, with use()), replacing the one before. */
  keepModel({ trainer, data }: { trainer?: Trainer; data: { dataset?: { name: string } } }): void {
    const store = this.store;
    const point = trainer?.recoveryPoint;
    if (!store || !trainer || !point || point.bytes.length > MAX_KEPT_MODEL_BYTES) return;
    const m: StoredModel = { bytes: point.bytes, epoch: point.epoch, model: modelName(trainer.config.model), dataset: data.dataset?.name ?? 'data', savedAt: Date.now() };
    this.lastModel = m;
    void this.track({ english: 'keep the last model', text: () => msg('keep the last model') }, () => store.keepModel(m));
  }

  /** Stores a run that has just ended. */
  add(run: RunRecord): void {
    const store = this.store;
    if (!store) return;
    void this.track({ english: 'store the run', text: () => msg('store the run') }, async () => {
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
    void this.track({ english: 'delete the run', text: () => msg('delete the run') }, () => store.delete(key));
    this.changed();
  }

  /** Empties the store; the ids of the table's runs that were in it (the element removes them). */
  clear(): number[] {
    const ids = [...this.keys.keys()];
    const store = this.store;
    this.keys.clear();
    this.lastModel = undefined;
    if (store) void this.track({ english: 'clear the stored runs', text: () => msg('clear the stored runs') }, () => Promise.all([store.clear(), store.forgetModel()]));
    this.changed();
    return ids;
  }

  /** "The last model … Restore it", while `show` (the element has no model: a reloaded page) and the store holds one; `load` gets it as a checkpoint file. */
  renderRestore(show: boolean, load: (file: File) => void) {
    const m = this.lastModel;
    if (!show || !m || !this.store) return nothing;
    const [model, dataset, epoch] = [m.model, m.dataset, formatNumber(m.epoch)];
    const when = new Date(m.savedAt).toLocaleString(getLocale(), { dateStyle: 'medium', timeStyle: 'short' });
    return html`<p class="note last-model" part="last-model">
      ${msg(str`The last model trained here is kept in this browser: ${model} on ${dataset} after epoch ${epoch} (${when}).`)}
      <button type="button" part="button restore" @click=${() => load(new File([m.bytes as Uint8Array<ArrayBuffer>], checkpointFileName(m.model, m.dataset, m.epoch)))}>${msg('Restore it')}</button>
    </p>`;
  }

  /** "Clear saved runs (N)" for the compare section, while the store is in use; `clear` gets the click. */
  render(clear: (e: Event) => void) {
    if (!this.store) return nothing;
    const n = formatNumber(this.count);
    // A store that failed (the notice says why) has saved nothing yet: not "runs are saved".
    const saved = this.count === 0 && this.notice ? msg('Runs are not being saved in this browser (the message above says why).')
      : this.count === 0 ? msg('Runs are saved in this browser.')
      : this.count === 1 ? msg('1 run saved in this browser.') : msg(str`${n} runs saved in this browser.`);
    return html`<p class="note saved-runs" part="saved-runs">
      ${saved}
      <button type="button" part="button clear-runs" ?disabled=${this.count === 0 && !this.lastModel} title=${msg('Deletes the saved runs and the last model from this browser')}
        @click=${clear}>${msg(str`Clear saved runs (${n})`)}</button>
    </p>`;
  }
}
