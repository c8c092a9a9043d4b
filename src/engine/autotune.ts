// Kernels chosen by measurement. Every GEMM-shaped op of a graph (the dense layers' three matmuls and
// bias gradient, the convolutions' three passes) has several implementations (kernel-variant.ts); which
// is fastest depends on the adapter and on the shape, so with `kernels: 'auto'` the graph builder asks
// a KernelChooser for each op: it builds every candidate on the op's own buffers, times each
// (gpu-timer.ts: GPU timestamps where the adapter has them, else wall time), keeps the fastest and
// destroys the others. A choice is remembered per adapter, shape and kernel source (a cache the caller
// may persist: a JSON file in Node, IndexedDB in the page), so the next build of the same shapes measures
// nothing. The time spent measuring is bounded: past the budget, the remaining ops take the adapter's
// default (preferredKernels) and the report says so. Before timing, the candidates' outputs on the same
// inputs are compared (kernel-agreement.ts) and a candidate that disagrees is rejected: a fast wrong kernel
// must never train a model. Timing and that check write into the op's buffers, which is harmless while a
// graph is being built: nothing has been initialised or computed into them yet.
import matmulWgsl from '../shaders/matmul.wgsl';
import matmulQuadWgsl from '../shaders/matmul_quad.wgsl';
import matmulRegisterWgsl from '../shaders/matmul_register.wgsl';
import quadBlockWgsl from '../shaders/quad_block.wgsl';
import registerBlockWgsl from '../shaders/register_block.wgsl';
import conv2dWgsl from '../shaders/conv2d.wgsl';
import conv2dRegisterWgsl from '../shaders/conv2d_register.wgsl';
import conv2dPixelDxWgsl from '../shaders/conv2d_pixel_dx.wgsl';
import conv2dQuadWgsl from '../shaders/conv2d_quad.wgsl';
import { timeDispatches, type TimingMethod } from './gpu-timer';
import { hash53 } from './hash';
import type { Gpu } from './gpu';
import { defaultCandidate, KERNEL_SETTINGS, KERNEL_VARIANTS, parseCandidate, preferredKernels, siteCandidates, type KernelCandidate, type KernelSetting, type KernelVariant } from './kernel-variant';
import type { GpuOp } from './op';
import { errorDetail } from './errors';
import type { SiteIo } from './kernel-agreement';
import { agreementCheck, race, type TimeOnce } from './kernel-race';

export { KERNEL_SETTINGS, type KernelSetting } from './kernel-variant';
export type { TimeOnce } from './kernel-race';

/** Throws `kernels: …` for anything but 'auto', 'tiled' or 'register'. */
export function checkKernelSetting(name: string, v: unknown): asserts v is KernelSetting {
  if (!KERNEL_SETTINGS.includes(v as KernelSetting)) {
    throw new Error(`${name}: expected ${KERNEL_SETTINGS.map((s) => `'${s}'`).join(', ')}, got '${String(v)}'`);
  }
}

/** Default bound on the measuring one graph build may do (the cnn on SwiftShader needs about 1–2 s). */
export const TUNING_BUDGET_MS = 3000;

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
  /** The buffers the op reads and writes: with them, the candidates' results are compared before timing. */
  io?: SiteIo;
}

/**
 * How a variant came to be chosen: timed against the others; from the cache; forced by the setting;
 * the adapter's default, the measuring budget being spent; the only candidate left, the others having
 * been hopelessly slower on an earlier op; the only candidate that built, the others having failed to
 * build on this adapter (their errors in `failed`; nothing was measured, so nothing is cached); the only
 * one left when the others' results disagreed with it (in `wrong`).
 */
export type PickSource = 'measured' | 'cached' | 'forced' | 'over budget' | 'sole candidate' | 'only one built' | 'others disagreed';

export interface KernelPick extends Omit<KernelSite, 'io'> {
  variant: KernelVariant;
  /** The variant's tiling when not its default: a tile shape of tiled ('8x8x32'), or register's 'quad'. */
  tile?: string;
  source: PickSource;
  /** Median ms per candidate (`register`, `tiled`, `tiled:8x8x32`), when measured (a candidate dropped after its warm-up shows that run). */
  ms?: Record<KernelCandidate, number>;
  method?: TimingMethod;
  /** Candidates that failed to build here (a driver that cannot compile one, a scratch buffer past the limits), with the error: passed over. */
  failed?: Record<KernelCandidate, string>;
  /** Candidates whose results disagreed with the trusted one's on the same inputs (kernel-agreement.ts), with how far: passed over. */
  wrong?: Record<KernelCandidate, string>;
}

/** A site as a pick records it: without its buffers. */
const siteRecord = ({ io: _io, ...site }: KernelSite): Omit<KernelSite, 'io'> => site;

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

/**
 * How choices are made, as part of their key: a choice made by an earlier rule is made again. 2: the candidates'
 * results compared before timing (kernel-agreement.ts); a choice cached before that was never checked.
 */
const CHOOSING_RULES = 'choice rules 2';

/** cyrb53 of the GEMM kernels' WGSL (and CHOOSING_RULES): an edited kernel invalidates every cached choice. */
export const KERNEL_SOURCE_ID = hash53([matmulWgsl, matmulRegisterWgsl, matmulQuadWgsl, quadBlockWgsl, registerBlockWgsl, conv2dWgsl, conv2dRegisterWgsl, conv2dQuadWgsl, conv2dPixelDxWgsl, CHOOSING_RULES].join('\n'));

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
      picks.push({ ...siteRecord(site), variant, ...(tile ? { tile } : {}), source: 'forced' });
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
      picks.push({ ...siteRecord(site), variant, ...(tile ? { tile } : {}), source: 'forced' });
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

/** Measures each site's candidates (or takes the cached choice) within the budget. */
export function autotuner(device: GPUDevice, o: AutotuneOptions): KernelChooser {
  const picks: KernelPick[] = [];
  const budget = o.budgetMs ?? TUNING_BUDGET_MS;
  const variants = [o.fallback, ...(o.variants ?? KERNEL_VARIANTS).filter((v) => v !== o.fallback)];
  let spent = 0;
  const timeOnce: TimeOnce = o.timeOnce ?? ((op, label, around) => timeDispatches(device, op.dispatches, { warmup: 0, min: 1, max: 1, seconds: 0 }, o.useTimestamps, label, around));
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
    picks.push({ ...siteRecord(site), variant, ...(tile ? { tile } : {}), source, ...extra, ...(Object.keys(failed).length ? { failed } : {}) });
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
        // later build with budget left measures the site. With the op's buffers known, the first runs are the
        // agreement check's: a candidate giving other results than the rest is out, here and (cached as
        // hopeless) on this adapter.
        const check = site.io ? agreementCheck<T>(device, site.io, site.label, timeOnce) : undefined;
        const r = await race(built, (op, id) => timeOnce(op, `${site.label}.autotune.${id}`), () => spent + performance.now() - t0 >= budget, check);
        for (const b of built) if (b !== r.winner) b.op.destroy();
        for (const id of Object.keys(r.wrong)) o.cache.set(droppedKey(id), id);
        const rejected = Object.keys(r.wrong).length ? { wrong: r.wrong } : {};
        if (r.alone) {
          pick(site, r.winner.id, 'others disagreed', rejected, failed);
          return r.winner.op;
        }
        if (!r.decided) {
          pick(site, r.winner.id, 'over budget', { ms: r.ms, method: r.method, ...rejected }, failed);
          return r.winner.op;
        }
        o.cache.set(key, r.winner.id);
        const best = r.ms[r.winner.id];
        for (const b of built) if (r.ms[b.id] > HOPELESS * best && b.id !== fallbackOf(site)) o.cache.set(droppedKey(b.id), b.id);
        pick(site, r.winner.id, 'measured', { ms: r.ms, method: r.method, ...rejected }, failed);
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
  const at = (key: 'failed' | 'wrong') => r.picks.flatMap((p) => Object.keys(p[key] ?? {}).map((c) => `${c} at ${p.label}`));
  const failures = at('failed');
  const wrong = at('wrong');
  return `kernels auto: ${r.picks.length} GEMM-shaped ops, ${count(candidateOf)} (${count((p) => p.source)}) in ${(r.tuningMs / 1000).toFixed(2)} s` +
    `${failures.length ? `; failed to build, passed over: ${failures.join(', ')}` : ''}${wrong.length ? `; wrong results, passed over: ${wrong.join(', ')}` : ''}`;
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
  /** Candidates whose results disagreed with the others', with how far. */
  wrong?: Record<string, string>;
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
      op: p.label, family: p.family, shape: p.shape, kernel: candidateOf(p), source: p.source,
      ...(p.ms ? { ms: { ...p.ms } } : {}), ...(p.failed ? { failed: { ...p.failed } } : {}), ...(p.wrong ? { wrong: { ...p.wrong } } : {}),
    })),
  };
}
