// The flat parameter buffer (graph.ts's layout: each tensor at a 64-float aligned offset) seen as named
// tensors, and back: what the exporters read and the importer writes. Shapes are ours, which are also
// Keras's (dense kernel (in, out), conv2d kernel (kh, kw, cin, cout) = HWIO, biases (units)).
import { flatParamLayout } from '../graph';
import type { ParamInfo, ResolvedLayer, ResolvedModel } from '../model';

export interface NamedTensor {
  layer: ResolvedLayer;
  info: ParamInfo;
  /** The weight's own name in Keras (the part after the layer name: 'kernel', 'bias', ...). */
  weight: string;
  /** A view into the flat buffer (not a copy). */
  values: Float32Array;
}

/** Each parameter tensor of `model` in `params`, in layer order and, within a layer, Keras's weight order. */
export function paramTensors(model: ResolvedModel, params: Float32Array): NamedTensor[] {
  const { total } = flatParamLayout(model);
  if (params.length !== total) throw new Error(`export: the model needs ${total} parameters (alignment included), got ${params.length}`);
  const offset = offsets(model);
  const out: NamedTensor[] = [];
  for (const layer of model.layers) {
    for (const info of layer.params) {
      const at = offset.get(info)!;
      out.push({ layer, info, weight: info.name.slice(layer.name.length + 1), values: params.subarray(at, at + info.size) });
    }
  }
  return out;
}

/**
 * Each tensor's offset, looked up by tensor: the layout is not in layer order (the trainable tensors come
 * first, batch normalization's moving statistics after them), so it is never walked by position.
 */
function offsets(model: ResolvedModel): Map<ParamInfo, number> {
  return new Map(flatParamLayout(model).layout.map((e) => [e.info, e.offset]));
}

/** A flat buffer for `model` with each tensor from `get` (its name, e.g. 'dense_1.kernel'); padding stays 0. */
export function flatParams(model: ResolvedModel, get: (info: ParamInfo, layer: ResolvedLayer) => Float32Array): Float32Array {
  const params = new Float32Array(flatParamLayout(model).total);
  const offset = offsets(model);
  for (const layer of model.layers) {
    for (const info of layer.params) {
      const values = get(info, layer);
      if (values.length !== info.size) throw new Error(`${info.name}: ${values.length} values, expected ${info.size}`);
      params.set(values, offset.get(info)!);
    }
  }
  return params;
}

/** float32 values as little-endian bytes (a copy, whatever the platform's byte order). */
export function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** Little-endian float32 bytes as values (a copy). */
export function bytesF32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
