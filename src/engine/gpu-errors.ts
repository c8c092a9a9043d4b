// GPU errors as our errors. WebGPU reports an allocation that failed or a call it refused only through
// error scopes or the device's `uncapturederror` event: the buffer comes back invalid, the commands
// using it are dropped, and what the CPU reads afterwards is zeros. Without these, a model too big for
// the GPU trained "fine" and its zeroed step log read as a NaN loss at step 0.
import { CodedError } from './errors';

/** A popped or uncaptured GPUError as a CodedError: 'out-of-memory' for GPUOutOfMemoryError, else 'internal'. */
export function gpuError(error: GPUError, what: string): CodedError {
  const oom = typeof GPUOutOfMemoryError !== 'undefined' ? error instanceof GPUOutOfMemoryError : error.constructor?.name === 'GPUOutOfMemoryError';
  return oom
    ? new CodedError('out-of-memory', `The GPU ran out of memory during ${what} (${error.message || 'no details'}). Use a smaller batch size or model, or a train limit.`)
    : new CodedError('internal', `The GPU refused a command during ${what}: ${error.message}`);
}

/**
 * Runs `fn` inside an 'out-of-memory' and a 'validation' error scope; a GPU error popped from either
 * rejects with gpuError(). The scopes are popped whatever `fn` does, and `fn`'s own error wins (it is
 * thrown first, and its cleanup, e.g. owning()'s, has run). The caller frees what `fn` allocated.
 */
export async function withErrorScopes<T>(device: GPUDevice, what: string, fn: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: { value: T } | { thrown: unknown };
  try {
    result = { value: await fn() };
  } catch (thrown) {
    result = { thrown };
  }
  // Both popped (innermost first) before anything is thrown, so the device's scope stack stays balanced.
  const validation = device.popErrorScope();
  const oom = device.popErrorScope();
  const [v, o] = await Promise.all([validation, oom]);
  if ('thrown' in result) throw result.thrown;
  const error = o ?? v;
  if (error) throw gpuError(error, what);
  return result.value;
}

/** Uncaptured GPU errors of one device, each turned into a CodedError, for whoever listens now. */
export class GpuErrorLog {
  private readonly listeners = new Set<(e: CodedError) => void>();
  /** The latest uncaptured error, kept for status lines and post-mortems. */
  last?: CodedError;

  constructor(device: GPUDevice) {
    device.addEventListener('uncapturederror', (ev) => {
      const e = gpuError((ev as GPUUncapturedErrorEvent).error, 'training or evaluation');
      this.last = e;
      for (const l of this.listeners) l(e);
    });
  }

  /** Calls `listener` with every later uncaptured error; returns what unsubscribes it. */
  listen(listener: (e: CodedError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
