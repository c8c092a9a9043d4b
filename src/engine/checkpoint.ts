// One versioned file holding a trained model: spec and training config, flat weights, optimizer
// state, step/epoch and History. Layout (little-endian):
//   "MNTC" | u32 version | u32 header bytes | header JSON (UTF-8, padded to 4) |
//   f32 params (P) | f32 optimizer state (P each, in header.optimizerState order) | u32 FNV-1a of all before
// The header's config holds the live learning rate and dropout at saving; every header field is checked
// when read (checkpoint-header.ts; the settings by the settings' rules), and so is every weight: a NaN
// or ±∞ is refused, naming its tensor. Version 2 adds the model's and the data set's identity; version-1
// files (without them) are still read.
import { CheckpointError, checkFinite, checkHeader, type CheckpointHeader } from './checkpoint-header';

export { CheckpointError, type CheckpointHeader } from './checkpoint-header';

export const CHECKPOINT_VERSION = 2;
/** Older versions this build still reads. */
const READABLE_VERSIONS = [1, CHECKPOINT_VERSION];
const MAGIC = 0x43544e4d; // 'MNTC' read as little-endian u32

/** Whether `bytes` start as a checkpoint does ('MNTC'): what decodeCheckpoint checks first, and engine/model-file.ts asks. */
export function hasCheckpointMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  optimizer: Record<string, Float32Array>;
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(c.header));
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const P = c.params.length;
  const states = c.header.optimizerState.map((k) => {
    const v = c.optimizer[k];
    if (!v || v.length !== P) throw new CheckpointError(`optimizer state "${k}" must have ${P} values`);
    return v;
  });
  const total = 12 + headerBytes + 4 * P * (1 + states.length) + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, c.header.version, true); // the Trainer writes CHECKPOINT_VERSION; tests write older ones
  view.setUint32(8, json.length, true);
  out.fill(0x20, 12, 12 + headerBytes); // pad with spaces, harmless to JSON.parse
  out.set(json, 12);
  let off = 12 + headerBytes;
  for (const arr of [c.params, ...states]) {
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), off);
    off += arr.byteLength;
  }
  view.setUint32(off, fnv1a(out.subarray(0, off)), true);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || !hasCheckpointMagic(bytes)) throw new CheckpointError(`${source}: not an mnist-trainer checkpoint (bad magic bytes)`);
  const version = view.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) {
    throw new CheckpointError(`${source}: checkpoint format version ${version}, this build reads version ${CHECKPOINT_VERSION} (and 1)`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  if (fnv1a(bytes.subarray(0, bytes.length - 4)) !== stored) throw new CheckpointError(`${source}: checksum mismatch: the file is corrupt or truncated`);
  const jsonBytes = view.getUint32(8, true);
  const headerBytes = Math.ceil(jsonBytes / 4) * 4;
  if (12 + headerBytes > bytes.length - 4) throw new CheckpointError(`${source}: header length ${jsonBytes} runs past the end of the file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonBytes)));
  } catch (e) {
    throw new CheckpointError(`${source}: header is not valid JSON: ${(e as Error).message}`);
  }
  const header = checkHeader(parsed, version, source);
  const P = header.paramCount;
  const expected = 12 + headerBytes + 4 * P * (1 + header.optimizerState.length) + 4;
  if (expected !== bytes.length) throw new CheckpointError(`${source}: ${bytes.length} bytes, the header describes ${expected}`);
  // Copy so the arrays are aligned and independent of the input buffer.
  const at = (i: number) => new Float32Array(bytes.slice(12 + headerBytes + 4 * P * i, 12 + headerBytes + 4 * P * (i + 1)).buffer);
  const optimizer: Record<string, Float32Array> = {};
  header.optimizerState.forEach((k, i) => { optimizer[k] = at(i + 1); });
  const params = at(0);
  checkFinite(params, 'the weights', header.slots, source);
  for (const k of header.optimizerState) checkFinite(optimizer[k], `optimizer state "${k}"`, header.slots, source);
  return { header, params, optimizer };
}
