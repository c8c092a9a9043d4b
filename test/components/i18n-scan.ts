// Scans what a page or an element shows for English left in a translated page: every text node and the
// attributes people read (aria-label, title, placeholder, alt), shadow roots included, against the English
// sources of ru.xlf whose Russian differs. The test runner serves the project root, so ru.xlf is fetched.

export interface Unit {
  id: string;
  /** The English, placeholders removed: its literal pieces. */
  pieces: string[];
  /** The English has no placeholders: it is one whole text. */
  whole: boolean;
  source: string;
  target: string;
}

const text = (el: Element) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();

/** ru.xlf's units whose Russian differs from the English. */
export async function translatedUnits(): Promise<Unit[]> {
  const xml = new DOMParser().parseFromString(await (await fetch('/src/components/locales/xliff/ru.xlf')).text(), 'application/xml');
  return [...xml.querySelectorAll('trans-unit')].flatMap((u) => {
    const source = u.querySelector('source');
    const target = u.querySelector('target');
    if (!source) return [];
    const pieces = [...source.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent!.replace(/\s+/g, ' ').trim()).filter((p) => p !== '');
    const whole = source.querySelector('x') === null;
    const unit = { id: u.getAttribute('id')!, pieces, whole, source: text(source), target: target ? text(target) : '' };
    return unit.source === unit.target ? [] : [unit];
  });
}

const READ_ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt'];

/**
 * Every text a person may read under `root`, shadow roots included, one entry per text node or attribute;
 * without the elements named in `skip` (e.g. code and JSON, which are English in every language).
 */
export function shownTexts(root: Node, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const visit = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const t = node.textContent!.replace(/\s+/g, ' ').trim();
      if (t) out.push(t);
      return;
    }
    if (node instanceof Element) {
      if (['STYLE', 'SCRIPT', 'TEMPLATE', ...skip].includes(node.tagName)) return;
      for (const a of READ_ATTRIBUTES) {
        const v = node.getAttribute(a)?.trim();
        if (v) out.push(v);
      }
      if (node.shadowRoot) visit(node.shadowRoot);
    }
    for (const child of node.childNodes) visit(child);
  };
  visit(root);
  return out;
}

/** Opens every <details> under `root` (shadow roots included), so that collapsed texts count too. */
export function openAll(root: Node): void {
  const visit = (node: Node) => {
    if (node instanceof HTMLDetailsElement) node.open = true;
    if (node instanceof Element && node.shadowRoot) visit(node.shadowRoot);
    for (const child of node.childNodes) visit(child);
  };
  visit(root);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The English texts among `shown`: a unit's literal piece found as a whole phrase (not inside a longer word)
 * in one shown text. Skipped: pieces of 3 letters or fewer, single words between placeholders ("epoch" of
 * "epoch {0}/{1}": too common to tell whose they are), and `allowed` ones (technical names shown as they are
 * in both languages, e.g. `accuracy`).
 */
export function untranslated(shown: string[], units: Unit[], allowed: ReadonlySet<string> = new Set()): string[] {
  const found = new Set<string>();
  for (const u of units) {
    for (const piece of u.pieces) {
      const letters = piece.replace(/[^\p{L}]/gu, '');
      if (letters.length <= 3 || allowed.has(piece) || (!u.whole && !/\s/.test(piece))) continue;
      const re = new RegExp(`(?<![\\p{L}\\p{N}_])${escape(piece)}(?![\\p{L}\\p{N}_])`, 'u');
      const hit = shown.find((t) => re.test(t));
      if (hit) found.add(`${u.id}: "${piece}" in "${hit.slice(0, 120)}"`);
    }
  }
  return [...found];
}

/**
 * Texts with three English words in a row: English that never went through msg() (so ru.xlf cannot name it).
 * `allowed`: patterns of technical text that stays English (adapter names, engine details).
 */
export function englishPhrases(shown: string[], allowed: readonly RegExp[] = []): string[] {
  // Words separated by spaces only: a comma-separated list of names ("Adam, AdamW, Adamax") is not a phrase.
  const phrase = /(?<![\p{L}_])[A-Za-z]{2,}(\s+[A-Za-z]{2,}){2,}(?![\p{L}_])/u;
  return shown.filter((t) => phrase.test(t) && !allowed.some((a) => a.test(t)));
}
