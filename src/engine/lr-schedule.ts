// Learning-rate schedules: the rate each training step uses, as a multiple of the base rate the user
// sets (setLearningRate changes the base; the schedule keeps its shape). The trainer writes the result
// into the optimizer's uniform with the step number, so a schedule costs no extra dispatch or readback.
//
// cosine: Keras's CosineDecay with alpha = 0 over the whole fit: step t of T (1-based) uses
//   lr · ½(1 + cos(π·(t − 1)/T)), full rate on the first step, falling smoothly to ~0 on the last.
//   Large early steps explore; small late steps settle into the minimum the noise of big steps hides,
//   which is worth most when training is short.

export type LrScheduleName = 'constant' | 'cosine';
export const LR_SCHEDULES: readonly LrScheduleName[] = ['constant', 'cosine'];

export function checkLrSchedule(name: unknown): LrScheduleName {
  if (!LR_SCHEDULES.includes(name as LrScheduleName)) throw new Error(`learning-rate schedule must be one of ${LR_SCHEDULES.join(', ')}, got '${String(name)}'`);
  return name as LrScheduleName;
}

/** The multiplier of the base rate at 1-based `step` of `totalSteps`; steps past the end keep the last value. */
export function lrScale(schedule: LrScheduleName, step: number, totalSteps: number): number {
  if (!Number.isInteger(step) || step < 1) throw new Error(`lrScale: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new Error(`lrScale: totalSteps must be a positive integer, got ${totalSteps}`);
  if (schedule === 'constant') return 1;
  const progress = Math.min(step - 1, totalSteps - 1) / totalSteps;
  return 0.5 * (1 + Math.cos(Math.PI * progress));
}
