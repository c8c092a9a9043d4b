// The contest the autotuner (autotune.ts) holds among a site's built candidates: one run each (its warm-up,
// and with the op's buffers known the agreement check's run, kernel-agreement.ts), then alternating timed
// rounds among those not clearly slower, the lowest median winning.
import { median, type PassSurroundings, type TimingMethod } from './gpu-timer';
import type { KernelCandidate } from './kernel-variant';
import { disagreeing, fillInputs, outputProbe, type SiteIo } from './kernel-agreement';
import type { GpuOp } from './op';

/** Timed runs per contender after the first (warm-up) run; their median decides. */
const TIMED_RUNS = 3;

/** A candidate slower than the best by this factor on its first run is not timed further. */
const CLEAR_LOSS = 1.5;

/** ms of one run of `op`'s dispatches, and how it was measured; `around` encoded around that run. */
export type TimeOnce = (op: GpuOp, label: string, around?: PassSurroundings) => Promise<{ ms: number; method: TimingMethod }>;

export interface Race<T> {
  winner: { id: KernelCandidate; op: T };
  ms: Record<KernelCandidate, number>;
  method: TimingMethod;
  /** False when contenders were left untimed for want of budget (the default then wins). */
  decided: boolean;
  /** Candidates the agreement check rejected, with why (not timed further, not in `ms`). */
  wrong: Record<KernelCandidate, string>;
  /** The agreement check left only the winner. */
  alone: boolean;
}

/** The first run of each candidate as the agreement check's (kernel-agreement.ts); then the candidates it rejects. */
export interface FirstRuns<T extends GpuOp> {
  run(b: { id: KernelCandidate; op: T }): ReturnType<TimeOnce>;
  rejected(): Map<KernelCandidate, string>;
}

/** A site's agreement check: inputs filled once; each first run timed as usual, its outputs cleared before and kept after. */
export function agreementCheck<T extends GpuOp>(device: GPUDevice, io: SiteIo, label: string, timeOnce: TimeOnce): FirstRuns<T> {
  fillInputs(device, io);
  const outputs: { id: KernelCandidate; out: Float32Array }[] = [];
  return {
    async run(b) {
      const probe = outputProbe(device, io, `${label}.autotune.${b.id}`);
      try {
        const t = await timeOnce(b.op, `${label}.autotune.${b.id}`, probe);
        outputs.push({ id: b.id, out: await probe.read() });
        return t;
      } finally {
        probe.destroy();
      }
    },
    rejected: () => disagreeing(outputs),
  };
}

/**
 * One run each first, which also warms them up: a candidate CLEAR_LOSS times slower than the best is
 * out (its time is that run's), except the adapter's default (the first), which another candidate must
 * beat in timed rounds, not on a first run that may hold first-use costs or a hiccup of the machine; the
 * rest take turns for TIMED_RUNS more rounds, so a machine whose speed drifts hits all of them alike, and
 * the lowest median of those wins (ties: the adapter's default). Rounds stop once `outOfTime` (the tuning
 * budget); with none timed, the default stays. With `first`, the first runs are the agreement check's, and the
 * candidates it rejects take no further part (the first one left then counts as the default).
 */
export async function race<T extends GpuOp>(built: { id: KernelCandidate; op: T }[], timeOnce: (op: T, id: KernelCandidate) => ReturnType<TimeOnce>,
  outOfTime: () => boolean = () => false, first?: FirstRuns<T>): Promise<Race<T>> {
  let method: TimingMethod = 'wall';
  const samples = new Map<KernelCandidate, number[]>();
  const time = async (b: { id: KernelCandidate; op: T }, once: () => ReturnType<TimeOnce> = () => timeOnce(b.op, b.id)) => {
    const t = await once();
    method = t.method;
    samples.set(b.id, [...(samples.get(b.id) ?? []), t.ms]);
  };
  for (const b of built) await time(b, first ? () => first.run(b) : undefined);
  const rejected = first?.rejected() ?? new Map<KernelCandidate, string>();
  const left = built.filter((b) => !rejected.has(b.id));
  const best = Math.min(...left.map((b) => samples.get(b.id)![0]));
  const contenders = left.filter((b, i) => samples.get(b.id)![0] <= best * CLEAR_LOSS || (i === 0 && samples.get(b.id)![0] > best));
  let rounds = 0;
  if (contenders.length > 1) for (; rounds < TIMED_RUNS && !outOfTime(); rounds++) for (const b of contenders) await time(b);
  const ms: Record<KernelCandidate, number> = {};
  for (const b of left) {
    const s = samples.get(b.id)!;
    ms[b.id] = s.length > 1 ? median(s.slice(1)) : s[0];
  }
  // No timed round (one contender, or the budget spent): the default stays, as first runs alone cannot beat it.
  const winner = rounds > 0 ? contenders.reduce((a, b) => (ms[b.id] < ms[a.id] ? b : a)) : left[0];
  return { winner, ms, method, decided: rounds > 0 || contenders.length === 1, wrong: Object.fromEntries(rejected), alone: left.length === 1 };
}
