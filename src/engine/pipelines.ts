// Compute pipelines, compiled once and cached by (source, entry point, sorted override constants).
// Every pipeline has an explicit bind-group layout declared by its op module, so an entry point may
// ignore some bindings of a shared layout. Compile errors surface with line and column.
import { CodedError } from './errors';

export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

export interface KernelSpec {
  /** `op.entry`, e.g. `conv2d.backward_weight`; labels the module, layout and pipeline. */
  label: string;
  code: string;
  entryPoint: string;
  /** Workgroup size as stated by the op module; must equal the `override` constants it passes. */
  workgroupSize: readonly [number, number?, number?];
  /** Pipeline-overridable constants (tile sizes, workgroup sizes, activation ids): validated integers only. */
  constants?: Record<string, number>;
  /** Binding i of group 0 has kind bindings[i]. */
  bindings: readonly BindingKind[];
}

export interface Kernel {
  spec: KernelSpec;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

export class ShaderCompileError extends Error {
  override name = 'ShaderCompileError';
}

const caches = new WeakMap<GPUDevice, Map<string, Promise<Kernel>>>();

/** Throws a clear error if the workgroup size exceeds this device's limits. */
export function checkWorkgroupSize(device: GPUDevice, label: string, size: readonly [number, number?, number?], workgroupBytes = 0): void {
  const [x, y = 1, z = 1] = size;
  const l = device.limits;
  for (const [v, name] of [[x, 'x'], [y, 'y'], [z, 'z']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${label}: workgroup size ${name}=${v} is not a positive integer`);
  }
  if (x > l.maxComputeWorkgroupSizeX || y > l.maxComputeWorkgroupSizeY || z > l.maxComputeWorkgroupSizeZ) {
    throw new Error(`${label}: workgroup size ${x}×${y}×${z} exceeds this device's per-dimension limits ` +
      `${l.maxComputeWorkgroupSizeX}×${l.maxComputeWorkgroupSizeY}×${l.maxComputeWorkgroupSizeZ}`);
  }
  if (x * y * z > l.maxComputeInvocationsPerWorkgroup) {
    throw new Error(`${label}: ${x * y * z} invocations per workgroup exceed this device's limit of ${l.maxComputeInvocationsPerWorkgroup}`);
  }
  if (workgroupBytes > l.maxComputeWorkgroupStorageSize) {
    throw new Error(`${label}: ${workgroupBytes} bytes of workgroup memory exceed this device's limit of ${l.maxComputeWorkgroupStorageSize}`);
  }
}

function cacheKey(spec: KernelSpec): string {
  const constants = Object.entries(spec.constants ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([spec.code, spec.entryPoint, constants, spec.bindings]);
}

/** Formats getCompilationInfo() messages as `label:line:col: error: text`. */
export async function compilationErrors(module: GPUShaderModule, label: string): Promise<string[]> {
  const info = await module.getCompilationInfo();
  return info.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${label}:${m.lineNum}:${m.linePos}: error: ${m.message}`);
}

export function getKernel(device: GPUDevice, spec: KernelSpec, workgroupBytes = 0): Promise<Kernel> {
  let cache = caches.get(device);
  if (!cache) caches.set(device, (cache = new Map()));
  const key = cacheKey(spec);
  let kernel = cache.get(key);
  if (!kernel) {
    kernel = buildKernel(device, spec, workgroupBytes);
    cache.set(key, kernel);
    kernel.catch(() => cache!.delete(key));
  }
  return kernel;
}

async function buildKernel(device: GPUDevice, spec: KernelSpec, workgroupBytes: number): Promise<Kernel> {
  checkWorkgroupSize(device, spec.label, spec.workgroupSize, workgroupBytes);
  for (const [name, v] of Object.entries(spec.constants ?? {})) {
    if (!Number.isFinite(v)) throw new Error(`${spec.label}: override constant ${name}=${v} is not a finite number`);
  }
  const module = device.createShaderModule({ label: spec.label, code: spec.code });
  const layout = device.createBindGroupLayout({
    label: spec.label,
    entries: spec.bindings.map((type, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type },
    })),
  });
  device.pushErrorScope('validation');
  let pipeline: GPUComputePipeline;
  try {
    pipeline = await device.createComputePipelineAsync({
      label: spec.label,
      layout: device.createPipelineLayout({ label: spec.label, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint, constants: spec.constants },
    });
  } catch (e) {
    await device.popErrorScope();
    const errors = await compilationErrors(module, spec.label);
    throw new ShaderCompileError(errors.length ? errors.join('\n') : `${spec.label}: ${(e as Error).message}`);
  }
  const err = await device.popErrorScope();
  if (err) {
    const errors = await compilationErrors(module, spec.label);
    throw new ShaderCompileError(errors.length ? errors.join('\n') : `${spec.label}: ${err.message}`);
  }
  return { spec, pipeline, layout };
}

/** A whole buffer, or a range of one (offset a multiple of minStorageBufferOffsetAlignment, 256 bytes). */
export type BufferLike = GPUBuffer | GPUBufferBinding;

export function asBinding(b: BufferLike): GPUBufferBinding {
  return 'buffer' in b ? b : { buffer: b };
}

/** Binds `buffers[i]` to binding i; the buffers must match the kernel's declared binding kinds. */
export function bindBuffers(device: GPUDevice, kernel: Kernel, label: string, buffers: readonly BufferLike[]): GPUBindGroup {
  if (buffers.length !== kernel.spec.bindings.length) {
    throw new Error(`${label}: ${buffers.length} buffers given, ${kernel.spec.label} declares ${kernel.spec.bindings.length} bindings`);
  }
  return device.createBindGroup({
    label,
    layout: kernel.layout,
    entries: buffers.map((b, binding) => ({ binding, resource: asBinding(b) })),
  });
}

/** Bytes a binding covers (the rest of the buffer when a range has no size). */
export function bindingBytes(b: BufferLike): number {
  const { buffer, offset = 0, size } = asBinding(b);
  return size ?? buffer.size - offset;
}

/** Throws `op: name holds N bytes, needs M (what)` when a binding is too small for its shape. */
export function checkCapacity(op: string, name: string, b: BufferLike, bytes: number, what = ''): void {
  const have = bindingBytes(b);
  if (have < bytes) throw new Error(`${op}: ${name} holds ${have} bytes, needs ${bytes}${what ? ` for ${what}` : ''}`);
}

/** The largest storage binding this device allows: a binding is a buffer too, so maxBufferSize bounds it as well. */
export function storageBindingLimit(limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/**
 * Throws an 'out-of-memory' CodedError `op: name needs N bytes (what), more than this device's storage
 * binding limit of L bytes` when one binding of that size cannot exist on this device: every op checks
 * every storage binding it is given or creates, before anything is allocated or dispatched, so a shape
 * too big fails here with its op and binding named instead of as an invalid bind group later.
 */
export function checkBindingLimit(device: GPUDevice, op: string, name: string, bytes: number, what = ''): void {
  const limit = storageBindingLimit(device.limits);
  if (bytes > limit) {
    throw new CodedError('out-of-memory', `${op}: ${name} needs ${bytes} bytes${what ? ` (${what})` : ''}, more than this device's ` +
      `storage binding limit of ${limit} bytes; use a smaller batch or layer`);
  }
}

/** checkBindingLimit, then checkCapacity: the binding fits the device and the buffer holds the shape. */
export function checkBinding(device: GPUDevice, op: string, name: string, b: BufferLike, bytes: number, what = ''): void {
  checkBindingLimit(device, op, name, bytes, what);
  checkCapacity(op, name, b, bytes, what);
}

/**
 * WebGPU forbids a dispatch to write a buffer that another of its bindings reads, even through
 * disjoint ranges: outputs must live in buffers of their own.
 */
export function checkNotAliased(op: string, outputs: Record<string, BufferLike>, inputs: Record<string, BufferLike | undefined>): void {
  for (const [o, ob] of Object.entries(outputs)) {
    for (const [i, ib] of Object.entries({ ...inputs, ...outputs })) {
      if (i !== o && ib && asBinding(ib).buffer === asBinding(ob).buffer) {
        throw new Error(`${op}: ${o} must not share a GPU buffer with ${i} (WebGPU forbids writing a buffer the same dispatch also binds)`);
      }
    }
  }
}
