// A test-set evaluation as files, the same from the command line (metrics.json beside the charts) and from the
// element's Save buttons under its results: metrics.json holds the run's identity (data set, model, adapter,
// parameters, settings), the test loss and accuracy, the confusion matrix, per-class precision/recall/F1, the
// macro averages and the mistakes the model was surest of; confusion.csv is the matrix as a table for a
// spreadsheet or a report.
import type { ImageSet } from '../data/idx';
import { firstImages } from '../data/idx';
import type { KernelReportRecord } from './autotune';
import { surestMistakes } from './metrics';
import { SETTINGS, SETTING_NAMES, type Settings } from './settings';
import type { Evaluation } from './training-types';
import { csvLine } from './history-files';
import type { LiveChange } from './live-changes';

/** How many of the surest mistakes metrics.json lists (and the command line's mistakes.svg shows). */
export const MISTAKES_LISTED = 24;

/** What metrics.json says of the run besides the evaluation. */
export interface MetricsAbout {
  dataset: string;
  classNames: string[];
  /** A preset's name, or 'custom'. */
  model: string;
  adapter: string;
  parameters: number;
  /** recordedSettings() of the settings it trained with (a live one the value its last steps trained with). */
  settings: Record<string, unknown>;
  /** The learning rate or dropout changed during the run (the History's; settings then holds the last values). */
  liveChanges?: LiveChange[];
  /** The top_k_accuracy metric was chosen: metrics.json has test_top_k_accuracy. */
  topK?: boolean;
  /** Which kernel ran each GEMM-shaped op (kernelReportRecord), once the trainer is built. */
  kernels?: KernelReportRecord;
  /** Training speed (epochs including their evaluation) and the run's time, where measured (the command line). */
  imagesPerSec?: number;
  seconds?: number;
  /** A signal stopped the run (Ctrl-C): which, the epochs completed and the step the weights are at. */
  interrupted?: { signal: string; epochs: number; step: number };
  /** The test set the evaluation covers (its first images): metrics.json then lists the surest mistakes. */
  testSet?: ImageSet;
}

/** The settings metrics.json records: every one the command line has, the data set and model aside (recorded by name). */
const RECORDED = SETTING_NAMES.filter((n) => SETTINGS[n].flag !== null && n !== 'dataSource' && n !== 'model');

/** The recorded settings of `s` (dropout 'model' for the model's own rates). */
export function recordedSettings(s: Partial<Settings>): Record<string, unknown> {
  return { ...Object.fromEntries(RECORDED.map((n) => [n, s[n]])), dropout: s.dropout ?? 'model' };
}

/** The evaluation's mistakes, the surest first, with the test images they are (undefined without the test set). */
export function mistakesOf(e: Evaluation, about: MetricsAbout) {
  if (!about.testSet || e.predictions.length > about.testSet.count) return undefined;
  const set = firstImages(about.testSet, e.predictions.length);
  return { set, ...surestMistakes(set.labels, e.predictions, e.probabilities, about.classNames.length, MISTAKES_LISTED) };
}

/** metrics.json's first fields, the run's identity: what a failed run with no evaluation writes too. */
export function runIdentity(about: MetricsAbout): Record<string, unknown> {
  return {
    dataset: about.dataset,
    model: about.model,
    adapter: about.adapter,
    ...(about.kernels ? { kernels: about.kernels } : {}),
    parameters: about.parameters,
    settings: about.settings,
    ...(about.liveChanges?.length ? { live_changes: about.liveChanges } : {}),
  };
}

export function metricsJson(e: Evaluation, about: MetricsAbout): Record<string, unknown> {
  const classes = about.classNames.length;
  const mistakes = mistakesOf(e, about);
  const name = (c: number) => about.classNames[c];
  return {
    ...runIdentity(about),
    test_loss: e.loss,
    test_accuracy: e.accuracy,
    ...(about.topK ? { test_top_k_accuracy: e.topKAccuracy } : {}),
    ...(about.imagesPerSec !== undefined ? { imagesPerSec: about.imagesPerSec } : {}),
    ...(about.seconds !== undefined ? { seconds: about.seconds } : {}),
    ...(about.interrupted ? { interrupted: about.interrupted } : {}),
    confusionMatrix: Array.from({ length: classes }, (_, r) => Array.from(e.confusion.subarray(r * classes, (r + 1) * classes))),
    perClass: e.perClass.map((m, i) => ({ class: i, name: name(i), ...m })),
    macro: e.macro,
    ...(mistakes ? {
      mistakes: {
        count: mistakes.count,
        surest: mistakes.surest.map((m) => ({ index: m.index, label: m.label, labelName: name(m.label), predicted: m.predicted, predictedName: name(m.predicted), probability: m.probability })),
      },
    } : {}),
  };
}

/**
 * confusion.csv: a header `true \ predicted,<class>,…` then a row per true class, its counts per predicted class;
 * the class names and the corner's words as given (the element's in its language).
 */
export function confusionCsv(e: Evaluation, classNames: readonly string[], corner = 'true \\ predicted'): string {
  const C = classNames.length;
  if (e.confusion.length !== C * C) throw new Error(`confusionCsv: the matrix has ${e.confusion.length} cells, expected ${C}×${C}`);
  const rows = classNames.map((name, r) => csvLine([name, ...e.confusion.subarray(r * C, (r + 1) * C)]));
  return [csvLine([corner, ...classNames]), ...rows].join('\n') + '\n';
}
