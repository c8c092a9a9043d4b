// Which kind of model file some bytes are, from their first bytes: our checkpoint ('MNTC'), a TF.js Layers model as a
// zip ('PK') or as its bare model.json ('{'). The command line (--load, predict's --model) and the element's Load both
// ask here, so a file that is neither, an ONNX file told apart by its name, is refused with the same words.
import { CheckpointError, hasCheckpointMagic } from './checkpoint';

export type ModelFileKind = 'checkpoint' | 'tfjs-zip' | 'tfjs-json';

const startsWith = (b: Uint8Array, magic: number[]) => magic.every((m, i) => b[i] === m);

/** The kind of model file `bytes` are; a CheckpointError naming `source` when they are none. */
export function modelFileKind(bytes: Uint8Array, source: string): ModelFileKind {
  if (hasCheckpointMagic(bytes)) return 'checkpoint';
  if (startsWith(bytes, [0x50, 0x4b])) return 'tfjs-zip';
  // '{' after any byte-order mark and white space (a model.json saved by an editor).
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return 'tfjs-json';
  // An ONNX file is ours to write, not to read: say so rather than "neither".
  if (/\.onnx$/i.test(source)) throw new CheckpointError(`${source}: ONNX files are exported, not read: load the checkpoint (.mntc) or the TF.js model it came from`);
  throw new CheckpointError(`${source}: neither an mnist-trainer checkpoint (.mntc) nor a TF.js Layers model (model.json or a zip of it)`);
}
