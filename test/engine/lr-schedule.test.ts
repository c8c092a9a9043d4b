// Learning-rate schedules: the cosine shape, its ends, and bad arguments.
import { checkLrSchedule, lrScale } from '../../src/engine/lr-schedule';
import { assert, assertClose, assertEqual, assertRejects } from '../util/assert';

describe('learning-rate schedule', () => {
  it('constant keeps the base rate', () => {
    for (const t of [1, 7, 100, 1000]) assertEqual(lrScale('constant', t, 100), 1, `step ${t}`);
  });

  it('cosine starts at the base rate, halves mid-way, falls monotonically to ~0 and stays there', () => {
    const T = 10;
    const s = Array.from({ length: T }, (_, k) => lrScale('cosine', k + 1, T));
    // ½(1 + cos(π·k/10)) for k = 0…9, computed by hand: 1, 0.97553, 0.90451, 0.79389, 0.65451, 0.5, …
    assertClose(s, [1, 0.975528, 0.904508, 0.793893, 0.654508, 0.5, 0.345492, 0.206107, 0.095492, 0.024472], { atol: 1e-6, rtol: 0 }, 'cosine over 10 steps');
    for (let k = 1; k < T; k++) assert(s[k] < s[k - 1], `decreasing at step ${k + 1}`);
    assertEqual(lrScale('cosine', T + 5, T), s[T - 1], 'past the end: the last step’s rate');
  });

  it('rejects unknown schedules and bad steps', async () => {
    await assertRejects(() => checkLrSchedule('linear'), /schedule must be one of constant, cosine, got 'linear'/, 'name');
    await assertRejects(() => lrScale('cosine', 0, 10), /step must be a positive integer, got 0/, 'step 0');
    await assertRejects(() => lrScale('cosine', 1, 0), /totalSteps must be a positive integer, got 0/, 'total 0');
  });
});
