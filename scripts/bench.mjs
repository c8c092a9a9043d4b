#!/usr/bin/env node
// npm run bench -- [--quick] [--out FILE] [--node] [...]: the benchmark (src/bench/run.ts).
// Browser (default): starts Vite's dev server on a free port with the project's vite.config.ts, opens
// bench.html in headless Chromium with the test runner's flags (WebGPU, SwiftShader when there is no
// GPU), streams the page's `[bench]` progress lines to stdout, then prints the table and writes --out.
// --node: runs src/bench/node.ts in Node through the `webgpu` package instead (no TF.js), as does --help.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const argv = process.argv.slice(2);
if (argv.includes('--node') || argv.includes('--help')) {
  const r = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/bench/node.ts', ...argv.filter((a) => a !== '--node')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const outAt = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
const out = outAt < 0 ? undefined : argv[outAt].includes('=') ? argv[outAt].slice(6) : argv[outAt + 1];
if (outAt >= 0 && !out) {
  console.error('bench: --out needs a file name');
  process.exit(2);
}

const { CHROMIUM_FLAGS } = await import('../web-test-runner.config.mjs');
const { createServer } = await import('vite');
const { default: puppeteer } = await import('puppeteer-core');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`bench: Chromium not found at ${executablePath}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}

const server = await createServer({
  configFile: resolve('vite.config.ts'),
  logLevel: 'warn',
  clearScreen: false,
  // No watching: an edit elsewhere in the checkout must not reload the page in the middle of a run.
  server: { host: '127.0.0.1', port: 0, strictPort: false, open: false, hmr: false, watch: null },
  // Pre-bundle TF.js before the page asks for it: a late discovery would reload the page mid-run.
  optimizeDeps: { entries: ['bench.html'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'] },
});
await server.listen();
const base = server.resolvedUrls?.local?.[0];
let browser;
let status = 1;
try {
  if (!base) throw new Error('the Vite dev server did not report its URL');
  browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, protocolTimeout: 0 });
  const page = await browser.newPage();
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench] ')) console.log(text.slice(8));
    else if (msg.type() === 'error' || msg.type() === 'warn') console.error(`page ${msg.type()}: ${text}`);
  });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const url = new URL('bench.html', base);
  url.searchParams.set('args', JSON.stringify(argv));
  console.log(`bench: ${url.href} in ${executablePath}`);
  await page.goto(url.href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__benchResult !== undefined || window.__benchError !== undefined, { timeout: 0, polling: 500 });
  const { result, table, error } = await page.evaluate(() => ({ result: window.__benchResult, table: window.__benchTable, error: window.__benchError }));
  if (error) {
    const usage = error.startsWith('usage: ');
    console.error(`bench: ${usage ? error.slice(7) : error}`);
    status = usage ? 2 : 1;
  } else {
    console.log(`\n${table}`);
    if (out) {
      const file = resolve(out);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`wrote ${file}`);
    }
    status = 0;
  }
} catch (e) {
  console.error(`bench: ${e.stack ?? e}`);
} finally {
  await browser?.close();
  await server.close();
}
process.exit(status);
