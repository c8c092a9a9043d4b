// CPU reference for softmax cross-entropy with metrics, in float64.
// A row whose label is not a class (PADDING_LABEL, or any label ≥ C) is padding: no loss, zero gradient.

export interface XentReference {
  /** Mean loss over valid rows (0 if there are none): the scalar whose gradient is dlogits. */
  meanLoss: number;
  lossSum: number;
  correct: number;
  valid: number;
  /** A valid row had a non-finite logit or loss. */
  nonFinite: boolean;
  /** (B, C) softmax of every row. */
  probs: Float64Array;
  /** (B) argmax (ties → lowest index); PADDING for padding rows. */
  predictions: Uint32Array;
  /** (C, C) counts, row = true label, column = prediction. */
  confusion: Uint32Array;
}

const PADDING = 0xffffffff;

export function xentForward(logits: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number): XentReference {
  const probs = new Float64Array(batch * classes);
  const predictions = new Uint32Array(batch);
  const confusion = new Uint32Array(classes * classes);
  let lossSum = 0;
  let correct = 0;
  let valid = 0;
  let nonFinite = false;
  for (let r = 0; r < batch; r++) {
    const row = r * classes;
    let arg = 0;
    for (let j = 1; j < classes; j++) if (logits[row + j] > logits[row + arg]) arg = j;
    const m = logits[row + arg];
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(logits[row + j] - m);
    for (let j = 0; j < classes; j++) probs[row + j] = Math.exp(logits[row + j] - m) / s;
    const label = labels[r];
    if (label >= classes) {
      predictions[r] = PADDING;
      continue;
    }
    const loss = Math.log(s) + (m - logits[row + label]);
    for (let j = 0; j < classes; j++) if (!Number.isFinite(logits[row + j])) nonFinite = true;
    if (!Number.isFinite(loss)) nonFinite = true;
    lossSum += loss;
    valid++;
    if (arg === label) correct++;
    predictions[r] = arg;
    confusion[label * classes + arg]++;
  }
  return { meanLoss: valid ? lossSum / valid : 0, lossSum, correct, valid, nonFinite, probs, predictions, confusion };
}

/** d(meanLoss)/d(logits) = (softmax − onehot) / V on valid rows, 0 on padding rows. */
export function xentBackward(logits: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number): Float64Array {
  const { probs, valid } = xentForward(logits, labels, batch, classes);
  const grad = new Float64Array(batch * classes);
  for (let r = 0; r < batch; r++) {
    if (labels[r] >= classes) continue;
    for (let j = 0; j < classes; j++) grad[r * classes + j] = (probs[r * classes + j] - (j === labels[r] ? 1 : 0)) / valid;
  }
  return grad;
}
