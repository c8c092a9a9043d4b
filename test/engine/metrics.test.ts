// Quality metrics and the mistakes behind them: the classification report of a hand-counted confusion matrix,
// and the surest mistakes (the element's gallery, the command line's metrics.json and mistakes.svg).
import { byConfidence, classificationReport, surestMistakes } from '../../src/engine/metrics';
import { assertClose, assertEqual, assertRejects } from '../util/assert';

const TIGHT = { atol: 1e-12, rtol: 0 };

describe('quality metrics', () => {
  it('precision, recall, F1 and accuracy of a 3-class confusion matrix, counted by hand', async () => {
    // Rows true, columns predicted: class 0: 5 right, 1 taken for 1; class 1: 3 right, 2 taken for 2; class 2: never predicted right, 4 taken for 0.
    const r = classificationReport([5, 1, 0, 0, 3, 2, 4, 0, 0], 3);
    assertClose([r.accuracy], [8 / 15], TIGHT, 'accuracy');
    assertClose(r.perClass.map((m) => m.precision), [5 / 9, 3 / 4, 0], TIGHT, 'precision = tp / predicted');
    assertClose(r.perClass.map((m) => m.recall), [5 / 6, 3 / 5, 0], TIGHT, 'recall = tp / actual');
    assertClose([r.perClass[0].f1], [(2 * (5 / 9) * (5 / 6)) / (5 / 9 + 5 / 6)], TIGHT, 'F1 = harmonic mean');
    assertEqual(r.perClass[2].f1, 0, 'no true positives: F1 0 (zero_division=0)');
    assertEqual(r.perClass.map((m) => m.support).join(), '6,5,4', 'support = row sums');
    await assertRejects(async () => classificationReport([1, 2, 3], 2), /3 cells, expected 2×2/, 'wrong size');
  });

  it('the surest mistakes: only misclassified images, by the predicted class probability, ties in set order, limited', () => {
    const labels = [0, 1, 2, 1, 0, 2];
    const predictions = [0, 2, 1, 0, 1, 2];
    // (6, 3) probabilities; the predicted class's: image 1 0.6, image 2 0.9, image 3 0.6, image 4 0.5.
    const probabilities = [
      0.8, 0.1, 0.1, /**/ 0.1, 0.3, 0.6, /**/ 0.05, 0.9, 0.05, /**/ 0.6, 0.3, 0.1, /**/ 0.4, 0.5, 0.1, /**/ 0.1, 0.1, 0.8,
    ];
    const all = surestMistakes(labels, predictions, probabilities, 3, 10);
    assertEqual(all.count, 4, 'four mistakes');
    assertEqual(all.surest.map((m) => m.index).join(), '2,1,3,4', 'surest first, the 0.6 tie in set order');
    assertEqual(JSON.stringify(all.surest[0]), JSON.stringify({ index: 2, label: 2, predicted: 1, probability: 0.9 }), 'a mistake names its classes and probability');
    const two = surestMistakes(labels, predictions, probabilities, 3, 2);
    assertEqual(`${two.count} ${two.surest.map((m) => m.index).join()}`, '4 2,1', 'the limit keeps the count of all');
    assertEqual(surestMistakes(labels, labels, probabilities, 3, 10).count, 0, 'no mistakes');
  });

  it('byConfidence keeps the order when probabilities do not cover the images', () => {
    assertEqual(byConfidence([3, 1], [0, 0, 0, 0], [0.5, 0.5, 0.2, 0.8], 2).join(), '3,1', 'too few rows');
    assertEqual(byConfidence([3, 1], [0, 0, 0, 0], undefined, 2).join(), '3,1', 'none');
    assertEqual(byConfidence([0, 1], [1, 0], [0.3, 0.7, 0.9, 0.1], 2).join(), '1,0', 'ordered when covered');
  });
});
