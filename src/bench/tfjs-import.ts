// TF.js as ES modules, for pages built or served by a bundler (bench.html under Vite). Kept apart from
// tfjs.ts so that importing the benchmark does not pull TF.js into a bundle that never runs it.
import type { Tfjs } from './tfjs';

export async function importTfjs(): Promise<Tfjs> {
  const tf = await import('@tensorflow/tfjs');
  // Registers the 'webgpu' backend with the tfjs-core instance that @tensorflow/tfjs re-exports.
  await import('@tensorflow/tfjs-backend-webgpu');
  return tf;
}
