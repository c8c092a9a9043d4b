// A model spec's problem (engine/model-problems.ts) in the page's language, for the model builder and the JSON
// editor: the common problems a student meets while building a model are translated; the rarer ones are the
// engine's English. In English every text here equals the engine's (model-problem-text.test.ts holds them to it).
import { msg, str } from '@lit/localize';
import { ModelSpecError } from '../engine/model';
import { layerField, type LayerField } from '../engine/layer-fields';
import type { ModelProblem, ProblemPlace } from '../engine/model-problems';
import { formatNumber } from './i18n';

export function placeWords(p: ProblemPlace): string {
  return p === 'model' ? msg('model') : msg(str`layer ${p.index + 1} (${p.name})`);
}

/** A number field's rule, as layer-fields.ts fieldRule says it in English (the fields with a problem of their own are numbers). */
function ruleWords(f: LayerField): string {
  if ((f.kind === 'integer' || f.kind === 'size')) return f.min === 1 && f.max === undefined ? msg('a positive integer') : msg(str`an integer ≥ ${f.min}`);
  if (f.min !== undefined && f.max !== undefined) {
    const interval = `${f.minOpen ? '(' : '['}${f.min}, ${f.max}${f.maxOpen ? ')' : ']'}`;
    return msg(str`in ${interval}`);
  }
  if (f.min !== undefined) return f.minOpen ? msg(str`a finite number > ${f.min}`) : msg(str`a finite number ≥ ${f.min}`);
  return msg('a finite number');
}

export function problemWords(p: ModelProblem): string {
  switch (p.id) {
    case 'flat-input': return msg(str`needs a flat input but gets ${p.shape}; add a flatten layer before it`);
    case 'image-input': return msg(str`needs an image input (height, width, channels) but gets ${p.shape}`);
    case 'kernel-too-large': return msg(str`kernel ${p.kernel} is larger than its ${p.input} input`);
    case 'pool-too-large': return msg(str`pool ${p.pool} is larger than its ${p.input} input`);
    case 'outputs': return msg(str`the model must end with ${p.classes} outputs (one per class), but this layer outputs ${p.shape}; end with {"type": "dense", "units": ${p.classes}}`);
    case 'softmax-twice': return msg("its softmax would be applied twice, as the loss applies softmax to the last layer's outputs: put it on the last layer, or remove it");
    case 'field-rule': return msg(str`${p.key} must be ${ruleWords(layerField(p.type, p.key))}, got ${p.got}`);
    case 'field-f32': return msg(str`${p.key} must be ${ruleWords(layerField(p.type, p.key))} as a 32-bit float, as the GPU uses it; ${p.value} becomes ${p.becomes}`);
    case 'too-many-parameters': return msg(str`${formatNumber(p.count)} parameters is more than the ${formatNumber(p.max)} this trainer allows`);
    case 'no-layers': return msg('has no layers');
  }
}

/** A model error (or an error caused by one, however deep) in the page's language where it is a common problem, else its message. */
export function modelErrorText(e: unknown): string {
  let err: unknown = e;
  while (err !== undefined && err !== null && !(err instanceof ModelSpecError)) err = (err as { cause?: unknown }).cause;
  if (!(err instanceof ModelSpecError) || !err.problem || !err.place) return e instanceof Error ? e.message : String(e);
  return `${placeWords(err.place)}: ${problemWords(err.problem)}`;
}
