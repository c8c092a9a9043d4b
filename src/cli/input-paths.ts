// Input files named by flags, checked before anything is loaded: a missing path, a folder where a file is wanted or
// an unreadable file is an 'invalid-setting' error naming the flag, not an internal ENOENT or EISDIR from a reader.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { CodedError } from '../engine/errors';

/** Throws unless `path` (given as --`flag`) can be read: a file (`wanted` says which), or a folder where `folder`. */
export function checkInput(flag: string, path: string, wanted: string, folder = false): void {
  const fail = (why: string): never => {
    throw new CodedError('invalid-setting', `--${flag} ${path} ${why}`, { setting: flag });
  };
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    fail('does not exist');
  }
  if (stats!.isDirectory() && !folder) fail(`is a folder: give the file (${wanted})`);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    fail(`cannot be read (${(e as Error).message})`);
  }
}
