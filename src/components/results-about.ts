// What the results' metrics.json says of the run besides the evaluation (engine/metrics-file.ts's MetricsAbout),
// from the controller: the data set, the trainer's model, settings (the start ones, and where changed during
// the run the values its last steps trained with: a value moved since, for the next run, is not this model's)
// and those changes, kernels, and the adapter; the same fields the command line writes, so a file saved from
// the page reads like one from `npm run train`.
import { modelName } from '../engine/model';
import { kernelReportRecord } from '../engine/autotune';
import { recordedSettings, type MetricsAbout } from '../engine/metrics-file';
import { configSettings } from '../engine/settings-config';
import { changedValues } from '../engine/live-changes';
import type { TrainerController } from './trainer-controller';

/** Undefined before there is a trainer and a data set. */
export function resultsAbout(c: TrainerController): MetricsAbout | undefined {
  const trainer = c.trainer;
  const data = c.data.dataset;
  if (!trainer || !data) return undefined;
  return {
    dataset: data.name, classNames: data.classNames, model: modelName(trainer.config.model), adapter: c.adapter,
    parameters: trainer.model.paramCount, settings: recordedSettings({ ...configSettings(trainer.config), ...changedValues(trainer.history.live_changes) }), liveChanges: trainer.history.live_changes,
    topK: trainer.reportsTopK, kernels: kernelReportRecord(trainer.kernels),
  };
}
