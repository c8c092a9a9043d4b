// conv2d's pixel-major backward_input (ops/conv2d-pixel-dx.ts, shaders/conv2d_pixel_dx.wgsl) against the
// float64 reference (test/reference/conv2d.ts, checked by central differences in conv2d.test.ts), at both
// lane block sides, on shapes that are not block multiples: batches that leave a pixel's last blocks part
// empty, channel counts with an odd number of column blocks or a half-empty 16-wide one, non-square
// kernels, 'same' padding, crops that leave dx pixels no tap reaches (stored 0: the output starts NaN).
import { createConv2dBackwardInput, type Conv2dShape } from '../../src/engine/ops/conv2d';
import { createTensor, readF32 } from '../../src/engine/buffers';
import { hasQuads } from '../../src/engine/kernel-variant';
import { directDxWaste, pixelDxBlocksPerPixel, pixelDxRuns } from '../../src/engine/ops/conv2d-pixel-dx';
import { Rng } from '../../src/engine/random';
import { conv2dBackwardInputRef, conv2dShape, conv2dSizes } from '../reference/conv2d';
import { abs, assert, assertClose, assertDot, assertEqual, assertRejects } from '../util/assert';
import { output, run, testDevice, upload } from '../util/gpu';

const shape = conv2dShape;

/** The cnn's conv2d_2 (13×13×32 → 64, 3×3), cropped to the 10×10 its pooling reads. */
const CNN_CONV2 = (batch: number) => shape(batch, 13, 13, 32, 64, 3, 3, 'valid', [10, 10]);

const CASES: [string, Conv2dShape][] = [
  ["the cnn's conv2d_2, batch 33 (a pixel's last blocks hold 1 image)", CNN_CONV2(33)],
  ["'valid' 2×5 kernel, 24 channels (3 column blocks of 8; 16-wide: the second half past Cin), batch 5", shape(5, 7, 9, 24, 8, 2, 5, 'valid')],
  ["'same' 4×3 kernel, Cout 4 (one step a tap), odd sizes, batch 3", shape(3, 9, 5, 8, 4, 4, 3, 'same')],
  // Only the output's first 3×2 kept: dx rows 5..8 and columns 4..6 get no tap and must be 0.
  ["'valid' 3×3 cropped to 3×2 (dx pixels no tap reaches), batch 18", shape(18, 9, 7, 16, 12, 3, 3, 'valid', [3, 2])],
];

describe('conv2d pixel-major backward_input', () => {
  for (const side of [8, 16] as const) for (const [name, s] of CASES) {
    it(`matches the reference (${side}×${side} lane blocks, ${name})`, async () => {
      const device = await testDevice();
      assert(hasQuads(device), "the test browser's SwiftShader has subgroups of 4");
      const rng = new Rng(s.batch * 97 + s.kernelWidth * 7 + side);
      const n = conv2dSizes(s);
      const ws = rng.floats(n.w);
      const dys = rng.floats(n.y);
      const [w, dy] = [ws, dys].map((d) => upload(device, d));
      const dx = output(device, n.x);
      const op = await createConv2dBackwardInput(device, {
        label: 'conv', shape: s, variant: 'register', tile: 'quad', quadSide: side, pixel: true, dy: dy.buffer, w: w.buffer, dx: dx.buffer,
      });
      assertEqual(op.dispatches.map((d) => d.pipeline.label).join(), `conv2d.backward_input.pixel${side === 16 ? '16' : ''}`, 'the kernel');
      await run(device, op.dispatches);
      assertDot(await readF32(device, dx), conv2dBackwardInputRef(s, dys, ws), conv2dBackwardInputRef(s, abs(dys), abs(ws)),
        s.kernelHeight * s.kernelWidth * s.outChannels, 'backward_input');
      op.destroy();
    });
  }

  it('counts the direct GEMM\'s waste and its own, and runs where it computes fewer products', async () => {
    const device = await testDevice();
    // conv2d_2 cropped: dx rows reached by 1, 2, 3 (×8), 2, 1, 0 taps: 30 per axis, 900 of 169·9 products real.
    assertClose([directDxWaste(CNN_CONV2(128))], [(169 * 9) / 900], { atol: 1e-12, rtol: 0 }, 'cropped conv2d_2');
    assertClose([directDxWaste(shape(1, 13, 13, 32, 64, 3, 3, 'valid'))], [(169 * 9) / (33 * 33)], { atol: 1e-12, rtol: 0 }, 'conv2d_2');
    assertEqual(directDxWaste(shape(2, 6, 6, 8, 8, 1, 1, 'same')), 1, "1×1 'same': no waste");
    assertEqual(pixelDxBlocksPerPixel(128, 16), 8, 'batch 128, 16-wide');
    assertEqual(pixelDxBlocksPerPixel(33, 8), 6, 'batch 33, 8-wide (48 rows)');
    assertEqual(pixelDxBlocksPerPixel(1, 8), 2, 'batch 1, 8-wide (16 rows)');
    // The training batches of the README (no row padding) take it; batch 1 (16 rows a pixel) does not.
    assert(pixelDxRuns(device, CNN_CONV2(128), 16) && pixelDxRuns(device, CNN_CONV2(32), 8), 'cnn at batch 32 and 128');
    assert(!pixelDxRuns(device, CNN_CONV2(1), 8), 'batch 1');
    assert(!pixelDxRuns(device, shape(32, 6, 6, 8, 8, 1, 1, 'same'), 8), 'nothing to save');
    assert(!pixelDxRuns(device, shape(32, 13, 13, 12, 64, 3, 3, 'valid'), 8), 'Cin not a multiple of 8');
    // Through the op: the rule picks it, or the direct quad kernel.
    const label = async (s: Conv2dShape) => {
      const n = conv2dSizes(s);
      const [w, dy, dx] = [n.w, n.y, n.x].map((k) => createTensor(device, 'rule', [k]));
      const op = await createConv2dBackwardInput(device, { label: 'conv', shape: s, variant: 'register', tile: 'quad', w: w.buffer, dy: dy.buffer, dx: dx.buffer });
      const out = op.dispatches.map((d) => d.pipeline.label).join();
      op.destroy();
      for (const t of [w, dy, dx]) t.buffer.destroy();
      return out;
    };
    assertEqual(await label(CNN_CONV2(128)), 'conv2d.backward_input.pixel16', 'batch 128');
    assertEqual(await label(CNN_CONV2(32)), 'conv2d.backward_input.pixel', 'batch 32');
    assertEqual(await label(CNN_CONV2(1)), 'conv2d.backward_input.register.quad', 'batch 1');
  });

  it('refuses channel counts its vec4 steps and 8-wide stores cannot take', async () => {
    const device = await testDevice();
    for (const [s, got] of [[shape(2, 7, 7, 12, 8, 3, 3, 'valid'), 'Cin 12, Cout 8'], [shape(2, 7, 7, 8, 6, 3, 3, 'valid'), 'Cin 8, Cout 6']] as const) {
      const n = conv2dSizes(s);
      const [w, dy, dx] = [n.w, n.y, n.x].map((k) => createTensor(device, 'refuse', [k]));
      await assertRejects(() => createConv2dBackwardInput(device, { label: 'conv', shape: s, variant: 'register', tile: 'quad', pixel: true, w: w.buffer, dy: dy.buffer, dx: dx.buffer }),
        new RegExp(`conv\\.backward_input: pixel-major backward_input needs subgroup quads, Cin a multiple of 8 and Cout of 4, got ${got}`), got);
      for (const t of [w, dy, dx]) t.buffer.destroy();
    }
  });
});
