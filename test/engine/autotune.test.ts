// Kernels chosen by measurement (src/engine/autotune.ts): the choice logic on a fake clock (fastest
// median wins, a clear loser is timed once, contenders take turns, losers destroyed, the cache, the
// budget, failures), then real graphs: a cnn Trainer with kernels 'auto' reports one pick per GEMM-shaped
// op, a second one takes them all from the cache, and it trains like the forced variants.
import {
  autotuner, checkKernelSetting, describeKernels, fixedKernels, kernelCacheKey, KERNEL_SOURCE_ID, roundRobinKernels, type KernelCache, type KernelSite, type TimeOnce,
} from '../../src/engine/autotune';
import { isKernelCandidate, preferredKernels, siteCandidates, type KernelVariant } from '../../src/engine/kernel-variant';
import type { GpuOp } from '../../src/engine/op';
import { PRESETS } from '../../src/engine/model-setting';
import { assert, assertClose, assertEqual, assertRejects } from '../util/assert';
import { testGpu } from '../util/gpu';
import { smallMnist, trainer } from './fixtures';

interface FakeOp extends GpuOp {
  variant: KernelVariant;
  /** The candidate built: the variant, or `tiled:<tile>`. */
  id: string;
  destroyed: boolean;
}

/** Fake ops and a fake clock: `ms[candidate]` per run (a list is consumed run by run), every timing call logged. */
function fakes(ms: Record<string, number | number[]>) {
  const made: FakeOp[] = [];
  const timed: string[] = [];
  const create = async (variant: KernelVariant, tile?: string): Promise<FakeOp> => {
    const id = tile ? `${variant}:${tile}` : variant;
    const op: FakeOp = { label: `fake.${id}`, dispatches: [], variant, id, destroyed: false, destroy() { op.destroyed = true; } };
    made.push(op);
    return op;
  };
  const timeOnce: TimeOnce = async (op) => {
    const v = (op as FakeOp).id;
    timed.push(v);
    const m = ms[v];
    return { ms: Array.isArray(m) ? m.shift()! : m, method: 'wall' };
  };
  return { made, timed, create, timeOnce };
}

const site = (shape = 'M32 N10 K784'): KernelSite => ({ label: 'dense_1.forward', family: 'matmul', shape });
const device = {} as GPUDevice; // the fake clock never touches it

describe('autotune: the choice', () => {
  it('keeps the candidate with the lowest median, destroys the other, caches the choice; a second chooser builds once from the cache', async () => {
    const f = fakes({ register: [6, 5, 9, 4], tiled: [6, 4, 4, 8] }); // a first run each, then medians: register 5, tiled 4
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'register', cache, useTimestamps: false, timeOnce: f.timeOnce });
    const op = await chooser.build(site(), f.create);
    assertEqual(op.variant, 'tiled', 'the faster median');
    assertEqual(f.made.map((m) => `${m.variant}:${m.destroyed}`).join(' '), 'register:true tiled:false', 'the loser destroyed');
    assertEqual(f.timed.join(' '), 'register tiled register tiled register tiled register tiled', 'contenders take turns, fallback first');
    const pick = chooser.report().picks[0];
    assertEqual(`${pick.source} ${pick.variant} ${pick.ms!.register} ${pick.ms!.tiled}`, 'measured tiled 5 4', 'report');
    assertEqual(cache.get(kernelCacheKey('a', site())), 'tiled', 'cached');

    const again = fakes({ register: 1, tiled: 1 });
    const second = autotuner(device, { adapter: 'a', fallback: 'register', cache, useTimestamps: false, timeOnce: again.timeOnce });
    assertEqual((await second.build(site(), again.create)).variant, 'tiled', 'from the cache');
    assertEqual(`${again.made.length} ${again.timed.length} ${second.report().picks[0].source}`, '1 0 cached', 'built once, nothing timed');
  });

  it('a candidate 1.5 times slower on its first run is timed no further, 4 times slower not tried again; ties go to the adapter default', async () => {
    const slow = fakes({ register: 10, tiled: 20 });
    const c1 = autotuner(device, { adapter: 'a', fallback: 'register', cache: new Map(), useTimestamps: false, timeOnce: slow.timeOnce });
    assertEqual((await c1.build(site(), slow.create)).variant, 'register', 'winner');
    assertEqual(slow.timed.join(' '), 'register tiled', 'one run each, then nothing: the only contender is decided');
    await c1.build(site('M64 N10 K784'), slow.create);
    assertEqual(`${c1.report().picks[1].source} ${slow.timed.length}`, 'measured 4', '2× slower: still tried on the next op');
    const f = fakes({ register: 10, tiled: 100 });
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'register', cache, useTimestamps: false, timeOnce: f.timeOnce });
    await chooser.build(site(), f.create);
    await chooser.build(site('M64 N10 K784'), f.create);
    const later = autotuner(device, { adapter: 'a', fallback: 'register', cache, useTimestamps: false, timeOnce: f.timeOnce });
    await later.build(site('M128 N10 K784'), f.create);
    assertEqual([...chooser.report().picks, ...later.report().picks].map((p) => `${p.source} ${p.variant}`).join(', '),
      'measured register, sole candidate register, sole candidate register', '10× slower: dropped for the build and the cache');
    assertEqual(cache.get(kernelCacheKey('a', site('M64 N10 K784'))), 'register', 'a sole candidate is cached too');
    assertEqual(`${f.timed.join(' ')} ${f.made.length}`, 'register tiled 4', 'timed once; one op built per later site');
    // The default slower on the first run only: it is timed again, and wins.
    const hiccup = fakes({ register: [30, 5, 5, 5], tiled: [10, 8, 8, 8] });
    const c3 = autotuner(device, { adapter: 'a', fallback: 'register', cache: new Map(), useTimestamps: false, timeOnce: hiccup.timeOnce });
    assertEqual((await c3.build(site(), hiccup.create)).variant, 'register', 'the default is not ruled out on one run');
    assertEqual(hiccup.timed.length, 8, 'both timed in rounds');
    const tie = fakes({ register: 3, tiled: 3 });
    const c2 = autotuner(device, { adapter: 'a', fallback: 'tiled', cache: new Map(), useTimestamps: false, timeOnce: tie.timeOnce });
    assertEqual((await c2.build(site(), tie.create)).variant, 'tiled', 'a tie keeps the fallback');
  });

  it('past the budget the fallback is taken unmeasured; the key separates adapters, shapes and kernel sources', async () => {
    const f = fakes({ register: 1, tiled: 2 });
    const chooser = autotuner(device, { adapter: 'a', fallback: 'tiled', cache: new Map(), useTimestamps: false, budgetMs: 0, timeOnce: f.timeOnce });
    assertEqual((await chooser.build(site(), f.create)).variant, 'tiled', 'fallback');
    assertEqual(`${chooser.report().picks[0].source} ${f.timed.length}`, 'over budget 0', 'unmeasured');
    const keys = new Set([kernelCacheKey('a', site()), kernelCacheKey('b', site()), kernelCacheKey('a', site('M32 N10 K785')), kernelCacheKey('a', { ...site(), family: 'bias_grad' })]);
    assertEqual(keys.size, 4, 'distinct keys');
    assert(kernelCacheKey('a', site()).includes(KERNEL_SOURCE_ID) && /^[0-9a-f]{14}$/.test(KERNEL_SOURCE_ID), 'the kernels\' source hash is in the key');
  });

  it("times the tiled variant at each of a site's tile shapes, reports and caches the winning tile, and drops a hopeless tile alone", async () => {
    const tiled = (shape: string): KernelSite => ({ ...site(shape), tiles: ['tiled:8x8x32', 'tiled:16x8x32'] });
    const f = fakes({ tiled: 8, 'tiled:8x8x32': 4, 'tiled:16x8x32': 40, register: 9 });
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'tiled', cache, useTimestamps: false, timeOnce: f.timeOnce });
    const op = await chooser.build(tiled('M32 N10 K784'), f.create);
    assertEqual(op.id, 'tiled:8x8x32', 'the fastest tile shape');
    assertEqual(f.made.map((m) => `${m.id}:${m.destroyed}`).join(' '), 'tiled:true tiled:8x8x32:false tiled:16x8x32:true register:true', 'every candidate built, the losers destroyed');
    const p = chooser.report().picks[0];
    assertEqual(`${p.variant} ${p.tile} ${Object.keys(p.ms!).join(',')}`, 'tiled 8x8x32 tiled,tiled:8x8x32,tiled:16x8x32,register', 'the pick names its tile; every candidate timed');
    assert(/1 tiled:8x8x32 \(1 measured\)/.test(describeKernels(chooser.report())), describeKernels(chooser.report()));
    assertEqual(cache.get(kernelCacheKey('a', tiled('M32 N10 K784'))), 'tiled:8x8x32', 'the candidate cached');
    assert(kernelCacheKey('a', tiled('M32 N10 K784')) !== kernelCacheKey('a', site('M32 N10 K784')), 'the tile shapes tried are part of the key');
    // 10× slower than the best: that tile shape is not built again, the others are.
    await chooser.build(tiled('M64 N10 K784'), f.create);
    assertEqual(f.made.slice(4).map((m) => m.id).join(' '), 'tiled tiled:8x8x32 register', 'the hopeless tile shape dropped alone');
    const again = fakes({});
    const second = autotuner(device, { adapter: 'a', fallback: 'tiled', cache, useTimestamps: false, timeOnce: again.timeOnce });
    assertEqual(`${(await second.build(tiled('M32 N10 K784'), again.create)).id} ${second.report().picks[0].tile}`, 'tiled:8x8x32 8x8x32', 'built from the cache at its tile');
    // A forced or over-budget build takes the default tile.
    const forced = fakes({});
    assertEqual((await fixedKernels('tiled').build(tiled('M32 N10 K784'), forced.create)).id, 'tiled', 'forced: the default tile');
  });

  it("register's quads, where a site offers them, stand for register; tiled tile shapes are timed only where tiled is the default", async () => {
    const quads: KernelSite = { ...site(), tiles: ['tiled:8x8x32', 'tiled:16x8x32', 'register:quad'] };
    const f = fakes({ 'register:quad': 4, tiled: 6 });
    const chooser = autotuner(device, { adapter: 'a', fallback: 'register', cache: new Map(), useTimestamps: false, timeOnce: f.timeOnce });
    assertEqual((await chooser.build(quads, f.create)).id, 'register:quad', 'the quads');
    assertEqual(f.made.map((m) => m.id).join(' '), 'register:quad tiled', 'no plain register; tiled at its default tile only');
    assertEqual(`${chooser.report().picks[0].variant} ${chooser.report().picks[0].tile}`, 'register quad', 'the pick names its tiling');
    const gpu = fakes({ tiled: 4, 'tiled:8x8x32': 5, 'tiled:16x8x32': 6, 'register:quad': 9 });
    await autotuner(device, { adapter: 'a', fallback: 'tiled', cache: new Map(), useTimestamps: false, timeOnce: gpu.timeOnce }).build(quads, gpu.create);
    assertEqual(gpu.made.map((m) => m.id).join(' '), 'tiled tiled:8x8x32 tiled:16x8x32 register:quad', 'on a GPU: every tile, register as its quads');
    // Unmeasured, a site takes the quads: forced (or over budget, or the sole candidate left).
    const forced = fakes({});
    const fixed = fixedKernels('register');
    assertEqual(`${(await fixed.build(quads, forced.create)).id} ${(await fixed.build(site(), forced.create)).id}`, 'register:quad register', 'forced: quads where offered');
    assertEqual(fixed.report().picks[0].tile, 'quad', 'the forced pick names its tiling');
  });

  it('timed rounds stop when the budget is spent, and the default then stays even after a slower first run', async () => {
    const f = fakes({ register: [9, 1, 1, 1], tiled: [8, 9, 9, 9] });
    const slow: TimeOnce = async (op, label) => {
      await new Promise((r) => setTimeout(r, 5));
      return f.timeOnce(op, label);
    };
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'register', cache, useTimestamps: false, budgetMs: 8, timeOnce: slow });
    assertEqual((await chooser.build(site(), f.create)).variant, 'register', 'the default stays');
    assertEqual(f.timed.join(' '), 'register tiled', 'first runs only: the budget was spent');
    assertEqual(`${chooser.report().picks[0].source} ${cache.size}`, 'over budget 0', 'reported as such, and not cached');
  });

  it('a candidate that fails to build is passed over and reported; when none builds, the first error propagates', async () => {
    // A driver that cannot compile one tile shape: the others are timed as usual, the failure is in the pick and the summary.
    const f = fakes({ register: 5, tiled: 3, 'tiled:16x8x32': 2 });
    const failing = (bad: string[]) => async (v: KernelVariant, tile?: string) => {
      const id = tile ? `${v}:${tile}` : v;
      return bad.includes(id) ? Promise.reject(new Error(`cannot compile ${id}`)) : f.create(v, tile);
    };
    const tiles: KernelSite = { ...site(), tiles: ['tiled:8x8x32', 'tiled:16x8x32'] };
    const cache: KernelCache = new Map();
    const chooser = autotuner(device, { adapter: 'a', fallback: 'tiled', cache, useTimestamps: false, timeOnce: f.timeOnce });
    const op = await chooser.build(tiles, failing(['tiled:8x8x32']));
    const p = chooser.report().picks[0];
    assertEqual(`${op.id} ${p.source} ${JSON.stringify(p.failed)}`, 'tiled:16x8x32 measured {"tiled:8x8x32":"cannot compile tiled:8x8x32"}', 'passed over');
    assert(describeKernels(chooser.report()).endsWith('; failed to build, passed over: tiled:8x8x32 at dense_1.forward'), describeKernels(chooser.report()));
    assertEqual(f.made.filter((m) => !m.destroyed).map((m) => m.id).join(), 'tiled:16x8x32', 'the losers destroyed');
    // The adapter's default failing, with the budget spent: the next candidate that builds, uncached.
    const spent = autotuner(device, { adapter: 'a', fallback: 'tiled', cache: new Map(), useTimestamps: false, timeOnce: f.timeOnce, budgetMs: 0 });
    assertEqual((await spent.build(site('M1 N1 K1'), failing(['tiled']))).id, 'register', 'over budget: the next candidate');
    assertEqual(`${spent.report().picks[0].source} ${Object.keys(spent.report().picks[0].failed!).join()}`, 'over budget tiled', 'reported');
    // All but one failing to build: that one, nothing timed, reported as the only one built and not cached.
    const lone: KernelCache = new Map();
    const one = autotuner(device, { adapter: 'a', fallback: 'register', cache: lone, useTimestamps: false, timeOnce: f.timeOnce });
    const timedBefore = f.timed.length;
    assertEqual((await one.build(site('M3 N3 K3'), failing(['register']))).id, 'tiled', 'the one that built');
    assertEqual(`${one.report().picks[0].source} ${Object.keys(one.report().picks[0].failed!).join()} ${lone.size} ${f.timed.length - timedBefore}`, 'only one built register 0 0', 'reported, uncached, untimed');
    // The sole candidate left (tiled ruled out as hopeless) failing: the ruled-out one, as the only one built, uncached.
    const ruledOut: KernelCache = new Map([[`a|${KERNEL_SOURCE_ID}|hopeless|tiled`, 'tiled']]);
    const left = autotuner(device, { adapter: 'a', fallback: 'register', cache: ruledOut, useTimestamps: false, timeOnce: f.timeOnce });
    assertEqual(`${(await left.build(site('M4 N4 K4'), failing(['register']))).id} ${left.report().picks[0].source} ${ruledOut.size}`, 'tiled only one built 1', 'ruled out, yet the only one built');
    // None builds: the first error, and nothing left built.
    const none = autotuner(device, { adapter: 'a', fallback: 'register', cache: new Map(), useTimestamps: false, timeOnce: f.timeOnce });
    const before = f.made.length;
    await assertRejects(() => none.build(site('M2 N2 K2'), failing(['register', 'tiled'])), /cannot compile register/, 'the first error');
    assertEqual(f.made.length, before, 'nothing built');
  });

  it("forced kernels build once and say so; settings other than 'auto', 'tiled', 'register' are refused", async () => {
    const f = fakes({ register: 1, tiled: 1 });
    const chooser = fixedKernels('tiled');
    await chooser.build(site(), f.create);
    assertEqual(`${f.made.length} ${chooser.report().picks[0].source} ${chooser.report().setting}`, '1 forced tiled', 'forced');
    for (const ok of ['auto', 'tiled', 'register']) checkKernelSetting('kernels', ok);
    await assertRejects(() => checkKernelSetting('kernels', 'fast'), /kernels: expected 'auto', 'tiled', 'register', got 'fast'/, 'refused');
    // What a stored cache may hold (the Node file and IndexedDB read through this).
    assertEqual(['register', 'tiled', 'tiled:8x8x32', 'tiled:16x16x8r2', 'register:quad', 'fast', 'tiled:big', 'register:8x8x32', 'tiled:quad', 'tiled:16x16x8r3', 3].map((c) => isKernelCandidate(c)).join(), 'true,true,true,true,true,false,false,false,false,false,false', 'stored candidates');
  });

  it("the kernel check's round-robin chooser builds every candidate of every site once over its rounds, nothing timed", async () => {
    // Every candidate a setting could give: tiled, register's quads (standing for register), each tile shape; a site without tiles: the two variants.
    assertEqual(siteCandidates(['tiled:8x8x32', 'register:quad', 'tiled:16x8x32']).join(), 'tiled,register:quad,tiled:8x8x32,tiled:16x8x32', 'candidates');
    assertEqual(siteCandidates(['tiled:8x8x32', 'register:quad'], 'register').join(), 'register:quad,tiled,tiled:8x8x32', 'the adapter default first');
    const sites = [{ ...site(), tiles: ['tiled:8x8x32', 'register:quad', 'tiled:16x8x32'] }, site('M5 N10 K784')];
    const built = sites.map(() => new Set<string>());
    const rounds = roundRobinKernels(0);
    for (let r = 0, n = 1; r < n; r++) {
      const chooser = r === 0 ? rounds : roundRobinKernels(r);
      const f = fakes({});
      for (const [i, s] of sites.entries()) built[i].add((await chooser.build(s, f.create)).id);
      assertEqual(f.made.length, sites.length, `round ${r}: one build per site`);
      assert(chooser.report().picks.every((p) => p.source === 'forced'), 'nothing measured');
      n = rounds.rounds();
    }
    assertEqual(rounds.rounds(), 4, 'as many rounds as the most candidates');
    assertEqual(`${[...built[0]].join()} | ${[...built[1]].join()}`, 'tiled,register:quad,tiled:8x8x32,tiled:16x8x32 | tiled,register', 'every candidate built');
  });
});

describe('autotune: real graphs', () => {
  it("a cnn with kernels 'auto': one pick per GEMM-shaped op, measured once then cached, training as the forced variants do", async () => {
    const gpu = await testGpu();
    const data = await smallMnist(64, 32);
    const cache: KernelCache = new Map();
    const model = PRESETS.cnn;
    const a = await trainer(data, { model, kernels: 'auto', kernelCache: cache, dropout: 0 });
    const report = a.kernels;
    // cnn: conv2d_2 (three passes), dense_1 (forward, two matmuls back, bias gradient); conv2d_1 runs with its
    // pooling as one op (fusion.ts), which has no variants.
    const sites = report.picks.map((p) => `${p.label}:${p.family}`);
    assertEqual(report.picks.length, 3 + 4, `one pick per op: ${sites.join(', ')}`);
    assertEqual(new Set(sites).size, sites.length, 'each op once');
    const shown = report.picks.map((p) => `${p.label} ${p.source} ${p.variant} ${JSON.stringify(p.ms)}`).join('\n');
    assert(report.picks.every((p) => p.source === 'measured' || p.source === 'sole candidate'), `measured, or the others ruled out (${report.tuningMs} ms):\n${shown}`);
    // Both variants timed on the first op (register in its quad form where the op offers it: conv2d_2's).
    const first = report.picks[0];
    assert(first.source === 'measured' && Object.entries(first.ms!).some(([k, ms]) => k.startsWith('register') && ms > 0) && first.ms!.tiled! > 0, `the first op timed both:\n${shown}`);
    assert(report.tuningMs > 0, 'tuning time reported');
    assert(/^kernels auto: 7 GEMM-shaped ops, (\d+ (register|tiled)(:[0-9a-z]+)?(, )?)+ \((\d+ (measured|sole candidate)(, )?)+\) in \d+\.\d\d s$/.test(describeKernels(report)), describeKernels(report));
    // On a CPU adapter the tiled kernels' barriers are fiber switches: measuring must find 'register' (kernel-variant.ts).
    if (preferredKernels(gpu.adapterInfo) === 'register') assert(report.picks.every((p) => p.variant === 'register'), `register on a CPU adapter:\n${shown}`);
    const b = await trainer(data, { model, kernels: 'auto', kernelCache: cache, dropout: 0 });
    assert(b.kernels.picks.every((p, i) => p.source === 'cached' && p.variant === report.picks[i].variant), 'second build: the same picks, from the cache');
    const forced = await Promise.all((['register', 'tiled'] as const).map((k) => trainer(data, { model, kernels: k, dropout: 0 })));
    const losses = [];
    for (const t of [a, ...forced]) losses.push((await t.fit()).loss[0]);
    for (const [i, k] of ['register', 'tiled'].entries()) assertClose([losses[0]], [losses[i + 1]], { rtol: 1e-4, atol: 1e-5 }, `one epoch's loss, auto against ${k}`);
    assert(forced[0].kernels.picks.every((p) => p.source === 'forced' && p.variant === 'register'), 'forced report');
    for (const t of [a, b, ...forced]) t.destroy();
    data.destroy();
  });
});
