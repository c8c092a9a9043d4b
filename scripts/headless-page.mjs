// Shared by scripts/bench.mjs and scripts/screenshot.mjs: Vite's dev server on a free port with the
// project's vite.config.ts, and a page in headless Chromium with the test runner's flags (WebGPU;
// SwiftShader when there is no GPU).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Runs `use(page, base, executablePath)` on a fresh page, `base` being the server's URL, and closes the
 * browser and the server afterwards. `entry` is the HTML page whose dependencies Vite pre-bundles before
 * it loads (a late discovery would reload the page mid-run), `include` more of them. Resolves to use's
 * exit status, or to 1 after printing `${who}: error` when anything fails.
 */
export async function withHeadlessPage(who, entry, include, use) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  // Before the test runner's config, which refuses a missing browser with an error and a stack.
  if (!existsSync(executablePath)) {
    console.error(`${who}: Chromium not found at ${executablePath}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
    return 1;
  }
  const { CHROMIUM_FLAGS } = await import('../web-test-runner.config.mjs');
  const { createServer } = await import('vite');
  const { default: puppeteer } = await import('puppeteer-core');
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    // No watching: an edit elsewhere in the checkout must not reload the page in the middle of a run.
    server: { host: '127.0.0.1', port: 0, strictPort: false, open: false, hmr: false, watch: null },
    optimizeDeps: { entries: [entry], include },
  });
  await server.listen();
  let browser;
  try {
    const base = server.resolvedUrls?.local?.[0];
    if (!base) throw new Error('the Vite dev server did not report its URL');
    browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, protocolTimeout: 0 });
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    return await use(page, base, executablePath);
  } catch (e) {
    console.error(`${who}: ${e.stack ?? e}`);
    return 1;
  } finally {
    await browser?.close();
    await server.close();
  }
}
