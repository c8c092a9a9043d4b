// Quality metrics from a confusion matrix (row = true class, column = predicted class).

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
}

export function classificationReport(confusion: ArrayLike<number>, classes: number): ClassificationReport {
  if (confusion.length !== classes * classes) throw new Error(`confusion matrix has ${confusion.length} cells, expected ${classes}×${classes}`);
  const perClass: ClassMetrics[] = [];
  let correct = 0;
  let total = 0;
  for (let c = 0; c < classes; c++) {
    let actual = 0;
    let predicted = 0;
    for (let k = 0; k < classes; k++) {
      actual += confusion[c * classes + k];
      predicted += confusion[k * classes + c];
    }
    const tp = confusion[c * classes + c];
    correct += tp;
    total += actual;
    // An empty denominator means the quantity is undefined; report 0 like scikit-learn's zero_division=0.
    const precision = predicted ? tp / predicted : 0;
    const recall = actual ? tp / actual : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support: actual });
  }
  const mean = (f: (m: ClassMetrics) => number) => perClass.reduce((s, m) => s + f(m), 0) / classes;
  return {
    accuracy: total ? correct / total : 0,
    perClass,
    macro: { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) },
  };
}
