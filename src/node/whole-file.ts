// A file written whole or not at all: into a temporary file beside it, then renamed over it (atomic on one file
// system), so a process killed mid-write leaves the previous file whole. A write that fails (a full disk) removes
// its temporary file, which would otherwise take the room other files need, and throws the write's error. The
// command line's outputs (cli/output-file.ts), the benchmark's JSON (bench/result-file.ts) and the kernel cache
// (kernel-cache.ts) are written so; scripts/bench.mjs, plain JavaScript, writes its JSON the same way.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** `temp`: the temporary file (default `path.partial`; one per process where several may write `path` at once). */
export async function writeWhole(path: string, data: Uint8Array | string, temp = `${path}.partial`): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** writeWhole, synchronously: for a write that must end before the process does, or before the next step starts. */
export function writeWholeSync(path: string, data: Uint8Array | string, temp = `${path}.partial`): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
