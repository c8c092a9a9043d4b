// The run's checkpoint file (model.mntc in --out, or --save): written whole or not at all, and kept current after
// every finished epoch, so that a run killed outright (kill -9, the machine's out-of-memory killer, a power cut),
// which no signal handler sees, still leaves its last finished epoch to --load.
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CodedError } from '../engine/errors';
import type { RecoveryPoint } from '../engine/recovery-point';
import { checkInput } from './input-paths';
import { checkOutputFolder, writeOutput } from './output-file';
import { MODEL_FILES } from './model-files';
import { RUN_FILES } from './run-files';
import { TFJS_FILES } from '../engine/export/tfjs';

/**
 * Before anything is loaded or trained: --load names a file that can be read, --out and --export-tfjs are (made)
 * writable folders, --save and --export-onnx name files in such folders (not a folder, nor a name ending in a slash),
 * and no two outputs are one file (an export over the checkpoint, a checkpoint over metrics.json), so a run does not
 * learn for an hour and then fail to write its results, or lose one to another. An 'invalid-setting' error naming the flag.
 */
export async function checkPaths(o: { load?: string; out: string; save?: string; exportTfjs?: string; exportOnnx?: string }): Promise<void> {
  const file = async (flag: string, path: string, example: string) => {
    const isFolder = /[/\\]$/.test(path) || (await stat(path).then((s) => s.isDirectory(), () => false));
    if (isFolder) throw new CodedError('invalid-setting', `${flag} ${path} is a folder: give the file's name (e.g. ${path.replace(/[/\\]+$/, '')}/${example})`, { setting: flag.slice(2) });
    await checkOutputFolder(flag, dirname(path));
  };
  if (o.load) checkInput('load', o.load, MODEL_FILES);
  await checkOutputFolder('--out', o.out);
  if (o.exportTfjs) await checkOutputFolder('--export-tfjs', o.exportTfjs);
  if (o.save) await file('--save', o.save, 'model.mntc');
  if (o.exportOnnx) await file('--export-onnx', o.exportOnnx, 'model.onnx');
  // Each output file, by its path, and who writes it: the first claim wins, a second is the mistake named.
  const claims = new Map<string, string>();
  const claim = (path: string, who: string) => {
    const at = resolve(path);
    const first = claims.get(at);
    if (first) throw new CodedError('invalid-setting', `${who} would write ${path}, which ${first} writes too: give it another name`, { setting: who.split(' ')[0].slice(2) });
    claims.set(at, who);
  };
  for (const name of RUN_FILES) claim(join(o.out, name), `--out (its ${name})`);
  if (o.exportTfjs) for (const name of TFJS_FILES) claim(join(o.exportTfjs, name), `--export-tfjs (its ${name})`);
  if (o.save) claim(o.save, '--save');
  if (o.exportOnnx) claim(o.exportOnnx, '--export-onnx');
}

/** Writes checkpoint bytes to `path` (--save's, or model.mntc in --out), whole or not at all (output-file.ts). */
export function writeCheckpoint(path: string, bytes: Uint8Array): Promise<void> {
  return writeOutput(path, bytes, 'save');
}

/**
 * After each epoch, the trainer's recovery point (the state it has just read back anyway, for a failure to
 * return to: engine/recovery-point.ts) goes to the checkpoint file; a model too large for a recovery point is
 * saved at the end only. The writes run one after another beside training; `settled()` waits for them, so no
 * epoch's file lands after the run's last one. A write that fails (a full disk) is reported once, and training
 * goes on: the run's end tries again and reports its own failure.
 */
export class EpochCheckpoints {
  private chain: Promise<void> = Promise.resolve();
  private keptStep = -1;
  private warned = false;

  constructor(private readonly path: string | undefined, private readonly warn: (message: string) => void) {}

  keep(point: RecoveryPoint | undefined): void {
    const path = this.path;
    if (!path || !point || point.step === this.keptStep) return; // none, or no newer finite state
    this.keptStep = point.step;
    this.chain = this.chain.then(() => writeCheckpoint(path, point.bytes)).catch((e: unknown) => {
      if (this.warned) return;
      this.warned = true;
      this.warn(`note: could not keep the model after epoch ${point.epoch}: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  settled(): Promise<void> {
    return this.chain;
  }
}
