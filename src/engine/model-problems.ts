// What is wrong with a model spec, as data: the problems a student meets in the model builder (a dense layer on
// an image, a kernel larger than its input, the wrong number of outputs, a number out of its range), each with
// its values, and their English words here, once. The element words them in the page's language
// (components/model-problem-text.ts; a test holds its English to these words). Rarer problems (malformed JSON,
// unknown keys) are English text only.
import { fieldRule, layerField, type LayerType } from './layer-fields';

export type ModelProblem =
  | { id: 'flat-input'; shape: string }
  | { id: 'image-input'; shape: string }
  | { id: 'kernel-too-large'; kernel: string; input: string }
  | { id: 'pool-too-large'; pool: string; input: string }
  | { id: 'outputs'; classes: number; shape: string }
  | { id: 'softmax-twice' }
  | { id: 'field-rule'; type: LayerType; key: string; got: string }
  | { id: 'field-f32'; type: LayerType; key: string; value: number; becomes: number }
  | { id: 'too-many-parameters'; count: number; max: number }
  | { id: 'no-layers' };

/** Where a problem is: a layer (0-based index and its name, dense_1) or the model as a whole. */
export type ProblemPlace = { index: number; name: string } | 'model';

export function placeText(p: ProblemPlace): string {
  return p === 'model' ? 'model' : `layer ${p.index + 1} (${p.name})`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The problem in English, as messages and the command line say it. */
export function problemText(p: ModelProblem): string {
  switch (p.id) {
    case 'flat-input': return `needs a flat input but gets ${p.shape}; add a flatten layer before it`;
    case 'image-input': return `needs an image input (height, width, channels) but gets ${p.shape}`;
    case 'kernel-too-large': return `kernel ${p.kernel} is larger than its ${p.input} input`;
    case 'pool-too-large': return `pool ${p.pool} is larger than its ${p.input} input`;
    case 'outputs': return `the model must end with ${p.classes} outputs (one per class), but this layer outputs ${p.shape}; end with {"type": "dense", "units": ${p.classes}}`;
    case 'softmax-twice': return "its softmax would be applied twice, as the loss applies softmax to the last layer's outputs: put it on the last layer, or remove it";
    case 'field-rule': return `${p.key} must be ${fieldRule(layerField(p.type, p.key))}, got ${p.got}`;
    case 'field-f32': return `${p.key} must be ${fieldRule(layerField(p.type, p.key))} as a 32-bit float, as the GPU uses it; ${p.value} becomes ${p.becomes}`;
    case 'too-many-parameters': return `${count(p.count)} parameters is more than the ${count(p.max)} this trainer allows`;
    case 'no-layers': return 'has no layers';
  }
}
