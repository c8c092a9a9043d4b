// The element's languages: English in the source (lit's `msg()`), Russian from the translations that
// `npm run i18n:extract` lists in src/components/locales/xliff/ru.xlf and `npm run i18n:build` compiles
// into src/components/locales/generated/ (@lit/localize, runtime mode: one bundle, the locale switched
// without a reload). We chose @lit/localize because it is Lit's own, kept with Lit, type-checks the
// templates, and its XLIFF files are what translators' tools read.
//
// @lit/localize holds one locale per page: every <mnist-trainer> on a page speaks the language the last
// one resolved. The language comes from the element's `lang` attribute, or the nearest ancestor's
// (`<html lang="ru">`), as the HTML spec inherits it.
import { configureLocalization } from '@lit/localize';
import { sourceLocale, targetLocales } from './locales/locale-codes';

export type Locale = typeof sourceLocale | (typeof targetLocales)[number];
export const LOCALES: readonly Locale[] = [sourceLocale, ...targetLocales];

export const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  // A static import per locale, so that Vite, esbuild and the test runner all bundle it the same way.
  loadLocale: () => import('./locales/generated/ru'),
});

/** The supported locale for an element: its own or inherited `lang`, matched by primary subtag; else English. */
export function resolveLocale(el: Element): Locale {
  const tag = el.closest('[lang]')?.getAttribute('lang') ?? '';
  const primary = tag.trim().toLowerCase().split('-')[0];
  return (LOCALES as readonly string[]).includes(primary) ? (primary as Locale) : sourceLocale;
}

/** A number in the current locale's notation (decimal comma and grouping in Russian). */
export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(getLocale(), options).format(value);
}
