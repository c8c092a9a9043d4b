// A dispatch is a recorded unit of GPU work: pipeline + bind group + grid, built once, encoded every step.
// The training step and the evaluation step are ordered lists of these.
import { bindBuffers, type BufferLike, type Kernel } from './pipelines';

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

export function makeDispatch(
  device: GPUDevice,
  kernel: Kernel,
  label: string,
  buffers: readonly BufferLike[],
  workgroups: readonly [number, number?, number?],
): Dispatch {
  const [x, y = 1, z = 1] = workgroups;
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  for (const v of [x, y, z]) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new Error(`${label}: grid ${x}×${y}×${z} is outside 0..${max} workgroups per dimension`);
  }
  return { label, pipeline: kernel.pipeline, bindGroup: bindBuffers(device, kernel, label, buffers), workgroups: [x, y, z] };
}

/**
 * For tests: fold every 1-D grid of more than `limit` workgroups, as only grids past the device's limit (65,535;
 * a batch of 4,096 through the cnn's first conv) are in training, so that each kernel's folded indexing and its
 * guard against the fold's extra workgroups run at test sizes (test/engine/grid-fold.test.ts). Read when a
 * dispatch is built; undefined: the device's limit.
 */
export const gridFolding: { limit?: number } = {};

/**
 * A 1-D grid of `count` workgroups folded into x and y when it exceeds the per-dimension limit.
 * Kernels linearise with `wid.x + wid.y * nwg.x` (@builtin(workgroup_id), @builtin(num_workgroups)).
 */
export function grid1d(device: GPUDevice, count: number): [number, number, number] {
  const max = Math.min(device.limits.maxComputeWorkgroupsPerDimension, gridFolding.limit ?? Infinity);
  if (count <= max) return [count, 1, 1];
  const y = Math.ceil(count / max);
  return [Math.ceil(count / y), y, 1];
}

export function encodeDispatches(pass: GPUComputePassEncoder, list: readonly Dispatch[]): void {
  for (const d of list) {
    if (d.workgroups[0] * d.workgroups[1] * d.workgroups[2] === 0) continue;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** Encodes and submits `list` in one compute pass. */
export function submitDispatches(device: GPUDevice, list: readonly Dispatch[], label = 'dispatches'): void {
  const enc = device.createCommandEncoder({ label });
  const pass = enc.beginComputePass({ label });
  encodeDispatches(pass, list);
  pass.end();
  device.queue.submit([enc.finish()]);
}
