// Time to accuracy: a preset trained with the Trainer (what users run: Adam at the plan's learning rate
// and schedule — settings the element and the CLI offer — the model's own dropout, shuffling, the
// per-epoch test evaluation) on real MNIST until the test accuracy after an epoch reaches the target.
// The clock starts at the first step (data loading and pipeline compilation are not counted) and
// includes the per-epoch evaluations, as a user watching the run would see it.
import { firstImages, type Dataset } from '../data/idx';
import { uploadDataset } from '../engine/gpu-dataset';
import type { Gpu } from '../engine/gpu';
import { parseModel } from '../engine/model-setting';
import { Trainer } from '../engine/trainer';
import type { AccuracyPlan, Progress, TimeToAccuracyResult } from './types';

export async function timeToAccuracy(gpu: Gpu, dataset: Dataset, plan: AccuracyPlan, progress: Progress): Promise<TimeToAccuracyResult> {
  if (!(plan.target > 0 && plan.target <= 1)) throw new Error(`time to accuracy: target must be in (0, 1], got ${plan.target}`);
  const test = plan.testLimit ? firstImages(dataset.test, plan.testLimit) : dataset.test;
  const data = uploadDataset(gpu.device, { ...dataset, test }, { trainLimit: plan.trainLimit });
  let trainer: Trainer | undefined;
  try {
    trainer = await Trainer.create(gpu, data, {
      model: parseModel(plan.model),
      epochs: plan.maxEpochs,
      batchSize: plan.batchSize,
      optimizer: { name: 'adam', learningRate: plan.learningRate },
      lrSchedule: plan.lrSchedule,
      seed: 1,
      trainLimit: plan.trainLimit,
    });
    const t = trainer;
    let reached: { seconds: number; epochs: number } | undefined;
    let accuracy = 0;
    let lastReport = 0;
    const t0 = performance.now();
    await t.fit({
      onBatch(e) {
        const now = performance.now();
        if (now - lastReport < 10000) return;
        lastReport = now;
        progress(`time to ${(plan.target * 100).toFixed(0)}%: ${plan.model} epoch ${e.epoch} batch ${e.batch}/${e.batches}, ${e.imagesPerSec.toFixed(0)} images/s`);
      },
      onEpochEnd(e) {
        accuracy = e.test_accuracy;
        progress(`time to ${(plan.target * 100).toFixed(0)}%: ${plan.model} epoch ${e.epoch}: test accuracy ${(e.test_accuracy * 100).toFixed(2)}% after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (!reached && e.test_accuracy >= plan.target) {
          reached = { seconds: (performance.now() - t0) / 1000, epochs: e.epoch };
          t.stop();
        }
      },
    });
    return {
      model: plan.model,
      target: plan.target,
      seconds: reached ? reached.seconds : null,
      epochs: reached ? reached.epochs : t.epoch,
      reached: reached !== undefined,
      accuracy,
      batchSize: plan.batchSize,
      learningRate: plan.learningRate,
      lrSchedule: plan.lrSchedule,
      maxEpochs: plan.maxEpochs,
      note: plan.note,
    };
  } finally {
    trainer?.destroy();
    data.destroy();
  }
}
