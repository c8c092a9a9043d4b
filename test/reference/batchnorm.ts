// CPU reference for batch normalization in float64: x is (R, C) row-major (R = B·H·W or B), statistics
// per channel over the first `valid` rows (the rest are padding: excluded, their dx 0).

export interface BatchNormStats {
  mean: Float64Array;
  variance: Float64Array;
}

export function batchStats(x: ArrayLike<number>, valid: number, C: number): BatchNormStats {
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let r = 0; r < valid; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= valid;
  for (let r = 0; r < valid; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2;
  for (let c = 0; c < C; c++) variance[c] /= valid; // biased, as Keras 3
  return { mean, variance };
}

/** y = γ·(x − mean)/√(var + ε) + β for every row (padding rows too), with the given statistics. */
export function batchNormApply(x: ArrayLike<number>, C: number, s: BatchNormStats, gamma: ArrayLike<number>, beta: ArrayLike<number>, epsilon: number): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const c = i % C;
    return gamma[c] * (v - s.mean[c]) / Math.sqrt(s.variance[c] + epsilon) + beta[c];
  });
}

/** The training forward: batch statistics over the valid rows. */
export function batchNormTrain(x: ArrayLike<number>, valid: number, C: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, epsilon: number): Float64Array {
  return batchNormApply(x, C, batchStats(x, valid, C), gamma, beta, epsilon);
}

/** moving ← moving·momentum + batch·(1 − momentum), for the mean and the (biased) variance. */
export function movingUpdate(moving: BatchNormStats, batch: BatchNormStats, momentum: number): BatchNormStats {
  const mix = (m: Float64Array, b: Float64Array) => Float64Array.from(m, (v, c) => v * momentum + b[c] * (1 - momentum));
  return { mean: mix(moving.mean, batch.mean), variance: mix(moving.variance, batch.variance) };
}

/** The training backward: dx (0 on padding rows), dγ = Σ dy·x̂, dβ = Σ dy over the valid rows. */
export function batchNormBackward(
  x: ArrayLike<number>, dy: ArrayLike<number>, valid: number, C: number, gamma: ArrayLike<number>, epsilon: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { mean, variance } = batchStats(x, valid, C);
  const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  for (let r = 0; r < valid; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      dbeta[c] += dy[i];
      dgamma[c] += dy[i] * (x[i] - mean[c]) * inv[c];
    }
  }
  const dx = new Float64Array(x.length);
  for (let r = 0; r < valid; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const xhat = (x[i] - mean[c]) * inv[c];
      dx[i] = (gamma[c] * inv[c] / valid) * (valid * dy[i] - dbeta[c] - xhat * dgamma[c]);
    }
  }
  return { dx, dgamma, dbeta };
}
