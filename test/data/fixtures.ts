// In-memory IDX fixtures: small valid data sets, gzip via CompressionStream, and a fake fetch serving a
// folder of files, so every validation path can be exercised without touching the network.
import { encodeIdx, IDX_FILES } from '../../src/data/idx';
import { Rng } from '../../src/engine/random';

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** n random images of rows×cols pixels as an IDX file, plus the raw pixels. */
export function imagesIdx(n: number, seed: number, rows = 28, cols = 28): { file: Uint8Array; pixels: Uint8Array } {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(0, 255);
  return { file: encodeIdx([n, rows, cols], pixels), pixels };
}

/** n random labels 0–9 as an IDX file, plus the raw labels. */
export function labelsIdx(n: number, seed: number): { file: Uint8Array; labels: Uint8Array } {
  const rng = new Rng(seed, 1);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(0, 9);
  return { file: encodeIdx([n], labels), labels };
}

export interface Fixture {
  files: Record<string, Uint8Array>;
  trainPixels: Uint8Array;
  trainLabels: Uint8Array;
  testPixels: Uint8Array;
  testLabels: Uint8Array;
}

/** A complete small data set; the names in `gz` are stored gzipped under `<name>.gz`. */
export async function fixtureSet(nTrain: number, nTest: number, gz: string[] = []): Promise<Fixture> {
  const trI = imagesIdx(nTrain, 1);
  const trL = labelsIdx(nTrain, 2);
  const teI = imagesIdx(nTest, 3);
  const teL = labelsIdx(nTest, 4);
  const plain: Record<string, Uint8Array> = {
    [IDX_FILES.trainImages]: trI.file,
    [IDX_FILES.trainLabels]: trL.file,
    [IDX_FILES.testImages]: teI.file,
    [IDX_FILES.testLabels]: teL.file,
  };
  const files: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(plain)) {
    if (gz.includes(name)) files[`${name}.gz`] = await gzip(bytes);
    else files[name] = bytes;
  }
  return { files, trainPixels: trI.pixels, trainLabels: trL.labels, testPixels: teI.pixels, testLabels: teL.labels };
}

export interface FakeServer {
  fetch: typeof fetch;
  /** Every URL requested, in order. */
  requested: string[];
}

/**
 * A fetch that serves `files` under `folder` (404 otherwise). `status` forces an HTTP status for a file name;
 * `html404` answers missing files with 200 and an HTML page, as SPA dev servers do.
 */
export function fakeServer(folder: string, files: Record<string, Uint8Array>,
  opts: { status?: Record<string, number>; html404?: boolean } = {}): FakeServer {
  const requested: string[] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    requested.push(url);
    init?.signal?.throwIfAborted();
    const name = url.startsWith(folder) ? url.slice(folder.length) : '';
    const forced = opts.status?.[name];
    if (forced) return new Response('error page', { status: forced, statusText: 'Forced' });
    const body = files[name];
    if (!body) {
      return opts.html404
        ? new Response('<!doctype html><html></html>', { status: 200, headers: { 'Content-Type': 'text/html' } })
        : new Response('not found', { status: 404 });
    }
    return new Response(new Blob([new Uint8Array(body)]), {
      status: 200,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
    });
  };
  return { fetch: fake as typeof fetch, requested };
}
