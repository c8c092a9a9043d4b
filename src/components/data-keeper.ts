// The data set of <mnist-trainer>'s runs: downloaded once per source (the CPU copy, kept for the results
// panel's gallery and the draw pad), uploaded to the GPU once per source and limits (only the images a
// run uses go up, so a train limit makes a set larger than the GPU's binding limit usable). A download
// can be aborted on its own (stop() during loading) or with everything (`signal`: the element left).
import { loadDataset } from '../data/sources';
import type { Dataset } from '../data/idx';
import { uploadDataset, type GpuDataset } from '../engine/gpu-dataset';
import { dataKey, removed, uploadKey, type RunRequest } from './controller-types';

export class DataKeeper {
  dataset?: Dataset;
  gpuData?: GpuDataset;
  /** Bytes-based share of the download under way, 0–1. */
  loadFraction = 0;
  /** What gpuData was uploaded from (source and limits: uploadKey). */
  private uploadedKey = '';
  /** What `dataset` was downloaded from (dataKey). */
  private downloadedKey = '';
  private loading?: AbortController;

  /** `signal` aborts every download (the host left the page); `changed` is called on progress. */
  constructor(private readonly signal: () => AbortSignal, private readonly changed: () => void, private readonly disposed: () => boolean) {}

  /**
   * The request's data set on the GPU; `onDownload` is called before a download starts (the phase turns
   * 'loading'). `check` (a checkpoint's data identity) sees the CPU copy before anything is replaced: if
   * it throws, the data set and upload in place stay (the element keeps its current model).
   */
  async ensure(device: GPUDevice, request: RunRequest, onDownload: () => void, check?: (d: Dataset) => void): Promise<GpuDataset> {
    const source = request.dataset;
    const key = uploadKey(request);
    if (this.gpuData && this.dataset && this.uploadedKey === key) {
      check?.(this.dataset);
      return this.gpuData;
    }
    let dataset = this.dataset;
    if (!dataset || this.downloadedKey !== dataKey(source)) {
      this.loadFraction = 0;
      onDownload();
      const loading = new AbortController();
      this.loading = loading;
      try {
        dataset = await loadDataset(source.url, {
          name: source.name,
          classNames: source.classNames,
          signal: AbortSignal.any([this.signal(), loading.signal]),
          timeoutSeconds: request.loadTimeout,
          onProgress: (loaded, total) => {
            if (total > 0) this.loadFraction = loaded / total;
            this.changed();
          },
        });
      } finally {
        if (this.loading === loading) this.loading = undefined;
      }
    }
    check?.(dataset);
    if (this.disposed()) throw removed();
    this.releaseUpload();
    this.dataset = dataset;
    this.downloadedKey = dataKey(source);
    this.gpuData = uploadDataset(device, dataset, { trainLimit: request.config.trainLimit, testLimit: request.config.testLimit });
    this.uploadedKey = key;
    return this.gpuData;
  }

  /** Aborts the download under way, if any: a stop during loading ends the run at once. */
  abortLoading(): void {
    this.loading?.abort(new DOMException('loading stopped', 'AbortError'));
  }

  /** The device went (lost): its buffers with it; the CPU copy stays for the next device. */
  forgetUpload(): void {
    this.gpuData = undefined;
    this.uploadedKey = '';
  }

  /** Destroys the GPU copy (a new upload follows, or the host left). */
  releaseUpload(): void {
    this.gpuData?.destroy();
    this.forgetUpload();
  }

  /** The host left the page: the GPU copy destroyed, the CPU copy dropped. */
  dispose(): void {
    this.releaseUpload();
    this.dataset = undefined;
    this.downloadedKey = '';
  }
}
