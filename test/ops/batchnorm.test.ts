import { BATCHNORM_WORKGROUP, batchNormChunks, createBatchNorm } from '../../src/engine/ops/batchnorm';
import { Rng } from '../../src/engine/random';
import { batchNormApply, batchNormBackward, batchNormTrain, batchStats, movingUpdate } from '../reference/batchnorm';
import { assert, assertClose, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

/** Relative error ≤ 1e-4, with an absolute floor scaled to the values compared (dx cancels terms). */
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const scale = Array.from(expected).reduce((m, v) => Math.max(m, Math.abs(v)), 1e-30);
  assertClose(actual, expected, { atol: 2e-5 * scale, rtol: 1e-4 }, what);
}

/** close() on the valid rows and on the padding rows apart: padding values far from the data set neither's scale. */
function closeRows(actual: ArrayLike<number>, expected: ArrayLike<number>, split: number, what: string): void {
  close(Array.from(actual).slice(0, split), Array.from(expected).slice(0, split), `${what} (valid rows)`);
  if (split < actual.length) close(Array.from(actual).slice(split), Array.from(expected).slice(split), `${what} (padding rows)`);
}

/** gamma | beta (or any pair) in one array, the second `stride` after the first. */
function pair(a: ArrayLike<number>, b: ArrayLike<number>, stride: number): Float32Array {
  const out = new Float32Array(stride + a.length);
  out.set(a, 0);
  out.set(b, stride);
  return out;
}

describe('batchnorm', () => {
  it('reference backward matches finite differences w.r.t. x, gamma and beta (training mode, padding rows)', () => {
    const rng = new Rng(3);
    const [R, valid, C, eps] = [9, 7, 4, 1e-3];
    const x = Float64Array.from(rng.floats(R * C, -2, 2));
    const gamma = Float64Array.from(rng.floats(C, 0.5, 1.5));
    const beta = Float64Array.from(rng.floats(C));
    // The loss never sees padding rows: their upstream gradient is 0.
    const w = Float64Array.from(rng.floats(R * C), (v, i) => (i < valid * C ? v : 0));
    const g = batchNormBackward(x, w, valid, C, gamma, eps);
    checkGradient('batchnorm dx', x, (v) => batchNormTrain(v, valid, C, gamma, beta, eps), w, g.dx);
    checkGradient('batchnorm dgamma', gamma, (v) => batchNormTrain(x, valid, C, v, beta, eps), w, g.dgamma);
    checkGradient('batchnorm dbeta', beta, (v) => batchNormTrain(x, valid, C, gamma, v, eps), w, g.dbeta);
  });

  // [B, spatial, C, valid rows, stride]: dense-like (B, F) and NHWC (B, H·W, C); B·spatial not a multiple of the
  // workgroup; chunks × C not a multiple of it either; one chunk and many, the valid rows ending inside one;
  // the last, the cnn-bn's first layer at batch 32 (the most chunks combined).
  const shapes = [
    [7, 1, 5, 7, 5],
    [13, 1, 70, 9, 128],
    [3, 35, 6, 2, 64],
    [4, 143, 3, 4, 11],
    [5, 121, 32, 3, 64],
    [9, 150, 19, 7, 32],
    [32, 676, 32, 29, 32],
  ] as const;
  it('the shapes cover what the kernels split on', () => {
    const chunked = shapes.map(([B, S, , valid]) => ({ ...batchNormChunks(B * S), valid: valid * S }));
    assert(shapes.every(([B, S]) => (B * S) % BATCHNORM_WORKGROUP !== 0), 'every shape has a partial elementwise workgroup');
    assert(shapes.some(([B, S, C]) => (batchNormChunks(B * S).chunks * C) % BATCHNORM_WORKGROUP !== 0), 'partial workgroups in the partial pass');
    assert(chunked.some((c) => c.chunks === 1) && chunked.some((c) => c.chunks > 100), 'one chunk, and over a hundred');
    assert(chunked.some((c) => c.chunks > 1 && c.valid % c.chunk !== 0 && c.valid < (c.chunks - 1) * c.chunk), 'valid rows end inside a chunk, padding chunks after');
  });
  for (const [B, S, C, valid, stride] of shapes) {
    it(`GPU matches the reference: forward, moving update, backward, inference (B=${B}, H·W=${S}, C=${C}, rows=${valid})`, async () => {
      const device = await testDevice();
      const rng = new Rng(B * 1000 + C);
      const R = B * S;
      const xs = rng.floats(R * C, -3, 5);
      // Padding rows far from the data: any leak into the statistics shows.
      for (let i = valid * S * C; i < R * C; i++) xs[i] = 1000;
      const dys = rng.floats(R * C);
      const gamma = rng.floats(C, 0.5, 1.5);
      const beta = rng.floats(C, -1, 1);
      const movingStart = { mean: Float64Array.from(rng.floats(C)), variance: Float64Array.from(rng.floats(C, 0.5, 2)) };
      const [momentum, epsilon] = [0.9, 1e-3];
      const x = upload(device, xs);
      const dy = upload(device, dys);
      const y = output(device, R * C);
      const dx = output(device, R * C);
      const affine = upload(device, pair(gamma, beta, stride));
      const moving = upload(device, pair(movingStart.mean, movingStart.variance, stride));
      const daffine = output(device, stride + C);
      const op = await createBatchNorm(device, {
        label: 'bn', batch: B, spatial: S, channels: C, stride, momentum, epsilon,
        x: x.buffer, y: y.buffer, affine: affine.buffer, moving: moving.buffer, dy: dy.buffer, dx: dx.buffer, daffine: daffine.buffer,
      });
      op.setRows(valid);
      await run(device, [...op.dispatches, ...op.backward]);
      const N = valid * S;
      closeRows(await readF32(device, y), batchNormTrain(xs, N, C, gamma, beta, epsilon), N * C, 'training forward');
      const movingAfter = movingUpdate(movingStart, batchStats(xs, N, C), momentum);
      const m = await readF32(device, moving);
      close(m.slice(0, C), movingAfter.mean, 'moving_mean after one step');
      close(m.slice(stride, stride + C), movingAfter.variance, 'moving_variance after one step');
      const ref = batchNormBackward(xs, dys, N, C, gamma, epsilon);
      const d = await readF32(device, daffine);
      close(d.slice(0, C), ref.dgamma, 'dgamma');
      close(d.slice(stride, stride + C), ref.dbeta, 'dbeta');
      const dxs = await readF32(device, dx);
      close(dxs, ref.dx, 'dx');
      assert(dxs.slice(N * C).every((v) => v === 0), 'padding rows get dx = 0');

      op.setTraining(false);
      await run(device, op.dispatches);
      closeRows(await readF32(device, y), batchNormApply(xs, C, movingAfter, gamma, beta, epsilon), N * C, 'inference forward uses the moving statistics');
      const movingLater = await readF32(device, moving);
      close(movingLater.slice(0, C), movingAfter.mean, 'inference leaves moving_mean alone');
      close(movingLater.slice(stride, stride + C), movingAfter.variance, 'inference leaves moving_variance alone');
    });
  }

  it('a forward without backward buffers has no backward dispatches; no dx skips only the input gradient', async () => {
    const device = await testDevice();
    const t = () => upload(device, new Float32Array(64 * 3));
    const base = { label: 'bn', batch: 8, spatial: 3, channels: 2, stride: 2, x: t().buffer, y: t().buffer, affine: t().buffer, moving: t().buffer };
    assert((await createBatchNorm(device, base)).backward.length === 0, 'no backward');
    const paramsOnly = (await createBatchNorm(device, { ...base, dy: t().buffer, daffine: t().buffer })).backward;
    assert(paramsOnly.length === 2 && paramsOnly.every((d) => !d.label.includes('backward_input')), 'parameters only: partial sums and their combine');
  });

  it('rejects a bad momentum, epsilon, stride or row count', async () => {
    const device = await testDevice();
    const t = () => upload(device, new Float32Array(64)).buffer;
    const base = { label: 'bn', batch: 4, spatial: 1, channels: 4, stride: 4, x: t(), y: t(), affine: t(), moving: t() };
    await assertRejects(() => createBatchNorm(device, { ...base, momentum: 1 }), /momentum must be in \[0, 1\)/, 'momentum 1');
    await assertRejects(() => createBatchNorm(device, { ...base, epsilon: 0 }), /epsilon must be a finite number > 0/, 'epsilon 0');
    await assertRejects(() => createBatchNorm(device, { ...base, stride: 3 }), /stride 3 is less than the 4 channels/, 'stride');
    const op = await createBatchNorm(device, base);
    await assertRejects(() => op.setRows(5), /rows must be an integer in \[1, 4\]/, 'rows > B');
    await assertRejects(() => op.setRows(0), /rows must be/, 'rows 0');
  });
});
