// A run's History as files, the same from the command line (history.json, history.csv beside the charts)
// and from the element's download buttons: the JSON is Keras's History.history dict as the trainer
// records it; the CSV has one row per epoch, for a spreadsheet or pandas, like Keras's CSVLogger but with
// the 1-based epochs the charts and `stopped_epoch` use.
import type { History } from './training-types';

/** history.json: every key of the History, indented. */
export function historyJson(h: History): string {
  return JSON.stringify(h, null, 2) + '\n';
}

/** The per-epoch series of a History, in the CSV's column order (the top-k ones only when recorded). */
const COLUMNS = ['loss', 'accuracy', 'top_k_accuracy', 'val_loss', 'val_accuracy', 'val_top_k_accuracy', 'test_loss', 'test_accuracy', 'test_top_k_accuracy',
  'learning_rate', 'epoch_seconds'] as const satisfies readonly (keyof History)[];

/**
 * history.csv: `epoch,loss,accuracy,…` then a row per epoch; a value missing or not finite (an epoch the
 * series did not record, a diverged loss) is an empty cell, as pandas reads NaN.
 */
export function historyCsv(h: History): string {
  const columns = COLUMNS.filter((k) => Array.isArray(h[k]) && h[k].length > 0);
  const rows = h.loss.map((_, i) => csvLine([i + 1, ...columns.map((k) => h[k]?.[i])]));
  return [csvLine(['epoch', ...columns]), ...rows].join('\n') + '\n';
}

/**
 * One CSV line (RFC 4180): a number as JavaScript writes it, empty when missing or not finite; text quoted
 * when it holds a comma, a quote or a line break (a data set's URL, a run's status), its quotes doubled.
 */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  return cells.map((v) => {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    if (v === null || v === undefined) return '';
    return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  }).join(',');
}
