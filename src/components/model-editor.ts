// The Model section's two editors of one model: the builder's rows (<mt-model-builder>) and the JSON text,
// kept in sync with each other and with the element's `model` setting. Either editor may hold a model that
// is not valid yet (a half-built list): the setting keeps its last valid value meanwhile, and the JSON view
// shows the reason. A list equal to a preset's becomes that preset's name; any other is JSON ("custom").
import { type LayerSpec, type ModelSpec } from '../engine/model';
import { PRESETS, parseModel, presetNames } from '../engine/model-setting';
import { parseModelSetting } from '../engine/settings';

/** One layer per line: readable and still valid JSON. */
export function layersText(layers: readonly LayerSpec[]): string {
  return `[\n${layers.map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]`;
}

export interface ModelEditorHost {
  /** Sets the `model` setting (a preset name or JSON text, already valid). */
  setModel(text: string): void;
  requestUpdate(): void;
}

export class ModelEditor {
  /** The builder's rows. */
  layers: LayerSpec[] = [];
  /** The JSON view's text and its error (empty when the text is the model). */
  text = '';
  error = '';
  /** What `error` says, as thrown (a ModelSpecError or an error caused by one): words it in the page's language. */
  errorCause: unknown;
  /** Whether the JSON view is open. */
  open = false;
  /** The model name a custom spec carried (kept through row edits); presets' names are not carried. */
  private name: string | undefined;
  /** The `model` setting that rows and text show: follow() leaves them alone when the setting is their own edit. */
  private shown: string | null = null;

  constructor(private readonly host: ModelEditorHost, private readonly display = 'model') {}

  /**
   * The setting changed (attribute, property, a loaded checkpoint): rows and text follow it. `force`: also
   * when it is the model they already show (a preset chosen again over a half-edited list of it).
   */
  follow(model: string, force = false): void {
    if (model === this.shown && !force) return;
    this.shown = model;
    const spec = parseModel(model);
    this.layers = structuredClone(spec.layers);
    this.name = PRESETS[model] ? undefined : spec.name;
    this.text = layersText(spec.layers);
    this.error = '';
    if (force) this.host.requestUpdate();
  }

  /** Rows edited in the builder: the text follows, and the model when the rows are a valid one. */
  fromRows(layers: LayerSpec[]): void {
    this.layers = layers;
    this.text = layersText(layers);
    this.apply({ ...(this.name === undefined ? {} : { name: this.name }), layers });
  }

  /** JSON typed: rows follow as soon as it is a layer list (valid or not: the builder marks the bad row), the model when valid. */
  fromText(text: string): void {
    this.text = text;
    let spec: ModelSpec;
    try {
      spec = parseModel(text);
    } catch (e) {
      this.error = (e as Error).message;
      this.errorCause = e;
      this.host.requestUpdate();
      return;
    }
    if (spec && Array.isArray(spec.layers) && spec.layers.every((l) => l && typeof l === 'object')) this.layers = spec.layers;
    if (!PRESETS[text.trim()]) this.name = spec?.name;
    this.apply(spec);
  }

  setOpen(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    this.host.requestUpdate();
  }

  private apply(spec: ModelSpec): void {
    const layers = JSON.stringify(spec?.layers);
    const preset = presetNames().find((p) => JSON.stringify(PRESETS[p].layers) === layers && (spec.name ?? p) === p);
    try {
      const { text } = parseModelSetting(preset ?? JSON.stringify(spec), this.display);
      this.error = '';
      this.shown = text;
      this.host.setModel(text);
    } catch (e) {
      this.error = (e as Error).message;
      this.errorCause = e;
    }
    this.host.requestUpdate();
  }
}
