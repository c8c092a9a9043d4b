// CPU reference for C = op(A)·op(B) [+ bias] in float64, its gradients, and column sums (bias gradient).
// A is stored (M, K), or (K, M) if transA; B is stored (K, N), or (N, K) if transB; C is (M, N).

import type { MatmulShape } from '../../src/engine/ops/matmul';

export type { MatmulShape };

/** Strides of op(A)[m, k] = A[m·am + k·ak] and op(B)[k, n] = B[k·bk + n·bn] in their storage. */
export function strides(s: MatmulShape): { am: number; ak: number; bk: number; bn: number } {
  return {
    am: s.transA ? 1 : s.K,
    ak: s.transA ? s.M : 1,
    bk: s.transB ? 1 : s.N,
    bn: s.transB ? s.K : 1,
  };
}

export function matmulForward(s: MatmulShape, a: ArrayLike<number>, b: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const { am, ak, bk, bn } = strides(s);
  const c = new Float64Array(s.M * s.N);
  for (let m = 0; m < s.M; m++) {
    for (let n = 0; n < s.N; n++) {
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < s.K; k++) acc += a[m * am + k * ak] * b[k * bk + n * bn];
      c[m * s.N + n] = acc;
    }
  }
  return c;
}

/** Σ_k |op(A)[m,k]|·|op(B)[k,n]| (+ |bias[n]|): scales the f32 rounding error bound of each C element. */
export function matmulAbsBound(s: MatmulShape, a: ArrayLike<number>, b: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  return matmulForward(s, Array.from(a, Math.abs), Array.from(b, Math.abs), bias && Array.from(bias, Math.abs));
}

export interface MatmulGrads {
  /** dL/dA in A's storage layout. */
  da: Float64Array;
  /** dL/dB in B's storage layout. */
  db: Float64Array;
  /** dL/dbias: the column sums of dC. */
  dbias: Float64Array;
}

/** Gradients of L = Σ dC ⊙ C: dop(A) = dC·op(B)ᵀ, dop(B) = op(A)ᵀ·dC, dbias = Σ_rows dC. */
export function matmulBackward(s: MatmulShape, a: ArrayLike<number>, b: ArrayLike<number>, dc: ArrayLike<number>): MatmulGrads {
  const { am, ak, bk, bn } = strides(s);
  const da = new Float64Array(s.M * s.K);
  const db = new Float64Array(s.K * s.N);
  for (let m = 0; m < s.M; m++) {
    for (let k = 0; k < s.K; k++) {
      let acc = 0;
      for (let n = 0; n < s.N; n++) acc += dc[m * s.N + n] * b[k * bk + n * bn];
      da[m * am + k * ak] = acc;
    }
  }
  for (let k = 0; k < s.K; k++) {
    for (let n = 0; n < s.N; n++) {
      let acc = 0;
      for (let m = 0; m < s.M; m++) acc += a[m * am + k * ak] * dc[m * s.N + n];
      db[k * bk + n * bn] = acc;
    }
  }
  return { da, db, dbias: columnSums(dc, s.M, s.N) };
}

/** out[j] = Σ_i x[i, j] for x (rows, cols). */
export function columnSums(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j] += x[i * cols + j];
  }
  return out;
}
