// Export to ONNX (opset 13, IR version 7): the inference graph of a resolved model, encoded by
// protobufjs with ONNX's schema (onnx-schema.ts). Read by ONNX Runtime (onnxruntime-web / -node /
// Python), and importable into PyTorch and others.
//   input  "input"          float32 (N, 28, 28, 1): NHWC like our data, pixels / 255
//   output "probabilities"  float32 (N, classes): the softmax that our loss fuses, made explicit
// ONNX's Conv and pools are NCHW: a Transpose (0, 3, 1, 2) goes before the first of them, and before
// Flatten a Transpose (0, 2, 3, 1) back, so the flattened order is ours and Keras's (h, w, c).
// Conv weights go from our HWIO to ONNX's OIHW; dense is Gemm with our (in, out) kernel; dropout is
// left out (inference); 'same' padding is TensorFlow's (the odd pixel at the bottom/right), as ours.
// Activations are ONNX ops (Relu, LeakyRelu α 0.01, Elu α 1, Sigmoid, Tanh, Softmax) except GELU, whose
// tanh approximation (ours) is built from Mul/Add/Sigmoid: x·σ(2√(2/π)(x + 0.044715x³)), as our shader.
// One protobuf message cannot exceed 2 GiB, so a model whose weights would not fit is refused (ONNX's
// external-data form would be needed); the limit is a parameter so the check can be tested.
import protobuf from 'protobufjs/light';
import { DEFAULT_ALPHA, type ActivationName } from '../activations';
import { CodedError } from '../errors';
import { modelName, type ResolvedModel } from '../model';
import { ONNX_SCHEMA } from './onnx-schema';
import { f32Bytes, paramTensors } from './params';
import type { ModelLabels } from './labels';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
/** Protobuf's limit on one serialized message, which an .onnx file is. */
export const ONNX_MAX_BYTES = 2 ** 31 - 1;
/** Room for the graph itself (nodes, names, shapes) besides the weights in the size check. */
const GRAPH_BYTES = 1 << 20;

let root: protobuf.Root | undefined;
/** The ONNX message types (built once from the JSON descriptor). */
export function onnxRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA);
  return root;
}

export interface OnnxOptions {
  /** The largest file allowed (default ONNX_MAX_BYTES); smaller in tests of the refusal. */
  maxBytes?: number;
  /** What the outputs mean, written as metadata_props. */
  labels?: ModelLabels;
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const enum Attr { FLOAT = 1, INT = 2, INTS = 7 }

interface Attribute { name: string; type: Attr; f?: number; i?: number; ints?: number[] }
const ints = (name: string, v: number[]): Attribute => ({ name, type: Attr.INTS, ints: v });
const int = (name: string, v: number): Attribute => ({ name, type: Attr.INT, i: v });
const float = (name: string, v: number): Attribute => ({ name, type: Attr.FLOAT, f: v });

/** Nodes and initializers, with unique value names. */
class GraphBuilder {
  readonly nodes: object[] = [];
  readonly initializers: object[] = [];
  private count = 0;

  init(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: f32Bytes(values) });
    return name;
  }

  node(opType: string, inputs: string[], attribute: Attribute[] = [], output = `${opType.toLowerCase()}_${this.count}`): string {
    this.nodes.push({ name: `${opType}_${this.count++}`, opType, input: inputs, output: [output], attribute });
    return output;
  }
}

/** Our HWIO conv kernel as ONNX's OIHW. */
function hwioToOihw(w: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
      }
    }
  }
  return out;
}

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function activation(g: GraphBuilder, x: string, act: ActivationName, softmaxAxis: number, where: string): string {
  switch (act) {
    case 'linear': return x;
    case 'relu': return g.node('Relu', [x]);
    case 'leaky_relu': return g.node('LeakyRelu', [x], [float('alpha', DEFAULT_ALPHA.leaky_relu!)]);
    case 'elu': return g.node('Elu', [x], [float('alpha', DEFAULT_ALPHA.elu!)]);
    case 'sigmoid': return g.node('Sigmoid', [x]);
    case 'tanh': return g.node('Tanh', [x]);
    case 'softmax': return g.node('Softmax', [x], [int('axis', softmaxAxis)]);
    case 'gelu': {
      // x·σ(x·(2k + 2kc·x²)) = x·σ(2k(x + c·x³))
      const a = g.init(`${where}.gelu_2kc`, [], Float32Array.of(2 * GELU_K * GELU_C));
      const b = g.init(`${where}.gelu_2k`, [], Float32Array.of(2 * GELU_K));
      const u = g.node('Mul', [x, g.node('Add', [g.node('Mul', [g.node('Mul', [x, x]), a]), b])]);
      return g.node('Mul', [x, g.node('Sigmoid', [u])]);
    }
  }
}

/** The ONNX model (as a protobufjs plain object) for `model` with flat parameters `params`. */
export function onnxModelObject(model: ResolvedModel, params: Float32Array, labels?: ModelLabels): object {
  const tensors = paramTensors(model, params);
  const weight = (layer: string, w: string) => tensors.find((t) => t.layer.name === layer && t.weight === w)!;
  const g = new GraphBuilder();
  let x = 'input';
  // The current value's layout (an object: toNCHW changes it, which TypeScript's narrowing would not see).
  const s: { layout: 'NHWC' | 'NCHW' | 'flat' } = { layout: model.inputShape.length === 3 ? 'NHWC' : 'flat' };
  const toNCHW = () => {
    if (s.layout === 'NHWC') x = g.node('Transpose', [x], [ints('perm', [0, 3, 1, 2])]);
    s.layout = 'NCHW';
  };
  for (const l of model.layers) {
    switch (l.type) {
      case 'conv2d': {
        toNCHW();
        const k = weight(l.name, 'kernel');
        const [kh, kw] = l.kernelSize;
        const [top, left] = l.padding === 'same' ? [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)] : [0, 0];
        const [bottom, right] = l.padding === 'same' ? [kh - 1 - top, kw - 1 - left] : [0, 0];
        const [, , cin, cout] = k.info.shape;
        const W = g.init(`${l.name}.kernel`, [cout, cin, kh, kw], hwioToOihw(k.values, k.info.shape));
        const B = g.init(`${l.name}.bias`, [cout], weight(l.name, 'bias').values);
        x = g.node('Conv', [x, W, B], [ints('kernel_shape', [kh, kw]), ints('pads', [top, left, bottom, right]), ints('strides', [1, 1]), ints('dilations', [1, 1])]);
        break;
      }
      case 'maxPool2d':
      case 'avgPool2d':
        toNCHW();
        x = g.node(l.type === 'maxPool2d' ? 'MaxPool' : 'AveragePool', [x], [ints('kernel_shape', [l.poolSize, l.poolSize]), ints('strides', [l.strides, l.strides]), ints('pads', [0, 0, 0, 0])]);
        break;
      case 'flatten':
        if (s.layout === 'NCHW') x = g.node('Transpose', [x], [ints('perm', [0, 2, 3, 1])]);
        x = g.node('Flatten', [x], [int('axis', 1)]);
        s.layout = 'flat';
        break;
      case 'dense': {
        const k = weight(l.name, 'kernel');
        const W = g.init(`${l.name}.kernel`, k.info.shape, k.values);
        const B = g.init(`${l.name}.bias`, [l.units], weight(l.name, 'bias').values);
        x = g.node('Gemm', [x, W, B]);
        break;
      }
      case 'batchNormalization': {
        // Inference form over the channel axis: 1 in NCHW and in (N, C) alike.
        if (s.layout === 'NHWC') toNCHW();
        const [scale, bias, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => g.init(`${l.name}.${w}`, [l.outShape[l.outShape.length - 1]], weight(l.name, w).values));
        x = g.node('BatchNormalization', [x, scale, bias, mean, variance], [float('epsilon', l.epsilon)]);
        break;
      }
      case 'dropout':
      case 'activation':
        break;
      default: {
        // A new layer type (batch normalization) must get its case here: never skipped silently.
        const unknown: never = l;
        throw new CodedError('model', `ONNX export: layer type ${JSON.stringify((unknown as { type: string }).type)} is not supported yet`);
      }
    }
    x = activation(g, x, l.activation, s.layout === 'NCHW' ? 1 : -1, l.name);
  }
  if (s.layout !== 'flat') throw new CodedError('model', 'ONNX export: the model must end with flat class scores');
  g.node('Softmax', [x], [int('axis', 1)], 'probabilities');

  const dims = (shape: (number | string)[]) => ({ dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) });
  const valueInfo = (name: string, shape: (number | string)[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: dims(shape) } } });
  return {
    irVersion: ONNX_IR_VERSION,
    producerName: 'mnist-trainer',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    docString: `${modelName(model.spec)}: input float32 (N, ${model.inputShape.join(', ')}) NHWC, pixels / 255; output class probabilities`,
    // labels.ts: what the outputs mean (onnxruntime reads them as the model's custom metadata).
    ...(labels ? { metadataProps: [{ key: 'dataset', value: labels.dataset }, { key: 'class_names', value: JSON.stringify(labels.classNames) }] } : {}),
    graph: {
      name: modelName(model.spec),
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', ['N', ...model.inputShape])],
      output: [valueInfo('probabilities', ['N', model.classes])],
    },
  };
}

/** The .onnx file's bytes; a CodedError ('model') when the model would exceed the format's size limit. */
export function exportOnnx(model: ResolvedModel, params: Float32Array, options: OnnxOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? ONNX_MAX_BYTES;
  const weightBytes = model.paramCount * 4;
  const tooLarge = (bytes: number) => new CodedError('model',
    `ONNX export: the model needs about ${bytes.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} one ONNX file can hold ` +
    '(protobuf messages are limited to 2 GiB); export it to TF.js Layers instead, or use a smaller model');
  if (weightBytes + GRAPH_BYTES > maxBytes) throw tooLarge(weightBytes + GRAPH_BYTES);
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  const bytes = Model.encode(Model.fromObject(onnxModelObject(model, params, options.labels))).finish();
  if (bytes.length > maxBytes) throw tooLarge(bytes.length);
  return bytes;
}

/** A decoded .onnx file as a plain object (tests inspect the graph with it). */
export function decodeOnnx(bytes: Uint8Array): Record<string, unknown> {
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  return Model.toObject(Model.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
}
