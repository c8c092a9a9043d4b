// CPU reference for conv2d (stride 1, NHWC x, HWIO w) in float64, straight from the definition:
// every (output position, kernel tap, input channel) triple inside the image is one term. The backward
// passes scatter along the same triples (the transpose), unlike the GPU's gather formulation.
import { conv2dOutputSize, conv2dPadding, type Conv2dShape } from '../../src/engine/ops/conv2d';

/** A Conv2dShape from its fields in order (tests). */
export const conv2dShape = (batch: number, height: number, width: number, inChannels: number, outChannels: number,
  kernelHeight: number, kernelWidth: number, padding: 'valid' | 'same', crop?: [number, number]): Conv2dShape =>
  ({ batch, height, width, inChannels, outChannels, kernelHeight, kernelWidth, padding, ...(crop ? { crop } : {}) });

/** The output's size: the whole 'valid'/'same' output, or its first crop rows and columns. */
function outputSize(s: Conv2dShape): { height: number; width: number } {
  const full = conv2dOutputSize({ ...s, crop: undefined });
  return s.crop ? { height: s.crop[0], width: s.crop[1] } : full;
}

/** Calls visit(x index, w index of output channel 0, y index of output channel 0) for every term. */
function forEachTerm(s: Conv2dShape, visit: (xi: number, wi: number, yi: number) => void): void {
  const { height: OH, width: OW } = outputSize(s);
  const { top, left } = conv2dPadding(s);
  const { batch: B, height: H, width: W, inChannels: CI, outChannels: CO, kernelHeight: KH, kernelWidth: KW } = s;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const yi = ((b * OH + oy) * OW + ox) * CO;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy + ky - top;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox + kx - left;
            if (ix < 0 || ix >= W) continue;
            for (let ci = 0; ci < CI; ci++) visit(((b * H + iy) * W + ix) * CI + ci, ((ky * KW + kx) * CI + ci) * CO, yi);
          }
        }
      }
    }
  }
}

export function conv2dSizes(s: Conv2dShape): { x: number; w: number; y: number } {
  const o = outputSize(s);
  return {
    x: s.batch * s.height * s.width * s.inChannels,
    w: s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels,
    y: s.batch * o.height * o.width * s.outChannels,
  };
}

/** y = conv(x, w) + bias. */
export function conv2dForwardRef(s: Conv2dShape, x: ArrayLike<number>, w: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const CO = s.outChannels;
  const y = new Float64Array(conv2dSizes(s).y);
  if (bias) for (let i = 0; i < y.length; i++) y[i] = bias[i % CO];
  forEachTerm(s, (xi, wi, yi) => {
    const xv = x[xi];
    for (let co = 0; co < CO; co++) y[yi + co] += xv * w[wi + co];
  });
  return y;
}

/** dL/dx for upstream gradient dy. */
export function conv2dBackwardInputRef(s: Conv2dShape, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const CO = s.outChannels;
  const dx = new Float64Array(conv2dSizes(s).x);
  forEachTerm(s, (xi, wi, yi) => {
    let sum = 0;
    for (let co = 0; co < CO; co++) sum += dy[yi + co] * w[wi + co];
    dx[xi] += sum;
  });
  return dx;
}

/** dL/dw for upstream gradient dy. */
export function conv2dBackwardWeightRef(s: Conv2dShape, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const CO = s.outChannels;
  const dw = new Float64Array(conv2dSizes(s).w);
  forEachTerm(s, (xi, wi, yi) => {
    const xv = x[xi];
    for (let co = 0; co < CO; co++) dw[wi + co] += xv * dy[yi + co];
  });
  return dw;
}

/** db[c] = Σ over images and output positions of dy[…, c] (NHWC: every outChannels-th value). */
export function conv2dBackwardBiasRef(outChannels: number, dy: ArrayLike<number>): Float64Array {
  const db = new Float64Array(outChannels);
  for (let i = 0; i < dy.length; i++) db[i % outChannels] += dy[i];
  return db;
}
