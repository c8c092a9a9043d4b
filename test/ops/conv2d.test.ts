import {
  conv2dOutputSize, createConv2dBackwardInput, createConv2dBackwardWeight, createConv2dForward, preferredKernels, type Conv2dShape,
  type KernelVariant,
} from '../../src/engine/ops/conv2d';
import { createTensor, readF32 } from '../../src/engine/buffers';
import { hasQuads } from '../../src/engine/kernel-variant';
import { pixelDxRuns } from '../../src/engine/ops/conv2d-pixel-dx';
import { registerVec4 } from '../../src/engine/ops/conv2d-register';
import { Rng } from '../../src/engine/random';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dForwardRef, conv2dShape, conv2dSizes } from '../reference/conv2d';
import { abs, assert, assertClose, assertDot, assertEqual, assertRejects } from '../util/assert';
import { checkGradient, toF64 } from '../util/gradcheck';
import { output, run, testDevice, upload } from '../util/gpu';

const VARIANTS: KernelVariant[] = ['tiled', 'register'];
/**
 * Every implementation the autotuner can pick; 'register:quad' runs where all three passes read whole vec4s,
 * with 16×16 lane blocks in forward and backward_input (quadSide 16) where the GEMM is large (QUAD16_MIN_MACS).
 */
const CANDIDATES: { variant: KernelVariant; tile?: string; quadSide?: 8 | 16 }[] = [
  ...VARIANTS.map((variant) => ({ variant })), { variant: 'register', tile: 'quad' }, { variant: 'register', tile: 'quad', quadSide: 16 },
];
const candidateName = (c: { variant: KernelVariant; tile?: string; quadSide?: number }) => (c.tile ? `${c.variant}:${c.tile}${c.quadSide === 16 ? '16' : ''}` : c.variant);
/** Whether every pass of a shape takes the quad form (and so is worth testing at 'register:quad'). */
const quadShape = (s: Conv2dShape) => (['forward', 'backward_input', 'backward_weight'] as const).every((p) => registerVec4(p, s.inChannels, s.outChannels));

const shape = conv2dShape;

describe('conv2d', () => {
  describe('CPU reference', () => {
    // An impulse at input (i, j) through a kernel impulse at (ky, kx) lands at (i − ky + top, j − kx + left),
    // top = ⌊(KH − 1)/2⌋ for 'same' (TensorFlow: the odd padding row goes to the bottom), 0 for 'valid'.
    for (const [kh, kw, padding] of [[2, 2, 'same'], [4, 3, 'same'], [5, 5, 'same'], [3, 2, 'valid']] as const) {
      it(`places impulses like TensorFlow (${kh}×${kw} kernel, '${padding}')`, () => {
        const s = shape(1, 5, 6, 1, 1, kh, kw, padding);
        const o = conv2dOutputSize(s);
        const top = padding === 'same' ? (kh - 1) >> 1 : 0;
        const left = padding === 'same' ? (kw - 1) >> 1 : 0;
        for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
          const x = new Float64Array(30);
          x[i * 6 + j] = 1;
          const w = new Float64Array(kh * kw);
          w[ky * kw + kx] = 1;
          const y = conv2dForwardRef(s, x, w);
          const expected = new Float64Array(o.height * o.width);
          const oy = i - ky + top;
          const ox = j - kx + left;
          if (oy >= 0 && oy < o.height && ox >= 0 && ox < o.width) expected[oy * o.width + ox] = 1;
          assertClose(y, expected, { atol: 0, rtol: 0 }, `impulse x(${i},${j}) w(${ky},${kx})`);
        }
      });
    }

    for (const s of [
      shape(2, 5, 4, 2, 3, 3, 2, 'valid'),
      shape(1, 4, 5, 2, 2, 2, 2, 'same'),
      shape(2, 5, 4, 1, 2, 4, 3, 'same'),
      shape(1, 3, 4, 2, 2, 5, 5, 'same'), // kernel larger than the input
    ]) {
      it(`backward matches finite differences (${JSON.stringify(s)})`, () => {
        const rng = new Rng(s.height * 100 + s.kernelHeight);
        const n = conv2dSizes(s);
        const x = toF64(rng.floats(n.x));
        const w = toF64(rng.floats(n.w));
        const bias = toF64(rng.floats(s.outChannels));
        const dy = rng.floats(n.y);
        checkGradient('conv2d dx', x, (v) => conv2dForwardRef(s, v, w, bias), dy, conv2dBackwardInputRef(s, dy, w));
        checkGradient('conv2d dw', w, (v) => conv2dForwardRef(s, x, v, bias), dy, conv2dBackwardWeightRef(s, x, dy));
        checkGradient('conv2d db', bias, (v) => conv2dForwardRef(s, x, w, v), dy, conv2dBackwardBiasRef(s.outChannels, dy));
      });
    }
  });

  /** Shapes drawn at random (a fixed seed, so a failure reproduces), beside the chosen ones: sizes, channels, kernel, padding, bias. */
  function randomCases(count: number): [string, Conv2dShape, boolean][] {
    const rng = new Rng(20261204);
    return Array.from({ length: count }, (_, i) => {
      const [h, w] = [rng.int(3, 14), rng.int(3, 14)];
      const padding = rng.uniform() < 0.5 ? 'same' : 'valid';
      const s = shape(rng.int(1, 4), h, w, rng.int(1, 20), rng.int(1, 40), rng.int(1, Math.min(5, h)), rng.int(1, Math.min(5, w)), padding);
      return [`random shape ${i + 1}: batch ${s.batch}, ${h}×${w}×${s.inChannels} → ${s.outChannels}, ${s.kernelHeight}×${s.kernelWidth} '${padding}'`, s, rng.uniform() < 0.5];
    });
  }

  const CASES: [string, Conv2dShape, boolean][] = [
    ['batch 1, 7×5 input, 3×2 kernel', shape(1, 7, 5, 3, 5, 3, 2, 'valid'), true],
    ["'same' 2×2 kernel", shape(2, 6, 7, 2, 3, 2, 2, 'same'), false],
    ["'same' 4×3 kernel", shape(3, 9, 5, 5, 7, 4, 3, 'same'), true],
    ["'same' 5×5 kernel taller than the input", shape(2, 4, 6, 3, 17, 5, 5, 'same'), true],
    ["'same' 3×3, 20 → 40 channels", shape(2, 8, 11, 20, 40, 3, 3, 'same'), true],
    ['1×1 kernel, 33 → 65 channels', shape(2, 10, 9, 33, 65, 1, 1, 'valid'), true],
    ['kernel equal to the input', shape(3, 5, 4, 4, 6, 5, 4, 'valid'), false],
    ['MNIST conv1, batch 4', shape(4, 28, 28, 1, 32, 3, 3, 'valid'), true],
    ["'same' 3×3, 8 → 16 channels (whole vec4 loads)", shape(2, 6, 7, 8, 16, 3, 3, 'same'), false],
    // Cropped (the rows and columns a following pooling reads): 12×9 → 11×8 and, below, 5×7 → 4×6.
    ['MNIST conv2 channels, batch 5, 2×3 kernel on 13×11, cropped to 11×8', { ...shape(5, 13, 11, 32, 64, 2, 3, 'valid'), crop: [11, 8] }, true],
    ['MNIST conv2, batch 12', shape(12, 13, 13, 32, 64, 3, 3, 'valid'), true],
    // An odd number of column blocks (24 channels: 3) for the quad forms' 2×2 squares of blocks.
    ["'same' 3×3, 16 → 24 channels (whole vec4 loads), odd B·H·W, cropped to 4×6", { ...shape(3, 5, 7, 16, 24, 3, 3, 'same'), crop: [4, 6] }, true],
    ...randomCases(3),
  ];

  for (const candidate of CANDIDATES) for (const [name, s, withBias] of CASES.filter(([, s]) => !candidate.tile || quadShape(s))) {
    const { variant, tile, quadSide } = candidate;
    it(`GPU forward, backward_input, backward_weight match the reference ('${candidateName(candidate)}', ${name})`, async () => {
      const device = await testDevice();
      const rng = new Rng(s.batch * 1000 + s.height * 10 + s.kernelWidth);
      const n = conv2dSizes(s);
      const xs = rng.floats(n.x);
      const ws = rng.floats(n.w);
      const bs = rng.floats(s.outChannels);
      const dys = rng.floats(n.y);
      const [x, w, b, dy] = [xs, ws, bs, dys].map((d) => upload(device, d));
      const y = output(device, n.y);
      const dx = output(device, n.x);
      const dw = output(device, n.w);
      const db = output(device, s.outChannels);
      const common = { label: 'conv', shape: s, variant, tile, quadSide };
      const list = [
        ...(await createConv2dForward(device, { ...common, x: x.buffer, w: w.buffer, bias: withBias ? b.buffer : undefined, y: y.buffer })).dispatches,
        ...(await createConv2dBackwardInput(device, { ...common, dy: dy.buffer, w: w.buffer, dx: dx.buffer })).dispatches,
        // With a bias, its gradient too (the fused bias row of 'register' when it fits, else column sums).
        ...(await createConv2dBackwardWeight(device, { ...common, x: x.buffer, dy: dy.buffer, dw: dw.buffer, db: withBias ? db.buffer : undefined })).dispatches,
      ];
      // The quad form must run where asked for (the test browser's SwiftShader has subgroups of 4).
      const side = quadSide === 16 ? '16' : '';
      if (tile) assert(hasQuads(device), 'the test browser\'s SwiftShader has subgroups of 4');
      // backward_input pixel-major where the 'full' padding wastes more than its rows' padding (pixelDxRuns).
      const pixel = tile !== undefined && pixelDxRuns(device, s, quadSide ?? 8);
      const bi = pixel ? `conv2d.backward_input.pixel${side}` : `conv2d.backward_input.register.quad${side}`;
      if (tile) assertEqual(list.map((d) => d.pipeline.label).filter((l) => /\.(quad|pixel)(16)?$/.test(l)).join(),
        `conv2d.forward.register.quad${side},${bi},conv2d.backward_weight.register.quad`, 'the quad kernels');
      await run(device, list);
      const o = conv2dOutputSize(s);
      const taps = s.kernelHeight * s.kernelWidth;
      const bias = withBias ? bs : undefined;
      assertDot(await readF32(device, y), conv2dForwardRef(s, xs, ws, bias),
        conv2dForwardRef(s, abs(xs), abs(ws), bias && abs(bias)), taps * s.inChannels + 1, 'forward');
      assertDot(await readF32(device, dx), conv2dBackwardInputRef(s, dys, ws),
        conv2dBackwardInputRef(s, abs(dys), abs(ws)), taps * s.outChannels, 'backward_input');
      assertDot(await readF32(device, dw), conv2dBackwardWeightRef(s, xs, dys),
        conv2dBackwardWeightRef(s, abs(xs), abs(dys)), s.batch * o.height * o.width, 'backward_weight');
      if (withBias) {
        assertDot(await readF32(device, db), conv2dBackwardBiasRef(s.outChannels, dys), conv2dBackwardBiasRef(s.outChannels, abs(dys)),
          s.batch * o.height * o.width, 'backward_bias');
      }
    });
  }

  for (const variant of VARIANTS) {
    it(`splits the weight-gradient reduction for MNIST shapes, not for tiny ones ('${variant}')`, async () => {
      const device = await testDevice();
      const count = async (s: Conv2dShape) => {
        const n = conv2dSizes(s);
        const [x, dy, dw] = [n.x, n.y, n.w].map((k) => createTensor(device, 'count', [k]));
        return (await createConv2dBackwardWeight(device, { label: 'conv', shape: s, variant, x: x.buffer, dy: dy.buffer, dw: dw.buffer })).dispatches.length;
      };
      assertEqual(await count(shape(128, 28, 28, 1, 32, 3, 3, 'valid')), 2, 'conv1 dispatches');
      assertEqual(await count(shape(128, 13, 13, 32, 64, 3, 3, 'valid')), 2, 'conv2 dispatches');
      assertEqual(await count(shape(1, 7, 5, 3, 5, 3, 2, 'valid')), 1, 'tiny conv dispatches');
      // With the bias gradient: 'register' reduces the fused bias row's partials too (one more
      // dispatch, even for one split) where the row fits in the last row block (conv1: 9 rows), else
      // (conv2: 288 rows) and for 'tiled' the column sums follow (two passes for 86528 or 15488 rows).
      const withBias = async (s: Conv2dShape) => {
        const n = conv2dSizes(s);
        const [x, dy, dw, db] = [n.x, n.y, n.w, s.outChannels].map((k) => createTensor(device, 'count', [k]));
        return (await createConv2dBackwardWeight(device, { label: 'conv', shape: s, variant, x: x.buffer, dy: dy.buffer, dw: dw.buffer, db: db.buffer })).dispatches.map((d) => d.label);
      };
      assertEqual((await withBias(shape(128, 28, 28, 1, 32, 3, 3, 'valid'))).join(' '), variant === 'register'
        ? 'conv.backward_weight conv.backward_weight.reduce conv.backward_weight.reduce_bias'
        : 'conv.backward_weight conv.backward_weight.reduce conv.backward_bias.chunks conv.backward_bias.sum', 'conv1 dispatches with db');
      assertEqual((await withBias(shape(128, 13, 13, 32, 64, 3, 3, 'valid'))).join(' '),
        'conv.backward_weight conv.backward_weight.reduce conv.backward_bias.chunks conv.backward_bias.sum', 'conv2 dispatches with db');
      assertEqual((await withBias(shape(1, 7, 5, 3, 5, 3, 2, 'valid'))).length, 3 - (variant === 'register' ? 0 : 1), 'tiny conv dispatches with db');
    });
  }

  for (const { variant, tile, quadSide } of CANDIDATES) {
    const relus = [['MNIST conv1, batch 3', shape(3, 28, 28, 1, 32, 3, 3, 'valid')], ["'same' 3×2, 5 → 11 channels", shape(2, 7, 6, 5, 11, 3, 2, 'same')],
      ["'same' 3×3, 8 → 24 channels", shape(2, 5, 7, 8, 24, 3, 3, 'same')]] as const;
    for (const [name, s] of relus.filter(([, s]) => !tile || quadShape(s))) {
      it(`forward with the fused ReLU is max(reference, 0) ('${candidateName({ variant, tile, quadSide })}', ${name})`, async () => {
        const device = await testDevice();
        const rng = new Rng(s.height * 7 + s.outChannels);
        const n = conv2dSizes(s);
        const [xs, ws, bs] = [rng.floats(n.x), rng.floats(n.w), rng.floats(s.outChannels)];
        const [x, w, b] = [xs, ws, bs].map((d) => upload(device, d));
        const y = output(device, n.y);
        await run(device, (await createConv2dForward(device, { label: 'conv', shape: s, variant, tile, quadSide, x: x.buffer, w: w.buffer, bias: b.buffer, y: y.buffer, relu: true })).dispatches);
        const exact = conv2dForwardRef(s, xs, ws, bs);
        assert(exact.some((v) => v < 0) && exact.some((v) => v > 0), 'both signs before the ReLU');
        assertDot(await readF32(device, y), exact.map((v) => Math.max(v, 0)), conv2dForwardRef(s, abs(xs), abs(ws), abs(bs)),
          s.kernelHeight * s.kernelWidth * s.inChannels + 1, 'forward + relu');
      });
    }
  }

  it('register:quad takes 16×16 lane blocks by itself for large GEMMs only (forward, backward_input)', async () => {
    const device = await testDevice();
    // The cnn's conv2d_2 (13×13×32 → 64, 3×3): forward M·N·K = B·121·64·288, 2^27 from batch 60.
    const labels = async (batch: number) => {
      const s = shape(batch, 13, 13, 32, 64, 3, 3, 'valid');
      const n = conv2dSizes(s);
      const [x, w, y] = [n.x, n.w, n.y].map((k) => createTensor(device, 'q', [k]));
      const common = { label: 'conv', shape: s, variant: 'register' as const, tile: 'quad' };
      const ops = [await createConv2dForward(device, { ...common, x: x.buffer, w: w.buffer, y: y.buffer }),
        // The direct kernel's rule (the pixel-major kernel takes the GEMM's, tested in conv2d-pixel-dx.test.ts).
        await createConv2dBackwardInput(device, { ...common, pixel: false, dy: y.buffer, w: w.buffer, dx: x.buffer })];
      const out = ops.map((o) => o.dispatches[0].pipeline.label).join();
      for (const o of ops) o.destroy();
      for (const t of [x, w, y]) t.buffer.destroy();
      return out;
    };
    assertEqual(await labels(64), 'conv2d.forward.register.quad16,conv2d.backward_input.register.quad16', 'batch 64: 16×16');
    assertEqual(await labels(32), 'conv2d.forward.register.quad,conv2d.backward_input.register.quad', 'batch 32: 8×8');
  });

  for (const variant of VARIANTS) it(`reads and writes buffer ranges at their offsets ('${variant}')`, async () => {
    const device = await testDevice();
    const s = shape(2, 6, 5, 3, 4, 3, 3, 'same');
    const n = conv2dSizes(s);
    const rng = new Rng(77);
    const xs = rng.floats(n.x);
    const ws = rng.floats(n.w);
    // x at offset 256 B of one buffer, y at offset 512 B of another, the rest NaN.
    const xBuf = createTensor(device, 'xr', [64 + n.x + 7], Float32Array.from({ length: 64 + n.x + 7 }, (_, i) => (i >= 64 && i < 64 + n.x ? xs[i - 64] : Number.NaN)));
    const yBuf = output(device, 128 + n.y + 5);
    const w = upload(device, ws);
    const fwd = await createConv2dForward(device, {
      label: 'conv', shape: s, variant, w: w.buffer,
      x: { buffer: xBuf.buffer, offset: 256, size: n.x * 4 },
      y: { buffer: yBuf.buffer, offset: 512, size: n.y * 4 },
    });
    await run(device, fwd.dispatches);
    const all = await readF32(device, yBuf);
    assertDot(all.subarray(128, 128 + n.y), conv2dForwardRef(s, xs, ws), conv2dForwardRef(s, abs(xs), abs(ws)), 27, 'forward on ranges');
    assert(all.subarray(0, 128).every(Number.isNaN) && all.subarray(128 + n.y).every(Number.isNaN), 'nothing written outside the y range');
  });

  it('rejects impossible shapes and short buffers with clear messages', async () => {
    const device = await testDevice();
    assertEqual(JSON.stringify(conv2dOutputSize(shape(1, 3, 3, 1, 1, 5, 5, 'same'))), '{"height":3,"width":3}', "'same' output size");
    await assertRejects(() => conv2dOutputSize(shape(1, 3, 3, 1, 1, 5, 5, 'valid')), /conv2d: kernel 5×5 is larger than the padded input 3×3/, 'kernel > input');
    await assertRejects(() => conv2dOutputSize(shape(1, 4, 3, 1, 1, 2, 4, 'valid')), /kernel 2×4 is larger than the padded input 4×3/, 'kernel wider than input');
    await assertRejects(() => conv2dOutputSize(shape(0, 3, 3, 1, 1, 1, 1, 'valid')), /conv2d: batch must be a positive integer, got 0/, 'batch 0');
    await assertRejects(() => conv2dOutputSize(shape(1, 2.5, 3, 1, 1, 1, 1, 'valid')), /height must be a positive integer, got 2.5/, 'fractional height');
    await assertRejects(() => conv2dOutputSize(shape(1, 3, 3, 1, -2, 1, 1, 'valid')), /outChannels must be a positive integer/, 'negative channels');
    await assertRejects(() => conv2dOutputSize({ ...shape(1, 3, 3, 1, 1, 1, 1, 'valid'), padding: 'full' as 'same' }), /padding must be 'valid' or 'same', got 'full'/, 'bad padding');
    await assertRejects(() => conv2dOutputSize({ ...shape(1, 5, 5, 1, 1, 3, 3, 'valid'), crop: [3, 4] }), /crop 3×4 must keep 1 to 3×3 \(the output\) rows and columns/, 'crop past the output');
    const s = shape(2, 4, 4, 3, 5, 3, 3, 'valid'); // x 96, w 135, y 40 floats
    const t = (k: number) => output(device, k).buffer;
    await assertRejects(() => createConv2dForward(device, { label: 'c1', shape: s, x: t(92), w: t(135), y: t(40) }),
      /c1\.forward: x holds 368 bytes, needs 384 for \(B, H, W, Cin\) = \(2, 4, 4, 3\) f32/, 'short x');
    await assertRejects(() => createConv2dForward(device, { label: 'c1', shape: s, x: t(96), w: t(135), bias: t(4), y: t(40) }),
      /c1\.forward: bias holds 16 bytes, needs 20 for \(Cout\) = \(5\) f32/, 'short bias');
    await assertRejects(() => createConv2dBackwardInput(device, { label: 'c1', shape: s, variant: 'register', dy: t(40), w: t(135), dx: t(92) }),
      /c1\.backward_input: dx holds 368 bytes, needs 384 for \(B, H, W, Cin\)/, 'short dx');
    await assertRejects(() => createConv2dBackwardWeight(device, { label: 'c1', shape: s, x: t(96), dy: { buffer: t(40), offset: 0, size: 39 * 4 }, dw: t(135) }),
      /c1\.backward_weight: dy holds 156 bytes, needs 160 for \(B, OH, OW, Cout\) = \(2, 2, 2, 5\) f32/, 'short dy range');
    await assertRejects(() => createConv2dBackwardInput(device, { label: 'c1', shape: { ...s, kernelHeight: 6 }, dy: t(40), w: t(200), dx: t(96) }), /kernel 6×3 is larger than the padded input 4×4/, 'kernel > input at creation');
    const xw = t(135);
    await assertRejects(() => createConv2dForward(device, { label: 'c1', shape: s, x: xw, w: t(135), y: { buffer: xw, offset: 0, size: 160 } }),
      /c1\.forward: y must not share a GPU buffer with x/, 'y aliases x');
    await assertRejects(() => createConv2dBackwardWeight(device, { label: 'c1', shape: s, variant: 'register', x: t(96), dy: xw, dw: xw }),
      /c1\.backward_weight: dw must not share a GPU buffer with dy/, 'dw aliases dy');
    await assertRejects(() => createConv2dForward(device, { label: 'c1', shape: s, variant: 'fast' as KernelVariant, x: t(96), w: t(135), y: t(40) }),
      /c1\.forward: unknown variant 'fast'/, 'unknown variant');
    await assertRejects(() => createConv2dForward(device, { label: 'c1', shape: s, variant: 'tiled', tile: 'quad', x: t(96), w: t(135), y: t(40) }),
      /c1\.forward: unknown tiling 'quad' for tiled/, 'quad is register\'s');
  });

  it("prefers the 'register' kernels on CPU adapters only", () => {
    const info = (vendor: string, architecture: string, description: string) => ({ vendor, architecture, description });
    assertEqual(preferredKernels(info('google', 'swiftshader', 'SwiftShader driver 5.0.0')), 'register', 'Dawn in Node on SwiftShader');
    assertEqual(preferredKernels(info('google', 'swiftshader', '')), 'register', 'Chromium --use-webgpu-adapter=swiftshader');
    assertEqual(preferredKernels(info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)')), 'register', 'llvmpipe');
    assertEqual(preferredKernels(info('nvidia', 'ada', 'NVIDIA GeForce RTX 4090')), 'tiled', 'a GPU');
    assertEqual(preferredKernels(info('', '', '')), 'tiled', 'no information');
  });
});
