// The start of a run of <mnist-trainer>: the data set onto the GPU, then the trainer compiled, again
// while the settings change under it (the element's fields stay live while it loads and compiles, and
// training begins with the values shown when it begins). Kept apart from the controller, which owns the
// phases these steps report and what a stop means.
import type { Gpu } from '../engine/gpu';
import { Trainer } from '../engine/trainer';
import type { DataKeeper } from './data-keeper';
import { loadKernelChoices, saveKernelChoices } from './kernel-cache-store';
import { requestKey, uploadKey, type RunRequest } from './controller-types';

export interface PrepareEnv {
  gpu: Gpu;
  data: DataKeeper;
  /** The request as the element's settings are now. */
  getRequest(): RunRequest;
  /** A download starts (phase 'loading'). */
  onDownload(): void;
  /** The trainer is being built (phase 'compiling'). */
  onCompile(): void;
  /** stop() or reset() was called: no trainer is built. */
  stopped(): boolean;
  /** The host left the page or a newer life of it began: drop everything. */
  gone(): boolean;
}

/**
 * The trainer for `request` (as it is once built) on its data set; `trainer` undefined when stopped before
 * one was built, and undefined altogether when gone (anything built is destroyed then).
 */
export async function prepareRun(env: PrepareEnv, request: RunRequest): Promise<{ request: RunRequest; trainer?: Trainer } | undefined> {
  for (;;) {
    const data = await env.data.ensure(env.gpu.device, request, env.onDownload);
    if (env.stopped()) return { request };
    const now = env.getRequest();
    if (uploadKey(now) !== uploadKey(request)) {
      request = now; // the data set or its limits changed while it loaded: load (or upload) that one
      continue;
    }
    request = now;
    env.onCompile();
    // Kernel choices measured on an earlier visit (autotune.ts); a store that fails only costs a measurement.
    await loadKernelChoices().catch(() => undefined);
    const trainer = await Trainer.create(env.gpu, data, request.config);
    void saveKernelChoices().catch(() => undefined);
    if (env.gone()) {
      trainer.destroy();
      return undefined;
    }
    let after: RunRequest;
    try {
      after = env.getRequest();
    } catch (e) {
      trainer.destroy(); // not yet the controller's: nothing else would
      throw e;
    }
    if (requestKey(after) === requestKey(request)) return { request, trainer };
    // A setting changed while compiling: build again with the values training begins with.
    trainer.destroy();
    request = after;
  }
}
