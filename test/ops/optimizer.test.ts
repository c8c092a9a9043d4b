import { createOptimizer, OPTIMIZERS, resolveOptimizerConfig, type OptimizerConfig, type OptimizerName, type OptimizerOp } from '../../src/engine/ops/optimizer';
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
// RMSprop's velocity, Adagrad's accumulator (≥ 0.1) and Adamax's u (a max of |g|) never cancel either.
const STATE_TOL = {
  velocity: { atol: 1e-7, rtol: 1e-6 }, m: { atol: 1e-7, rtol: 1e-6 }, v: { atol: 0, rtol: 2e-6 },
  u: { atol: 0, rtol: 1e-6 }, accumulator: { atol: 0, rtol: 1e-6 },
};
/** The state buffers each algorithm keeps, by their checkpoint names (Keras's slots). */
const STATE_OF: Record<OptimizerName, readonly (keyof typeof STATE_TOL)[]> = {
  sgd: [], momentum: ['velocity'], nesterov: ['velocity'], adam: ['m', 'v'], adamw: ['m', 'v'],
  rmsprop: ['velocity'], adagrad: ['accumulator'], adamax: ['m', 'u'], nadam: ['m', 'v'],
};
/** The algorithms that scale each step by the gradient's size: tested at Adam-like rates. */
const ADAPTIVE: readonly OptimizerName[] = ['adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'nadam'];
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
    for (const n of [1, 7, 1000, 100003]) {
      it(`${name}: 4 steps with changing gradients and a learning-rate change match the float64 reference (n=${n})`, async () => {
        const rng = new Rng(n + name.length);
        const p0 = rng.floats(n);
        const gs = [0, 1, 2, 3].map(() => rng.floats(n));
        const lrs = ADAPTIVE.includes(name) ? [0.01, 0.01, 0.003, 0.003] : [0.05, 0.05, 0.02, 0.02];
        // sgd also exercises decoupled weight decay outside Adam; adamw uses its default 0.004.
        const config = resolveOptimizerConfig({ name, learningRate: lrs[0], weightDecay: name === 'sgd' ? 0.05 : undefined });
        const { p, op } = await gpuRun(config, p0, gs, lrs);

        const ref = Float64Array.from(p0);
        const s = refOptimizerState(n, config);
        gs.forEach((g, k) => refOptimizerStep({ ...config, learningRate: lrs[k] }, k + 1, ref, g, s));
        assertClose(p, ref, PARAM_TOL, `${name} params`);
        const device = await testDevice();
        const expectState = STATE_OF[name];
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

  // One step of each newer algorithm at Keras's defaults (ε = 1e-7; lr as stated), computed by hand
  // from the Keras 3 formulas; each has an element where ε's place in the formula shows.
  it('rmsprop: one hand-computed step (Keras: v = 0.9·v + 0.1·g²; p -= lr·g/√(v + ε))', async () => {
    // lr 0.01: g = 2:      v = 0.4,   p = 1 - 0.02/√0.4000001      = 0.96837722735
    //          g = -0.5:   v = 0.025, p = -1 + 0.005/√0.0250001    = -0.96837728664
    //          g = 0.001:  v = 1e-7,  p = 0.5 - 1e-5/√(2e-7)       = 0.47763932023 (ε outside the root: 0.46838722)
    // And Keras's docstring example: lr 0.1, p = 10, g = p = 10: p = 10 - 1/√10.0000001 = 9.683772 (9.68377224).
    const { p, op } = await gpuRun({ name: 'rmsprop', learningRate: 0.01 }, new Float32Array([1, -1, 0.5]), [new Float32Array([2, -0.5, 0.001])], [0.01]);
    assertClose(p, [0.96837722735, -0.96837728664, 0.47763932023], HAND_TOL, 'rmsprop params');
    assertClose(await readF32(await testDevice(), op.state.velocity, 3), [0.4, 0.025, 1e-7], { atol: 0, rtol: 1e-6 }, 'rmsprop velocity');
    const doc = await gpuRun({ name: 'rmsprop', learningRate: 0.1 }, new Float32Array([10]), [new Float32Array([10])], [0.1]);
    assertClose(doc.p, [9.68377224], HAND_TOL, 'Keras docstring example');
  });

  it('adagrad: one hand-computed step (Keras: a starts at 0.1; a += g²; p -= lr·g/√(a + ε))', async () => {
    // lr 0.1: g = 0.3: a = 0.19,  p = 1 - 0.03/√0.1900001 = 0.93117529795
    //         g = 10:  a = 100.1, p = 10 - 1/√100.1000001 = 9.90004996258
    //         g = 0:   a = 0.1,   p = 0.5 (unchanged)
    const { p, op } = await gpuRun({ name: 'adagrad', learningRate: 0.1 }, new Float32Array([1, 10, 0.5]), [new Float32Array([0.3, 10, 0])], [0.1]);
    assertClose(p, [0.93117529795, 9.90004996258, 0.5], HAND_TOL, 'adagrad params');
    assertClose(await readF32(await testDevice(), op.state.accumulator, 3), [0.19, 100.1, 0.1], { atol: 0, rtol: 1e-6 }, 'adagrad accumulator');
    // Starting at 0 instead, g = 0.001: a = 1e-6, p = 0.5 - 1e-4/√1.1e-6 = 0.40465374108 (ε outside the root: 0.40000999900).
    const zero = await gpuRun({ name: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0 }, new Float32Array([0.5]), [new Float32Array([0.001])], [0.1]);
    assertClose(zero.p, [0.40465374108], HAND_TOL, 'adagrad from 0');
  });

  it('adamax: two hand-computed steps (Keras: m = 0.9·m + 0.1·g; u = max(0.999·u, |g|); p -= lr·m/((1 - 0.9^t)·(u + ε)))', async () => {
    // lr 0.1. Step 1: m = 0.1·g, u = |g|, so p -= 0.1·g/(|g| + ε):
    //   g = 2:    p = 1 - 0.2/2.0000001           = 0.900000005
    //   g = -0.5: p = -1 + 0.05/0.5000001         = -0.90000002
    //   g = 1e-6: p = 0.5 - 1e-7/1.1e-6           = 0.40909090909 (ε visible)
    // Step 2, g = [1, -1, 0]: m = [0.28, -0.145, 9e-8]; u = [max(1.998, 1), max(0.4995, 1), max(9.99e-7, 0)] = [1.998, 1, 9.99e-7]:
    //   p = 0.900000005 - 0.1·0.28/(0.19·1.9980001)        = 0.82624204020
    //   p = -0.90000002 + 0.1·0.145/(0.19·1.0000001)       = -0.82368423816
    //   p = 0.40909090909 - 0.1·9e-8/(0.19·1.099e-6)       = 0.36598952506
    const gs = [new Float32Array([2, -0.5, 1e-6]), new Float32Array([1, -1, 0])];
    const { p, op } = await gpuRun({ name: 'adamax', learningRate: 0.1 }, new Float32Array([1, -1, 0.5]), gs, [0.1, 0.1]);
    assertClose(p, [0.8262420402, -0.82368423816, 0.36598952506], HAND_TOL, 'adamax params');
    assertClose(await readF32(await testDevice(), op.state.u, 3), [1.998, 1, 9.99e-7], { atol: 0, rtol: 1e-6 }, 'adamax u');
  });

  it('nadam: one hand-computed step (Keras 3: μ_t = 0.9·(1 - 0.5·0.96^t), m̂ = μ2·m/(1 - μ1·μ2) + (1 - μ1)·g/(1 - μ1))', async () => {
    // μ1 = 0.9·(1 - 0.48) = 0.468, μ2 = 0.9·(1 - 0.5·0.9216) = 0.48528, Π1 = μ1.
    // m = 0.1·g, v = 0.001·g², v̂ = g²: m̂ = g·(0.048528/(1 - 0.468·0.48528) + 0.532/0.532) = 1.06278780331·g,
    // so p -= lr·1.06278780331·g/(|g| + ε); lr 0.1:
    //   g = 2:      p = 1 - 0.212557560662/2.0000001  = 0.89372122498
    //   g = 0.5:    p = -1 - 0.0531393901655/0.5000001 = -1.10627875908
    //   g = -0.001: p = 0.5 + 0.000106278780331/0.0010001 = 0.60626815352 (ε visible)
    // (Keras 2's schedule, 0.96^(0.004·t), would give 0.89435482 for the first.)
    const { p } = await gpuRun({ name: 'nadam', learningRate: 0.1 }, new Float32Array([1, -1, 0.5]), [new Float32Array([2, 0.5, -0.001])], [0.1]);
    assertClose(p, [0.89372122498, -1.10627875908, 0.60626815352], HAND_TOL, 'nadam params');
  });

  // Adagrad's accumulator resets to 0.1, not 0; Nadam's schedule product restarts with the step count.
  for (const name of ['adam', 'adagrad', 'nadam'] as const) {
    it(`${name}: reset returns the state to its start: the next step equals a fresh optimizer's first step`, async () => {
      const device = await testDevice();
      const n = 1000;
      const rng = new Rng(77);
      const p0 = rng.floats(n);
      const gs = [0, 1, 2].map(() => rng.floats(n));
      const params = upload(device, p0);
      const grads = upload(device, new Float32Array(n));
      const op = await createOptimizer(device, { label: 'opt', config: { name, learningRate: 0.01 }, n, params: params.buffer, grads: grads.buffer });
      await steps(device, op, grads.buffer, gs, [0.01, 0.01, 0.01]);
      op.reset();
      device.queue.writeBuffer(params.buffer, 0, p0.buffer, p0.byteOffset, p0.byteLength);
      await steps(device, op, grads.buffer, [gs[2]], [0.01]);
      const fresh = await gpuRun({ name, learningRate: 0.01 }, p0, [gs[2]], [0.01]);
      assertBitEqual(await readF32(device, params), fresh.p, 'params after reset + step 1');
      const first = STATE_OF[name][0];
      assertBitEqual(await readF32(device, op.state[first], n), await readF32(device, fresh.op.state[first], n), `${first} after reset + step 1`);
    });
  }

  it('updates 4 elements per invocation up to 4·⌊n/4⌋ and one per invocation after (n ≥ 4), all one by one below 4', async () => {
    const device = await testDevice();
    for (const [n, expected] of [[1, 'opt.update'], [3, 'opt.update'], [4, 'opt.update_vec4'], [1000, 'opt.update_vec4'], [1003, 'opt.update_vec4 opt.update']] as const) {
      const t = (k: number) => upload(device, new Float32Array(k)).buffer;
      const op = await createOptimizer(device, { label: 'opt', config: { name: 'adam', learningRate: 0.001 }, n, params: t(n), grads: t(n) });
      assertEqual(op.dispatches.map((d) => d.label).join(' '), expected, `n = ${n}`);
      op.destroy();
    }
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
    assertEqual(JSON.stringify(w), JSON.stringify({
      name: 'adamw', learningRate: 1e-3, momentum: 0.9, rho: 0.9, initialAccumulatorValue: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004,
    }), 'adamw defaults');
    assertEqual(resolveOptimizerConfig({ name: 'adam', learningRate: 1e-3 }).weightDecay, 0, 'adam has no weight decay by default');
    for (const name of ['rmsprop', 'adagrad', 'adamax', 'nadam'] as const) assertEqual(resolveOptimizerConfig({ name, learningRate: 1e-3 }).weightDecay, 0, `${name}: no weight decay by default`);
    assertEqual(resolveOptimizerConfig({ name: 'adamw', learningRate: 1e-3, weightDecay: 0.01 }).weightDecay, 0.01, "adamw's decay is settable");
  });

  it('rejects bad configs and arguments with clear messages', async () => {
    const bad: [Partial<OptimizerConfig>, RegExp][] = [
      [{ name: 'adadelta' as never }, /unknown name 'adadelta'/],
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
      [{ rho: 1 }, /rho must be in \[0, 1\), got 1/],
      [{ initialAccumulatorValue: -0.1 }, /initialAccumulatorValue must be a finite number ≥ 0/],
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
