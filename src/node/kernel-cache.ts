// The autotuner's kernel choices (src/engine/autotune.ts) kept between runs of the command line, the
// experiments and the Node bench: a JSON file of cache key → variant (or `tiled:<tile>`), read into the engine's session cache
// once per process and written back at exit when an entry was added or replaced (merged with entries another
// process wrote meanwhile, so runs at once do not drop each other's choices). The file is a cache: a missing,
// unreadable or malformed one is measured again (and a note says why), never an error.
// MNIST_TRAINER_KERNEL_CACHE=FILE moves it, =off keeps nothing.
import { readFileSync } from 'node:fs';
import { writeWholeSync } from './whole-file';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isKernelCandidate, type KernelCandidate } from '../engine/kernel-variant';
import { sessionKernelCache, type KernelCache } from '../engine/autotune';

/** $MNIST_TRAINER_KERNEL_CACHE, else $XDG_CACHE_HOME/mnist-trainer/kernels.json (~/.cache by default); undefined: off. */
export function kernelCacheFile(env: Record<string, string | undefined> = process.env): string | undefined {
  const set = env.MNIST_TRAINER_KERNEL_CACHE;
  if (set === 'off') return undefined;
  if (set) return set;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mnist-trainer', 'kernels.json');
}

/** The entries of a cache file's text; throws a message naming what is wrong. */
export function parseKernelCache(text: string): Map<string, KernelCandidate> {
  const json: unknown = JSON.parse(text);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('expected an object of cache key → variant');
  const out = new Map<string, KernelCandidate>();
  for (const [k, v] of Object.entries(json)) {
    if (!isKernelCandidate(v)) throw new Error(`entry "${k}": unknown variant ${JSON.stringify(v)}`);
    out.set(k, v);
  }
  return out;
}

let kept = false;

/** The file's entries, or none when it is missing or unusable (the caller has said why once already). */
function readEntries(file: string): Map<string, KernelCandidate> {
  try {
    return parseKernelCache(readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/**
 * Fills `cache` (default: the engine's session cache) from the file and writes it back at exit if an entry
 * was added or replaced (a stale or hand-edited choice measured again); once per process. Returns a note when
 * the file could not be used.
 */
export function keepKernelChoices(file = kernelCacheFile(), cache: KernelCache = sessionKernelCache): string | undefined {
  if (kept || !file) return undefined;
  kept = true;
  let note: string | undefined;
  try {
    for (const [k, v] of parseKernelCache(readFileSync(file, 'utf8'))) if (!cache.has(k)) cache.set(k, v);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ENOENT') note = `kernel cache ${file} not used (${err.message}); the kernels are measured again`;
  }
  const loaded = new Map(cache);
  process.on('exit', () => {
    const changed = [...cache].filter(([k, v]) => loaded.get(k) !== v);
    if (!changed.length) return;
    try {
      // This process's new choices over what the file holds now (another run may have added its own since).
      const merged = readEntries(file);
      for (const [k, v] of changed) merged.set(k, v);
      for (const [k, v] of cache) if (!merged.has(k)) merged.set(k, v);
      // Whole or not at all; a temporary file per process, as runs at once may each write the cache.
      writeWholeSync(file, `${JSON.stringify(Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b))), null, 1)}\n`, `${file}.${process.pid}.tmp`);
    } catch { /* a cache that cannot be written is measured again next time */ }
  });
  return note;
}
