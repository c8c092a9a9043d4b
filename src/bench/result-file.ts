// The benchmark's JSON file (--out), written so that a rare run on a lent GPU is never lost or mistaken:
// claimed before the GPU starts (a stub, complete: false, with the command line: a path that cannot be written
// is refused at once, and an older result there no longer passes for this run's), rewritten after each section
// through a temporary file and a rename (a run cut short leaves the sections it finished, never half a file),
// and read back (markdown.ts) with errors that say what the file is not.
import { readFileSync } from 'node:fs';
import { writeWholeSync } from '../node/whole-file';
import type { BenchResult } from './types';

/** Writes `value` as JSON to `file` whole or not at all (node/whole-file.ts). */
export function writeJsonFile(file: string, value: unknown): void {
  try {
    writeWholeSync(file, `${JSON.stringify(value, null, 2)}\n`);
  } catch (e) {
    throw new Error(`--out ${file} cannot be written: ${(e as Error).message}`, { cause: e });
  }
}

/** The stub written before the run: what was asked and when, and that nothing is measured yet. */
export const startedResult = (argv: string[]) => ({ complete: false, date: new Date().toISOString(), arguments: argv, note: 'started: no section finished yet' });

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** What the tables read, checked by type: the first field of the wrong type (e.g. '"training" is not a list'), or undefined. */
function misTyped(o: Record<string, unknown>): string | undefined {
  if (!isObject(o.adapter)) return '"adapter" is not an object';
  for (const k of ['adapterName', 'date'] as const) if (typeof o[k] !== 'string') return `"${k}" is not text`;
  if (typeof o.seconds !== 'number') return '"seconds" is not a number';
  if (!Array.isArray(o.notes) || !o.notes.every((n) => typeof n === 'string')) return '"notes" is not a list of text';
  const rows: [string, string[]][] = [['kernels', ['ms', 'gflops', 'gbps']], ['training', ['imagesPerSec', 'batchSize']], ['matmul', ['n', 'gflops']], ['goals', ['goal']]];
  for (const [list, numbers] of rows) {
    const v = o[list];
    if (!Array.isArray(v)) return `"${list}" is not a list`;
    for (const [i, row] of v.entries()) {
      if (!isObject(row)) return `"${list}" row ${i + 1} is not an object`;
      const bad = numbers.find((k) => typeof row[k] !== 'number');
      if (bad) return `"${list}" row ${i + 1}: "${bad}" is not a number`;
    }
  }
  return undefined;
}

/** A benchmark result read from `file`, or an Error saying why it is not one (missing, not JSON, another file, a run that never finished a section). */
export function readBenchResult(file: string): BenchResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`, { cause: e });
  }
  const o = (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  if (o.complete === false && o.adapter === undefined) throw new Error(`${file}: a benchmark that started (${String(o.date)}) but finished no section`);
  const missing = ['adapter', 'adapterName', 'date', 'seconds', 'kernels', 'training', 'matmul', 'goals', 'notes'].find((k) => o[k] === undefined);
  if (missing) throw new Error(`${file}: not a benchmark result of npm run bench -- --out (no "${missing}")`);
  const wrong = misTyped(o);
  if (wrong) throw new Error(`${file}: not a benchmark result of npm run bench -- --out (${wrong})`);
  // Files from before the spreads were recorded (30 Nov 2026): rows without them read as single values.
  for (const row of [...(o.training as { spreads?: object }[]), ...(o.matmul as { spreads?: object }[])]) row.spreads ??= {};
  // Goals from before jax-js was compared (1 Dec 2026) were all against TF.js.
  for (const g of o.goals as { peer?: string }[]) g.peer ??= 'tfjs';
  return o as unknown as BenchResult;
}
