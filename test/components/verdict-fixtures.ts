// Histories and regularizer sets for the verdict's tests (verdict.test.ts, verdict-panel.test.ts).
import type { Regularizers } from '../../src/engine/verdict-remedies';
import type { History } from '../../src/engine/trainer';

export type Row = [loss: number, accuracy: number, valLoss: number, valAccuracy: number];

/** A run with one dropout layer at `rate` and nothing else against overfitting, unless `more` says so. */
export const uses = (rate: number, more: Partial<Regularizers> = {}): Regularizers =>
  ({ dropoutLayers: 1, dropoutRate: rate, weightPenalty: false, augmentation: false, earlyStopping: false, ...more });

/** A history from per-epoch rows; test_* equals val_* (no validation split) unless `test` is given. */
export function hist(rows: Row[], test?: Row[]): History {
  const col = (r: Row[], i: number) => r.map((row) => row[i]);
  const t = test ?? rows;
  return {
    loss: col(rows, 0), accuracy: col(rows, 1), val_loss: col(rows, 2), val_accuracy: col(rows, 3),
    test_loss: col(t, 2), test_accuracy: col(t, 3), epoch_seconds: rows.map(() => 1), learning_rate: rows.map(() => 0.001),
  };
}
