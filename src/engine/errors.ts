// Error codes: one word per kind of fault, carried by the element's `error` event (`detail.code`), printed
// by the CLI and written into a failed run's record. Every error class of ours declares its `code`; a
// thrown value without one is 'internal' (a bug or an unexpected platform failure).
// src/data cannot import the engine, so its errors (IdxFormatError, DatasetLoadError) declare the
// code as a plain string; errorCode() reads it the same way.

export const ERROR_CODES = [
  'invalid-setting', // a setting (attribute, property, flag, config field) breaks its rule
  'model', // a model spec that cannot be built (unknown layer, impossible shape)
  'data', // a data set that cannot be fetched, read or parsed, or does not fit
  'checkpoint', // a checkpoint file that is corrupt, truncated or belongs to another model or data set
  'out-of-memory', // the model, batch or data set does not fit the GPU
  'divergence', // the loss became NaN or infinite
  'device-lost', // the GPU device was lost (driver reset, page hidden too long, device destroyed)
  'no-webgpu', // no WebGPU in this browser or no adapter
  'aborted', // a load or run stopped by the user or by removing the element
  'internal', // anything else: a bug, reported with its message
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error of ours that is not one of the specific classes: a code, a message, optionally the setting. */
export class CodedError extends Error {
  override name = 'CodedError';
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown; setting?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.setting) this.setting = options.setting;
  }
  setting?: string;
}

const isCode = (v: unknown): v is ErrorCode => typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);

/** The code of anything thrown: its own `code` when it is one of ours, 'aborted' for an AbortError, else 'internal'. */
export function errorCode(e: unknown): ErrorCode {
  const code = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  if (isCode(code)) return code;
  if (e && typeof e === 'object' && (e as { name?: unknown }).name === 'AbortError') return 'aborted';
  return 'internal';
}

/** What the element's `error` event carries. */
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
  /** For 'invalid-setting': the setting's name (its property name, e.g. 'batchSize'). */
  setting?: string;
  /** The numbers in the message, where it has some (a divergence's step, epoch and learning rate): for its translation. */
  facts?: Record<string, number | string>;
}

export function errorDetail(e: unknown): ErrorDetail {
  const message = e instanceof Error ? e.message : String(e);
  const setting = e && typeof e === 'object' ? (e as { setting?: unknown }).setting : undefined;
  const facts = e && typeof e === 'object' ? (e as { facts?: unknown }).facts : undefined;
  return { code: errorCode(e), message, ...(typeof setting === 'string' ? { setting } : {}), ...(facts && typeof facts === 'object' ? { facts: facts as ErrorDetail['facts'] } : {}) };
}
