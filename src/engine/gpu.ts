// The WebGPU device: adapter selection, limits, optional features, loss reporting.
// Runs in a page, a worker, the test runner and Node (`webgpu` package): pass `gpu` explicitly where
// `navigator.gpu` does not exist.
import { GpuErrorLog } from './gpu-errors';

export class WebGPUUnavailableError extends Error {
  override name = 'WebGPUUnavailableError';
  readonly code = 'no-webgpu';
}

export interface Gpu {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; description: string; device: string };
  /** Optional features that were available and enabled ('timestamp-query', 'subgroups', 'shader-f16'). */
  features: ReadonlySet<string>;
  /** Resolves (never rejects) when the device is lost, with the reason. */
  lost: Promise<GPUDeviceLostInfo>;
  /** GPU errors no error scope caught (the device's `uncapturederror` events): a Trainer listens while it exists. */
  errors: GpuErrorLog;
  /**
   * The device belongs to someone else (borrowGpu): whoever is handed this Gpu uses it and frees what it
   * allocated on it, but never destroys the device. Absent: the device is the receiver's to destroy.
   */
  borrowed?: boolean;
}

/** A lost device's reason as messages quote it: the driver's message, else the reason code. */
export const lostReasonOf = (info: GPUDeviceLostInfo): string => info.message || info.reason || 'unknown reason';

const HOW_TO_ENABLE =
  'Use a recent Chrome or Edge (113+) on a machine with a supported GPU, and check chrome://gpu. ' +
  'On Linux, start Chrome with --enable-unsafe-webgpu (and --enable-features=Vulkan); headless Chromium ' +
  'without a GPU can use SwiftShader with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader.';

const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName];

export interface GpuOptions {
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * 'adapter' (default): the adapter's best for the limits our kernels care about; 'default': WebGPU's
   * defaults (128 MiB per storage binding, 256 MiB per buffer), e.g. to see how a small GPU fares.
   */
  limits?: 'adapter' | 'default';
}

export async function requestGpu(options: GpuOptions = {}): Promise<Gpu> {
  const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
  if (!gpu) throw new WebGPUUnavailableError(`WebGPU is not available in this browser (navigator.gpu is missing). ${HOW_TO_ENABLE}`);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGPUUnavailableError(`No WebGPU adapter was found (it may be blocked or disabled). ${HOW_TO_ENABLE}`);
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const want = (name: keyof GPUSupportedLimits) => adapter.limits[name] as number;
  const device = await adapter.requestDevice({
    label: 'mnist-trainer',
    requiredFeatures: features,
    // Ask for what the adapter offers for the limits our kernels care about (large datasets, big workgroups).
    requiredLimits: options.limits === 'default' ? {} : {
      maxStorageBufferBindingSize: want('maxStorageBufferBindingSize'),
      maxBufferSize: want('maxBufferSize'),
      maxComputeWorkgroupStorageSize: want('maxComputeWorkgroupStorageSize'),
      maxComputeInvocationsPerWorkgroup: want('maxComputeInvocationsPerWorkgroup'),
      maxComputeWorkgroupSizeX: want('maxComputeWorkgroupSizeX'),
      maxComputeWorkgroupSizeY: want('maxComputeWorkgroupSizeY'),
      maxStorageBuffersPerShaderStage: want('maxStorageBuffersPerShaderStage'),
    },
  });
  return gpuOf(device, adapter.info, features);
}

/**
 * A device the page already has (one WebGPU device shared by several components), as a Gpu that is
 * `borrowed`: e.g. `el.requestGpu = async () => borrowGpu(device)` makes <mnist-trainer> train on it and
 * leave it alive when the element leaves the page. Its optional features are whatever the page enabled
 * (without 'timestamp-query' the autotuner times with the wall clock); a device with WebGPU's default limits
 * runs only what fits them, and a model that does not gets the usual error naming the limit. Trainers on one
 * device share its uncaptured errors: one such error stops each of them (WebGPU does not say whose it was).
 */
export function borrowGpu(device: GPUDevice): Gpu {
  const features = OPTIONAL_FEATURES.filter((f) => device.features.has(f));
  return { ...gpuOf(device, device.adapterInfo, features), borrowed: true };
}

function gpuOf(device: GPUDevice, info: GPUAdapterInfo | undefined, features: readonly string[]): Gpu {
  return {
    device,
    adapterInfo: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      description: info?.description ?? '',
      device: info?.device ?? '',
    },
    features: new Set(features),
    lost: device.lost,
    errors: new GpuErrorLog(device),
  };
}

/** A short human name for the adapter, for status lines and benchmark tables. */
export function adapterName(gpu: Gpu): string {
  const { vendor, architecture, description, device } = gpu.adapterInfo;
  return description || [vendor, architecture, device].filter(Boolean).join(' ') || 'unknown adapter';
}

/**
 * `read()`, a readback of `gpu`'s buffers. Where it fails, `checkLost` runs once the device's `lost` has had 50 ms
 * to resolve: a destroyed device fails a pending mapAsync (an AbortError) before `lost` resolves, and that
 * failure is the loss, which `checkLost` names (else the read's own error is thrown).
 */
export async function readback<T>(gpu: Gpu, read: () => Promise<T>, checkLost: () => void): Promise<T> {
  try {
    return await read();
  } catch (e) {
    await Promise.race([gpu.lost, new Promise((r) => setTimeout(r, 50))]);
    checkLost();
    throw e;
  }
}
