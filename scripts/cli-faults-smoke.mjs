#!/usr/bin/env node
// Smoke test of the command line under faults, in Node on WebGPU (Dawn): Ctrl-C and a second Ctrl-C, SIGTERM,
// kill -9 mid-run, outputs that cannot be written (before the run and after it), no WebGPU adapter, and the
// benchmark's --out claimed before the GPU starts. Part of `npm test` (beside scripts/cli-smoke.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smokeChecks } from './smoke-check.mjs';

const { check, finish } = smokeChecks('cli-faults');
const run = (args, env = {}) => spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 600000, env: { ...process.env, ...env } });
const readJson = (file) => { try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return null; } };

// Ctrl-C: the terminal signals the whole process group (npm, run-node.mjs, the CLI). The first stops training after
// its step and writes the run's files and checkpoint (model.mntc in --out, no --save needed; exit 130); --load continues
// from that step. A second quits at once.
/**
 * Starts a run in its own process group and signals the group once `after` shows in its output; with `twice`,
 * again once the run says it is stopping (two signals sent at once would merge into one).
 */
function interrupt(args, after, twice, signal = 'SIGINT') {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/run-node.mjs', 'src/cli/train.ts', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let sent = 0;
    const read = (d) => {
      output += d;
      const due = sent === 0 ? after.test(output) : sent === 1 && twice && /SIGINT: stopping/.test(output);
      if (due) {
        sent++;
        process.kill(-child.pid, signal);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 300000);
    child.on('exit', (status) => { clearTimeout(timer); done({ status, output }); });
  });
}
const stopDir = mkdtempSync(join(tmpdir(), 'mnist-trainer-cli-interrupt-'));
const long = ['--model', 'mlp', '--train-limit', '2048', '--test-limit', '128', '--epochs', '50'];
const stopped = await interrupt([...long, '--out', join(stopDir, 'out')], /epoch 1\/50:/, false);
const stoppedModel = join(stopDir, 'out', 'model.mntc');
const stoppedMetrics = readJson(join(stopDir, 'out', 'metrics.json'));
check('Ctrl-C stops training, writes the files and the checkpoint, and exits 130',
  stopped.status === 130 && /stopped by SIGINT after \d+ epochs? \(step \d+ of 3200\)/.test(stopped.output) && existsSync(stoppedModel)
  && stoppedMetrics?.interrupted?.signal === 'SIGINT' && stoppedMetrics.interrupted.epochs >= 1 && stoppedMetrics.interrupted.epochs < 50
  && readJson(join(stopDir, 'out', 'history.json'))?.loss.length === stoppedMetrics.interrupted.epochs && existsSync(join(stopDir, 'out', 'loss.svg')),
  `${stopped.status} ${stopped.output.slice(-600)} ${JSON.stringify(stoppedMetrics?.interrupted)}`);
if (stoppedMetrics?.interrupted) {
  const { epochs, step } = stoppedMetrics.interrupted;
  const resumed = run([...long.slice(0, -1), String(epochs + 1), '--load', stoppedModel, '--quiet', '--out', join(stopDir, 'more')]);
  check('--load continues an interrupted run from its step', resumed.status === 0 && new RegExp(`loaded .*\\(${epochs} epochs? trained\\)`).test(resumed.stdout)
    && new RegExp(`epoch ${epochs + 1}/${epochs + 1}:`).test(resumed.stdout) && step >= epochs * 64, resumed.stdout + resumed.stderr);
}
const quit = await interrupt([...long, '--out', join(stopDir, 'quit')], /epoch 1\/50:/, true);
check('a second Ctrl-C quits at once (exit 130, no files)', quit.status === 130 && !/wrote /.test(quit.output) && !existsSync(join(stopDir, 'quit', 'metrics.json')), quit.output.slice(-400));

// Outputs that cannot be written are refused before anything is loaded or trained, not after the training.
const blocked = join(stopDir, 'a-file');
writeFileSync(blocked, 'x');
const outIsFile = run(['--epochs', '1', '--out', blocked]);
const saveIsFolder = run(['--epochs', '1', '--out', join(stopDir, 'ok'), '--save', stopDir]);
check('--out where a file is, or --save naming a folder: exit 1 with the flag and the reason, before training',
  outIsFile.status === 1 && outIsFile.stderr.includes(`error (invalid-setting): --out ${blocked}: cannot write there (a file is in the way)`) && !/adapter:/.test(outIsFile.stdout)
    && saveIsFolder.status === 1 && saveIsFolder.stderr.includes(`--save ${stopDir} is a folder: give the file's name (e.g. ${stopDir}/model.mntc)`) && !/adapter:/.test(saveIsFolder.stdout),
  outIsFile.stderr + saveIsFolder.stderr);
// A name ending in a slash is a folder even where none exists yet; two outputs naming one file would lose one.
const slash = `${join(stopDir, 'new')}/`;
const saveSlash = run(['--epochs', '1', '--out', join(stopDir, 'ok'), '--save', slash]);
const overSave = run(['--epochs', '1', '--out', join(stopDir, 'ok'), '--export-onnx', join(stopDir, 'ok', 'model.mntc')]);
const overMetrics = run(['--epochs', '1', '--out', join(stopDir, 'ok'), '--save', join(stopDir, 'ok', 'metrics.json')]);
const emptySave = run(['--epochs', '1', '--save=']);
check('--save ending in a slash, an export over the checkpoint, a checkpoint over metrics.json, an empty --save: refused before training',
  saveSlash.status === 1 && saveSlash.stderr.includes(`--save ${slash} is a folder: give the file's name (e.g. ${join(stopDir, 'new')}/model.mntc)`)
    && overSave.status === 1 && overSave.stderr.includes(`error (invalid-setting): --export-onnx would write ${join(stopDir, 'ok', 'model.mntc')}, which --save writes too`)
    && overMetrics.status === 1 && overMetrics.stderr.includes('which --out (its metrics.json) writes too')
    && emptySave.status === 2 && emptySave.stderr.includes('--save needs a value, got an empty one')
    && ![saveSlash, overSave, overMetrics, emptySave].some((r) => /adapter:/.test(r.stdout)),
  [saveSlash, overSave, overMetrics, emptySave].map((r) => r.stderr).join('\n'));
const noLoad = run(['--evaluate-only']);
check('--evaluate-only without --load exits 2 with a message', noLoad.status === 2 && /--evaluate-only needs --load FILE/.test(noLoad.stderr), noLoad.stderr);
// An output that fails to be written after training (here metrics.json, a folder with a file in it): named with its flag, and its partial file gone.
const blockedOut = join(stopDir, 'blocked');
mkdirSync(join(blockedOut, 'metrics.json'), { recursive: true });
writeFileSync(join(blockedOut, 'metrics.json', 'x'), '');
const unwritable = run(['--epochs', '1', '--train-limit', '256', '--test-limit', '64', '--quiet', '--out', blockedOut]);
check('an output that cannot be written after training: error (invalid-setting) naming it and --out, no .partial left',
  unwritable.status === 1 && unwritable.stderr.includes(`error (invalid-setting): could not write ${join(blockedOut, 'metrics.json')} (--out): `) && !existsSync(join(blockedOut, 'metrics.json.partial'))
    && existsSync(join(blockedOut, 'history.json')), unwritable.stderr);
// The benchmark's --out is claimed before the GPU starts; its JSON read back names what a file is not.
const benchDir = join(stopDir, 'bench-out');
mkdirSync(benchDir, { recursive: true });
const benchToFolder = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/bench/node.ts', '--quick', '--out', benchDir], { encoding: 'utf8' });
writeFileSync(join(benchDir, 'other.json'), '{"runs": []}');
const notBench = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/bench/markdown.ts', join(benchDir, 'other.json')], { encoding: 'utf8' });
check('bench --out naming a folder: refused before the GPU (exit 2); markdown.ts on another JSON: named, no stack',
  benchToFolder.status === 2 && benchToFolder.stderr.includes(`--out ${benchDir} cannot be written`) && !/adapter/.test(benchToFolder.stdout)
    && notBench.status === 1 && notBench.stderr.includes('not a benchmark result of npm run bench -- --out (no "adapter")') && !/\n\s+at /.test(notBench.stderr),
  benchToFolder.stdout + benchToFolder.stderr + notBench.stderr);
writeFileSync(join(benchDir, 'mistyped.json'), JSON.stringify({ adapter: {}, adapterName: 'x', date: 'd', seconds: 1, kernels: [], training: [{ model: 'mlp', batchSize: 128, imagesPerSec: null }], matmul: [], goals: [], notes: [] }));
const mistyped = spawnSync(process.execPath, ['scripts/run-node.mjs', 'src/bench/markdown.ts', join(benchDir, 'mistyped.json')], { encoding: 'utf8' });
check('markdown.ts on a result with a field of the wrong type: the file and the field named, no stack',
  mistyped.status === 1 && mistyped.stderr.includes(`${join(benchDir, 'mistyped.json')}: not a benchmark result of npm run bench -- --out ("training" row 1: "imagesPerSec" is not a number)`) && !/\n\s+at /.test(mistyped.stderr), mistyped.stderr);
const noAdapter = run(['--epochs', '1', '--out', join(stopDir, 'no-adapter')], { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '' });
check('no WebGPU adapter: error (no-webgpu), with the hint for Node', noAdapter.status === 1 && noAdapter.stderr.includes('error (no-webgpu): No WebGPU adapter') && noAdapter.stderr.includes('In Node, Dawn needs a Vulkan driver'), noAdapter.stderr);

// kill -9 (or the out-of-memory killer, or a power cut) gives a run no chance to save: the checkpoint file, rewritten
// after every finished epoch, still holds the last one.
const killed = await interrupt([...long, '--out', join(stopDir, 'killed')], /epoch 2\/50:/, false, 'SIGKILL');
const killedModel = join(stopDir, 'killed', 'model.mntc');
const afterKill = existsSync(killedModel) ? run(['--load', killedModel, '--evaluate-only', '--test-limit', '128', '--quiet', '--out', join(stopDir, 'killed-eval')]) : undefined;
check('a run killed outright (SIGKILL) leaves model.mntc as after its last finished epoch, to --load',
  killed.status === null && !existsSync(join(stopDir, 'killed', 'metrics.json')) && afterKill?.status === 0 && /loaded .*\((\d+) epochs? trained\)/.test(afterKill.stdout)
    && Number(/\((\d+) epochs? trained\)/.exec(afterKill.stdout)[1]) >= 1, `${killed.status} ${killed.output.slice(-300)} ${afterKill?.stdout ?? 'no model.mntc'} ${afterKill?.stderr ?? ''}`);
finish();
