import { createOptimizer, OPTIMIZERS, resolveOptimizerConfig, type OptimizerConfig, type OptimizerOp } from '../../src/engine/ops/optimizer';
import { createTensor } from '../../src/engine/buffers';
import { Rng } from '../../src/engine/random';
import { refOptimizerState, refOptimizerStep, withL2 } from '../reference/optimizer';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { readF32, run, testDevice, upload } from '../util/gpu';

// Params are O(1) and each step adds O(lr) with a few f32 roundings (f32 hyperparameters, ~1 ulp per
// operation); after 4 steps the worst element seen is 3e-7 off. Velocity and m are O(lr) and O(|g|) and
// may cancel (atol; 4e-8 seen); v = O(g²/1000) never cancels (rtol only; 3.3e-7 seen; computing 1 - β2
// in f32 instead of float64 would be 1.3e-5 off).
const PARAM_TOL = { atol: 1e-6, rtol: 1e-6 };
const STATE_TOL = { velocity: { atol: 1e-7, rtol: 1e-6 }, m: { atol: 1e-7, rtol: 1e-6 }, v: { atol: 0, rtol: 2e-6 } };
// Hand-computed cases: f32 inputs like 0.1 are off by ≤ 6e-8 relative; tight enough to see ε (4e-6).
const HAND_TOL = { atol: 2e-7, rtol: 1e-6 };

/**
 * Writes grads[k] and runs step k + 1 with learning rate lrs[k], as a training loop would: odd steps
 * set the rate with setStep(t, lr) (a schedule's way), even steps with setLearningRate.
 */
async function steps(device: GPUDevice, op: OptimizerOp, grads: GPUBuffer, gs: Float32Array[], lrs: number[]): Promise<void> {
  for (let k = 0; k < gs.length; k++) {
    device.queue.writeBuffer(grads, 0, gs[k].buffer, gs[k].byteOffset, gs[k].byteLength);
    if (k % 2 === 0) {
      op.setStep(k + 1, lrs[k]);
    } else {
      op.setStep(k + 1);
      op.setLearningRate(lrs[k]);
    }
    await run(device, op.dispatches);
  }
}

/** Runs the steps on the GPU from p0; returns the final params (length n). */
async function gpuRun(config: OptimizerConfig, p0: Float32Array, gs: Float32Array[], lrs: number[]): Promise<{ p: Float32Array; op: OptimizerOp }> {
  const device = await testDevice();
  const n = p0.length;
  const params = upload(device, p0);
  const grads = upload(device, new Float32Array(n));
  const op = await createOptimizer(device, { label: 'opt', config, n, params: params.buffer, grads: grads.buffer });
  await steps(device, op, grads.buffer, gs, lrs);
  return { p: await readF32(device, params), op };
}

describe('optimizer', () => {
  it('reference L2 gradient (used to contrast AdamW) matches finite differences', () => {
    const p = Float64Array.from(new Rng(2).floats(9));
    const wd = 0.3;
    const loss = (x: Float64Array) => [(wd / 2) * x.reduce((s, v) => s + v * v, 0)];
    checkGradient('l2', p, loss, [1], withL2(new Float64Array(9), p, wd));
  });

  for (const name of OPTIMIZERS) {
    for (const n of [1, 1000, 100003]) {
      it(`${name}: 4 steps with changing gradients and a learning-rate change match the float64 reference (n=${n})`, async () => {
        const rng = new Rng(n + name.length);
        const p0 = rng.floats(n);
        const gs = [0, 1, 2, 3].map(() => rng.floats(n));
        const lrs = name.startsWith('adam') ? [0.01, 0.01, 0.003, 0.003] : [0.05, 0.05, 0.02, 0.02];
        // sgd also exercises decoupled weight decay outside Adam; adamw uses its default 0.004.
        const config = resolveOptimizerConfig({ name, learningRate: lrs[0], weightDecay: name === 'sgd' ? 0.05 : undefined });
        const { p, op } = await gpuRun(config, p0, gs, lrs);

        const ref = Float64Array.from(p0);
        const s = refOptimizerState(n);
        gs.forEach((g, k) => refOptimizerStep({ ...config, learningRate: lrs[k] }, k + 1, ref, g, s));
        assertClose(p, ref, PARAM_TOL, `${name} params`);
        const device = await testDevice();
        const expectState = name === 'sgd' ? [] : name.startsWith('adam') ? ['m', 'v'] as const : ['velocity'] as const;
        assertEqual(Object.keys(op.state).sort().join(','), [...expectState].sort().join(','), 'state buffers');
        for (const k of expectState) assertClose(await readF32(device, op.state[k], n), s[k], STATE_TOL[k], `${name} ${k}`);
      });
    }
  }

  it('sgd: hand-computed steps', async () => {
    // p -= lr·g. Step 1, lr 0.1, g = [0.5, -1, 4]: p = [1 - 0.05, -2 + 0.1, 0.5 - 0.4] = [0.95, -1.9, 0.1].
    // Step 2, lr 0.5, g = [0.1, 0.2, -0.2]:        p = [0.95 - 0.05, -1.9 - 0.1, 0.1 + 0.1] = [0.9, -2, 0.2].
    const gs = [new Float32Array([0.5, -1, 4]), new Float32Array([0.1, 0.2, -0.2])];
    const { p } = await gpuRun({ name: 'sgd', learningRate: 0.1 }, new Float32Array([1, -2, 0.5]), gs, [0.1, 0.5]);
    assertClose(p, [0.9, -2, 0.2], HAND_TOL, 'sgd');
  });

  const mgs = [new Float32Array([1, -2]), new Float32Array([0.5, -2]), new Float32Array([-1, -2])];
  const mlrs = [0.1, 0.1, 0.2];
  it('momentum: hand-computed steps (Keras: vel = 0.9·vel - lr·g; p += vel)', async () => {
    // element 0, p = 1:  t1 g=1:        vel = -0.1,                 p = 0.9
    //                    t2 g=0.5:      vel = -0.09 - 0.05 = -0.14,  p = 0.76
    //                    t3 g=-1 lr .2: vel = -0.126 + 0.2 = 0.074,  p = 0.834
    // element 1, p = 0, g = -2:  vel = 0.2, 0.18 + 0.2 = 0.38, 0.342 + 0.4 = 0.742;  p = 0.2, 0.58, 1.322
    const { p, op } = await gpuRun({ name: 'momentum', learningRate: 0.1 }, new Float32Array([1, 0]), mgs, mlrs);
    assertClose(p, [0.834, 1.322], HAND_TOL, 'momentum params');
    assertClose(await readF32(await testDevice(), op.state.velocity, 2), [0.074, 0.742], HAND_TOL, 'momentum velocity');
  });

  it('nesterov: hand-computed steps (Keras: vel = 0.9·vel - lr·g; p += 0.9·vel - lr·g)', async () => {
    // element 0, p = 1:  t1: vel = -0.1,  p = 1 - 0.09 - 0.1 = 0.81
    //                    t2: vel = -0.14, p = 0.81 - 0.126 - 0.05 = 0.634
    //                    t3: vel = 0.074, p = 0.634 + 0.0666 + 0.2 = 0.9006
    // element 1, p = 0:  t1: vel = 0.2,   p = 0.18 + 0.2 = 0.38
    //                    t2: vel = 0.38,  p = 0.38 + 0.342 + 0.2 = 0.922
    //                    t3: vel = 0.742, p = 0.922 + 0.6678 + 0.4 = 1.9898
    const { p } = await gpuRun({ name: 'nesterov', learningRate: 0.1 }, new Float32Array([1, 0]), mgs, mlrs);
    assertClose(p, [0.9006, 1.9898], HAND_TOL, 'nesterov params');
  });

  it('adam: hand-computed steps (a constant gradient moves each param by lr·g/(|g| + ε) every step)', async () => {
    // With constant g: m_t = (1 - 0.9^t)·g and v_t = (1 - 0.999^t)·g², so m̂ = g and v̂ = g² exactly:
    // each step moves p by lr·g/(|g| + 1e-7). lr = 0.01, 0.01, then 0.02: total lr 0.04.
    //   g = 3:     p = 1 - 0.04·3/3.0000001           = 0.96 (ε effect 1.3e-9)
    //   g = -0.2:  p = -1 + 0.04·0.2/0.2000001        = -0.96
    //   g = 0.001: p = 0.5 - 0.04·0.001/0.0010001     = 0.5 - 0.0399960004 = 0.4600039996 (ε visible)
    // State: m = (1 - 0.729)·g = 0.271·g;  v = (1 - 0.999^3)·g² = 0.002997001·g².
    const g = new Float32Array([3, -0.2, 0.001]);
    const { p, op } = await gpuRun({ name: 'adam', learningRate: 0.01 }, new Float32Array([1, -1, 0.5]), [g, g, g], [0.01, 0.01, 0.02]);
    assertClose(p, [0.96, -0.96, 0.4600039996], HAND_TOL, 'adam params');
    const device = await testDevice();
    assertClose(await readF32(device, op.state.m, 3), [0.813, -0.0542, 0.000271], HAND_TOL, 'adam m');
    assertClose(await readF32(device, op.state.v, 3), [0.026973009, 0.00011988004, 2.997001e-9], { atol: 0, rtol: 1e-6 }, 'adam v');
  });

  it('adamw: decoupled decay differs from Adam + L2 (hand-computed and on the GPU)', async () => {
    // p = [2, 2], g = [0.5, 0], lr 0.1, wd 0.1, one step.
    // AdamW: p -= 0.1·0.1·p → 1.98; then Adam moves by lr·g/(|g| + ε): [1.98 - 0.1, 1.98 - 0] = [1.88, 1.98].
    // Adam + L2: g' = g + wd·p = [0.7, 0.2]; step 1 moves by lr·sign(g'):           [1.9, 1.9].
    const p0 = new Float32Array([2, 2]);
    const g = new Float32Array([0.5, 0]);
    const w = await gpuRun({ name: 'adamw', learningRate: 0.1, weightDecay: 0.1 }, p0, [g], [0.1]);
    const l2 = await gpuRun({ name: 'adam', learningRate: 0.1 }, p0, [Float32Array.from(withL2(g, p0, 0.1))], [0.1]);
    assertClose(w.p, [1.88, 1.98], HAND_TOL, 'adamw');
    assertClose(l2.p, [1.9, 1.9], HAND_TOL, 'adam + L2');
  });

  it('reset zeros the state: the next step equals a fresh optimizer\'s first step', async () => {
    const device = await testDevice();
    const n = 1000;
    const rng = new Rng(77);
    const p0 = rng.floats(n);
    const gs = [0, 1, 2].map(() => rng.floats(n));
    const params = upload(device, p0);
    const grads = upload(device, new Float32Array(n));
    const op = await createOptimizer(device, { label: 'opt', config: { name: 'adam', learningRate: 0.01 }, n, params: params.buffer, grads: grads.buffer });
    await steps(device, op, grads.buffer, gs, [0.01, 0.01, 0.01]);
    op.reset();
    device.queue.writeBuffer(params.buffer, 0, p0.buffer, p0.byteOffset, p0.byteLength);
    await steps(device, op, grads.buffer, [gs[2]], [0.01]);
    const fresh = await gpuRun({ name: 'adam', learningRate: 0.01 }, p0, [gs[2]], [0.01]);
    assertBitEqual(await readF32(device, params), fresh.p, 'params after reset + step 1');
    assertBitEqual(await readF32(device, op.state.m, n), await readF32(device, fresh.op.state.m, n), 'm after reset + step 1');
  });

  it('updates only the bound ranges of larger buffers', async () => {
    const device = await testDevice();
    const n = 300;
    const rng = new Rng(5);
    const pAll = rng.floats(1024);
    const gAll = rng.floats(1024);
    const params = upload(device, pAll);
    const grads = upload(device, gAll);
    const op = await createOptimizer(device, {
      label: 'opt', config: { name: 'nesterov', learningRate: 0.05 }, n,
      params: { buffer: params.buffer, offset: 256, size: n * 4 }, grads: { buffer: grads.buffer, offset: 512, size: n * 4 },
    });
    await run(device, op.dispatches);
    const ref = Float64Array.from(pAll.subarray(64, 64 + n));
    refOptimizerStep(op.config, 1, ref, gAll.subarray(128, 128 + n), refOptimizerState(n));
    const out = await readF32(device, params);
    assertClose(out.subarray(64, 64 + n), ref, PARAM_TOL, 'range');
    assertBitEqual(out.subarray(0, 64), pAll.subarray(0, 64), 'before the range');
    assertBitEqual(out.subarray(64 + n), pAll.subarray(64 + n), 'after the range');
  });

  it('fills Keras defaults', () => {
    const w = resolveOptimizerConfig({ name: 'adamw', learningRate: 1e-3 });
    assertEqual(JSON.stringify(w), JSON.stringify({ name: 'adamw', learningRate: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 }), 'adamw defaults');
    assertEqual(resolveOptimizerConfig({ name: 'adam', learningRate: 1e-3 }).weightDecay, 0, 'adam has no weight decay by default');
  });

  it('rejects bad configs and arguments with clear messages', async () => {
    const bad: [Partial<OptimizerConfig>, RegExp][] = [
      [{ name: 'rmsprop' as never }, /unknown name 'rmsprop'/],
      [{ learningRate: 0 }, /learningRate must be a finite number > 0, got 0/],
      [{ learningRate: -1 }, /learningRate/],
      [{ learningRate: Number.NaN }, /learningRate/],
      [{ learningRate: Infinity }, /learningRate/],
      [{ momentum: 1 }, /momentum must be in \[0, 1\), got 1/],
      [{ momentum: -0.1 }, /momentum/],
      [{ beta1: 1 }, /beta1 must be in \[0, 1\)/],
      [{ beta2: Number.NaN }, /beta2/],
      [{ epsilon: 0 }, /epsilon must be a finite number > 0/],
      [{ weightDecay: -0.01 }, /weightDecay must be a finite number ≥ 0/],
    ];
    for (const [patch, re] of bad) {
      await assertRejects(() => resolveOptimizerConfig({ name: 'adam', learningRate: 0.1, ...patch }), re, JSON.stringify(patch));
    }
    const device = await testDevice();
    const p = createTensor(device, 'p', [10]).buffer;
    const g = createTensor(device, 'g', [10]).buffer;
    const config: OptimizerConfig = { name: 'sgd', learningRate: 0.1 };
    await assertRejects(() => createOptimizer(device, { label: 'o', config, n: 0, params: p, grads: g }), /n must be a positive integer/, 'n = 0');
    await assertRejects(() => createOptimizer(device, { label: 'o', config, n: 2.5, params: p, grads: g }), /n must be a positive integer/, 'n = 2.5');
    await assertRejects(() => createOptimizer(device, { label: 'o', config, n: 13, params: p, grads: g }), /optimizer \(o\): params holds 48 bytes, needs 52 for n = 13 floats/, 'n too large');
    await assertRejects(() => createOptimizer(device, { label: 'o', config, n: 4, params: p, grads: { buffer: g, offset: 256, size: 8 } }), /optimizer \(o\): grads holds 8 bytes, needs 16 for n = 4 floats/, 'short range');
    await assertRejects(() => createOptimizer(device, { label: 'o', config, n: 10, params: p, grads: p }), /optimizer \(o\): params must not share a GPU buffer with grads/, 'aliasing');
    await assertRejects(() => createOptimizer(device, { label: 'o', config: { ...config, epsilon: -1 }, n: 10, params: p, grads: g }), /epsilon/, 'bad config');
    const op = await createOptimizer(device, { label: 'o', config, n: 10, params: p, grads: g });
    await assertRejects(() => op.setStep(0), /step must be a positive integer \(1-based\), got 0/, 'step 0');
    await assertRejects(() => op.setStep(1.5), /step/, 'step 1.5');
    await assertRejects(() => op.setStep(2, 0), /learningRate must be a finite number > 0, got 0/, 'setStep with rate 0');
    await assertRejects(() => op.setLearningRate(-0.1), /learningRate/, 'negative lr');
    assert(op.config.learningRate === 0.1, 'a rejected learning rate leaves the old one');
  });
});
