#!/usr/bin/env node
// node scripts/screenshot.mjs [--out docs/screenshot.png] [--dark]: a screenshot of the demo page after
// real training runs. Starts Vite's dev server on a free port, opens index.html in headless Chromium with
// the test runner's flags (WebGPU; SwiftShader without a GPU), switches the element to the mlp on the
// first 1,000 training images (the demo's cnn takes minutes per epoch on SwiftShader), trains two runs of
// 12 epochs (dropout 0.5, then off: the second overfits, so the verdict gives its advice and links),
// overlays the first on the charts, and captures the page down to the confusion matrix. Takes about a
// minute on SwiftShader.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { withHeadlessPage } from './headless-page.mjs';

const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out = resolve(outAt >= 0 ? argv[outAt + 1] : 'docs/screenshot.png');
const scheme = argv.includes('--dark') ? 'dark' : 'light';

const t0 = performance.now();
const log = (s) => console.log(`screenshot: ${((performance.now() - t0) / 1000).toFixed(1)} s ${s}`);
const status = await withHeadlessPage('screenshot', 'index.html', [], async (page, base, executablePath) => {
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
  page.on('console', (msg) => { if (msg.type() === 'error') console.error(`page error: ${msg.text()}`); });
  log(`${base} in ${executablePath}`);
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForFunction(() => customElements.get('mnist-trainer') && document.querySelector('mnist-trainer').controller.adapter, { timeout: 60000, polling: 200 });
  const run = (attrs) => page.evaluate(async (attrs) => {
    const el = document.querySelector('mnist-trainer');
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    await el.updateComplete;
    const h = await el.train();
    if (!h) throw new Error(`training failed: ${el.controller.message}`);
    return { epochs: h.loss.length, testAccuracy: h.test_accuracy.at(-1), adapter: el.controller.adapter };
  }, attrs);
  const small = { model: 'mlp', 'train-limit': '1000', epochs: '12', 'batch-size': '64', 'learning-rate': '0.002' };
  log(`run 1: ${JSON.stringify(await run({ ...small, dropout: '0.5' }))}`);
  log(`run 2: ${JSON.stringify(await run({ ...small, dropout: '0' }))}`);
  // Overlay run 1 on the charts, as a user ticking its box in the comparison table would.
  await page.evaluate(async () => {
    const el = document.querySelector('mnist-trainer');
    const box = el.shadowRoot.querySelector('mt-compare').shadowRoot.querySelector('tbody input[type="checkbox"]');
    box.click();
    await el.updateComplete;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  // Down to the confusion matrix: the rest (per-class table, gallery, draw pad) would make it very tall.
  const bottom = await page.evaluate(() => {
    const results = document.querySelector('mnist-trainer').shadowRoot.querySelector('mt-results');
    const confusion = results?.shadowRoot?.querySelector('[part="confusion"]');
    return confusion ? Math.ceil(confusion.getBoundingClientRect().bottom + window.scrollY + 16) : document.documentElement.scrollHeight;
  });
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: bottom }, captureBeyondViewport: true });
  log(`wrote ${out}`);
  return 0;
});
process.exit(status);
