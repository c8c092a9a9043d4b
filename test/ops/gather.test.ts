import { createGather, packBytes, type GatherArgs } from '../../src/engine/ops/gather';
import { Rng, shuffledIndices } from '../../src/engine/random';
import { gatherReference } from '../reference/gather';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { output, readF32, readU32, run, testDevice, upload } from '../util/gpu';

// One f32 division by 255, one subtraction of the f32-rounded mean and one division by the f32 std:
// a few ulp of values ≤ 1/0.3081 ≈ 3.3, plus the mean's rounding (~4e-9) under cancellation.
const TOL = { atol: 1e-6, rtol: 1e-6 };
const PADDING = 0xffffffff;

function randomBytes(n: number, max: number, seed: number): Uint8Array {
  const rng = new Rng(seed, 2);
  return Uint8Array.from({ length: n }, () => rng.int(0, max));
}

interface Setup { n: number; imageSize: number; batch: number; order: Uint32Array; mean?: number; std?: number }

async function make(device: GPUDevice, s: Setup, seed: number) {
  const images = randomBytes(s.n * s.imageSize, 255, seed);
  const labels = randomBytes(s.n, 9, seed + 1);
  const x = output(device, s.batch * s.imageSize);
  const y = upload(device, new Uint32Array(s.batch).fill(12345));
  const args: GatherArgs = {
    label: 'gather', batch: s.batch, count: s.order.length, imageSize: s.imageSize,
    images: upload(device, packBytes(images)).buffer, labels: upload(device, packBytes(labels)).buffer,
    order: upload(device, s.order).buffer, x: x.buffer, y: y.buffer, mean: s.mean, std: s.std,
  };
  const op = await createGather(device, args);
  /** Gathers the batch at `start` on the GPU and checks it against the reference. */
  const check = async (start: number, what: string) => {
    op.setStart(start);
    await run(device, op.dispatches);
    const ref = gatherReference(images, labels, s.order, { start, batch: s.batch, imageSize: s.imageSize, mean: s.mean, std: s.std });
    const gx = await readF32(device, x);
    assertClose(gx, ref.x, TOL, `${what}: x`);
    assertBitEqual(await readU32(device, y), ref.y, `${what}: y`);
    return { x: gx, y: ref.y };
  };
  return { op, args, check };
}

describe('gather', () => {
  it('packBytes packs 4 bytes per little-endian word, zero-padded', () => {
    for (const n of [0, 1, 5, 7, 8, 13]) {
      const bytes = randomBytes(n, 255, n);
      const words = packBytes(bytes);
      assertEqual(words.length, Math.ceil(n / 4), `words for ${n} bytes`);
      for (let k = 0; k < 4 * words.length; k++) {
        assertEqual((words[k >> 2] >>> ((k & 3) * 8)) & 0xff, k < n ? bytes[k] : 0, `byte ${k} of ${n}`);
      }
    }
  });

  const cases: [string, Setup, number[]][] = [
    ['N=1, S=5, B=1', { n: 1, imageSize: 5, batch: 1, order: Uint32Array.of(0) }, [0, 1]],
    ['N=37, S=5, B=32 shuffled', { n: 37, imageSize: 5, batch: 32, order: shuffledIndices(37, 1, 0) }, [0, 32]],
    ['N=37, S=7, B=32 shuffled, standardised', { n: 37, imageSize: 7, batch: 32, order: shuffledIndices(37, 1, 1), mean: 0.1307, std: 0.3081 }, [0, 5, 32]],
    ['N=1000, S=784, B=128 shuffled', { n: 1000, imageSize: 784, batch: 128, order: shuffledIndices(1000, 2, 0) }, [0, 384, 896]],
    ['N=1000, S=784, B=1', { n: 1000, imageSize: 784, batch: 1, order: shuffledIndices(1000, 2, 1) }, [0, 999, 1000]],
    ['N=1000, S=784, B=32 standardised', { n: 1000, imageSize: 784, batch: 32, order: shuffledIndices(1000, 3, 0), mean: 0.1307, std: 0.3081 }, [0, 992]],
  ];
  for (const [name, setup, starts] of cases) {
    it(`GPU matches the reference (${name}; starts ${starts.join(', ')})`, async () => {
      const device = await testDevice();
      const g = await make(device, setup, setup.n + setup.imageSize);
      // Sizes that are a multiple of 4 take the 4-pixel path (gather_vec4).
      assertEqual(g.op.dispatches[0].pipeline.label, setup.imageSize % 4 === 0 ? 'gather.gather_vec4' : 'gather.gather', 'entry point');
      for (const start of starts) {
        const { x, y } = await g.check(start, `start ${start}`);
        const rows = Math.max(0, Math.min(setup.batch, setup.n - start));
        assertEqual(y.filter((v) => v !== PADDING).length, rows, `start ${start}: real rows`);
        assert(y.every((v, r) => (r < rows ? v < 10 : v === PADDING)), `start ${start}: padding rows come last`);
        if (setup.mean === undefined) assert(x.every((v) => v >= 0 && v <= 1), `start ${start}: x in [0, 1]`);
        for (let i = rows * setup.imageSize; i < x.length; i++) if (x[i] !== 0) throw new Error(`padding x[${i}] = ${x[i]}`);
      }
    });
  }

  it('standardisation maps bytes 0 and 255 to (0 − mean)/std and (1 − mean)/std', async () => {
    const device = await testDevice();
    const images = Uint8Array.of(0, 255, 128, 1, 254);
    const x = output(device, 5);
    const y = upload(device, new Uint32Array(1));
    const op = await createGather(device, {
      label: 'gather', batch: 1, count: 1, imageSize: 5, images: upload(device, packBytes(images)).buffer,
      labels: upload(device, packBytes(Uint8Array.of(7))).buffer, order: upload(device, Uint32Array.of(0)).buffer,
      x: x.buffer, y: y.buffer, mean: 0.1307, std: 0.3081,
    });
    await run(device, op.dispatches);
    assertClose(await readF32(device, x), Array.from(images, (b) => (b / 255 - 0.1307) / 0.3081), TOL, 'x');
    assertEqual((await readU32(device, y))[0], 7, 'label');
  });

  // imageSize 7: the per-pixel path; 8: the 4-pixel one.
  for (const S of [7, 8]) it(`order entries may point past count (a validation split), and entries past the data are padding (S=${S})`, async () => {
    const device = await testDevice();
    // 10 positions iterating samples 20..29 of a 37-image set, as the trainer's validation split does.
    const order = Uint32Array.from({ length: 10 }, (_, i) => 20 + i);
    const g = await make(device, { n: 37, imageSize: S, batch: 8, order }, 5);
    await g.check(0, 'val start 0');
    await g.check(8, 'val start 8 (6 padding rows)');
    // an order entry beyond the image buffer must not read out of bounds: that row is padding
    const bad = await make(device, { n: 37, imageSize: S, batch: 4, order: Uint32Array.of(3, 1_000_000, 36, 0xfffffffe) }, 6);
    bad.op.setStart(0);
    await run(device, bad.op.dispatches);
    const y = await readU32(device, bad.args.y as GPUBuffer, 4);
    assertEqual(y[1], PADDING, 'sample 1e6 is padding');
    assertEqual(y[3], PADDING, 'sample 2^32 − 2 is padding');
    assert(y[0] < 10 && y[2] < 10, 'valid samples keep their labels');
    const x = await readF32(device, bad.args.x as GPUBuffer, 4 * S);
    assert(x.slice(S, 2 * S).every((v) => v === 0) && x.slice(3 * S).every((v) => v === 0), 'padding rows are zero');
  });

  it('rejects bad sizes, std ≤ 0 and bad starts with clear messages', async () => {
    const device = await testDevice();
    const g = await make(device, { n: 37, imageSize: 5, batch: 4, order: shuffledIndices(37, 1, 0) }, 1);
    const a = g.args;
    await assertRejects(() => createGather(device, { ...a, std: 0 }), /gather \(gather\): std must be a finite number > 0, got 0/, 'std 0');
    await assertRejects(() => createGather(device, { ...a, std: -0.3 }), /std must be a finite number > 0/, 'negative std');
    await assertRejects(() => createGather(device, { ...a, std: Number.NaN }), /std must be a finite number > 0/, 'NaN std');
    await assertRejects(() => createGather(device, { ...a, mean: Number.POSITIVE_INFINITY }), /mean must be a finite number/, 'infinite mean');
    await assertRejects(() => createGather(device, { ...a, batch: 0 }), /batch must be a positive integer, got 0/, 'batch 0');
    await assertRejects(() => createGather(device, { ...a, imageSize: 2.5 }), /imageSize must be a positive integer, got 2.5/, 'fractional image size');
    await assertRejects(() => createGather(device, { ...a, count: 0 }), /count must be a positive integer/, 'count 0');
    await assertRejects(() => createGather(device, { ...a, count: 100 }), /order holds 160 bytes, needs 400/, 'order too short');
    await assertRejects(() => createGather(device, { ...a, batch: 5 }), /x holds 80 bytes, needs 100/, 'x too small');
    await assertRejects(() => g.op.setStart(-1), /start must be a u32 integer, got -1/, 'negative start');
    await assertRejects(() => g.op.setStart(1.5), /start must be a u32 integer/, 'fractional start');
  });
});
