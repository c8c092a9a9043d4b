import { createPool2dBackward, createPool2dForward, pool2dOutputSize, type Pool2dShape, type PoolKind } from '../../src/engine/ops/pool';
import { Rng, shuffledIndices } from '../../src/engine/random';
import { poolBackward, poolDims, poolForward } from '../reference/pool';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

// max forward selects an input value: exact. max backward sums at most ⌈pool/stride⌉² f32 dy values
// per element: exact when windows do not overlap (stride ≥ pool, backward_window copies one dy).
// avg sums pool² f32 values of magnitude ≤ 1 and divides: a few ulps of the sum.
const TOL: Record<PoolKind, { forward: { atol: number; rtol: number }; backward: { atol: number; rtol: number } }> = {
  max: { forward: { atol: 0, rtol: 0 }, backward: { atol: 1e-7, rtol: 1e-6 } },
  avg: { forward: { atol: 1e-6, rtol: 1e-5 }, backward: { atol: 1e-7, rtol: 1e-6 } },
};

const EXACT = { atol: 0, rtol: 0 };

const numel = (s: Pool2dShape) => s.batch * s.height * s.width * s.channels;

/** n distinct values in [-1, 1) in random order, at least 2/n apart: no ties for max pooling. */
function distinct(n: number, seed: number): Float64Array {
  const perm = shuffledIndices(n, seed, 0);
  return Float64Array.from(perm, (k) => -1 + (2 * k) / n);
}

async function runPool(shape: Pool2dShape, xs: Float32Array, dys: Float32Array, reluMask = false) {
  const device = await testDevice();
  const o = pool2dOutputSize(shape);
  const nOut = shape.batch * o.height * o.width * shape.channels;
  const x = upload(device, xs);
  const dy = upload(device, dys);
  const y = output(device, nOut);
  const dx = output(device, xs.length);
  const fwd = await createPool2dForward(device, { label: 'pool', shape, x: x.buffer, y: y.buffer });
  const bwd = await createPool2dBackward(device, { label: 'pool', shape, x: x.buffer, dy: dy.buffer, dx: dx.buffer, reluMask });
  await run(device, [...fwd.dispatches, ...bwd.dispatches]);
  const entries = [...fwd.dispatches, ...bwd.dispatches].map((d) => d.pipeline.label).join(' ');
  return { y: await readF32(device, y), dx: await readF32(device, dx), entries };
}

describe('pool2d', () => {
  it('output size follows Keras padding "valid"', () => {
    const s = (height: number, width: number, poolSize: number, stride?: number): Pool2dShape =>
      ({ batch: 1, height, width, channels: 1, poolSize, stride, kind: 'max' });
    for (const [shape, h, w] of [[s(26, 26, 2), 13, 13], [s(11, 11, 2), 5, 5], [s(7, 5, 3, 2), 3, 2], [s(5, 4, 3, 1), 3, 2], [s(3, 3, 3), 1, 1]] as const) {
      const o = pool2dOutputSize(shape);
      assertEqual(`${o.height}×${o.width}`, `${h}×${w}`, `output of ${shape.height}×${shape.width} pool ${shape.poolSize} stride ${shape.stride ?? shape.poolSize}`);
      const d = poolDims(shape);
      assertEqual(`${d.OH}×${d.OW}`, `${h}×${w}`, 'reference output size');
    }
  });

  for (const kind of ['max', 'avg'] as const) {
    for (const [B, H, W, C, P, S] of [[2, 5, 6, 3, 2, 2], [1, 5, 5, 2, 3, 1], [2, 7, 5, 2, 3, 2], [1, 7, 7, 1, 2, 3]]) {
      it(`reference ${kind} backward matches finite differences (${B},${H},${W},${C}) pool ${P} stride ${S}`, () => {
        const shape: Pool2dShape = { batch: B, height: H, width: W, channels: C, poolSize: P, stride: S, kind };
        const x = distinct(numel(shape), B * 100 + H * 10 + P);
        const y = poolForward(shape, x);
        const w = Float64Array.from(new Rng(7).floats(y.length));
        checkGradient(`pool2d ${kind}`, x, (v) => poolForward(shape, v), w, poolBackward(shape, x, w));
      });
    }
  }

  const cases: [string, number, number, number, number, number, number?][] = [
    ['MNIST conv1 output', 2, 26, 26, 32, 2],
    ['odd 11×11 drops the last row/col', 3, 11, 11, 64, 2],
    ['batch 1', 1, 4, 6, 1, 2],
    ['odd sizes, pool 3 stride 2', 2, 7, 5, 3, 3, 2],
    ['overlapping, pool 3 stride 1', 2, 9, 8, 5, 3, 1],
    ['stride > pool leaves gaps', 1, 10, 10, 4, 2, 3],
    ['stride > pool, partial cells at the edges', 2, 11, 10, 3, 2, 3],
    ['pool 3 stride 3, odd 8×7 drops rows/cols', 2, 8, 7, 5, 3, 3],
    ['overlapping, pool 2 stride 1', 1, 5, 6, 3, 2, 1],
    ['overlapping, pool 2 stride 1, 8 channels (forward_vec4 over overlapping windows)', 2, 5, 6, 8, 2, 1],
    ['window = whole image', 3, 5, 5, 7, 5],
  ];
  for (const kind of ['max', 'avg'] as const) {
    for (const [what, B, H, W, C, P, S] of cases) {
      it(`GPU ${kind} forward/backward match the reference: ${what} (${B},${H},${W},${C}) pool ${P}${S ? ` stride ${S}` : ''}`, async () => {
        const shape: Pool2dShape = { batch: B, height: H, width: W, channels: C, poolSize: P, stride: S, kind };
        const rng = new Rng(B * 1000 + H * 10 + C);
        const xs = rng.floats(numel(shape));
        const o = pool2dOutputSize(shape);
        const dys = rng.floats(B * o.height * o.width * C);
        const got = await runPool(shape, xs, dys);
        // 2×2 windows over a multiple of 4 channels take the 4-channel entry points (pool_vec4.wgsl).
        const vec4 = P === 2 && C % 4 === 0;
        assertEqual(got.entries, `pool2d.forward${vec4 ? '_vec4' : ''} pool2d.${(S ?? P) < P ? 'backward' : `backward_window${vec4 && (S ?? P) === 2 ? '_vec4' : ''}`}`, 'entry points');
        assertClose(got.y, poolForward(shape, xs), TOL[kind].forward, `${kind} forward`);
        const tolB = kind === 'max' && (S ?? P) >= P ? EXACT : TOL[kind].backward;
        assertClose(got.dx, poolBackward(shape, xs, dys), tolB, `${kind} backward`);
      });
    }
  }

  // The fused ReLU backward: x is a ReLU's output (a third of it exactly 0, whole windows of zeros
  // included), and dx must equal pool backward followed by ReLU backward, [x > 0]·dx.
  for (const kind of ['max', 'avg'] as const) {
    // 8 channels: the 4-channel entry points where pool = stride = 2.
    for (const [P, S, C] of [[2, 2, 5], [2, 2, 8], [3, 3, 5], [2, 3, 5], [3, 1, 5]]) {
      it(`GPU ${kind} backward with the ReLU mask matches pool then ReLU backward (pool ${P} stride ${S}, ${C} channels)`, async () => {
        const shape: Pool2dShape = { batch: 2, height: 11, width: 9, channels: C, poolSize: P, stride: S, kind };
        const rng = new Rng(P * 10 + S);
        const xs = Float32Array.from(rng.floats(numel(shape)), (v) => Math.max(v + 0.3, 0) * (v > 0.9 ? 0 : 1));
        // Image 0's top-left 3×3 pixels: whole windows of zeros, whose maximum is not positive.
        for (let h = 0; h < 3; h++) xs.fill(0, h * shape.width * shape.channels, (h * shape.width + 3) * shape.channels);
        const o = pool2dOutputSize(shape);
        const dys = rng.floats(shape.batch * o.height * o.width * shape.channels, 0.5, 1);
        const got = await runPool(shape, xs, dys, true);
        const plain = poolBackward(shape, xs, dys);
        const expected = plain.map((g, i) => (xs[i] > 0 ? g : 0));
        assert(expected.some((g, i) => g === 0 && plain[i] !== 0), 'the mask removes some gradient');
        assertClose(got.dx, expected, kind === 'max' && S >= P ? EXACT : TOL[kind].backward, `${kind} backward, masked`);
      });
    }
  }

  // [2, 2]: the unrolled per-window path; [3, 3], [2, 3]: the general per-window loops; [3, 1]: the gather.
  // [2, 2] with 4 channels: the 4-channel path (pool_vec4.wgsl), each channel's ties separately.
  for (const [P, S, C] of [[2, 2, 3], [2, 2, 4], [3, 3, 3], [2, 3, 3], [3, 1, 3]]) {
    it(`max ties: an all-equal window sends its gradient to its first element only (pool ${P} stride ${S}, ${C} channels)`, async () => {
      const shape: Pool2dShape = { batch: 2, height: 6, width: 7, channels: C, poolSize: P, stride: S, kind: 'max' };
      const xs = new Float32Array(numel(shape)).fill(0.5);
      const d = poolDims(shape);
      const dys = new Rng(3).floats(d.B * d.OH * d.OW * d.C, 0.5, 1);
      const got = await runPool(shape, xs, dys);
      const expected = poolBackward(shape, xs, dys);
      assertClose(got.dx, expected, TOL.max.backward, 'tie backward');
      // Independently of the reference: only window top-left corners receive gradient.
      for (let i = 0; i < got.dx.length; i++) {
        const w = Math.floor(i / d.C) % d.W;
        const h = Math.floor(i / (d.C * d.W)) % d.H;
        const corner = h % S === 0 && w % S === 0 && h / S < d.OH && w / S < d.OW;
        assert((got.dx[i] !== 0) === corner, `dx[${i}] (h ${h}, w ${w}) is ${got.dx[i]}, corner: ${corner}`);
      }
      assertBitEqual(got.y, new Float32Array(got.y.length).fill(0.5), 'tie forward');
    });
  }

  it('rejects bad shapes and short buffers with clear messages', async () => {
    const device = await testDevice();
    const x = upload(device, new Float32Array(2 * 4 * 4 * 3));
    const y = output(device, 2 * 2 * 2 * 3);
    const base: Pool2dShape = { batch: 2, height: 4, width: 4, channels: 3, poolSize: 2, kind: 'max' };
    const fwd = (shape: Pool2dShape, yb = y.buffer) => createPool2dForward(device, { label: 'p', shape, x: x.buffer, y: yb });
    await assertRejects(() => fwd({ ...base, poolSize: 5 }), /pool2d: window 5×5 is larger than the input 4×4/, 'window too large');
    await assertRejects(() => fwd({ ...base, width: 3, poolSize: 4 }), /window 4×4 is larger than the input 4×3/, 'window wider than input');
    await assertRejects(() => fwd({ ...base, height: 0 }), /pool2d: height must be a positive integer, got 0/, 'zero height');
    await assertRejects(() => fwd({ ...base, channels: 2.5 }), /channels must be a positive integer, got 2.5/, 'fractional channels');
    await assertRejects(() => fwd({ ...base, stride: 0 }), /stride must be a positive integer, got 0/, 'zero stride');
    await assertRejects(() => fwd({ ...base, kind: 'min' as PoolKind }), /kind must be 'max' or 'avg', got 'min'/, 'unknown kind');
    const small = output(device, 5);
    await assertRejects(() => fwd(base, small.buffer), /pool2d \(p.forward\): y holds \d+ bytes, needs 96 for f32 shape \(2, 2, 2, 3\)/, 'short y');
    await assertRejects(
      () => createPool2dBackward(device, { label: 'p', shape: base, x: x.buffer, dy: y.buffer, dx: small.buffer }),
      /pool2d \(p.backward\): dx holds \d+ bytes, needs 384 for f32 shape \(2, 4, 4, 3\)/, 'short dx');
  });
});
