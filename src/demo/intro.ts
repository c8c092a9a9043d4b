// <demo-intro>: the demo page's introduction and its language switch (EN / RU), in the page's language.
// It renders into the light DOM (the page's styles apply) from msg() templates of known static markup: no
// user text reaches it. The switch sets `<html lang>` and the URL's `lang`; <mnist-trainer> follows the
// attribute, and so does this (it re-renders on every locale change).
import { msg, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, html } from 'lit';
import { getLocale, resolveLocale, setLocale, type Locale } from '../components/i18n';
import { conceptsGuide } from '../components/help';
import { setPageLocale } from './lang';

const LANGUAGES: readonly { locale: Locale; label: string; name: string }[] = [
  { locale: 'en', label: 'EN', name: 'English' },
  { locale: 'ru', label: 'RU', name: 'Русский' },
];

export class DemoIntro extends LitElement {
  constructor() {
    super();
    updateWhenLocaleChanges(this);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void setLocale(resolveLocale(this));
  }

  private choose(locale: Locale): void {
    setPageLocale(locale);
    void setLocale(locale);
  }

  protected override updated(): void {
    document.title = msg('mnist-trainer: train MNIST on your GPU in the browser');
  }

  protected override render() {
    const current = getLocale();
    return html`
      <p class="languages" role="group" aria-label=${msg('Language')}>
        ${LANGUAGES.map((l) => html`<button type="button" lang=${l.locale} title=${l.name} aria-pressed=${l.locale === current ? 'true' : 'false'}
          @click=${() => this.choose(l.locale)}>${l.label}</button>`)}
      </p>
      <p>${msg(html`Train a neural network to recognise handwritten digits (MNIST) or clothing (Fashion-MNIST),
        <strong>on your own GPU, inside this page</strong>: every training step runs as WebGPU compute shaders,
        and no data leaves your machine. Pick a model and the training settings, press <em>Train</em>, and watch the
        loss and accuracy curves; the verdict under the charts tells you whether the model is overfitting.
        Your runs are kept below, so you can change one setting and compare.`)}</p>
      <p>${msg(html`The convolutional network (<code>cnn</code>) passed 97% test accuracy after one epoch in our runs and is the more
        accurate model; <code>mlp</code> trains many times faster and reaches about 97.5% in five epochs. Each <strong>?</strong> explains a setting and links to the
        <a href=${conceptsGuide()}>concepts guide</a>.`)}</p>
      <p>${msg(html`Your runs stay in the comparison table when you reload the page, and the last model with them, as it was after its last
        epoch (they are kept in this browser); <strong>Save model</strong> downloads the trained model, and <strong>Load model</strong> (or
        dropping its file on the trainer) brings it back to train on or evaluate.`)}</p>
      <p>${msg(html`Under the results, a click on a number of the confusion matrix shows those test images, the ones the model was
        surest of first; then draw a digit, or open a photo of one written on paper, and see what the model makes of it.`)}</p>`;
  }
}

customElements.define('demo-intro', DemoIntro);

declare global {
  interface HTMLElementTagNameMap {
    'demo-intro': DemoIntro;
  }
}
