// Which implementation of the GEMM-shaped kernels (matmul, conv2d) suits an adapter.
// 'tiled': workgroup-memory tiles and barriers, coalesced loads: the path for real GPUs.
// 'register': no workgroup memory and no barriers, a large block of outputs per invocation: the path for
// CPU implementations of WebGPU (SwiftShader, llvmpipe/lavapipe, WARP alias 'Microsoft Basic Render
// Driver'), which run a workgroup's invocations as SIMD lanes of one CPU thread, so that every barrier
// is a fiber switch.

export type KernelVariant = 'tiled' | 'register';

export const KERNEL_VARIANTS: readonly KernelVariant[] = ['tiled', 'register'];

/** What the `kernels` setting accepts: measure each op's variants ('auto', autotune.ts), or force one everywhere. */
export type KernelSetting = 'auto' | KernelVariant;
export const KERNEL_SETTINGS: readonly KernelSetting[] = ['auto', ...KERNEL_VARIANTS];

/** Throws `op: unknown variant 'x'` for anything but 'tiled' or 'register'. */
export function checkVariant(op: string, variant: unknown): asserts variant is KernelVariant {
  if (!KERNEL_VARIANTS.includes(variant as KernelVariant)) {
    throw new Error(`${op}: unknown variant '${String(variant)}' (expected ${KERNEL_VARIANTS.map((v) => `'${v}'`).join(' or ')})`);
  }
}

/**
 * One implementation the autotuner can time and cache: a variant at its default tiling, or at another
 * (`tiled:8x8x32`, `tiled:16x16x8r2`, `tiled:8x8x32s`: the tiled variant at a tile shape of the op's, e.g. MATMUL_TILES; `register:quad`: the
 * register variant's blocks shared by quads of invocations, a 16×16 tile per quad, where subgroups allow).
 */
export type KernelCandidate = string;

/** What may follow a variant's name in a candidate. */
const TILE_NAMES: Record<KernelVariant, RegExp> = { tiled: /^\d+x\d+x\d+(r2|s)?$/, register: /^quad$/ };

/** 'tiled:8x8x32' → { variant: 'tiled', tile: '8x8x32' }; 'register' → { variant: 'register' }. */
export function parseCandidate(c: KernelCandidate): { variant: KernelVariant; tile?: string } {
  const [variant, tile] = c.split(':', 2);
  checkVariant('kernel choice', variant);
  if (tile !== undefined && !TILE_NAMES[variant].test(tile)) throw new Error(`kernel choice: bad tiling '${tile}' for ${variant} in '${c}'`);
  return tile === undefined ? { variant } : { variant, tile };
}

/**
 * A variant's default tiling where a site offers it: register's quads (SwiftShader, the bench's kernels:
 * 1.1–1.4× faster than plain register blocks on the cnn's conv2d_2 passes and the mlp's dense_1). The
 * tiled variant's default tile shape needs no name.
 */
const DEFAULT_TILING: Partial<Record<KernelVariant, string>> = { register: 'quad' };

/** The candidate a site builds for `variant` by default: its default tiling where offered (`register:quad`), else the variant. */
export function defaultCandidate(variant: KernelVariant, offered: readonly KernelCandidate[] = []): KernelCandidate {
  const tiling = DEFAULT_TILING[variant];
  const c = tiling === undefined ? undefined : `${variant}:${tiling}`;
  return c !== undefined && offered.includes(c) ? c : variant;
}

/**
 * Every candidate a site may run on this device, under some setting: each variant at its default tiling
 * (forced, or timed by 'auto') and each other tiling the site offers (timed by 'auto' where its variant is
 * the adapter's default). Plain register blocks never run where quads are offered: the quads stand for them.
 * `first`: the variant listed first (its default tiling), e.g. the adapter's.
 */
export function siteCandidates(offered: readonly KernelCandidate[] = [], first: KernelVariant = KERNEL_VARIANTS[0]): KernelCandidate[] {
  const variants = [first, ...KERNEL_VARIANTS.filter((v) => v !== first)];
  return [...new Set([...variants.map((v) => defaultCandidate(v, offered)), ...offered])];
}

/** Whether a stored choice names a candidate (a variant, or tiled at a tile shape). */
export function isKernelCandidate(c: unknown): c is KernelCandidate {
  try {
    return typeof c === 'string' && (parseCandidate(c), true);
  } catch {
    return false;
  }
}

const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|microsoft basic render/i;

/**
 * 'register' for CPU adapters, 'tiled' otherwise. What the fields look like on SwiftShader:
 * Node (`webgpu`, Dawn): { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' };
 * Chromium --use-webgpu-adapter=swiftshader: { vendor: 'google', architecture: 'swiftshader', description: '' }.
 */
export function preferredKernels(adapterInfo: { vendor: string; architecture: string; description: string }): KernelVariant {
  const { vendor = '', architecture = '', description = '' } = adapterInfo;
  return CPU_ADAPTER.test(`${vendor} ${architecture} ${description}`) ? 'register' : 'tiled';
}

/**
 * Whether the device runs quad operations on subgroups of at least 4 invocations, as the register variant's
 * 'quad' tiling needs: the 'subgroups' feature enabled (gpu.ts asks for it), and subgroups known to hold 4
 * or more (SwiftShader: exactly 4, its SIMD width).
 */
export function hasQuads(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo;
  return device.features.has('subgroups') && (info?.subgroupMinSize ?? 0) >= 4;
}

/**
 * GEMMs of at least this many multiply-adds (M·N·K) take the quad form's 16×16 lane blocks (matmul_quad16,
 * conv_quad16), smaller ones 8×8. On SwiftShader the 16×16 form runs 1.1–1.7× faster on large GEMMs but
 * its pipeline compiles in about 2 s instead of 0.4 s: 2^27 takes in the cnn's conv2d_2 from batch 64 and
 * matmuls from 512³, where one compile pays back within a few steps, and leaves small models (and tests) alone.
 */
export const QUAD16_MIN_MACS = 2 ** 27;

/** The side of a quad lane's block for a GEMM of `macs` multiply-adds, or the side a caller forces (tests). */
export function quadSide(macs: number, force?: 8 | 16): 8 | 16 {
  return force ?? (macs >= QUAD16_MIN_MACS ? 16 : 8);
}
