import { createBiasGrad, createMatmul, MATMUL_DEFAULT_TILE, MATMUL_MAX_SPLITS, MATMUL_TILES, matmulSplits, matmulTilings, matmulVec4, type MatmulVariant } from '../../src/engine/ops/matmul';
import { gridFolding } from '../../src/engine/dispatch';
import { hasQuads } from '../../src/engine/kernel-variant';
import { createTensor } from '../../src/engine/buffers';
import { Rng } from '../../src/engine/random';
import { columnSums, matmulAbsBound, matmulBackward, matmulForward, type MatmulShape } from '../reference/matmul';
import { assert, AssertionError, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

const U = 2 ** -24; // f32 unit roundoff
const VARIANTS: MatmulVariant[] = ['tiled', 'register'];
/** Every implementation the autotuner can pick: the tiled variant at each of its tile shapes, and register. */
/** register:quad16: the quad form's 16×16 lane blocks, which the op takes by itself only for large GEMMs (QUAD16_MIN_MACS). */
const CANDIDATES: { variant: MatmulVariant; tile?: string; quadSide?: 8 | 16; name: string }[] = [
  ...Object.keys(MATMUL_TILES).map((tile) => ({ variant: 'tiled' as const, tile, name: `tiled ${tile}` })),
  { variant: 'register', name: 'register' },
  { variant: 'register', tile: 'quad', name: 'register:quad' },
  { variant: 'register', tile: 'quad', quadSide: 16, name: 'register:quad16' },
];
const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

/** Multiples of 2^-bits in [-1, 1]: sums of up to 2^(24 - bits) of them (or of products, 2^(24 - 2·bits)) are exact in f32. */
function quantized(rng: Rng, n: number, bits: number): Float32Array {
  const q = 2 ** bits;
  return Float32Array.from(rng.floats(n), (v) => Math.round(v * q) / q);
}

function describeShape(s: MatmulShape, bias: boolean): string {
  return `M=${s.M} K=${s.K} N=${s.N}${s.transA ? ' transA' : ''}${s.transB ? ' transB' : ''}${bias ? ' +bias' : ''}`;
}

/** Runs one matmul on the GPU; C gets 37 extra NaN sentinels that must survive (no writes past M·N). */
async function gpuMatmul(s: MatmulShape, a: Float32Array, b: Float32Array, bias: Float32Array | undefined, variant: MatmulVariant, tile?: string, relu = false,
  quadSide?: 8 | 16): Promise<Float32Array> {
  const device = await testDevice();
  const c = output(device, s.M * s.N + 37);
  const d = await createMatmul(device, {
    label: 'mm', ...s, variant, tile, relu, quadSide,
    a: upload(device, a).buffer, b: upload(device, b).buffer, c: c.buffer, bias: bias && upload(device, bias).buffer,
  });
  if (tile === 'quad') {
    // runsOwn's premise: the quad form runs exactly where matmul_vec4's shapes hold, else plain register does.
    const ownKernel = d.dispatches[0].pipeline.label.includes(quadSide === 16 ? 'quad16' : 'quad');
    assert(ownKernel === matmulVec4(s), `${describeShape(s, !!bias)}: ran ${d.dispatches[0].pipeline.label}`);
  }
  await run(device, d.dispatches);
  const out = await readF32(device, c);
  assert(out.subarray(s.M * s.N).every(Number.isNaN), `${describeShape(s, !!bias)}: written past the end of C`);
  return out.subarray(0, s.M * s.N);
}

/** Every element within the worst-case f32 dot-product bound |err| ≤ (K+2)·u·Σ|a||b| (+|bias|), any summation order. */
function assertWithinDotBound(actual: Float32Array, expected: Float64Array, absBound: Float64Array, K: number, what: string): void {
  const gamma = (K + 2) * U;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= gamma * absBound[i])) {
      throw new AssertionError(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]}; |err| ${err.toExponential(3)} > ${(gamma * absBound[i]).toExponential(3)}`);
    }
  }
}

describe('matmul reference', () => {
  it('transposed storage gives the same product', () => {
    const rng = new Rng(1);
    const s = { M: 4, K: 6, N: 5 };
    const a = rng.floats(s.M * s.K);
    const b = rng.floats(s.K * s.N);
    const c = matmulForward(s, a, b);
    const aT = new Float32Array(a.length);
    const bT = new Float32Array(b.length);
    for (let m = 0; m < s.M; m++) for (let k = 0; k < s.K; k++) aT[k * s.M + m] = a[m * s.K + k];
    for (let k = 0; k < s.K; k++) for (let n = 0; n < s.N; n++) bT[n * s.K + k] = b[k * s.N + n];
    assertClose(matmulForward({ ...s, transA: true, transB: true }, aT, bT), c, { atol: 1e-12, rtol: 0 }, 'transA+transB');
    // and a spot check of one element by its definition
    let c23 = 0;
    for (let k = 0; k < s.K; k++) c23 += a[2 * s.K + k] * b[k * s.N + 3];
    assertClose([c[2 * s.N + 3]], [c23], { atol: 1e-12, rtol: 0 }, 'C[2,3]');
  });

  for (const [transA, transB] of TRANSPOSES) {
    it(`gradients match finite differences (transA=${transA}, transB=${transB})`, () => {
      const rng = new Rng(2);
      const s = { M: 3, K: 4, N: 5, transA, transB };
      const a = Float64Array.from(rng.floats(s.M * s.K));
      const b = Float64Array.from(rng.floats(s.K * s.N));
      const bias = Float64Array.from(rng.floats(s.N));
      const w = rng.floats(s.M * s.N);
      const g = matmulBackward(s, a, b, w);
      checkGradient('dA', a, (v) => matmulForward(s, v, b, bias), w, g.da);
      checkGradient('dB', b, (v) => matmulForward(s, a, v, bias), w, g.db);
      checkGradient('dbias', bias, (v) => matmulForward(s, a, b, v), w, g.dbias);
    });
  }
});

// (M, K, N): batch 1, sizes that are not multiples of any tile shape (32 or 64 wide, K steps 16 or 32) or of the
// register variant's 8×8 block, several tiles in both directions (130×70: 153 register blocks, three
// 64-invocation workgroups). The realistic size (a 784 → 128 dense layer on a batch of 128) is the
// forward/dX/dW test below.
// The register variant's whole-vec4 path (matmulVec4) takes [1, 784, 128] and [9, 36, 40] for some
// transposes and [24, 12, 16] for all four; the others stay on the scalar path. The tiled variant's
// (matmulTiledVec4) takes the same, and [68, 36, 132] for all four: several tiles each way, a last K step
// that is part padding, rows and columns past the edge (the 'vec4 paths' test checks which path runs).
// [40, 20, 56] takes the vec4 paths for all four and gives register:quad16 (16×16 lane blocks, 32×32 per
// quad) 2×2 quads whose last row and column blocks are half past the edge (rows 40..47, columns 56..63).
const SHAPES = [[1, 1, 1], [1, 784, 128], [7, 13, 5], [33, 65, 17], [100, 10, 128], [130, 37, 70], [9, 36, 40], [24, 12, 16], [68, 36, 132], [40, 20, 56]] as const;

/** Whether a candidate runs its own kernel for a shape: 'register:quad' only where matmul_vec4's shapes hold (else it is plain register). */
const runsOwn = (tile: string | undefined, s: MatmulShape) => tile !== 'quad' || matmulVec4(s);

/**
 * The tiled variant's other tile shapes run the same shader with other override constants, and SwiftShader
 * compiles each of their pipelines (and register:quad16's) in about 2 s (register's in 0.2–0.4 s): they are
 * checked at every transpose and both paths, with the bias and the ReLU epilogues each at one setting
 * (the default tile takes both bias settings, and the other register forms every epilogue).
 */
const everyEpilogue = (variant: MatmulVariant, tile?: string, quadSide?: number) => (variant !== 'tiled' && quadSide !== 16) || tile === MATMUL_DEFAULT_TILE || splitTile(tile);
/** A split tile's bias and ReLU are another kernel's (matmul_split_sum): it takes every epilogue. */
function splitTile(tile?: string): boolean {
  return tile !== undefined && Object.hasOwn(MATMUL_TILES, tile) && MATMUL_TILES[tile].split === true;
}
/**
 * The tiled variant's tile shapes besides the default are exact at every shape, transpose and path above;
 * the ReLU, at the store every tile shape shares, is checked at the default tile, and the general-data test
 * (a dense layer's three products, with and without bias) at the default and at each other count of blocks
 * per thread (r): the tile shapes that differ from a tested one only in their sizes skip it.
 */
const reluChecked = (variant: MatmulVariant, tile?: string) => variant !== 'tiled' || tile === MATMUL_DEFAULT_TILE || splitTile(tile);
const generalDataChecked = (variant: MatmulVariant, tile?: string) => reluChecked(variant, tile)
  || MATMUL_TILES[tile ?? MATMUL_DEFAULT_TILE].r !== MATMUL_TILES[MATMUL_DEFAULT_TILE].r;

for (const { variant, tile, quadSide, name } of CANDIDATES) {
  describe(`matmul (${name})`, () => {
    const every = everyEpilogue(variant, tile, quadSide);
    const biases = every ? [false, true] : [true];
    for (const [M, K, N] of SHAPES.filter(([M, K, N]) => TRANSPOSES.some(([transA, transB]) => runsOwn(tile, { M, K, N, transA, transB })))) {
      it(`is exact on exactly-representable data, all transposes, ${biases.length === 2 ? 'with and without bias' : 'with bias'}: M=${M} K=${K} N=${N}`, async () => {
        // Inputs are multiples of 1/16 in [-1, 1]: products are multiples of 2^-8 and every partial sum
        // (|sum| ≤ K+1 < 2^16) is exact in f32 in any order, so the GPU must match bit for bit.
        const rng = new Rng(M * 1000 + K * 10 + N);
        const a = quantized(rng, M * K, 4);
        const b = quantized(rng, K * N, 4);
        const bias = quantized(rng, N, 4);
        for (const [transA, transB] of TRANSPOSES) {
          const s = { M, K, N, transA, transB };
          if (!runsOwn(tile, s)) continue;
          for (const withBias of biases) {
            const expected = matmulForward(s, a, b, withBias ? bias : undefined);
            const actual = await gpuMatmul(s, a, b, withBias ? bias : undefined, variant, tile, false, quadSide);
            assertClose(actual, expected, { atol: 0, rtol: 0 }, describeShape(s, withBias));
          }
        }
      });
    }

    if (reluChecked(variant, tile)) it('fuses a ReLU into the store: max(0, op(A)·op(B) + bias), exactly', async () => {
      // Shapes on the scalar and the vec4 paths of both variants, past tile edges; the quad forms run only the
      // transposes whose shapes they take ([40, 20, 56] for all four), the others being plain register's.
      let ran = 0;
      for (const [M, K, N] of [[33, 65, 17], [68, 36, 132], [9, 36, 40], [40, 20, 56]] as const) {
        const rng = new Rng(M + K + N);
        const a = quantized(rng, M * K, 4);
        const b = quantized(rng, K * N, 4);
        const bias = quantized(rng, N, 4);
        // The ReLU is applied at the store, after the transposes' loads: the tiled shapes take one transpose pair.
        for (const [transA, transB] of variant === 'register' && every ? [[false, false], [true, true], [false, true]] as const : [[true, true]] as const) {
          const s = { M, K, N, transA, transB };
          if (!runsOwn(tile, s)) continue;
          ran++;
          const expected = matmulForward(s, a, b, bias).map((v) => Math.max(v, 0));
          assert(expected.some((v) => v === 0) && expected.some((v) => v > 0), 'both signs before the ReLU');
          assertClose(await gpuMatmul(s, a, b, bias, variant, tile, true, quadSide), expected, { atol: 0, rtol: 0 }, `${describeShape(s, true)} +relu`);
        }
      }
      assert(ran > 0, `${name}: no shape ran its own kernel`);
    });

    // Shapes drawn at random (a fixed seed, so a failure reproduces), beside the chosen ones above: half rounded
    // up to multiples of 8, so that the vec4 and quad paths come up as well as the scalar ones.
    if (every) it('is within the f32 dot-product error bound on random shapes, transposes and biases', async () => {
      const rng = new Rng(20261204);
      const dim = (max: number) => {
        const n = rng.int(1, max);
        return rng.uniform() < 0.5 ? Math.ceil(n / 8) * 8 : n;
      };
      for (let i = 0; i < 6; i++) {
        const s: MatmulShape = { M: dim(140), K: dim(300), N: dim(140), transA: rng.uniform() < 0.5, transB: rng.uniform() < 0.5 };
        const a = rng.floats(s.M * s.K);
        const b = rng.floats(s.K * s.N);
        const bias = rng.uniform() < 0.5 ? rng.floats(s.N) : undefined;
        const actual = await gpuMatmul(s, a, b, bias, variant, tile, false, quadSide);
        assertWithinDotBound(actual, matmulForward(s, a, b, bias), matmulAbsBound(s, a, b, bias), s.K, `random shape ${i + 1} (${describeShape(s, !!bias)})`);
      }
    });

    if (generalDataChecked(variant, tile)) it('is within the f32 dot-product error bound on general data: a dense layer forward, dX and dW', async () => {
      const rng = new Rng(7);
      const [batch, inputs, outputs] = [128, 784, 128];
      const x = rng.floats(batch * inputs);
      const w = rng.floats(inputs * outputs, -0.1, 0.1);
      const bias = rng.floats(outputs);
      const dy = rng.floats(batch * outputs, -0.01, 0.01);
      const cases: [string, MatmulShape, Float32Array, Float32Array, Float32Array?][] = [
        ['forward x·W + b', { M: batch, K: inputs, N: outputs }, x, w, bias],
        ['dX = dY·Wᵀ', { M: batch, K: outputs, N: inputs, transB: true }, dy, w],
        ['dW = Xᵀ·dY', { M: inputs, K: batch, N: outputs, transA: true }, x, dy],
        ['odd shape, both transposed', { M: 33, K: 65, N: 17, transA: true, transB: true }, x.subarray(0, 33 * 65), w.subarray(0, 65 * 17), bias.subarray(0, 17)],
      ];
      for (const [what, s, a, b, bi] of cases) {
        const actual = await gpuMatmul(s, a, b, bi, variant, tile, false, quadSide);
        assertWithinDotBound(actual, matmulForward(s, a, b, bi), matmulAbsBound(s, a, b, bi), s.K, `${what} (${describeShape(s, !!bi)})`);
      }
    });
  });
}

describe('matmul vec4 paths', () => {
  it('run where the shapes allow them and only there', async () => {
    const device = await testDevice();
    const label = async (variant: MatmulVariant, s: MatmulShape, tile?: string) => {
      const t = (n: number) => createTensor(device, 'v', [n]);
      const buffers = [t(s.M * s.K), t(s.K * s.N), t(s.M * s.N)];
      const op = await createMatmul(device, { label: 'v', ...s, variant, tile, a: buffers[0].buffer, b: buffers[1].buffer, c: buffers[2].buffer });
      const l = op.dispatches[0].pipeline.label;
      op.destroy();
      for (const b of buffers) b.buffer.destroy();
      return l;
    };
    // The quad form's lane blocks by the GEMM's size: 16×16 from QUAD16_MIN_MACS multiply-adds (built, not run).
    assertEqual(await label('register', { M: 512, K: 512, N: 512 }, 'quad'), 'matmul.register.quad16', '512³ = 2^27: 16×16 lane blocks');
    assertEqual(await label('register', { M: 512, K: 512, N: 504 }, 'quad'), 'matmul.register.quad', 'just under 2^27: 8×8');
    for (const [transA, transB] of TRANSPOSES) {
      const tiled = await label('tiled', { M: 68, K: 36, N: 132, transA, transB });
      assert(tiled === 'matmul.tiled.16x16x16.vec4', `68×36×132 ${transA} ${transB}: ${tiled}`);
      assert(!(await label('tiled', { M: 130, K: 37, N: 70, transA, transB })).endsWith('.vec4'), 'K not a multiple of 4: scalar');
      assert((await label('register', { M: 24, K: 12, N: 16, transA, transB })) === 'matmul.register.vec4', 'register vec4');
      // The test browser's SwiftShader has subgroups of 4: the quad path must run there, not silently fall back.
      assert(hasQuads(device), 'the test device has subgroups of at least 4 invocations');
      assert((await label('register', { M: 24, K: 12, N: 16, transA, transB }, 'quad')) === 'matmul.register.quad', 'register quad');
      assert((await label('register', { M: 24, K: 10, N: 16, transA, transB }, 'quad')) === 'matmul.register', 'K not a multiple of 4: no quads');
      const tilings = matmulTilings(device, { M: 24, K: 12, N: 16, transA, transB });
      assert(tilings.includes('register:quad') && !matmulTilings(device, { M: 24, K: 10, N: 16 }).includes('register:quad'), `quads offered where they run: ${tilings.join()}`);
    }
    assert(!(await label('tiled', { M: 9, K: 36, N: 40, transA: true })).endsWith('.vec4'), 'A stored (K, M) with M = 9: scalar');
    assert(!(await label('tiled', { M: 8, K: 36, N: 42 })).endsWith('.vec4'), 'B stored (K, N) with N = 42: scalar');
  });
});

describe('matmul split K', () => {
  it('splits K into ranges of whole steps where C has few tiles, and sums them after', async () => {
    const split = MATMUL_TILES['8x8x32s'];
    // K = 1600 in steps of 32: 50 steps, 2 a split; K = 65: 3 steps, the second split a step and one element.
    assertEqual(JSON.stringify(matmulSplits(split, 1600)), JSON.stringify({ splits: 25, kSplit: 64 }), 'the cnn\'s dense_1');
    assertEqual(JSON.stringify(matmulSplits(split, 65)), JSON.stringify({ splits: 2, kSplit: 64 }), 'a short last split');
    assertEqual(matmulSplits(split, 64).splits, 1, 'two steps: not split');
    assertEqual(matmulSplits(split, 20000).splits, MATMUL_MAX_SPLITS, 'at most MATMUL_MAX_SPLITS');
    assertEqual(matmulSplits(MATMUL_TILES[MATMUL_DEFAULT_TILE], 1600).splits, 1, 'unsplit tiles');
    const device = await testDevice();
    const offered = (s: MatmulShape) => matmulTilings(device, s).includes('tiled:8x8x32s');
    assert(offered({ M: 128, N: 10, K: 1600 }) && offered({ M: 128, N: 128, K: 784 }), 'few tiles, long K: offered');
    assert(!offered({ M: 1024, N: 1024, K: 1024 }) && !offered({ M: 1600, N: 10, K: 128 }) && !offered({ M: 128, N: 10, K: 64 }), 'many tiles or a short K: not');
    const labels = async (s: MatmulShape) => {
      const t = (n: number) => createTensor(device, 'v', [n]);
      const buffers = [t(s.M * s.K), t(s.K * s.N), t(s.M * s.N)];
      const op = await createMatmul(device, { label: 'v', ...s, variant: 'tiled', tile: '8x8x32s', a: buffers[0].buffer, b: buffers[1].buffer, c: buffers[2].buffer });
      const l = op.dispatches.map((d) => d.pipeline.label).join(' + ');
      const z = op.dispatches[0].workgroups[2];
      op.destroy();
      for (const b of buffers) b.buffer.destroy();
      return `${l} z${z}`;
    };
    assertEqual(await labels({ M: 128, N: 10, K: 1600 }), 'matmul.tiled.8x8x32s + matmul.split_sum z25', 'split: partial products, then their sum');
    assertEqual(await labels({ M: 1, N: 128, K: 784 }), 'matmul.tiled.8x8x32s.vec4 + matmul.split_sum z13', 'the vec4 path splits too');
    assertEqual(await labels({ M: 7, N: 5, K: 13 }), 'matmul.tiled.8x8x32 z1', 'a K of one step runs unsplit');
  });

  it('sums its partial products the same when the sum\'s grid is folded into two dimensions', async () => {
    // 33×65 from K = 784 (13 splits, a bias and a ReLU): the sum's 34 workgroups of 64 folded at 3 per row.
    const s = { M: 33, N: 65, K: 784 };
    const rng = new Rng(7);
    const [a, b, bias] = [rng.floats(s.M * s.K), rng.floats(s.K * s.N), rng.floats(s.N)].map((v) => Float32Array.from(v));
    const plain = await gpuMatmul(s, a, b, bias, 'tiled', '8x8x32s', true);
    gridFolding.limit = 3;
    try {
      assertBitEqual(await gpuMatmul(s, a, b, bias, 'tiled', '8x8x32s', true), plain, 'folded');
    } finally {
      gridFolding.limit = undefined;
    }
    // The ReLU moves no value further from the reference than the sum it clamps.
    const expected = matmulForward(s, a, b, bias).map((v) => Math.max(0, v));
    assertWithinDotBound(plain, expected, matmulAbsBound(s, a, b, bias), s.K, 'against the reference');
  });
});

describe('matmul buffers', () => {
  it('accepts buffer ranges: A and B in one buffer, C at an offset', async () => {
    const device = await testDevice();
    const rng = new Rng(11);
    const s = { M: 9, K: 70, N: 11 };
    const a = quantized(rng, s.M * s.K, 4);
    const b = quantized(rng, s.K * s.N, 4);
    const packed = new Float32Array(2048).fill(Number.NaN);
    packed.set(a, 0);
    packed.set(b, 768); // byte offset 3072, a multiple of 256
    const ab = upload(device, packed);
    const c = output(device, 64 + s.M * s.N);
    const d = await createMatmul(device, {
      label: 'mm.ranges', ...s,
      a: { buffer: ab.buffer, offset: 0, size: a.byteLength },
      b: { buffer: ab.buffer, offset: 3072, size: b.byteLength },
      c: { buffer: c.buffer, offset: 256, size: s.M * s.N * 4 },
    });
    await run(device, d.dispatches);
    const out = await readF32(device, c);
    assert(out.subarray(0, 64).every(Number.isNaN), 'C range written before its offset');
    assertClose(out.subarray(64), matmulForward(s, a, b), { atol: 0, rtol: 0 }, 'C (exactly representable data)');
  });

  it('rejects bad shapes, small buffers and aliasing with clear messages', async () => {
    const device = await testDevice();
    const t = (n: number) => createTensor(device, 'bad', [n]).buffer;
    const ok = { label: 'mm', M: 2, N: 3, K: 4, a: t(8), b: t(12), c: t(6) };
    await assertRejects(() => createMatmul(device, { ...ok, M: 0 }), /matmul mm: M must be a positive integer, got 0/, 'M = 0');
    await assertRejects(() => createMatmul(device, { ...ok, N: -3 }), /N must be a positive integer, got -3/, 'negative N');
    await assertRejects(() => createMatmul(device, { ...ok, K: 1.5 }), /K must be a positive integer, got 1.5/, 'fractional K');
    await assertRejects(() => createMatmul(device, { ...ok, K: Number.NaN }), /K must be a positive integer/, 'NaN K');
    await assertRejects(() => createMatmul(device, { ...ok, a: t(4) }), /matmul mm: a holds 16 bytes, needs 32 for \(M, K\) = \(2, 4\) f32/, 'small a');
    await assertRejects(() => createMatmul(device, { ...ok, transB: true, b: { buffer: t(12), size: 44 } }), /b holds 44 bytes, needs 48 for \(N, K\) = \(3, 4\)/, 'small b range');
    await assertRejects(() => createMatmul(device, { ...ok, bias: { buffer: t(4), size: 8 } }), /bias holds 8 bytes, needs 12 for \(N\) = \(3\)/, 'small bias');
    await assertRejects(() => createMatmul(device, { ...ok, c: ok.a }), /c must not share a GPU buffer with a/, 'c aliases a');
    await assertRejects(() => createMatmul(device, { ...ok, variant: 'register', c: { buffer: ok.b, offset: 0, size: 24 } }), /c must not share a GPU buffer with b/, 'c aliases a range of b');
    await assertRejects(() => createMatmul(device, { ...ok, variant: 'fast' as MatmulVariant }), /unknown variant 'fast'/, 'variant');
    await assertRejects(() => createMatmul(device, { ...ok, tile: '99x1x1' }), /matmul mm: unknown tile '99x1x1' \(expected '16x16x16', '8x8x32', '16x8x32', '16x16x8r2', '8x8x32s'\)/, 'tile');
    await assertRejects(() => createMatmul(device, { ...ok, tile: 'constructor' }), /unknown tile 'constructor'/, 'no inherited names');
    const bg = { label: 'bg', rows: 4, cols: 3, dy: t(12), db: t(3) };
    await assertRejects(() => createBiasGrad(device, { ...bg, rows: 0 }), /biasGrad bg: rows must be a positive integer, got 0/, 'rows = 0');
    await assertRejects(() => createBiasGrad(device, { ...bg, cols: 2.5 }), /cols must be a positive integer, got 2.5/, 'fractional cols');
    await assertRejects(() => createBiasGrad(device, { ...bg, rows: 5 }), /dy holds 48 bytes, needs 60 for \(rows, cols\) = \(5, 3\)/, 'small dy');
    await assertRejects(() => createBiasGrad(device, { ...bg, db: bg.dy }), /db must not share a GPU buffer with dy/, 'db aliases dy');
    await assertRejects(() => createBiasGrad(device, { ...bg, variant: 'fast' as MatmulVariant }), /biasGrad bg: unknown variant 'fast'/, 'bias variant');
  });
});

for (const variant of VARIANTS) describe(`bias gradient (column sums, ${variant})`, () => {
  async function gpuColumnSums(dy: Float32Array, rows: number, cols: number): Promise<{ out: Float32Array; passes: number }> {
    const device = await testDevice();
    const db = output(device, cols + 5);
    const list = (await createBiasGrad(device, { label: 'bg', variant, rows, cols, dy: upload(device, dy).buffer, db: db.buffer })).dispatches;
    await run(device, list);
    const all = await readF32(device, db);
    assert(all.subarray(cols).every(Number.isNaN), `rows=${rows} cols=${cols}: written past the end of db`);
    return { out: all.subarray(0, cols), passes: list.length };
  }

  const TALL = [128 * 26 * 26, 32] as const;
  let tallData: Float32Array | undefined;
  const tall = () => (tallData ??= new Rng(3).floats(TALL[0] * TALL[1]));

  // rows 1 and 5, a dense layer's batch, column counts that are not multiples of the 32-wide workgroup
  // (nor of the register variant's 4 columns), just past the one-pass limit, and a conv bias at
  // 128·26·26 rows × 32 channels.
  for (const [rows, cols] of [[1, 1], [1, 10], [5, 3], [128, 10], [1000, 33], [1025, 7], [128 * 26 * 26, 32]] as const) {
    it(`is exact on exactly-representable data: rows=${rows} cols=${cols}`, async () => {
      // Multiples of 1/64 in [-1, 1]: every partial sum of ≤ 2^17 rows is exact in f32, in any order.
      const q = 64;
      const dy = rows === TALL[0] ? tall().map((v) => Math.round(v * q) / q) : quantized(new Rng(rows + cols), rows * cols, 6);
      const { out, passes } = await gpuColumnSums(dy, rows, cols);
      assertBitEqual(out, Float32Array.from(columnSums(dy, rows, cols)), 'db');
      assert(passes === (rows > 1024 ? 2 : 1), `${passes} passes`);
    });
  }

  it('is accurate on general data for a tall input', async () => {
    const [rows, cols] = TALL;
    const dy = tall();
    const { out } = await gpuColumnSums(dy, rows, cols);
    const expected = columnSums(dy, rows, cols);
    const absSums = columnSums(dy.map(Math.abs), rows, cols);
    // Each sum goes through ≈ 2√rows sequential additions (rows of a chunk per thread, then chunks) plus two
    // trees of log2(8) ('tiled'; none for 'register'): the error bound is that depth × u × Σ|dy|, far below the
    // rows × u × Σ|dy| of one long loop.
    const depth = 2 * Math.ceil(Math.sqrt(rows)) + 6;
    for (let j = 0; j < cols; j++) {
      const err = Math.abs(out[j] - expected[j]);
      assert(err <= depth * U * absSums[j], `db[${j}]: got ${out[j]}, expected ${expected[j]}, |err| ${err} > ${depth * U * absSums[j]}`);
    }
  });
});
