// A model's problems as the builder and the JSON editor show them: in English word for word the engine's
// (model-problems.ts), for every problem and each kind of field rule; in Russian translated, place and all.
import { ModelSpecError, resolveModel, type ModelSpec } from '../../src/engine/model';
import { placeText, problemText, type ModelProblem } from '../../src/engine/model-problems';
import { modelErrorText, placeWords, problemWords } from '../../src/components/model-problem-text';
import { layersErrorText } from '../../src/components/messages';
import { parseModelSetting } from '../../src/engine/settings';
import { setLocale } from '../../src/components/i18n';
import { assert, assertEqual } from '../util/assert';

/** One problem of each id (the record makes a new id a compile error here until it is listed), several field rules. */
const EXAMPLES: Record<ModelProblem['id'], ModelProblem[]> = {
  'flat-input': [{ id: 'flat-input', shape: '(26, 26, 8)' }],
  'image-input': [{ id: 'image-input', shape: '(128)' }],
  'kernel-too-large': [{ id: 'kernel-too-large', kernel: '5×5', input: '4×4' }],
  'pool-too-large': [{ id: 'pool-too-large', pool: '3×3', input: '2×2' }],
  'outputs': [{ id: 'outputs', classes: 10, shape: '(7)' }],
  'softmax-twice': [{ id: 'softmax-twice' }],
  'field-rule': [
    { id: 'field-rule', type: 'dense', key: 'units', got: '0' },
    { id: 'field-rule', type: 'dropout', key: 'rate', got: '1' },
    { id: 'field-rule', type: 'batchNormalization', key: 'epsilon', got: '"x"' },
    { id: 'field-rule', type: 'maxPool2d', key: 'strides', got: '-1' },
  ],
  'field-f32': [{ id: 'field-f32', type: 'batchNormalization', key: 'momentum', value: 0.99999999, becomes: 1 }],
  'too-many-parameters': [{ id: 'too-many-parameters', count: 78_400_000, max: 50_000_000 }],
  'no-layers': [{ id: 'no-layers' }],
};

const spec = (layers: unknown[]) => ({ layers }) as ModelSpec;
function thrown(s: ModelSpec): ModelSpecError {
  try {
    resolveModel(s);
  } catch (e) {
    return e as ModelSpecError;
  }
  throw new Error('resolved');
}

describe("a model's problems in the page's language", () => {
  it('says every problem in English word for word as the engine, and each place', () => {
    for (const p of Object.values(EXAMPLES).flat()) assertEqual(problemWords(p), problemText(p), p.id);
    for (const place of ['model', { index: 1, name: 'dense_1' }] as const) assertEqual(placeWords(place), placeText(place), JSON.stringify(place));
    const e = thrown(spec([{ type: 'conv2d', filters: 8, kernelSize: 3 }, { type: 'dense', units: 10 }]));
    assertEqual(modelErrorText(e), e.message, 'the error as the engine says it');
    assertEqual(JSON.stringify([e.problem, e.place]), '[{"id":"flat-input","shape":"(26, 26, 8)"},{"index":1,"name":"dense_1"}]', 'as data');
  });

  it('says them in Russian: the builder\'s row, the model as a whole, and the JSON editor\'s lead', async () => {
    await setLocale('ru');
    try {
      assertEqual(modelErrorText(thrown(spec([{ type: 'conv2d', filters: 8, kernelSize: 3 }, { type: 'dense', units: 10 }]))),
        'слой 2 (dense_1): нужен плоский (одномерный) вход, а приходит (26, 26, 8); добавьте перед этим слоем слой flatten', 'a dense layer on an image');
      assertEqual(modelErrorText(thrown(spec([{ type: 'flatten' }, { type: 'dense', units: 0 }]))), 'слой 2 (dense_1): units должно быть положительным целым числом, получено 0', 'a field');
      assertEqual(modelErrorText(thrown(spec([{ type: 'flatten' }, { type: 'dropout', rate: 1 }, { type: 'dense', units: 10 }]))), 'слой 2 (dropout_1): rate должно быть в интервале [0, 1), получено 1', 'an interval');
      assertEqual(modelErrorText(thrown(spec([]))), 'модель: нет ни одного слоя', 'the model');
      assert(/^модель: 79\s500\s010 параметров — больше, чем допускает этот движок \(50\s000\s000\)$/.test(modelErrorText(thrown(spec([{ type: 'flatten' }, { type: 'dense', units: 100000 }, { type: 'dense', units: 10 }])))), 'numbers in Russian');
      // The JSON editor: the setting's error, caused by the model's.
      let wrapped: unknown;
      try {
        parseModelSetting('[{"type": "flatten"}, {"type": "dense", "units": 7}]', 'model');
      } catch (e) {
        wrapped = e;
      }
      const text = layersErrorText((wrapped as Error).message, wrapped);
      assert(text.endsWith('слой 2 (dense_1): модель должна заканчиваться 10 выходами (по одному на класс), а у этого слоя выход (7); закончите её слоем {"type": "dense", "units": 10}'), text);
      // A rarer problem stays the engine's English.
      const other = thrown(spec([{ type: 'flatten' }, { type: 'dense', units: 10, activaton: 'relu' }]));
      assertEqual(modelErrorText(other), other.message, 'untranslated: the English');
    } finally {
      await setLocale('en');
    }
  });
});
