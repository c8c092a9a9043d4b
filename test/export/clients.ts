// The real clients the exports are checked with: TF.js 4.22 (its UMD bundle by a script tag, as the
// benchmark loads it, on its cpu backend) and onnxruntime-web (single-threaded wasm, served from
// node_modules by the test runner).
import type * as TF from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web/wasm';
import type { TfjsArtifacts } from '../../src/engine/export/tfjs';

type Tfjs = typeof TF;

let tfPromise: Promise<Tfjs> | undefined;
export function tfjsCpu(): Promise<Tfjs> {
  tfPromise ??= (async () => {
    const g = globalThis as { tf?: Tfjs };
    if (!g.tf) {
      await new Promise<void>((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/node_modules/@tensorflow/tfjs/dist/tf.min.js';
        s.onload = () => resolve();
        s.onerror = () => reject(new Error('could not load TF.js'));
        document.head.append(s);
      });
    }
    const tf = g.tf!;
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

/**
 * Class probabilities from TF.js for `n` images (pixels / 255, NHWC), and the model's user-defined metadata: the model
 * loaded by tf.loadLayersModel from model.json as TF.js's own file and HTTP loaders read it (getModelArtifactsForJSON).
 */
export async function tfjsPredict(a: TfjsArtifacts, pixels: Float32Array, n: number): Promise<{ probs: Float32Array; metadata: unknown }> {
  const tf = await tfjsCpu();
  const weightData = a.weights.buffer.slice(a.weights.byteOffset, a.weights.byteOffset + a.weights.byteLength) as ArrayBuffer;
  const modelJson = JSON.parse(JSON.stringify(a.modelJson)) as TF.io.ModelJSON;
  const model = await tf.loadLayersModel({
    load: () => tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [manifest[0].weights, weightData]),
  });
  const x = tf.tensor4d(pixels, [n, 28, 28, 1]);
  const y = model.predict(x) as TF.Tensor;
  const probs = (await y.data()) as Float32Array;
  const metadata = model.getUserDefinedMetadata();
  tf.dispose([x, y]);
  model.dispose();
  return { probs, metadata };
}

// Single-threaded (threads need a cross-origin-isolated page); the bundle's own glue code, and its .wasm
// file from node_modules (a prefix string here would make ORT import its separate .mjs glue instead).
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = { wasm: '/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm' };

/** Class probabilities from ONNX Runtime (wasm) for `n` images, read from the output named "probabilities". */
export async function onnxPredict(bytes: Uint8Array, pixels: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', pixels, [n, 28, 28, 1]) });
    return out.probabilities.data as Float32Array;
  } finally {
    await session.release();
  }
}
