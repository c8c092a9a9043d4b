// The demo page's URL state (src/demo/url-state.ts): every setting survives the trip through a query
// string, invalid parameters are reported by name and left out, values equal to the page's start are not
// written; and the "Copy link" control copies the address, or shows it selected where the clipboard fails.
import { ATTRIBUTES, DEFAULTS, ELEMENT_SETTINGS, type Settings } from '../../src/components/controls';
import { SETTINGS, settingSpec } from '../../src/engine/settings';
import { queryFromSettings, settingsFromAttributes, settingsFromQuery } from '../../src/demo/url-state';
import '../../src/demo/share-link';
import type { DemoShareLink } from '../../src/demo/share-link';
import type { SettingsChangeDetail } from '../../src/components/mnist-trainer';
import { assert, assertEqual } from '../util/assert';
import { setLocale } from '../../src/components/i18n';
import { mount, record } from '../components/util';

const MODEL_JSON = JSON.stringify({ layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.25 }, { type: 'dense', units: 10, activation: 'softmax' }] });

/** A valid value other than the default, for every setting with an attribute, by its kind. */
function otherValues(): Settings {
  const text: Record<string, unknown> = { dataSource: 'fashion-mnist', dataBase: 'https://example.org/data-sets/', model: MODEL_JSON, metrics: 'accuracy,top_k_accuracy' };
  const out: Record<string, unknown> = {};
  for (const name of ELEMENT_SETTINGS) {
    const spec = settingSpec(name);
    const def = spec.default;
    if (spec.kind === 'boolean') out[name] = !def;
    else if (spec.kind === 'choice') out[name] = spec.values!.find((v) => v !== def);
    else if (spec.kind === 'text') out[name] = text[name];
    else {
      const r = spec.range!;
      const candidates = r.integer ? [r.min + 2, r.min + 1] : [r.max === Infinity ? r.min + 0.5 : (r.min + r.max) / 2, r.min + 0.01];
      out[name] = candidates.find((v) => v !== def);
    }
    assert(out[name] !== undefined && out[name] !== def, `a test value for ${name}`);
  }
  return out as unknown as Settings;
}

describe('demo page URL state', () => {
  it('round-trips every setting, each kind, the model as JSON included', () => {
    const values = otherValues();
    const query = queryFromSettings(values, { lang: 'ru' });
    assert(query.includes('model=%7B%22layers%22'), `the model JSON is URL-encoded: ${query.slice(0, 80)}`);
    const back = settingsFromQuery(`?${query}`);
    assertEqual(back.problems.length, 0, `problems ${JSON.stringify(back.problems)}`);
    assertEqual(back.lang, 'ru', 'lang');
    for (const name of ELEMENT_SETTINGS) {
      assertEqual(JSON.stringify(back.values[name]), JSON.stringify(values[name]), `${name} (${SETTINGS[name].kind}) after the round trip`);
    }
  });

  it('leaves out the values of the page it opens (the defaults, or the page\'s own attributes), and keeps lang', () => {
    assertEqual(queryFromSettings(DEFAULTS), '', 'the defaults');
    assertEqual(queryFromSettings({ ...DEFAULTS, epochs: 3 }, { lang: 'en' }), 'epochs=3&lang=en', 'one change and lang');
    const page = document.createElement('mnist-trainer-markup');
    page.setAttribute('model', 'cnn');
    page.setAttribute('batch-size', '64');
    page.setAttribute('train-limit', '256');
    page.setAttribute('restore-best-weights', '');
    const base = settingsFromAttributes(page).values;
    assertEqual(base.model, 'cnn', 'base model');
    assertEqual(base.restoreBestWeights, true, 'a present flag is on');
    assertEqual(queryFromSettings({ ...DEFAULTS, ...base }, { base }), '', 'the page as it opens');
    // What differs from the page is written, even the schema's default; null and false as well.
    const query = queryFromSettings({ ...DEFAULTS, ...base, model: 'mlp', trainLimit: null, restoreBestWeights: false }, { base });
    assertEqual(query, 'model=mlp&train-limit=&restore-best-weights=false', 'changes against the page');
    const back = settingsFromQuery(query).values;
    assertEqual(back.trainLimit, null, 'an empty value is absent');
    assertEqual(back.restoreBestWeights, false, 'false is off');
  });

  it('reports invalid parameters by name and rule, and keeps the valid ones', () => {
    const q = new URLSearchParams({ epochs: '0', optimizer: 'SGD', 'lr-schedule': 'sometimes', model: '[{"type": "dense", "units": -3}]', 'restore-best-weights': 'maybe', unknown: 'x' });
    const { values, problems } = settingsFromQuery(q);
    assertEqual(values.optimizer, 'sgd', 'a valid value, normalised');
    assertEqual(Object.keys(values).length, 1, `only the valid value: ${JSON.stringify(values)}`);
    assertEqual(problems.map((p) => p.param).join(' '), 'model epochs lr-schedule restore-best-weights', 'problems in the schema\'s order');
    const say = (param: string) => problems.find((p) => p.param === param)!.message;
    assert(say('epochs').startsWith('epochs must be a whole number from 1 to 1000'), say('epochs'));
    assert(say('lr-schedule').includes('one of'), say('lr-schedule'));
    assert(/^model: layer 1 \(dense/.test(say('model')), say('model'));
    assert(say('restore-best-weights').includes('true or false'), say('restore-best-weights'));
  });

  it('shows the link\'s problems in the page\'s language: the rule translated, a model\'s problem too', async () => {
    const { problems } = settingsFromQuery(new URLSearchParams({ epochs: 'abc', model: '[{"type": "dense", "units": 10}]' }));
    const el = document.createElement('demo-share-link') as DemoShareLink;
    el.problems = problems;
    document.body.append(el);
    await setLocale('ru');
    try {
      await el.updateComplete;
      const items = [...el.shadowRoot!.querySelectorAll('li')].map((li) => li.textContent!);
      assertEqual(items.join(' | '), 'model: model: недопустимое значение (слой 1 (dense_1): нужен плоский (одномерный) вход, а приходит (28, 28, 1); добавьте перед этим слоем слой flatten); ожидается имя готовой модели или слои в JSON'
        + ' | epochs: epochs: ожидается целое число от 1 до 1000, получено "abc"', 'in Russian');
    } finally {
      await setLocale('en');
      el.remove();
    }
  });

  it('names every query parameter as the attribute', () => {
    const q = queryFromSettings({ ...DEFAULTS, batchSize: 64, learningRate: 0.01 });
    assertEqual(q, `${ATTRIBUTES.batchSize}=64&${ATTRIBUTES.learningRate}=0.01`, 'batch-size and learning-rate');
  });
});

describe('<demo-share-link>', () => {
  const real = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard');
  afterEach(() => {
    delete (navigator as unknown as Record<string, unknown>).clipboard;
    if (real) Object.defineProperty(Navigator.prototype, 'clipboard', real);
    document.querySelectorAll('demo-share-link').forEach((e) => e.remove());
  });
  const fakeClipboard = (writeText: (s: string) => Promise<void>) =>
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  async function mountLink(): Promise<DemoShareLink> {
    const el = document.createElement('demo-share-link');
    document.body.append(el);
    await el.updateComplete;
    return el;
  }
  const status = (el: DemoShareLink) => el.shadowRoot!.querySelector('[role="status"]')!.textContent!.trim();

  it('copies the address and announces it', async () => {
    const copied: string[] = [];
    fakeClipboard(async (s) => { copied.push(s); });
    const el = await mountLink();
    el.shadowRoot!.querySelector('button')!.click();
    await new Promise((r) => setTimeout(r, 50));
    assertEqual(copied.join(), location.href, 'copied text');
    assertEqual(status(el), 'Link copied', 'announcement');
    assert(!el.shadowRoot!.querySelector('input'), 'no fallback field');
  });

  it('shows the link selected in a read-only field where the clipboard refuses', async () => {
    fakeClipboard(() => Promise.reject(new DOMException('denied', 'NotAllowedError')));
    const el = await mountLink();
    await el.copy();
    const field = el.shadowRoot!.querySelector('input')!;
    assert(field.readOnly, 'read-only');
    assertEqual(field.value, location.href, 'field value');
    assertEqual(el.shadowRoot!.activeElement, field, 'focused');
    assertEqual(field.selectionEnd! - field.selectionStart!, location.href.length, 'selected');
    assert(status(el).includes('Ctrl+C'), status(el));
    el.problems = [{ param: 'epochs', message: 'epochs must be a whole number from 1 to 1000, got "0"' }];
    await el.updateComplete;
    assert(el.shadowRoot!.querySelector('[role="alert"]')!.textContent!.includes('epochs must be'), 'the problems are shown');
  });
});

describe('<mnist-trainer> settings-change (what the demo page writes its URL on)', () => {
  afterEach(() => document.querySelectorAll('mnist-trainer').forEach((e) => e.remove()));

  it('fires once per changed valid value, from a property, an attribute or the form; not for a rejected or repeated value', async () => {
    const el = await mount({ epochs: '2' });
    const changes = record<SettingsChangeDetail>(el, 'settings-change');
    el.epochs = 3;
    el.epochs = 3;
    el.setAttribute('batch-size', '16');
    el.setAttribute('learning-rate', 'fast'); // rejected: an error event, no change
    const select = el.shadowRoot!.querySelector<HTMLSelectElement>('#f-optimizer')!;
    select.value = 'sgd';
    select.dispatchEvent(new Event('change'));
    assertEqual(JSON.stringify(changes), JSON.stringify([
      { setting: 'epochs', attribute: 'epochs', value: 3 },
      { setting: 'batchSize', attribute: 'batch-size', value: 16 },
      { setting: 'optimizer', attribute: 'optimizer', value: 'sgd' },
    ]), 'the events');
  });
});
