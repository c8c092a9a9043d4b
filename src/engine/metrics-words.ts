// The metrics words: what the loss kernel (and the regularizer penalty) accumulate on the GPU per
// step and per evaluation, what the step log copies after every step, and how they are decoded. The
// one place that knows their layout; the WGSL kernels that write them name the same word indices.
//
// metrics: (METRICS_WORDS) u32 words, f32 values stored as bits
//   [0] f32 loss sum over valid rows (the data loss, without any penalty)
//   [1] f32 correct count (argmax = label)
//   [2] f32 valid-row count
//   [3] u32 first non-finite step (0xFFFFFFFF = none yet; only training writes it)
//   [4] f32 top-k correct count (the label among the k largest outputs; the loss kernel's k)
//   [5] f32 regularization penalty sum over the steps (Σ over kernels of l1·|w| + l2·w², once per step)
//   [6] f32 number of penalty terms added to [5] (steps, or 1 for an evaluation)
//   [7] reserved, 0

export const METRICS_WORDS = 8;
/** Word indices, as the kernels use them. */
export const METRIC = { lossSum: 0, correct: 1, count: 2, nonFiniteStep: 3, topK: 4, penaltySum: 5, penaltyCount: 6 } as const;
/** Metrics word 3 while no non-finite loss has been seen. */
export const NO_STEP = 0xffffffff;

/** Initial metrics words: every sum 0 (0.0f is all-zero bits), no non-finite step. */
export function metricsInit(): Uint32Array<ArrayBuffer> {
  const w = new Uint32Array(METRICS_WORDS);
  w[METRIC.nonFiniteStep] = NO_STEP;
  return w;
}

export interface Metrics {
  lossSum: number;
  correct: number;
  count: number;
  topKCorrect: number;
  penaltySum: number;
  penaltyCount: number;
  /** The first training step whose loss was NaN/Inf, or null. */
  nonFiniteStep: number | null;
  /**
   * Mean data loss over the counted rows plus the mean penalty (0 without regularizers), as Keras
   * reports `loss`; accuracy and top-k accuracy over the counted rows (NaN before any).
   */
  loss: number;
  accuracy: number;
  topKAccuracy: number;
}

/** Decodes METRICS_WORDS words (a metrics buffer read back, or one row of the step log). */
export function readMetrics(words: Uint32Array): Metrics {
  if (words.length < METRICS_WORDS) throw new Error(`metrics: ${words.length} words, expected ${METRICS_WORDS}`);
  const f = new Float32Array(words.buffer, words.byteOffset, METRICS_WORDS);
  const [lossSum, correct, count, , topKCorrect, penaltySum, penaltyCount] = f;
  const penalty = penaltyCount > 0 ? penaltySum / penaltyCount : 0;
  return {
    lossSum, correct, count, topKCorrect, penaltySum, penaltyCount,
    nonFiniteStep: words[METRIC.nonFiniteStep] === NO_STEP ? null : words[METRIC.nonFiniteStep],
    loss: count > 0 ? lossSum / count + penalty : Number.NaN,
    accuracy: count > 0 ? correct / count : Number.NaN,
    topKAccuracy: count > 0 ? topKCorrect / count : Number.NaN,
  };
}

/** The metrics of the steps between two readings `prev` (earlier) and `m` of the same running sums. */
export function metricsBetween(prev: Metrics | null, m: Metrics): { loss: number; accuracy: number; topKAccuracy: number } {
  const p = prev ?? { lossSum: 0, correct: 0, count: 0, topKCorrect: 0, penaltySum: 0, penaltyCount: 0 };
  const n = m.count - p.count;
  const k = m.penaltyCount - p.penaltyCount;
  const penalty = k > 0 ? (m.penaltySum - p.penaltySum) / k : 0;
  return {
    loss: n > 0 ? (m.lossSum - p.lossSum) / n + penalty : Number.NaN,
    accuracy: n > 0 ? (m.correct - p.correct) / n : Number.NaN,
    topKAccuracy: n > 0 ? (m.topKCorrect - p.topKCorrect) / n : Number.NaN,
  };
}
