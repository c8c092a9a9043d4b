// One WebGPU device shared by all tests in a file. No adapter = a failing test with instructions,
// never a silent skip.
import { requestGpu, type Gpu } from '../../src/engine/gpu';
import { createTensor, readF32, readU32, type Tensor } from '../../src/engine/buffers';
import { submitDispatches, type Dispatch } from '../../src/engine/dispatch';

let gpuPromise: Promise<Gpu> | undefined;

export function testGpu(): Promise<Gpu> {
  gpuPromise ??= requestGpu().catch((e: Error) => {
    throw new Error(
      `${e.message}\nThe tests need WebGPU: run them with \`npm test\`, which starts /usr/bin/chromium with ` +
        '--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader (Debian: apt-get install chromium).',
    );
  });
  return gpuPromise;
}

export async function testDevice(): Promise<GPUDevice> {
  const gpu = await testGpu();
  return gpu.device;
}

let counter = 0;
/** A tensor holding `data` (f32 or u32), labelled for error messages. */
export function upload(device: GPUDevice, data: Float32Array | Uint32Array, name = `t${counter++}`, shape: number[] = [data.length]): Tensor {
  return createTensor(device, name, shape, data);
}

/** An output tensor prefilled with a sentinel, so kernels that skip elements get caught. */
export function output(device: GPUDevice, n: number, name = `out${counter++}`, fill = Number.NaN): Tensor {
  return createTensor(device, name, [n], new Float32Array(n).fill(fill));
}

/** Runs the dispatches, surfacing validation errors, and waits for completion. */
export async function run(device: GPUDevice, list: readonly Dispatch[]): Promise<void> {
  device.pushErrorScope('validation');
  submitDispatches(device, list, 'test');
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error: ${err.message}`);
  await device.queue.onSubmittedWorkDone();
}

export { readF32, readU32 };

let smallGpuPromise: Promise<Gpu> | undefined;
/**
 * A second device with WebGPU's default limits (128 MiB per storage binding, 256 MiB per buffer): WebGPU
 * only lets a device ask for better limits than the defaults, so this is the smallest GPU a test can have.
 */
export function smallGpu(): Promise<Gpu> {
  smallGpuPromise ??= requestGpu({ limits: 'default' });
  return smallGpuPromise;
}
