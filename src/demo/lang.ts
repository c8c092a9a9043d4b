// The demo page's language, set before the element is defined (main.ts imports this first): `?lang=ru`
// in the URL sets `<html lang="ru">`, which <mnist-trainer> inherits. The page's switch (intro.ts) sets both.
import { LOCALES, type Locale } from '../components/i18n';

/** The URL's `lang` parameter when it names a supported locale. */
export function urlLocale(url: string = location.href): Locale | undefined {
  const lang = new URL(url).searchParams.get('lang')?.trim().toLowerCase().split('-')[0];
  return (LOCALES as readonly string[]).includes(lang ?? '') ? (lang as Locale) : undefined;
}

/** Sets the page's language and the URL's `lang` parameter (without a reload or a new history entry). */
export function setPageLocale(locale: Locale): void {
  document.documentElement.lang = locale;
  const url = new URL(location.href);
  url.searchParams.set('lang', locale);
  history.replaceState(history.state, '', url);
}

const fromUrl = urlLocale();
if (fromUrl) document.documentElement.lang = fromUrl;
