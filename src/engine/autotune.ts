// Kernels chosen by measurement. Every GEMM-shaped op of a graph (the dense layers' three matmuls and
// bias gradient, the convolutions' three passes) has several implementations (kernel-variant.ts); which
// is fastest depends on the adapter and on the shape, so with `kernels: 'auto'` the graph builder asks
// a KernelChooser for each op: it builds every candidate on the op's own buffers, times each
// (gpu-timer.ts: GPU timestamps where the adapter has them, else wall time), keeps the fastest and
// destroys the others. A choice is remembered per adapter, shape and kernel source (a cache the caller
// may persist: a JSON file in Node, IndexedDB in the page), so the next build of the same shapes measures
// nothing. The time spent measuring is bounded: past the budget, the remaining ops take the adapter's
// default (preferredKernels) and the report says so. Timing writes into the op's output buffers, which
// is harmless while a graph is being built: nothing has been computed into them yet.
import matmulWgsl from '../shaders/matmul.wgsl';
import matmulQuadWgsl from '../shaders/matmul_quad.wgsl';
import matmulRegisterWgsl from '../shaders/matmul_register.wgsl';
import quadBlockWgsl from '../shaders/quad_block.wgsl';
import registerBlockWgsl from '../shaders/register_block.wgsl';
import conv2dWgsl from '../shaders/conv2d.wgsl';
import conv2dRegisterWgsl from '../shaders/conv2d_register.wgsl';
import conv2dPixelDxWgsl from '../shaders/conv2d_pixel_dx.wgsl';
import conv2dQuadWgsl from '../shaders/conv2d_quad.wgsl';
import { median, timeDispatches, type TimingMethod } from './gpu-timer';
import { hash53 } from './hash';
import type { Gpu } from './gpu';
import { defaultCandidate, KERNEL_SETTINGS, KERNEL_VARIANTS, parseCandidate, preferredKernels, siteCandidates, type KernelCandidate, type KernelSetting, type KernelVariant } from './kernel-variant';
import type { GpuOp } from './op';
import { errorDetail } from './errors';

export { KERNEL_SETTINGS, type KernelSetting } from './kernel-variant';

/** Throws `kernels: …` for anything but 'auto', 'tiled' or 'register'. */
export function checkKernelSetting(name: string, v: unknown): asserts v is KernelSetting {
  if (!KERNEL_SETTINGS.includes(v as KernelSetting)) {
    throw new Error(`${name}: expected ${KERNEL_SETTINGS.map((s) => `'${s}'`).join(', ')}, got '${String(v)}'`);
  }
}

/** Default bound on the measuring one graph build may do (the cnn on SwiftShader needs about 1–2 s). */
export const TUNING_BUDGET_MS = 3000;

/** Timed runs per contender after the first (warm-up) run; their median decides. */
const TIMED_RUNS = 3;

/** A candidate slower than the best by this factor on its first run is not timed further. */
const CLEAR_LOSS = 1.5;

/**
 * A candidate slower than the best by this factor on one op is not tried on the build's other ops (nor by
 * builds sharing the cache): on a CPU adapter the tiled kernels' barriers cost 10–30×, and measuring them on
 * every op would cost seconds.
 */
const HOPELESS = 4;

/** One GEMM-shaped op of a graph: its family (the cache key's kind) and shape; `label` names it in reports. */
export interface KernelSite {
  label: string;
  family: 'matmul' | 'bias_grad' | 'conv2d.forward' | 'conv2d.backward_input' | 'conv2d.backward_weight';
  /** Every dimension that changes the kernels' work, e.g. `M128 N10 K784 tA0 tB0 bias1`. */
  shape: string;
  /**
   * Candidates besides the variants at their default tiling, for ops that take `tile` (matmulTilings:
   * `tiled:8x8x32`, `register:quad`); each is timed only where its variant is the adapter's default.
   */
  tiles?: readonly KernelCandidate[];
}

/**
 * How a variant came to be chosen: timed against the others; from the cache; forced by the setting;
 * the adapter's default, the measuring budget being spent; the only candidate left, the others having
 * been hopelessly slower on an earlier op; the only candidate that built, the others having failed to
 * build on this adapter (their errors in `failed`; nothing was measured, so nothing is cached).
 */
export type PickSource = 'measured' | 'cached' | 'forced' | 'over budget' | 'sole candidate' | 'only one built';

export interface KernelPick extends KernelSite {
  variant: KernelVariant;
  /** The variant's tiling when not its default: a tile shape of tiled ('8x8x32'), or register's 'quad'. */
  tile?: string;
  source: PickSource;
  /** Median ms per candidate (`register`, `tiled`, `tiled:8x8x32`), when measured (a candidate dropped after its warm-up shows that run). */
  ms?: Record<KernelCandidate, number>;
  method?: TimingMethod;
  /** Candidates that failed to build here (a driver that cannot compile one, a scratch buffer past the limits), with the error: passed over. */
  failed?: Record<KernelCandidate, string>;
}

/** What a graph build chose and how long choosing took. */
export interface KernelReport {
  setting: KernelSetting;
  picks: KernelPick[];
  tuningMs: number;
}

/** Choices by cache key (and the candidates ruled out on an adapter); the caller may load it from and save it to storage. */
export type KernelCache = Map<string, KernelCandidate>;

/** Builds a site's op as one candidate: a variant, and its tiling (undefined: its default). */
export type CreateOp<T extends GpuOp> = (variant: KernelVariant, tile?: string) => Promise<T>;

export interface KernelChooser {
  /** Builds the op at `site` with the chosen candidate (`create` is called once per candidate measured). */
  build<T extends GpuOp>(site: KernelSite, create: CreateOp<T>): Promise<T>;
  report(): KernelReport;
}

/** cyrb53 of the GEMM kernels' WGSL: an edited kernel invalidates every cached choice. */
export const KERNEL_SOURCE_ID = hash53([matmulWgsl, matmulRegisterWgsl, matmulQuadWgsl, quadBlockWgsl, registerBlockWgsl, conv2dWgsl, conv2dRegisterWgsl, conv2dQuadWgsl, conv2dPixelDxWgsl].join('\n'));

/** A pick's candidate: `register`, `tiled` or `tiled:8x8x32`. */
export const candidateOf = (p: { variant: KernelVariant; tile?: string }): KernelCandidate => (p.tile ? `${p.variant}:${p.tile}` : p.variant);

/** The cache key of a site on an adapter. */
export function kernelCacheKey(adapter: string, site: KernelSite): string {
  // The tile shapes tried are part of the key: a choice made before a tile shape was added is made again.
  return `${adapter}|${KERNEL_SOURCE_ID}|${site.family}|${site.shape}${site.tiles?.length ? `|tiles ${site.tiles.join(',')}` : ''}`;
}

/** The adapter part of a cache key: everything the adapter says about itself. */
export function adapterKey(info: { vendor: string; architecture: string; description: string; device?: string }): string {
  return [info.vendor, info.architecture, info.device ?? '', info.description].join('/');
}

/** Always `variant` at its default tiling (defaultCandidate: the tiled default tile; register's quads where offered), nothing measured. */
export function fixedKernels(variant: KernelVariant): KernelChooser {
  const picks: KernelPick[] = [];
  return {
    async build(site, create) {
      const { tile } = parseCandidate(defaultCandidate(variant, site.tiles));
      picks.push({ ...site, variant, ...(tile ? { tile } : {}), source: 'forced' });
      return create(variant, tile);
    },
    report: () => ({ setting: variant, picks: [...picks], tuningMs: 0 }),
  };
}

/**
 * Each site's `round`-th candidate (siteCandidates, modulo their count), nothing measured: rounds 0 … rounds() − 1
 * build every candidate of every site at least once (the bench's kernel check, bench/kernel-check.ts). Round 0
 * is `first` (the adapter's default variant) everywhere.
 */
export function roundRobinKernels(round: number, first?: KernelVariant): KernelChooser & { rounds(): number } {
  const picks: KernelPick[] = [];
  let most = 1;
  return {
    async build(site, create) {
      const all = siteCandidates(site.tiles, first);
      most = Math.max(most, all.length);
      const { variant, tile } = parseCandidate(all[round % all.length]);
      picks.push({ ...site, variant, ...(tile ? { tile } : {}), source: 'forced' });
      return create(variant, tile);
    },
    report: () => ({ setting: 'auto', picks: [...picks], tuningMs: 0 }),
    rounds: () => most,
  };
}

export interface AutotuneOptions {
  /** adapterKey(gpu.adapterInfo). */
  adapter: string;
  /** The adapter's default, taken past the budget: preferredKernels(adapterInfo). */
  fallback: KernelVariant;
  /** Shared by every chooser given it: a build of shapes already measured measures nothing. */
  cache: KernelCache;
  useTimestamps: boolean;
  /** Default TUNING_BUDGET_MS. */
  budgetMs?: number;
  /** Variants to try, fallback first (default: every variant); the tiled one also at each site's `tiles`. */
  variants?: readonly KernelVariant[];
  /** Times one run of an op, no warm-up (default: gpu-timer's timeDispatches); tests pass a fake clock. */
  timeOnce?: TimeOnce;
}

/** ms of one run of `op`'s dispatches, and how it was measured. */
export type TimeOnce = (op: GpuOp, label: string) => Promise<{ ms: number; method: TimingMethod }>;

/** Measures each site's candidates (or takes the cached choice) within the budget. */
export function autotuner(device: GPUDevice, o: AutotuneOptions): KernelChooser {
  const picks: KernelPick[] = [];
  const budget = o.budgetMs ?? TUNING_BUDGET_MS;
  const variants = [o.fallback, ...(o.variants ?? KERNEL_VARIANTS).filter((v) => v !== o.fallback)];
  let spent = 0;
  const timeOnce: TimeOnce = o.timeOnce ?? ((op, label) => timeDispatches(device, op.dispatches, { warmup: 0, min: 1, max: 1, seconds: 0 }, o.useTimestamps, label));
  const droppedKey = (c: KernelCandidate) => `${o.adapter}|${KERNEL_SOURCE_ID}|hopeless|${c}`;
  /** The adapter's default variant at its default tiling for a site: what a site takes unmeasured. */
  const fallbackOf = (site: KernelSite) => defaultCandidate(o.fallback, site.tiles);
  /** Every candidate of a site, the fallback first. */
  // Other tilings are timed only for the adapter's default variant: on a CPU adapter tiled loses at every tile
  // shape (2–30× in the bench), and timing three of them ran the cnn past the budget; register's quads are
  // for CPU adapters.
  const tilesOf = (site: KernelSite, v: KernelVariant) => (v === o.fallback ? (site.tiles ?? []).filter((t) => parseCandidate(t).variant === v) : []);
  // A variant's default tiling, where offered, stands for it (register's quads replace its plain blocks:
  // the same sums in the same order, 1.1–1.4× faster in the bench, and one candidate fewer to time).
  const candidatesOf = (site: KernelSite): KernelCandidate[] => {
    const all = variants.flatMap((v) => [defaultCandidate(v, site.tiles), ...tilesOf(site, v)]);
    return [...new Set([fallbackOf(site), ...all])];
  };
  // A variant found hopeless takes its other tilings with it: they share what made it slow (a CPU adapter's barriers).
  const dropped = (c: KernelCandidate) => o.cache.get(droppedKey(c)) !== undefined || o.cache.get(droppedKey(parseCandidate(c).variant)) !== undefined;
  const alive = (site: KernelSite) => candidatesOf(site).filter((c) => c === fallbackOf(site) || !dropped(c));
  const make = <T extends GpuOp>(create: CreateOp<T>, c: KernelCandidate) => {
    const { variant, tile } = parseCandidate(c);
    return create(variant, tile);
  };
  const pick = (site: KernelSite, c: KernelCandidate, source: PickSource, extra: Partial<KernelPick> = {}, failed: Record<KernelCandidate, string> = {}) => {
    const { variant, tile } = parseCandidate(c);
    picks.push({ ...site, variant, ...(tile ? { tile } : {}), source, ...extra, ...(Object.keys(failed).length ? { failed } : {}) });
  };
  /**
   * The first of `ids` that builds. A candidate that fails to build on this adapter is passed over, its error
   * kept in `failed`, so that one kernel a driver cannot compile does not make the model untrainable; when
   * none builds, the first error is thrown.
   */
  const buildFirst = async <T extends GpuOp>(create: CreateOp<T>, ids: readonly KernelCandidate[], failed: Record<KernelCandidate, string>) => {
    let first: unknown;
    for (const id of ids) {
      try {
        return { id, op: await make(create, id) };
      } catch (e) {
        first ??= e;
        failed[id] = errorDetail(e).message;
      }
    }
    throw first;
  };
  return {
    async build<T extends GpuOp>(site: KernelSite, create: CreateOp<T>): Promise<T> {
      const key = kernelCacheKey(o.adapter, site);
      const cached = o.cache.get(key);
      const failed: Record<KernelCandidate, string> = {};
      // Where the candidate to take fails to build, the others in turn (the adapter's default first).
      const others = (first: KernelCandidate) => [first, ...candidatesOf(site).filter((c) => c !== first)];
      if (cached && candidatesOf(site).includes(cached)) {
        const b = await buildFirst(create, others(cached), failed);
        pick(site, b.id, 'cached', {}, failed);
        return b.op;
      }
      const left = alive(site);
      if (left.length === 1 || spent >= budget) {
        // Not cached when over budget: a later build with budget left measures it.
        const b = await buildFirst(create, others(fallbackOf(site)), failed);
        if (left.length === 1 && b.id === fallbackOf(site)) o.cache.set(key, b.id);
        // The sole candidate left failing to build, the one taken instead is the only one that built.
        pick(site, b.id, left.length > 1 ? 'over budget' : b.id === fallbackOf(site) ? 'sole candidate' : 'only one built', {}, failed);
        return b.op;
      }
      const t0 = performance.now();
      const built: { id: KernelCandidate; op: T }[] = [];
      try {
        let firstError: unknown;
        for (const id of left) {
          try {
            built.push({ id, op: await make(create, id) });
          } catch (e) {
            firstError ??= e;
            failed[id] = errorDetail(e).message;
          }
        }
        if (built.length === 0) throw firstError;
        if (built.length === 1) {
          pick(site, built[0].id, 'only one built', {}, failed);
          return built[0].op;
        }
        // Timed rounds stop when the budget is spent; with none timed the default stands, uncached, so that a
        // later build with budget left measures the site.
        const r = await race(built, (op, id) => timeOnce(op, `${site.label}.autotune.${id}`), () => spent + performance.now() - t0 >= budget);
        for (const b of built) if (b !== r.winner) b.op.destroy();
        if (!r.decided) {
          pick(site, r.winner.id, 'over budget', { ms: r.ms, method: r.method }, failed);
          return r.winner.op;
        }
        o.cache.set(key, r.winner.id);
        const best = r.ms[r.winner.id];
        for (const b of built) if (r.ms[b.id] > HOPELESS * best && b.id !== fallbackOf(site)) o.cache.set(droppedKey(b.id), b.id);
        pick(site, r.winner.id, 'measured', { ms: r.ms, method: r.method }, failed);
        return r.winner.op;
      } catch (e) {
        for (const b of built) b.op.destroy();
        throw e;
      } finally {
        spent += performance.now() - t0;
      }
    },
    report: () => ({ setting: 'auto', picks: [...picks], tuningMs: spent }),
  };
}

interface Race<T> {
  winner: { id: KernelCandidate; op: T };
  ms: Record<KernelCandidate, number>;
  method: TimingMethod;
  /** False when contenders were left untimed for want of budget (the default then wins). */
  decided: boolean;
}

/**
 * One run each first, which also warms them up: a candidate CLEAR_LOSS times slower than the best is
 * out (its time is that run's), except the adapter's default (the first), which another candidate must
 * beat in timed rounds, not on a first run that may hold first-use costs or a hiccup of the machine; the
 * rest take turns for TIMED_RUNS more rounds, so a machine whose speed drifts hits all of them alike, and
 * the lowest median of those wins (ties: the adapter's default). Rounds stop once `outOfTime` (the tuning
 * budget); with none timed, the default stays.
 */
async function race<T extends GpuOp>(built: { id: KernelCandidate; op: T }[], timeOnce: (op: T, id: KernelCandidate) => ReturnType<TimeOnce>,
  outOfTime: () => boolean = () => false): Promise<Race<T>> {
  let method: TimingMethod = 'wall';
  const samples = new Map<KernelCandidate, number[]>();
  const time = async (b: { id: KernelCandidate; op: T }) => {
    const t = await timeOnce(b.op, b.id);
    method = t.method;
    samples.set(b.id, [...(samples.get(b.id) ?? []), t.ms]);
  };
  for (const b of built) await time(b);
  const best = Math.min(...built.map((b) => samples.get(b.id)![0]));
  const contenders = built.filter((b, i) => samples.get(b.id)![0] <= best * CLEAR_LOSS || (i === 0 && samples.get(b.id)![0] > best));
  let rounds = 0;
  if (contenders.length > 1) for (; rounds < TIMED_RUNS && !outOfTime(); rounds++) for (const b of contenders) await time(b);
  const ms: Record<KernelCandidate, number> = {};
  for (const b of built) {
    const s = samples.get(b.id)!;
    ms[b.id] = s.length > 1 ? median(s.slice(1)) : s[0];
  }
  // No timed round (one contender, or the budget spent): the default stays, as first runs alone cannot beat it.
  const winner = rounds > 0 ? contenders.reduce((a, b) => (ms[b.id] < ms[a.id] ? b : a)) : built[0];
  return { winner, ms, method, decided: rounds > 0 || contenders.length === 1 };
}

/**
 * The choices of this page or process, shared by every Trainer not given a cache of its own. What
 * persists it lives above the engine: src/node/kernel-cache.ts (a JSON file), src/components/
 * kernel-cache-store.ts (IndexedDB).
 */
export const sessionKernelCache: KernelCache = new Map();

/** The chooser for a setting on a GPU: forced, or measured with `cache` (default: this page's or process's). */
export function kernelChooser(gpu: Gpu, setting: KernelSetting, cache: KernelCache = sessionKernelCache): KernelChooser {
  checkKernelSetting('kernels', setting);
  if (setting !== 'auto') return fixedKernels(setting);
  return autotuner(gpu.device, {
    adapter: adapterKey(gpu.adapterInfo), fallback: preferredKernels(gpu.adapterInfo), cache, useTimestamps: gpu.features.has('timestamp-query'),
  });
}

/** How many picks have each value of `key` (a candidate, a source), in order of first appearance. */
export function tallyPicks(picks: readonly KernelPick[], key: (p: KernelPick) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const p of picks) m.set(key(p), (m.get(key(p)) ?? 0) + 1);
  return [...m];
}

/** "kernels auto: 9 GEMM-shaped ops, 8 register, 1 tiled:8x8x32 (7 measured, 2 sole candidate) in 1.23 s" (or "kernels register (forced)"). */
export function describeKernels(r: KernelReport): string {
  if (r.setting !== 'auto') return `kernels ${r.setting} (forced)`;
  const count = (key: (p: KernelPick) => string) => tallyPicks(r.picks, key).map(([k, n]) => `${n} ${k}`).join(', ');
  const failures = r.picks.flatMap((p) => Object.keys(p.failed ?? {}).map((c) => `${c} at ${p.label}`));
  return `kernels auto: ${r.picks.length} GEMM-shaped ops, ${count(candidateOf)} (${count((p) => p.source)}) in ${(r.tuningMs / 1000).toFixed(2)} s` +
    `${failures.length ? `; failed to build, passed over: ${failures.join(', ')}` : ''}`;
}

/** A pick as files record it (the command line's metrics.json): the op, its shape, the kernel run and why. */
export interface KernelPickRecord {
  op: string;
  family: KernelSite['family'];
  shape: string;
  kernel: KernelCandidate;
  source: PickSource;
  /** Median ms per candidate, when measured. */
  ms?: Record<string, number>;
  /** Candidates that failed to build, with the error. */
  failed?: Record<string, string>;
}

/** What a graph build chose, for files: the setting, the seconds spent measuring and one record per GEMM-shaped op. */
export interface KernelReportRecord {
  setting: KernelSetting;
  tuningSeconds: number;
  picks: KernelPickRecord[];
}

export function kernelReportRecord(r: KernelReport): KernelReportRecord {
  return {
    setting: r.setting,
    tuningSeconds: r.tuningMs / 1000,
    picks: r.picks.map((p) => ({
      op: p.label, family: p.family, shape: p.shape, kernel: candidateOf(p), source: p.source, ...(p.ms ? { ms: { ...p.ms } } : {}), ...(p.failed ? { failed: { ...p.failed } } : {}),
    })),
  };
}
