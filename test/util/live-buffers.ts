// Counts the GPU buffers alive in this page: wraps GPUDevice.prototype.createBuffer and
// GPUBuffer.prototype.destroy once, so buffers of every device (the element's too) are seen.
// A buffer counts as alive until destroy() is called on it; a destroyed device's are not forgotten.

const alive = new Map<GPUBuffer, GPUDevice>();
let installed = false;
/** When set, the createBindGroup call that brings it to 0 throws (fault injection). */
let bindGroupsLeft: number | undefined;
let bindGroupsMade = 0;

export function trackBuffers(): void {
  if (installed) return;
  installed = true;
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor): GPUBuffer {
    const b = createBuffer.call(this, d);
    alive.set(b, this);
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer): undefined {
    alive.delete(this);
    return destroy.call(this);
  };
  const createBindGroup = GPUDevice.prototype.createBindGroup;
  GPUDevice.prototype.createBindGroup = function (this: GPUDevice, d: GPUBindGroupDescriptor): GPUBindGroup {
    bindGroupsMade++;
    if (bindGroupsLeft !== undefined && --bindGroupsLeft === 0) {
      bindGroupsLeft = undefined;
      throw new Error(`injected failure at bind group ${d.label ?? ''}`);
    }
    return createBindGroup.call(this, d);
  };
}

/** The buffers alive now (of one device, or all). */
export function liveBuffers(device?: GPUDevice): Set<GPUBuffer> {
  return new Set([...alive].filter(([, d]) => !device || d === device).map(([b]) => b));
}

/** Labels of the buffers alive now that were not in `before`, sorted. */
export function aliveSince(before: Set<GPUBuffer>, device?: GPUDevice): string[] {
  return [...liveBuffers(device)].filter((b) => !before.has(b)).map((b) => b.label).sort();
}

/** Bind groups created so far (to count those a piece of code makes). */
export function bindGroupCount(): number {
  return bindGroupsMade;
}

/** Makes the n-th createBindGroup call from now throw (n ≥ 1); undefined disarms. */
export function failBindGroup(n: number | undefined): void {
  bindGroupsLeft = n;
}
