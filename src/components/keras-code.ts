// <mt-keras-code>: the current model and settings as the equivalent Keras program (engine/keras-code.ts),
// behind a "Show Keras code" button, with a Copy button: the lab's Keras terms for the network at hand.
import { msg, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, nothing } from 'lit';
import { themeStyles } from './help';

/**
 * Property `.generate`: returns the program, or throws why there is none (an invalid model). Called only
 * while the code is shown, so a closed section costs nothing per frame.
 * Parts: toggle, code, copy, copy-status (a visually hidden live region announcing a copy).
 */
export class MtKerasCode extends LitElement {
  static override properties = {
    generate: { attribute: false },
    open: { type: Boolean, reflect: true },
    copied: { state: true },
  };

  declare generate: () => string;
  declare open: boolean;
  declare copied: boolean;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.generate = () => '';
    this.open = false;
    this.copied = false;
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    pre { overflow-x: auto; padding: 0.6em 0.8em; border: 1px solid var(--_line); border-radius: 6px; font-size: 0.85em; line-height: 1.4; }
    .row { display: flex; gap: 0.5em; align-items: center; }
    .error { color: var(--_bad); }
    /* The Copy button's "Copied" said to a screen reader (a live region, there before it changes). */
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  `];

  private async copy(code: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(code);
      this.copied = true;
    } catch {
      // No clipboard permission (an insecure page, a test browser): select the text for a manual copy.
      const pre = this.renderRoot.querySelector('pre');
      if (pre) getSelection()?.selectAllChildren(pre);
    }
  }

  protected override render() {
    let code = '';
    let error = '';
    if (this.open) {
      try {
        code = this.generate();
      } catch (e) {
        error = (e as Error).message;
      }
    }
    return html`<div class="row">
        <button type="button" part="toggle" aria-expanded=${this.open ? 'true' : 'false'} @click=${() => { this.open = !this.open; this.copied = false; }}>
          ${this.open ? msg('Hide Keras code') : msg('Show Keras code')}</button>
        ${code ? html`<button type="button" part="copy" @click=${() => this.copy(code)}>${this.copied ? msg('Copied') : msg('Copy')}</button>
          <span class="visually-hidden" role="status" part="copy-status">${this.copied ? msg('Keras code copied to the clipboard') : ''}</span>` : nothing}
      </div>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${code ? html`<pre part="code" aria-label=${msg('Keras code')}><code>${code}</code></pre>` : nothing}`;
  }
}

if (!customElements.get('mt-keras-code')) customElements.define('mt-keras-code', MtKerasCode);
