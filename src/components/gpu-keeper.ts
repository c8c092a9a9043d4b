// The GPU device of <mnist-trainer>'s runs: requested once (when the host connects, so the status line
// can name the adapter and a missing WebGPU is reported at once), forgotten when lost so the next run
// asks for a new one, destroyed when the host leaves the page (unless borrowed: then it is the page's).
// What a loss or a missing WebGPU means to the element (a phase, a message, a released trainer) is the
// controller's: the keeper only calls back.
import { adapterName, lostReasonOf, WebGPUUnavailableError, type Gpu } from '../engine/gpu';
import { removed } from './controller-types';

export interface GpuKeeperHooks {
  /** True once the host left the page for good: a device that arrives then is destroyed at once. */
  disposed(): boolean;
  /** A device arrived (`adapter` is set). */
  ready(): void;
  /** No WebGPU here (the request threw WebGPUUnavailableError). */
  unavailable(e: WebGPUUnavailableError): void;
  /** The device was lost; the keeper has forgotten it already. `reason` is also kept in `lostReason`. */
  lost(info: GPUDeviceLostInfo, reason: string): void;
}

export class GpuKeeper {
  gpu?: Gpu;
  adapter = '';
  /** Why the last device was lost ('' before any loss): a run that fails on the loss names it. */
  lostReason = '';
  private promise?: Promise<Gpu>;
  /** Bumped by dispose(), so a device requested before it is dropped when it arrives. */
  private generation = 0;

  constructor(private readonly request: () => Promise<Gpu>, private readonly hooks: GpuKeeperHooks) {}

  /** The device, requested once; a failed request is forgotten so the next call asks again. */
  ensure(): Promise<Gpu> {
    const generation = this.generation;
    this.promise ??= this.request().then(
      (gpu) => {
        if (this.hooks.disposed() || generation !== this.generation) {
          if (!gpu.borrowed) gpu.device.destroy();
          // Arrived while the host was away: forgotten, so the host back on the page asks again (dispose() already
          // forgot it where the generation moved on, and a newer request may be under way).
          if (generation === this.generation) this.promise = undefined;
          throw removed();
        }
        this.gpu = gpu;
        this.adapter = adapterName(gpu);
        gpu.lost.then((info) => this.onLost(gpu, info));
        this.hooks.ready();
        return gpu;
      },
      (e: unknown) => {
        if (generation !== this.generation) throw e;
        this.promise = undefined;
        if (e instanceof WebGPUUnavailableError) this.hooks.unavailable(e);
        throw e;
      },
    );
    return this.promise;
  }

  private onLost(gpu: Gpu, info: GPUDeviceLostInfo): void {
    if (this.gpu !== gpu) return;
    this.gpu = undefined;
    this.promise = undefined;
    this.lostReason = lostReasonOf(info);
    this.hooks.lost(info, this.lostReason);
  }

  /**
   * Destroys the device (last, after its owner destroyed what lived on it). A fit() waiting on the GPU
   * sees the device lost and unwinds; the loss, with reason 'destroyed', is not reported (onLost: forgotten first).
   * A borrowed device (borrowGpu) is only forgotten: it is the page's, and the trainer's buffers on it are
   * already destroyed by then.
   */
  dispose(): void {
    this.generation++;
    const gpu = this.gpu;
    this.gpu = undefined;
    this.promise = undefined;
    if (gpu && !gpu.borrowed) gpu.device.destroy();
  }
}
