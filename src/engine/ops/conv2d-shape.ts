// conv2d's shape (stride 1, NHWC / HWIO) and what follows from it alone: the output's size (or the crop
// kept of it), the padding before the first row and column, and whether any tap reaches past the input.
// conv2d.ts re-exports it; conv2d-pool.ts takes the shape from here without the GEMM kernels.

export type Padding = 'valid' | 'same';

export interface Conv2dShape {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  padding: Padding;
  /**
   * Compute only the output's first crop[0] rows and crop[1] columns, and store them as the output (B, crop…,
   * Cout): where a following pooling reads no further (fusion.ts), the rest is work nobody reads.
   */
  crop?: readonly [height: number, width: number];
}

function positiveInt(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`conv2d: ${name} must be a positive integer, got ${v}`);
}

/** The output's spatial size; throws if the shape is impossible. */
export function conv2dOutputSize(s: Conv2dShape): { height: number; width: number } {
  for (const key of ['batch', 'height', 'width', 'inChannels', 'outChannels', 'kernelHeight', 'kernelWidth'] as const) {
    positiveInt(s[key], key);
  }
  if (s.padding === 'same') return cropped(s, { height: s.height, width: s.width });
  if (s.padding !== 'valid') throw new Error(`conv2d: padding must be 'valid' or 'same', got '${String(s.padding)}'`);
  if (s.kernelHeight > s.height || s.kernelWidth > s.width) {
    throw new Error(`conv2d: kernel ${s.kernelHeight}×${s.kernelWidth} is larger than the padded input ${s.height}×${s.width} (padding 'valid')`);
  }
  return cropped(s, { height: s.height - s.kernelHeight + 1, width: s.width - s.kernelWidth + 1 });
}

function cropped(s: Conv2dShape, full: { height: number; width: number }): { height: number; width: number } {
  if (s.crop === undefined) return full;
  const [h, w] = s.crop;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > full.height || w > full.width) {
    throw new Error(`conv2d: crop ${h}×${w} must keep 1 to ${full.height}×${full.width} (the output) rows and columns`);
  }
  return { height: h, width: w };
}

/** Whether some output position's window reaches past the input (padding on some side). */
export function tapsOutside(s: Conv2dShape): boolean {
  const pad = conv2dPadding(s);
  const o = conv2dOutputSize(s);
  return pad.top > 0 || pad.left > 0 || o.height + s.kernelHeight - 1 > s.height || o.width + s.kernelWidth - 1 > s.width;
}

/** Padding before the first row / column: TensorFlow puts the odd one of 'same' at the bottom / right. */
export function conv2dPadding(s: Conv2dShape): { top: number; left: number } {
  if (s.padding === 'valid') return { top: 0, left: 0 };
  return { top: Math.floor((s.kernelHeight - 1) / 2), left: Math.floor((s.kernelWidth - 1) / 2) };
}
