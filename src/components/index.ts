// The library entry: registers <mnist-trainer> (and the sub-elements it renders) and exports their
// classes and types. `import 'mnist-trainer'` or one <script type="module" src="mnist-trainer.js"> is enough.
import { MnistTrainer } from './mnist-trainer';

export { MnistTrainer, type EpochEndDetail, type ErrorDetail, type SettingsChangeDetail } from './mnist-trainer';
export { TrainerController, type Phase, type Progress, type RunRequest } from './trainer-controller';
export { MtCharts, alignCurves, type ChartRun } from './charts';
export { MtResults } from './results-panel';
export { MtCompare, type RunRecord } from './compare-runs';
export { MtDrawPad } from './draw-pad';
export { MtKerasCode } from './keras-code';
export { MtModelBuilder, type LayersChangeDetail } from './model-builder';
export { overfittingVerdict, type Verdict } from './verdict';
export { HELP, setHelpBase } from './help';
export { DEFAULTS, PARSERS, ATTRIBUTES, type Settings, type SettingName } from './controls';
export { SETTINGS, DEFAULT_SETTINGS, parseSetting, SettingError, type SettingSpec } from '../engine/settings';
export type { History, Evaluation, TrainConfig } from '../engine/trainer';
export { WebGPUUnavailableError, borrowGpu, requestGpu, type Gpu } from '../engine/gpu';
export { type ModelSpec, type LayerSpec } from '../engine/model';
export { PRESETS } from '../engine/model-setting';

if (!customElements.get('mnist-trainer')) customElements.define('mnist-trainer', MnistTrainer);
