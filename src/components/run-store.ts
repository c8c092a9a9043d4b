// The comparison table's runs in IndexedDB, so they outlive the page: one database per store name
// ("mnist-trainer-runs/<name>"), so two elements with different store names never see each other's runs,
// with one object store of records (settings, History, final status; no weights) and, since version 2, one
// of the last model a run reached (its recovery point: a checkpoint file), so a reload or a crashed tab does
// not lose it. idb wraps IndexedDB's request/event API in promises; every failure (private mode, blocked,
// quota) reaches the caller as a rejected promise, which the element shows as a notice: it works without the store.
import { msg, str } from '@lit/localize';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunRecord } from './compare-runs';

/** What is stored of a run: its record without the id, label and colour the table gives it. */
export type StoredRun = Omit<RunRecord, 'id' | 'label' | 'color'> & { savedAt: number };

/** The last model a run of the element reached: a checkpoint file and what the Restore button says of it. */
export interface StoredModel {
  bytes: Uint8Array;
  epoch: number;
  /** The preset's name, or 'custom'. */
  model: string;
  dataset: string;
  savedAt: number;
}

interface RunsDB extends DBSchema {
  runs: { key: number; value: StoredRun };
  /** Version 2: one record, key LAST. */
  model: { key: string; value: StoredModel };
}

const LAST = 'last';

const DB_PREFIX = 'mnist-trainer-runs/';

export class RunStore {
  private db?: Promise<IDBPDatabase<RunsDB>>;

  /** `onBlocked`: another tab holds an older version open, and the open waits for it to let go. */
  constructor(readonly name: string, private readonly onBlocked: () => void = () => undefined) {}

  private open(): Promise<IDBPDatabase<RunsDB>> {
    this.db ??= openDB<RunsDB>(DB_PREFIX + this.name, 2, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) db.createObjectStore('runs', { autoIncrement: true });
        if (oldVersion < 2) db.createObjectStore('model');
      },
      // A tab holds an older version: the open waits until it lets go (below); meanwhile the user is told.
      blocked: () => this.onBlocked(),
      // Another tab wants a newer version: let this connection go, so its upgrade can proceed; ours reopens when next used.
      blocking: () => this.close(),
    });
    // A failed open is retried next time (the user may have freed space or left private mode).
    this.db.catch(() => { this.db = undefined; });
    return this.db;
  }

  /** Every stored run with its key, oldest first. */
  async list(): Promise<{ key: number; run: StoredRun }[]> {
    const db = await this.open();
    const tx = db.transaction('runs');
    const [keys, runs] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
    return keys.map((key, i) => ({ key, run: runs[i] }));
  }

  /** Stores a run; its key. */
  async add(run: RunRecord): Promise<number> {
    const { id: _id, label: _label, color: _color, ...rest } = run;
    return (await this.open()).add('runs', { ...rest, savedAt: Date.now() });
  }

  async delete(key: number): Promise<void> {
    await (await this.open()).delete('runs', key);
  }

  async clear(): Promise<void> {
    await (await this.open()).clear('runs');
  }

  async lastModel(): Promise<StoredModel | undefined> {
    return (await this.open()).get('model', LAST);
  }

  /** Replaces the last model. */
  async keepModel(m: StoredModel): Promise<void> {
    await (await this.open()).put('model', m, LAST);
  }

  async forgetModel(): Promise<void> {
    await (await this.open()).delete('model', LAST);
  }

  /** Lets the database go (the element left the page). */
  close(): void {
    this.db?.then((db) => db.close(), () => undefined);
    this.db = undefined;
  }
}

/** A store operation, in English and in the page's language (an infinitive phrase: "could not …"). */
export interface StoreAction { english: string; text(): string }

/**
 * A notice for a failed store operation: what failed and why, and that the element goes on without it, in English
 * and (`text`) in the page's language; the browser's own reason stays as it gives it, but for a full quota.
 */
export function storeNotice(what: StoreAction, e: unknown): { english: string; text(): string } {
  const err = e as { name?: string; message?: string };
  const quota = err?.name === 'QuotaExceededError';
  const why = quota ? 'the browser’s storage quota is full' : (err?.message || String(e));
  return {
    english: `Saved runs: could not ${what.english} (${why}). The comparison table still works but will not outlive the page.`,
    text: () => msg(str`Saved runs: could not ${what.text()} (${quota ? msg('the browser’s storage quota is full') : why}). The comparison table still works but will not outlive the page.`),
  };
}
