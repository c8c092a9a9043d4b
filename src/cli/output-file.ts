// How the command line writes every output (the run's files in --out, the checkpoint, the exports): into
// `name.partial` first, then renamed over `name` (atomic on one file system), so a process killed mid-write leaves
// the previous file whole. A write that fails (a full disk, a folder made read-only during the run) removes its
// partial file, which would otherwise take the room the other outputs need, and is an 'invalid-setting' error
// naming the file and the flag that asked for it, as checkPaths names an output it cannot write before the run.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CodedError } from '../engine/errors';

/** `flag`: the option that names the output ('out', 'save', 'export-onnx', 'export-tfjs'). */
export async function writeOutput(path: string, data: Uint8Array | string, flag: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(partial, data);
    await rename(partial, path);
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw new CodedError('invalid-setting', `could not write ${path} (--${flag}): ${(e as Error).message}`, { setting: flag, cause: e });
  }
}
