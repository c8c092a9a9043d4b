// Kernels chosen by measurement must also be right. The tests check every candidate against float64
// references, but on SwiftShader, which runs a workgroup's invocations in an order that can hide a missing
// barrier or a race a real GPU exposes, and on no driver of the users' own. So before the autotuner times
// a site's candidates, each runs once on the same inputs and their outputs are compared: a candidate that
// disagrees is not taken, whatever its speed (this run is the autotuner's first timed run of each candidate,
// its warm-up, with the outputs cleared before and copied out after: the check costs a readback, not a run). With no reference at hand the majority decides: the candidate
// the most others agree with is trusted (ties: the adapter's default, listed first), and those differing
// from it are rejected.
//
// Inputs: the site's input bindings filled with uniform values in [0.5, 1.5) (a 1 MiB pattern repeated):
// positive terms, so a sum has no cancellation and two summation orders agree to ~√K·2⁻²⁴ relative, while a
// lost or repeated block of terms, a stale tile or a wrong index moves it by far more. Outputs: cleared
// before each run; compared on up to SAMPLE floats at the head and at the tail of each (a batch of 4096
// makes outputs of hundreds of MB; the edges of both ends hold the partial tiles). This runs while the graph
// is built, before any weight is initialised or any value computed, so overwriting the buffers is harmless.
import { writeArray } from './buffers';
import type { PassSurroundings } from './gpu-timer';
import { asBinding, bindingBytes, type BufferLike } from './pipelines';
import { randUniform } from './random';

/** The buffers a GEMM-shaped op reads and writes: what the agreement check fills and compares. */
export interface SiteIo {
  inputs: readonly BufferLike[];
  outputs: readonly BufferLike[];
}

/** Floats compared at each end of an output. */
const SAMPLE = 1 << 18;

/** Per element: |a − b| ≤ REL·|b| + ABS·max|b| (fp32 sums of up to ~10⁵ positive terms in other orders stay well inside). */
const REL = 2e-4;
const ABS = 1e-5;

/** One 1 MiB pattern of inputs, reused for every fill. */
let pattern: Float32Array | undefined;
function inputPattern(): Float32Array {
  pattern ??= Float32Array.from({ length: SAMPLE }, (_, i) => 0.5 + randUniform(0x6b65726e, 0, i));
  return pattern;
}

/** Fills the site's inputs with the pattern (before the candidates' first runs, which read them). */
export function fillInputs(device: GPUDevice, io: SiteIo): void {
  const p = inputPattern();
  for (const input of io.inputs) {
    const { buffer, offset = 0 } = asBinding(input);
    const bytes = bindingBytes(input);
    for (let at = 0; at < bytes; at += p.byteLength) {
      const n = Math.min(p.byteLength, bytes - at);
      writeArray(device, buffer, new Uint8Array(p.buffer, 0, n - (n % 4)), offset + at);
    }
  }
}

/** The [start, length] byte ranges compared of an output: all of it, or SAMPLE floats at each end. */
function sampled(output: BufferLike): [number, number][] {
  const bytes = bindingBytes(output) - (bindingBytes(output) % 4);
  const each = SAMPLE * 4;
  return bytes <= 2 * each ? [[0, bytes]] : [[0, each], [bytes - each, each]];
}

/** What the agreement check encodes around a candidate's first run (outputs cleared before, sampled after), and the read. */
export interface OutputProbe extends PassSurroundings {
  /** The sampled outputs of the run it surrounded. */
  read(): Promise<Float32Array>;
  destroy(): void;
}

export function outputProbe(device: GPUDevice, io: SiteIo, label: string): OutputProbe {
  const ranges = io.outputs.flatMap((o) => sampled(o).map(([start, length]) => ({ ...asBinding(o), start, length })));
  const total = ranges.reduce((a, r) => a + r.length, 0);
  const staging = device.createBuffer({ label: `${label}.agreement`, size: Math.max(4, total), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  return {
    before(enc) {
      for (const o of io.outputs) {
        const b = asBinding(o);
        enc.clearBuffer(b.buffer, b.offset ?? 0, bindingBytes(o) - (bindingBytes(o) % 4));
      }
    },
    after(enc) {
      let at = 0;
      for (const r of ranges) {
        enc.copyBufferToBuffer(r.buffer, (r.offset ?? 0) + r.start, staging, at, r.length);
        at += r.length;
      }
    },
    async read() {
      await staging.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return out;
    },
    destroy: () => staging.destroy(),
  };
}

/** How far `a` is from `b`: the worst |a − b| / (REL·|b| + ABS·max|b|) (> 1: they disagree; NaN where only one is). */
export function disagreement(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (const v of b) if (Math.abs(v) > max) max = Math.abs(v);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Number.POSITIVE_INFINITY;
    const r = Math.abs(a[i] - b[i]) / (REL * Math.abs(b[i]) + ABS * max || Number.MIN_VALUE);
    if (r > worst) worst = r;
  }
  return worst;
}

/**
 * The candidates to reject, each with why, from their outputs on the same inputs (in the order built, the
 * adapter's default first): those that disagree with the trusted one, the one the most others agree with.
 */
export function disagreeing(outputs: readonly { id: string; out: Float32Array }[]): Map<string, string> {
  const wrong = new Map<string, string>();
  // Each pair compared once (outputs of up to 2 × 2^18 floats each).
  const agrees = outputs.map((a, i) => outputs.map((b, j) => i === j || (disagreement(a.out, b.out) <= 1 && disagreement(b.out, a.out) <= 1)));
  const votes = agrees.map((row) => row.filter(Boolean).length - 1);
  const trusted = votes.indexOf(Math.max(...votes));
  outputs.forEach((o, i) => {
    if (agrees[i][trusted]) return;
    const d = disagreement(o.out, outputs[trusted].out);
    wrong.set(o.id, `wrong results: differs from ${outputs[trusted].id} by ${Number.isFinite(d) ? `${d.toPrecision(3)}× the tolerance` : 'a NaN'} on the same inputs`);
  });
  return wrong;
}
