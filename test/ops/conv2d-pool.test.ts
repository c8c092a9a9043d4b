import { conv2dPoolRefusal, conv2dPoolSizes, createConv2dPool, type Conv2dPoolShape } from '../../src/engine/ops/conv2d-pool';
import type { Conv2dShape } from '../../src/engine/ops/conv2d';
import type { Pool2dShape } from '../../src/engine/ops/pool';
import { Rng } from '../../src/engine/random';
import { conv2dBackwardBiasRef, conv2dBackwardWeightRef, conv2dForwardRef } from '../reference/conv2d';
import { poolBackward, poolForward } from '../reference/pool';
import { assert, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

// The fused op's reference is the composition of the unfused references: conv2d ('valid') → ReLU →
// max pooling 2×2 stride 2, and backward through the same three.
const convShape = (s: Conv2dPoolShape): Conv2dShape => ({ ...s, padding: 'valid' });
const poolShape = (s: Conv2dPoolShape): Pool2dShape => {
  const z = conv2dPoolSizes(s);
  return { batch: s.batch, height: z.outH, width: z.outW, channels: s.outChannels, poolSize: 2, stride: 2, kind: 'max' };
};
const relu = (a: Float64Array) => a.map((v) => Math.max(v, 0));

function forwardRef(s: Conv2dPoolShape, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>) {
  const conv = relu(conv2dForwardRef(convShape(s), x, w, b));
  return { conv, y: poolForward(poolShape(s), conv) };
}

/** dw | db, given the conv's ReLU output `conv` (the argmax and ReLU's derivative are read from it). */
function backwardRef(s: Conv2dPoolShape, x: ArrayLike<number>, conv: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dconv = poolBackward(poolShape(s), conv, dy).map((g, i) => (conv[i] > 0 ? g : 0));
  const dw = conv2dBackwardWeightRef(convShape(s), x, dconv);
  return Float64Array.from([...dw, ...conv2dBackwardBiasRef(s.outChannels, dconv)]);
}

/**
 * The reference's conv map rewritten to the GPU's choices: in each pooled window the element the GPU's pooled
 * output y matches (the closest to it) holds y and the others −1, so the reference backward routes dy to the
 * GPU's argmax and masks it by the GPU's ReLU (y > 0), also where two outputs nearly tie in f32.
 */
function gpuChoices(s: Conv2dPoolShape, conv: Float64Array, y: Float32Array): Float64Array {
  const z = conv2dPoolSizes(s);
  const C = s.outChannels;
  const out = new Float64Array(conv.length).fill(-1);
  for (let b = 0; b < s.batch; b++) for (let ph = 0; ph < z.poolH; ph++) for (let pw = 0; pw < z.poolW; pw++) for (let c = 0; c < C; c++) {
    const j = ((b * z.poolH + ph) * z.poolW + pw) * C + c;
    const window = [0, 1, 2, 3].map((k) => ((b * z.outH + 2 * ph + (k >> 1)) * z.outW + 2 * pw + (k & 1)) * C + c);
    const best = window.reduce((m, i) => (Math.abs(conv[i] - y[j]) < Math.abs(conv[m] - y[j]) ? i : m));
    out[best] = y[j];
  }
  return out;
}

const shape = (batch: number, height: number, width: number, inChannels: number, outChannels: number, kernelHeight: number, kernelWidth: number): Conv2dPoolShape =>
  ({ batch, height, width, inChannels, outChannels, kernelHeight, kernelWidth });

describe('conv2d+maxPool2d (fused)', () => {
  it('reference backward matches finite differences (w and bias)', () => {
    const s = shape(2, 6, 7, 2, 8, 3, 2);
    const rng = new Rng(11);
    const x = rng.floats(2 * 6 * 7 * 2);
    const wb = Float64Array.from(rng.floats(3 * 2 * 2 * 8 + 8));
    const nW = wb.length - 8;
    const f = (v: Float64Array) => forwardRef(s, x, v.subarray(0, nW), v.subarray(nW)).y;
    const dy = Float64Array.from(rng.floats(f(wb).length));
    checkGradient('conv2d+maxPool2d', wb, f, dy, backwardRef(s, x, forwardRef(s, x, wb.subarray(0, nW), wb.subarray(nW)).conv, dy));
  });

  it('refuses what it cannot compute, naming it', () => {
    assertEqual(conv2dPoolRefusal(shape(1, 28, 28, 1, 32, 3, 3)), undefined, 'the MNIST convnet\'s first layer');
    assert(conv2dPoolRefusal(shape(1, 28, 28, 8, 32, 3, 3))?.includes('8 input channels'), 'many input channels');
    assert(conv2dPoolRefusal(shape(1, 28, 28, 1, 30, 3, 3))?.includes('30 filters'), 'filters not a multiple of 8');
    assert(conv2dPoolRefusal(shape(1, 3, 9, 1, 8, 3, 3))?.includes('no 2×2 window'), 'output under 2×2');
  });

  // [what, shape]: OH and OW odd (a dropped row and column), COUT/8 odd; the first three give backward_weight
  // one pooled position per split (chunk 1), the last several, across rows and images, with a short last chunk.
  const cases: [string, Conv2dPoolShape][] = [
    ['MNIST conv2d_1, batch 3', shape(3, 28, 28, 1, 32, 3, 3)],
    ['odd 9×5 conv output, 2 input channels, 24 filters, 2×3 kernel', shape(2, 10, 7, 2, 24, 2, 3)],
    ['3 input channels, 2×5 kernel (30 taps: the last group of 5 holds only the bias), batch 5', shape(5, 9, 12, 3, 8, 2, 5)],
    ['3 input channels, 32 filters, 5×5 kernel, batch 7: 210 pooled positions in 53 splits of 4 (the last of 2)', shape(7, 14, 17, 3, 32, 5, 5)],
  ];
  it('the cases split backward_weight\'s positions as they say', () => {
    const z = conv2dPoolSizes(cases[3][1]);
    assertEqual(`${z.positions} ${z.splits} ${z.chunk} ${z.positions - (z.splits - 1) * z.chunk}`, '210 53 4 2', 'several positions per split, a short last one');
    assert(cases.slice(0, 3).every(([, s]) => conv2dPoolSizes(s).chunk === 1), 'one position per split');
  });
  for (const [what, s] of cases) {
    it(`GPU forward, inspection and backward match the reference: ${what}`, async () => {
      const device = await testDevice();
      const z = conv2dPoolSizes(s);
      const rng = new Rng(s.batch * 100 + s.height + s.inChannels);
      const nX = s.batch * s.height * s.width * s.inChannels;
      const nW = s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels;
      const nY = z.positions * s.outChannels;
      const xs = rng.floats(nX);
      const ws = rng.floats(nW);
      // A bias below zero for some channels, so some windows are all ReLU zeros (gradient masked).
      const bs = rng.floats(s.outChannels, -0.5, 0.5);
      const dys = rng.floats(nY);
      const t = { x: upload(device, xs), w: upload(device, ws), bias: upload(device, bs), dy: upload(device, dys) };
      const y = output(device, nY);
      const conv = output(device, z.outH * z.outW * s.outChannels); // image 0's, for the inspection
      const dw = output(device, nW);
      const db = output(device, s.outChannels);
      const op = await createConv2dPool(device, { label: 'cp', shape: s, x: t.x.buffer, w: t.w.buffer, bias: t.bias.buffer, y: y.buffer, dy: t.dy.buffer, dw: dw.buffer, db: db.buffer, conv: conv.buffer });
      try {
        await run(device, op.inspect);
        const convGpu = await readF32(device, conv);
        await run(device, [...op.dispatches, ...op.backward]);
        const ref = forwardRef(s, xs, ws, bs);
        // Sums of at most KH·KW·CIN + 1 products of magnitude ≤ 1: within a few ulps of 16.
        const tol = { atol: 2e-5, rtol: 1e-5 };
        assertClose(convGpu, ref.conv.subarray(0, convGpu.length), tol, 'inspection: image 0\'s every conv output, the dropped row/column included');
        const yGpu = await readF32(device, y);
        assertClose(yGpu, ref.y, tol, 'pooled forward');
        // Image 0's window maxima of the GPU's own conv outputs, exactly: the forward's argmax is consistent with them.
        const one = { ...s, batch: 1 };
        assertClose(yGpu.subarray(0, z.poolH * z.poolW * s.outChannels), poolForward(poolShape(one), convGpu), { atol: 0, rtol: 0 }, 'forward = max of forward_store\'s outputs');
        // The reference backward routes dy through the conv outputs; near-ties could route it elsewhere than
        // the GPU's argmax, so the reference's conv map is the GPU's own f32 one where the pooled maxima agree.
        const grad = backwardRef(s, xs, gpuChoices(s, ref.conv, yGpu), dys);
        const got = Float64Array.from([...await readF32(device, dw), ...await readF32(device, db)]);
        assertClose(got, grad, { atol: 2e-4, rtol: 1e-4 }, 'dw | db');
        assertEqual([...op.dispatches, ...op.backward, ...op.inspect].map((d) => d.pipeline.label).join(' '),
          `conv2d_pool.forward conv2d_pool.backward_weight conv2d_pool.reduce conv2d_pool.reduce conv2d_pool.forward_store${z.outH % 2 || z.outW % 2 ? ' conv2d_pool.forward_edges' : ''}`, 'pipelines');
      } finally {
        op.destroy();
        for (const b of [...Object.values(t), y, conv, dw, db]) b.buffer.destroy();
      }
    });
  }

  it('rejects a buffer too small, dy without dw and db, and an unsupported shape', async () => {
    const device = await testDevice();
    const s = shape(2, 8, 8, 1, 8, 3, 3);
    const x = upload(device, new Float32Array(2 * 64));
    const w = upload(device, new Float32Array(72));
    const bias = upload(device, new Float32Array(8));
    const y = output(device, 2 * 9 * 8);
    const small = output(device, 10);
    try {
      await assertRejects(() => createConv2dPool(device, { label: 'cp', shape: s, x: x.buffer, w: w.buffer, bias: bias.buffer, y: small.buffer }), /cp.*y holds 48 bytes, needs 576/, 'small y');
      await assertRejects(() => createConv2dPool(device, { label: 'cp', shape: s, x: x.buffer, w: w.buffer, bias: bias.buffer, y: y.buffer, dy: y.buffer }), /dy, dw and db go together/, 'dy alone');
      await assertRejects(() => createConv2dPool(device, { label: 'cp', shape: { ...s, outChannels: 6 }, x: x.buffer, w: w.buffer, bias: bias.buffer, y: y.buffer }), /6 filters/, 'filters');
    } finally {
      for (const b of [x, w, bias, y, small]) b.buffer.destroy();
    }
  });
});
