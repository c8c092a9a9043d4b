// Quality metrics from a confusion matrix (row = true class, column = predicted class), and the test images
// behind its cells: the mistakes, the surest first (the element's gallery, the command line's metrics.json
// and mistakes.svg).

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

/** Indices of the test images whose prediction differs from the label, in test-set order. */
export function misclassified(labels: ArrayLike<number>, predictions: ArrayLike<number>): number[] {
  return imagesWhere(labels, predictions, (t, p) => t !== p);
}

/** Indices of the test images of one confusion-matrix cell (true class t, predicted p), in test-set order. */
export function cellImages(labels: ArrayLike<number>, predictions: ArrayLike<number>, t: number, p: number): number[] {
  return imagesWhere(labels, predictions, (label, prediction) => label === t && prediction === p);
}

function imagesWhere(labels: ArrayLike<number>, predictions: ArrayLike<number>, keep: (label: number, prediction: number) => boolean): number[] {
  const out: number[] = [];
  const n = Math.min(labels.length, predictions.length);
  for (let i = 0; i < n; i++) if (keep(labels[i], predictions[i])) out.push(i);
  return out;
}

/**
 * The images ordered by the model's probability for its predicted class, highest first (ties in test-set order):
 * the confident mistakes are the telling ones (an ambiguous digit, a wrong label). Without probabilities for
 * every image (an evaluation object made elsewhere), the order stays.
 */
export function byConfidence(images: number[], predictions: ArrayLike<number>, probabilities: ArrayLike<number> | undefined, classes: number): number[] {
  const last = images.reduce((m, i) => Math.max(m, i), -1);
  if (!probabilities || probabilities.length < (last + 1) * classes) return images;
  const confidence = (i: number) => probabilities[i * classes + predictions[i]];
  return [...images].sort((a, b) => confidence(b) - confidence(a) || a - b);
}

/** One misclassified image: its index in the evaluated set, true and predicted class, the predicted class's probability. */
export interface Mistake { index: number; label: number; predicted: number; probability: number }

/**
 * The `limit` mistakes the model was surest of (the predicted class's probability, highest first; ties in
 * set order) and how many there are in all. `probabilities` is (N, classes) row by row.
 */
export function surestMistakes(labels: ArrayLike<number>, predictions: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number, limit: number): { count: number; surest: Mistake[] } {
  const wrong = misclassified(labels, predictions);
  const surest = byConfidence(wrong, predictions, probabilities, classes).slice(0, limit)
    .map((index) => ({ index, label: labels[index], predicted: predictions[index], probability: probabilities[index * classes + predictions[index]] }));
  return { count: wrong.length, surest };
}
