// A smoke test of the benchmark: runBenchmark on a tiny plan (one small kernel, one matmul size, the mlp
// at batch 32 for two steps, time to a low accuracy on a small MNIST subset), beside TF.js and jax-js and without them.
// It checks that every field of the JSON is present and consistent; the numbers themselves are timings.
import { formatBenchResult } from '../../src/bench/format';
import { matmulCase, modelKernelCases } from '../../src/bench/kernels';
import { MATMUL_OTHER_TILES } from '../../src/engine/ops/matmul';
import { isKernelCandidate, preferredKernels } from '../../src/engine/kernel-variant';
import { makePlan, parseBenchArgs, planOverrides } from '../../src/bench/plan';
import { formatProfile, profileStep } from '../../src/bench/profile';
import { GOALS, gpuGoalsOf, runBenchmark } from '../../src/bench/run';
import { tfjsFromScripts } from '../../src/bench/tfjs';
import { JAXJS_VERSION } from '../../src/bench/jaxjs';
import { importJaxjs } from '../../src/bench/jaxjs-import';
import { median } from '../../src/engine/gpu-timer';
import { createStepRunner, describeVariants, type KernelVariants } from '../../src/bench/training';
import type { Dispatch } from '../../src/engine/dispatch';
import type { BenchModel, BenchPlan, BenchResult, GpuGoalResult, MatmulResult, Spreads, TimeToAccuracyResult } from '../../src/bench/types';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { testGpu } from '../util/gpu';
import { PRESETS } from '../../src/engine/model-setting';
import { smallMnist, trainer } from '../engine/fixtures';

const TINY: Partial<BenchPlan> = {
  kernelBatch: 32,
  kernelCases: ['softmax_xent', 'mlp dense_2.forward'],
  reps: { warmup: 1, min: 2, max: 2, seconds: 0 },
  rounds: 2,
  matmulSizes: [64],
  training: [{ model: 'mlp', batchSize: 32 }],
  peerBatch: 32,
  trainSteps: { mlp: { warmup: 1, min: 2, max: 2, seconds: 0 }, cnn: { warmup: 1, min: 1, max: 1, seconds: 0 } },
  accuracy: { model: 'mlp', target: 0.3, maxEpochs: 3, batchSize: 32, learningRate: 0.002, lrSchedule: 'cosine', trainLimit: 512, testLimit: 256, note: 'test: 30% on 512 images' },
  // One round (the adapter's default variant) of the mlp at the batch the timings use, whose pipelines they build anyway (kernel-check.test.ts runs more).
  check: [{ model: 'mlp', batch: 32, rounds: 1 }],
};

const positive = (v: unknown, what: string) => assert(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} is a positive finite number, got ${String(v)}`);
const near1 = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
const near = (a: number, b: number, what: string) => assert(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);

/** No NaN, Infinity or undefined anywhere: JSON.stringify would turn them into null or drop them. */
function assertJsonSafe(v: unknown, path: string): void {
  if (typeof v === 'number') assert(Number.isFinite(v), `${path} is finite, got ${v}`);
  else if (v === undefined) throw new Error(`${path} is undefined`);
  else if (Array.isArray(v)) v.forEach((x, i) => assertJsonSafe(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (x !== undefined || k !== 'note') assertJsonSafe(x, `${path}.${k}`);
}

/**
 * The matmul and conv2d variants a dispatch list runs, read independently of the kernel report from its
 * pipelines' labels ('matmul.register', 'conv2d.forward.tiled', …; bias-gradient column sums aside).
 */
function variantsInLabels(list: readonly Dispatch[]): Partial<KernelVariants> {
  const found: Partial<KernelVariants> = {};
  for (const d of list) {
    const label = d.pipeline.label ?? '';
    const m = /^(matmul|conv2d)\./.exec(label);
    if (!m || /column_sums|reduce_splits/.test(label)) continue;
    const family = m[1] as keyof KernelVariants;
    if (found[family] !== 'register') found[family] = /register/.test(label) ? 'register' : 'tiled';
  }
  return found;
}

/** Two rounds: each contender's min ≤ max, and the ratio's range is that of the per-round ratios. */
function checkSpreads(s: Spreads, what: string): void {
  for (const k of ['ours', 'tfjs', 'jaxjs', 'ratio', 'jaxjsRatio'] as const) {
    const r = s[k];
    assert(r !== null && r[0] > 0 && r[0] <= r[1], `${what} spreads.${k}: ${JSON.stringify(r)}`);
  }
  assert(s.ratio![0] <= s.ours[1] / s.tfjs![0] + 1e-9 && s.ratio![1] >= s.ours[0] / s.tfjs![1] - 1e-9, `${what}: the ratio's range lies within the contenders' ${JSON.stringify(s)}`);
}

function checkCommon(r: BenchResult): void {
  for (const k of ['vendor', 'architecture', 'description'] as const) assertEqual(typeof r.adapter[k], 'string', `adapter.${k}`);
  assert(r.adapterName.length > 0, 'adapterName');
  assertEqual(r.runtime, 'browser', 'runtime');
  assert(/^(tiled|register|matmul (tiled|register), conv2d (tiled|register))$/.test(r.kernelVariant), `kernelVariant: ${r.kernelVariant}`);
  assert(['timestamp-query', 'wall'].includes(r.timing), `timing: ${r.timing}`);
  positive(r.seconds, 'seconds');
  assert(!Number.isNaN(Date.parse(r.date)), `date: ${r.date}`);
  assertEqual(r.goals.map((g) => g.peer).join(), 'tfjs,tfjs,tfjs,jaxjs,jaxjs,jaxjs', 'three goals against each peer');
  assert(r.goals[0].goal === GOALS.tfjs.cnn128 && r.goals[3].goal === GOALS.jaxjs.cnn128, 'the cnn goals');
  // The tiny plan has no batch-128 rows and no 1024 matmul: the goals are reported as not measured.
  assert(r.goals.every((g) => g.ratio === null && g.met === null), `goals not measured: ${JSON.stringify(r.goals)}`);
  assertJsonSafe(r, 'result');
}

describe('benchmark', () => {
  it('runs a tiny plan beside TF.js and jax-js: every field present, ratios = ours / theirs', async () => {
    const lines: string[] = [];
    const partials: BenchResult[] = [];
    const r = await runBenchmark({ peers: { tfjs: () => tfjsFromScripts(), jaxjs: importJaxjs }, plan: TINY, onPartial: (p) => partials.push(p) }, (l) => lines.push(l));
    checkCommon(r);
    // The results so far after each section but the last (Node writes them to --out): what a run cut short keeps.
    const sofar = partials.map((p) => `${p.complete}:${p.kernelCheck ? 'check' : ''},${p.kernels.length},${p.matmul.length},${p.training.length},${p.timeToAccuracy ? 'tta' : ''}`);
    assertEqual(sofar.join(' '), 'false:check,0,0,0, false:check,2,0,0, false:check,3,1,0, false:check,3,1,1,', 'check, kernels, matmul (its kernel row too), training');
    assert(r.complete === true && r.timeToAccuracy !== null, 'the last: complete');
    // The kernel check ran first: one round, the mlp's ops at the adapter's default variant.
    const c = r.kernelCheck;
    const first = preferredKernels((await testGpu()).adapterInfo);
    assert(c != null && c.passed && c.rounds.length === 1 && Object.values(c.rounds[0].picks).every((k) => k.startsWith(first)) && c.pipelines.length > 0, `kernelCheck: ${JSON.stringify(c)}`);
    assert(lines.findIndex((l) => /^kernel check: all 1 rounds match/.test(l)) < lines.findIndex((l) => /^kernel /.test(l) && !/^kernel check/.test(l)), 'the check before the kernel timings');
    assert(/Kernel check[^\n]*\n\npassed: 1 of 1 rounds/.test(formatBenchResult(r)), 'the check in the text');
    assert(r.tfjs !== null && /^4\.22\./.test(r.tfjs.version) && r.tfjs.backend === 'webgpu', `tfjs: ${JSON.stringify(r.tfjs)}`);
    assert(r.jaxjs !== null && r.jaxjs.version === JAXJS_VERSION && r.jaxjs.backend === 'webgpu', `jaxjs: ${JSON.stringify(r.jaxjs)}`);
    assert(!r.notes.some((n) => /skipped|TF\.js training|jax-js training|matmul 64:| failed: /.test(n)), `no peer and no part failed: ${r.notes.join(' | ')}`);

    // Kernels: the two selected cases and the square matmul, with throughput = work / time.
    assertEqual(r.kernels.map((k) => k.name).join(', '), 'mlp dense_2.forward, softmax_xent.train, matmul.square', 'kernel names');
    const cases = [...modelKernelCases(32), matmulCase('matmul.square', { M: 64, N: 64, K: 64 })];
    for (const k of r.kernels) {
      const c = cases.find((x) => x.name === k.name)!;
      assertEqual(k.shape, c.shape, `${k.name} shape`);
      positive(k.ms, `${k.name} ms`);
      near(k.gflops, c.flops / k.ms / 1e6, `${k.name} GFLOP/s`);
      near(k.gbps, c.bytes / k.ms / 1e6, `${k.name} GB/s`);
      // The pipelines it ran, each once; a matmul's first names its variant (matmul.register…, matmul.tiled…).
      const pipelines = k.pipelines ?? [];
      assert(pipelines.length > 0 && new Set(pipelines).size === pipelines.length, `${k.name} pipelines: ${pipelines.join()}`);
      if (k.variant && c.family === 'matmul') assert(pipelines[0].startsWith(`matmul.${k.variant.split(':')[0]}`), `${k.name}: ${k.variant} ran ${pipelines.join()}`);
      // 'auto' (the default): a GEMM-shaped case of the kernel table is timed with every variant and reported at
      // the autotuner's pick; the square matmul of the matmul section only at its pick.
      if (k.name === 'matmul.square') {
        assert(k.variant === r.matmul[0].variant && k.variantMs === undefined, `${k.name}: ${JSON.stringify(k)}`);
      } else if (c.family) {
        // Matmuls are also timed at the tiled variant's other tile shapes, as the graph's autotuner tries them;
        // register at its quads where the shape and device offer them.
        const offered = c.tilings?.((await testGpu()).device) ?? [];
        const tiles = c.family === 'matmul' ? MATMUL_OTHER_TILES.map((t) => `tiled:${t}`) : [];
        const candidates = [offered.includes('register:quad') ? 'register:quad' : 'register', 'tiled', ...tiles];
        assert(k.variant !== undefined && k.variantMs !== undefined && Object.keys(k.variantMs).sort().join() === candidates.sort().join(), `${k.name}: ${JSON.stringify(k)}`);
        assertEqual(k.ms, k.variantMs[k.variant], `${k.name}: timed at its pick`);
      } else {
        assert(k.variant === undefined && k.variantMs === undefined, `${k.name} has one implementation`);
      }
    }

    // The one GEMM kernel of the table timed with both variants: the pick's ms over the best.
    const gemm = r.kernels.filter((k) => k.variantMs);
    const best = Math.min(...Object.values(gemm[0].variantMs!) as number[]);
    assert(r.autoPicks !== null && r.autoPicks.kernels === gemm.length && near1(r.autoPicks.worstRatio, gemm[0].ms / best) && r.autoPicks.met === (r.autoPicks.worstRatio <= 1.05),
      `autoPicks: ${JSON.stringify(r.autoPicks)}`);
    assertEqual(r.matmul.length, 1, 'one matmul size');
    const m = r.matmul[0];
    assertEqual(m.n, 64, 'matmul n');
    positive(m.gflops, 'matmul GFLOP/s');
    positive(m.tfjsGflops, 'tf.matMul GFLOP/s');
    near(m.ratio!, m.gflops / m.tfjsGflops!, 'matmul ratio');
    positive(m.jaxjsGflops, 'np.matmul GFLOP/s');
    near(m.jaxjsRatio!, m.gflops / m.jaxjsGflops!, 'matmul ratio against jax-js');
    checkSpreads(m.spreads, 'matmul');

    assertEqual(r.training.length, 1, 'one training row');
    const t = r.training[0];
    // Two rounds of two timed steps each, ours and theirs taking turns.
    assertEqual(`${t.model} ${t.batchSize} ${t.steps} ${t.tfjsSteps} ${t.jaxjsSteps}`, 'mlp 32 4 4 4', 'training row');
    checkSpreads(t.spreads, 'training');
    positive(t.jaxjsImagesPerSec, 'jax-js images/s');
    near(t.jaxjsRatio!, t.imagesPerSec / t.jaxjsImagesPerSec!, 'training ratio against jax-js');
    // Over all rounds (images / seconds) lies within the rounds' spread.
    assert(t.spreads.ours[0] <= t.imagesPerSec * (1 + 1e-9) && t.imagesPerSec <= t.spreads.ours[1] * (1 + 1e-9), `ours ${t.imagesPerSec} in ${t.spreads.ours}`);
    positive(t.imagesPerSec, 'our images/s');
    // The mlp at batch 32: dense_1 (forward, weight and bias gradients; no input gradient) and dense_2 (four).
    assert(t.kernels.setting === 'auto' && t.kernels.picks.length === 7 && t.kernels.picks.every((p) => ['measured', 'cached', 'sole candidate', 'over budget'].includes(p.source)), `kernels: ${JSON.stringify(t.kernels)}`);
    assert(isKernelCandidate(m.variant), `matmul variant: ${m.variant}`);
    positive(t.tfjsImagesPerSec, 'TF.js images/s');
    near(t.ratio!, t.imagesPerSec / t.tfjsImagesPerSec!, 'training ratio');

    const a = r.timeToAccuracy!;
    assertEqual(`${a.model} ${a.target} ${a.batchSize} ${a.learningRate} ${a.lrSchedule} ${a.maxEpochs} ${a.note}`, 'mlp 0.3 32 0.002 cosine 3 test: 30% on 512 images', 'time to accuracy plan');
    // 16 Adam steps take the mlp far above 30% (chance is 10%).
    assert(a.reached && a.accuracy >= 0.3 && Number.isInteger(a.epochs) && a.epochs >= 1, `reached: ${JSON.stringify(a)}`);
    positive(a.seconds, 'time to accuracy seconds');

    assert(lines.some((l) => /^training mlp batch 32: [\d.]+ images\/s/.test(l)), `progress lines: ${lines.join(' | ')}`);
    const text = formatBenchResult(r);
    const dense2 = r.kernels.find((k) => k.name === 'mlp dense_2.forward')!;
    for (const s of ['Training throughput', 'Square matmul', 'Kernels', 'Time to accuracy', '(batch 32, Adam 0.002, cosine over 3 epochs) reached', 'softmax_xent.train', `${dense2.variant} (${dense2.pipelines![0]})`, `${t.ratio!.toFixed(2)}×`, `${t.jaxjsRatio!.toFixed(2)}×`, 'ours/jax-js']) {
      assert(text.includes(s), `the table shows "${s}":\n${text}`);
    }
    assert(/^\| model \| batch \|/m.test(formatBenchResult(r, true)), 'Markdown table');
  });

  it('without peers: their fields are null and notes say so; a row that cannot run is a note, the others run', async () => {
    // A model that does not parse and a matmul size no kernel takes, before rows that run.
    const plan: Partial<BenchPlan> = { ...TINY, sections: ['training', 'matmul'], training: [{ model: 'nope' as BenchModel, batchSize: 32 }, ...TINY.training!], matmulSizes: [0, 64] };
    const r = await runBenchmark({ plan, fp32PeakTflops: 0.5 });
    assert(r.notes.some((n) => /^training nope batch 32 failed: model: "nope" is neither a preset/.test(n)) && r.notes.some((n) => /^matmul 0³ failed: .*M must be a positive integer/.test(n)),
      `the failures are notes: ${r.notes.join(' | ')}`);
    assert(r.training.length === 1 && r.training[0].model === 'mlp' && r.matmul.length === 1 && r.matmul[0].n === 64, 'the other rows ran');
    checkCommon(r);
    // --fp32-peak: the matmul's share of it, in the JSON and the table; no 4096³ matmul and no 99% run: goals not measured.
    assertEqual(r.fp32PeakTflops, 0.5, 'the stated peak');
    assert(r.kernelCheck === null && !formatBenchResult(r).includes('Kernel check'), 'no check where its section did not run');
    near(r.matmul[0].peakFraction!, r.matmul[0].gflops / 500, 'share of the peak');
    assert(formatBenchResult(r).includes(`of 0.50 TFLOP/s peak`) && formatBenchResult(r).includes(`${(r.matmul[0].peakFraction! * 100).toFixed(1)}%`), formatBenchResult(r));
    assert(r.gpuGoals!.every((g) => g.measured === null && g.met === null) && !formatBenchResult(r).includes('Real-GPU goals'), `gpu goals: ${JSON.stringify(r.gpuGoals)}`);
    assert(r.tfjs === null && r.jaxjs === null, 'no peers');
    // A file of a run cut short says so, with the command line the file records.
    const partial = formatBenchResult({ ...r, complete: false, arguments: ['--quick', '--out', 'b.json'] });
    assert(/^Arguments: --quick --out b\.json$/m.test(partial) && /^PARTIAL RUN \(complete: false\)/m.test(partial) && !formatBenchResult(r).includes('PARTIAL'), partial);
    const measured = formatBenchResult({ ...r, environment: { node: 'v20.20.2', webgpu: '0.6.2', commit: 'ea9bcfff8874+changes' } });
    assert(/^Measured with: node v20\.20\.2, webgpu 0\.6\.2, commit ea9bcfff8874\+changes$/m.test(measured) && !formatBenchResult(r).includes('Measured with'), measured);
    assert(r.matmul[0].jaxjsGflops === null && r.training[0].jaxjsImagesPerSec === null && r.training[0].spreads.jaxjsRatio === null, 'no jax-js figures');
    assertEqual(r.kernels.length, 1, 'only the square matmul among the kernels');
    assertEqual(r.autoPicks, null, 'no kernel timed with every variant');
    assert(r.matmul[0].tfjsGflops === null && r.matmul[0].ratio === null, `matmul: ${JSON.stringify(r.matmul)}`);
    assert(r.training[0].tfjsImagesPerSec === null && r.training[0].ratio === null && r.training[0].tfjsSteps === null, `training: ${JSON.stringify(r.training)}`);
    assertEqual(r.timeToAccuracy, null, 'time to accuracy not run');
    assert(r.notes.some((n) => /TF\.js not run/.test(n)) && r.notes.some((n) => /jax-js not run/.test(n)), `notes: ${r.notes.join(' | ')}`);
  });

  it("checks the real-GPU goals against the run's own 4096³ matmul and 99% cnn run", () => {
    const row = (n: number, peakFraction: number | null) => ({ n, peakFraction }) as MatmulResult;
    const tta = (reached: boolean, seconds: number | null, target = 0.99, model = 'cnn'): TimeToAccuracyResult => ({ model, target, seconds, reached, epochs: 3, accuracy: reached ? 0.991 : 0.985, batchSize: 128 });
    const show = (g: GpuGoalResult[]) => g.map((x) => `${x.measured}:${x.met}`).join(' ');
    assertEqual(show(gpuGoalsOf([row(1024, 0.5), row(4096, 0.21)], tta(true, 9.5))), '0.21:true 9.5:true', 'both met');
    assertEqual(show(gpuGoalsOf([row(4096, 0.19)], tta(true, 10.5))), '0.19:false 10.5:false', 'both missed');
    assertEqual(show(gpuGoalsOf([row(4096, 0.2)], tta(true, 10))), '0.2:true 10:true', 'at the limits');
    assertEqual(show(gpuGoalsOf([row(4096, null), row(1024, 0.9)], tta(false, null))), 'null:null null:false', 'no peak given; 99% not reached');
    assertEqual(show(gpuGoalsOf([], tta(true, 3, 0.9, 'mlp'))), 'null:null null:null', 'no 4096³ matmul; a small target is not the goal');
    assertEqual(show(gpuGoalsOf([], null)), 'null:null null:null', 'nothing measured');
  });

  it('reports the kernel variants of the graph it times', async () => {
    const gpu = await testGpu();
    const register = await createStepRunner(gpu, 'cnn', 2, 'register');
    assertEqual(`${register.variants.matmul} ${register.variants.conv2d}`, 'register register', 'forced register');
    assertEqual(JSON.stringify(variantsInLabels(register.dispatches)), JSON.stringify(register.variants), 'what the report says is what the pipelines run');
    register.destroy();
    const auto = await createStepRunner(gpu, 'cnn', 2, 'auto');
    assertEqual(JSON.stringify(variantsInLabels(auto.dispatches)), JSON.stringify(auto.variants), 'auto: the report is what runs');
    auto.destroy();
    const runner = await createStepRunner(gpu, 'cnn', 2, 'tiled');
    assertEqual(`${runner.variants.matmul} ${runner.variants.conv2d}`, 'tiled tiled', 'forced tiled');
    assertEqual(JSON.stringify(variantsInLabels(runner.dispatches)), JSON.stringify(runner.variants), 'tiled: the report is what runs');
    assertEqual(describeVariants(runner.variants), 'tiled', 'described');
    assertEqual(describeVariants({ matmul: 'register', conv2d: 'tiled' }), 'matmul register, conv2d tiled', 'mixed');
    await runner.step();
    await runner.idle();
    assertEqual(await runner.nonFiniteStep(), null, 'a finite loss after one step');
    runner.destroy();
  });

  it("profiles each dispatch of the Trainer's training step, in order", async () => {
    const gpu = await testGpu();
    const p = await profileStep(gpu, 'mlp', 2, { reps: 1 });
    // The step list of a Trainer built on its own (real images), not the profiler's.
    const data = await smallMnist(8, 8);
    const t = await trainer(data, { model: PRESETS.mlp, batchSize: 2, kernels: p.kernels });
    const labels = t.trainingStep.dispatches.map((d) => d.label);
    t.destroy();
    data.destroy();
    assert(labels[0] === 'gather.train.gather' && labels.includes('loss.train') && /^optimizer\.update(_vec4)?$/.test(labels[labels.length - 1]), `a whole step: ${labels.join(', ')}`);
    assertEqual(p.rows.map((r) => r.label).join(', '), labels.join(', '), 'one row per dispatch of the step');
    for (const r of p.rows) positive(r.ms, `${r.label} ms`);
    near(p.totalMs, p.rows.reduce((s, r) => s + r.ms, 0), 'total');
    // In the pass: each row what the step's dispatches up to it add to those before it, so they sum to the whole pass.
    positive(p.passMs, 'the step in one pass');
    near(p.passMs, p.rows.reduce((s, r) => s + r.inPassMs, 0), 'in-pass rows sum to the pass');
    assert(/ms the step in one pass → [\d.]+ images\/s\n/.test(formatProfile(p)), formatProfile(p));
    assert(/ms total per step \(mlp, batch 2, '(auto|tiled|register)' kernels\) → [\d.]+ images\/s$/.test(formatProfile(p)), formatProfile(p));
  });

  it('plans: quick is short and says what it skips; bad options are rejected by name', async () => {
    const quick = makePlan({ quick: true, timeToAccuracy: false });
    const full = makePlan({ quick: false, timeToAccuracy: true });
    assert(!quick.training.some((t) => t.model === 'cnn' && t.batchSize === 512), 'quick skips the cnn at 512');
    assert(quick.notes.some((n) => n.section === 'training' && /512 skipped/.test(n.text)), 'and says so');
    assertEqual(full.training.length, 6, 'full: mlp and cnn at 32, 128, 512');
    assert(quick.matmulSizes.includes(1024) && full.matmulSizes.includes(2048), 'matmul sizes');
    assertEqual(`${quick.accuracy.model} ${quick.accuracy.target}`, 'mlp 0.9', 'quick: a small target');
    assert(/90%/.test(quick.accuracy.note ?? ''), 'the small target is explained');
    assertEqual(`${full.accuracy.model} ${full.accuracy.target} ${full.accuracy.learningRate} ${full.accuracy.lrSchedule}`, 'cnn 0.99 0.003 cosine', '--time-to-accuracy: 99%, Adam 0.003 with cosine decay');
    assertEqual(median([3, 1, 2]), 2, 'median of three');
    assertEqual(median([4, 1, 2, 3]), 2.5, 'median of four');

    const a = parseBenchArgs(['--quick', '--out', 'x.json', '--kernels', 'register', '--only', 'kernels,matmul', '--no-tfjs']);
    assertEqual(JSON.stringify(a), JSON.stringify({ quick: true, kernels: 'register', tfjs: false, jaxjs: true, timeToAccuracy: false, only: ['kernels', 'matmul'], out: 'x.json', node: false }), 'parsed');
    assertEqual(parseBenchArgs(['--no-jaxjs']).jaxjs, false, '--no-jaxjs');
    const sizes = parseBenchArgs(['--matmul-sizes', '1024, 4096', '--only', 'matmul']);
    assertEqual(JSON.stringify(planOverrides(sizes)), JSON.stringify({ sections: ['matmul'], matmulSizes: [1024, 4096] }), '--matmul-sizes reaches the plan');
    for (const bad of ['0', '4096,x', '8192', '1.5', ',', '0x40', '1e3', '64,64', '64,,128', '128,']) {
      await assertRejects(() => parseBenchArgs(['--matmul-sizes', bad]), /--matmul-sizes takes different whole numbers from 1 to 4096/, `--matmul-sizes ${bad}`);
    }
    // An option for a section --only leaves out is refused, not ignored.
    await assertRejects(() => parseBenchArgs(['--only', 'matmul', '--time-to-accuracy']), /--time-to-accuracy is for the accuracy section, which --only matmul leaves out: add accuracy to --only/, 'tta without accuracy');
    await assertRejects(() => parseBenchArgs(['--only', 'training', '--fp32-peak', '67']), /--fp32-peak is for the matmul section/, 'peak without matmul');
    assertEqual(parseBenchArgs(['--only', 'matmul,accuracy', '--time-to-accuracy', '--fp32-peak', '67']).timeToAccuracy, true, 'with their sections');
    assertEqual(parseBenchArgs(['--fp32-peak', '67']).fp32Peak, 67, '--fp32-peak');
    assertEqual(parseBenchArgs(['--fp32-peak', '19.5']).fp32Peak, 19.5, '--fp32-peak, a decimal');
    for (const bad of ['0', '-5', 'x', '1e9', 'Infinity', '0x10', '1e2', ' 5', '5.']) {
      await assertRejects(() => parseBenchArgs(['--fp32-peak', bad]), /--fp32-peak takes the GPU's fp32 peak in TFLOP\/s, a number above 0 and at most 1000/, `--fp32-peak ${bad}`);
    }
    await assertRejects(() => parseBenchArgs(['--fp32-peak', '']), /--fp32-peak needs a value, got an empty one/, 'an empty value');
    await assertRejects(() => parseBenchArgs(['--bogus']), /^unknown option --bogus$/, 'an unknown bare option is unknown, not missing its value');
    await assertRejects(() => parseBenchArgs(['--kernels', 'fast']), /--kernels must be auto, tiled, register, got "fast"/, 'bad variant');
    await assertRejects(() => parseBenchArgs(['--only', 'kernels,speed']), /--only takes .*kernels, training, matmul, accuracy/, 'bad section');
    await assertRejects(() => parseBenchArgs(['--quik=1']), /unknown option --quik/, 'typo');
    await assertRejects(() => parseBenchArgs(['--out']), /--out needs a value/, 'missing value');
  });
});
