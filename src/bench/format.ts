// The benchmark result as readable text tables (stdout, the page) and as Markdown (the README).
import { AUTO_TOLERANCE, type BenchResult, type KernelResult, type Range, type TimeToAccuracyResult } from './types';

type Row = string[];

function table(head: Row, rows: Row[], markdown: boolean, right: boolean[]): string {
  if (markdown) {
    const sep = right.map((r) => (r ? '---:' : '---'));
    return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: Row) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const num = (v: number | null | undefined, digits = 1) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const times = (v: number | null | undefined) => (v == null ? '–' : `${v.toFixed(2)}×`);
/** "4400 (4300–4500)": the value and its spread over the rounds, when there was more than one value. */
const spread = (v: number | null | undefined, r: Range | null | undefined, digits = 1) =>
  (v == null ? '–' : r && r[0] !== r[1] ? `${num(v, digits)} (${num(r[0], digits)}–${num(r[1], digits)})` : num(v, digits));
const timesSpread = (v: number | null | undefined, r: Range | null | undefined) =>
  (v == null ? '–' : r && r[0] !== r[1] ? `${times(v)} (${r[0].toFixed(2)}–${r[1].toFixed(2)})` : times(v));
const percent = (v: number | null | undefined) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
/** The time-to-accuracy run's optimizer: `Adam 0.003, cosine over 5 epochs` (files before 2 Dec 2026: Adam 0.001, constant). */
const recipe = (t: TimeToAccuracyResult) => `Adam ${t.learningRate ?? 0.001}${t.lrSchedule === 'cosine' ? `, cosine over ${t.maxEpochs} epochs` : ''}`;
/** Three significant figures or so, for values from 0.001 to thousands. */
export const sig = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

export function formatBenchResult(r: BenchResult, markdown = false): string {
  const out: string[] = [];
  const h = (s: string) => out.push('', markdown ? `**${s}**` : s, '');
  out.push(`Adapter: ${r.adapterName} (vendor "${r.adapter.vendor}", architecture "${r.adapter.architecture}"${r.adapter.description ? `, "${r.adapter.description}"` : ''}${r.adapter.device ? `, device "${r.adapter.device}"` : ''}), ${r.runtime}` +
    `${r.quick ? ', --quick' : ''}; our kernels: ${r.kernelVariant}; timing: ${r.timing}` +
    `${r.tfjs ? `; TF.js ${r.tfjs.version} (${r.tfjs.backend}, ${r.tfjs.timing})` : '; TF.js: not run'}` +
    `${r.jaxjs ? `; jax-js ${r.jaxjs.version} (${r.jaxjs.backend}, ${r.jaxjs.timing})` : '; jax-js: not run'}`);
  if (r.arguments) out.push(`Arguments: ${r.arguments.join(' ') || '(none)'}`);
  if (r.environment && Object.keys(r.environment).length) out.push(`Measured with: ${Object.entries(r.environment).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.complete === false) out.push(`${markdown ? '**Partial run**' : 'PARTIAL RUN'} (complete: false): cut short; below are the sections it finished.`);
  const peers = ['TF.js', 'ours/TF.js', 'jax-js', 'ours/jax-js'];
  if (r.kernelCheck) {
    const c = r.kernelCheck;
    const failed = c.rounds.filter((q) => !q.passed);
    const worst = Math.max(0, ...c.rounds.map((q) => q.gradientError ?? 0));
    h('Kernel check (one training step with every kernel candidate against the float64 references)');
    out.push(`${c.passed ? 'passed' : 'FAILED'}: ${c.rounds.length - failed.length} of ${c.rounds.length} rounds (${[...new Set(c.rounds.map((q) => `${q.model} batch ${q.batch}`))].join(', ')}); ` +
      `worst gradient error ${worst.toFixed(3)}× the tolerance, ${c.rounds.reduce((n, q) => n + q.outliers, 0)} gradients beyond it (max-pooling near-ties); ` +
      `${c.pipelines.length} compute pipelines ran in passing rounds`);
    out.push('', table(['op family', 'candidates that matched'], Object.entries(c.candidates).map(([f, k]) => [f, k.join(', ')]), markdown, [false, false]));
    for (const q of failed) {
      const why = q.error ?? `${q.worstSlot} at ${num(q.gradientError, 2)}× the tolerance, ${q.outliers} gradients beyond it, loss ${num(q.lossError, 2)}×`;
      out.push(`- failed: ${q.model} batch ${q.batch} round ${q.round + 1}, ${why}: ${Object.entries(q.picks).map(([l, k]) => `${l} ${k}`).join(', ')}`);
    }
  }
  if (r.training.length) {
    h('Training throughput (images/s over all rounds, full training steps, Adam; in brackets the min–max over the rounds)');
    out.push(table(['model', 'batch', 'ours', ...peers],
      r.training.map((t) => [t.model, String(t.batchSize), spread(t.imagesPerSec, t.spreads.ours), spread(t.tfjsImagesPerSec, t.spreads.tfjs), timesSpread(t.ratio, t.spreads.ratio),
        spread(t.jaxjsImagesPerSec, t.spreads.jaxjs), timesSpread(t.jaxjsRatio, t.spreads.jaxjsRatio)]),
      markdown, [false, true, true, true, true, true, true]));
  }
  if (r.matmul.length) {
    h('Square matmul n×n×n (GFLOP/s of the median time; in brackets the min–max of the rounds\' medians)');
    // With --fp32-peak, each row's share of the stated peak.
    const peak = r.fp32PeakTflops ? [`of ${sig(r.fp32PeakTflops)} TFLOP/s peak`] : [];
    out.push(table(['n', 'ours', ...peak, ...peers],
      r.matmul.map((m) => [String(m.n), spread(m.gflops, m.spreads.ours, 2), ...(peak.length ? [percent(m.peakFraction)] : []), spread(m.tfjsGflops, m.spreads.tfjs, 2),
        timesSpread(m.ratio, m.spreads.ratio), spread(m.jaxjsGflops, m.spreads.jaxjs, 2), timesSpread(m.jaxjsRatio, m.spreads.jaxjsRatio)]),
      markdown, [true, true, ...peak.map(() => true), true, true, true, true]));
  }
  if (r.kernels.length) {
    h('Kernels (median GPU time)');
    // Under 'auto' the other variants' times too: the pick should be the fastest.
    const others = (k: KernelResult) => Object.entries(k.variantMs ?? {}).filter(([v]) => v !== k.variant).map(([v, ms]) => `${v} ${sig(ms as number)}`).join(', ') || '–';
    out.push(table(['kernel', 'shape', 'variant', 'ms', 'GFLOP/s', 'GB/s', 'other variants, ms'],
      r.kernels.map((k) => [k.name, k.shape, k.variant ? `${k.variant}${k.pipelines?.length ? ` (${k.pipelines[0]})` : ''}` : '–', sig(k.ms), sig(k.gflops), sig(k.gbps), others(k)]), markdown, [false, false, false, true, true, true, false]));
  }
  if (r.timeToAccuracy) {
    const t = r.timeToAccuracy;
    h('Time to accuracy');
    out.push(t.reached
      ? `${t.model} (batch ${t.batchSize}, ${recipe(t)}) reached ${(t.target * 100).toFixed(1)}% MNIST test accuracy in ${t.seconds!.toFixed(1)} s, ${t.epochs} epoch${t.epochs === 1 ? '' : 's'}`
      : `${t.model} (batch ${t.batchSize}, ${recipe(t)}) did not reach ${(t.target * 100).toFixed(1)}% in ${t.epochs} epochs (last: ${(t.accuracy * 100).toFixed(2)}%)`);
    if (t.note) out.push(`(${t.note})`);
  }
  if (r.goals.some((g) => g.ratio !== null)) {
    h('Goals (ours / peer, same adapter, same run)');
    out.push(table(['goal', 'against', 'needed', 'measured', 'met'],
      r.goals.map((g) => [g.name, g.peer === 'tfjs' ? 'TF.js' : 'jax-js', `≥ ${g.goal}×`, times(g.ratio), g.met == null ? '–' : g.met ? 'yes' : 'no']), markdown, [false, false, true, true, false]));
  }
  const gpuGoals = (r.gpuGoals ?? []).filter((g) => g.met !== null);
  if (gpuGoals.length) {
    h('Real-GPU goals');
    out.push(table(['goal', 'needed', 'measured', 'met'],
      gpuGoals.map((g) => [g.name, g.kind === 'fraction' ? `≥ ${percent(g.goal)}` : `≤ ${g.goal} s`, g.kind === 'fraction' ? percent(g.measured) : g.measured === null ? 'not reached' : `${g.measured.toFixed(1)} s`, g.met ? 'yes' : 'no']),
      markdown, [false, true, true, false]));
  }
  if (r.autoPicks) {
    const a = r.autoPicks;
    h('Kernels chosen by measurement');
    out.push(`auto against the best forced variant, ${a.kernels} kernels timed with every variant: worst ${times(a.worstRatio)} (${a.worstKernel}); ` +
      `goal ≤ ${times(1 + AUTO_TOLERANCE)}: ${a.met ? 'met' : 'not met'}`);
  }
  if (r.notes.length) {
    h('Notes');
    out.push(...r.notes.map((n) => `- ${n}`));
  }
  out.push('', `${r.seconds.toFixed(0)} s in all, ${r.date}`);
  return out.join('\n');
}
