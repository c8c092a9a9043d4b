// The element's language: its own or inherited `lang` picks the locale; the Russian catalogue is complete
// for the strings the source marks with msg() (scripts/check-locales.mjs checks the files; this, the page).
import { getLocale, resolveLocale, setLocale } from '../../src/components/i18n';
import { storeNotice } from '../../src/components/run-store';
import { msg } from '@lit/localize';
import { HELP } from '../../src/components/help';
import { SETTING_TEXTS } from '../../src/components/locales/setting-texts';
import { RUN_STATES } from '../../src/components/run-states';
import { overfittingVerdict } from '../../src/components/verdict';
import { errorText, lostText, runStatusText } from '../../src/components/messages';
import { lostMessage } from '../../src/components/controller-types';
import { SETTINGS, SETTING_NAMES } from '../../src/engine/settings';
import { ERROR_CODES } from '../../src/engine/errors';
import type { History } from '../../src/engine/trainer';
import type { ErrorDetail } from '../../src/engine/errors';
import { assert, assertEqual } from '../util/assert';
import { openAll, shownTexts, translatedUnits, untranslated } from './i18n-scan';
import { mount, record, shadow, until, untilPhase } from './util';

const CYRILLIC = /[\u0400-\u04ff]/;
/** Names shown as they are in both languages (values, metric and option names). */
// Names shown as they are in both languages: metric, loss, optimizer and layer-type names (Keras's), which a
// select lists as values; 'momentum' and 'activation' are also the builder's field labels, translated there;
// 'weight decay' is Keras's term, given in brackets after the Russian one ("затухание весов (weight decay)").
const TECHNICAL = new Set(['accuracy', 'top_k_accuracy', 'categorical_crossentropy', 'mean_squared_error', 'categorical_hinge', 'Dropout', 'Top-k', 'momentum', 'activation', 'weight decay', 'model']); // 'model': also the file name model.json

describe('languages', () => {
  afterEach(async () => {
    document.querySelectorAll('mnist-trainer').forEach((e) => e.remove());
    await setLocale('en');
  });

  it("words every form of a run's status in Russian, keeping the English as stored", async () => {
    const statuses = ['finished', 'stopped before training', 'device lost', 'stopped at epoch 3', 'early stopping after epoch 12', 'diverged at step 1812', 'out-of-memory'];
    assertEqual(statuses.map(runStatusText).join('|'), statuses.join('|').replace('out-of-memory', runStatusText('out-of-memory')), 'English as stored');
    await setLocale('ru');
    const ru = statuses.map(runStatusText);
    assertEqual(ru.slice(0, 6).join('|'), 'завершён|остановлен до начала обучения|потеряна связь с GPU|остановлен на эпохе 3|ранняя остановка после эпохи 12|разошёлся на шаге 1812', 'Russian');
    assert(/[а-яё]{4}/i.test(ru[6]) && ru[6] !== statuses[6], `an error code shows its Russian lead: ${ru[6]}`);
  });

  it("words the saved runs' notices in Russian, keeping the English for the page's other uses", async () => {
    const n = storeNotice({ english: 'store the run', text: () => msg('store the run') }, new DOMException('full', 'QuotaExceededError'));
    assertEqual(n.english, 'Saved runs: could not store the run (the browser’s storage quota is full). The comparison table still works but will not outlive the page.', 'English');
    assertEqual(n.text(), n.english, 'the English page');
    await setLocale('ru');
    assertEqual(n.text(), 'Сохранённые запуски: не удалось сохранить запуск (хранилище браузера заполнено). Таблица сравнения работает, но после закрытия страницы не сохранится.', 'Russian');
  });

  it('says a lost device with no reason given as such in Russian too, not "(unknown reason)"', async () => {
    assertEqual(lostMessage('', 12), 'The GPU device was lost (unknown reason); the run stopped at step 12. Press Train to start again on a new device.', 'English');
    await setLocale('ru');
    const text = lostText('', 12);
    assert(text.includes('(причина неизвестна)') && !/unknown/.test(text), text);
  });

  it('resolves the locale from the element or its nearest ancestor with lang, by primary subtag', () => {
    const outer = document.createElement('div');
    outer.lang = 'ru-RU';
    const inner = document.createElement('span');
    outer.append(inner);
    assertEqual(resolveLocale(inner), 'ru', 'inherited ru-RU');
    inner.lang = 'en-GB';
    assertEqual(resolveLocale(inner), 'en', 'own en-GB');
    inner.lang = 'de';
    assertEqual(resolveLocale(inner), 'en', 'an unsupported language falls back to English');
  });

  it('renders the Train button in Russian under lang="ru"', async () => {
    const el = await mount({ lang: 'ru' });
    await until(() => getLocale() === 'ru', 'the Russian locale');
    await el.updateComplete;
    const train = shadow(el).querySelector('[part~="train"]')!;
    assertEqual(train.textContent!.trim(), 'Обучить', 'Train button');
  });

  it('shows the schema\'s labels, placeholders and the help texts in Russian: none of their English is left', async () => {
    const el = await mount({ lang: 'ru' });
    await until(() => getLocale() === 'ru', 'the Russian locale');
    await el.updateComplete;
    openAll(el);
    await el.updateComplete;
    // The English of the texts this part of the element owns (the schema's, help.ts's), read in English.
    await setLocale('en');
    const owned = new Set([...SETTING_NAMES.flatMap((n) => [SETTINGS[n].label, ...('absent' in SETTINGS[n] ? [SETTINGS[n].absent as string] : [])]), ...Object.values(HELP).map((h) => h.text)]);
    await setLocale('ru');
    await el.updateComplete;
    const units = (await translatedUnits()).filter((u) => owned.has(u.source));
    assert(units.length > 40, `the owned texts are in ru.xlf (${units.length})`);
    // The form's fields (label, input, help); the group legends and buttons are the templates' own texts.
    const shown = [...shadow(el).querySelectorAll('[part="controls"] .field')].flatMap((f) => shownTexts(f));
    const left = untranslated(shown, units, TECHNICAL);
    assert(left.length === 0, `English left in the Russian form:\n${left.join('\n')}`);
    const labels = [...shadow(el).querySelectorAll('.field > label')].map((l) => l.textContent!.trim());
    for (const n of ['epochs', 'batchSize', 'learningRate', 'earlyStopping'] as const) {
      assert(labels.includes(SETTING_TEXTS[n].label()) && CYRILLIC.test(SETTING_TEXTS[n].label()), `${n}'s label in Russian among ${labels.join(', ')}`);
    }
    assert(shown.some((t) => t.startsWith('Эпоха — один проход')), 'the epochs help text in Russian');
    assertEqual(shadow(el).querySelector<HTMLInputElement>('#f-train-limit')!.placeholder, 'все', 'the placeholder of an absent value');
  });

  it('every select of the form shows each of its choices whole, and every input its placeholder, in English and in Russian', async () => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    for (const lang of ['en', 'ru']) {
      const el = await mount({ lang });
      // As wide as the demo page's element at 1280 px: the form is the narrow first column (19rem).
      el.style.width = '1200px';
      await until(() => getLocale() === lang, `the ${lang} locale`);
      await el.updateComplete;
      const form = shadow(el).querySelector<HTMLElement>('[part="controls"]')!;
      assert(form.clientWidth < 400, `the form is a narrow column: ${form.clientWidth} px`);
      const selects = [...shadow(el).querySelectorAll<HTMLSelectElement>('[part="controls"] .field > select')];
      assert(selects.some((s) => s.id === 'f-loss'), `the loss select is among ${selects.map((s) => s.id).join(', ')}`);
      for (const select of selects) {
        ctx.font = getComputedStyle(select).font;
        // The text box: the select's width less its padding, border and drop-down arrow (~20 px in Chromium).
        const room = select.clientWidth - 24;
        for (const o of select.options) {
          const w = ctx.measureText(o.text).width;
          assert(w <= room, `${lang}: ${select.id}'s choice "${o.text}" needs ${w.toFixed(0)} px, the select shows ${room} px`);
        }
      }
      const inputs = [...shadow(el).querySelectorAll<HTMLInputElement>('[part="controls"] .field > input[placeholder]')];
      assert(inputs.some((i) => i.id === 'f-weight-decay'), `weight decay's input is among ${inputs.map((i) => i.id).join(', ')}`);
      for (const input of inputs) {
        ctx.font = getComputedStyle(input).font;
        // The text box: the input's width less its padding, border and the number spinner (~15 px in Chromium).
        const room = input.clientWidth - 24;
        const w = ctx.measureText(input.placeholder).width;
        assert(w <= room, `${lang}: ${input.id}'s placeholder "${input.placeholder}" needs ${w.toFixed(0)} px, the input shows ${room} px`);
      }
      el.remove();
    }
  });

  it('translates every help text, refusal notice and error lead, and the verdict with a decimal comma', async () => {
    await setLocale('ru');
    for (const [key, h] of Object.entries(HELP)) assert(CYRILLIC.test(h.text), `help ${key}: ${h.text}`);
    for (const [phase, methods] of Object.entries(RUN_STATES)) {
      for (const [method, rule] of Object.entries(methods)) {
        if (rule.act === 'reject') assert(!!rule.text && CYRILLIC.test(rule.text()), `the ${phase}/${method} notice in Russian: ${rule.text?.()}`);
      }
    }
    for (const code of ERROR_CODES) {
      const detail: ErrorDetail = { code, message: 'technical detail' };
      const shown = errorText(detail);
      // No WebGPU is said whole (error-text.test.ts): how to enable it, in Russian, instead of the English detail.
      if (code === 'no-webgpu') assert(CYRILLIC.test(shown) && !shown.includes('technical detail'), `${code}: whole in Russian: ${shown}`);
      else assert(CYRILLIC.test(shown) && shown.endsWith('technical detail'), `${code}: a Russian lead, then the detail: ${shown}`);
    }
    const h: History = {
      loss: [0.3, 0.1, 0.05], accuracy: [0.92, 0.97, 0.995], val_loss: [0.1, 0.12, 0.15], val_accuracy: [0.97, 0.96, 0.955],
      test_loss: [0.1, 0.12, 0.15], test_accuracy: [0.97, 0.96, 0.955], epoch_seconds: [1, 1, 1], learning_rate: [0.001, 0.001, 0.001],
    };
    const v = overfittingVerdict(h);
    assertEqual(v.title, 'Переобучение', 'title');
    assert(v.detail.includes('99,5') && v.detail.includes('95,5') && v.detail.includes('\u00a0п.\u00a0п.') && !/[A-Za-z]{4,}/.test(v.detail.replace(/dropout/g, '')), `detail: ${v.detail}`);
    await setLocale('en');
    assert(overfittingVerdict(h).detail.includes('99.5%'), 'English unchanged');
  });

  it('shows a rejected setting in Russian with the translated rule; the error event stays English', async () => {
    const el = await mount({ lang: 'ru' });
    await until(() => getLocale() === 'ru', 'the Russian locale');
    const errors = record<ErrorDetail>(el, 'error');
    el.setAttribute('epochs', 'abc');
    await el.updateComplete;
    assertEqual(errors[0]?.message, 'epochs must be a whole number from 1 to 1000, got "abc"; keeping epochs = 5', 'the event');
    const shown = shadow(el).querySelector('[part="message"]')!.textContent!;
    assert(shown.includes('epochs: ожидается целое число от 1 до 1000, получено "abc"; оставлено epochs = 5'), `shown: ${shown}`);
    el.setAttribute('model', '[{"type": "dense", "units": 3}]');
    await el.updateComplete;
    const model = shadow(el).querySelector('[part="message"]')!.textContent!;
    assert(/model: недопустимое значение \(слой 1 \(dense_1\): нужен плоский \(одномерный\) вход, а приходит \(28, 28, 1\); .*\); ожидается имя готовой модели или слои в JSON; оставлено model = "mlp"/.test(model), `model message: ${model}`);
    const editor = shadow(el).querySelector('textarea')!;
    editor.value = '[{"type": "dense", "units": 0}]';
    editor.dispatchEvent(new Event('input'));
    await el.updateComplete;
    const inline = shadow(el).querySelector('#model-error')!.textContent!;
    assert(inline.startsWith('Слои заданы неверно: слой 1 (dense_1): '), `the layer editor's message, the model's problem in Russian: ${inline}`);
    el.setAttribute('learning-rate', '-1');
    await el.updateComplete;
    assert(shadow(el).querySelector('[part="message"]')!.textContent!.includes('оставлено learning-rate = 0,001'), 'the value kept, with a decimal comma');
  });

  it('follows its own and the page\'s lang at run time, and stops following when removed', async () => {
    const el = await mount({});
    await el.updateComplete;
    assertEqual(getLocale(), 'en', 'English at first');
    el.lang = 'ru';
    await until(() => getLocale() === 'ru', 'Russian after lang="ru" on the element');
    await el.updateComplete;
    assert(shadow(el).querySelector('[part="status"]')!.textContent!.includes('GPU'), 'status line');
    el.removeAttribute('lang');
    const html = document.documentElement;
    const before = html.lang;
    try {
      html.lang = 'ru';
      await until(() => getLocale() === 'ru', 'Russian from <html lang>');
      html.lang = 'en';
      await until(() => getLocale() === 'en', 'English from <html lang>');
      el.remove();
      html.lang = 'ru';
      await new Promise((r) => setTimeout(r, 100));
      assertEqual(getLocale(), 'en', 'a removed element no longer follows the page');
    } finally {
      html.lang = before;
    }
  });

  // THE FULL SCAN (issue #15 item 3's "done when"): the whole element after a run, every section open, must
  // show no English source of ru.xlf. Code is left out: the Keras code and the Keras-style model summary
  // (<pre>) read the same in both languages, as Keras prints them.
  it('full scan: after a run under lang="ru", the element shows no English text of ru.xlf', async () => {
    const el = await mount({ lang: 'ru', model: 'mlp', 'train-limit': '256', 'test-limit': '256', 'batch-size': '64', epochs: '1', seed: '7' });
    await until(() => getLocale() === 'ru', 'the Russian locale');
    await el.train();
    await untilPhase(el, ['idle']);
    await el.updateComplete;
    openAll(el);
    await new Promise((r) => setTimeout(r, 500));
    const left = untranslated(shownTexts(el, ['PRE', 'CODE']), await translatedUnits(), TECHNICAL);
    assert(left.length === 0, `English left in the Russian element (${left.length}):\n${left.join('\n')}`);
  });
});
