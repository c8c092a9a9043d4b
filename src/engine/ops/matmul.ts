// Matrix multiply with optional transposes and bias (src/shaders/matmul.wgsl), and the bias gradient.
// Dense layer y = x·W + b, W stored (in, out):
//   forward          createMatmul({ M: batch, K: in, N: out, a: x, b: W, c: y, bias: b })
//   backward input   createMatmul({ M: batch, K: out, N: in, transB: true, a: dY, b: W, c: dX })
//   backward weight  createMatmul({ M: in, K: batch, N: out, transA: true, a: x, b: dY, c: dW })
//   bias gradient    createBiasGrad({ rows: batch, cols: out, dy: dY, db })
import matmulOnlyWgsl from '../../shaders/matmul.wgsl';
import matmulQuadWgsl from '../../shaders/matmul_quad.wgsl';
import quadBlockWgsl from '../../shaders/quad_block.wgsl';
import matmulRegisterWgsl from '../../shaders/matmul_register.wgsl';
import registerBlockWgsl from '../../shaders/register_block.wgsl';

const matmulWgsl = `${registerBlockWgsl}\n${matmulOnlyWgsl}\n${matmulRegisterWgsl}`;
/** The same module with matmul_quad, for devices with subgroups (`enable` must come first). */
const matmulQuadModule = `enable subgroups;\n${matmulWgsl}\n${quadBlockWgsl}\n${matmulQuadWgsl}`;
import { createTensor, createUniform, packUniform, tensorBytes, u32 } from '../buffers';
import { grid1d, makeDispatch, type Dispatch } from '../dispatch';
import { checkVariant, hasQuads, quadSide, type KernelCandidate, type KernelVariant } from '../kernel-variant';
import { createOp, type GpuOp } from '../op';
import { checkBinding, checkBindingLimit, checkNotAliased, getKernel, type BufferLike, type KernelSpec } from '../pipelines';

/**
 * A tile shape of the tiled variant: WG_X × WG_Y threads, each computing r × r blocks of 4×4 of C, so one
 * workgroup covers a (4·r·y) × (4·r·x) tile of C and stages K in steps of tk. Which shape is fastest depends
 * on the GPU and on the matrix (a large tile reuses more of each load; a small one gives a skinny matrix
 * enough workgroups), so the autotuner times each of MATMUL_TILES (autotune.ts); forced 'tiled' uses the first.
 */
export interface MatmulTile {
  x: number;
  y: number;
  tk: number;
  /** 4×4 blocks per thread along each axis (the shader's RM = RN): 1, or 2 for 8×8 per thread (its accumulators hold at most 8×8). */
  r: 1 | 2;
  /** K split among workgroups (SPLIT_K) into ranges of MATMUL_SPLIT_STEPS steps of tk, at most MATMUL_MAX_SPLITS, then summed. */
  split?: true;
}

/** The tiled variant's tile shapes by name, `XxYxTK`, `r2` when each thread computes 8×8; the first is the default. */
export const MATMUL_TILES: Readonly<Record<string, MatmulTile>> = {
  '16x16x16': { x: 16, y: 16, tk: 16, r: 1 }, // 64×64 C tile, 256 threads: the most reuse per load of the 4×4 blocks
  '8x8x32': { x: 8, y: 8, tk: 32, r: 1 }, // 32×32 C tile, 64 threads: 4× the workgroups of a small or skinny matrix
  '16x8x32': { x: 16, y: 8, tk: 32, r: 1 }, // 32 rows × 64 columns: a short, wide C (a small batch times many units)
  // 128×128 C tile, 8×8 per thread (the register tiles of the fastest WebGPU GEMMs): twice the multiply-adds per
  // workgroup-memory read of a 4×4 block, for large square GEMMs on real GPUs (the bench's 4096³); 8 KiB of slabs.
  '16x16x8r2': { x: 16, y: 16, tk: 8, r: 2 },
  // 32×32 C tiles with K split among workgroups, for few tiles and a long K (the cnn's dense_1.forward: 128×10 from
  // K = 1600, 0.10 ms of a 0.44 ms training step on an H200 as 4 workgroups); only such sites offer it (matmulTilings).
  '8x8x32s': { x: 8, y: 8, tk: 32, r: 1, split: true },
};
/** K steps (of the tile's tk) per workgroup of a split tile, and the most splits (partial products kept at once). */
export const MATMUL_SPLIT_STEPS = 2;
export const MATMUL_MAX_SPLITS = 32;
/** A split tile is offered where C has at most this many of its tiles. */
const SPLIT_MAX_TILES = 32;
/** The default tile's name. */
export const MATMUL_DEFAULT_TILE = Object.keys(MATMUL_TILES)[0];
/** The names of the tile shapes besides the default, for the autotuner's candidates. */
export const MATMUL_OTHER_TILES: readonly string[] = Object.keys(MATMUL_TILES).slice(1);

/** Outputs per thread along each axis in one of its blocks (a row of a block is one vec4f accumulator). */
export const MATMUL_THREAD_BLOCK = 4;
/** Bytes of workgroup memory of a tile: one vec4f slab of op(A) and one of op(B). */
const tiledWorkgroupBytes = (t: MatmulTile) => t.tk * t.r * (t.x + t.y) * 16;
/** Invocations per workgroup of the register variant (1-D). */
export const MATMUL_REGISTER_WORKGROUP = 64;
/** Side of the square block of C each register invocation computes (fixed by the shader's accumulators). */
export const MATMUL_REGISTER_BLOCK = 8;
/**
 * Invocations per workgroup of matmul_quad16 (4 quads): its lane blocks are 4× larger, so the mlp's 128×128
 * outputs are 16 quads, and small workgroups let both CPU threads of SwiftShader share them.
 */
export const MATMUL_QUAD16_WORKGROUP = 16;

/** column_sums workgroup: threads along columns (coalesced) × threads along rows (power of two). */
export const BIAS_GRAD_WORKGROUP = [32, 8] as const;
/** Up to this many rows, the bias gradient is one pass with no scratch buffer. */
export const BIAS_GRAD_SINGLE_PASS_ROWS = 1024;

export type MatmulVariant = KernelVariant;

/** C(M, N) = op(A)·op(B): A stored (M, K), or (K, M) if transA; B stored (K, N), or (N, K) if transB. */
export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

export interface MatmulArgs {
  label: string;
  M: number;
  N: number;
  K: number;
  /** A is stored (K, M) instead of (M, K). */
  transA?: boolean;
  /** B is stored (N, K) instead of (K, N). */
  transB?: boolean;
  a: BufferLike;
  b: BufferLike;
  c: BufferLike;
  /** (N), added to every row of C. */
  bias?: BufferLike;
  /** C = max(0, …): a dense layer's ReLU fused into the store (its backward then reads C: [C > 0]). */
  relu?: boolean;
  /** 'tiled' (workgroup memory, default: real GPUs) or 'register' (no workgroup memory: faster on SwiftShader). */
  variant?: MatmulVariant;
  /**
   * The tiled variant's tile shape, a key of MATMUL_TILES (default MATMUL_DEFAULT_TILE); for 'register',
   * 'quad': share loads within quads of invocations (matmul_quad) where matmulQuad allows, else ignored.
   */
  tile?: string;
  /** The quad form's lane block side: by default quadSide(M·N·K) (16 for large GEMMs); tests force each. */
  quadSide?: 8 | 16;
}

export interface BiasGradArgs {
  label: string;
  rows: number;
  cols: number;
  /** (rows, cols) */
  dy: BufferLike;
  /** (cols), overwritten with the column sums of dy. */
  db: BufferLike;
  /** 'tiled' (a tree in workgroup memory, default) or 'register' (no workgroup memory: CPU backends). */
  variant?: KernelVariant;
}

const MATMUL_BINDINGS = ['read-only-storage', 'read-only-storage', 'storage', 'read-only-storage', 'uniform'] as const;

function checkDims(op: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
    if (v > 0x7fffffff) throw new Error(`${op}: ${name}=${v} is too large`);
  }
}

/** `op: a holds 16 bytes, needs 32 for (M, K) = (2, 4) f32`; also rejects shapes past u32 indexing and the device's binding limit. */
function checkSize(device: GPUDevice, op: string, name: string, b: BufferLike, elements: number, shape: string): void {
  if (elements > 0xffffffff) throw new Error(`${op}: ${name} ${shape} has ${elements} elements, more than u32 indexing allows`);
  checkBinding(device, op, name, b, elements * 4, `${shape} f32`);
}

/**
 * Whether the 'register' variant can read whole vec4s (matmul_vec4): K a multiple of 4, and the operand
 * read along M or N 8 at a time (A stored (K, M); B stored (K, N)) a multiple of 8. Measured on
 * SwiftShader, 1024³: 1.24× matmul_register's speed (1.18–1.27× at the mlp's shapes).
 */
export function matmulVec4(s: MatmulShape): boolean {
  return s.K % 4 === 0 && (!s.transA || s.M % 8 === 0) && (!!s.transB || s.N % 8 === 0);
}

/** The tile shape named `name`; throws naming the known ones. */
export function matmulTile(op: string, name: string): MatmulTile {
  const t = Object.hasOwn(MATMUL_TILES, name) ? MATMUL_TILES[name] : undefined;
  if (!t) throw new Error(`${op}: unknown tile '${name}' (expected ${Object.keys(MATMUL_TILES).map((k) => `'${k}'`).join(', ')})`);
  // The vec4 path steps K four at a time within a slab.
  if (t.tk % 4 !== 0) throw new Error(`${op}: tile '${name}': its K step ${t.tk} must be a multiple of 4`);
  return t;
}

/**
 * Whether the 'tiled' variant can load its slabs as whole vec4s (matmul_tiled_vec4): K a multiple of 4,
 * and the operand whose stored rows run along M or N (A stored (K, M); B stored (K, N)) a multiple of 4.
 */
export function matmulTiledVec4(s: MatmulShape): boolean {
  return s.K % 4 === 0 && (!s.transA || s.M % 4 === 0) && (!!s.transB || s.N % 4 === 0);
}

/** Whether the register variant's 'quad' tiling runs for this shape on this device: subgroups of 4+, matmul_vec4's shapes. */
export function matmulQuad(device: GPUDevice, s: MatmulShape): boolean {
  return hasQuads(device) && matmulVec4(s);
}

/** How a tile splits K: `splits` ranges of `kSplit` (a multiple of its tk; the last may be shorter); 1 split for unsplit tiles. */
export function matmulSplits(tile: MatmulTile, K: number): { splits: number; kSplit: number } {
  const steps = Math.ceil(K / tile.tk);
  const wanted = tile.split ? Math.min(MATMUL_MAX_SPLITS, Math.ceil(steps / MATMUL_SPLIT_STEPS)) : 1;
  const kSplit = Math.ceil(steps / wanted) * tile.tk;
  return { splits: Math.ceil(K / kSplit), kSplit };
}

/** Whether a split tile is worth timing: C of few tiles, and K long enough to split. */
function splitPays(t: MatmulTile, s: MatmulShape): boolean {
  const tiles = Math.ceil(s.M / (MATMUL_THREAD_BLOCK * t.r * t.y)) * Math.ceil(s.N / (MATMUL_THREAD_BLOCK * t.r * t.x));
  return tiles <= SPLIT_MAX_TILES && matmulSplits(t, s.K).splits > 1;
}

/** The partial products a split tile keeps for `s` where matmulTilings offers one (tensorBytes), else 0: for the memory estimate. */
export function matmulSplitBytes(s: MatmulShape): number {
  const split = Object.values(MATMUL_TILES).find((t) => t.split);
  return split && splitPays(split, s) ? tensorBytes(matmulSplits(split, s.K).splits * s.M * s.N) : 0;
}

/** A matmul site's candidates besides the variants' defaults (KernelSite.tiles): the other tile shapes (split ones where they pay), and quads where they run. */
export function matmulTilings(device: GPUDevice, s: MatmulShape): KernelCandidate[] {
  const tiles = MATMUL_OTHER_TILES.filter((t) => !MATMUL_TILES[t].split || splitPays(MATMUL_TILES[t], s));
  return [...tiles.map((t) => `tiled:${t}`), ...(matmulQuad(device, s) ? ['register:quad'] : [])];
}

/** quad: the quad form's lane block side, 0 for none. */
function matmulSpec(variant: MatmulVariant, transA: boolean, transB: boolean, hasBias: boolean, relu: boolean, vec4: boolean, tile: MatmulTile, quad: 0 | 8 | 16, split = false): KernelSpec {
  // Split, the epilogue is matmul_split_sum's (matmulSplitSumSpec).
  const flags = { TRANS_A: Number(transA), TRANS_B: Number(transB), HAS_BIAS: Number(hasBias && !split), RELU: Number(relu && !split) };
  if (variant === 'register' && quad) {
    const wg = quad === 16 ? MATMUL_QUAD16_WORKGROUP : MATMUL_REGISTER_WORKGROUP;
    return {
      label: quad === 16 ? 'matmul.register.quad16' : 'matmul.register.quad',
      code: matmulQuadModule,
      entryPoint: quad === 16 ? 'matmul_quad16' : 'matmul_quad',
      workgroupSize: [wg],
      constants: { WG_REG: wg, ...flags },
      bindings: MATMUL_BINDINGS,
    };
  }
  if (variant === 'register') {
    return {
      label: vec4 ? 'matmul.register.vec4' : 'matmul.register',
      code: matmulWgsl,
      entryPoint: vec4 ? 'matmul_vec4' : 'matmul_register',
      workgroupSize: [MATMUL_REGISTER_WORKGROUP],
      constants: { WG_REG: MATMUL_REGISTER_WORKGROUP, ...flags },
      bindings: MATMUL_BINDINGS,
    };
  }
  return {
    label: `matmul.tiled.${tile.x}x${tile.y}x${tile.tk}${tile.r === 2 ? 'r2' : ''}${split ? 's' : ''}${vec4 ? '.vec4' : ''}`,
    code: matmulWgsl,
    entryPoint: vec4 ? 'matmul_tiled_vec4' : 'matmul_tiled',
    workgroupSize: [tile.x, tile.y],
    constants: { WG_X: tile.x, WG_Y: tile.y, TK: tile.tk, RM: tile.r, RN: tile.r, SPLIT_K: Number(split), ...flags },
    bindings: MATMUL_BINDINGS,
  };
}

/** matmul_split_sum: the split partial products summed, with the bias and ReLU. */
const matmulSplitSumSpec = (hasBias: boolean, relu: boolean): KernelSpec => ({
  label: 'matmul.split_sum',
  code: matmulWgsl,
  entryPoint: 'matmul_split_sum',
  workgroupSize: [MATMUL_REGISTER_WORKGROUP],
  constants: { WG_REG: MATMUL_REGISTER_WORKGROUP, HAS_BIAS: Number(hasBias), RELU: Number(relu) },
  bindings: MATMUL_BINDINGS,
});

/**
 * C(M, N) = op(A)·op(B) [+ bias] [then ReLU]: one dispatch (two for a split tile: the partial products, then their sum),
 * compiled once per (variant, tile, transposes, bias, ReLU); the op owns its uniform and a split tile's partials.
 */
export async function createMatmul(device: GPUDevice, args: MatmulArgs): Promise<GpuOp> {
  const { label, M, N, K } = args;
  const op = `matmul ${label}`;
  checkDims(op, { M, N, K });
  const variant = args.variant ?? 'tiled';
  checkVariant(op, variant);
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  checkSize(device, op, 'a', args.a, M * K, transA ? `(K, M) = (${K}, ${M})` : `(M, K) = (${M}, ${K})`);
  checkSize(device, op, 'b', args.b, K * N, transB ? `(N, K) = (${N}, ${K})` : `(K, N) = (${K}, ${N})`);
  checkSize(device, op, 'c', args.c, M * N, `(M, N) = (${M}, ${N})`);
  if (args.bias) checkSize(device, op, 'bias', args.bias, N, `(N) = (${N})`);
  checkNotAliased(op, { c: args.c }, { a: args.a, b: args.b, bias: args.bias });

  if (variant === 'register' && args.tile !== undefined && args.tile !== 'quad') throw new Error(`${op}: unknown tiling '${args.tile}' for register (expected 'quad')`);
  const tile = matmulTile(op, variant === 'tiled' ? args.tile ?? MATMUL_DEFAULT_TILE : MATMUL_DEFAULT_TILE);
  const shape = { M, N, K, transA, transB };
  const vec4 = variant === 'tiled' ? matmulTiledVec4(shape) : matmulVec4(shape);
  const quad = variant === 'register' && args.tile === 'quad' && matmulQuad(device, shape) ? quadSide(M * N * K, args.quadSide) : 0;
  // A split tile at a K too short to split runs unsplit; unsplit, one range holds all of K.
  const { splits, kSplit } = variant === 'tiled' ? matmulSplits(tile, K) : { splits: 1, kSplit: K };
  const split = splits > 1;
  const hasBias = args.bias !== undefined;
  const relu = args.relu ?? false;
  const spec = matmulSpec(variant, transA, transB, hasBias, relu, vec4, tile, quad, split);
  // getKernel checks the workgroup's size and memory against device.limits.
  const kernel = await getKernel(device, spec, variant === 'tiled' ? tiledWorkgroupBytes(tile) : 0);
  const sumKernel = split ? await getKernel(device, matmulSplitSumSpec(hasBias, relu)) : undefined;
  if (split) checkBindingLimit(device, op, 'partials', splits * M * N * 4, `${splits} partial products (${splits}, ${M}, ${N}) f32`);
  const block = quad || MATMUL_REGISTER_BLOCK;
  const [tilesM, tilesN] = [Math.ceil(M / block), Math.ceil(N / block)];
  // matmul_quad(16): one quad of 4 invocations per 2×2 square of lane blocks.
  const invocations = quad ? 4 * Math.ceil(tilesM / 2) * Math.ceil(tilesN / 2) : tilesM * tilesN;
  const grid = variant === 'tiled'
    ? [Math.ceil(N / (tile.x * tile.r * MATMUL_THREAD_BLOCK)), Math.ceil(M / (tile.y * tile.r * MATMUL_THREAD_BLOCK)), splits] as const
    : grid1d(device, Math.ceil(invocations / spec.workgroupSize[0]));
  return createOp(label, async (own) => {
    const params = own.add(createUniform(device, `${label}.params`, packUniform([u32(M), u32(N), u32(K), u32(kSplit)])));
    // Without a bias the shader never reads binding 3, but the layout has it: bind A again (read-only, so aliasing is allowed).
    const bias = args.bias ?? args.a;
    if (!sumKernel) return { dispatches: [makeDispatch(device, kernel, label, [args.a, args.b, args.c, bias, params], grid)] };
    // partials: (splits, M, N), each split's product of its range of K.
    const partials = own.tensor(createTensor(device, `${label}.partials`, [splits * M * N])).buffer;
    return {
      dispatches: [
        makeDispatch(device, kernel, label, [args.a, args.b, partials, bias, params], grid),
        makeDispatch(device, sumKernel, `${label}.split_sum`, [partials, partials, args.c, bias, params], grid1d(device, Math.ceil((M * N) / MATMUL_REGISTER_WORKGROUP))),
      ],
    };
  });
}

const COLUMN_SUMS_SPEC: KernelSpec = {
  label: 'matmul.column_sums',
  code: matmulWgsl,
  entryPoint: 'column_sums',
  workgroupSize: BIAS_GRAD_WORKGROUP,
  constants: { BG_WG_X: BIAS_GRAD_WORKGROUP[0], BG_WG_Y: BIAS_GRAD_WORKGROUP[1] },
  bindings: ['read-only-storage', 'storage', 'uniform'],
};
const COLUMN_SUMS_WG_BYTES = BIAS_GRAD_WORKGROUP[0] * BIAS_GRAD_WORKGROUP[1] * 4;
const COLUMN_SUMS_REGISTER_SPEC: KernelSpec = {
  label: 'matmul.column_sums.register',
  code: matmulWgsl,
  entryPoint: 'column_sums_register',
  workgroupSize: [MATMUL_REGISTER_WORKGROUP],
  constants: { WG_REG: MATMUL_REGISTER_WORKGROUP },
  bindings: ['read-only-storage', 'storage', 'uniform'],
};

/** The bias gradient's two-pass plan: √rows chunks of about √rows rows, and the bytes of their sums (0: one pass). */
export function biasGradChunks(rows: number, cols: number): { perChunk: number; chunks: number; scratchBytes: number } {
  if (rows <= BIAS_GRAD_SINGLE_PASS_ROWS) return { perChunk: rows, chunks: 1, scratchBytes: 0 };
  const perChunk = Math.ceil(Math.sqrt(rows));
  const chunks = Math.ceil(rows / perChunk);
  return { perChunk, chunks, scratchBytes: Math.ceil((chunks * cols * 4) / 16) * 16 };
}

/**
 * db[j] = Σ_i dy[i, j]. One dispatch for up to BIAS_GRAD_SINGLE_PASS_ROWS rows; beyond, two: about √rows
 * chunks of about √rows rows into a scratch buffer (allocated here, once, owned by the op), then the chunks' sums.
 */
export async function createBiasGrad(device: GPUDevice, args: BiasGradArgs): Promise<GpuOp> {
  const { label, rows, cols } = args;
  const op = `biasGrad ${label}`;
  checkDims(op, { rows, cols });
  checkSize(device, op, 'dy', args.dy, rows * cols, `(rows, cols) = (${rows}, ${cols})`);
  checkSize(device, op, 'db', args.db, cols, `(cols) = (${cols})`);
  checkNotAliased(op, { db: args.db }, { dy: args.dy });
  const variant = args.variant ?? 'tiled';
  checkVariant(op, variant);
  const [wx, wy] = BIAS_GRAD_WORKGROUP;
  if ((wy & (wy - 1)) !== 0) throw new Error(`${op}: BIAS_GRAD_WORKGROUP rows ${wy} must be a power of two`);
  const kernel = variant === 'tiled'
    ? await getKernel(device, COLUMN_SUMS_SPEC, COLUMN_SUMS_WG_BYTES)
    : await getKernel(device, COLUMN_SUMS_REGISTER_SPEC);
  const grid = (n: number, perChunk: number): readonly [number, number, number?] => variant === 'tiled'
    ? [Math.ceil(cols / wx), Math.ceil(n / perChunk)]
    : grid1d(device, Math.ceil((Math.ceil(n / perChunk) * Math.ceil(cols / 4)) / MATMUL_REGISTER_WORKGROUP));

  return createOp(label, async (own) => {
    const pass = (name: string, src: BufferLike, dst: BufferLike, n: number, perChunk: number): Dispatch => {
      const params = own.add(createUniform(device, `${label}.${name}.params`, packUniform([u32(n), u32(cols), u32(perChunk)])));
      return makeDispatch(device, kernel, `${label}.${name}`, [src, dst, params], grid(n, perChunk));
    };
    const { perChunk, chunks, scratchBytes } = biasGradChunks(rows, cols);
    if (!scratchBytes) return { dispatches: [pass('sum', args.dy, args.db, rows, rows)] };

    checkBindingLimit(device, op, 'chunk_sums', scratchBytes, `(${chunks}, ${cols}) f32`);
    const scratch = own.add(device.createBuffer({ label: `${label}.chunk_sums`, size: scratchBytes, usage: GPUBufferUsage.STORAGE }));
    return { dispatches: [pass('chunks', args.dy, scratch, rows, perChunk), pass('sum', scratch, args.db, chunks, chunks)] };
  });
}
