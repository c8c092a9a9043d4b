#!/usr/bin/env node
// CI check of `npm run experiments`: runs the --quick report into a temporary folder and checks that the
// report, the lab reports (lab5.ru.md, lab5.en.md), their charts and results.json exist, that every table and
// conclusion holds numbers, and that a second run reuses the stored runs instead of training them again.
// Extra arguments go to the experiments command (e.g. --no-fashion). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeChecks } from './smoke-check.mjs';

const { check, finish } = smokeChecks('experiments');
const run = (args, stdio = 'pipe') => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/experiments.ts', ...args], { encoding: 'utf8', timeout: 30 * 60 * 1000, stdio });

const extra = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), 'mnist-trainer-experiments-'));
const started = Date.now();
const r = run(['--quick', '--quiet', '--out', out, ...extra]);
check(`experiments --quick exits 0 (${Math.round((Date.now() - started) / 1000)} s)`, r.status === 0, (r.stderr || r.stdout || '').slice(-2000));

const reportPath = join(out, 'experiments.md');
if (r.status === 0 && existsSync(reportPath)) {
  const md = readFileSync(reportPath, 'utf8');
  check('the report states its command, adapter and date', md.includes(`npm run experiments -- --quick --quiet --out ${out}`) && /adapter \*\*[^*]+\*\*/.test(md) && /\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(md), md.slice(0, 600));
  check('the report says it is a --quick one', md.includes('This is a --quick report'));
  check('the report estimates a full regeneration', /A full regeneration \(`npm run experiments -- (--no-fashion )?--rerun`\) takes about \*\*\d+( h \d+)? min\*\*/.test(md), md.slice(0, 1500));
  const fashion = !extra.includes('--no-fashion') && (extra.includes('--fashion') || existsSync('/usr/share/datasets/fashion-mnist'));
  const anchors = ['headline-models', 'overfitting-and-dropout', 'architectures', 'conv-blocks', 'activations', 'optimizers-and-learning-rates', 'losses',
    ...(fashion ? ['fashion-headline', 'fashion-overfitting', 'fashion-architectures'] : [])];
  for (const a of anchors) check(`section #${a}`, md.includes(`<a id="${a}"></a>`));

  // Headline: loss and accuracy per run (2 on MNIST, 1 on Fashion); overfitting: before/after panels and the regularizers' test loss;
  // optimizers: test accuracy and train loss; every other comparison: test accuracy.
  const linked = [...md.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]);
  const images = linked.filter((f) => !f.endsWith('-mistakes.svg'));
  // Plus before/after panels of the regularizer with the smallest gap, in each overfitting section where that is not dropout.
  const best = images.filter((f) => /overfitting-best-(loss|accuracy)\.svg$/.test(f)).length;
  const expected = 4 + 5 + 1 + 1 + 1 + 2 + 1 + (fashion ? 2 + 5 + 1 : 0) + best;
  check(`${images.length} charts linked (${best} of the smallest gap's panels)`, images.length === expected && best % 2 === 0 && best <= (fashion ? 4 : 2), `expected ${expected}: ${images.join(', ')}`);
  for (const img of images) {
    const p = join(out, img);
    const svg = existsSync(p) ? readFileSync(p, 'utf8') : '';
    check(`${img} is an SVG chart`, svg.startsWith('<svg') && svg.includes('>epoch</text>') && statSync(p).size > 2000);
  }
  check('the overfitting loss panel marks the test-loss minimum', /min test loss [\d.]+ at epoch 1</.test(readFileSync(join(out, 'experiments', 'overfitting-before-loss.svg'), 'utf8')));
  check('the headline confusion matrix', md.includes('Confusion matrix of mlp on the 128 test images (seed 1):') && md.includes('| true ↓ / predicted → |'));
  // Each headline run's surest mistakes, kept in results.json with their pixels and drawn from there (the data set not needed).
  const galleries = linked.filter((f) => f.endsWith('-mistakes.svg'));
  const gallerySvg = (f) => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : '');
  check(`the headline runs' galleries of their surest mistakes (${galleries.join(', ')})`, galleries.length === (fashion ? 3 : 2)
    && galleries.every((f) => gallerySvg(f).includes('the mistakes the model was surest of') && /test images are misclassified/.test(gallerySvg(f)) && (gallerySvg(f).match(/<image /g) ?? []).length >= 1)
    && /The mistakes mlp was surest of \(\d+ of its \d+;/.test(md), galleries.map((f) => gallerySvg(f).slice(0, 200)).join('\n'));

  // Result tables: the header starts with "| run | parameters"; every cell after the label must be a number (± its sd).
  const lines = md.split('\n');
  let rows = 0;
  const bad = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('| run | parameters')) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      rows++;
      const cells = lines[j].split('|').slice(2, -1).map((c) => c.trim());
      const diverged = lines[j].includes('(diverged');
      if (!cells.every((c) => /^-?[\d,.]+( ± [\d,.]+)?%?( \(\d+\))?$/.test(c) || (diverged && c === 'n/a'))) bad.push(lines[j]);
    }
  }
  const runs = 2 + 7 + 3 + 3 + 5 + 9 + 3 + (fashion ? 1 + 7 + 2 : 0);
  check(`${rows} result rows, one per run, all numeric`, rows === runs && bad.length === 0, bad.join('\n     ') || `expected ${runs}`);
  check('two-seed runs show mean ± sd', / \d+\.\d\d ± \d+\.\d\d% \|/.test(md));
  const conclusions = [...md.matchAll(/\*\*Result\.\*\* (.*)/g)].map((m) => m[1]);
  check(`every experiment has a conclusion with numbers (${conclusions.length})`, conclusions.length === anchors.length && conclusions.every((c) => /\d/.test(c)), conclusions.join('\n     '));
  check('the overfitting conclusion measures each regularizer’s gap', /gap of [\d.]+ ± [\d.]+ points/.test(md) && /Dropout: gap [\d.]+ ± [\d.]+ → [\d.]+ ± [\d.]+ points/.test(md) && /(at least halved with|No regularizer halved)/.test(md));
  check('the comparisons say whether the best two are within noise', /Best two: .*(within noise|beyond noise|too few seeds)/.test(md));
  if (fashion) check('Fashion-MNIST per-class table uses its class names', md.includes('| 6 Shirt |') && md.includes('| 9 Ankle boot |'));

  const json = JSON.parse(readFileSync(join(out, 'experiments', 'results.json'), 'utf8'));
  const seeds = json.experiments.flatMap((e) => e.runs.flatMap((x) => x.seeds));
  const trainings = 2 + 7 * 2 + 3 + 3 + 5 + 9 + 3 + (fashion ? 1 + 7 * 2 + 2 : 0); // --quick: two seeds for the overfitting runs, one elsewhere
  check(`results.json holds every seed’s History (${seeds.length})`, json.experiments.flatMap((e) => e.runs).length === runs && seeds.length === trainings &&
    seeds.every((s) => s.history.test_accuracy.length === 1 && s.history.test_accuracy.every(Number.isFinite) && /^[0-9a-f]{14}$/.test(s.hash)), `expected ${trainings}`);
  // The conv comparisons' curves are on 16 test images, their tables on 32: the trained state went to a second trainer.
  const convRuns = json.experiments.filter((e) => e.id === 'architectures' || e.id === 'conv-blocks').flatMap((e) => e.runs);
  const finalCounts = convRuns.flatMap((x) => x.seeds.map((s) => s.test.confusion.reduce((a, v) => a + v, 0)));
  check(`the conv runs' final evaluation covers their larger test set (${finalCounts.join(', ')})`, convRuns.length === 6 && finalCounts.every((n) => n === 32) &&
    convRuns.every((x) => x.spec.finalTestLimit === 32 && x.spec.testLimit === 16), JSON.stringify(convRuns.map((x) => x.spec.finalTestLimit)));

  // The lab reports: both languages, every step, question and the Keras code.
  const labAnchors = ['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6', 'step-7', 'step-8', 'step-9', 'step-10', 'q1', 'q2', 'q3', 'q4', 'q5', 'keras-code'];
  for (const lang of ['ru', 'en']) {
    const p = join(out, `lab5.${lang}.md`);
    const lab = existsSync(p) ? readFileSync(p, 'utf8') : '';
    const missing = labAnchors.filter((a) => !lab.includes(`<a id="${a}"></a>`));
    check(`lab5.${lang}.md has every step, control question and the Keras code`, lab.length > 5000 && missing.length === 0, `missing: ${missing.join(', ')}`);
    check(`lab5.${lang}.md quotes the measured test accuracy and the Keras model`, /\d+[.,]\d\d\u00a0?%/.test(lab) && lab.includes('keras.Sequential') && !lab.includes('not measured') && !lab.includes('не измерялось'));
  }
  check('lab5.ru.md is in Russian', readFileSync(join(out, 'lab5.ru.md'), 'utf8').includes('Контрольные вопросы'));
  // Its charts are drawn in Russian (*.ru.svg), each written beside the English ones.
  const ruImages = [...readFileSync(join(out, 'lab5.ru.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]);
  const ruSvg = (img) => (existsSync(join(out, img)) ? readFileSync(join(out, img), 'utf8') : '');
  const inRussian = (img) => (img.endsWith('-mistakes.ru.svg') ? ruSvg(img).includes('ошибки, в которых модель была увереннее всего') : ruSvg(img).includes('>эпоха</text>'));
  check(`lab5.ru.md's ${ruImages.length} charts and galleries are drawn in Russian`, ruImages.length >= 10 && ruImages.every((img) => img.endsWith('.ru.svg') && inRussian(img))
    && ruImages.some((img) => img.endsWith('-mistakes.ru.svg')), ruImages.filter((img) => !inRussian(img)).join(', '));

  // Run the losses again into the same folder: every seed is reused, none trained, and the other experiments stay in the report.
  const again = run(['--quick', '--quiet', '--only', 'losses', '--no-fashion', '--out', out]);
  const reusedLines = (again.stdout.match(/: reused \(measured /g) ?? []).length;
  const md2 = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
  check(`a second run reuses the stored runs (${reusedLines} of 3)`, again.status === 0 && reusedLines === 3 && md2.includes(`${trainings} trainings were reused`), (again.stderr || again.stdout).slice(-1500));
  check('--only keeps the other experiments of the stored results', anchors.every((a) => md2.includes(`<a id="${a}"></a>`)));

  // Another command was interrupted: its partial file holds a complete experiment (activations, taken out of
  // results.json here) and an unfinished one (conv-blocks, one run of three). Running the losses must lose neither.
  const resultsPath = join(out, 'experiments', 'results.json');
  const partialPath = join(out, 'experiments', 'results.partial.json');
  const stored = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const byId = (id) => stored.experiments.find((e) => e.id === id);
  writeFileSync(resultsPath, JSON.stringify({ ...stored, experiments: stored.experiments.filter((e) => e.id !== 'activations') }));
  writeFileSync(partialPath, JSON.stringify({ ...stored, experiments: [byId('activations'), { ...byId('conv-blocks'), runs: byId('conv-blocks').runs.slice(0, 1) }] }));
  const third = run(['--quick', '--quiet', '--only', 'losses', '--no-fashion', '--out', out]);
  const after = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const left = existsSync(partialPath) ? JSON.parse(readFileSync(partialPath, 'utf8')).experiments : [];
  check("an interrupted other command's runs are kept: the complete experiment in results.json, the unfinished one in the partial file",
    third.status === 0 && after.experiments.some((e) => e.id === 'activations') && left.map((e) => `${e.id} ${e.runs.length}`).join() === 'conv-blocks 1',
    `${(third.stderr || third.stdout).slice(-800)}\nresults: ${after.experiments.map((e) => e.id).join()}; partial: ${left.map((e) => e.id).join()}`);

  // --reuse naming the replaced results.json by another spelling: --only still keeps the other experiments.
  const respelled = join(out, 'experiments', '..', 'experiments', 'results.json');
  const fourth = run(['--quick', '--quiet', '--only', 'losses', '--no-fashion', '--reuse', respelled, '--out', out]);
  const md4 = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
  check('--only with --reuse keeps the other experiments of the results it replaces', fourth.status === 0 && anchors.every((a) => md4.includes(`<a id="${a}"></a>`)),
    (fourth.stderr || fourth.stdout).slice(-800));
  // An interrupted run's partial file that is broken, or from the other mode (a full run's): refused before training, naming the file.
  writeFileSync(partialPath, '{"experiments": [');
  const truncated = run(['--quick', '--quiet', '--only', 'losses', '--no-fashion', '--out', out]);
  writeFileSync(partialPath, JSON.stringify({ ...stored, quick: false, experiments: [] }));
  const otherMode = run(['--quick', '--quiet', '--only', 'losses', '--no-fashion', '--out', out]);
  check('a broken results.partial.json, or a full run\'s beside a --quick one: exit 1 naming the file, no stack trace',
    truncated.status === 1 && truncated.stderr.includes(`${partialPath} (the finished trainings of an interrupted run`) && !truncated.stderr.includes('    at ')
    && otherMode.status === 1 && otherMode.stderr.includes(`${partialPath} holds the finished trainings of an interrupted full run`) && !/adapter:/.test(otherMode.stdout),
    `${truncated.stderr}\n${otherMode.stderr}`);
}

const bad = run(['--only', 'dropout']);
check('a bad option exits 2 with a message', bad.status === 2 && /--only takes experiment ids/.test(bad.stderr), bad.stderr);
// A results file that is missing or is not one: the flag, the file and what is wrong, no stack trace.
const notJson = join(out, 'not-results.json');
writeFileSync(notJson, '{');
const missing = run(['--from-results', join(out, 'none.json'), '--out', out]);
const broken = run(['--from-results', notJson, '--out', out]);
check('--from-results naming no file or no results.json: exit 1 naming it, no stack trace',
  missing.status === 1 && missing.stderr.includes(`error (invalid-setting): --from-results ${join(out, 'none.json')} does not exist`)
    && broken.status === 1 && broken.stderr.includes(`error (invalid-setting): --from-results ${notJson}: not JSON (`) && ![missing, broken].some((r) => /\n\s+at /.test(r.stderr)),
  missing.stderr + broken.stderr);
// --out where a file is: refused before the data is loaded; --from-results with a flag that chooses what to train: refused.
const aFile = join(out, 'a-file');
writeFileSync(aFile, '');
const onFile = run(['--quick', '--quiet', '--out', aFile]);
check('--out where a file is: exit 1 naming --out, before the data is loaded', onFile.status === 1 && onFile.stderr.includes(`--out ${join(aFile, 'experiments')}: cannot write there`) && !/adapter:/.test(onFile.stdout), onFile.stderr);
const redrawOnly = run(['--from-results', notJson, '--only', 'losses']);
check('--from-results with --only: exit 2, the flag named', redrawOnly.status === 2 && redrawOnly.stderr.includes('--only does not apply'), redrawOnly.stderr);
// The stored results read by default (no --reuse given) are named as such, not as a --reuse the user never gave.
const storedOut = join(out, 'stored');
mkdirSync(join(storedOut, 'experiments'), { recursive: true });
writeFileSync(join(storedOut, 'experiments', 'results.json'), '{');
const stored = run(['--quick', '--quiet', '--out', storedOut]);
check('a broken stored results.json: exit 1 naming it as the stored results, not as --reuse',
  stored.status === 1 && stored.stderr.includes(`${join(storedOut, 'experiments', 'results.json')} (the stored results, read by default`) && !stored.stderr.includes('--reuse'),
  stored.stderr);

finish(` (report in ${out})`);
