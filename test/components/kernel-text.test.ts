// The status line's words for the run's kernels: the summary counts the ops per candidate and the seconds
// spent choosing, the tooltip has one line per op with why it was chosen, its timings and its failures;
// both in Russian under the ru locale (decimal comma, translated reasons, candidate names kept).
import { kernelDetails, kernelSummary } from '../../src/components/kernel-text';
import { setLocale } from '../../src/components/i18n';
import type { KernelPick, KernelReport } from '../../src/engine/autotune';
import { assert, assertEqual } from '../util/assert';

const pick = (label: string, over: Partial<KernelPick>): KernelPick => ({ label, family: 'matmul', shape: 'M128 N10 K784 tA0 tB0 bias1', variant: 'register', source: 'measured', ...over });

const AUTO: KernelReport = {
  setting: 'auto',
  tuningMs: 412.6,
  picks: [
    pick('dense_1.forward', { ms: { register: 0.125, tiled: 1.875 } }),
    pick('dense_1.backward_weight', { variant: 'tiled', tile: '8x8x32', source: 'cached' }),
    pick('dense_2.forward', { source: 'sole candidate' }),
    pick('dense_2.backward_input', { source: 'only one built', failed: { tiled: 'scratch too large' } }),
  ],
};

describe('kernel text', () => {
  afterEach(() => setLocale('en'));

  it('summarises auto as ops per candidate, commonest first, with the seconds spent choosing or as remembered', () => {
    assertEqual(kernelSummary(AUTO), 'GEMM kernels: 3 register, 1 tiled:8x8x32, chosen in 0.41 s', 'auto');
    const cached = { ...AUTO, picks: AUTO.picks.map((p) => ({ ...p, source: 'cached' as const })) };
    assertEqual(kernelSummary({ ...cached, tuningMs: 0.2 }), 'GEMM kernels: 3 register, 1 tiled:8x8x32, as measured before on this GPU', 'all remembered');
    const leftOver = { ...cached, picks: [...cached.picks.slice(0, 2), AUTO.picks[2]] };
    assertEqual(kernelSummary(leftOver), 'GEMM kernels: 2 register, 1 tiled:8x8x32, as measured before on this GPU', 'remembered, or the sole candidate left by them');
    // The others failing to build is no earlier measurement: the summary says this build chose.
    const failedHere = { ...cached, picks: [...cached.picks.slice(0, 3), AUTO.picks[3]] };
    assertEqual(kernelSummary(failedHere), 'GEMM kernels: 3 register, 1 tiled:8x8x32, chosen in 0.41 s', 'the only one built');
    assertEqual(kernelSummary({ ...AUTO, setting: 'tiled', picks: AUTO.picks.map((p) => ({ ...p, variant: 'tiled', source: 'forced' })) }), 'GEMM kernels: tiled (forced)', 'forced');
  });

  it('lists each op with its kernel, why, the times measured and what failed to build', () => {
    const lines = kernelDetails(AUTO).split('\n');
    assertEqual(lines.length, 4, 'one line per op');
    assertEqual(lines[0], 'dense_1.forward (M128 N10 K784 tA0 tB0 bias1): register — measured here; register 0.125 ms, tiled 1.88 ms', 'measured');
    assertEqual(lines[1], 'dense_1.backward_weight (M128 N10 K784 tA0 tB0 bias1): tiled:8x8x32 — measured on an earlier run on this GPU', 'cached');
    assert(lines[2].endsWith(': register — the only candidate left: the others were far slower on an earlier op'), lines[2]);
    assert(lines[3].endsWith(': register — the only candidate that built here; failed to build, passed over: tiled'), lines[3]);
  });

  it('warns of candidates that gave wrong results, in the summary and on their op', async () => {
    const wrong = { ...AUTO, picks: [...AUTO.picks, pick('dense_3.forward', { source: 'others disagreed', wrong: { tiled: 'wrong results: …' } })] };
    assertEqual(kernelSummary(wrong), 'GEMM kernels: 4 register, 1 tiled:8x8x32, chosen in 0.41 s; wrong results from tiled on this GPU, not used', 'summary');
    assert(kernelDetails(wrong).endsWith("dense_3.forward (M128 N10 K784 tA0 tB0 bias1): register — the only candidate left: the others' results disagreed with it; wrong results, passed over: tiled"), kernelDetails(wrong));
    await setLocale('ru');
    assert(/; не используется \(неверные результаты на этом GPU\): tiled$/.test(kernelSummary(wrong)), kernelSummary(wrong));
  });

  it('speaks Russian under ru, keeping the candidate names', async () => {
    await setLocale('ru');
    assertEqual(kernelSummary(AUTO), 'ядра GEMM: 3 register, 1 tiled:8x8x32, выбраны за 0,41 с', 'auto in Russian');
    assertEqual(kernelSummary({ ...AUTO, picks: [{ ...AUTO.picks[0], source: 'cached' }] }), 'ядра GEMM: 1 register, как измерено ранее на этом GPU', 'remembered, in Russian');
    const first = kernelDetails(AUTO).split('\n')[0];
    assertEqual(first, 'dense_1.forward (M128 N10 K784 tA0 tB0 bias1): register — измерено здесь; register 0,125 мс, tiled 1,88 мс', 'details in Russian');
  });
});
