// The recovery point: the whole training state after the last finished epoch, as checkpoint bytes in CPU
// memory, so a run that fails later (the loss diverges, the device is lost, the GPU refuses a command)
// loses only the epoch under way. The Trainer takes one after each epoch's evaluation, when it has read
// results back anyway (one more readback of the weights and the optimizer state per epoch, none in the
// step); a trainer restored from a checkpoint starts with that file's bytes. Weights that are already not
// finite are not kept: the previous point stays, and the failure the run is heading for is reported as usual.
// A state past MAX_RECOVERY_BYTES is not copied every epoch (its readback and a second copy in memory would
// cost more than they save); such a model is saved by the user.
import type { TrainingState } from './trainer-state';

export const MAX_RECOVERY_BYTES = 256 * 1024 * 1024;

export interface RecoveryPoint {
  /** Epochs trained, and the global step, when it was taken. */
  readonly epoch: number;
  readonly step: number;
  /** A checkpoint file (checkpoint.ts): Trainer.load restores it, the element and the CLI can save it. */
  readonly bytes: Uint8Array;
}

/** True when every weight and optimizer value is finite: a state worth returning to. */
export function finiteState(s: TrainingState): boolean {
  const finite = (a: Float32Array) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
    return true;
  };
  return finite(s.params) && Object.values(s.optimizer).every(finite);
}
