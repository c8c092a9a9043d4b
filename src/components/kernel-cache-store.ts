// The autotuner's kernel choices (src/engine/autotune.ts) kept in IndexedDB, so a page measures each
// shape once per adapter, not once per visit: read into the engine's session cache before the first
// Trainer is built, new entries written after each build. A failure (private mode, quota, blocked) only
// means the kernels are measured again: the caller ignores it. idb wraps IndexedDB's requests in promises.
import { openDB, type DBSchema } from 'idb';
import { sessionKernelCache } from '../engine/autotune';
import { isKernelCandidate, type KernelCandidate } from '../engine/kernel-variant';

interface KernelsDB extends DBSchema {
  choices: { key: string; value: KernelCandidate };
}

const DB_NAME = 'mnist-trainer-kernels';
let loaded: Promise<void> | undefined;
/** What IndexedDB holds, by key: an entry measured again (a stale or invalid one) differs and is written. */
const saved = new Map<string, KernelCandidate>();

const open = () => openDB<KernelsDB>(DB_NAME, 1, { upgrade: (db) => { db.createObjectStore('choices'); } });

/** Once per page: the stored choices into the session cache. */
export function loadKernelChoices(): Promise<void> {
  loaded ??= (async () => {
    const db = await open();
    try {
      const tx = db.transaction('choices');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
      keys.forEach((k, i) => {
        if (!isKernelCandidate(values[i])) return;
        saved.set(k, values[i]);
        if (!sessionKernelCache.has(k)) sessionKernelCache.set(k, values[i]);
      });
    } finally {
      db.close();
    }
  })();
  return loaded;
}

/** The session cache's entries not stored yet, or stored with another value. */
export async function saveKernelChoices(): Promise<void> {
  const fresh = [...sessionKernelCache].filter(([k, v]) => saved.get(k) !== v);
  if (!fresh.length) return;
  const db = await open();
  try {
    const tx = db.transaction('choices', 'readwrite');
    await Promise.all([...fresh.map(([k, v]) => tx.store.put(v, k)), tx.done]);
    for (const [k, v] of fresh) saved.set(k, v);
  } finally {
    db.close();
  }
}
