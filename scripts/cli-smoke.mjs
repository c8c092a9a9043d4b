#!/usr/bin/env node
// Smoke test of the command-line trainer in Node on WebGPU (Dawn): a short real run writes its files
// (history.json, metrics.json, the charts as SVG and PNG) with sane contents, and a bad option exits non-zero with a message. Part of `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeChecks } from './smoke-check.mjs';

const { check, finish } = smokeChecks('cli');
const run = (args) => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 600000 });

const out = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-'));
const r = run(['--model', 'mlp', '--epochs', '2', '--train-limit', '2048', '--batch-size', '64', '--lr-schedule', 'cosine', '--metrics', 'accuracy,top_k_accuracy', '--top-k', '3', '--quiet', '--out', out]);
check('train exits 0', r.status === 0, r.stderr || r.stdout);
if (r.status === 0) {
  const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  check('history.json has the Keras keys, one value per epoch', ['loss', 'accuracy', 'val_loss', 'val_accuracy'].every((k) => history[k]?.length === 2), JSON.stringify(history));
  check('the loss falls', history.loss[1] < history.loss[0], String(history.loss));
  check('--metrics top_k_accuracy: the History has top-k ≥ accuracy', ['', 'val_', 'test_'].every((p) => history[`${p}top_k_accuracy`]?.every((v, i) => v >= history[`${p}accuracy`][i] && v <= 1)), JSON.stringify(history));
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const cells = metrics.confusionMatrix.flat().reduce((a, b) => a + b, 0);
  check('metrics.json: a 10×10 confusion matrix over the 10000 test images', metrics.confusionMatrix.length === 10 && cells === 10000, `sum ${cells}`);
  check('metrics.json records the settings, the schedule included', metrics.settings?.lrSchedule === 'cosine' && metrics.settings?.batchSize === 64, JSON.stringify(metrics.settings));
  check('metrics.json: test_top_k_accuracy', metrics.test_top_k_accuracy >= metrics.test_accuracy && metrics.settings?.topK === 3, String(metrics.test_top_k_accuracy));
  check('metrics.json: per-class precision/recall/F1', metrics.perClass.length === 10 && metrics.perClass.every((c) => c.f1 >= 0 && c.f1 <= 1));
  check('test accuracy above 70% (64 steps of 64 images)', metrics.test_accuracy > 0.7, String(metrics.test_accuracy));
  for (const name of ['loss', 'accuracy']) {
    // The SVG from vega, and the PNG resvg makes of it (the PNG's IHDR holds its size: the SVG's 720 × 420).
    const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
    check(`${name}.svg is an SVG chart with its titles as text`, svg.startsWith('<svg') && svg.includes('>epoch</text>') && /width="720" height="420"/.test(svg), svg.slice(0, 200));
    const png = readFileSync(join(out, `${name}.png`));
    const size = png.length >= 24 ? [png.readUInt32BE(16), png.readUInt32BE(20)] : [];
    check(`${name}.png is a 720×420 PNG (${statSync(join(out, `${name}.png`)).size} bytes)`, png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])) && size.join() === '720,420' && png.length > 10000, `size ${size}`);
  }
  check('loss.svg marks the test-loss minimum', /min test loss [\d.]+ at epoch [12]</.test(readFileSync(join(out, 'loss.svg'), 'utf8')));
  check('progress shows the adapter and images/s', /adapter: /.test(r.stdout) && /images\/s/.test(r.stdout), r.stdout);
}
// A run that diverges (a stack of linear dense layers under SGD at rate 10: the weights grow geometrically
// and overflow within a few steps, deterministically from the seed) still writes its files and exits 1.
const failedOut = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-failed-'));
const linear = JSON.stringify([{ type: 'flatten' }, ...[256, 256, 256].map((units) => ({ type: 'dense', units })), { type: 'dense', units: 10 }]);
const diverged = run(['--model', linear, '--optimizer', 'sgd', '--learning-rate', '10', '--epochs', '2', '--train-limit', '256', '--test-limit', '100', '--quiet', '--out', failedOut]);
check('a diverging run exits 1 naming the code', diverged.status === 1 && /error \(divergence\): The loss became NaN or infinite at step \d+/.test(diverged.stderr), diverged.stderr);
try {
  const fh = JSON.parse(readFileSync(join(failedOut, 'history.json'), 'utf8'));
  const fm = JSON.parse(readFileSync(join(failedOut, 'metrics.json'), 'utf8'));
  check('a failed run writes history.json (its epochs so far)', Array.isArray(fh.loss) && fh.loss.length === fm.epochs, JSON.stringify(fh));
  check('a failed run writes metrics.json with error {code, message} and the epochs done',
    fm.error?.code === 'divergence' && /NaN or infinite/.test(fm.error?.message) && fm.epochs === 0 && fm.settings?.learningRate === 10, JSON.stringify(fm));
} catch (e) {
  check('a failed run writes history.json and metrics.json', false, String(e));
}
const bad = run(['--optimizer', 'adadelta']);
check('a bad option exits 2 with a message', bad.status === 2 && /--optimizer must be one of/.test(bad.stderr), bad.stderr);
const missingOut = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-nodata-'));
const missing = run(['--dataset', '/nonexistent/folder', '--epochs', '1', '--quiet', '--out', missingOut]);
check('a missing data folder exits 1 naming it', missing.status === 1 && /error \(data\): .*\/nonexistent\/folder/.test(missing.stderr), missing.stderr);
try {
  const mm = JSON.parse(readFileSync(join(missingOut, 'metrics.json'), 'utf8'));
  check('a run that fails before training writes metrics.json with its error', mm.error?.code === 'data' && mm.epochs === 0 && mm.settings?.epochs === 1, JSON.stringify(mm));
} catch (e) {
  check('a run that fails before training writes metrics.json with its error', false, String(e));
}
const keras = run(['--keras-code', '--model', 'cnn', '--optimizer', 'nadam', '--batch-size', '64']);
check('--keras-code prints the Keras program and trains nothing', keras.status === 0 && /keras\.Sequential\(\[/.test(keras.stdout)
  && /optimizer=keras\.optimizers\.Nadam\(learning_rate=0\.001\)/.test(keras.stdout) && /batch_size=64/.test(keras.stdout) && !/epoch 1/.test(keras.stdout), keras.stdout + keras.stderr);
// Where Python is installed, the program must at least parse (the CI machine may have none).
const python = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: keras.stdout, encoding: 'utf8' });
if (!python.error) check('the Keras program is valid Python', python.status === 0, python.stderr);
const doc = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/settings-doc.ts', '--check'], { encoding: 'utf8' });
check("the README's settings table matches the schema (npm run docs:settings)", doc.status === 0, doc.stderr);

finish();
