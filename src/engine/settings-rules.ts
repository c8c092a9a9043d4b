// The kinds of value a setting can hold (settings.ts declares which setting has which), each with its
// parser and the one phrase that states its rule. A parser takes the string form (an attribute, a
// command-line flag) or the typed value (a JS property, a TrainConfig field) and returns the normalised
// value, or throws an Error that starts with the setting's name as the caller spells it (`display`).

/** How a rejected value is quoted in messages: strings quoted and shortened, the rest as is. */
export function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) : String(v);
}

export interface NumberRange {
  integer: boolean;
  min: number;
  /** Infinity: no upper bound. */
  max: number;
  /** The bound itself is not allowed (0 < lr; dropout < 1). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/**
 * "a whole number from 1 to 1000", "a number greater than 0 and at most 10", "a number from 0 up to but
 * not including 1", "a number of at least 0".
 */
export function rangeRule(r: NumberRange): string {
  const what = r.integer ? 'a whole number' : 'a number';
  if (r.max === Infinity) return `${what} ${r.minExclusive ? 'greater than' : 'of at least'} ${r.min}`;
  const low = r.minExclusive ? `greater than ${r.min}` : `from ${r.min}`;
  const high = r.maxExclusive ? `up to but not including ${r.max}` : r.minExclusive ? `and at most ${r.max}` : `to ${r.max}`;
  return `${what} ${low} ${high}`;
}

export function inRange(n: number, r: NumberRange): boolean {
  return (!r.integer || Number.isInteger(n))
    && (r.minExclusive ? n > r.min : n >= r.min)
    && (r.maxExclusive ? n < r.max : n <= r.max);
}

/**
 * Plain decimal numbers only: `12`, `0.001`, `1e-3`, `-0.5`, `.5`. JS's Number() also takes `0x10`, `0b1`,
 * `Infinity` and blank strings (as 0), none of which a user means as a setting's value.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a string or number stands for, NaN when it is not a plain decimal. */
export function decimal(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  const s = v.trim();
  return DECIMAL.test(s) ? Number(s) : Number.NaN;
}

/**
 * A number in `r`, from a number or its decimal string. The GPU sees it as an f32, so it must keep its
 * meaning there: finite, and on the allowed side of an exclusive bound (a learning rate of 1e-50 is 0 in
 * f32, a dropout of 0.99999999 is 1 and would zero every activation).
 */
export function parseNumber(v: unknown, display: string, r: NumberRange): number {
  const n = decimal(v);
  if (!Number.isFinite(n) || !inRange(n, r)) throw new Error(`${display} must be ${rangeRule(r)}, got ${shown(v)}`);
  const f = float32Breaks(n, (x) => inRange(r.integer ? n : x, r));
  if (f !== null) throw new Error(`${display} must be ${rangeRule(r)} as a 32-bit float, as the GPU uses it; ${shown(v)} becomes ${f}`);
  return n;
}

/**
 * The 32-bit float the GPU would hold for `n` when that one breaks the rule `fits` that `n` keeps (it overflows
 * to Infinity, underflows to 0, or rounds onto an excluded bound), else null: the value keeps its meaning.
 */
export function float32Breaks(n: number, fits: (x: number) => boolean): number | null {
  const f = Math.fround(n);
  return Number.isFinite(f) && fits(f) ? null : f;
}

/** null for null, undefined or '' (the setting is absent), else `parse(v)`. */
export function optional<T>(v: unknown, parse: (v: unknown) => T): T | null {
  return v === null || v === undefined || v === '' ? null : parse(v);
}

/** One of `values`, case-insensitive, surrounding spaces ignored. */
export function parseChoice<T extends string>(v: unknown, display: string, values: readonly T[]): T {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (s === undefined || !(values as readonly string[]).includes(s)) throw new Error(`${display} must be one of ${values.join(', ')}, got ${shown(v)}`);
  return s as T;
}

/**
 * A boolean, or an attribute's presence: any string (even "") is true, as for HTML's boolean attributes, except
 * "false" (any case, spaces ignored): `autostart="false"` or a property set to the string 'false' means what it says.
 */
export function parseBoolean(v: unknown, display: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.trim().toLowerCase() !== 'false';
  throw new Error(`${display} must be true or false, got ${shown(v)}`);
}
