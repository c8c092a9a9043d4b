// How a run that threw ends: the status the comparison table shows, the error reported once (the
// `error` event's English) and its text in the page's language. A destroyed device can fail a pending
// read (mapAsync) before the Trainer sees the loss, so an error while the device goes is still a loss.
import type { Gpu } from '../engine/gpu';
import { DivergenceError, type Trainer } from '../engine/trainer';
import { errorDetail, type ErrorDetail } from '../engine/errors';
import { keptMessage, lostMessage, lostSoon } from './controller-types';
import { errorText, keptText, lostText } from './messages';

export interface RunFailure {
  /** 'diverged at step 812', 'device lost', or the error's code. */
  status: string;
  error: ErrorDetail;
  /** `error.message` in the page's language where it differs from the generic errorText (a loss). */
  text?: () => string;
  /** A lost device: its reason and the step the run had reached. */
  lost?: { reason: string; step?: number };
}

/** `e` thrown by a run on `gpu` (if it got one) with `trainer` (if it got that far); `lostReason`: the device keeper's. */
export async function runFailure(e: unknown, gpu: Gpu | undefined, trainer: Trainer | undefined, lostReason: string): Promise<RunFailure> {
  let error = errorDetail(e);
  if (error.code !== 'device-lost' && gpu && (await lostSoon(gpu))) error = { code: 'device-lost', message: error.message };
  if (error.code === 'device-lost') {
    const [reason, step] = [lostReason, trainer?.step];
    return { status: 'device lost', error: { ...error, message: lostMessage(reason, step) }, text: () => lostText(reason, step), lost: { reason, step } };
  }
  if (e instanceof DivergenceError) return { status: `diverged at step ${e.step ?? trainer?.step ?? '?'}`, error };
  return { status: error.code, error };
}

/** The failure once the run's recovery point (of epoch `epoch`) was restored: its message says what was kept and what to do. */
export function keptFailure(f: RunFailure, epoch: number): RunFailure {
  if (f.lost) {
    const { reason, step } = f.lost;
    return { ...f, error: { ...f.error, message: lostMessage(reason, step, epoch) }, text: () => lostText(reason, step, epoch) };
  }
  const text = f.text ?? (() => errorText(f.error));
  return { ...f, error: { ...f.error, message: `${f.error.message} ${keptMessage(epoch, false)}` }, text: () => `${text()} ${keptText(epoch, false)}` };
}
