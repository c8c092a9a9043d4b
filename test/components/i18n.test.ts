// The element's language: its own or inherited `lang` picks the locale; the Russian catalogue is complete
// for the strings the source marks with msg() (scripts/check-locales.mjs checks the files; this, the page).
import { getLocale, resolveLocale, setLocale } from '../../src/components/i18n';
import { assertEqual } from '../util/assert';
import { mount, shadow, until } from './util';

describe('languages', () => {
  afterEach(async () => {
    document.querySelectorAll('mnist-trainer').forEach((e) => e.remove());
    await setLocale('en');
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
});
