// Named GPU buffers with their shapes (llm.c style), uniforms, uploads and readback.
// Readback is only for tests, evaluation results and the few metric reads per epoch: never inside a step.

export interface Tensor {
  name: string;
  shape: readonly number[];
  /** Number of elements (product of the shape). */
  size: number;
  buffer: GPUBuffer;
}

export const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The bytes of the GPU buffer createTensor makes for `elements` 4-byte elements (memory.ts counts with it). */
export function tensorBytes(elements: number): number {
  return Math.max(16, align(elements * 4, 16));
}

/** A storage buffer of 4-byte elements (f32 or u32), zero-initialised, optionally filled with `data`. */
export function createTensor(
  device: GPUDevice,
  name: string,
  shape: readonly number[],
  data?: Float32Array | Uint32Array | Int32Array,
): Tensor {
  const size = numel(shape);
  if (!Number.isInteger(size) || size < 0) throw new Error(`tensor ${name}: invalid shape [${shape.join(', ')}]`);
  if (data && data.length !== size) throw new Error(`tensor ${name}: data has ${data.length} elements, shape [${shape.join(', ')}] needs ${size}`);
  const buffer = device.createBuffer({ label: name, size: tensorBytes(size), usage: STORAGE });
  if (data) device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return { name, shape, size, buffer };
}

/** A uniform buffer initialised from `data`; rewrite it with `device.queue.writeBuffer` when values change. */
export function createUniform(device: GPUDevice, label: string, data: ArrayBuffer): GPUBuffer {
  const bytes = new Uint8Array(data);
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, align(bytes.byteLength, 16)),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, bytes);
  return buffer;
}

/**
 * Packs a uniform struct whose fields are all 4 bytes wide, in declaration order.
 * `{ n: u32(10), rate: 0.5 }`: numbers are f32 unless wrapped with `u32()` or `i32()`.
 */
export type UniformField = number | { u32: number } | { i32: number };
export const u32 = (v: number): UniformField => ({ u32: v });
export const i32 = (v: number): UniformField => ({ i32: v });

export function packUniform(fields: UniformField[]): ArrayBuffer {
  const buf = new ArrayBuffer(align(fields.length * 4, 16));
  const view = new DataView(buf);
  fields.forEach((f, i) => {
    if (typeof f === 'number') view.setFloat32(i * 4, f, true);
    else if ('u32' in f) {
      if (!Number.isInteger(f.u32) || f.u32 < 0 || f.u32 > 0xffffffff) throw new Error(`uniform field ${i}: ${f.u32} is not a u32`);
      view.setUint32(i * 4, f.u32, true);
    } else {
      if (!Number.isInteger(f.i32)) throw new Error(`uniform field ${i}: ${f.i32} is not an i32`);
      view.setInt32(i * 4, f.i32, true);
    }
  });
  return buf;
}

/** Copies `count` 4-byte elements of a buffer back to the CPU (asynchronous; not for use inside a step). */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, count: number, offsetElements = 0): Promise<ArrayBuffer> {
  return (await readBuffers(device, buffer.label, [{ buffer, count, offset: offsetElements }]))[0];
}

/** Each part's `count` 4-byte elements from element `offset` (default 0), copied into one staging buffer: one submission, one map. */
async function readBuffers(device: GPUDevice, label: string, parts: { buffer: GPUBuffer; count: number; offset?: number }[]): Promise<ArrayBuffer[]> {
  const offsets = parts.map((_, i) => parts.slice(0, i).reduce((sum, p) => sum + p.count * 4, 0));
  const bytes = parts.reduce((sum, p) => sum + p.count * 4, 0);
  const staging = device.createBuffer({ label: `${label}.readback`, size: Math.max(4, bytes), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const enc = device.createCommandEncoder({ label: `${label}.readback` });
    parts.forEach((p, i) => { if (p.count > 0) enc.copyBufferToBuffer(p.buffer, (p.offset ?? 0) * 4, staging, offsets[i], p.count * 4); });
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange();
    const out = parts.map((p, i) => all.slice(offsets[i], offsets[i] + p.count * 4));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}

/**
 * The first `count` floats of several buffers in one submission and one map (a state made of several
 * buffers is read as of one moment; nothing queued later can come between the copies); one by one where
 * together they pass the largest buffer the device allows. Not inside a step.
 */
export async function readF32s(device: GPUDevice, label: string, parts: { buffer: GPUBuffer; count: number }[]): Promise<Float32Array[]> {
  if (parts.reduce((sum, p) => sum + p.count * 4, 0) <= device.limits.maxBufferSize) return (await readBuffers(device, label, parts)).map((b) => new Float32Array(b));
  const out: Float32Array[] = [];
  for (const p of parts) out.push(await readF32(device, p.buffer, p.count));
  return out;
}

export async function readF32(device: GPUDevice, t: Tensor | GPUBuffer, count?: number): Promise<Float32Array> {
  const buffer = 'buffer' in t ? t.buffer : t;
  const n = count ?? ('size' in t ? t.size : buffer.size / 4);
  return new Float32Array(await readBuffer(device, buffer, n));
}

export async function readU32(device: GPUDevice, t: Tensor | GPUBuffer, count?: number): Promise<Uint32Array> {
  const buffer = 'buffer' in t ? t.buffer : t;
  const n = count ?? ('size' in t ? t.size : buffer.size / 4);
  return new Uint32Array(await readBuffer(device, buffer, n));
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** queue.writeBuffer for any typed array (the DOM typings reject views of ArrayBufferLike). */
export function writeArray(device: GPUDevice, buffer: GPUBuffer, data: ArrayBufferView, offsetBytes = 0): void {
  device.queue.writeBuffer(buffer, offsetBytes, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}
