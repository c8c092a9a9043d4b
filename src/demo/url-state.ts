// The demo page's settings in its URL, so that a link reproduces a run's setup: one query parameter per
// setting, named by its attribute of <mnist-trainer> (`?model=cnn&epochs=3&batch-size=64&lang=ru`; a
// model as JSON is URL-encoded like any value). Pure functions: the page (main.ts) reads location and
// writes history; the element itself knows nothing of URLs.
//
// Values go through the same parsers as the element's attributes (controls.ts, from the schema), so a
// link cannot hold a value the form would refuse: an invalid one is reported, named, and left out.
import { ATTRIBUTES, DEFAULTS, ELEMENT_SETTINGS, PARSERS, type Settings } from '../components/controls';
import type { ElementSettingName } from '../engine/settings';

/** The query parameter of the page's language, kept beside the settings. */
export const LANG_PARAM = 'lang';

/** A parameter that was left out: its name and why (the schema's message: the attribute and its rule). */
export interface QueryProblem {
  param: string;
  /** The English message (the engine's). */
  message: string;
  /** The setting, the value given and the error, for the message in the page's language (settingProblemText). */
  name?: ElementSettingName;
  value?: string;
  cause?: unknown;
}

export interface QueryState {
  /** The valid settings the query names, normalised. */
  values: Partial<Settings>;
  /** `lang`, when present and not blank. */
  lang?: string;
  problems: QueryProblem[];
}

const isBoolean = (name: ElementSettingName) => typeof DEFAULTS[name] === 'boolean';

/**
 * A flag in a URL: `?autostart`, `?autostart=true` or `=1` is on, `=false` or `=0` off. (As an attribute,
 * any value means on; a link also has to say "off" when the page it opens turns a flag on.)
 */
function urlBoolean(v: string, param: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === '' || s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new Error(`${param} must be true or false (or given without a value: on), got ${JSON.stringify(v)}`);
}

/** The settings (and `lang`) in a query string or URLSearchParams; unknown parameters are ignored. */
export function settingsFromQuery(query: string | URLSearchParams): QueryState {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const values: Record<string, unknown> = {};
  const problems: QueryProblem[] = [];
  for (const name of ELEMENT_SETTINGS) {
    const param = ATTRIBUTES[name];
    const raw = params.get(param);
    if (raw === null) continue;
    try {
      values[name] = PARSERS[name](isBoolean(name) ? urlBoolean(raw, param) : raw);
    } catch (e) {
      problems.push({ param, message: (e as Error).message, name, value: raw, cause: e });
    }
  }
  const lang = params.get(LANG_PARAM)?.trim();
  return { values: values as Partial<Settings>, ...(lang ? { lang } : {}), problems };
}

/** A value as the query shows it: a flag as true/false, an absent value (null) as empty. */
function shownInQuery(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * The query string (without `?`) for `values`: only the settings that differ from `base` (the page's
 * starting point: the schema's defaults, or those with the page's own attributes over them), then `lang`.
 */
export function queryFromSettings(values: Partial<Settings>, options: { base?: Partial<Settings>; lang?: string } = {}): string {
  const base = { ...DEFAULTS, ...options.base };
  const params = new URLSearchParams();
  for (const name of ELEMENT_SETTINGS) {
    if (!(name in values)) continue;
    const v = values[name];
    if (Object.is(v, base[name])) continue;
    params.set(ATTRIBUTES[name], shownInQuery(v));
  }
  if (options.lang) params.set(LANG_PARAM, options.lang);
  return params.toString();
}

/** The settings an element's attributes set (in markup, before it is upgraded), read as a query would be. */
export function settingsFromAttributes(el: Element): QueryState {
  const params = new URLSearchParams();
  for (const name of ELEMENT_SETTINGS) {
    const v = el.getAttribute(ATTRIBUTES[name]);
    if (v !== null) params.set(ATTRIBUTES[name], isBoolean(name) ? '' : v); // present: on, whatever its value
  }
  return settingsFromQuery(params);
}

/** Writes query values onto an element as attributes (a flag: present or absent; null: removed). */
export function applyAsAttributes(el: Element, values: Partial<Settings>): void {
  for (const [name, v] of Object.entries(values) as [ElementSettingName, unknown][]) {
    const attr = ATTRIBUTES[name];
    if (v === null || v === false) el.removeAttribute(attr);
    else el.setAttribute(attr, v === true ? '' : String(v));
  }
}
