// The bench's kernel check (src/bench/kernel-check.ts): its comparison of gradients on made-up values,
// then real rounds on the test GPU: a small conv net's ops at two candidates match the references, and
// a round whose weight-gradient matmul never runs fails, naming that gradient.
import { compareGradients, checkKernels } from '../../src/bench/kernel-check';
import { formatBenchResult } from '../../src/bench/format';
import type { BenchResult, KernelCheckResult } from '../../src/bench/types';
import { roundRobinKernels, type KernelChooser } from '../../src/engine/autotune';
import { preferredKernels } from '../../src/engine/kernel-variant';
import { assert, assertEqual } from '../util/assert';
import { testGpu } from '../util/gpu';
import { loadMnist } from '../engine/fixtures';

/** Conv (first layer: forward and weight gradient), conv (all three passes), dense: every GEMM family, batch 5 (partial tiles everywhere). */
const SMALL = JSON.stringify({
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'conv2d', filters: 8, kernelSize: 3 },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
});

/** A bench result with the check alone, for its text. */
const resultWith = (kernelCheck: KernelCheckResult): BenchResult => ({
  adapter: { vendor: '', architecture: '', description: '' }, adapterName: 'test', runtime: 'browser', userAgent: '', kernelVariant: 'register', timing: 'wall',
  tfjs: null, jaxjs: null, quick: true, date: '', seconds: 0, kernels: [], training: [], matmul: [], timeToAccuracy: null, kernelCheck, goals: [], autoPicks: null, notes: [],
});

describe('kernel check: comparing gradients', () => {
  const ramp = (n: number, top = 1) => Float64Array.from({ length: n }, (_, i) => (top * (i + 1)) / n);

  it('passes equal gradients and a few near-tie outliers; fails many outliers, one large error, or a NaN', () => {
    const ref = ramp(100);
    const with_ = (changes: [number, number][]) => {
      const g = Float32Array.from(ref);
      for (const [i, d] of changes) g[i] = ref[i] + d;
      return compareGradients([{ name: 'w', gpu: g, reference: ref }]);
    };
    const same = with_([]);
    assert(same.passed && same.outliers === 0 && same.error < 1e-4, `equal: ${JSON.stringify(same)}`);
    // The tolerance at element 0: 2e-4 · 1 (the largest) + 1e-7 + 2e-3 · 0.01.
    const tol0 = 2e-4 + 1e-7 + 2e-3 * 0.01;
    const one = with_([[0, 1.5 * tol0]]);
    assert(one.passed && one.outliers === 1 && Math.abs(one.error - 1.5) < 1e-3 && one.slot === 'w', `one outlier at 1.5×: ${JSON.stringify(one)}`);
    const two = with_([[0, 3 * tol0], [1, 3 * tol0]]);
    assert(two.passed && two.outliers === 2, `2 of 100 (the 2% allowed): ${JSON.stringify(two)}`);
    const three = with_([[0, 3 * tol0], [1, 3 * tol0], [2, 3 * tol0]]);
    assert(!three.passed && three.outliers === 3, `3 of 100: ${JSON.stringify(three)}`);
    const large = with_([[50, 0.011]]);
    assert(!large.passed && large.outliers === 1, `one error above 1% of the largest gradient: ${JSON.stringify(large)}`);
    const nan = with_([[7, Number.NaN]]);
    assert(!nan.passed && nan.error === Infinity, `NaN: ${JSON.stringify(nan)}`);
  });

  it("scales each tensor's tolerance by its own largest gradient", () => {
    const big = ramp(10, 100);
    const small = ramp(10, 1e-3);
    const g = Float32Array.from(small);
    g[3] += 1e-5; // 1% of small's largest: far beyond its tolerance, far below big's
    const r = compareGradients([{ name: 'big', gpu: Float32Array.from(big), reference: big }, { name: 'small', gpu: g, reference: small }]);
    assert(!r.passed && r.slot === 'small' && r.error > 5, `small's error is its own: ${JSON.stringify(r)}`);
  });
});

describe('kernel check: rounds on the test GPU', () => {
  it('a conv net at batch 5 matches the float64 step with each op at its first two candidates', async () => {
    const lines: string[] = [];
    const gpu = await testGpu();
    // Round 0: the adapter's default variant (SwiftShader: register), round 1 the other.
    const [first, second] = preferredKernels(gpu.adapterInfo) === 'tiled' ? ['tiled', 'register'] : ['register', 'tiled'];
    const r = await checkKernels(gpu, await loadMnist(), [{ model: SMALL, batch: 5, rounds: 2 }], (l) => lines.push(l));
    assert(r.passed, `passed: ${lines.join('\n')}`);
    assertEqual(r.rounds.map((q) => `${q.round}:${q.passed}`).join(), '0:true,1:true', 'two rounds');
    assertEqual(lines.filter((l) => /round \d\/\d+: ok/.test(l)).length, 2, 'a progress line per round');
    for (const q of r.rounds) {
      assert(q.gradientError! < 1 && q.outliers === 0 && q.lossError! < 1 && Math.abs(q.loss! - q.referenceLoss!) < 1e-3 && q.error === undefined, `round ${q.round}: ${JSON.stringify(q)}`);
      // Each op at its candidate of this round (register or its quads, tiled at its default tile).
      for (const [label, k] of Object.entries(q.picks)) assert(k.startsWith(q.round === 0 ? first : second) && !k.startsWith('tiled:'), `round ${q.round} ${label}: ${k}`);
    }
    assertEqual(Object.keys(r.rounds[0].picks).sort().join(), [
      'conv2d_1.backward_weight', 'conv2d_1.forward', 'conv2d_2.backward_input', 'conv2d_2.backward_weight', 'conv2d_2.forward',
      'dense_1.backward_bias', 'dense_1.backward_input', 'dense_1.backward_weight', 'dense_1.forward',
    ].join(), 'every GEMM-shaped op');
    assertEqual(Object.keys(r.candidates).sort().join(), 'bias_grad,conv2d.backward_input,conv2d.backward_weight,conv2d.forward,matmul', 'families');
    // conv2d_1 (one input channel) offers no quads: its register candidate is the plain one.
    for (const [family, ks] of Object.entries(r.candidates)) {
      assert(ks.includes('tiled') && ks.some((k) => k.startsWith('register')) && ks.every((k) => k === 'tiled' || k.startsWith('register')), `${family}: ${ks.join()}`);
    }
    // Both variants' pipelines ran (the tiled conv's are labelled without a suffix).
    const ran = (p: RegExp) => r.pipelines.some((l) => p.test(l));
    assert(ran(/^conv2d\.forward$/) && ran(/^conv2d\.forward\.register/) && ran(/^matmul\.tiled/) && ran(/^matmul\.register/), `pipelines: ${r.pipelines.join()}`);
  });

  it('fails a round whose weight-gradient matmul never runs, naming the gradient it left wrong', async () => {
    const gpu = await testGpu();
    // Round 0's chooser (the adapter's default variant), except that dense_1's weight gradient is built with an empty grid: its output keeps
    // whatever was there (a kernel that writes nothing on some driver).
    const broken = (round: number): KernelChooser & { rounds(): number } => {
      const inner = roundRobinKernels(round, preferredKernels(gpu.adapterInfo));
      return {
        ...inner,
        build: (site, create) => inner.build(site, async (v, tile) => {
          const op = await create(v, tile);
          if (site.label !== 'dense_1.backward_weight') return op;
          return { ...op, dispatches: op.dispatches.map((d) => ({ ...d, workgroups: [0, 1, 1] as const })), destroy: () => op.destroy() };
        }),
      };
    };
    const lines: string[] = [];
    const r = await checkKernels(gpu, await loadMnist(), [{ model: SMALL, batch: 5, rounds: 1 }], (l) => lines.push(l), { chooser: broken });
    assert(!r.passed && r.rounds.length === 1 && !r.rounds[0].passed, `failed: ${lines.join('\n')}`);
    assertEqual(r.rounds[0].worstSlot, 'dense_1.kernel', 'the gradient the broken op computes');
    assert(r.rounds[0].outliers > 100 && /FAILED/.test(lines[0]), `${r.rounds[0].outliers} outliers; ${lines[0]}`);
    assertEqual(Object.keys(r.candidates).length + r.pipelines.length, 0, 'a failing round covers nothing');
  });

  it('a round whose kernel cannot be built fails alone, with the error and the op, and the check goes on', async () => {
    const gpu = await testGpu();
    let refused = false;
    // The first build of dense_1.forward is refused, as a driver that cannot compile a kernel would.
    const refusing = (round: number): KernelChooser & { rounds(): number } => {
      const inner = roundRobinKernels(round, preferredKernels(gpu.adapterInfo));
      return {
        ...inner,
        build: (site, create) => inner.build(site, async (v, tile) => {
          if (site.label === 'dense_1.forward' && !refused) {
            refused = true;
            throw new Error('cannot compile this kernel');
          }
          return create(v, tile);
        }),
      };
    };
    const lines: string[] = [];
    // And a case that cannot start: more images than the training set has.
    const cases = [{ model: SMALL, batch: 5, rounds: 1 }, { model: SMALL, batch: 1e6, rounds: 1 }, { model: SMALL, batch: 6, rounds: 1 }];
    const r = await checkKernels(gpu, await loadMnist(), cases, (l) => lines.push(l), { chooser: refusing });
    const [bad, impossible, good] = r.rounds;
    assert(!impossible.passed && /batch 1000000 needs 1000000 training images, the data set has 60000/.test(impossible.error ?? ''), `the impossible case: ${JSON.stringify(impossible)}`);
    assert(!r.passed && !bad.passed && bad.error === 'cannot compile this kernel' && bad.gradientError === null, `the refused round: ${JSON.stringify(bad)}`);
    assertEqual(Object.keys(bad.picks).pop(), 'dense_1.forward', 'its picks end at the op that failed');
    assert(good.passed && good.batch === 6, `the next case ran: ${JSON.stringify(good)}`);
    assert(/round 1\/1: FAILED \(cannot compile this kernel\)/.test(lines[0]) && /batch 1000000: FAILED/.test(lines[1]) && /: ok/.test(lines[2]), lines.join('\n'));
    assert(/- failed: .* round 1, cannot compile this kernel: .*dense_1\.forward/.test(formatBenchResult(resultWith(r))), 'the table says why, counting rounds from 1 as the progress lines do');
  });
});
