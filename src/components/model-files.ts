// The element's model files: the Save / Load / Export row (file picker, and drag-and-drop onto the element), the
// checkpoint's file name, reading a File, Blob or URL, and the settings a model file implies (a checkpoint's header,
// a TF.js model's model and data set), so the form shows what was loaded. The checkpoint format itself is the
// engine's (engine/checkpoint.ts); turning either file into a trainer is checkpoint-io.ts's.
import { msg, str } from '@lit/localize';
import { html } from 'lit';
import { CheckpointError } from '../engine/checkpoint';
import { modelName, type ResolvedModel } from '../engine/model';
import { modelSetting } from '../engine/model-setting';
import { exportTfjsZip } from '../engine/export/tfjs';
import { exportOnnx } from '../engine/export/onnx';
import { labelsOf, type ModelLabels } from '../engine/export/labels';
import { bundledDataset, type ElementSettingName, type Settings } from '../engine/settings';
import { configSettings } from '../engine/settings-config';
import { canonicalDatasetName, resolveDatasetUrl } from '../data/sources';
import { CodedError, errorDetail, type ErrorDetail } from '../engine/errors';
import type { ModelFileInfo } from './checkpoint-io';
import type { TrainerController, RunRequest } from './trainer-controller';
import { formatNumber } from './i18n';
import { onFileDrop } from './file-drop';

/** The file extension of checkpoints ("MNist Trainer Checkpoint"). */
export const CHECKPOINT_EXTENSION = '.mntc';

/** Detail of `model-saved` and `model-loaded`. */
export interface ModelFileDetail {
  /** The suggested file name (saved) or the file's name or URL (loaded). */
  fileName: string;
  /** Epochs the model has trained. */
  epoch: number;
  /** The model's name: a preset's, or 'custom'. */
  model: string;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';

/** `<model>-<dataset>-epoch<N>.mntc`, e.g. `cnn-mnist-epoch5.mntc`. */
export function checkpointFileName(model: string, dataset: string, epoch: number): string {
  return `${slug(model)}-${slug(dataset)}-epoch${epoch}${CHECKPOINT_EXTENSION}`;
}

/** A model file's bytes (a checkpoint or a TF.js zip) and a name for messages; a failed read is a CheckpointError naming the source. */
export async function readModelSource(source: File | Blob | string, base: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; name: string }> {
  const name = typeof source === 'string' ? source : source instanceof File ? source.name : 'checkpoint';
  try {
    if (typeof source === 'string') {
      const response = await fetch(new URL(source, base), { signal });
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      return { bytes: new Uint8Array(await response.arrayBuffer()), name };
    }
    if (!(source instanceof Blob)) throw new Error('expected a File, a Blob or a URL');
    if (source.type.startsWith('image/')) throw new CheckpointError(`${name} is a picture, not a model file: train or load a model, then open the picture on the drawing pad under the results`);
    return { bytes: new Uint8Array(await source.arrayBuffer()), name };
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${name}: could not read the model file: ${(e as Error).message}`);
  }
}

/**
 * The element's `dataset` setting for a model file's data set: the current one if it is that set, else
 * the bundled set of that name; another set must be chosen first (its folder or URL is not in the file).
 */
function dataSourceFor(dataset: string, current: Settings, base: string, source: string): string {
  const named = (s: string) => resolveDatasetUrl(s, base).name;
  const trainedOn = canonicalDatasetName(dataset);
  if (canonicalDatasetName(named(current.dataSource)) === trainedOn) return current.dataSource;
  const bundled = bundledDataset(trainedOn);
  if (bundled) return bundled;
  throw new CheckpointError(`${source}: the model was trained on data set "${dataset}", not on "${named(current.dataSource)}"; set the dataset attribute to its folder or URL and load it again`);
}

/**
 * The element settings a model file implies: a checkpoint's config's settings, its model and data set; a TF.js
 * model's model and (from our export) data set, the form's other settings kept.
 */
export function modelFileSettings(info: ModelFileInfo, current: Settings, base: string, source: string): Partial<Pick<Settings, ElementSettingName>> {
  const dataSource = info.dataset === undefined ? current.dataSource : dataSourceFor(info.dataset, current, base, source);
  return { ...(info.config ? configSettings(info.config) : {}), model: modelSetting(info.model), dataSource } as Partial<Pick<Settings, ElementSettingName>>;
}

/**
 * Loads the first file dropped on `el` (a drag that carries files is accepted, so the drop comes); a picture
 * goes to the drawing pad when one is shown (the pad takes drops on itself first).
 */
export function acceptDrops(el: HTMLElement, load: (file: File) => void): void {
  onFileDrop(el, (file) => {
    const pad = file.type.startsWith('image/') ? el.shadowRoot?.querySelector('mt-results')?.shadowRoot?.querySelector('mt-draw-pad') : null;
    if (!pad) return load(file);
    pad.scrollIntoView({ block: 'nearest' });
    void pad.loadPicture(file);
  });
}

/** What save and load need of the element. */
export interface ModelFilesHost extends HTMLElement {
  readonly controller: TrainerController;
  readonly settings: Settings;
  setSetting(name: ElementSettingName, value: unknown): void;
}

const fire = <T>(host: HTMLElement, type: string, detail: T) => host.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
/** Where the bundled data sets' folders are, as a URL. */
export const dataBaseUrl = (s: Settings) => new URL(s.dataBase ?? '.', document.baseURI).href;

/** The element's save(): the checkpoint as a File named for it, and `model-saved`; a failed read is an `error`. */
export async function saveModel(host: ModelFilesHost): Promise<File | undefined> {
  try {
    const saved = await host.controller.save();
    if (!saved) return undefined;
    const { bytes, trainer } = saved;
    const model = modelName(trainer.config.model);
    const fileName = checkpointFileName(model, host.controller.data.dataset?.name ?? 'data', trainer.epoch);
    fire<ModelFileDetail>(host, 'model-saved', { fileName, epoch: trainer.epoch, model });
    return new File([bytes as Uint8Array<ArrayBuffer>], fileName, { type: 'application/octet-stream' });
  } catch (e) {
    // Removed from the page meanwhile (its trainer destroyed): nothing to say, as for a run ended that way.
    if (host.isConnected) fire<ErrorDetail>(host, 'error', errorDetail(e));
    return undefined;
  }
}

/** The export formats: TF.js Layers (model.json + weights, zipped) and ONNX. */
export type ExportFormat = 'tfjs' | 'onnx';
const EXPORTS: Record<ExportFormat, { extension: string; type: string; encode(m: ResolvedModel, p: Float32Array, labels: ModelLabels, dropout?: number): Uint8Array }> = {
  tfjs: { extension: '.tfjs.zip', type: 'application/zip', encode: exportTfjsZip },
  onnx: { extension: '.onnx', type: 'application/octet-stream', encode: (m, p, labels) => exportOnnx(m, p, { labels }) },
};

/**
 * The element's export(format): the model for other tools as a File named like a checkpoint, then
 * `model-exported`; a model the format cannot hold (e.g. GELU in TF.js Layers) is an `error` (code `model`).
 */
export async function exportModel(host: ModelFilesHost, format: ExportFormat): Promise<File | undefined> {
  try {
    const e = EXPORTS[format];
    if (!e) throw new CodedError('invalid-setting', `export format must be one of ${Object.keys(EXPORTS).join(', ')}, got ${JSON.stringify(format)}`);
    const got = await host.controller.exportable();
    if (!got) return undefined;
    const { trainer, params } = got;
    const model = modelName(trainer.config.model);
    const fileName = checkpointFileName(model, host.controller.data.dataset?.name ?? 'data', trainer.epoch).replace(CHECKPOINT_EXTENSION, e.extension);
    const bytes = e.encode(trainer.model, params, labelsOf(trainer.data), trainer.dropout);
    fire<ModelFileDetail & { format: ExportFormat }>(host, 'model-exported', { fileName, epoch: trainer.epoch, model, format });
    return new File([bytes as Uint8Array<ArrayBuffer>], fileName, { type: e.type });
  } catch (err) {
    if (host.isConnected) fire<ErrorDetail>(host, 'error', errorDetail(err)); // removed meanwhile: as above
    return undefined;
  }
}

/** The element's load(): the controller restores the trainer; then the form takes the checkpoint's settings and `model-loaded` fires. */
export async function loadModel(host: ModelFilesHost, source: File | Blob | string, runRequest: (s: Settings) => RunRequest): Promise<void> {
  let settings: Partial<Settings> = {};
  const name = typeof source === 'string' ? source : source instanceof File ? source.name : 'checkpoint';
  const loaded = await host.controller.load(
    () => readModelSource(source, document.baseURI),
    (h) => {
      settings = modelFileSettings(h, host.settings, dataBaseUrl(host.settings), name);
      return runRequest({ ...host.settings, ...settings });
    },
  );
  if (!loaded) return;
  for (const [k, v] of Object.entries(settings)) host.setSetting(k as ElementSettingName, v);
  fire<ModelFileDetail>(host, 'model-loaded', { fileName: loaded.name, epoch: loaded.trainer.epoch, model: modelName(loaded.info.model) });
}

/** The status after a load (or after a failed run whose recovery point was kept): what Train will do with the model. */
export function loadedText(name: string, epoch: number, continues: boolean, how: { recovered?: true; relocated?: true; imported?: true } = {}): string {
  const file = name.split('/').pop() ?? name;
  const epochs = formatNumber(epoch);
  const loaded = how.recovered ? msg(str`Kept the model as it was after epoch ${epochs} of the failed run.`)
    : how.relocated ? msg(str`Kept the model as it was after epoch ${epochs}, on a new device.`)
    : how.imported ? msg(str`Imported the model and weights of ${file}; the other settings are the form's.`)
    : epoch === 1 ? msg(str`Loaded ${file} (1 epoch trained).`) : msg(str`Loaded ${file} (${epochs} epochs trained).`);
  return `${loaded} ${continues
    ? msg('Continue trains it on up to the Epochs setting; Reset, then Train, starts afresh.')
    : msg('Raise Epochs to continue training it (with the same settings), or press Train to start a new run.')}`;
}

export interface ModelFilesView {
  canSave: boolean;
  canLoad: boolean;
  save(): void;
  load(file: File): void;
  export(format: ExportFormat): void;
}

/** The Save / Load / Export row (an export is allowed where a save is). */
export function renderModelFiles(v: ModelFilesView) {
  const picked = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // the same file again is a new choice
    if (file) v.load(file);
  };
  return html`<div class="buttons" part="files" role="group" aria-label=${msg('Model files')}>
    <button type="button" part="button save" ?disabled=${!v.canSave} title=${msg('Download the model, its weights, optimizer state, settings and History')}
      @click=${v.save}>${msg('Save model')}</button>
    <button type="button" part="button load" ?disabled=${!v.canLoad} title=${msg('Open a saved model, or a TF.js model as a zip (or drop its file onto the trainer)')}
      @click=${(e: Event) => ((e.currentTarget as HTMLElement).nextElementSibling as HTMLInputElement).click()}>${msg('Load model…')}</button>
    <input type="file" accept=${`${CHECKPOINT_EXTENSION},.zip`} hidden aria-label=${msg('Model file')} @change=${picked}>
    <button type="button" part="button export-tfjs" ?disabled=${!v.canSave} title=${msg('Download the model for TensorFlow.js and Keras (model.json and weights, zipped)')}
      @click=${() => v.export('tfjs')}>${msg('Export TF.js')}</button>
    <button type="button" part="button export-onnx" ?disabled=${!v.canSave} title=${msg('Download the model for ONNX Runtime (.onnx)')}
      @click=${() => v.export('onnx')}>${msg('Export ONNX')}</button>
  </div>`;
}
