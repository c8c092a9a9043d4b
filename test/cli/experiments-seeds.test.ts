// Runs over seeds: mean and standard deviation, the "within noise" rule, the spec hash that identifies a
// stored run, reuse, results.json files written before seeds, the duration estimate, and the lab report.
import { buildPlan } from '../../src/cli/experiments/plan';
import { hash53 } from '../../src/engine/hash';
import { aggregateRun, mean, noise, pctSpread, reusable, sd, specHash, spread } from '../../src/cli/experiments/seeds';
import { resultsFromJson, resultsJson, reuseStore } from '../../src/cli/experiments/results-file';
import { buildReport, type ReportMeta } from '../../src/cli/experiments/report';
import { estimateSeconds, formatDuration, measuredSpeeds, SETUP_SECONDS } from '../../src/cli/experiments/estimate';
import { buildLab5, LAB5_ANCHORS } from '../../src/cli/experiments/lab5';
import { convOutput } from '../../src/cli/experiments/lab5-questions';
import { classNamesIn, n, plural, type LabContext } from '../../src/cli/experiments/lab5-util';
import { CLASS_NAMES_RU } from '../../src/cli/run-words';
import { runLabel } from '../../src/cli/experiments/chart-words';
import type { RunResult } from '../../src/cli/experiments/seeds';
import { FASHION_MNIST_CLASSES } from '../../src/data/sources';
import { assert, assertEqual } from '../util/assert';
import { find, overfitResult, result, seedRun } from './experiments-fixtures';

const full = buildPlan({ quick: false, fashion: true });
const meta: ReportMeta = {
  command: 'npm run experiments', adapter: 'Test Adapter', date: '2026-01-02 03:04 UTC', seconds: 90,
  quick: false, conceptsHref: 'concepts.md', imageDir: 'experiments',
};

describe('experiments: seeds and noise', () => {
  it('takes mean and sample standard deviation; one seed has sd 0 and prints without ±', () => {
    assertEqual(mean([1, 2, 3]), 2, 'mean');
    assertEqual(sd([1, 2, 3]), 1, 'sample sd');
    assertEqual(sd([5]), 0, 'one value');
    assertEqual(pctSpread({ mean: 0.97123, sd: 0.0015, n: 3 }), '97.12 ± 0.15%', '±');
    assertEqual(pctSpread({ mean: 0.97123, sd: 0, n: 1 }), '97.12%', 'one seed');
  });

  it('averages the seeds that did not diverge, curves of unequal length included, and notes the diverged ones', () => {
    const spec = find(full, 'activations').runs[0];
    const r = aggregateRun(spec, 1, [
      seedRun(1, { loss: [1, 0.5, 0.3], test_loss: [0.4, 0.3, 0.2], test_accuracy: [0.8, 0.9, 0.92] }),
      seedRun(2, { loss: [1, 0.7], test_loss: [0.6, 0.5], test_accuracy: [0.7, 0.88] }),
      seedRun(3, { loss: [NaN], test_loss: [NaN], test_accuracy: [0.1] }, { diverged: 'The loss became NaN.', test: undefined, train: undefined }),
    ]);
    assertEqual(r.history.loss.join(), '1,0.6,0.3', 'mean curve; the third epoch from the one seed that had it');
    assert(Math.abs(r.test!.accuracy - 0.9) < 1e-12, `mean test accuracy ${r.test!.accuracy}`);
    assertEqual(r.diverged, '1 of 3 seeds: The loss became NaN.', 'diverged note');
    assertEqual(spread(r, (s) => s.test?.accuracy).n, 2, 'spread over completed seeds');
  });

  it('calls a difference within noise when |Δ| < 2·√(sd₁² + sd₂²), and cannot tell with one seed', () => {
    assertEqual(noise({ mean: 0.9, sd: 0.01, n: 3 }, { mean: 0.91, sd: 0.01, n: 3 }).verdict, 'within noise', '1 point against 2.8');
    assertEqual(noise({ mean: 0.9, sd: 0.001, n: 3 }, { mean: 0.91, sd: 0.001, n: 3 }).verdict, 'beyond noise', '1 point against 0.28');
    assertEqual(noise({ mean: 0.9, sd: 0, n: 1 }, { mean: 0.91, sd: 0, n: 3 }).verdict, 'unknown', 'one seed');
  });
});

describe('experiments: spec hash and reuse', () => {
  const spec = find(full, 'overfitting').runs[3];
  it('hashes what the trainer receives: not the label or id, but the seed, the data set and every setting', () => {
    assertEqual(hash53('abc'), hash53('abc'), 'deterministic');
    assert(hash53('abc') !== hash53('abd') && /^[0-9a-f]{14}$/.test(hash53('abc')), 'hex, sensitive');
    const h = specHash(spec, 1, 'mnist');
    assertEqual(specHash({ ...spec, id: 'x', label: 'y', model: { ...spec.model, layers: spec.model.layers } }, 1, 'mnist'), h, 'labels play no part');
    assertEqual(specHash({ ...spec, settings: { augmentZoom: 0.1, augmentRotation: 10, augmentShift: 2 } }, 1, 'mnist'), h, 'key order plays no part');
    assertEqual(specHash({ ...spec, settings: { ...spec.settings, dropout: null } }, 1, 'mnist'), h, 'a default value plays no part');
    for (const [what, other] of [['seed', specHash(spec, 2, 'mnist')], ['data set', specHash(spec, 1, 'fashion')], ['epochs', specHash({ ...spec, epochs: 39 }, 1, 'mnist')],
      ['the final test set', specHash({ ...spec, finalTestLimit: 10000 }, 1, 'mnist')],
      ['a setting', specHash({ ...spec, settings: { ...spec.settings, augmentZoom: 0.2 } }, 1, 'mnist')], ['the model', specHash({ ...spec, model: find(full, 'overfitting').runs[1].model }, 1, 'mnist')]] as const) {
      assert(other !== h, `${what} changes the hash`);
    }
  });

  it('reuses a stored seed with the same spec, marked with when it was measured', () => {
    const x = overfitResult(full);
    const saved = resultsFromJson(JSON.parse(JSON.stringify(resultsJson({ ...meta, commit: 'c0ffee' }, [x]))));
    const store = reuseStore(saved.results);
    const plain = x.runs[0].spec;
    const hit = reusable(store, plain, 1, 'mnist');
    assert(hit?.run.reused === true && hit.run.measured?.date === meta.date && hit.run.measured.commit === 'c0ffee', JSON.stringify(hit?.run.measured));
    assertEqual(hit.run.history.test_loss.join(), '0.5,0.4,0.45,0.6', 'its History');
    assertEqual(reusable(store, plain, 2, 'mnist'), undefined, 'another seed is trained');
    assertEqual(reusable(store, plain, 1, 'fashion'), undefined, 'another data set is trained');
    // A headline experiment keeps its mistakes: a stored evaluation made before they were kept is trained again.
    assert(hit.run.test !== undefined && hit.run.test.mistakes === undefined, 'the fixture: an evaluation without mistakes');
    assertEqual(reusable(store, plain, 1, 'mnist', true), undefined, 'no mistakes kept: trained again where they are wanted');
    const withMistakes = structuredClone(x);
    withMistakes.runs[0].seeds[0].test!.mistakes = { count: 0, rows: 28, cols: 28, surest: [] };
    assert(reusable(reuseStore(resultsFromJson(JSON.parse(JSON.stringify(resultsJson(meta, [withMistakes])))).results), plain, 1, 'mnist', true)?.run.test?.mistakes?.count === 0, 'kept: reused, read back');
    assert(saved.results[0].runs.every((r) => r.seeds.every((s) => !s.reused)), 'measured by the command that wrote the file: not reused');
    // A file whose command reused a seed measured earlier: read back (--from-results), the seed is reused again.
    const again = resultsFromJson(JSON.parse(JSON.stringify(resultsJson({ ...meta, date: '2026-12-01 10:00 UTC' }, saved.results))));
    assert(again.results[0].runs.every((r) => r.seeds.every((s) => s.reused === true && s.measured?.date === meta.date)), 'reused, with its date');
  });

  it('reads a results.json written before seeds as runs of one seed, reusable and marked when stale', () => {
    const e = find(full, 'architectures');
    const legacySpec = { ...e.runs[0], seeds: undefined, seed: 2, testLimit: 1000 };
    const h = { loss: [0.5], accuracy: [0.9], val_loss: [0.4], val_accuracy: [0.85], test_loss: [0.4], test_accuracy: [0.85], epoch_seconds: [1] };
    const legacy = {
      ...meta, date: '2026-11-27 22:49 UTC', experiments: [{ id: 'architectures', dataset: 'MNIST', classNames: [...'0123456789'], runs: [{
        spec: legacySpec, parameters: 101770, history: h, trainSeconds: 2, seconds: 3, imagesPerSec: 2000,
        train: { loss: 0.3, accuracy: 0.9 }, test: { loss: 0.4, accuracy: 0.85, recall: [], precision: [], f1: [] }, gap: {},
      }] }],
    };
    const back = resultsFromJson(JSON.parse(JSON.stringify(legacy)));
    const r = back.results[0].runs[0];
    assertEqual(r.spec.seeds.join(), '2', 'one seed');
    assertEqual('seed' in r.spec, false, 'no old seed field');
    assertEqual(r.seeds[0].measured?.date, '2026-11-27 22:49 UTC', 'measured when the file says');
    assertEqual(r.history.learning_rate.length, 0, 'an absent series is empty');
    assert(back.results[0].stale === true, 'stale: the plan has other runs now');
    assert(buildReport(back.meta, back.results).includes('measured under an earlier plan'), 'the report says so');
    const { seed: _seed, ...spec } = legacySpec;
    assert(reusable(reuseStore(back.results), { ...spec, seeds: [2] }, 2, 'mnist') !== undefined, 'reusable by its hash');
  });
});

describe('experiments: duration estimate', () => {
  it('applies each model’s measured speeds to every run and seed of the plan', () => {
    const e = find(full, 'activations');
    // 1,000 training images/s; evaluation: 5 epochs × 2,000, the final 10,000 and the 4,000 training images in 24 s → 1,000 images/s.
    const runs = e.runs.map((s) => result(s, [{ loss: [1, 1, 1, 1, 1] }], { imagesPerSec: 1000, trainSeconds: 20, seconds: 20 + 24 + SETUP_SECONDS }));
    // Reused seeds count (their times are those of the trainings that measured them), a diverged one does not.
    for (const seed of runs[0].seeds) seed.reused = true;
    runs[1].seeds.push({ ...runs[1].seeds[0], diverged: 'loss NaN', imagesPerSec: 1 });
    const speeds = measuredSpeeds(runs);
    assertEqual(speeds.size, 5, 'one per model');
    assert([...speeds.values()].every((v) => Math.abs(v.train - 1000) < 1e-9 && Math.abs(v.eval - 1000) < 1e-9), JSON.stringify([...speeds.values()]));
    const seconds = estimateSeconds([e], speeds);
    assert(Math.abs(seconds - 5 * 3 * (SETUP_SECONDS + 20 + 24)) < 1e-6, `estimate ${seconds}`);
    assert(Number.isFinite(estimateSeconds(full, speeds)), 'unmeasured models take the nearest measured one');
    assertEqual(formatDuration(3 * 3600 + 20 * 60), '3 h 20 min', 'hours');
    assertEqual(formatDuration(45 * 60), '45 min', 'minutes');
  });
});

describe('experiments: the lab report', () => {
  it('has every step, control question and the Keras code, in Russian and English, from the same numbers', () => {
    const x = overfitResult(full);
    for (const lang of ['ru', 'en'] as const) {
      const md = buildLab5(meta, [x], lang);
      for (const a of LAB5_ANCHORS) assert(md.includes(`<a id="${a}"></a>`), `${lang}: #${a}`);
      assert(md.includes('keras.Sequential') && md.includes('layers.Dropout(0.5)'), `${lang}: Keras code`);
      assert(md.includes('⌊(n + 2p − k) / s⌋ + 1') && md.includes('28×28×1 → 26×26×32 → 13×13×32 → 11×11×64 → 5×5×64 → 1600 → 10'), `${lang}: conv output size`);
    }
    const ru = buildLab5(meta, [x], 'ru');
    for (const s of ['Лабораторная работа №5', 'Контрольные вопросы', 'разрыв 12,0 п. п.', '88,00\u00a0%', 'Разрыв сократился как минимум вдвое с регуляризаторами: dropout.',
      '269\u00a0322 параметра', 'без регуляризации', '[справочник понятий](concepts.ru.md)']) {
      assert(ru.includes(s), `ru lacks "${s}"`);
    }
    assert(buildLab5(meta, [x], 'en').includes('[concepts guide](concepts.md)'), 'the English report links the English guide');
  });

  it('says when a gap halved by a lower training accuracy, in both languages', () => {
    const x = overfitResult(full);
    const plain = buildLab5(meta, [x], 'ru');
    const i = x.runs.findIndex((r) => r.spec.id === 'augmentation');
    x.runs[i] = result(x.runs[i].spec, [{ loss: [0.9, 0.6, 0.4, 0.3], accuracy: [0.7, 0.8, 0.85, 0.9], test_loss: [0.6, 0.5, 0.45, 0.44], test_accuracy: [0.8, 0.84, 0.85, 0.86] }]);
    const what = { ru: 'разрыв сократился вдвое и больше, но за счёт точности на обучении', en: 'gap at least halved, but by lower training accuracy' };
    assert(!plain.includes(what.ru), 'not where the test accuracy rose');
    for (const lang of ['ru', 'en'] as const) assert(buildLab5(meta, [x], lang).includes(what[lang]), `${lang}: ${what[lang]}`);
  });

  it("names Fashion-MNIST's classes in Russian as the element does (its ru.xlf), digits as they are", async () => {
    const xlf = await (await fetch('/src/components/locales/xliff/ru.xlf')).text();
    for (const [en, ru] of Object.entries(CLASS_NAMES_RU)) {
      const unit = new RegExp(`<source>${en.replace(/[/]/g, '\\$&')}</source>\\s*<target>([^<]*)</target>`).exec(xlf);
      assertEqual(unit?.[1], ru, `${en}: the element's Russian name`);
    }
    assertEqual(Object.keys(CLASS_NAMES_RU).join(), FASHION_MNIST_CLASSES.join(), 'every class');
    assertEqual(classNamesIn({ lang: 'ru' } as LabContext, ['0', 'Shirt', 'Other']).join(), '0,Рубашка,Other', 'in Russian');
    assertEqual(classNamesIn({ lang: 'en' } as LabContext, ['Shirt']).join(), 'Shirt', 'in English');
  });

  it('writes numbers the Russian way and agrees in number', () => {
    const c = { lang: 'ru' } as LabContext;
    assertEqual(n(c, '97.57% of 10,000 and 1,234,567'), '97,57\u00a0% of 10\u00a0000 and 1\u00a0234\u00a0567', 'decimal comma, spaced thousands');
    const label = (l: string) => runLabel('ru', { spec: { label: l } } as RunResult);
    assertEqual(`${label('SGD lr 0.1')}|${label('with dropout')}|${label('Adam lr 0.003, cosine')}`, 'SGD lr 0,1|с dropout|Adam lr 0,003, cosine', 'run labels');
    assertEqual([1, 2, 5, 11, 21, 22, 112].map((k) => plural(k, 'эпоха', 'эпохи', 'эпох')).join(), 'эпоха,эпохи,эпох,эпох,эпоха,эпохи,эпох', 'plural');
    assertEqual(`${convOutput(28, 3, 0, 1)},${convOutput(28, 3, 1, 1)},${convOutput(26, 2, 0, 2)},${convOutput(28, 5, 2, 2)}`, '26,28,13,14', '⌊(n + 2p − k)/s⌋ + 1');
  });
});
