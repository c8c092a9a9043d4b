// The TS generator and the WGSL generator must agree bit for bit.
import randomWgsl from '../../src/shaders/random.wgsl';
import { createTensor, createUniform, packUniform, u32 } from '../../src/engine/buffers';
import { makeDispatch } from '../../src/engine/dispatch';
import { getKernel } from '../../src/engine/pipelines';
import { mix32, randU32, randUniform, shuffledIndices, deriveSeed } from '../../src/engine/random';
import { lowbias32Ref, randU32Ref, randUniformRef } from '../reference/random';
import { assert, assertBitEqual } from '../util/assert';
import { readF32, readU32, run, testDevice } from '../util/gpu';

const PROBE = /* wgsl */ `
struct P { seed: u32, stream: u32, n: u32 }
@group(0) @binding(0) var<storage, read_write> bits: array<u32>;
@group(0) @binding(1) var<storage, read_write> unif: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= p.n) { return; }
  // index spreads over the whole u32 range to exercise the high bits
  let index = gid.x * 2654435761u;
  bits[gid.x] = rand_u32(p.seed, p.stream, index);
  unif[gid.x] = rand_uniform(p.seed, p.stream, index);
}`;

describe('random (counter-based generator)', () => {
  it('the TS generator matches its BigInt reference, at the edges of u32 too', () => {
    const edges = [0, 1, 0x7fffffff, 0x80000000, 0x9e3779b9, 0xfffffffe, 0xffffffff];
    for (const x of [...edges, ...Array.from({ length: 200 }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0)]) {
      assert(mix32(x) === lowbias32Ref(x), `lowbias32(${x}): ${mix32(x)} vs ${lowbias32Ref(x)}`);
    }
    // A mixing bijection: distinct outputs for distinct inputs, none left as it was.
    assert(new Set([0, 1, 2, 3].map(lowbias32Ref)).size === 4 && lowbias32Ref(1) !== 1, 'a hash, not the identity');
    for (const seed of edges) {
      for (const stream of [0, 5, 0xffffffff]) {
        for (const index of [0, 1, 12345, 0xffffffff]) {
          assert(randU32(seed, stream, index) === randU32Ref(seed, stream, index), `randU32(${seed}, ${stream}, ${index})`);
          assert(randUniform(seed, stream, index) === randUniformRef(seed, stream, index), `randUniform(${seed}, ${stream}, ${index})`);
        }
      }
    }
  });

  for (const [seed, stream] of [[0, 0], [42, 7], [0xffffffff, 0x80000001], [deriveSeed(1, 'dropout', 2), 123456]]) {
    it(`WGSL and TS agree bit for bit (seed ${seed}, stream ${stream})`, async () => {
      const device = await testDevice();
      const n = 1000;
      const kernel = await getKernel(device, {
        label: 'random.probe', code: randomWgsl + PROBE, entryPoint: 'main', workgroupSize: [64],
        bindings: ['storage', 'storage', 'uniform'],
      });
      const bits = createTensor(device, 'bits', [n]);
      const unif = createTensor(device, 'unif', [n]);
      const params = createUniform(device, 'p', packUniform([u32(seed), u32(stream), u32(n)]));
      await run(device, [makeDispatch(device, kernel, 'random.probe', [bits.buffer, unif.buffer, params], [Math.ceil(n / 64)])]);
      const gpuBits = await readU32(device, bits);
      const gpuUnif = await readF32(device, unif);
      const idx = (i: number) => Math.imul(i, 2654435761) >>> 0;
      assertBitEqual(gpuBits, Uint32Array.from({ length: n }, (_, i) => randU32(seed, stream, idx(i))), 'rand_u32');
      assertBitEqual(gpuUnif, Float32Array.from({ length: n }, (_, i) => randUniform(seed, stream, idx(i))), 'rand_uniform');
    });
  }

  it('is uniform: mean, variance and bucket counts within statistical bounds', () => {
    const n = 200000;
    const buckets = new Array(16).fill(0);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = randUniform(7, 3, i);
      assert(u >= 0 && u < 1, `value ${u} outside [0, 1)`);
      sum += u;
      sq += u * u;
      buckets[Math.floor(u * 16)]++;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // 6 standard errors: the test fails for a biased generator, not by chance.
    assert(Math.abs(mean - 0.5) < 6 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
    assert(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
    const expected = n / 16;
    const chi2 = buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert(chi2 < 45, `chi-square over 16 buckets = ${chi2} (15 dof; 45 is p≈1e-4)`);
  });

  it('different streams and seeds are decorrelated', () => {
    let agree = 0;
    for (let i = 0; i < 10000; i++) if ((randU32(1, 0, i) & 1) === (randU32(1, 1, i) & 1)) agree++;
    assert(Math.abs(agree - 5000) < 300, `low bits of neighbouring streams agree ${agree}/10000 times`);
    assert(deriveSeed(1, 'dropout', 0) !== deriveSeed(1, 'dropout', 1), 'derived seeds differ by index');
  });

  it('shuffles into a permutation that depends on seed and epoch', () => {
    const a = shuffledIndices(1000, 5, 0);
    const b = shuffledIndices(1000, 5, 1);
    assert(new Set(a).size === 1000 && Math.max(...a) === 999, 'a permutation of 0..999');
    assertBitEqual(shuffledIndices(1000, 5, 0), a, 'same seed and epoch → same order');
    assert(a.some((v, i) => v !== b[i]), 'another epoch gives another order');
  });
});
