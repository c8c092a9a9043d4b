// CPU reference for softmax and a loss on its probabilities, with the metrics, in float64.
// p = softmax(logits), y = onehot(label)·(1 − α) + α/C. Losses (Keras's):
//   categorical_crossentropy  −Σ y log p          (formed as Σ y_j (log s + m − x_j), stable for large logits)
//   mean_squared_error        (1/C) Σ (p − y)²
//   categorical_hinge         max(0, max_j (1 − y_j) p_j − Σ y p + 1)
// A row whose label is not a class (PADDING_LABEL, or any label ≥ C) is padding: no loss, zero gradient.
// Top-k: fewer than k logits strictly greater than the label's, and every logit finite.

export type ReferenceLoss = 'categorical_crossentropy' | 'mean_squared_error' | 'categorical_hinge';

export interface LossReferenceOptions {
  loss?: ReferenceLoss;
  labelSmoothing?: number;
  topK?: number;
}

export interface XentReference {
  /** Mean loss over valid rows (0 if there are none): the scalar whose gradient is dlogits. */
  meanLoss: number;
  lossSum: number;
  correct: number;
  topKCorrect: number;
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

function options(o: LossReferenceOptions) {
  return { loss: o.loss ?? 'categorical_crossentropy', alpha: o.labelSmoothing ?? 0, k: o.topK ?? 5 };
}

/** The smoothed target row. */
function targets(label: number, classes: number, alpha: number): Float64Array {
  const y = new Float64Array(classes).fill(alpha / classes);
  y[label] += 1 - alpha;
  return y;
}

/** The loss of one row from its logits x (length C), max m, Σ exp(x − m) = s and probabilities p. */
function rowLoss(loss: ReferenceLoss, x: ArrayLike<number>, m: number, s: number, p: Float64Array, y: Float64Array): number {
  const C = p.length;
  if (loss === 'categorical_crossentropy') {
    let l = 0;
    for (let j = 0; j < C; j++) if (y[j] !== 0) l += y[j] * (Math.log(s) + (m - x[j]));
    return l;
  }
  if (loss === 'mean_squared_error') {
    let l = 0;
    for (let j = 0; j < C; j++) l += (p[j] - y[j]) ** 2;
    return l / C;
  }
  const { pos, neg } = hingeParts(p, y);
  return Math.max(0, neg - pos + 1);
}

function hingeParts(p: Float64Array, y: Float64Array): { pos: number; neg: number; arg: number } {
  let pos = 0;
  let arg = 0;
  for (let j = 0; j < p.length; j++) {
    pos += y[j] * p[j];
    if ((1 - y[j]) * p[j] > (1 - y[arg]) * p[arg]) arg = j;
  }
  return { pos, neg: (1 - y[arg]) * p[arg], arg };
}

export function xentForward(logits: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number, opts: LossReferenceOptions = {}): XentReference {
  const { loss, alpha, k } = options(opts);
  const probs = new Float64Array(batch * classes);
  const predictions = new Uint32Array(batch);
  const confusion = new Uint32Array(classes * classes);
  let lossSum = 0;
  let correct = 0;
  let topKCorrect = 0;
  let valid = 0;
  let nonFinite = false;
  for (let r = 0; r < batch; r++) {
    const row = r * classes;
    const x = Array.from({ length: classes }, (_, j) => logits[row + j]);
    let arg = 0;
    for (let j = 1; j < classes; j++) if (x[j] > x[arg]) arg = j;
    const m = x[arg];
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(x[j] - m);
    const p = Float64Array.from(x, (v) => Math.exp(v - m) / s);
    probs.set(p, row);
    const label = labels[r];
    if (label >= classes) {
      predictions[r] = PADDING;
      continue;
    }
    const l = rowLoss(loss, x, m, s, p, targets(label, classes, alpha));
    const finiteRow = x.every(Number.isFinite);
    if (!finiteRow || !Number.isFinite(l)) nonFinite = true;
    lossSum += l;
    valid++;
    if (arg === label) correct++;
    if (finiteRow && x.filter((v) => v > x[label]).length < k) topKCorrect++;
    predictions[r] = arg;
    confusion[label * classes + arg]++;
  }
  return { meanLoss: valid ? lossSum / valid : 0, lossSum, correct, topKCorrect, valid, nonFinite, probs, predictions, confusion };
}

/**
 * d(meanLoss)/d(logits), 0 on padding rows. Cross-entropy: (p − y) / V. MSE and hinge: dL/dp = g through
 * the softmax Jacobian, dL/dz_i = p_i (g_i − Σ_j p_j g_j), over V.
 */
export function xentBackward(logits: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number, opts: LossReferenceOptions = {}): Float64Array {
  const { loss, alpha } = options(opts);
  const { probs, valid } = xentForward(logits, labels, batch, classes, opts);
  const grad = new Float64Array(batch * classes);
  for (let r = 0; r < batch; r++) {
    if (labels[r] >= classes) continue;
    const p = probs.subarray(r * classes, (r + 1) * classes);
    const y = targets(labels[r], classes, alpha);
    let g: Float64Array;
    if (loss === 'categorical_crossentropy') {
      for (let j = 0; j < classes; j++) grad[r * classes + j] = (p[j] - y[j]) / valid;
      continue;
    } else if (loss === 'mean_squared_error') {
      g = Float64Array.from(p, (v, j) => (2 * (v - y[j])) / classes);
    } else {
      const { pos, neg, arg } = hingeParts(p, y);
      g = new Float64Array(classes);
      if (neg - pos + 1 > 0) {
        for (let j = 0; j < classes; j++) g[j] = -y[j];
        g[arg] += 1 - y[arg];
      }
    }
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += p[j] * g[j];
    for (let j = 0; j < classes; j++) grad[r * classes + j] = (p[j] * (g[j] - dot)) / valid;
  }
  return grad;
}
