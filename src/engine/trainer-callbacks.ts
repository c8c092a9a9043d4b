// The Trainer's side of early stopping and reduce-on-plateau (callbacks.ts decides): the callbacks'
// state, and the copy of the best epoch's weights, kept on the GPU (copyBufferToBuffer, no readback)
// in a buffer this object owns, allocated once when restoreBestWeights is on.
//
// Checkpoints hold the state (best value and epoch, waits, the stop) but not the best weights. After a
// load the trainer has no copy: like Keras's EarlyStopping when its best weights were never set, the
// weights at the end of the first epoch after the load are taken as the best until a better epoch comes,
// so a stop restores the best epoch since the load (the weights of an earlier best epoch are gone).
import { afterEpoch, callbacksActive, initialCallbackState, monitored, type CallbackConfig, type CallbackState } from './callbacks';
import type { Tensor } from './buffers';
import type { Destroyable } from './op';
import { DEFAULT_SETTINGS } from './settings';
import type { History, TrainConfig } from './training-types';

/** The callbacks' settings of a configuration, defaults filled in. */
export function callbackConfig(c: TrainConfig): CallbackConfig {
  const d = DEFAULT_SETTINGS;
  return {
    monitor: c.monitor ?? d.monitor, minDelta: c.minDelta ?? d.minDelta, earlyStopping: c.earlyStopping,
    restoreBestWeights: c.restoreBestWeights ?? d.restoreBestWeights, reduceLrPatience: c.reduceLrPatience,
    reduceLrFactor: c.reduceLrFactor ?? d.reduceLrFactor, minLearningRate: c.minLearningRate ?? d.minLearningRate,
  };
}

/** Whether a trainer of `c` keeps a copy of the best weights (memory.ts counts it). */
export function keepsBestWeights(c: Pick<TrainConfig, 'restoreBestWeights' | 'earlyStopping'>): boolean {
  return c.restoreBestWeights === true && c.earlyStopping !== undefined;
}

export interface EpochOutcome {
  /** The new base learning rate, when a plateau reduced it. */
  reducedLearningRate?: number;
  /** Early stopping ended the run; `restored`: the best weights are back in the parameters. */
  stopped?: { bestEpoch: number | null; restored: boolean };
}

export class EpochCallbacks implements Destroyable {
  readonly config: CallbackConfig;
  state: CallbackState = initialCallbackState();
  private readonly best?: GPUBuffer;
  /** Whether `best` holds weights of this trainer's run (not after initialize() or a load). */
  private saved = false;

  constructor(private readonly device: GPUDevice, private readonly params: Tensor, config: TrainConfig) {
    this.config = callbackConfig(config);
    if (keepsBestWeights(config)) {
      this.best = device.createBuffer({ label: 'params.best', size: params.buffer.size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    }
  }

  get stopped(): boolean {
    return this.state.stoppedEpoch !== null;
  }

  /** A fresh run (initialize) or a loaded one (`state` from its checkpoint): no best weights kept yet. */
  reset(state: CallbackState = initialCallbackState()): void {
    this.state = { ...state };
    this.saved = false;
  }

  /**
   * After epoch `epoch` (1-based), whose figures are the last of `h`, run at base rate `learningRate`:
   * updates the state and History's best/stopped epochs, keeps or restores the weights on the GPU.
   */
  afterEpoch(h: History, epoch: number, learningRate: number): EpochOutcome {
    if (!callbacksActive(this.config)) return {};
    const d = afterEpoch(this.config, this.state, epoch, monitored(h, this.config.monitor), learningRate);
    this.state = d.state;
    if (d.state.bestEpoch !== null) h.best_epoch = d.state.bestEpoch;
    if (this.best && (d.improved || !this.saved)) {
      this.copy(this.params.buffer, this.best);
      this.saved = true;
    }
    const out: EpochOutcome = {};
    if (d.learningRate !== null) out.reducedLearningRate = d.learningRate;
    if (d.stop) {
      h.stopped_epoch = epoch;
      if (this.best && this.saved) this.copy(this.best, this.params.buffer);
      out.stopped = { bestEpoch: d.state.bestEpoch, restored: !!this.best && this.saved };
      if (out.stopped.restored && d.state.bestEpoch !== null) h.restored_epoch = d.state.bestEpoch;
    }
    return out;
  }

  private copy(from: GPUBuffer, to: GPUBuffer): void {
    const enc = this.device.createCommandEncoder({ label: 'params.best.copy' });
    enc.copyBufferToBuffer(from, 0, to, 0, this.params.buffer.size);
    this.device.queue.submit([enc.finish()]);
  }

  destroy(): void {
    this.best?.destroy();
  }
}
