// The layer types and each one's settable fields (kind, range, choices, default), declared once: model.ts
// validates specs with these rules and resolves the defaults from here, and the element's model builder
// makes its controls from them (a number input's min and step, a select's options). The activation field's
// own message (the list of names) stays in model.ts.

import { ACTIVATIONS } from './activations';

export const LAYER_TYPES = ['dense', 'conv2d', 'maxPool2d', 'avgPool2d', 'flatten', 'dropout', 'activation', 'batchNormalization'] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

export interface LayerField {
  /** The spec's key. */
  key: string;
  /** integer: a whole number; number: finite; size: a positive integer or [h, w] (kernelSize); choice: one of `choices`. */
  kind: 'integer' | 'number' | 'size' | 'choice';
  /** Bounds, included unless minOpen / maxOpen. */
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  /** A form's step for a number field. */
  step?: number;
  choices?: readonly string[];
  /** The value when the key is absent; `same-as` names the field whose value it copies (strides = poolSize). Neither: required. */
  default?: number | string;
  sameAs?: string;
}

const activation = (required: boolean): LayerField =>
  ({ key: 'activation', kind: 'choice', choices: ACTIVATIONS, default: required ? undefined : 'linear' });
const pool: readonly LayerField[] = [
  { key: 'poolSize', kind: 'integer', min: 1, step: 1, default: 2 },
  { key: 'strides', kind: 'integer', min: 1, step: 1, sameAs: 'poolSize' },
];

/** Per layer type, its fields in the order a form shows them (kernelRegularizer is JSON-only: see model.ts). */
export const LAYER_FIELDS: Record<LayerType, readonly LayerField[]> = {
  dense: [{ key: 'units', kind: 'integer', min: 1, step: 1 }, activation(false)],
  conv2d: [
    { key: 'filters', kind: 'integer', min: 1, step: 1 },
    { key: 'kernelSize', kind: 'size', min: 1, step: 1 },
    { key: 'padding', kind: 'choice', choices: ['valid', 'same'], default: 'valid' },
    activation(false),
  ],
  maxPool2d: pool,
  avgPool2d: pool,
  flatten: [],
  dropout: [{ key: 'rate', kind: 'number', min: 0, max: 1, maxOpen: true, step: 0.05 }],
  activation: [activation(true)],
  // Keras's BatchNormalization defaults.
  batchNormalization: [
    { key: 'momentum', kind: 'number', min: 0, max: 1, maxOpen: true, step: 0.01, default: 0.99 },
    { key: 'epsilon', kind: 'number', min: 0, minOpen: true, step: 0.001, default: 0.001 },
  ],
};

/** The keys a layer of `type` may have: "type", its fields and, where it has a kernel, "kernelRegularizer" (JSON-only). */
export const layerKeys = (type: LayerType): string[] =>
  ['type', ...LAYER_FIELDS[type].map((f) => f.key), ...(type === 'dense' || type === 'conv2d' ? ['kernelRegularizer'] : [])];

export function layerField(type: LayerType, key: string): LayerField {
  const f = LAYER_FIELDS[type].find((x) => x.key === key);
  if (!f) throw new Error(`${type} has no field ${key}`);
  return f;
}

/** The field's rule in words, as validation messages say it: "a positive integer", "in [0, 1)", "a finite number > 0". */
export function fieldRule(f: LayerField): string {
  if (f.kind === 'choice') return (f.choices ?? []).map((c) => JSON.stringify(c)).join(' or ');
  if (f.kind === 'integer' || f.kind === 'size') return f.min === 1 && f.max === undefined ? 'a positive integer' : `an integer ≥ ${f.min}`;
  if (f.min !== undefined && f.max !== undefined) return `in ${f.minOpen ? '(' : '['}${f.min}, ${f.max}${f.maxOpen ? ')' : ']'}`;
  if (f.min !== undefined) return `a finite number ${f.minOpen ? '>' : '≥'} ${f.min}`;
  return 'a finite number';
}

/** Whether a number satisfies an integer or number field's rule. */
export function fitsField(f: LayerField, v: unknown): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if ((f.kind === 'integer' || f.kind === 'size') && !Number.isInteger(v)) return false;
  if (f.min !== undefined && (f.minOpen ? v <= f.min : v < f.min)) return false;
  return !(f.max !== undefined && (f.maxOpen ? v >= f.max : v > f.max));
}
