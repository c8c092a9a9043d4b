// The training gather's augmentation (gather.wgsl with AUGMENT): random shift, rotation and zoom per
// image, drawn from (seed, step, row), bilinear, outside the image 0. Checked against the float64
// reference (test/reference/gather.ts) and for the properties that must hold exactly.
import { createGather, packBytes, symmetricAugmentation, type AugmentArgs, type GatherArgs } from '../../src/engine/ops/gather';
import { Rng, shuffledIndices } from '../../src/engine/random';
import { augmentedGatherReference, augmentTransform } from '../reference/gather';
import { assert, assertBitEqual, assertClose, assertRejects } from '../util/assert';
import { output, readF32, readU32, run, testDevice, upload } from '../util/gpu';

// The bilinear weights and the source coordinates are f32: a coordinate off by ~1e-6 px (|k · d| ≤ 40 px
// times f32 rounding) moves a value by at most that times the largest step between neighbours, 255/255,
// divided by std (≥ 0.3): ~1e-5. 1e-4 leaves room, and a wrong pixel or weight is off by far more.
const TOL = { atol: 1e-4, rtol: 0 };
const PADDING = 0xffffffff;

function randomBytes(n: number, max: number, seed: number): Uint8Array {
  const rng = new Rng(seed, 3);
  return Uint8Array.from({ length: n }, () => rng.int(0, max));
}

interface Setup { n: number; width: number; height: number; batch: number; order: Uint32Array; mean?: number; std?: number }

async function make(device: GPUDevice, s: Setup, augment: Omit<AugmentArgs, 'width' | 'height'> | undefined, seed = 1) {
  const S = s.width * s.height;
  const images = randomBytes(s.n * S, 255, seed);
  const labels = randomBytes(s.n, 9, seed + 1);
  const x = output(device, s.batch * S);
  const y = upload(device, new Uint32Array(s.batch).fill(12345));
  const args: GatherArgs = {
    label: 'gather', batch: s.batch, count: s.order.length, imageSize: S,
    images: upload(device, packBytes(images)).buffer, labels: upload(device, packBytes(labels)).buffer,
    order: upload(device, s.order).buffer, x: x.buffer, y: y.buffer, mean: s.mean, std: s.std,
    augment: augment && { ...augment, width: s.width, height: s.height },
  };
  const op = await createGather(device, args);
  const gather = async (start: number, step: number) => {
    op.setStart(start);
    op.setStep(step);
    await run(device, op.dispatches);
    return { x: await readF32(device, x), y: await readU32(device, y) };
  };
  return { op, args, images, labels, gather };
}

const SHIFT_ROT_ZOOM = { seed: 99, ...symmetricAugmentation({ shift: 3, rotation: 30, zoom: 0.3 }) };
const IDENTITY = { seed: 99, ...symmetricAugmentation({}) };

describe('gather augmentation', () => {
  const cases: [string, Setup, [number, number][]][] = [
    ['28×28, B=5, standardised, padding rows', { n: 9, width: 28, height: 28, batch: 5, order: shuffledIndices(9, 4, 0), mean: 0.1307, std: 0.3081 }, [[0, 1], [5, 2], [5, 3]]],
    ['13×7 (non-square), B=6', { n: 20, width: 13, height: 7, batch: 6, order: shuffledIndices(20, 5, 0) }, [[0, 1], [6, 1], [18, 7]]],
    ['5×9, B=3', { n: 4, width: 5, height: 9, batch: 3, order: shuffledIndices(4, 6, 0), mean: 0.5, std: 0.5 }, [[0, 10], [3, 11]]],
  ];
  for (const [name, setup, runs] of cases) {
    it(`GPU matches the float64 reference (${name})`, async () => {
      const device = await testDevice();
      const g = await make(device, setup, SHIFT_ROT_ZOOM);
      for (const [start, step] of runs) {
        const gpu = await g.gather(start, step);
        const ref = augmentedGatherReference(g.images, g.labels, setup.order, { start, batch: setup.batch, step, augment: g.args.augment!, mean: setup.mean, std: setup.std });
        assertClose(gpu.x, ref.x, TOL, `start ${start}, step ${step}: x`);
        assertBitEqual(gpu.y, ref.y, `start ${start}, step ${step}: y`);
        const S = setup.width * setup.height;
        ref.y.forEach((label, r) => {
          if (label === PADDING) assert(gpu.x.subarray(r * S, (r + 1) * S).every((v) => v === 0), `padding row ${r} is zero`);
        });
      }
      g.op.destroy();
    });
  }

  it('the draws are real-valued and span their ranges', () => {
    const ts = Array.from({ length: 2000 }, (_, r) => augmentTransform({ width: 28, height: 28, ...SHIFT_ROT_ZOOM }, 1, r));
    const span = (f: (t: (typeof ts)[number]) => number) => [Math.min(...ts.map(f)), Math.max(...ts.map(f))];
    const [txMin, txMax] = span((t) => t.tx);
    assert(txMin < -2.9 && txMax > 2.9 && ts.some((t) => !Number.isInteger(t.tx)), `shifts fill [−3, 3]: ${txMin}..${txMax}`);
    const [kMin, kMax] = span((t) => t.k);
    assert(kMin < 0.71 && kMax > 1.29 && kMin >= 0.7 && kMax < 1.3, `zoom in [0.7, 1.3): ${kMin}..${kMax}`);
    const [thMin, thMax] = span((t) => t.theta);
    assert(thMin < -0.5 && thMax > 0.5 && thMax < Math.PI / 6, `rotation in ±30°: ${thMin}..${thMax}`);
  });

  it('zero ranges are exactly the plain gather (no resampling error), at any step', async () => {
    const device = await testDevice();
    const setup: Setup = { n: 12, width: 28, height: 28, batch: 8, order: shuffledIndices(12, 2, 0), mean: 0.1307, std: 0.3081 };
    const plain = await make(device, setup, undefined);
    const still = await make(device, setup, IDENTITY);
    for (const [start, step] of [[0, 1], [8, 5]]) {
      const a = await plain.gather(start, step);
      const b = await still.gather(start, step);
      assertBitEqual(b.x, a.x, `start ${start}: x`);
      assertBitEqual(b.y, a.y, `start ${start}: y`);
    }
  });

  it('a whole-pixel shift with no rotation or zoom moves pixels exactly, filling with 0', async () => {
    const device = await testDevice();
    const setup: Setup = { n: 3, width: 11, height: 6, batch: 3, order: Uint32Array.of(2, 0, 1) };
    const plain = await make(device, setup, undefined);
    const shifted = await make(device, setup, { seed: 5, shiftX: [2, 2], shiftY: [-3, -3], rotation: [0, 0], zoom: [1, 1] });
    const a = await plain.gather(0, 1);
    const b = await shifted.gather(0, 4);
    const { width: W, height: H } = setup;
    for (let r = 0; r < 3; r++) {
      for (let v = 0; v < H; v++) {
        for (let u = 0; u < W; u++) {
          const [su, sv] = [u - 2, v + 3];
          const want = su >= 0 && sv < H ? a.x[r * W * H + sv * W + su] : 0;
          const got = b.x[r * W * H + v * W + u];
          if (!Object.is(got, want)) throw new Error(`row ${r} (${u}, ${v}): ${got}, expected ${want} from (${su}, ${sv})`);
        }
      }
    }
  });

  it('the same (seed, step) gives the same batch; another step or seed another', async () => {
    const device = await testDevice();
    const setup: Setup = { n: 16, width: 28, height: 28, batch: 8, order: shuffledIndices(16, 1, 0) };
    const g = await make(device, setup, SHIFT_ROT_ZOOM);
    const other = await make(device, setup, { ...SHIFT_ROT_ZOOM, seed: 100 });
    const a = await g.gather(0, 3);
    const again = await g.gather(0, 3);
    const next = await g.gather(0, 4);
    const seed = await other.gather(0, 3);
    assertBitEqual(again.x, a.x, 'same step');
    const S = 28 * 28;
    for (let r = 0; r < setup.batch; r++) {
      const row = (x: Float32Array) => x.subarray(r * S, (r + 1) * S);
      assert(row(next.x).some((v, i) => v !== row(a.x)[i]), `row ${r}: step 4 draws a new transform`);
      assert(row(seed.x).some((v, i) => v !== row(a.x)[i]), `row ${r}: another seed draws another transform`);
    }
  });

  it('rejects bad augmentation arguments with clear messages', async () => {
    const device = await testDevice();
    const g = await make(device, { n: 4, width: 5, height: 4, batch: 2, order: Uint32Array.of(0, 1, 2, 3) }, SHIFT_ROT_ZOOM);
    const a = g.args;
    const aug = a.augment!;
    await assertRejects(() => createGather(device, { ...a, augment: { ...aug, width: 4 } }), /gather \(gather\): augmentation needs width × height = imageSize 20, got 4 × 4/, 'size mismatch');
    await assertRejects(() => createGather(device, { ...a, augment: { ...aug, rotation: [-50, 50] } }), /augmentation rotation must be .* within ±45, got \[-50, 50\]/, 'rotation too large');
    await assertRejects(() => createGather(device, { ...a, augment: { ...aug, zoom: [0, 1] } }), /augmentation zoom must be .* lo > 0, got \[0, 1\]/, 'zoom 0');
    await assertRejects(() => createGather(device, { ...a, augment: { ...aug, shiftX: [2, 1] } }), /augmentation shiftX must be a finite range \[lo, hi\] with lo ≤ hi, got \[2, 1\]/, 'reversed range');
    await assertRejects(() => createGather(device, { ...a, augment: { ...aug, shiftY: [0, Number.NaN] } }), /augmentation shiftY must be/, 'NaN');
    await assertRejects(() => g.op.setStep(-1), /step must be a u32 integer, got -1/, 'negative step');
  });
});
