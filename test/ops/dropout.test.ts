import { createDropout } from '../../src/engine/ops/dropout';
import { Rng, deriveSeed } from '../../src/engine/random';
import { dropoutBackward, dropoutForward, dropoutMask } from '../reference/dropout';
import { assert, assertBitEqual, assertClose, assertEqual, assertRejects } from '../util/assert';
import { checkGradient } from '../util/gradcheck';
import { output, readF32, run, testDevice, upload } from '../util/gpu';

const TOL = { atol: 0, rtol: 1e-6 }; // one f32 multiply or divide per element

describe('dropout', () => {
  it('reference backward matches finite differences', () => {
    const rng = new Rng(1);
    const mask = dropoutMask(37, 9, 4, 0.3);
    const x = Float64Array.from(rng.floats(37));
    const w = rng.floats(37);
    checkGradient('dropout', x, (v) => dropoutForward(v, mask), w, dropoutBackward(w, mask));
  });

  for (const [n, rate, step] of [[1, 0.5, 0], [255, 0.2, 3], [1000, 0.5, 17], [70001, 0.9, 2]] as const) {
    it(`GPU forward/backward reproduce the CPU mask exactly (n=${n}, rate=${rate}, step=${step})`, async () => {
      const device = await testDevice();
      const rng = new Rng(n);
      const xs = rng.floats(n);
      const dys = rng.floats(n);
      const seed = deriveSeed(11, 'dropout', 0);
      const x = upload(device, xs);
      const dy = upload(device, dys);
      const y = output(device, n);
      const dx = output(device, n);
      const op = await createDropout(device, { label: 'dropout', n, x: x.buffer, y: y.buffer, dy: dy.buffer, dx: dx.buffer, seed, rate });
      op.setStep(step);
      // n a multiple of 4 (1000) runs apply_vec4, the others apply: the same draws either way.
      assertEqual(op.dispatches[0].pipeline.label, n % 4 === 0 ? 'dropout.apply_vec4' : 'dropout.apply', 'kernel');
      await run(device, [...op.dispatches, ...op.backward]);
      const mask = dropoutMask(n, seed, step, rate);
      assertClose(await readF32(device, y), dropoutForward(xs, mask), TOL, 'forward');
      assertClose(await readF32(device, dx), dropoutBackward(dys, mask), TOL, 'backward');
      // the GPU zeros are exactly the CPU mask's zeros
      const ys = await readF32(device, y);
      for (let i = 0; i < n; i++) {
        if ((ys[i] === 0) !== (mask[i] === 0) && xs[i] !== 0) throw new Error(`mask differs at ${i}`);
      }
    });
  }

  it('keeps a fraction within statistical bounds of 1 - rate, and a new step draws a new mask', async () => {
    const device = await testDevice();
    const n = 100000;
    const x = upload(device, new Float32Array(n).fill(1));
    const y = output(device, n);
    const rate = 0.3;
    const op = await createDropout(device, { label: 'dropout', n, x: x.buffer, y: y.buffer, seed: 3, rate });
    op.setStep(1);
    await run(device, op.dispatches);
    const a = await readF32(device, y);
    const kept = a.filter((v) => v !== 0).length / n;
    const sd = Math.sqrt(rate * (1 - rate) / n);
    assert(Math.abs(kept - (1 - rate)) < 5 * sd, `kept fraction ${kept}, expected ${1 - rate} ± ${5 * sd}`);
    assertClose(a.filter((v) => v !== 0).slice(0, 10), new Array(10).fill(1 / (1 - rate)), { atol: 0, rtol: 1e-6 }, 'kept values scaled by 1/(1-rate)');
    op.setStep(2);
    await run(device, op.dispatches);
    const b = await readF32(device, y);
    assert(a.some((v, i) => v !== b[i]), 'step 2 draws a different mask from step 1');
  });

  it('rate 0 is exactly the identity, and a rate change applies without recompiling', async () => {
    const device = await testDevice();
    const xs = new Rng(5).floats(513, -100, 100);
    const x = upload(device, xs);
    const y = output(device, 513);
    const op = await createDropout(device, { label: 'dropout', n: 513, x: x.buffer, y: y.buffer, seed: 1, rate: 0.5 });
    op.setRate(0);
    await run(device, op.dispatches);
    assertBitEqual(await readF32(device, y), xs, 'rate 0 output');
  });

  it('rejects rates outside [0, 1)', async () => {
    const device = await testDevice();
    const x = upload(device, new Float32Array(4));
    await assertRejects(() => createDropout(device, { label: 'd', n: 4, x: x.buffer, y: x.buffer, seed: 0, rate: 1 }), /rate must be in \[0, 1\)/, 'rate 1');
    await assertRejects(() => createDropout(device, { label: 'd', n: 4, x: x.buffer, y: x.buffer, seed: 0, rate: -0.1 }), /rate/, 'negative rate');
  });
});
