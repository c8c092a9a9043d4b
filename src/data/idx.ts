// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), plain or gzipped.
//
// Layout: two zero bytes, a type byte, a dimension count d, then d big-endian u32 dimensions, then the
// row-major data. We accept only type 0x08 (unsigned byte), the type of every MNIST-like file. The file
// length must match the header exactly: a short file is a broken download, a long one is the wrong file.
// Runs in browsers and Node >= 20 alike: it uses only DecompressionStream, Response and Blob.

/** A parsed IDX file: its dimensions and row-major u8 data (may share memory with the input bytes). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** One split of a data set: N images of rows×cols u8 pixels (row-major, N×rows×cols) and N labels 0–9. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Image `i` of a set: its rows × cols bytes, a view. */
export function imageOf(set: ImageSet, i: number): Uint8Array {
  const px = set.rows * set.cols;
  return set.images.subarray(i * px, (i + 1) * px);
}

/** The first `count` images of a set (all of them when it has fewer), as views of its arrays. */
export function firstImages(set: ImageSet, count: number): ImageSet {
  const n = Math.min(count, set.count);
  const px = set.rows * set.cols;
  return { ...set, count: n, images: set.images.subarray(0, n * px), labels: set.labels.subarray(0, n) };
}

export interface Dataset {
  name: string;
  /** Display names of labels 0–9. */
  classNames: string[];
  train: ImageSet;
  test: ImageSet;
}

/** The canonical file names (without `.gz`) shared by MNIST and Fashion-MNIST. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The models are built for 28×28 single-channel images; other sizes are rejected up front. */
export const IMAGE_ROWS = 28;
export const IMAGE_COLS = 28;
export const NUM_CLASSES = 10;

/** Any problem with a file's contents; the message starts with the file name. */
export class IdxFormatError extends Error {
  /** The error code (engine/errors.ts). */
  readonly code = 'data';
  override name = 'IdxFormatError';
  constructor(readonly fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
  }
}

const TYPE_UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'i16',
  0x0c: 'i32',
  0x0d: 'f32',
  0x0e: 'f64',
};

function hex(bytes: Uint8Array, n: number): string {
  return '0x' + Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join('');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** No IDX file we train on comes near this; a gzip stream inflating past it is refused whatever its header says. */
export const MAX_INFLATED_BYTES = 1 << 30;

/**
 * The size an inflated IDX file must have, once its first bytes are known: header + product of the dims;
 * null while the header is incomplete or not an IDX header (parseRawIdx then says what is wrong).
 */
function idxSizeFromHeader(head: Uint8Array): number | null {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0) return null;
  const headerBytes = 4 + 4 * head[3];
  if (head.length < headerBytes) return null;
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  let n = 1;
  for (let i = 0; i < head[3]; i++) n *= view.getUint32(4 + 4 * i, false);
  return headerBytes + n;
}

/** Output past the header's size that is still inflated, so that parseRawIdx can report a few trailing bytes as such. */
const INFLATE_SLACK = 1 << 16;

/**
 * Inflates incrementally and stops as soon as the output exceeds what the IDX header announces (plus
 * INFLATE_SLACK) or MAX_INFLATED_BYTES: a small gzip "bomb" cannot fill the memory before it is refused.
 */
async function gunzip(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer-backed view: Blob wants ArrayBuffer (not SharedArrayBuffer) memory.
  const reader = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  let limit = MAX_INFLATED_BYTES;
  let header: Uint8Array | null = new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
      if (header) {
        header = concatBytes([header, value.subarray(0, 4 + 4 * 255)]);
        const size = idxSizeFromHeader(header);
        if (size !== null || header.length >= 4 + 4 * 255 || (header.length >= 4 && (header[0] !== 0 || header[1] !== 0))) {
          if (size !== null) limit = Math.min(limit, size + INFLATE_SLACK);
          header = null;
        }
      }
      if (n > limit) {
        await reader.cancel().catch(() => { /* refused below */ });
        throw new IdxFormatError(fileName, limit === MAX_INFLATED_BYTES
          ? `gzip stream inflates to more than ${MAX_INFLATED_BYTES} bytes; refused`
          : `gzip stream inflates to more than the ${limit - INFLATE_SLACK} bytes its IDX header announces; refused (corrupt or a gzip bomb)`);
      }
    }
  } catch (e) {
    if (e instanceof IdxFormatError) throw e;
    throw new IdxFormatError(fileName, `corrupt gzip stream (${(e as Error).message ?? String(e)})`);
  }
  return concatBytes(chunks, n);
}

/** The parts as one array (the part itself when there is one). */
export function concatBytes(parts: Uint8Array[], n = parts.reduce((a, p) => a + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses an IDX file, inflating it first if it is gzipped. Every problem throws an IdxFormatError. */
export async function parseIdx(bytes: Uint8Array, fileName: string): Promise<IdxArray> {
  const raw = isGzip(bytes) ? await gunzip(bytes, fileName) : bytes;
  return parseRawIdx(raw, fileName, raw !== bytes);
}

function parseRawIdx(b: Uint8Array, fileName: string, inflated: boolean): IdxArray {
  const what = inflated ? 'inflated file' : 'file';
  if (b.length < 4) throw new IdxFormatError(fileName, `too short to be an IDX file (${b.length} bytes)`);
  if (b[0] !== 0 || b[1] !== 0) {
    throw new IdxFormatError(fileName, inflated
      ? `inflated gzip data is not an IDX file (magic ${hex(b, 4)})`
      : `not gzip-compressed data or an IDX file (magic ${hex(b, 4)})`);
  }
  const type = b[2];
  if (type !== TYPE_UBYTE) {
    const known = TYPE_NAMES[type];
    throw new IdxFormatError(fileName,
      `unsupported IDX element type 0x${type.toString(16).padStart(2, '0')}${known ? ` (${known})` : ' (not an IDX type)'}; ` +
        'only 0x08 (unsigned byte) is accepted');
  }
  const ndim = b[3];
  if (ndim === 0) throw new IdxFormatError(fileName, 'IDX header has 0 dimensions');
  const headerBytes = 4 + 4 * ndim;
  if (b.length < headerBytes) {
    throw new IdxFormatError(fileName, `truncated: header of ${ndim} dimensions needs ${headerBytes} bytes, ${what} has ${b.length}`);
  }
  const view = new DataView(b.buffer, b.byteOffset, headerBytes);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  // A float product is exact up to 2^53 and beyond that certainly exceeds any real file length.
  const expected = dims.reduce((a, d) => a * d, 1);
  const actual = b.length - headerBytes;
  const shape = `${dims.join('×')}${ndim > 1 ? ` = ${expected}` : ''}`;
  if (actual < expected) {
    throw new IdxFormatError(fileName, `truncated: header says ${shape} bytes of data, ${what} has ${actual}`);
  }
  if (actual > expected) {
    throw new IdxFormatError(fileName, `${actual - expected} trailing bytes: header says ${shape} bytes of data, ${what} has ${actual}`);
  }
  return { dims, data: b.subarray(headerBytes) };
}

/** Writes an unsigned-byte IDX file (uncompressed). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new Error(`encodeIdx: ${dims.length} dimensions; IDX allows 1–255`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`encodeIdx: dimension ${d} is not a u32`);
  }
  const n = dims.reduce((a, d) => a * d, 1);
  if (n !== data.length) throw new Error(`encodeIdx: dims ${dims.join('×')} = ${n} elements, data has ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + n);
  const view = new DataView(out.buffer);
  view.setUint8(2, TYPE_UBYTE);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/** Pairs an images file and a labels file into an ImageSet, checking that they fit the models. */
export function toImageSet(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string): ImageSet {
  if (images.dims.length !== 3) {
    throw new IdxFormatError(imagesName,
      `images must be a 3-D IDX array (count×rows×cols), this one has ${images.dims.length} dimensions (${images.dims.join('×')})`);
  }
  const [count, rows, cols] = images.dims;
  if (rows !== IMAGE_ROWS || cols !== IMAGE_COLS) {
    throw new IdxFormatError(imagesName,
      `images are ${rows}×${cols}; the models require ${IMAGE_ROWS}×${IMAGE_COLS} images`);
  }
  if (count === 0) throw new IdxFormatError(imagesName, 'holds no images');
  if (labels.dims.length !== 1) {
    throw new IdxFormatError(labelsName,
      `labels must be a 1-D IDX array, this one has ${labels.dims.length} dimensions (${labels.dims.join('×')})`);
  }
  if (labels.dims[0] !== count) {
    throw new IdxFormatError(labelsName,
      `label count does not match the images: ${labelsName} has ${labels.dims[0]} labels, ${imagesName} has ${count} images`);
  }
  const l = labels.data;
  for (let i = 0; i < l.length; i++) {
    if (l[i] >= NUM_CLASSES) {
      throw new IdxFormatError(labelsName, `label ${l[i]} at index ${i} is out of range; labels must be 0–${NUM_CLASSES - 1}`);
    }
  }
  return { images: images.data, labels: l, count, rows, cols };
}
