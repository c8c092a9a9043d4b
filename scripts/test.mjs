#!/usr/bin/env node
// npm test: the static checks, the browser tests and the Node smoke runs, in two lanes that run at once.
//
// Why two lanes: on SwiftShader the browser tests' long pole is compiling pipelines, and Chromium's GPU
// process compiles them one at a time (createComputePipelineAsync included: measured, 4 tiled matmul
// pipelines took 7.7 s in sequence and 8.1 s at once), so one test runner leaves the second core mostly idle.
// Two runners are two browsers, two GPU processes. (Two pages in one browser, wtr's `concurrency: 2`, also
// share one GPU process and break the tests that need a visible, focused page.)
//
// Each lane runs its steps in order and stops at its first failure, as `a && b` would; the other lane
// goes on, so one run reports every failing step. Output lines carry their step's name; the summary at the
// end lists each step's time and result, and the exit status is non-zero if any step failed.
//
//   node scripts/test.mjs            both lanes
//   TEST_FILES=a.test.ts,… npx wtr   one browser test file (web-test-runner.config.mjs)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { sep } from 'node:path';

/**
 * The kernels' and the engine's browser tests run in the second lane, every other test file in the first,
 * balanced by their run time on SwiftShader: in one runner (929 s in all) these took ~510 s and the rest
 * ~420 s; in two lanes at once, with each lane's other steps, 761 and 787 s (the static checks ~115 s, the
 * smoke runs ~135 s each). A new folder of tests joins the first lane by itself. On 3 Dec two runs of these lanes
 * took 664 and 727 s (lane 1 663 s against 492 in the first); moving the exports' tests and the locale and type checks
 * to the second lane, to even the sums, took 754 s: no gain, since the CLI smoke run (SwiftShader on both cores) then
 * overlaps the engine's tests instead of running mostly alone. So the lanes stay as they are.
 */
const SECOND_LANE_FOLDERS = ['test/ops/', 'test/engine/'];
const testFiles = readdirSync('test', { recursive: true }).map((f) => `test/${f.split(sep).join('/')}`).filter((f) => f.endsWith('.test.ts')).sort();
const inSecondLane = (f) => SECOND_LANE_FOLDERS.some((d) => f.startsWith(d));
const BROWSER_FILES = [testFiles.filter((f) => !inSecondLane(f)).join(','), testFiles.filter(inSecondLane).join(',')];

/** A free TCP port for a test runner's dev server (wtr's own search starts both runners at 8000 at once). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const wtr = (name, files) => ({ name, command: ['npx', 'wtr'], env: { TEST_FILES: files, WTR_REPORT: 'lines' }, port: true });
const LANES = [
  [
    { name: 'deps', command: [npm, 'run', '-s', 'check:deps'] },
    { name: 'lint', command: [npm, 'run', '-s', 'lint'] },
    { name: 'locales', command: ['node', 'scripts/check-locales.mjs'] },
    { name: 'types', command: [npm, 'run', '-s', 'typecheck'] },
    wtr('browser:ui', BROWSER_FILES[0]),
    { name: 'cli', command: ['node', 'scripts/cli-smoke.mjs'] },
  ],
  [
    wtr('browser:engine', BROWSER_FILES[1]),
    { name: 'experiments', command: ['node', 'scripts/experiments-smoke.mjs'] },
    { name: 'cli-faults', command: ['node', 'scripts/cli-faults-smoke.mjs'] },
  ],
];
const width = Math.max(...LANES.flat().map((s) => s.name.length));

const out = (line) => process.stdout.write(line + '\n');

/** A line without terminal escape codes (wtr clears its progress area even with no progress shown). */
// eslint-disable-next-line no-control-regex
const plain = (line) => line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Runs one step, each line of its output prefixed with its name; resolves to its exit status. */
async function runStep(step) {
  const args = step.command.slice(1);
  if (step.port) args.push('--port', String(await freePort()));
  const child = spawn(step.command[0], args, { env: { ...process.env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${step.name.padEnd(width)} │ `;
  for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      const kept = lines.map(plain).filter((l) => l.trim());
      if (kept.length) sink.write(kept.map((l) => prefix + l).join('\n') + '\n');
    });
    stream.on('end', () => plain(rest).trim() && sink.write(prefix + plain(rest) + '\n'));
  }
  return new Promise((resolve) => {
    child.on('error', (e) => { out(`${prefix}could not start: ${e.message}`); resolve(1); });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
/** Each step's exit status (null: not run, an earlier step of its lane failed) and seconds. */
const results = new Map();
async function runLane(lane) {
  for (const step of lane) {
    const start = Date.now();
    const code = await runStep(step);
    results.set(step, { code, seconds: (Date.now() - start) / 1000 });
    if (code !== 0) return;
  }
}

const start = Date.now();
await Promise.all(LANES.map(runLane));
out('\ntest steps:');
for (const [i, lane] of LANES.entries()) {
  for (const step of lane) {
    const r = results.get(step) ?? { code: null };
    const what = r.code === null ? 'skipped (an earlier step of its lane failed)' : `${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`;
    out(`  lane ${i + 1}  ${step.name.padEnd(width)}  ${what}`);
  }
}
const failed = [...results.values()].filter((r) => r.code !== 0).length;
out(`${failed ? `${failed} step(s) failed` : 'all steps passed'} in ${((Date.now() - start) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
