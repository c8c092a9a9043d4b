// What the run's kernels are (src/engine/autotune.ts's KernelReport), as the status line shows it beside
// the adapter: a short summary (how many ops run which candidate, and the seconds spent choosing), and
// in its tooltip one line per GEMM-shaped op — its shape, the kernel, why it was chosen and, when it was
// measured, every candidate's time — so a user can see what 'auto' did on their GPU, as the CLI prints it.
import { msg, str } from '@lit/localize';
import { candidateOf, tallyPicks, type KernelPick, type KernelReport, type PickSource } from '../engine/autotune';
import { formatNumber } from './i18n';
import { formatCount, formatFixed } from './number-format';

const SOURCE: Record<PickSource, () => string> = {
  measured: () => msg('measured here'),
  cached: () => msg('measured on an earlier run on this GPU'),
  forced: () => msg('forced by the setting'),
  'over budget': () => msg("the adapter's default: the time budget for measuring ran out"),
  'sole candidate': () => msg('the only candidate left: the others were far slower on an earlier op'),
  'only one built': () => msg('the only candidate that built here'),
  'others disagreed': () => msg("the only candidate left: the others' results disagreed with it"),
};

const ms = (v: number) => formatNumber(v, { maximumSignificantDigits: 3 });

/** "6 register" or "4 register, 2 tiled:8x8x32": how many ops run each candidate, the commonest first. */
function counts(picks: readonly KernelPick[]): string {
  return tallyPicks(picks, candidateOf).sort((a, b) => b[1] - a[1]).map(([k, c]) => `${formatCount(c)} ${k}`).join(', ');
}

/** The status line's summary of the run's kernels. */
export function kernelSummary(r: KernelReport): string {
  if (r.setting !== 'auto') return msg(str`GEMM kernels: ${r.setting} (forced)`);
  // A kernel that computes wrongly on this GPU is a bug to report, and its absence may cost speed: said up front.
  const wrong = new Set(r.picks.flatMap((p) => Object.keys(p.wrong ?? {})));
  const warning = wrong.size ? `; ${msg(str`wrong results from ${[...wrong].join(', ')} on this GPU, not used`)}` : '';
  // Nothing measured this time (each pick cached, or the sole candidate left by an earlier op's measurement):
  // "chosen in 0.00 s" would hide that an earlier run on this GPU chose them.
  if (r.picks.length && r.picks.every((p) => p.source === 'cached' || p.source === 'sole candidate')) return msg(str`GEMM kernels: ${counts(r.picks)}, as measured before on this GPU`) + warning;
  const seconds = formatFixed(r.tuningMs / 1000, 2);
  return msg(str`GEMM kernels: ${counts(r.picks)}, chosen in ${seconds} s`) + warning;
}

/** One line per op: `dense_1.forward (M128 N10 K784 …): register — measured here; register 0.12 ms, tiled 1.9 ms`. */
export function kernelDetails(r: KernelReport): string {
  return r.picks.map((p) => {
    const times = p.ms ? `; ${Object.entries(p.ms).map(([k, v]) => msg(str`${k} ${ms(v)} ms`)).join(', ')}` : '';
    const failed = p.failed ? `; ${msg(str`failed to build, passed over: ${Object.keys(p.failed).join(', ')}`)}` : '';
    const wrong = p.wrong ? `; ${msg(str`wrong results, passed over: ${Object.keys(p.wrong).join(', ')}`)}` : '';
    return `${p.label} (${p.shape}): ${candidateOf(p)} — ${SOURCE[p.source]()}${times}${failed}${wrong}`;
  }).join('\n');
}
