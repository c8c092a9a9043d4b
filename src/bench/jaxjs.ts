// The jax-js side of the comparison (@jax-js/jax: JAX's API in JavaScript, kernels generated for WebGPU,
// jit fusing each step into few dispatches): the same two models written the way a JAX user writes them:
// parameters as a tree, the loss's value and gradient by valueAndGrad, an Adam update, the whole training
// step under one jit; and the same square matmul through np.matmul. jax-js is loaded by the caller (a
// dynamic import in the page), so this module holds no runtime import of it and Node never loads it.
import type * as JAX from '@jax-js/jax';
import type { Stepper } from './training';
import { median, wallSamples, warmedUpReps, type Timing } from '../engine/gpu-timer';
import type { BenchModel, StepBudget } from './types';

export type Jaxjs = typeof JAX;
export type JaxjsLoader = () => Promise<Jaxjs>;
type Arr = JAX.Array;
type Params = { [name: string]: Arr };

export interface JaxjsInfo {
  version: string;
  device: string;
}

/** The version this file was written against (jax-js does not export one). */
export const JAXJS_VERSION = '0.1.25';

/** Starts jax-js's WebGPU device and makes it the default; throws when it cannot (no silent Wasm fallback). */
export async function initJaxjs(jax: Jaxjs): Promise<JaxjsInfo> {
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js: the WebGPU device did not start (devices: ${devices.join(', ') || 'none'})`);
  jax.defaultDevice('webgpu');
  return { version: JAXJS_VERSION, device: 'webgpu' };
}

// Adam as Keras and our optimizer apply it (src/shaders/adam.wgsl): ε̂ form, bias correction folded into the rate.
const ADAM = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Glorot-uniform kernels and zero biases, as our layers (and Keras's) initialise them. */
function initParams(jax: Jaxjs, name: BenchModel): Params {
  const { random, numpy: np } = jax;
  const keys = random.split(random.key(1), 3);
  const glorot = (i: number, shape: number[], fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return random.uniform(keys.ref.slice(i), shape, { minval: -limit, maxval: limit });
  };
  const p: Params = name === 'cnn'
    ? {
        w1: glorot(0, [32, 1, 3, 3], 9, 32 * 9), b1: np.zeros([32, 1, 1]),
        w2: glorot(1, [64, 32, 3, 3], 32 * 9, 64 * 9), b2: np.zeros([64, 1, 1]),
        w3: glorot(2, [1600, 10], 1600, 10), b3: np.zeros([10]),
      }
    : {
        w1: glorot(0, [784, 128], 784, 128), b1: np.zeros([128]),
        w2: glorot(1, [128, 10], 128, 10), b2: np.zeros([10]),
      };
  keys.dispose();
  return p;
}

/** Inverted dropout: keep with probability 1 − rate, scale the kept by 1 / (1 − rate). */
function dropout(jax: Jaxjs, x: Arr, key: Arr, rate: number): Arr {
  const keep = 1 - rate;
  const mask = jax.random.bernoulli(key, keep, x.shape).astype(jax.numpy.float32);
  return x.mul(mask).mul(1 / keep);
}

/**
 * Log-probabilities of the Keras MNIST convnet (NCHW: Conv 32 3×3 relu → MaxPool 2 → Conv 64 3×3 relu →
 * MaxPool 2 → Flatten → Dropout 0.5 → Dense 10) or of the mlp (Dense 128 relu → Dropout 0.2 → Dense 10).
 */
function logits(jax: Jaxjs, name: BenchModel, p: Params, x: Arr, key: Arr): Arr {
  const { lax, nn, numpy: np } = jax;
  const pool = (a: Arr) => lax.reduceWindow(a, np.max, [2, 2], [2, 2]);
  if (name === 'cnn') {
    const a1 = pool(nn.relu(lax.convGeneralDilated(x, p.w1, [1, 1], 'VALID').add(p.b1))); // (B, 32, 13, 13)
    const a2 = pool(nn.relu(lax.convGeneralDilated(a1, p.w2, [1, 1], 'VALID').add(p.b2))); // (B, 64, 5, 5)
    const flat = dropout(jax, a2.reshape([-1, 1600]), key, 0.5);
    return nn.logSoftmax(np.dot(flat, p.w3).add(p.b3));
  }
  const h = dropout(jax, nn.relu(np.dot(x.reshape([-1, 784]), p.w1).add(p.b1)), key, 0.2);
  return nn.logSoftmax(np.dot(h, p.w2).add(p.b2));
}

/**
 * One jitted training step: the mean categorical cross-entropy's value and gradient (valueAndGrad), then
 * Adam on every leaf. Takes ownership of its arguments (jax-js's reference counting) and returns the new
 * tree of parameters and moments. `lrT` is the bias-corrected rate of this step, an argument so the
 * compiled step is reused.
 */
function trainStep(jax: Jaxjs, name: BenchModel) {
  const { numpy: np, tree, valueAndGrad, jit } = jax;
  const loss = (p: Params, x: Arr, y: Arr, key: Arr): Arr => {
    const batch = y.shape[0];
    return logits(jax, name, p, x, key).mul(y).sum().mul(-1 / batch);
  };
  return jit((p: Params, m: Params, v: Params, x: Arr, y: Arr, key: Arr, lrT: Arr) => {
    const [value, g] = valueAndGrad(loss)(tree.ref(p), x, y, key);
    const next: { p: Params; m: Params; v: Params } = { p: {}, m: {}, v: {} };
    for (const k of Object.keys(p)) {
      const gk = g[k];
      const mk = m[k].mul(ADAM.beta1).add(gk.ref.mul(1 - ADAM.beta1));
      const vk = v[k].mul(ADAM.beta2).add(gk.ref.mul(gk).mul(1 - ADAM.beta2));
      next.p[k] = p[k].sub(mk.ref.mul(lrT.ref).div(np.sqrt(vk.ref).add(ADAM.epsilon)));
      next.m[k] = mk;
      next.v[k] = vk;
    }
    lrT.dispose();
    return { loss: value, ...next };
  });
}

/**
 * The jitted training step on random images and one-hot labels of the right shapes, as a Stepper: each
 * step queues its work, `idle` waits until the parameters are computed (as TF.js's trainOnBatch and our
 * own steps, the step's GPU work is done when the timing stops).
 */
export function jaxjsStepper(jax: Jaxjs, name: BenchModel, batch: number): Stepper & { lastLoss(): Promise<number>; dispose(): void } {
  const { numpy: np, random, tree, nn, blockUntilReady } = jax;
  const shape = name === 'cnn' ? [batch, 1, 28, 28] : [batch, 784];
  const x = random.uniform(random.key(2), shape);
  const y = nn.oneHot(random.randint(random.key(3), { minval: 0, maxval: 10, shape: [batch] }), 10).astype(np.float32);
  const step = trainStep(jax, name);
  let p = initParams(jax, name);
  let m = tree.map((a: Arr) => np.zerosLike(a), tree.ref(p)) as Params;
  let v = tree.map((a: Arr) => np.zerosLike(a), tree.ref(p)) as Params;
  let t = 0;
  let loss: Arr | undefined;
  return {
    batch,
    async step() {
      t++;
      const lrT = ADAM.lr * Math.sqrt(1 - ADAM.beta2 ** t) / (1 - ADAM.beta1 ** t);
      const out = step(p, m, v, x.ref, y.ref, random.key(1000 + t), np.array(lrT));
      loss?.dispose();
      ({ p, m, v, loss } = out);
      await Promise.resolve();
    },
    /** The last step's loss (NaN before the first), read back: the check that the timed steps really trained. */
    async lastLoss() {
      return loss ? Number(await loss.ref.jsAsync()) : Number.NaN;
    },
    async idle() {
      await blockUntilReady(p);
    },
    dispose() {
      tree.dispose([p, m, v, x, y]);
      loss?.dispose();
      step.dispose();
    },
  };
}

/** Median wall time of an n×n×n np.matmul, from the call until its result is computed (no readback). */
export async function jaxjsMatmul(jax: Jaxjs, n: number, budget: StepBudget): Promise<Timing> {
  const { numpy: np, random, blockUntilReady } = jax;
  const a = await blockUntilReady(random.normal(random.key(4), [n, n]));
  const b = await blockUntilReady(random.normal(random.key(5), [n, n]));
  const product = async () => {
    const c = await blockUntilReady(np.matmul(a.ref, b.ref));
    c.dispose();
  };
  try {
    const wall = await wallSamples(product, await warmedUpReps(product, budget));
    return { ms: median(wall), samples: wall, method: 'wall' };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** The number of parameters of jax-js's version of a model (the test compares it with our preset's). */
export function jaxjsParamCount(jax: Jaxjs, name: BenchModel): number {
  const p = initParams(jax, name);
  const n = Object.values(p).reduce((a, x) => a + x.size, 0);
  jax.tree.dispose(p);
  return n;
}
