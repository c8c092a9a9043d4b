// <mt-draw-pad>: draw a digit (or a piece of clothing) with a mouse, finger or pen, or open or drop a
// picture of one (a photo or scan: it goes on the pad as ink, to draw on further), and see the trained
// model's class probabilities after every stroke; toMnistInput (data/mnist-input.ts), the MNIST-style
// preprocessing, turns the canvas into the model's 28×28 input.
import { msg, str, updateWhenLocaleChanges } from '@lit/localize';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { themeStyles } from './help';
import { className } from './class-names';
import { formatPercent } from './number-format';
import { FIELD, fitFor, pictureInk, toMnistInput } from '../data/mnist-input';
import { onFileDrop } from './file-drop';
import { drawImage } from './inside-draw';

export { toMnistInput } from '../data/mnist-input';

export type PredictFn = (pixels: Float32Array) => Promise<Float32Array>;

/** Drawing canvas size in canvas pixels, and a stroke width that gives MNIST-like 2–3 px strokes. */
export const PAD_SIZE = 280;
export const STROKE_WIDTH = 22;
/** A picture's longer side is read at most this many pixels (a phone photo is shrunk first): the pad has 280. */
const PICTURE_SIDE = 1024;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface PredictionDetail {
  input: Float32Array;
  probabilities: Float32Array;
}

/**
 * Properties: `.predict` (784 inputs in [0, 1] → class probabilities), `.classNames`.
 * Fires `prediction` (bubbling, composed; detail PredictionDetail) after each answered stroke, and
 * `drawing-cleared` when Clear blanks a drawing.
 */
export class MtDrawPad extends LitElement {
  static override properties = {
    predict: { attribute: false },
    classNames: { attribute: false },
    _probs: { state: true },
    _error: { state: true },
    _empty: { state: true },
    _pen: { state: true },
  };

  declare predict: PredictFn | undefined;
  declare classNames: string[];
  declare _probs: Float32Array | null;
  declare _error: string;
  declare _empty: boolean;
  /** The keyboard's pen (canvas pixels), shown as a ring while the pad has the focus; down: it draws as it moves. */
  declare _pen: { x: number; y: number; down: boolean };
  /** The model input of the last stroke (null while the pad is blank). */
  lastInput: Float32Array | null = null;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private pointerId = -1;
  private sequence = 0;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.predict = undefined;
    this.classNames = DIGITS;
    this._probs = null;
    this._error = '';
    this._empty = true;
    this._pen = { x: PAD_SIZE / 2, y: PAD_SIZE / 2, down: false };
  }

  static override styles = [themeStyles, css`
    :host { display: block; }
    .row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
    .pad-box { position: relative; width: min(280px, 100%); line-height: 0; }
    canvas.pad {
      width: 100%; aspect-ratio: 1; touch-action: none; cursor: crosshair;
      border: 1px solid var(--_line); border-radius: 6px; background: #000;
    }
    .pen {
      position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%; pointer-events: none;
      border: 2px solid var(--_accent); display: none;
    }
    .pen.down { background: color-mix(in srgb, var(--_accent) 50%, transparent); }
    canvas.pad:focus-visible + .pen { display: block; }
    .side { display: flex; flex-direction: column; gap: 0.5rem; align-items: flex-start; }
    canvas.preview { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid var(--_line); background: #000; }
    .answer { flex: 1; min-width: 14rem; max-width: 28rem; }
    ol { list-style: none; margin: 0; padding: 0; }
    li { display: grid; grid-template-columns: minmax(4rem, auto) 1fr 3.5rem; gap: 0.5rem; align-items: center; margin: 2px 0; }
    .track { height: 0.9em; background: color-mix(in srgb, var(--_fg) 8%, transparent); border-radius: 3px; overflow: hidden; }
    .bar { height: 100%; background: color-mix(in srgb, var(--_accent) 55%, transparent); }
    li.top .bar { background: var(--_accent); }
    li.top .name { font-weight: 600; }
    .value { text-align: right; font-variant-numeric: tabular-nums; }
    .error { color: var(--_bad); }
    p { margin: 0.3rem 0; }
  `];

  private get pad(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas.pad');
  }

  private context(): CanvasRenderingContext2D | null {
    return this.pad?.getContext('2d', { willReadFrequently: true }) ?? null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Another model (a Load): the drawing on the pad is asked again, rather than showing the last model's answer.
    if (changed.has('predict') && changed.get('predict') !== undefined && this.lastInput && !this._empty) void this.classify();
  }

  protected override firstUpdated(_changed: PropertyValues): void {
    this.blank();
    // A picture dropped on the pad is the pad's, not a model file for the trainer around it.
    onFileDrop(this.pad!, (file) => void this.loadPicture(file), true);
  }

  private blank(): void {
    const ctx = this.context();
    if (ctx) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    }
    this.drawPreview(new Float32Array(FIELD * FIELD));
  }

  /** Blanks the pad, the preview and the probabilities; `drawing-cleared` tells the element's inside view. */
  clear(): void {
    if (!this._empty) this.dispatchEvent(new CustomEvent('drawing-cleared', { bubbles: true, composed: true }));
    this.blank();
    this.drawing = false;
    this._pen = { ...this._pen, down: false };
    this.sequence++;
    this.lastInput = null;
    this._probs = null;
    this._error = '';
    this._empty = true;
    this._pen = { x: PAD_SIZE / 2, y: PAD_SIZE / 2, down: false };
  }

  private position(e: PointerEvent): { x: number; y: number } {
    const rect = this.pad!.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * PAD_SIZE) / Math.max(rect.width, 1),
      y: ((e.clientY - rect.top) * PAD_SIZE) / Math.max(rect.height, 1),
    };
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.context();
    if (!ctx) return;
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = STROKE_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    if (from.x === to.x && from.y === to.y) {
      ctx.arc(to.x, to.y, STROKE_WIDTH / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
  }

  /**
   * Drawing without a pointer: the arrow keys move a pen (Shift: in small steps), Space or Enter puts it
   * down or lifts it (lifting ends the stroke, which the model then answers), Delete or Backspace clears.
   */
  private onKey(e: KeyboardEvent): void {
    const step = e.shiftKey ? PAD_SIZE / 80 : PAD_SIZE / 20;
    const move = ({ ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] } as Record<string, [number, number]>)[e.key];
    const pen = this._pen;
    if (move) {
      const to = { x: Math.min(PAD_SIZE, Math.max(0, pen.x + move[0] * step)), y: Math.min(PAD_SIZE, Math.max(0, pen.y + move[1] * step)) };
      if (pen.down) this.line(pen, to);
      this._pen = { ...to, down: pen.down };
    } else if (e.key === ' ' || e.key === 'Enter') {
      this._pen = { ...pen, down: !pen.down };
      if (!pen.down) this.line(pen, pen);
      else void this.classify();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      this.clear();
    } else {
      return;
    }
    e.preventDefault();
  }

  private onDown(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (this.drawing) return;
    e.preventDefault();
    try {
      this.pad!.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic or already-released pointers cannot be captured; drawing still works without it.
    }
    this.drawing = true;
    this.pointerId = e.pointerId;
    this.last = this.position(e);
    this.line(this.last, this.last);
  }

  private onMove(e: PointerEvent): void {
    if (!this.drawing || e.pointerId !== this.pointerId) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.position(ev);
      this.line(this.last!, p);
      this.last = p;
    }
  }

  private onUp(e: PointerEvent): void {
    if (!this.drawing || e.pointerId !== this.pointerId) return;
    this.drawing = false;
    this.last = null;
    void this.classify();
  }

  /**
   * Puts a picture (any format the browser decodes) on the pad as ink, white on black (a dark-on-light one
   * inverted, pictureInk), scaled to fit and centred, and asks the model; one that cannot be decoded is an error
   * shown in place of the answer. The pad can be drawn on afterwards.
   */
  async loadPicture(file: Blob): Promise<void> {
    const ctx = this.context();
    if (!ctx) return;
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' }); // a phone's portrait photo, upright
    } catch (e) {
      this.sequence++;
      this._probs = null;
      const why = (e as Error).message ?? String(e);
      this._error = msg(str`The picture could not be read: ${why}`);
      return;
    }
    const shrink = Math.min(1, PICTURE_SIDE / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * shrink));
    const h = Math.max(1, Math.round(bitmap.height * shrink));
    const read = new OffscreenCanvas(w, h).getContext('2d', { willReadFrequently: true })!;
    read.drawImage(bitmap, 0, 0, w, h);
    bitmap.close();
    drawImage(read.canvas, pictureInk(read.getImageData(0, 0, w, h).data, w, h), h, w);
    this.blank();
    const s = PAD_SIZE / Math.max(w, h);
    // Smoothing when shrinking (a box filter's job); whole pixels when enlarging, so a 28×28 digit stays itself.
    ctx.imageSmoothingEnabled = s < 1;
    ctx.drawImage(read.canvas, (PAD_SIZE - w * s) / 2, (PAD_SIZE - h * s) / 2, w * s, h * s);
    ctx.imageSmoothingEnabled = true;
    this._error = '';
    await this.classify();
  }

  private onPictureChosen(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // the same file chosen again is a change too
    if (file) void this.loadPicture(file);
  }

  /** Preprocesses the pad and asks `.predict`; a later stroke's answer replaces an earlier one's. */
  async classify(): Promise<void> {
    const ctx = this.context();
    if (!ctx) return;
    const input = toMnistInput(ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data, PAD_SIZE, PAD_SIZE, fitFor(this.classNames));
    this.lastInput = input;
    this.drawPreview(input);
    this._empty = input.every((v) => v === 0);
    const ticket = ++this.sequence;
    if (this._empty || !this.predict) return;
    try {
      const probabilities = await this.predict(input);
      if (ticket !== this.sequence) return;
      this._probs = probabilities;
      this._error = '';
      this.dispatchEvent(new CustomEvent<PredictionDetail>('prediction', { detail: { input, probabilities }, bubbles: true, composed: true }));
    } catch (err) {
      if (ticket !== this.sequence) return;
      this._probs = null;
      const why = (err as Error).message ?? String(err);
      this._error = msg(str`Prediction failed: ${why}`);
    }
  }

  private drawPreview(input: Float32Array): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.preview');
    if (canvas) drawImage(canvas, input, FIELD, FIELD);
  }

  private renderProbabilities() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    if (!this.predict) return html`<p class="muted">${msg('Train a model (or load one) to see what it makes of your drawing.')}</p>`;
    if (this._empty || !this._probs) return html`<p class="muted">${msg('Draw something: the model answers after each stroke.')}</p>`;
    const probs = this._probs;
    let top = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[top]) top = i;
    const name = (i: number) => className(this.classNames[i] ?? String(i));
    return html`
      <p>${msg(html`Prediction: <strong>${name(top)}</strong> (${formatPercent(probs[top], 1)})`)}</p>
      <ol part="probabilities" aria-label=${msg('Class probabilities')}>
        ${Array.from(probs, (p, i) => html`
          <li class=${i === top ? 'top' : ''}>
            <span class="name">${name(i)}</span>
            <span class="track"><span class="bar" style="display:block;width:${Math.max(0, Math.min(1, p)) * 100}%"></span></span>
            <span class="value">${formatPercent(p, 1)}</span>
          </li>`)}
      </ol>`;
  }

  protected override render() {
    return html`
      <p id="hint" class="muted">${fitFor(this.classNames) === 'digit'
        ? msg('Draw with a mouse, finger or pen, centred or not: the drawing is cropped, scaled to 20×20 and centred by its centre of mass, as MNIST digits were.')
        : msg('Draw with a mouse, finger or pen, centred or not: the drawing is cropped, scaled to fill 28×28 and centred, as Fashion-MNIST\'s pictures were.')}</p>
      <p id="keys" class="muted">${msg('With the keyboard: the arrow keys move the pen (with Shift, in small steps), Space puts it down or lifts it, Delete clears.')}</p>
      <p id="pictures" class="muted">${msg('Or open a picture (a photo or scan of one digit or item, dark on light or light on dark), or drop it on the pad.')}</p>
      <div class="row">
        <div class="pad-box">
          <canvas class="pad" part="pad" width=${PAD_SIZE} height=${PAD_SIZE} tabindex="0" role="application" aria-roledescription=${msg('drawing pad')}
            aria-label=${msg('Drawing area')} aria-describedby="hint keys pictures"
            @keydown=${this.onKey} @pointerdown=${this.onDown} @pointermove=${this.onMove} @pointerup=${this.onUp} @pointercancel=${this.onUp} @lostpointercapture=${this.onUp}></canvas>
          <span class=${this._pen.down ? 'pen down' : 'pen'} style=${`left: ${(this._pen.x / PAD_SIZE) * 100}%; top: ${(this._pen.y / PAD_SIZE) * 100}%`}></span>
        </div>
        <div class="side">
          <canvas class="preview" part="preview" width=${FIELD} height=${FIELD} role="img" aria-label=${msg('What the model sees: the 28×28 input')}></canvas>
          <button type="button" part="clear" @click=${() => this.clear()}>${msg('Clear')}</button>
          <button type="button" part="open-picture" @click=${() => this.renderRoot.querySelector<HTMLInputElement>('input.picture')?.click()}>${msg('Open a picture…')}</button>
          <input class="picture" type="file" accept="image/*" hidden @change=${this.onPictureChosen}>
        </div>
        <div class="answer" aria-live="polite">${this.renderProbabilities()}</div>
      </div>`;
  }
}

if (!customElements.get('mt-draw-pad')) customElements.define('mt-draw-pad', MtDrawPad);

declare global {
  interface HTMLElementTagNameMap {
    'mt-draw-pad': MtDrawPad;
  }
}
