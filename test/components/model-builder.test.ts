// <mt-model-builder>: rows from the engine's resolution (shapes and parameter counts as summary() has them),
// add / remove / move / edit through its controls and keyboard, the invalid layer marked in its row; and in
// <mnist-trainer>, a CNN built with the builder alone, trained, and compared.
import { assert, assertEqual } from '../util/assert';
import { resolveModel, type LayerSpec } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { summary } from '../../src/engine/model-summary';
import type { LayersChangeDetail, MtModelBuilder } from '../../src/components/model-builder';
import type { MtCompare } from '../../src/components/compare-runs';
import { mount, record, shadow, until, untilPhase } from './util';
import { setLocale } from '../../src/components/i18n';
import type { ErrorDetail } from '../../src/engine/errors';
import '../../src/components/model-builder';

const rowOf = (b: MtModelBuilder, i: number) => b.shadowRoot!.querySelector<HTMLLIElement>(`li[data-row="${i}"]`)!;
const rows = (b: MtModelBuilder) => [...b.shadowRoot!.querySelectorAll<HTMLLIElement>('li[data-row]')];
const fieldOf = <T extends HTMLElement = HTMLInputElement>(b: MtModelBuilder, i: number, key: string) => {
  const f = rowOf(b, i).querySelector<T>(`[data-field="${key}"]`);
  assert(f, `row ${i + 1} has a ${key} control`);
  return f!;
};
const shown = (b: MtModelBuilder, i: number) => ({
  shape: rowOf(b, i).querySelector('[data-role="shape"]')!.textContent!.trim(),
  params: rowOf(b, i).querySelector('[data-role="params"]')!.textContent!.trim(),
});

/** What a user does: type into a number input (input event) or pick an option (change event). */
async function setValue(b: MtModelBuilder, control: HTMLInputElement | HTMLSelectElement, value: string): Promise<void> {
  control.value = value;
  control.dispatchEvent(new Event(control instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true, composed: true }));
  await b.updateComplete;
}
async function click(b: MtModelBuilder, selector: string, row?: number): Promise<void> {
  const scope = row === undefined ? b.shadowRoot! : rowOf(b, row);
  const button = scope.querySelector<HTMLButtonElement>(selector);
  assert(button && !button.disabled, `${selector} is there and enabled`);
  button!.click();
  await b.updateComplete;
}
async function addLayer(b: MtModelBuilder, type: string): Promise<void> {
  await setValue(b, b.shadowRoot!.querySelector<HTMLSelectElement>('[data-role="add-type"]')!, type);
  await click(b, '[data-action="add"]');
}

/** summary()'s table rows: name (type), output shape, parameter count. */
function summaryRows(layers: LayerSpec[]): { name: string; shape: string; params: string }[] {
  const lines = summary(resolveModel({ layers })).split('\n');
  const start = lines.findIndex((l) => l.startsWith('Layer (type)')) + 2;
  return lines.slice(start, start + layers.length).map((l) => {
    const m = /^(\S+) \(\S+\)\s+(\(None[^)]*\))\s+(\d+)$/.exec(l);
    assert(m, `summary row "${l}"`);
    return { name: m![1], shape: m![2], params: m![3] };
  });
}

/** Each row's shown name, shape and count against summary(). */
function assertMatchesSummary(b: MtModelBuilder, layers: LayerSpec[]): void {
  const expected = summaryRows(layers);
  assertEqual(rows(b).length, expected.length, 'rows');
  expected.forEach((e, i) => {
    const s = shown(b, i);
    assertEqual(rowOf(b, i).querySelector('.name')!.textContent!.trim(), e.name, `row ${i + 1} name`);
    assertEqual(s.shape, e.shape, `row ${i + 1} output shape`);
    assertEqual(s.params.replace(/\D/g, ''), e.params, `row ${i + 1} parameters (shown "${s.params}")`);
  });
}

async function builderWith(layers: LayerSpec[]): Promise<MtModelBuilder> {
  const b = document.createElement('mt-model-builder');
  b.layers = structuredClone(layers);
  document.body.append(b);
  await b.updateComplete;
  return b;
}

describe('<mt-model-builder>', () => {
  afterEach(() => document.querySelectorAll('mt-model-builder').forEach((e) => e.remove()));

  it('loads a preset and shows every row’s shape and parameter count as summary() does, with the totals', async () => {
    const b = await builderWith([]);
    const events = record<LayersChangeDetail>(b, 'layers-change');
    await setValue(b, b.shadowRoot!.querySelector<HTMLSelectElement>('select.presets')!, 'cnn-bn');
    assertEqual(events[0]?.preset, 'cnn-bn', 'the event names the preset');
    assertEqual(JSON.stringify(events[0].layers), JSON.stringify(PRESETS['cnn-bn'].layers), 'the preset’s layers');
    assertMatchesSummary(b, PRESETS['cnn-bn'].layers);
    const m = resolveModel(PRESETS['cnn-bn']);
    const total = (k: string) => b.shadowRoot!.querySelector(`[data-total="${k}"]`)!.textContent!.replace(/\D/g, '');
    assertEqual(total('all'), String(m.paramCount), 'total');
    assertEqual(total('trainable'), String(m.trainableCount), 'trainable');
    assertEqual(total('non-trainable'), String(m.paramCount - m.trainableCount), 'non-trainable (the moving statistics)');
    for (const c of b.shadowRoot!.querySelectorAll('input, select, button')) {
      assert(c.getAttribute('aria-label') || c.textContent!.trim(), `control ${c.outerHTML.slice(0, 80)} is labelled`);
    }
    assertEqual(fieldOf(b, 0, 'filters').getAttribute('aria-label'), 'Layer 1, filters', 'a field’s label names row and field');
  });

  it('adds after the focused row, edits fields, moves and removes rows, marking the invalid one with the reason', async () => {
    const b = await builderWith([{ type: 'flatten' }, { type: 'dense', units: 10 }]);
    const events = record<LayersChangeDetail>(b, 'layers-change');
    rowOf(b, 0).focus();
    await addLayer(b, 'dense');
    assertEqual(JSON.stringify(b.layers.map((l) => l.type)), '["flatten","dense","dense"]', 'inserted after row 1');
    assertEqual(b.shadowRoot!.activeElement?.getAttribute('data-field'), 'units', 'the new row’s first field has the focus');
    await setValue(b, fieldOf(b, 1, 'units'), '32');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 1, 'activation'), 'tanh');
    assertEqual(JSON.stringify(events[events.length - 1].layers[1]), '{"type":"dense","units":32,"activation":"tanh"}', 'edited layer in the event');
    assertMatchesSummary(b, b.layers);
    await setValue(b, fieldOf<HTMLSelectElement>(b, 1, 'activation'), 'linear');
    assertEqual(JSON.stringify(b.layers[1]), '{"type":"dense","units":32}', 'a choice at its default is left out');

    // Dense before flatten: row 1 is invalid and says why; the rows after it have no shape.
    await click(b, '[data-action="up"]', 1);
    const bad = rowOf(b, 0);
    assertEqual(bad.getAttribute('aria-invalid'), 'true', 'row 1 marked');
    const error = b.shadowRoot!.getElementById(bad.getAttribute('aria-describedby')!);
    assert(error && /needs a flat input.*add a flatten layer/.test(error.textContent!), `row 1's reason: ${error?.textContent}`);
    assertEqual(fieldOf(b, 0, 'units').getAttribute('aria-describedby'), error!.id, 'its fields point at the reason');
    assertEqual(shown(b, 2).shape, '—', 'no shape after the invalid row');
    assertEqual(rowOf(b, 1).getAttribute('aria-invalid'), 'false', 'row 2 not marked');
    await click(b, '[data-action="down"]', 0);
    assertEqual(b.shadowRoot!.querySelectorAll('[aria-invalid="true"]').length, 0, 'valid again');

    // An invalid value in a field: rate 1.
    rowOf(b, 2).focus();
    await addLayer(b, 'dropout');
    await setValue(b, fieldOf(b, 3, 'rate'), '1');
    assert(/rate must be in \[0, 1\), got 1/.test(rowOf(b, 3).querySelector('[data-role="error"]')?.textContent ?? ''), 'rate error in row 4');
    await click(b, '[data-action="remove"]', 3);
    assertEqual(JSON.stringify(b.layers), '[{"type":"flatten"},{"type":"dense","units":32},{"type":"dense","units":10}]', 'after remove');
    assertEqual(b.shadowRoot!.querySelector('[data-role="model-error"]'), null, 'no model-level error');
  });

  it('edits the kernel as height × width and pooling by its fields', async () => {
    const b = await builderWith([{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'avgPool2d' }, { type: 'flatten' }, { type: 'dense', units: 10 }]);
    await setValue(b, fieldOf(b, 0, 'kernelSize.w'), '5');
    assertEqual(JSON.stringify(b.layers[0]), '{"type":"conv2d","filters":4,"kernelSize":[3,5]}', 'a 3×5 kernel');
    await setValue(b, fieldOf(b, 0, 'kernelSize.h'), '5');
    assertEqual(JSON.stringify(b.layers[0].type === 'conv2d' && b.layers[0].kernelSize), '5', 'equal sides are one number');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 0, 'padding'), 'same');
    await setValue(b, fieldOf(b, 1, 'poolSize'), '3');
    await setValue(b, fieldOf(b, 1, 'strides'), '2');
    assertEqual(JSON.stringify(b.layers[1]), '{"type":"avgPool2d","poolSize":3,"strides":2}', 'pool fields');
    assertEqual(shown(b, 1).shape, '(None, 13, 13, 4)', '28 → (28 − 3) / 2 + 1 = 13');
    assertMatchesSummary(b, b.layers);
    await setValue(b, fieldOf(b, 1, 'strides'), '');
    assertEqual(JSON.stringify(b.layers[1]), '{"type":"avgPool2d","poolSize":3}', 'an emptied optional field is left out');
    await setValue(b, fieldOf(b, 0, 'filters'), '');
    assert(/filters must be a positive integer, got null/.test(rowOf(b, 0).textContent!), 'an emptied required field is an error');
  });

  it('moves the focused row with Alt+ArrowUp/Down (the focus follows) and removes it with Delete', async () => {
    const b = await builderWith(PRESETS.mlp.layers);
    assertEqual(fieldOf<HTMLSelectElement>(b, 1, 'activation').value, 'relu', 'a select shows its layer’s value from the first render');
    const key = async (target: HTMLElement, k: string, alt = false) => {
      target.dispatchEvent(new KeyboardEvent('keydown', { key: k, altKey: alt, bubbles: true, composed: true, cancelable: true }));
      await b.updateComplete;
      await b.updateComplete;
    };
    await key(fieldOf(b, 1, 'units'), 'ArrowDown', true);
    assertEqual(JSON.stringify(b.layers.map((l) => l.type)), '["flatten","dropout","dense","dense"]', 'dense moved down');
    assertEqual(b.shadowRoot!.activeElement, fieldOf(b, 2, 'units'), 'the focus follows the row');
    await key(fieldOf(b, 2, 'units'), 'ArrowUp', true);
    assertEqual(JSON.stringify(b.layers), JSON.stringify(PRESETS.mlp.layers), 'and back');
    await key(fieldOf(b, 2, 'rate'), 'Delete');
    assertEqual(b.layers.length, 4, 'Delete in a field edits the field, not the list');
    rowOf(b, 2).focus();
    await key(rowOf(b, 2), 'Delete');
    assertEqual(JSON.stringify(b.layers.map((l) => l.type)), '["flatten","dense","dense"]', 'the dropout row removed');
    assertEqual(b.shadowRoot!.activeElement, rowOf(b, 2), 'the focus moves to the next row');
  });

  it('speaks Russian: labels, buttons, and numbers in Russian notation', async () => {
    await setLocale('ru');
    try {
      const b = await builderWith(PRESETS.cnn.layers);
      assertEqual(b.shadowRoot!.querySelector('[data-action="add"]')!.textContent!.trim(), 'Добавить слой', 'Add button');
      assertEqual(fieldOf(b, 0, 'filters').getAttribute('aria-label'), 'Слой 1, фильтры', 'a field’s label');
      assertEqual(b.shadowRoot!.querySelector('[data-total="all"]')!.textContent, (34826).toLocaleString('ru'), 'total with Russian grouping');
    } finally {
      await setLocale('en');
    }
  });
});

describe('<mnist-trainer> with the model builder', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('syncs the rows with the JSON view and the model setting both ways', async () => {
    const el = await mount({ model: 'mlp' });
    const b = shadow(el).querySelector('mt-model-builder')!;
    const json = shadow(el).querySelector('textarea')!;
    assertEqual(JSON.stringify(b.layers), JSON.stringify(PRESETS.mlp.layers), 'rows of the preset');
    await setValue(b, fieldOf(b, 1, 'units'), '64');
    await el.updateComplete;
    assertEqual(JSON.parse(el.model).layers[1].units, 64, 'a row edit is the model (custom JSON)');
    assertEqual(JSON.parse(json.value)[1].units, 64, 'and the JSON text');
    const errors = record<ErrorDetail>(el, 'error');
    await setValue(b, fieldOf(b, 1, 'units'), '2.5');
    await el.updateComplete;
    assertEqual(JSON.parse(el.model).layers[1].units, 64, 'a value that is not valid is not the model');
    assertEqual(await el.train(), undefined, 'Train refuses while the list shown is not valid: the last valid model is not what the user sees');
    assert(errors.length === 1 && `${errors[0].code} ${errors[0].setting}` === 'invalid-setting model' && /the model being edited is not valid: .*units must be a positive integer/.test(errors[0].message), JSON.stringify(errors));
    await setValue(b, fieldOf(b, 1, 'units'), '128');
    await el.updateComplete;
    assertEqual(el.model, 'mlp', 'the preset’s exact layers are the preset again');
    json.value = '[{"type": "flatten"}, {"type": "dense", "units": 32}, {"type": "dense", "units": 10}]';
    json.dispatchEvent(new Event('input'));
    await el.updateComplete;
    await b.updateComplete;
    assertEqual(rows(b).length, 3, 'applying JSON updates the rows');
    assertEqual(shown(b, 1).shape, '(None, 32)', 'with their shapes');
    el.model = 'cnn';
    await el.updateComplete;
    await b.updateComplete;
    assertMatchesSummary(b, PRESETS.cnn.layers);
  });

  it('builds Conv2D(16, 3×3, relu) → MaxPool 2 → Flatten → Dense 64 relu → Dropout 0.3 → Dense 10 with the builder alone, shows summary()’s shapes and counts, and trains it', async () => {
    const el = await mount({ 'train-limit': '256', 'test-limit': '256', 'batch-size': '64', epochs: '1', seed: '7' });
    const b = shadow(el).querySelector('mt-model-builder')!;
    while (rows(b).length) await click(b, '[data-action="remove"]', 0);
    assertEqual(el.model, 'mlp', 'an empty list is not a model: the setting keeps the last valid one');

    await addLayer(b, 'conv2d');
    await setValue(b, fieldOf(b, 0, 'filters'), '16');
    await setValue(b, fieldOf(b, 0, 'kernelSize.h'), '3');
    await setValue(b, fieldOf(b, 0, 'kernelSize.w'), '3');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 0, 'padding'), 'valid');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 0, 'activation'), 'relu');
    await addLayer(b, 'maxPool2d');
    await setValue(b, fieldOf(b, 1, 'poolSize'), '2');
    await addLayer(b, 'flatten');
    await addLayer(b, 'dense');
    await setValue(b, fieldOf(b, 3, 'units'), '64');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 3, 'activation'), 'relu');
    await addLayer(b, 'dropout');
    await setValue(b, fieldOf(b, 4, 'rate'), '0.3');
    await addLayer(b, 'dense');
    await setValue(b, fieldOf(b, 5, 'units'), '10');
    await setValue(b, fieldOf<HTMLSelectElement>(b, 5, 'activation'), 'linear');
    await el.updateComplete;

    const expected: LayerSpec[] = [
      { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dropout', rate: 0.3 },
      { type: 'dense', units: 10 },
    ];
    assertEqual(JSON.stringify(JSON.parse(el.model)), JSON.stringify({ layers: expected }), 'the model setting');
    assertEqual(JSON.stringify(JSON.parse(shadow(el).querySelector('textarea')!.value)), JSON.stringify(expected), 'the JSON view');
    assertMatchesSummary(b, expected);
    const params = resolveModel({ layers: expected }).paramCount;
    assertEqual(params, 160 + 13 * 13 * 16 * 64 + 64 + 650, 'parameters (Keras: 160 + 173,120 + 650)');
    assertEqual(b.shadowRoot!.querySelector('[data-total="all"]')!.textContent!.replace(/\D/g, ''), String(params), 'total shown');

    const ends = record(el, 'train-end');
    shadow(el).querySelector<HTMLButtonElement>('[part~="train"]')!.click();
    await until(() => ends.length === 1, 'the run to end', 300000);
    await untilPhase(el, ['idle']);
    assertEqual(el.controller.trainer!.model.paramCount, params, 'the trainer’s model');
    await el.updateComplete;
    const compare = shadow(el).querySelector<MtCompare>('mt-compare')!;
    assertEqual(compare.runs.length, 1, 'one run in the table');
    assertEqual(compare.runs[0].status, 'finished', 'finished');
    assertEqual(compare.runs[0].settings.model, 'custom', 'a built model runs as custom');
    assertEqual(compare.runs[0].parameters, params, 'the table’s parameter count');
    await compare.updateComplete;
    assert(compare.shadowRoot!.textContent!.includes(params.toLocaleString('en-US')), 'the count is in the table');
  });
});
