// Keras's `training` flag as the graph's ops see it: dropout active (at the model's rates or one rate
// for every dropout layer) and batch normalization on the batch's statistics, or both in inference
// mode (dropout off, moving statistics). The flag and the dropout rates have this one home, so an
// evaluation, a prediction or an inspection between training steps switches them and switches back.
import type { Graph } from './graph';

export class LayerModes {
  private training = true;

  /** `rate`: one rate for every dropout layer, or undefined for each layer's own. */
  constructor(private readonly graph: Graph, private rate?: number) {}

  /** The rate set for every dropout layer, or undefined for their own rates. */
  get dropout(): number | undefined {
    return this.rate;
  }

  /** From the next submit (in training mode; inference keeps dropout off until it ends). */
  setDropout(rate: number | undefined): void {
    this.rate = rate;
    this.apply();
  }

  /** Training (true) or inference (false), from the next submit. */
  setTraining(training: boolean): void {
    this.training = training;
    this.apply();
  }

  /** `submit` (which submits at once) in inference mode, then the mode before it again. */
  inference<T>(submit: () => T): T {
    const was = this.training;
    this.setTraining(false);
    try {
      return submit();
    } finally {
      this.setTraining(was);
    }
  }

  private apply(): void {
    for (const d of this.graph.dropouts) d.op.setRate(this.training ? (this.rate ?? d.specRate) : 0);
    for (const b of this.graph.batchNorms) b.op.setTraining(this.training);
  }
}
