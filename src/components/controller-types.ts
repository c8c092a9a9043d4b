// What TrainerController exchanges with its host (a run's request and end, callbacks, progress) and the
// small pure helpers it uses: kept apart so the controller is its behaviour only.
import type { Gpu } from '../engine/gpu';
import type { EpochEvent, History, TrainConfig, Trainer } from '../engine/trainer';
import { CodedError, type ErrorDetail } from '../engine/errors';
import type { LiveSettingName, Settings } from '../engine/settings';

/** A run's settings as the comparison table shows them (null: the setting was absent, e.g. weight decay the optimizer's own). */
export type RunSettings = Record<string, string | number | null>;

/** What one run needs besides the device: where the data is and the trainer configuration. */
export interface RunRequest {
  dataset: { url: string; name: string; classNames: string[] };
  config: TrainConfig;
  /** Shown with the run (comparison table); handed back in its RunEnd. */
  settings?: RunSettings;
  /** The `load-timeout` setting: seconds a data file may go without progress; absent = its default. */
  loadTimeout?: number;
}

/** How a run ended: every run that train() starts ends with exactly one of these. */
export interface RunEnd {
  /** The settings it ran with (absent only if reading them failed). */
  request?: RunRequest;
  /** Its History so far: complete, up to the stop, or up to the fault. */
  history: History;
  /** Its trainer, if it got that far (a failed run's may be let go already). */
  trainer?: Trainer;
  /** 'finished', 'stopped at epoch 3', 'stopped before training', 'diverged at step 812', 'device lost', or the error code. */
  status: string;
  /** The epochs its model had trained when it began, where it continued one (a loaded model, or a finished run's). */
  from?: number;
  /** Set for a failed run: the fault, reported once (the host's `error` event). */
  error?: ErrorDetail;
}

export interface ControllerCallbacks {
  onEpochEnd?(e: EpochEvent): void;
  /** A run ended (finished, stopped or failed); called after the phase has settled, so a new train() starts a new run. */
  onRunEnd?(end: RunEnd): void;
  /** The trainer is being let go: its live settings, which the host keeps for the next run. */
  onTrainerReleased?(live: Partial<Pick<Settings, LiveSettingName>>): void;
  /** A restored model's trainer (Load, a kept recovery point) holds the live settings now: theirs, which may differ from the host's. */
  onTrainerAdopted?(live: Partial<Pick<Settings, LiveSettingName>>): void;
  /** A fault outside a run (no WebGPU, a device lost while idle, a failed evaluation). */
  onError?(detail: ErrorDetail): void;
}

export interface ControllerOptions extends ControllerCallbacks {
  /** Injectable for tests and for pages that pick their own adapter. */
  requestGpu?: () => Promise<Gpu>;
}

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  imagesPerSec: number;
  etaSeconds: number;
  /** The rate of the latest step (it changes along a schedule). */
  learningRate: number;
  /** Share of the whole run done, 0–1. */
  fraction: number;
}

export const removed = () => new CodedError('aborted', 'the element was removed from the page');
export const dataKey = (d: RunRequest['dataset']) => `${d.url}\n${d.name}\n${d.classNames.join('\n')}`;
/** The data set as a run uploads it: its source and the limits (only the images a run uses go up). */
export const uploadKey = (r: RunRequest) => `${dataKey(r.dataset)}\n${r.config.trainLimit ?? 'all'}\n${r.config.testLimit ?? 'all'}`;
export const requestKey = (r: RunRequest) => `${dataKey(r.dataset)}\n${JSON.stringify(r.config)}`;
/** True if the device is lost now or within a moment (its lost promise settles asynchronously). */
export const lostSoon = (gpu: Gpu) => Promise.race([gpu.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);
/** `kept`: the epoch of the run's recovery point, restored on a new device (then Train continues it). */
export const lostMessage = (reason: string, step?: number, kept?: number) =>
  `The GPU device was lost (${reason || 'unknown reason'})${step === undefined ? '' : `; the run stopped at step ${step}`}. ${kept === undefined ? 'Press Train to start again on a new device.' : keptMessage(kept, true)}`;
/** A failed run's recovery point was restored (on a new device after a loss): what the user can do with it. */
export const keptMessage = (epoch: number, newDevice: boolean) =>
  `The model as it was after epoch ${epoch} is kept${newDevice ? ' on a new device' : ''}: Continue trains on from there, Save model saves it.`;
