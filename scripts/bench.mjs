#!/usr/bin/env node
// npm run bench -- [--quick] [--out FILE] [--node] [...]: the benchmark (src/bench/run.ts).
// Browser (default): starts Vite's dev server on a free port with the project's vite.config.ts, opens
// bench.html in headless Chromium with the test runner's flags (WebGPU, SwiftShader when there is no
// GPU), streams the page's `[bench]` progress lines to stdout, then prints the table and writes --out.
// --node: runs src/bench/node.ts in Node through the `webgpu` package instead (no TF.js), as does --help.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { withHeadlessPage } from './headless-page.mjs';

const argv = process.argv.slice(2);
/** A flag given, as the command lines read one: --flag, or --flag=true (--flag=false: not given). */
const flag = (name) => argv.some((a) => a === `--${name}` || a === `--${name}=true`);
if (flag('node') || flag('help')) {
  const r = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/bench/node.ts', ...argv.filter((a) => !/^--node(=|$)/.test(a))], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const outAt = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
const out = outAt < 0 ? undefined : argv[outAt].includes('=') ? argv[outAt].slice(6) : argv[outAt + 1];
if (outAt >= 0 && (!out || out.startsWith('--'))) {
  console.error(`bench: --out needs a file name${out ? `, got the option ${out}` : ''}`);
  process.exit(2);
}
/** As src/bench/result-file.ts does in Node (src/node/whole-file.ts, which this plain script cannot import): whole or not at all. */
function writeJson(file, value) {
  const partial = `${file}.partial`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(partial, file);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new Error(`--out ${file} cannot be written: ${e.message}`, { cause: e });
  }
}
const file = out && resolve(out);
// Checked before the browser starts: a path that cannot be written is refused now (an older result there kept
// until the page has accepted the arguments).
if (file) {
  if (existsSync(file) && statSync(file).isDirectory()) {
    console.error(`bench: --out ${file} is a folder: give the file's name`);
    process.exit(2);
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    accessSync(dirname(file), constants.W_OK);
  } catch (e) {
    console.error(`bench: --out ${file} cannot be written: ${e.message}`);
    process.exit(2);
  }
}
/** Once the page has accepted the arguments and started: an older result at --out no longer passes for this run's. */
let claimed = !file;
function claim() {
  if (claimed) return;
  claimed = true;
  try {
    writeJson(file, { complete: false, date: new Date().toISOString(), arguments: argv, note: 'started: no section finished yet' });
  } catch (e) {
    console.error(`bench: ${e.message}`);
  }
}

const status = await withHeadlessPage('bench', 'bench.html', ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@jax-js/jax'], async (page, base, executablePath) => {
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench] ')) {
      claim();
      console.log(text.slice(8));
    } else if (msg.type() === 'error' || msg.type() === 'warn') console.error(`page ${msg.type()}: ${text}`);
  });
  const url = new URL('bench.html', base);
  url.searchParams.set('args', JSON.stringify(argv));
  console.log(`bench: ${url.href} in ${executablePath}`);
  await page.goto(url.href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__benchResult !== undefined || window.__benchError !== undefined, { timeout: 0, polling: 500 });
  const { result, table, error } = await page.evaluate(() => ({ result: window.__benchResult, table: window.__benchTable, error: window.__benchError }));
  if (error) {
    const usage = error.startsWith('usage: ');
    console.error(`bench: ${usage ? error.slice(7) : error}`);
    return usage ? 2 : 1;
  }
  console.log(`\n${table}`);
  if (file) {
    try {
      writeJson(file, { ...result, arguments: argv });
    } catch (e) {
      console.error(`bench: ${e.message}`);
      return 1;
    }
    console.log(`wrote ${file}`);
  }
  return 0;
});
process.exit(status);
