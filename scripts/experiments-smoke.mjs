#!/usr/bin/env node
// CI check of `npm run experiments`: runs the --quick report into a temporary folder and checks that the
// report, its charts and results.json exist and that every table and conclusion holds numbers.
// Extra arguments go to the experiments command (e.g. --no-fashion). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
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
  const fashion = !extra.includes('--no-fashion') && (extra.includes('--fashion') || existsSync('/usr/share/datasets/fashion-mnist'));
  const anchors = ['overfitting-and-dropout', 'architectures', 'conv-blocks', 'activations', 'optimizers-and-learning-rates', ...(fashion ? ['fashion-overfitting', 'fashion-architectures'] : [])];
  for (const a of anchors) check(`section #${a}`, md.includes(`<a id="${a}"></a>`));

  const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]);
  check(`${images.length} charts linked (2 for each overfitting experiment, 1 per comparison, 2 for optimizers)`, images.length === 2 * (fashion ? 2 : 1) + (fashion ? 4 : 3) + 2, images.join(', '));
  for (const img of images) {
    const p = join(out, img);
    const svg = existsSync(p) ? readFileSync(p, 'utf8') : '';
    check(`${img} is an SVG chart`, svg.startsWith('<svg') && svg.includes('>epoch</text>') && statSync(p).size > 2000);
  }
  check('the overfitting loss chart marks the test-loss minima', /min no dropout test loss [\d.]+ at epoch 1</.test(readFileSync(join(out, 'experiments', 'overfitting-loss.svg'), 'utf8')));

  // Result tables: the header starts with "| run | parameters"; every cell after the label must be a number.
  const lines = md.split('\n');
  let rows = 0;
  const bad = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('| run | parameters')) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      rows++;
      const cells = lines[j].split('|').slice(2, -1).map((c) => c.trim());
      const diverged = lines[j].includes('(diverged)');
      if (!cells.every((c) => /^-?[\d,.]+%?( \(\d+\))?$/.test(c) || (diverged && c === 'n/a'))) bad.push(lines[j]);
    }
  }
  const runs = fashion ? 29 : 25;
  check(`${rows} result rows, one per run, all numeric`, rows === runs && bad.length === 0, bad.join('\n     ') || `expected ${runs}`);
  const conclusions = [...md.matchAll(/\*\*Result\.\*\* (.*)/g)].map((m) => m[1]);
  check(`every experiment has a conclusion with numbers (${conclusions.length})`, conclusions.length === anchors.length && conclusions.every((c) => /\d/.test(c)), conclusions.join('\n     '));
  check('the dropout conclusion measures the gap', /gap of \d+\.\d points/.test(md) && /Dropout \([^)]*\) (cut|widened|left) the final train–test accuracy gap/.test(md));
  if (fashion) check('Fashion-MNIST per-class table uses its class names', md.includes('| 6 Shirt |') && md.includes('| 9 Ankle boot |'));

  const json = JSON.parse(readFileSync(join(out, 'experiments', 'results.json'), 'utf8'));
  const histories = json.experiments.flatMap((e) => e.runs.map((x) => x.history));
  check('results.json holds every run’s History', histories.length === runs && histories.every((h) => h.test_accuracy.length === 1 && h.test_accuracy.every(Number.isFinite)));
}

const bad = run(['--only', 'dropout']);
check('a bad option exits 2 with a message', bad.status === 2 && /--only takes experiment ids/.test(bad.stderr), bad.stderr);

finish(` (report in ${out})`);
