// GPU timestamps to pass durations (gpu-timer.ts passDurations): which are trusted, and quantized ones
// (Dawn rounds them down to 2^16 ns unless told otherwise) summed up so that passes shorter than the
// quantum are not read as free. The numbers are the kind the H200 run of 4 Dec 2026 produced.
import { median, passDurations, quantizedReps } from '../../src/engine/gpu-timer';
import { assert, assertClose, assertEqual } from '../util/assert';

const Q = 65536n;
/** begin/end pairs in ns from [begin, duration] pairs. */
const ticks = (...passes: [bigint, bigint][]) => BigUint64Array.from(passes.flatMap(([b, d]) => [b, b + d]));

describe('GPU timestamps to pass durations', () => {
  it('keeps full-resolution timestamps as they are, median summed up', () => {
    const r = passDurations(ticks([1_000_000_007n, 250_123n], [1_000_400_011n, 249_877n], [1_000_800_003n, 260_001n]), 5);
    assert(r !== null, 'trusted');
    assertEqual(r!.quantized, false, 'not quantized');
    assertClose(r!.samples, [0.250123, 0.249877, 0.260001], { atol: 1e-12, rtol: 0 }, 'ms');
  });

  it('refuses zero timestamps, wrap-arounds, more GPU time than wall time, and a zero-length pass at full resolution', () => {
    assertEqual(passDurations(ticks([0n, 0n], [0n, 0n]), 1), null, 'a driver writing zeros');
    assertEqual(passDurations(BigUint64Array.from([5_000_000_003n, 4_000_000_001n]), 1), null, 'end before begin');
    assertEqual(passDurations(ticks([1_000_000_007n, 9_000_000n]), 2), null, '9 ms of GPU time in 2 ms of wall time');
    assertEqual(passDurations(ticks([1_000_000_007n, 0n], [1_000_400_011n, 250_000n]), 5), null, 'a pass of 0 ns, unquantized');
    assertEqual(passDurations(new BigUint64Array(0), 1), null, 'no passes');
  });

  it('reads quantized timestamps, zeros included', () => {
    const r = passDurations(ticks([1000n * Q, 0n], [1003n * Q, Q], [1007n * Q, 0n]), 5);
    assert(r !== null, 'a pass shorter than the quantum reads 0 and is kept');
    assertEqual(r!.quantized, true, 'quantized');
    assertClose(r!.samples, [0, 0.065536, 0], { atol: 1e-12, rtol: 0 }, 'ms');
    const zeros = passDurations(ticks([1000n * Q, 0n], [1003n * Q, 0n]), 5);
    assert(zeros !== null && zeros.quantized && zeros.samples.every((v) => v === 0), 'all at 0: kept, for more repetitions to decide (timeDispatches)');
  });

  it('asks quantized timings short of a millisecond in all for enough repetitions, and no others', () => {
    assertEqual(quantizedReps({ samples: [0.065536], quantized: true }), 16, 'one quantum: 16 runs of it make a millisecond');
    assertEqual(quantizedReps({ samples: [0], quantized: true }), 256, 'one run at 0: the most');
    assertEqual(quantizedReps({ samples: [0.065536, 0, 0, 0.065536], quantized: true }), 31, 'the mean of four');
    assertEqual(quantizedReps({ samples: Array(256).fill(0), quantized: true }), 0, 'the most already taken');
    assertEqual(quantizedReps({ samples: [0.5, 0.6], quantized: true }), 0, 'a millisecond already');
    assertEqual(quantizedReps({ samples: [0.01], quantized: false }), 0, 'full resolution');
  });

  it('makes the mean of quantized passes the true duration, where the median is not', () => {
    // A 30 µs pass, started at phases spread over the 65.5 µs quantum, timestamps rounded down as Dawn does.
    const trueNs = 30_000n;
    const passes: [bigint, bigint][] = [];
    for (let i = 0n; i < 64n; i++) {
      const begin = (80_000n + 16n * i) * Q + (i * Q) / 64n;
      const end = begin + trueNs;
      passes.push([(begin / Q) * Q, (end / Q) * Q - (begin / Q) * Q]);
    }
    const r = passDurations(ticks(...passes), 100)!;
    assertEqual(r.quantized, true, 'quantized');
    const mean = r.samples.reduce((a, b) => a + b, 0) / r.samples.length;
    assertClose([mean], [0.03], { atol: 0.0011, rtol: 0 }, 'mean within one phase step of 30 µs');
    assertEqual(median(r.samples), 0, 'the median reads the pass as free');
  });
});
