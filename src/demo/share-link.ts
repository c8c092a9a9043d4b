// <demo-share-link>: the demo page's "Copy link" button, and the notice for settings in the page's link
// that were left out. It lives in the demo, not in <mnist-trainer>: the element stays URL-agnostic (a page
// that embeds it may keep its own state in its URL, or none), and only the demo page writes its URL.
//
// Copying uses the asynchronous clipboard; where it is missing or refused (no permission, an insecure
// origin, a browser without it) the link appears in a read-only field, selected, to copy by hand. Either
// way the outcome is announced in a polite live region, since a click on "Copy link" changes nothing
// visible otherwise.
import { msg, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import type { QueryProblem } from './url-state';
import { settingProblemText } from '../components/messages';

export class DemoShareLink extends LitElement {
  static override properties = {
    problems: { attribute: false },
    _announcement: { state: true },
    _fallback: { state: true },
  };

  static override styles = css`
    :host { display: block; margin: 0 0 0.75rem; }
    .row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 0.75rem; }
    button { font: inherit; padding: 0.3em 0.8em; border-radius: 6px; cursor: pointer; }
    :focus-visible { outline: 2px solid #2563eb; outline-offset: 2px; }
    .note { font-size: 0.9em; }
    label { display: flex; flex-wrap: wrap; gap: 0.3rem 0.5rem; align-items: center; margin-top: 0.4rem; font-size: 0.9em; }
    input { font: inherit; flex: 1 1 24rem; min-width: 0; }
    .problems { border: 1px solid #cf222e; border-radius: 8px; padding: 0.4rem 0.75rem; margin-top: 0.5rem; }
    .problems p, .problems ul { margin: 0.2rem 0; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  `;

  /** Query parameters the page left out, each with its rule (settingsFromQuery's problems). */
  declare problems: QueryProblem[];
  declare _announcement: string;
  /** The link shown for copying by hand, or '' while the clipboard works. */
  declare _fallback: string;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.problems = [];
    this._announcement = '';
    this._fallback = '';
  }

  /** Copies the page's address (with its settings) and announces the outcome; resolves when done. */
  async copy(): Promise<void> {
    const url = location.href;
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      this._fallback = '';
      await this.announce(msg('Link copied'));
    } catch {
      this._fallback = url;
      await this.updateComplete;
      const field = this.renderRoot.querySelector('input');
      field?.focus();
      field?.select();
      await this.announce(msg('The link is selected in the field below: copy it with Ctrl+C (⌘C on a Mac).'));
    }
  }

  /** A live region speaks changes: emptied first, so that copying twice is announced twice. */
  private async announce(text: string): Promise<void> {
    this._announcement = '';
    await this.updateComplete;
    this._announcement = text;
    await this.updateComplete;
  }

  protected override render() {
    return html`<div class="row">
        <button type="button" part="button" @click=${() => void this.copy()}>${msg('Copy link')}</button>
        <span class="note">${msg('The page address holds the settings below, the model included: a link opens the same setup.')}</span>
      </div>
      ${this._fallback ? html`<label>${msg('Link to these settings')}<input type="text" readonly .value=${this._fallback}></label>` : nothing}
      <p class="visually-hidden" role="status" aria-live="polite">${this._announcement}</p>
      ${this.problems.length ? html`<div class="problems" role="alert">
        <p>${msg('Some settings in the link were not applied; the page uses its own values for them:')}</p>
        <ul>${this.problems.map((p) => html`<li><code>${p.param}</code>: ${p.name ? settingProblemText(p.name, p.message, p.value, p.cause) : p.message}</li>`)}</ul>
      </div>` : nothing}`;
  }
}

if (!customElements.get('demo-share-link')) customElements.define('demo-share-link', DemoShareLink);

declare global {
  interface HTMLElementTagNameMap {
    'demo-share-link': DemoShareLink;
  }
}
