// The TensorFlow.js side of the comparison: the same two models built with tf.layers and trained the
// way a TF.js user trains (compile with Adam and categorical cross-entropy, model.trainOnBatch, which
// waits for the loss each step), and the same square matmul through tf.matMul, on the WebGPU backend.
// TF.js is loaded by the caller (ESM import in a Vite page, or its UMD bundles by script tags), so this
// module holds no runtime import of it and the Node runner never loads it.
import type * as TF from '@tensorflow/tfjs';
import type { Stepper } from './training';
import { median, warmedUpReps, type Timing } from '../engine/gpu-timer';
import type { BenchModel, StepBudget } from './types';

export type Tfjs = typeof TF;
export type TfjsLoader = () => Promise<Tfjs>;

export interface TfjsInfo {
  version: string;
  backend: string;
}

/** TF.js 4.22's UMD bundles as served from node_modules (the test runner, any static server at the project root). */
export const TFJS_SCRIPTS = [
  '/node_modules/@tensorflow/tfjs/dist/tf.min.js',
  '/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js',
];

/** Loads TF.js from script tags into `window.tf` (once) and returns it. */
export async function tfjsFromScripts(urls: readonly string[] = TFJS_SCRIPTS): Promise<Tfjs> {
  const g = globalThis as { tf?: Tfjs };
  if (!g.tf || !g.tf.findBackendFactory('webgpu')) {
    for (const src of urls) {
      await new Promise<void>((resolve, reject) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = () => resolve();
        s.onerror = () => reject(new Error(`TF.js: could not load ${src}`));
        document.head.append(s);
      });
    }
  }
  if (!g.tf) throw new Error(`TF.js: the scripts ${urls.join(', ')} did not define window.tf`);
  return g.tf;
}

/** Switches TF.js to its WebGPU backend; throws when that backend cannot start (no silent CPU/WebGL fallback). */
export async function initTfjs(tf: Tfjs): Promise<TfjsInfo> {
  if (!tf.findBackendFactory('webgpu')) throw new Error('TF.js: the WebGPU backend is not registered (load @tensorflow/tfjs-backend-webgpu)');
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`TF.js: the WebGPU backend did not start (backend is ${tf.getBackend()})`);
  return { version: tf.version.tfjs, backend: tf.getBackend() };
}

/** Keras's MNIST convnet and the mlp, as src/engine/model.ts PRESETS define them. */
export function tfjsModel(tf: Tfjs, name: BenchModel): TF.Sequential {
  const layers = name === 'cnn'
    ? [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ]
    : [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ];
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * model.trainOnBatch on random images and one-hot labels of the right shapes, as a Stepper. trainOnBatch
 * resolves after reading the loss back, so each step ends with TF.js's GPU work done.
 */
export function tfjsStepper(tf: Tfjs, name: BenchModel, batch: number): Stepper & { dispose(): void } {
  const model = tfjsModel(tf, name);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10));
  return {
    batch,
    async step() {
      await model.trainOnBatch(x, y);
    },
    async idle() {},
    dispose() {
      model.optimizer.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/**
 * Median time of an n×n×n tf.matMul: the GPU time TF.js reports through tf.time (kernelMs) when its
 * backend has timestamp queries, else wall time of the product and the read of its result.
 */
export async function tfjsMatmul(tf: Tfjs, n: number, budget: StepBudget): Promise<Timing> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const product = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  try {
    const reps = await warmedUpReps(product, budget);
    const gpu: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < reps; r++) {
      let c: TF.Tensor | undefined;
      const t = performance.now();
      const info = await tf.time(() => { c = tf.matMul(a, b); });
      await c!.data();
      wall.push(performance.now() - t);
      c!.dispose();
      if (typeof info.kernelMs === 'number' && info.kernelMs > 0) gpu.push(info.kernelMs);
    }
    return gpu.length === reps ? { ms: median(gpu), samples: gpu, method: 'timestamp-query' } : { ms: median(wall), samples: wall, method: 'wall' };
  } finally {
    a.dispose();
    b.dispose();
  }
}
