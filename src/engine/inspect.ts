// What each layer makes of one image, for the "Inside the model" view: the inference forward of that
// image (the path predict takes: the evaluation step, dropout off, batch normalization on its moving
// statistics), then ONE readback. In the forward's own command buffer, every layer's output for row 0
// of the batch, the evaluation softmax's probabilities and the first convolution's kernel are copied
// into one staging buffer, which is then mapped once. Never part of a training step: the Trainer
// submits it between steps, as it does predict. The staging buffer is allocated once per trainer (its
// graph) and destroyed with it; calls are serialised on it (one mapping at a time).
import { numel, tensorBytes, type Tensor } from './buffers';
import type { Graph } from './graph';
import type { ResolvedLayer, ResolvedModel } from './model';
import type { Destroyable } from './op';

export interface LayerOutput {
  index: number;
  name: string;
  type: ResolvedLayer['type'];
  /** The layer's outShape: (H, W, C) for feature maps, (units) for vectors. */
  shape: readonly number[];
  /** Its output for the image, row-major (NHWC without N). The last layer's: the class probabilities. */
  values: Float32Array;
}

export interface Inspection {
  /** One per layer, in order. */
  layers: LayerOutput[];
  /** The last layer's raw output: the logits the loss's softmax reads. */
  logits: Float32Array;
  /** The softmax of the logits, as predict() returns them (also the last layer's values). */
  probabilities: Float32Array;
  /** The first conv2d layer's kernel, (kh, kw, in, out) as Keras stores it; absent when the model has none. */
  filters?: { layer: string; shape: readonly number[]; values: Float32Array };
}

interface Piece { offset: number; size: number }

/** Where each piece lies in the staging buffer, in 4-byte elements: the layers' outputs, the probabilities, the kernel. */
export interface InspectLayout {
  layers: Piece[];
  probs: Piece;
  filters?: Piece & { layer: string; param: string; shape: readonly number[] };
  /** Elements in all. */
  total: number;
}

/** memory.ts counts the staging buffer from it, with the trainer's buffers. */
export function inspectLayout(model: ResolvedModel): InspectLayout {
  let total = 0;
  const piece = (size: number): Piece => {
    const p = { offset: total, size };
    total += size;
    return p;
  };
  const layers = model.layers.map((l) => piece(numel(l.outShape)));
  const probs = piece(model.classes);
  const conv = model.layers.find((l) => l.type === 'conv2d');
  const kernel = conv?.params.find((p) => p.name === `${conv.name}.kernel`);
  const filters = conv && kernel ? { ...piece(kernel.size), layer: conv.name, param: kernel.name, shape: kernel.shape } : undefined;
  return { layers, probs, filters, total };
}

/** 784 bytes (0–255) or floats already in [0, 1] → one normalised input row, as the gather normalises. */
export function normaliseImage(image: Uint8Array | Uint8ClampedArray | Float32Array, size: number, norm: { mean?: number; std?: number } = {}, what = 'predict'): Float32Array {
  if (image.length !== size) throw new Error(`${what}: expected ${size} pixels, got ${image.length}`);
  const { mean = 0, std = 1 } = norm;
  const scale = image instanceof Float32Array ? 1 : 1 / 255;
  return Float32Array.from(image, (v) => (v * scale - mean) / std);
}

export class Inspector implements Destroyable {
  private readonly layout: InspectLayout;
  private readonly staging: GPUBuffer;
  private readonly kernelOffset?: number;
  /** The inspection under way: the next waits for its mapping to end. */
  private last: Promise<unknown> = Promise.resolve();
  private destroyed = false;

  /** `probs`: (B, classes), the evaluation softmax's output (training-parts.ts). */
  constructor(device: GPUDevice, private readonly graph: Graph, private readonly probs: Tensor) {
    this.layout = inspectLayout(graph.model);
    this.staging = device.createBuffer({ label: 'inspect.staging', size: tensorBytes(this.layout.total), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const f = this.layout.filters;
    this.kernelOffset = f && graph.slots.find((s) => s.info.name === f.param)?.offset;
  }

  /**
   * `submit(copy)` submits the forward of one image with `copy` encoded after it in the same command
   * buffer (EvaluationStep.forwardRows), synchronously; the inspection resolves once the copy is read.
   */
  run(submit: (copy: (enc: GPUCommandEncoder) => void) => void): Promise<Inspection> {
    const next = this.last.catch(() => undefined).then(async () => {
      if (this.destroyed) throw new Error('inspect: the trainer was destroyed');
      submit((enc) => this.encodeCopies(enc));
      const bytes = this.layout.total * 4;
      await this.staging.mapAsync(GPUMapMode.READ, 0, bytes);
      try {
        return this.parse(new Float32Array(this.staging.getMappedRange(0, bytes).slice(0)));
      } finally {
        this.staging.unmap();
      }
    });
    this.last = next;
    return next;
  }

  private encodeCopies(enc: GPUCommandEncoder): void {
    const { layers, probs, filters } = this.layout;
    // Row 0 of each (B, ...) tensor is its first `size` elements.
    layers.forEach((p, i) => enc.copyBufferToBuffer(this.graph.outputs[i].buffer, 0, this.staging, p.offset * 4, p.size * 4));
    enc.copyBufferToBuffer(this.probs.buffer, 0, this.staging, probs.offset * 4, probs.size * 4);
    if (filters && this.kernelOffset !== undefined) enc.copyBufferToBuffer(this.graph.params.buffer, this.kernelOffset * 4, this.staging, filters.offset * 4, filters.size * 4);
  }

  private parse(data: Float32Array): Inspection {
    const { layers, probs, filters } = this.layout;
    const take = (p: Piece) => data.slice(p.offset, p.offset + p.size);
    const model = this.graph.model;
    const probabilities = take(probs);
    const last = model.layers.length - 1;
    return {
      layers: model.layers.map((l, i) => ({ index: l.index, name: l.name, type: l.type, shape: l.outShape, values: i === last ? probabilities : take(layers[i]) })),
      logits: take(layers[last]),
      probabilities,
      filters: filters && { layer: filters.layer, shape: filters.shape, values: take(filters) },
    };
  }

  destroy(): void {
    this.destroyed = true;
    this.staging.destroy();
  }
}
