import { METRIC, METRICS_WORDS, metricsInit, readMetrics } from '../../src/engine/metrics-words';
import { REGULARIZE_MAX_GROUPS, REGULARIZE_WORKGROUP, createRegularize, type RegularizedKernel } from '../../src/engine/ops/regularize';
import { Rng } from '../../src/engine/random';
import { regularizeGradient, regularizePenalty } from '../reference/regularize';
import { assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { readF32, readU32, run, testDevice, upload } from '../util/gpu';

// f32 terms summed per thread, per workgroup and over ≤ a few hundred partials.
const TOL = { atol: 1e-6, rtol: 1e-4 };

/** Kernels of the given sizes laid out at 64-element aligned offsets (as graph.ts does), with random factors. */
function layout(sizes: number[], rng: Rng): { kernels: RegularizedKernel[]; total: number } {
  let total = 0;
  const kernels = sizes.map((n, i) => {
    const k = { name: `k${i}`, offset: total, n, l1: i % 3 === 1 ? 0 : rng.range(0, 0.01), l2: i % 3 === 2 ? 0 : rng.range(0, 0.05) };
    total = Math.ceil((total + n) / 64) * 64;
    return k;
  });
  return { kernels, total: total + 64 };
}

describe('regularize', () => {
  it('reference gradient matches finite differences of the reference penalty (weights away from 0)', () => {
    const rng = new Rng(3);
    const n = 40;
    // |w| ≥ 0.1: L1 is not differentiable at 0, and eps = 1e-6 never crosses it from there.
    const w = Float64Array.from(rng.floats(n, 0.1, 1), (v, i) => (i % 2 ? -v : v));
    const kernels = [{ offset: 0, n: 17, l1: 0.003, l2: 0.02 }, { offset: 20, n: 20, l1: 0.01, l2: 0 }];
    checkGradient('regularize', w, (x) => [regularizePenalty(x, kernels)], [1], regularizeGradient(w, new Float64Array(n), kernels));
  });

  it('reference: the Keras formula on a hand example, sign(0) = 0', () => {
    const w = [0, 1, -2, 3];
    const k = [{ offset: 0, n: 4, l1: 0.5, l2: 0.25 }];
    assertClose([regularizePenalty(w, k)], [0.5 * 6 + 0.25 * 14], { atol: 0, rtol: 1e-12 }, 'penalty');
    assertClose(regularizeGradient(w, [0, 0, 0, 0], k), [0, 0.5 + 0.5, -0.5 - 1, 0.5 + 1.5], { atol: 0, rtol: 1e-12 }, 'gradient');
  });

  const cases: [string, number[]][] = [
    ['one weight', [1]],
    ['sizes not multiples of the workgroup, several kernels', [255, 1000, 3, 4097]],
    ['a kernel beyond MAX_GROUPS workgroups (grid-stride)', [REGULARIZE_WORKGROUP * REGULARIZE_MAX_GROUPS + 777, 50]],
  ];
  for (const [name, sizes] of cases) {
    it(`GPU gradient and penalty match the reference: ${name}`, async () => {
      const device = await testDevice();
      const rng = new Rng(sizes.reduce((a, b) => a + b, 0));
      const { kernels, total } = layout(sizes, rng);
      const w = rng.floats(total, -1, 1);
      // sign(0) = 0: one weight of a kernel of several is 0 (the one-weight case keeps its weight, so that it checks l1 and l2).
      if (kernels[0].n > 1) w[kernels[0].offset] = 0;
      const g = rng.floats(total, -1, 1);
      const params = upload(device, w);
      const grads = upload(device, g);
      const start = metricsInit();
      new Float32Array(start.buffer)[METRIC.penaltySum] = 0.5; // accumulates onto what is there
      const metrics = upload(device, start);
      const evalMetrics = upload(device, metricsInit());
      const op = await createRegularize(device, { label: 'reg', params: params.buffer, grads: grads.buffer, kernels, metrics: metrics.buffer, evalMetrics: evalMetrics.buffer });
      try {
        await run(device, op.dispatches);
        await run(device, op.dispatches);
        await run(device, op.evaluate);
        const penalty = regularizePenalty(w, kernels);
        // two training steps on the same weights: the gradient added twice, the penalty counted twice
        const once = regularizeGradient(w, g, kernels);
        const twice = regularizeGradient(w, once, kernels);
        assertClose(await readF32(device, grads), twice, TOL, 'grads');
        const m = readMetrics(await readU32(device, metrics.buffer, METRICS_WORDS));
        assertClose([m.penaltySum, m.penaltyCount], [0.5 + 2 * penalty, 2], TOL, 'train penalty sum, count');
        const e = readMetrics(await readU32(device, evalMetrics.buffer, METRICS_WORDS));
        assertClose([e.penaltySum, e.penaltyCount, e.lossSum, e.count], [penalty, 1, 0, 0], TOL, 'eval penalty');
        assertEqual(e.nonFiniteStep, null, 'word 3 untouched');
        assertClose(await readF32(device, params), w, { atol: 0, rtol: 0 }, 'params unchanged');
      } finally {
        op.destroy();
      }
    });
  }

  it('rejects bad factors, no kernels, aliasing and kernels outside the buffers', async () => {
    const device = await testDevice();
    const p = upload(device, new Float32Array(64));
    const g = upload(device, new Float32Array(64));
    const m = upload(device, metricsInit());
    const args = (kernels: RegularizedKernel[]) => ({ label: 'r', params: p.buffer, grads: g.buffer, kernels, metrics: m.buffer });
    const k = { name: 'k', offset: 0, n: 10, l1: 0, l2: 0.1 };
    await assertRejects(() => createRegularize(device, args([{ ...k, l2: -1 }])), /l2 must be a finite number ≥ 0/, 'negative l2');
    await assertRejects(() => createRegularize(device, args([{ ...k, l1: Number.NaN }])), /l1 must be/, 'NaN l1');
    await assertRejects(() => createRegularize(device, args([])), /no regularized kernels/, 'empty');
    await assertRejects(() => createRegularize(device, args([{ ...k, offset: 60 }])), /params \(k\) holds/, 'outside');
    await assertRejects(() => createRegularize(device, { ...args([k]), grads: p.buffer }), /must not share/, 'aliased');
  });
});
