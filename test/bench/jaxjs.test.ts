// The jax-js contender of the benchmark on the test adapter: its jitted training steps really train (the
// loss of a fixed batch starts near ln 10 and falls), the models have our presets' parameter counts, and
// the np.matmul it times computes the product.
import { initJaxjs, jaxjsMatmul, jaxjsStepper, jaxjsParamCount, type Jaxjs } from '../../src/bench/jaxjs';
import { importJaxjs } from '../../src/bench/jaxjs-import';
import { resolveModel } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { assert, assertEqual } from '../util/assert';

let jax: Jaxjs;

describe('bench: jax-js', function () {
  this.timeout(240_000);
  before(async () => {
    jax = await importJaxjs();
    const info = await initJaxjs(jax);
    assertEqual(info.device, 'webgpu', 'jax-js on WebGPU, not its Wasm fallback');
  });

  for (const [model, batch, steps] of [['mlp', 32, 40], ['cnn', 8, 25]] as const) {
    it(`the ${model} step trains: the loss of one batch falls from about ln 10`, async () => {
      assertEqual(jaxjsParamCount(jax, model), resolveModel(PRESETS[model]).paramCount, 'the preset’s parameter count');
      const s = jaxjsStepper(jax, model, batch);
      try {
        await s.step();
        const first = await s.lastLoss();
        for (let i = 1; i < steps; i++) await s.step();
        await s.idle();
        const last = await s.lastLoss();
        assert(Math.abs(first - Math.log(10)) < 0.6, `first loss ${first}`);
        assert(Number.isFinite(last) && last < first * 0.7, `loss ${first} → ${last}`);
      } finally {
        s.dispose();
      }
    });
  }

  it('np.matmul computes the product it times', async () => {
    const t = await jaxjsMatmul(jax, 48, { warmup: 1, min: 2, max: 2, seconds: 0 });
    assert(t.samples.length === 2 && t.ms > 0, JSON.stringify(t));
    const np = jax.numpy;
    const a = Float32Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.cos(i));
    const c = (await np.matmul(np.array(a).reshape([5, 7]), np.array(b).reshape([7, 3])).data()) as Float32Array;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) {
        let ref = 0;
        for (let k = 0; k < 7; k++) ref += a[i * 7 + k] * b[k * 3 + j];
        assert(Math.abs(c[i * 3 + j] - ref) < 1e-4, `c[${i},${j}] ${c[i * 3 + j]} vs ${ref}`);
      }
    }
  });
});
