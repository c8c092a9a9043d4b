// Loading that can be stopped and cannot run away: a stalled download times out naming its file, stop()
// during loading aborts the fetch, a gzip bomb is refused before it fills the memory, and only the images
// a run uses are uploaded (so a train limit makes a set larger than the GPU's binding limit usable).
import { encodeIdx, parseIdx, type Dataset } from '../../src/data/idx';
import { DatasetLoadError, loadDataset } from '../../src/data/sources';
import { uploadDataset } from '../../src/engine/gpu-dataset';
import { errorCode } from '../../src/engine/errors';
import { Trainer } from '../../src/engine/trainer';
import { parseModel } from '../../src/engine/model-setting';
import { fakeServer, fixtureSet, gzip } from './fixtures';
import { testGpu } from '../util/gpu';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { mount, untilPhase } from '../components/util';

const FOLDER = 'http://stub.test/set/';

/** A fetch whose every response sends `first` bytes, then `more` one-byte chunks every `everyMs`, then stalls for ever. */
function trickleFetch(opts: { first?: number; more?: number; everyMs?: number }, signals: AbortSignal[] = []): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.signal) signals.push(init.signal);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      // Ignores cancellation on purpose: the loader must not depend on the stub honouring its signal.
      async pull(c) {
        if (sent === 0) {
          sent++;
          c.enqueue(new Uint8Array(opts.first ?? 4));
          return;
        }
        if (sent > (opts.more ?? 0)) return new Promise<void>(() => { /* stalls for ever */ });
        await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
        sent++;
        c.enqueue(new Uint8Array(1));
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
  }) as typeof fetch;
}

describe('loading that can be stopped', () => {
  it('a download that stalls fails after the load timeout, naming the file and the timeout, and aborts the fetch', async () => {
    const signals: AbortSignal[] = [];
    const t0 = performance.now();
    const e = await assertRejects(() => loadDataset(FOLDER, { fetch: trickleFetch({}, signals), timeoutSeconds: 0.3 }),
      /set\/(train|t10k)-[a-z]+-idx[13]-ubyte: no data received for 0\.3 s \(load timeout 0\.3 s\)/, 'stalled body');
    assert(e instanceof DatasetLoadError && errorCode(e) === 'data', `a DatasetLoadError with code data: ${e.name}`);
    assert(performance.now() - t0 < 5000, 'it gave up in time');
    assert(signals.length > 0 && signals.every((s) => s.aborted), 'every fetch was aborted');
  });

  it('a fetch that never answers times out too', async () => {
    const never = (() => new Promise<Response>(() => { /* ignores its signal */ })) as typeof fetch;
    await assertRejects(() => loadDataset(FOLDER, { fetch: never, timeoutSeconds: 0.2 }), /no data received for 0\.2 s/, 'no response');
  });

  it('the timeout is per file and without progress: a slow but moving download is not cut off', async () => {
    const { files } = await fixtureSet(4, 4);
    const server = fakeServer(FOLDER, files);
    // Each file's first 8 bytes arrive, then one byte every 100 ms for 600 ms; then the real file.
    const slow = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const real = await server.fetch(input, init);
      if (!real.ok) return real;
      const bytes = new Uint8Array(await real.arrayBuffer());
      let at = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (at >= bytes.length) return c.close();
          if (at > 0) await new Promise((r) => setTimeout(r, 100));
          const n = at < 8 + 6 ? (at === 0 ? 8 : 1) : bytes.length - at;
          c.enqueue(bytes.slice(at, at + n));
          at += n;
        },
      });
      return new Response(body, { status: 200 });
    }) as typeof fetch;
    const d = await loadDataset(FOLDER, { fetch: slow, timeoutSeconds: 0.3 });
    assertEqual(d.train.count, 4, 'loaded');
  });

  it('refuses a gzip bomb: a small .gz that inflates past its IDX header', async () => {
    const bytes = new Uint8Array(16 + 20_000_000);
    bytes.set(encodeIdx([1, 28, 28], new Uint8Array(784)).subarray(0, 16));
    const bomb = await gzip(bytes);
    assert(bomb.length < 100_000, `the bomb is small (${bomb.length} bytes)`);
    const e = await assertRejects(() => parseIdx(bomb, 'bomb.gz'),
      /^bomb\.gz: gzip stream inflates to more than the 800 bytes its IDX header announces; refused/, 'bomb');
    assertEqual(errorCode(e), 'data', 'code');
  });

  it("the element's stop() during loading aborts the download, returns to idle, and the next train() works", async () => {
    const real = globalThis.fetch;
    const signals: AbortSignal[] = [];
    try {
      globalThis.fetch = trickleFetch({}, signals);
      const el = await mount({ dataset: FOLDER, model: 'mlp', epochs: '1', 'batch-size': '4', 'train-limit': '8', 'test-limit': '4' });
      const run = el.train();
      await untilPhase(el, ['loading']);
      // The phase is 'loading' from the run's start; the download begins once the device is there.
      for (let waited = 0; signals.length === 0 && waited < 20000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      assert(signals.length > 0, 'a download started');
      await el.stop();
      assertEqual((await run)?.loss.length, 0, 'the stopped run resolves with its empty History (kept as stopped before training)');
      assert(signals.every((s) => s.aborted), 'every fetch signal was aborted');
      assertEqual(el.controller.phase, 'idle', `phase (message: ${el.controller.message})`);
      assertEqual(el.controller.message, '', 'no error shown');
      const { files } = await fixtureSet(8, 4);
      globalThis.fetch = fakeServer(FOLDER, files).fetch;
      const h = await el.train();
      assertEqual(h?.loss.length, 1, `the next run trains (message: ${el.controller.message})`);
      assertEqual(el.controller.phase, 'idle', 'idle after the run');
      el.remove();
    } finally {
      globalThis.fetch = real;
    }
  });
});

describe('upload of the images a run uses', () => {
  let data: Dataset;
  before(async () => {
    const { files } = await fixtureSet(10, 6);
    data = await loadDataset(FOLDER, { fetch: fakeServer(FOLDER, files).fetch, name: 'fixture' });
  });

  it('uploads only the first trainLimit / testLimit images', async () => {
    const gpu = await testGpu();
    const g = uploadDataset(gpu.device, data, { trainLimit: 3, testLimit: 5 });
    try {
      assertEqual(g.train.count, 3, 'train count');
      assertEqual(g.test.count, 5, 'test count');
      assertEqual(g.train.images.size * 4, Math.ceil((3 * 784) / 4) * 4, 'bytes of train images on the GPU = limit × 784, rounded to 4');
      assertEqual(g.test.images.size * 4, Math.ceil((5 * 784) / 4) * 4, 'bytes of test images');
      assert(g.train.images.buffer.size < 10 * 784, `the buffer holds less than the whole set (${g.train.images.buffer.size})`);
      assertEqual(g.train.cpu.count, 10, 'the CPU copy stays whole');
      const model = parseModel('mlp');
      await assertRejects(() => Trainer.create(gpu, g, { model, epochs: 1, batchSize: 2, seed: 1, optimizer: { name: 'adam', learningRate: 0.001 }, trainLimit: 3 }),
        /the run needs 6 test images \(testLimit\), the data set was uploaded to the GPU with only the first 5/, 'a run wanting more test images than uploaded');
      await assertRejects(() => Trainer.create(gpu, g, { model, epochs: 1, batchSize: 2, seed: 1, optimizer: { name: 'adam', learningRate: 0.001 } }),
        /the run needs 10 training images \(trainLimit\), the data set was uploaded to the GPU with only the first 3/, 'more training images than uploaded');
    } finally {
      g.destroy();
    }
  });

  it('checks both sets against the device limits, naming the set, its size and the limit, and suggesting a limit', async () => {
    // A device whose limits are tiny and which cannot allocate: the check must come before any upload.
    const device = { limits: { maxStorageBufferBindingSize: 2000, maxBufferSize: 1 << 20 } } as unknown as GPUDevice;
    await assertRejects(() => uploadDataset(device, data),
      /^data set fixture: 10 training images take 7840 bytes, more than this GPU's storage buffer limit of 2000 bytes; set a train limit of at most 2 images/, 'train');
    await assertRejects(() => uploadDataset(device, data, { trainLimit: 2 }),
      /^data set fixture: 6 test images take 4704 bytes, .*limit of 2000 bytes; set a test limit of at most 2 images/, 'test');
    const e = await assertRejects(() => uploadDataset(device, data, { trainLimit: 2, testLimit: 3 }), /^data set fixture: 3 test images/, 'test limit too high');
    assertEqual(errorCode(e), 'out-of-memory', 'code');
  });
});
