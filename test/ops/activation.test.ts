import {
  ACTIVATIONS, DEFAULT_ALPHA, SOFTMAX_SMALL_COLS, SOFTMAX_WORKGROUP, createActivationBackward, createActivationForward,
  isActivationName, type ActivationName,
} from '../../src/engine/ops/activation';
import { Rng } from '../../src/engine/random';
import { activationBackward, activationForward, type ActShape } from '../reference/activation';
import { assert, assertClose, assertRejects, type Tolerance } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

const ELEMENTWISE = ACTIVATIONS.filter((k) => k !== 'softmax');

// linear/relu copy or zero an f32: exact. leaky_relu: one f32 multiply by f32(α): ½ ulp plus α's own
// rounding. elu/sigmoid/tanh/gelu: WGSL's exp is within 3 + 2|x| ulp, plus a division and a few
// multiplies: ~30 ulp relative at the |x| ≤ 12 used here; atol covers results that are tiny
// differences of f32 values (e.g. gelu near its minimum).
function tolerance(kind: ActivationName): Tolerance {
  if (kind === 'linear' || kind === 'relu') return { atol: 0, rtol: 0 };
  if (kind === 'leaky_relu') return { atol: 0, rtol: 1e-6 };
  if (kind === 'softmax') return SOFTMAX_TOL;
  return { atol: 1e-7, rtol: 1e-5 };
}
// softmax: row sums of up to 1000 f32 terms; backward y ⊙ (dy − Σ dy ⊙ y) cancels where dy ≈ the
// row dot, so its error is absolute, ~cols·ulp(|dy|·max y).
const SOFTMAX_TOL: Tolerance = { atol: 2e-7, rtol: 2e-5 };
const SOFTMAX_BWD_TOL: Tolerance = { atol: 1e-6, rtol: 2e-5 };

/** Random values in ±[margin, hi), away from the kinks at 0 of relu/leaky_relu/elu. */
function awayFromZero(rng: Rng, n: number, margin: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * rng.range(margin, hi));
}

async function runActivation(kind: ActivationName, rows: number, cols: number, xs: Float32Array, dys: Float32Array, alpha?: number) {
  const device = await testDevice();
  const n = rows * cols;
  const x = upload(device, xs);
  const dy = upload(device, dys);
  const y = output(device, n);
  const dx = output(device, n);
  const fwd = await createActivationForward(device, { label: kind, kind, rows, cols, alpha, x: x.buffer, y: y.buffer });
  const bwd = await createActivationBackward(device, { label: kind, kind, rows, cols, alpha, x: x.buffer, y: y.buffer, dy: dy.buffer, dx: dx.buffer });
  await run(device, [...fwd.dispatches, ...bwd.dispatches]);
  return { y: await readF32(device, y), dx: await readF32(device, dx) };
}

/** Runs on the GPU and compares with the reference; the reference backward gets the GPU's y, as the shader does. */
async function compare(kind: ActivationName, rows: number, cols: number, xs: Float32Array, dys: Float32Array, alpha?: number) {
  const got = await runActivation(kind, rows, cols, xs, dys, alpha);
  const shape: ActShape = { rows, cols, alpha: alpha ?? DEFAULT_ALPHA[kind] ?? 0 };
  assertClose(got.y, activationForward(kind, xs, shape), tolerance(kind), `${kind} forward`);
  const bwdTol = kind === 'softmax' ? SOFTMAX_BWD_TOL : tolerance(kind);
  assertClose(got.dx, activationBackward(kind, xs, got.y, dys, shape), bwdTol, `${kind} backward`);
  return got;
}

describe('activation', () => {
  it('names: ACTIVATIONS and isActivationName agree', () => {
    for (const k of ACTIVATIONS) assert(isActivationName(k), `${k} is a name`);
    for (const k of ['swish', 'ReLU', '', 'constructor']) assert(!isActivationName(k), `'${k}' is not a name`);
  });

  const fdCases: [ActivationName, number?][] = [...ACTIVATIONS.map((k): [ActivationName] => [k]), ['leaky_relu', 0.2], ['elu', 0.7]];
  for (const [kind, alpha] of fdCases) {
    it(`reference ${kind}${alpha === undefined ? '' : ` (α ${alpha})`} backward matches finite differences`, () => {
      const rng = new Rng(ACTIVATIONS.indexOf(kind) + 1);
      const s: ActShape = kind === 'softmax' ? { rows: 3, cols: 7, alpha: 0 } : { rows: 1, cols: 40, alpha: alpha ?? DEFAULT_ALPHA[kind] ?? 0 };
      const x = awayFromZero(rng, s.rows * s.cols, 0.01, 4);
      const w = Float64Array.from(rng.floats(x.length));
      const y = activationForward(kind, x, s);
      checkGradient(kind, x, (v) => activationForward(kind, v, s), w, activationBackward(kind, x, y, w, s));
    });
  }

  for (const kind of ELEMENTWISE) {
    for (const n of [1, 255, 257, 10000]) {
      it(`GPU ${kind} forward/backward match the reference (n=${n})`, async () => {
        const rng = new Rng(n * 10 + ACTIVATIONS.indexOf(kind));
        await compare(kind, 1, n, rng.floats(n, -12, 12), rng.floats(n));
      });
    }
  }

  for (const [kind, alpha] of [['leaky_relu', 0.3], ['elu', 0.5]] as const) {
    it(`GPU ${kind} uses the given alpha ${alpha}`, async () => {
      const rng = new Rng(99);
      const xs = rng.floats(300, -5, 5);
      const withAlpha = await compare(kind, 3, 100, xs, rng.floats(300), alpha);
      const byDefault = await runActivation(kind, 3, 100, xs, rng.floats(300));
      assert(withAlpha.y.some((v, i) => v !== byDefault.y[i]), 'alpha changes the output');
    });
  }

  const softmaxCases: [string, number, number][] = [
    ['MNIST logits, one invocation per row', 128, 10],
    ['wide rows, one workgroup per row, cols not a multiple of the workgroup', 3, 1000],
    ['a single element', 1, 1],
    [`widest narrow row (${SOFTMAX_SMALL_COLS})`, 5, SOFTMAX_SMALL_COLS],
    ['narrowest wide row', 7, SOFTMAX_SMALL_COLS + 1],
    ['row a little wider than the workgroup', 2, SOFTMAX_WORKGROUP + 1],
    ['conv feature maps: many narrow rows', 2 * 26 * 26, 32],
  ];
  for (const [what, rows, cols] of softmaxCases) {
    it(`GPU softmax forward/backward match the reference: ${what} (${rows}×${cols})`, async () => {
      const rng = new Rng(rows * 7 + cols);
      const xs = rng.floats(rows * cols, -8, 8);
      const got = await compare('softmax', rows, cols, xs, rng.floats(rows * cols));
      for (let r = 0; r < rows; r++) {
        const sum = got.y.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
        assert(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
      }
    });
  }

  it('large-magnitude inputs (|x| up to 1e4) stay finite and correct', async () => {
    const mags = [1e4, 3000, 1e3, 100, 89, 88, 50, 20, 15, 10.5, 10, 9.5, 1, 1e-3, 1e-7, 0];
    const xs = Float32Array.from(mags.flatMap((m) => [m, -m]));
    const dys = new Float32Array(xs.length).fill(1);
    for (const kind of ELEMENTWISE) {
      const got = await compare(kind, 1, xs.length, xs, dys);
      got.y.forEach((v, i) => assert(Number.isFinite(v), `${kind}(${xs[i]}) = ${v}`));
      got.dx.forEach((v, i) => assert(Number.isFinite(v), `${kind}'(${xs[i]}) = ${v}`));
    }
    // softmax rows mixing ±1e4: exp of the raw values would overflow
    const sm = await compare('softmax', 4, 8, Float32Array.from({ length: 32 }, (_, i) => [1e4, -1e4, 0, 9999][i % 4] * (i % 3 ? 1 : -1)), new Rng(3).floats(32));
    sm.y.forEach((v, i) => assert(Number.isFinite(v), `softmax y[${i}] = ${v}`));
    sm.dx.forEach((v, i) => assert(Number.isFinite(v), `softmax dx[${i}] = ${v}`));
  });

  it('rejects unknown names, bad shapes, bad alpha, short and aliased buffers', async () => {
    const device = await testDevice();
    const x = upload(device, new Float32Array(64));
    const y = output(device, 64);
    const dy = output(device, 64);
    const dx = output(device, 64);
    const args = { label: 'act', kind: 'relu' as ActivationName, rows: 4, cols: 16, x: x.buffer, y: y.buffer };
    const err = await assertRejects(() => createActivationForward(device, { ...args, kind: 'swish' as ActivationName }),
      /unknown activation 'swish'; valid names: linear, relu, leaky_relu, elu, sigmoid, tanh, gelu, softmax/, 'unknown name');
    assert(err.message.startsWith('activation (act.forward)'), `message names the op: ${err.message}`);
    await assertRejects(() => createActivationForward(device, { ...args, rows: 0 }), /rows must be a positive integer, got 0/, 'zero rows');
    await assertRejects(() => createActivationForward(device, { ...args, cols: 1.5 }), /cols must be a positive integer, got 1.5/, 'fractional cols');
    await assertRejects(() => createActivationForward(device, { ...args, kind: 'elu', alpha: Number.NaN }), /alpha must be a finite number, got NaN/, 'NaN alpha');
    const x80 = upload(device, new Float32Array(80));
    await assertRejects(() => createActivationForward(device, { ...args, rows: 5, x: x80.buffer }), /activation \(act.forward\): y holds 256 bytes, needs 320 for 5×16 floats/, 'short y');
    await assertRejects(() => createActivationForward(device, { ...args, y: x.buffer }), /activation \(act.forward\): y must not share a GPU buffer with x/, 'in-place forward');
    await assertRejects(() => createActivationBackward(device, { ...args, kind: 'softmax', dy: dy.buffer, dx: dy.buffer }),
      /activation \(act.backward\): dx must not share a GPU buffer with dy/, 'in-place backward');
    await assertRejects(() => createActivationBackward(device, { ...args, dy: dy.buffer, dx: { buffer: dx.buffer, offset: 0, size: 16 } }),
      /activation \(act.backward\): dx holds 16 bytes, needs 256 for 4×16 floats/, 'short dx range');
  });
});
