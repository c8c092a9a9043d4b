#!/usr/bin/env node
// node scripts/screenshot-workbench.mjs [--dir docs]: the README's workbench screenshots, from real runs in
// headless Chromium (WebGPU; SwiftShader without a GPU), through the demo page (Vite's dev server):
//   screenshot-builder.png  the form with the model builder: the cnn preset's rows, a layer added
//   screenshot-inside.png   "Inside the model" for test image 0 after one epoch of a small convnet
//   screenshot-ru.png       the page under ?lang=ru after a short mlp run
// A few minutes on SwiftShader (the convnet epoch on 2,000 images is most of it).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { withHeadlessPage } from './headless-page.mjs';

const argv = process.argv.slice(2);
const dirAt = argv.indexOf('--dir');
const dir = resolve(dirAt >= 0 ? argv[dirAt + 1] : 'docs');
mkdirSync(dir, { recursive: true });
const t0 = performance.now();
const log = (s) => console.log(`screenshot-workbench: ${((performance.now() - t0) / 1000).toFixed(1)} s ${s}`);

/** A screenshot of the element found by `find` (run in the page; may pierce shadow roots), with a margin. */
async function shoot(page, find, file) {
  const box = await page.evaluate((src) => {
    const el = new Function(`return (${src})()`)();
    el.scrollIntoView();
    const r = el.getBoundingClientRect();
    return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
  }, find.toString());
  const m = 8;
  await page.screenshot({ path: file, clip: { x: Math.max(0, box.x - m), y: Math.max(0, box.y - m), width: box.width + 2 * m, height: box.height + 2 * m }, captureBeyondViewport: true });
  log(`wrote ${file}`);
}

async function ready(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => customElements.get('mnist-trainer') && document.querySelector('mnist-trainer').controller.adapter, { timeout: 60000, polling: 200 });
}

async function train(page, attrs) {
  return page.evaluate(async (attrs) => {
    const el = document.querySelector('mnist-trainer');
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    await el.updateComplete;
    const h = await el.train();
    if (!h) throw new Error(`training failed: ${el.controller.message}`);
    await el.updateComplete;
    return { epochs: h.loss.length, testAccuracy: h.test_accuracy.at(-1) };
  }, attrs);
}

const status = await withHeadlessPage('screenshot-workbench', 'index.html', [], async (page, base) => {
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  page.on('console', (msg) => { if (msg.type() === 'error') console.error(`page error: ${msg.text()}`); });

  // 1. Russian, first: the stored runs of the later steps would show in its comparison table.
  await ready(page, `${base}?lang=ru&model=mlp`);
  log(`mlp (ru): ${JSON.stringify(await train(page, { 'train-limit': '2000', epochs: '2', 'batch-size': '64' }))}`);
  const bottom = await page.evaluate(() => {
    const results = document.querySelector('mnist-trainer').shadowRoot.querySelector('mt-results');
    const confusion = results?.shadowRoot?.querySelector('[part="confusion"]');
    return confusion ? Math.ceil(confusion.getBoundingClientRect().bottom + window.scrollY + 16) : document.documentElement.scrollHeight;
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${dir}/screenshot-ru.png`, clip: { x: 0, y: 0, width: 1280, height: bottom }, captureBeyondViewport: true });
  log(`wrote ${dir}/screenshot-ru.png`);
  // 2. The builder: the cnn preset as rows, with output shapes, parameter counts and totals.
  await ready(page, `${base}?model=cnn`);
  await page.evaluate(async () => {
    const el = document.querySelector('mnist-trainer');
    const builder = el.shadowRoot.querySelector('mt-model-builder');
    await builder.updateComplete;
    builder.scrollIntoView();
  });
  await shoot(page, () => document.querySelector('mnist-trainer').shadowRoot.querySelector('mt-model-builder'), `${dir}/screenshot-builder.png`);

  // 3. Inside the model: a small convnet, one epoch on 2,000 images, test image 0.
  const convnet = JSON.stringify([
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }, { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 },
  ]);
  log(`convnet: ${JSON.stringify(await train(page, { model: convnet, 'train-limit': '2000', 'test-limit': '1000', epochs: '1', 'batch-size': '32' }))}`);
  await page.evaluate(async () => {
    const el = document.querySelector('mnist-trainer');
    const details = el.shadowRoot.querySelector('[part="inside"]');
    details.open = true;
    details.dispatchEvent(new Event('toggle'));
    for (let i = 0; i < 300 && !el.shadowRoot.querySelector('mt-inside-view')?.shadowRoot?.querySelector('canvas[data-layer]'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
  });
  await shoot(page, () => document.querySelector('mnist-trainer').shadowRoot.querySelector('[part="inside"]'), `${dir}/screenshot-inside.png`);

  return 0;
});
process.exit(status);
