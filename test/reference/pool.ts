// CPU reference for 2-D max/average pooling, NHWC, padding 'valid', in float64.
// Backward is written as a scatter (each window sends its gradient to its elements), the opposite
// formulation from the shader's gather, so the two are independent.
import type { Pool2dShape } from '../../src/engine/ops/pool';

export interface PoolDims { B: number; H: number; W: number; C: number; P: number; S: number; OH: number; OW: number }

export function poolDims(s: Pool2dShape): PoolDims {
  const S = s.stride ?? s.poolSize;
  return {
    B: s.batch, H: s.height, W: s.width, C: s.channels, P: s.poolSize, S,
    OH: Math.floor((s.height - s.poolSize) / S) + 1,
    OW: Math.floor((s.width - s.poolSize) / S) + 1,
  };
}

/** Calls fn(outIndex, inIndices) for every output element; inIndices lists its window in row-major order. */
function forEachWindow(d: PoolDims, fn: (o: number, window: number[]) => void): void {
  for (let b = 0; b < d.B; b++) {
    for (let oh = 0; oh < d.OH; oh++) {
      for (let ow = 0; ow < d.OW; ow++) {
        for (let c = 0; c < d.C; c++) {
          const window: number[] = [];
          for (let ky = 0; ky < d.P; ky++) {
            for (let kx = 0; kx < d.P; kx++) {
              window.push(((b * d.H + oh * d.S + ky) * d.W + ow * d.S + kx) * d.C + c);
            }
          }
          fn(((b * d.OH + oh) * d.OW + ow) * d.C + c, window);
        }
      }
    }
  }
}

/** Index within `window` of its first maximum (row-major order). */
function firstMax(x: ArrayLike<number>, window: number[]): number {
  let k = 0;
  for (let j = 1; j < window.length; j++) if (x[window[j]] > x[window[k]]) k = j;
  return k;
}

export function poolForward(s: Pool2dShape, x: ArrayLike<number>): Float64Array {
  const d = poolDims(s);
  const y = new Float64Array(d.B * d.OH * d.OW * d.C);
  forEachWindow(d, (o, window) => {
    if (s.kind === 'max') {
      y[o] = x[window[firstMax(x, window)]];
    } else {
      let sum = 0;
      for (const i of window) sum += x[i];
      y[o] = sum / window.length;
    }
  });
  return y;
}

/** dL/dx: max sends dy to the first maximum of each window, avg spreads dy / pool² over it. */
export function poolBackward(s: Pool2dShape, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const d = poolDims(s);
  const dx = new Float64Array(d.B * d.H * d.W * d.C);
  forEachWindow(d, (o, window) => {
    if (s.kind === 'max') {
      dx[window[firstMax(x, window)]] += dy[o];
    } else {
      for (const i of window) dx[i] += dy[o] / window.length;
    }
  });
  return dx;
}
