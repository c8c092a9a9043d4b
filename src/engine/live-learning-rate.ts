// A Trainer's learning rate while it lives: the user's setting (the config, then setLearningRate), the base
// rate in use (the setting, or lower after a reduce-on-plateau reduction), and the schedule's per-step
// multiple of it over the current fit's epochs. The optimizer's uniform holds the rate of the next step.
import { lrScale, type LrScheduleName } from './lr-schedule';
import { parseSetting } from './settings';
import type { OptimizerOp } from './ops/optimizer';

export class LiveLearningRate {
  /** The rate the user set (the config or set()): the element's field shows it; a new run starts from it. */
  setting: number;
  /** The base rate in use: what save() stores, what the schedule scales. */
  base: number;
  /** The epochs of the current fit: the cosine schedule spans them. */
  targetEpochs = 0;

  constructor(private readonly optimizer: OptimizerOp, private readonly schedule: LrScheduleName, private readonly stepsPerEpoch: number) {
    this.setting = optimizer.config.learningRate;
    this.base = this.setting;
  }

  /** The user's rate (validated), from step `nextStep` on. */
  set(lr: number, nextStep: number): void {
    this.setting = parseSetting('learningRate', lr);
    this.apply(this.setting, nextStep);
  }

  /** A base rate from step `nextStep` on. Also reduce-on-plateau's: its rate may lie below the setting's f32 check. */
  apply(lr: number, nextStep: number): void {
    this.base = lr;
    this.optimizer.setLearningRate(this.at(nextStep));
  }

  /** Step `step`'s rate: the base rate times the schedule's multiple (1 for 'constant'). */
  at(step: number): number {
    return this.base * lrScale(this.schedule, step, Math.max(this.targetEpochs, 1) * this.stepsPerEpoch);
  }
}
