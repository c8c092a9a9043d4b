import { createInit, initLimit, type InitArgs, type InitName } from '../../src/engine/ops/init';
import { createTensor } from '../../src/engine/buffers';
import { deriveSeed } from '../../src/engine/random';
import { refInit, refInitF32, refLimit } from '../reference/init';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { output, readF32, run, testDevice } from '../util/gpu';

// The limit rounded to f32 (≤ 2^-24 relative) and one rounded f32 multiply (≤ 2^-24): ≤ 2^-23 relative
// to the float64 formula, i.e. about 1 ulp. (2u - 1 is exact, so the f32 emulation matches bit for bit.)
const TOL = { atol: 0, rtol: 2 ** -23 };

async function gpuInit(a: Omit<InitArgs, 'label' | 'target'>): Promise<Float32Array> {
  const device = await testDevice();
  const w = output(device, a.n);
  await run(device, (await createInit(device, { label: 'w', target: w.buffer, ...a })).dispatches);
  return readF32(device, w);
}

describe('init', () => {
  const seed = deriveSeed(42, 'init');
  // (kind, n, fanIn, fanOut): single element, sizes around the workgroup, a 3×3×1→32 conv, a 784→128 and
  // a 3136→128 dense kernel (the realistic MNIST sizes).
  const cases: [InitName, number, number, number][] = [
    ['he_uniform', 1, 1, 1], ['glorot_uniform', 255, 9, 288], ['he_uniform', 257, 9, 288],
    ['he_uniform', 100352, 784, 128], ['glorot_uniform', 401408, 3136, 128],
  ];
  for (const [kind, n, fanIn, fanOut] of cases) {
    it(`${kind} on the GPU equals the CPU formula (n=${n}, fan_in=${fanIn}, fan_out=${fanOut})`, async () => {
      const w = await gpuInit({ n, kind, fanIn, fanOut, seed, stream: 3 });
      assertClose(w, refInit(kind, n, fanIn, fanOut, seed, 3), TOL, kind);
      assertBitEqual(w, refInitF32(kind, n, fanIn, fanOut, seed, 3), `${kind} vs the f32 emulation`);
      const limit = Math.fround(refLimit(kind, fanIn, fanOut));
      assert(w.every((v) => v >= -limit && v < limit), `${kind}: a value lies outside [-${limit}, ${limit})`);
    });
  }

  it('has mean 0 and variance limit²/3 within statistical bounds, and reaches both ends', async () => {
    const n = 100003;
    const [fanIn, fanOut] = [800, 10];
    const w = await gpuInit({ n, kind: 'glorot_uniform', fanIn, fanOut, seed: 7, stream: 0 });
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    let sum = 0;
    let sq = 0;
    for (const v of w) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // U(-L, L): Var = L²/3, so the mean's standard error is L/√(3n); Var(w²) = L⁴(1/5 - 1/9) = 4L⁴/45.
    // 6 standard errors: fails for a biased or mis-scaled init, not by chance.
    assert(Math.abs(mean) < (6 * limit) / Math.sqrt(3 * n), `mean ${mean}, limit ${limit}`);
    assert(Math.abs(variance - limit ** 2 / 3) < 6 * Math.sqrt(4 / 45) * limit ** 2 / Math.sqrt(n), `variance ${variance}, expected ${limit ** 2 / 3}`);
    // P(no value within 0.1% of an end) = (1 - 0.0005)^n ≈ e^-50.
    assert(Math.min(...w) < -0.999 * limit && Math.max(...w) > 0.999 * limit, `range [${Math.min(...w)}, ${Math.max(...w)}] does not span ±${limit}`);
  });

  it('different streams and seeds give different weights', async () => {
    const args = { n: 1000, kind: 'he_uniform' as const, fanIn: 25, fanOut: 32, seed };
    const a = await gpuInit({ ...args, stream: 0 });
    const b = await gpuInit({ ...args, stream: 1 });
    const c = await gpuInit({ ...args, seed: seed + 1, stream: 0 });
    for (const [x, what] of [[b, 'stream 1'], [c, 'seed + 1']] as const) {
      const same = a.filter((v, i) => v === x[i]).length;
      assert(same < 10, `${what}: ${same}/1000 values equal those of stream 0`);
    }
  });

  it('zeros writes +0 everywhere (over a NaN-filled target)', async () => {
    const w = await gpuInit({ n: 1025, kind: 'zeros', fanIn: 1, fanOut: 1, seed, stream: 0 });
    assertBitEqual(w, new Float32Array(1025), 'zeros');
  });

  it('ones writes 1 everywhere (batch normalization gamma and moving variance)', async () => {
    const w = await gpuInit({ n: 300, kind: 'ones', fanIn: 1, fanOut: 1, seed, stream: 0 });
    assertBitEqual(w, new Float32Array(300).fill(1), 'ones');
    assertBitEqual(w, refInitF32('ones', 300, 1, 1, seed, 0), 'ones vs the reference');
  });

  it('writes only the bound range, with indices relative to its start', async () => {
    const device = await testDevice();
    const n = 300;
    const total = 1024;
    const buf = output(device, total, 'flat', 7);
    const args = { n, kind: 'glorot_uniform' as const, fanIn: 30, fanOut: 10, seed, stream: 5 };
    await run(device, (await createInit(device, { label: 'w', target: { buffer: buf.buffer, offset: 256, size: n * 4 }, ...args })).dispatches);
    const out = await readF32(device, buf);
    assertBitEqual(out.subarray(64, 64 + n), await gpuInit(args), 'the range equals the same init in its own buffer');
    assertClose(out.subarray(64, 64 + n), refInit(args.kind, n, 30, 10, seed, 5), TOL, 'range vs CPU');
    assert(out.subarray(0, 64).every((v) => v === 7), 'elements before the range are untouched');
    assert(out.subarray(64 + n).every((v) => v === 7), 'elements after the range are untouched');
  });

  it('computes the Keras limits', () => {
    // √(6/6) = 1, √(6/(2 + 4)) = 1, √(6/24) = 0.5, √(6/(10 + 14)) = 0.5.
    assertEqual(initLimit('he_uniform', 6, 1), 1, 'he fan_in 6');
    assertEqual(initLimit('glorot_uniform', 2, 4), 1, 'glorot 2 + 4');
    assertEqual(initLimit('he_uniform', 24, 1), 0.5, 'he fan_in 24');
    assertEqual(initLimit('glorot_uniform', 10, 14), 0.5, 'glorot 10 + 14');
    assertEqual(initLimit('zeros', 0, 0), 0, 'zeros');
  });

  it('rejects bad arguments with clear messages', async () => {
    const device = await testDevice();
    const target = createTensor(device, 'w', [16]).buffer;
    const ok: InitArgs = { label: 'w', n: 16, target, kind: 'he_uniform', fanIn: 9, fanOut: 4, seed: 1, stream: 0 };
    const bad: [Partial<InitArgs>, RegExp][] = [
      [{ kind: 'normal' as never }, /init: unknown kind 'normal'/],
      [{ fanIn: 0 }, /fanIn must be a positive integer, got 0/],
      [{ fanIn: 2.5 }, /fanIn/],
      [{ kind: 'glorot_uniform', fanOut: -1 }, /fanOut must be a positive integer, got -1/],
      [{ n: 0 }, /n must be a positive integer/],
      [{ n: 17 }, /init \(w\): target holds 64 bytes, needs 68 for n = 17 floats/],
      [{ target: { buffer: target, offset: 0, size: 32 } }, /init \(w\): target holds 32 bytes, needs 64 for n = 16 floats/],
      [{ seed: -1 }, /seed must be an integer in \[0, 2\^32\)/],
      [{ seed: 1.5 }, /seed/],
      [{ stream: 2 ** 32 }, /stream must be an integer/],
    ];
    for (const [patch, re] of bad) await assertRejects(() => createInit(device, { ...ok, ...patch }), re, JSON.stringify(Object.keys(patch)));
  });
});
