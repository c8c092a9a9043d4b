// Demo page entry point (index.html): the page's language from `?lang=` (lang.ts, first), the page's settings
// in its URL, then <mnist-trainer> and the introduction with its language switch (intro.ts).
//
// The element starts from its attributes in index.html; the query parameters (named by the same
// attributes, see url-state.ts) are validated and written over them BEFORE the element is defined, so it
// starts with the link's setup as if the markup had said so; its language comes from `<html lang>` (lang.ts),
// which the elements inherit, so the page's EN / RU switch reaches them. From then on every change of a
// setting rewrites the query (history.replaceState: no new history entry per keystroke), so the address is
// always a link to the current setup. Only settings that differ from the page's own start are written, and
// the address's current `lang` (the link's, or the switch's) is kept.
import './lang';
import { applyAsAttributes, queryFromSettings, settingsFromAttributes, settingsFromQuery } from './url-state';
import './share-link';

const trainer = document.querySelector('mnist-trainer')!;
const share = document.querySelector('demo-share-link')!;
const base = settingsFromAttributes(trainer).values;
const linked = settingsFromQuery(location.search);
applyAsAttributes(trainer, linked.values);
share.problems = linked.problems;

function writeUrl(): void {
  const query = queryFromSettings(trainer.settings, { base, lang: new URL(location.href).searchParams.get('lang') ?? undefined });
  const url = `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
}

// A dynamic import: the element must not upgrade before its attributes hold the link's values.
void import('../components/index').then(() => {
  void import('./intro');
  writeUrl(); // drops the parameters that were left out or repeat the page's own values
  trainer.addEventListener('settings-change', writeUrl);
});
