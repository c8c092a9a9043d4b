// WebGPU in Node through the `webgpu` package (Dawn). scripts/run-node.mjs points it at a Vulkan driver.
import { requestGpu, type Gpu } from '../engine/gpu';
import { CodedError, errorCode } from '../engine/errors';
import { keepKernelChoices } from './kernel-cache';

// Dawn's instance must outlive every device made from it: if it is garbage-collected, pending async
// work (pipeline compiles, mapAsync) aborts the process. Keep it for the life of the process.
let instance: GPU | undefined;

export async function nodeGpu(): Promise<Gpu> {
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new Error(`the npm package "webgpu" could not be loaded (${(e as Error).message}); run npm install`, { cause: e });
  }
  Object.assign(globalThis, mod.globals);
  // GPU timestamps at full resolution: Dawn rounds them down to 2^16 ns unless told otherwise (a browser's guard
  // against timing attacks, nothing to guard in a CLI), and kernels that take less read 0 (gpu-timer.ts).
  instance ??= mod.create(['disable-dawn-features=timestamp_quantization']);
  // The autotuner's choices of earlier runs on this machine (a JSON file; kernel-cache.ts).
  const note = keepKernelChoices();
  if (note) console.error(`note: ${note}`);
  try {
    const gpu = await requestGpu({ gpu: instance });
    // Dawn can crash while the process exits with a device alive (a segfault after an error was reported, turning
    // exit 1 into 139): whatever path ends the process (an error, a second Ctrl-C), the device goes first.
    process.once('exit', () => gpu.device.destroy());
    return gpu;
  } catch (e) {
    // The code stays the cause's (no-webgpu where there is no adapter), with the hint for Node added.
    throw new CodedError(errorCode(e), `${(e as Error).message}\nIn Node, Dawn needs a Vulkan driver: a GPU's, or SwiftShader's from Debian's chromium package ` +
      '(VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium); scripts/run-node.mjs sets these when they exist.', { cause: e });
  }
}
