// The element's settings as a run's request (RunRequest): where the data set is, the trainer's configuration, and
// the settings the comparison table shows with the run. One function, so Train, Load (the file's settings over the
// form's), Continue and the verdict's "Train on" ask about the same request.
import { modelName } from '../engine/model';
import { describeModel } from '../engine/model-summary';
import { trainConfig } from '../engine/settings-config';
import { SETTINGS } from '../engine/settings';
import { resolveDatasetUrl } from '../data/sources';
import { varyingSettings } from './compare-runs';
import type { Settings } from './controls';
import type { RunRequest } from './controller-types';
import { lrSetting } from './checkpoint-io';
import { dataBaseUrl } from './model-files';

/** The settings as a run's request; throws (a SettingError naming them) where they do not combine. */
export function runRequest(s: Settings): RunRequest {
  const dataset = resolveDatasetUrl(s.dataSource, dataBaseUrl(s));
  // A refusal names them by their attributes, as the element's other setting messages do.
  const config = trainConfig(s, undefined, (n) => SETTINGS[n].attribute ?? n);
  return {
    dataset,
    settings: {
      dataset: dataset.name, model: modelName(config.model), optimizer: s.optimizer,
      lr: lrSetting(s.learningRate, s.lrSchedule),
      batch: s.batchSize, dropout: s.dropout ?? 'model', epochs: s.epochs, seed: s.seed, layers: describeModel(config.model), ...varyingSettings(s),
    },
    config,
    loadTimeout: s.loadTimeout,
  };
}

/** runRequest for rendering: undefined where the settings do not combine (train() reports it; a render must not throw). */
export function requestOrNone(s: Settings): RunRequest | undefined {
  try {
    return runRequest(s);
  } catch {
    return undefined;
  }
}
