// The "Inside the model" section of <mnist-trainer>: which image to look at (the drawing on the draw
// pad, after each answered stroke, or a test image by number), when to look (on opening, on request,
// after a stroke, and after each epoch while open: at most once per epoch, skipped while one is still
// being read, never while closed), and the <mt-inside-view> that shows Trainer.inspect's answer.
// It asks the controller's trainer directly, as the draw pad's predict does: an inspection is
// submitted between training steps and read back once, never inside a step.
import { msg, str } from '@lit/localize';
import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Inspection, Trainer } from '../engine/trainer';
import { errorDetail } from '../engine/errors';
import type { PredictionDetail } from './draw-pad';
import { formatNumber } from './i18n';
import { helpLink } from './help';
import type { TrainerController } from './trainer-controller';
import type { InsideInput } from './inside-view';
import './inside-view';
import { className } from './class-names';

type Source = 'drawn' | 'test';

export class InsideModel {
  open = false;
  source: Source = 'test';
  testIndex = 0;
  error = '';
  private drawn?: Float32Array;
  /** The last answer, with the trainer it came from (a new run's trainer hides it). */
  private shown?: { trainer: Trainer; inspection: Inspection; input: InsideInput };
  /** The trainer last inspected: a model that replaced it (a Load, a failed run's kept model) is looked at once. */
  private asked?: Trainer;
  private busy = false;
  private again = false;
  private pending: Promise<void> = Promise.resolve();

  /** Listens on the host for the draw pad's `prediction` and the host's own `epoch-end`. */
  constructor(host: HTMLElement, private readonly controller: TrainerController, private readonly changed: () => void) {
    host.addEventListener('prediction', (e) => this.drew((e as CustomEvent<PredictionDetail>).detail.input));
    host.addEventListener('drawing-cleared', () => this.cleared());
    host.addEventListener('epoch-end', () => this.epochEnded());
  }

  /** The drawing is gone: a test image is looked at instead. */
  private cleared(): void {
    this.drawn = undefined;
    if (this.source === 'drawn') this.use('test');
  }

  /** Resolves when the inspections asked for so far have been shown (tests). */
  settled(): Promise<void> {
    return this.pending;
  }

  private drew(input: Float32Array): void {
    this.drawn = input;
    this.source = 'drawn';
    if (this.open) this.refresh();
    else this.changed();
  }

  private epochEnded(): void {
    if (this.open && !this.busy) this.refresh();
  }

  setOpen(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    if (open) this.refresh();
    else this.changed();
  }

  private use(source: Source, index = this.testIndex): void {
    const count = this.controller.data.dataset?.test.count ?? 0;
    this.source = source;
    this.testIndex = Math.max(0, Math.min(count - 1, Number.isInteger(index) ? index : 0));
    this.refresh();
  }

  /** The image of the chosen source, as the trainer takes it and as the view shows it. */
  private image(): InsideInput | undefined {
    if (this.source === 'drawn') {
      return this.drawn && { pixels: this.drawn, rows: 28, cols: 28, caption: msg('your drawing') };
    }
    const d = this.controller.data.dataset;
    if (!d || d.test.count === 0) return undefined;
    const { rows, cols } = d.test;
    const i = Math.min(this.testIndex, d.test.count - 1); // a later run's test set may be smaller
    const label = d.test.labels[i];
    return {
      pixels: d.test.images.subarray(i * rows * cols, (i + 1) * rows * cols), rows, cols,
      caption: msg(str`test image ${formatNumber(i)}, labelled ${d.classNames[label] === undefined ? String(label) : className(d.classNames[label])}`),
    };
  }

  /** Inspects the chosen image with the current trainer; asked while one is under way, it runs once more after. */
  refresh(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.pending = this.inspect();
  }

  private async inspect(): Promise<void> {
    const trainer = this.controller.trainer;
    this.asked = trainer;
    const input = this.image();
    if (!trainer || !input) {
      this.changed();
      return;
    }
    this.busy = true;
    this.changed();
    try {
      const inspection = await trainer.inspect(input.pixels);
      if (trainer === this.controller.trainer) this.shown = { trainer, inspection, input };
      this.error = '';
    } catch (e) {
      if (trainer === this.controller.trainer) this.error = msg(str`Could not look inside the model: ${errorDetail(e).message}`);
    } finally {
      this.busy = false;
      this.changed();
    }
    if (this.again) {
      this.again = false;
      await this.inspect();
    }
  }

  render(classNames: string[]) {
    const trainer = this.controller.trainer;
    const test = this.controller.data.dataset?.test;
    const shown = this.shown?.trainer === trainer ? this.shown : undefined;
    // Open on a model not looked at yet and not training (a Load): looked at now, not only on Refresh.
    const phase = this.controller.phase;
    if (this.open && trainer && trainer !== this.asked && !this.busy && (phase === 'idle' || phase === 'paused')) {
      this.asked = trainer;
      queueMicrotask(() => this.refresh());
    }
    const onIndex = (e: Event) => this.use('test', Number((e.target as HTMLInputElement).value));
    return html`<details class="block inside" part="inside" .open=${this.open} @toggle=${(e: Event) => this.setOpen((e.target as HTMLDetailsElement).open)}>
      <summary><h2>${msg('Inside the model')}</h2></summary>
      <p class="note">${msg('What each layer makes of one image: feature maps, values and class probabilities, and the first convolution\'s filters. While training, it is refreshed after each epoch.')}
        <a href=${helpLink(undefined, 'insideView')} target="_blank" rel="noopener">${msg('How to read it')}</a></p>
      ${!trainer ? html`<p class="muted">${msg('Train or load a model to look inside it.')}</p>` : html`
        <div class="inside-source" role="group" aria-label=${msg('Image to look at')}>
          <label><input type="radio" name="inside-source" value="drawn" .checked=${this.source === 'drawn'} ?disabled=${!this.drawn} @change=${() => this.use('drawn')}> ${msg('Your drawing')}</label>
          <label><input type="radio" name="inside-source" value="test" .checked=${this.source === 'test'} ?disabled=${!test} @change=${() => this.use('test')}> ${msg('Test image')}</label>
          <input type="number" aria-label=${msg('Test image number')} min="0" max=${Math.max(0, (test?.count ?? 1) - 1)} step="1" .value=${live(String(this.testIndex))} ?disabled=${!test} @change=${onIndex}>
          <button type="button" part="button inspect" ?disabled=${this.busy} @click=${() => this.refresh()}>${msg('Refresh')}</button>
        </div>
        ${this.error ? html`<p class="inline-error" role="alert">${this.error}</p>` : nothing}
        ${this.open ? html`<mt-inside-view .inspection=${shown?.inspection} .input=${shown?.input} .classNames=${classNames}></mt-inside-view>` : nothing}`}
    </details>`;
  }
}
