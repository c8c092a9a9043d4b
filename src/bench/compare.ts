// Ours against the peers (peers.ts) in one run on one adapter: the contenders take turns round by round,
// each timed over the same steps or repetitions after the same warm-up, so a machine whose speed drifts
// slows all alike; each round's figures give the spread, and ours / theirs within a round the ratio's.
import { median } from '../engine/gpu-timer';
import type { Peer } from './peers';
import { compareThroughput, type Stepper, type Throughput } from './training';
import type { PeerId, Range, Spreads, StepBudget } from './types';

export const ratio = (ours: number, theirs: number | null | undefined): number | null => (theirs && theirs > 0 ? ours / theirs : null);

export function rangeOf(values: readonly number[]): Range | null {
  return values.length ? [Math.min(...values), Math.max(...values)] : null;
}

/** Spreads of per-round figures (higher is faster); a peer's ratio range pairs the rounds one by one. */
export function spreadsOf(ours: readonly number[], peers: Partial<Record<PeerId, readonly number[]>>): Spreads {
  const ratios = (theirs: readonly number[] | undefined) =>
    theirs && theirs.length === ours.length ? rangeOf(ours.map((o, i) => o / theirs[i])) : null;
  return {
    ours: rangeOf(ours) ?? [Number.NaN, Number.NaN],
    tfjs: rangeOf(peers.tfjs ?? []), jaxjs: rangeOf(peers.jaxjs ?? []),
    ratio: ratios(peers.tfjs), jaxjsRatio: ratios(peers.jaxjs),
  };
}

/** A peer's failure, told apart from ours. */
class PeerFailure extends Error {
  constructor(readonly peer: Peer, cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

function tagged(peer: Peer, s: Stepper): Stepper {
  const wrap = <T>(f: () => Promise<T>) => async () => {
    try {
      return await f();
    } catch (e) {
      throw new PeerFailure(peer, e);
    }
  };
  return { batch: s.batch, step: wrap(() => s.step()), idle: wrap(() => s.idle()) };
}

/**
 * Images/s of ours and of each peer at this model and batch, alternating by rounds. A peer that fails
 * (to build its model or during a step) is left out with a note and the rest measured again.
 */
export async function compareTraining(ours: Stepper, peers: readonly Peer[], model: 'mlp' | 'cnn', budget: StepBudget, rounds: number, notes: string[]):
Promise<{ ours: Throughput; theirs: Map<PeerId, Throughput> }> {
  const live: { peer: Peer; stepper: Stepper & { dispose(): void } }[] = [];
  for (const peer of peers) {
    try {
      live.push({ peer, stepper: peer.stepper(model, ours.batch) });
    } catch (e) {
      notes.push(`${peer.name} training ${model} batch ${ours.batch}: ${(e as Error).message}`);
    }
  }
  try {
    for (;;) {
      try {
        const [mine, ...rest] = await compareThroughput([ours, ...live.map((l) => tagged(l.peer, l.stepper))], budget, rounds);
        return { ours: mine, theirs: new Map(rest.map((t, i) => [live[i].peer.id, t])) };
      } catch (e) {
        if (!(e instanceof PeerFailure)) throw e;
        notes.push(`${e.peer.name} training ${model} batch ${ours.batch}: ${e.message}`);
        const i = live.findIndex((l) => l.peer === e.peer);
        live[i].stepper.dispose();
        live.splice(i, 1);
      }
    }
  } finally {
    for (const l of live) l.stepper.dispose();
  }
}

/**
 * Each peer's n×n×n matmul times, round by round after `timeOurs` (which times ours and returns its
 * samples): a peer that fails is left out from then on, with a note. Returns each contender's samples per round.
 */
export async function compareMatmul(n: number, peers: readonly Peer[], rounds: number, budget: StepBudget, timeOurs: () => Promise<number[]>, notes: string[]):
Promise<{ ours: number[][]; theirs: Map<PeerId, number[][]> }> {
  const ours: number[][] = [];
  const theirs = new Map<PeerId, number[][]>(peers.map((p) => [p.id, []]));
  for (let r = 0; r < Math.max(1, rounds); r++) {
    ours.push(await timeOurs());
    for (const peer of peers) {
      if (!theirs.has(peer.id)) continue;
      try {
        theirs.get(peer.id)!.push((await peer.matmul(n, budget)).samples);
      } catch (e) {
        notes.push(`${peer.name} matmul ${n}: ${(e as Error).message}`);
        theirs.delete(peer.id);
      }
    }
  }
  return { ours, theirs };
}

/** GFLOP/s from the median of all samples, and of each round's median. */
export function gflopsOf(flops: number, rounds: number[][]): { gflops: number; perRound: number[] } {
  return { gflops: flops / median(rounds.flat()) / 1e6, perRound: rounds.map((s) => flops / median(s) / 1e6) };
}
