// How the command line writes every output (the run's files in --out, the checkpoint, the exports): whole or not at
// all (node/whole-file.ts: `name.partial`, then a rename). A write that fails (a full disk, a folder made read-only
// during the run) is an 'invalid-setting' error naming the file and the flag that asked for it, as checkPaths names
// an output it cannot write before the run.
import { CodedError } from '../engine/errors';
import { writeWhole } from '../node/whole-file';

/** `flag`: the option that names the output ('out', 'save', 'export-onnx', 'export-tfjs'). */
export async function writeOutput(path: string, data: Uint8Array | string, flag: string): Promise<void> {
  try {
    await writeWhole(path, data);
  } catch (e) {
    throw new CodedError('invalid-setting', `could not write ${path} (--${flag}): ${(e as Error).message}`, { setting: flag, cause: e });
  }
}
