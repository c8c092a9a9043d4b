// How the command line writes every output (the run's files in --out, the checkpoint, the exports): whole or not at
// all (node/whole-file.ts: `name.partial`, then a rename). A write that fails (a full disk, a folder made read-only
// during the run) is an 'invalid-setting' error naming the file and the flag that asked for it, as checkPaths names
// an output it cannot write before the run.
import { access, constants, mkdir } from 'node:fs/promises';
import { CodedError } from '../engine/errors';
import { writeWhole } from '../node/whole-file';

/** Makes `dir` (named by `flag`, e.g. '--out') if needed and checks it can be written: else an 'invalid-setting' error naming the flag. */
export async function checkOutputFolder(flag: string, dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'a file is in the way' : (e as Error).message;
    throw new CodedError('invalid-setting', `${flag} ${dir}: cannot write there (${why})`, { setting: flag.slice(2) });
  }
}

/** `flag`: the option that names the output ('out', 'save', 'export-onnx', 'export-tfjs'). */
export async function writeOutput(path: string, data: Uint8Array | string, flag: string): Promise<void> {
  try {
    await writeWhole(path, data);
  } catch (e) {
    throw new CodedError('invalid-setting', `could not write ${path} (--${flag}): ${(e as Error).message}`, { setting: flag, cause: e });
  }
}
