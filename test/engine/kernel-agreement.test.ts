// The autotuner's agreement check (src/engine/kernel-agreement.ts): a candidate whose results differ from the
// others' on the same inputs is rejected before timing, however fast, and reported; the majority decides which
// is wrong (the adapter's default too), a tie keeps the default. Real matmuls on the test adapter, 37×37×37 (no
// tile multiple), one candidate built wrong on purpose (its bias left out); a fake clock makes them equally fast.
import { autotuner, describeKernels, KERNEL_SOURCE_ID, type KernelCache, type KernelSite, type TimeOnce } from '../../src/engine/autotune';
import { createTensor } from '../../src/engine/buffers';
import { timeDispatches } from '../../src/engine/gpu-timer';
import { disagreeing, disagreement } from '../../src/engine/kernel-agreement';
import type { KernelVariant } from '../../src/engine/kernel-variant';
import { createMatmul, matmulTilings } from '../../src/engine/ops/matmul';
import { assert, assertEqual } from '../util/assert';
import { testDevice } from '../util/gpu';

const N = 37;
// Every candidate run as the autotuner runs it (with the check's clearing and copying around), reported equally fast.
const sameSpeed = (device: GPUDevice): TimeOnce => async (op, label, around) => {
  await timeDispatches(device, op.dispatches, { warmup: 0, min: 1, max: 1, seconds: 0 }, false, label, around);
  return { ms: 1, method: 'wall' };
};

async function matmulSite(bad: string) {
  const device = await testDevice();
  const [a, b, c] = ['a', 'b', 'c'].map((name) => createTensor(device, `agreement.${name}`, [N, N]));
  const bias = createTensor(device, 'agreement.bias', [N]);
  const m = { M: N, N, K: N };
  const site: KernelSite = { label: 'm.forward', family: 'matmul', shape: `M${N} N${N} K${N} tA0 tB0 bias1`, tiles: matmulTilings(device, m), io: { inputs: [a.buffer, b.buffer, bias.buffer], outputs: [c.buffer] } };
  const built: string[] = [];
  const create = (variant: KernelVariant, tile?: string) => {
    const id = tile ? `${variant}:${tile}` : variant;
    built.push(id);
    // The wrong one: the same product without its bias, a difference of ~1 in sums of ~37.
    return createMatmul(device, { label: `agreement.${id}`, variant, tile, ...m, a: a.buffer, b: b.buffer, c: c.buffer, ...(id === bad ? {} : { bias: bias.buffer }) });
  };
  return { device, site, create, built, destroy: () => [a, b, c, bias].forEach((t) => t.buffer.destroy()) };
}

describe('kernel agreement', () => {
  it('tells a summation order from a wrong result', () => {
    const ref = Float32Array.from({ length: 1000 }, (_, i) => 20 + (i % 7));
    assertEqual(disagreement(ref, ref), 0, 'the same');
    const reordered = ref.map((v, i) => v * (1 + (i % 2 ? 3e-6 : -3e-6)));
    assert(disagreement(reordered, ref) < 0.1, `fp32 noise of another order: ${disagreement(reordered, ref)}`);
    const lostTerm = ref.map((v, i) => (i === 500 ? v - 0.5 : v));
    assert(disagreement(lostTerm, ref) > 10, `one value off by a term: ${disagreement(lostTerm, ref)}`);
    const nan = ref.map((v, i) => (i === 3 ? Number.NaN : v));
    assertEqual(disagreement(nan, ref), Number.POSITIVE_INFINITY, 'a NaN where the other has a number');
    assertEqual(disagreement(new Float32Array(4), new Float32Array(4)), 0, 'all zero');
  });

  it('lets the majority decide which is wrong; a tie keeps the first (the adapter default)', () => {
    const right = Float32Array.of(30, 31, 32);
    const off = Float32Array.of(30, 31, 33);
    const ids = (m: Map<string, string>) => [...m.keys()].join();
    assertEqual(ids(disagreeing([{ id: 'd', out: off }, { id: 'x', out: right }, { id: 'y', out: right }])), 'd', 'the default outvoted');
    assertEqual(ids(disagreeing([{ id: 'd', out: right }, { id: 'x', out: off }])), 'x', 'a tie: the default kept');
    assertEqual(ids(disagreeing([{ id: 'd', out: right }, { id: 'x', out: right }])), '', 'agreeing: none');
    assert(/^wrong results: differs from d by [\d.e+]+× the tolerance on the same inputs$/.test(disagreeing([{ id: 'd', out: right }, { id: 'x', out: off }]).get('x')!), 'why');
  });

  it('rejects a wrong candidate before timing, even the adapter default when the others agree; caches it as ruled out', async () => {
    const { device, site, create, built, destroy } = await matmulSite('tiled');
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'tiled', cache, useTimestamps: false, timeOnce: sameSpeed(device), budgetMs: 600000 });
    const op = await chooser.build(site, create);
    const p = chooser.report().picks[0];
    assert(built.length >= 3, `several candidates built: ${built.join()}`);
    assertEqual(Object.keys(p.wrong ?? {}).join(), 'tiled', `the default, outvoted: ${JSON.stringify(p)}`);
    assert(/^wrong results: differs from \S+ by [\d.e+]+× the tolerance on the same inputs$/.test(p.wrong!.tiled), p.wrong!.tiled);
    assert(p.variant !== 'tiled' || p.tile !== undefined, `a right one kept: ${p.variant}:${p.tile}`);
    assertEqual(p.source, 'measured', 'the rest timed as usual');
    assert(!(p.ms && 'tiled' in p.ms), `the wrong one is not timed: ${JSON.stringify(p.ms)}`);
    assert(cache.has(`a|${KERNEL_SOURCE_ID}|hopeless|tiled`), 'ruled out on this adapter');
    assert(describeKernels(chooser.report()).endsWith('; wrong results, passed over: tiled at m.forward'), describeKernels(chooser.report()));
    assert(!('io' in p), 'the pick does not carry the buffers');
    op.destroy();
    destroy();
  });

  it('with two that disagree, keeps the default and says the other disagreed; all agreeing, rejects none', async () => {
    const two = await matmulSite('tiled');
    const site = { ...two.site, tiles: undefined }; // two candidates: register and tiled
    const chooser = autotuner(two.device, { adapter: 'a', fallback: 'register', cache: new Map(), useTimestamps: false, timeOnce: sameSpeed(two.device), budgetMs: 600000 });
    const op = await chooser.build(site, two.create);
    const p = chooser.report().picks[0];
    assertEqual(`${p.variant} ${p.source} ${Object.keys(p.wrong ?? {}).join()}`, 'register others disagreed tiled', 'a tie: the default');
    op.destroy();
    two.destroy();

    const right = await matmulSite('none');
    const all = autotuner(right.device, { adapter: 'a', fallback: 'tiled', cache: new Map(), useTimestamps: false, timeOnce: sameSpeed(right.device), budgetMs: 600000 });
    (await all.build(right.site, right.create)).destroy();
    const q = all.report().picks[0];
    assertEqual(`${q.source} ${q.wrong === undefined} ${Object.keys(q.ms!).length}`, `measured true ${right.built.length}`, 'every candidate timed');
    right.destroy();
  });
});
