// The pure parts of `npm run experiments`: the plan (sizes, seeds, models, settings), its options, the
// train–test gap, the generated conclusions, the Markdown report and its chart specs, results.json in both
// directions. Seeds, noise, hashing and reuse are in experiments-seeds.test.ts. The GPU runs themselves are
// checked end to end by scripts/experiments-smoke.mjs.
import { buildLab5 } from '../../src/cli/experiments/lab5';
import { buildPlan, convBlocks, EXPERIMENT_IDS, finalTestCount, OPTIMIZER_GRID, runConfig, SIZES, TUNING_SPLIT, wideDense } from '../../src/cli/experiments/plan';
import { parseExperimentOptions } from '../../src/cli/experiments/options';
import { buildReport, charted, experimentCharts, markdownTable, perClassTable, settingsSection, type ReportMeta } from '../../src/cli/experiments/report';
import { describeModel } from '../../src/engine/model-summary';
import { resultsFromJson, resultsJson } from '../../src/cli/experiments/results-file';
import { conclusion, gapOf, type ExperimentResult } from '../../src/cli/experiments/summary';
import { resolveModel } from '../../src/engine/model';
import { PRESETS } from '../../src/engine/model-setting';
import { OPTIMIZERS } from '../../src/engine/ops/optimizer';
import { assert, assertEqual, assertRejects } from '../util/assert';
import { find, overfitResult, result, seedRun } from './experiments-fixtures';
import { aggregateRun } from '../../src/cli/experiments/seeds';

const full = buildPlan({ quick: false, fashion: true });
const meta: ReportMeta = {
  command: 'npm run experiments -- --quick', adapter: 'Test Adapter', date: '2026-01-02 03:04 UTC', seconds: 90,
  quick: false, runtime: 'Node v20', commit: 'abc1234567', conceptsHref: 'concepts.md', imageDir: 'experiments',
};

describe('experiments: plan', () => {
  it("every run's config passes the settings' rules; a run carries any setting, and a bad one is named by the run", async () => {
    for (const e of full) for (const r of e.runs) runConfig(r);
    const run = find(full, 'architectures').runs[0];
    assertEqual(runConfig({ ...run, loss: 'mean_squared_error' }).loss, 'mean_squared_error', 'the loss reaches the config');
    await assertRejects(() => runConfig({ ...run, loss: 'hinge' as never }), /^run "mlp": loss must be one of categorical_crossentropy, mean_squared_error, categorical_hinge, got "hinge"/, 'an unknown loss');
    const aug = find(full, 'overfitting').runs.find((r) => r.id === 'augmentation')!;
    assertEqual(JSON.stringify(runConfig(aug).augmentation), JSON.stringify({ shift: 2, rotation: 10, zoom: 0.1 }), 'augmentation through the settings');
    const es = runConfig(find(full, 'overfitting').runs.find((r) => r.id === 'early-stopping')!);
    assert(es.earlyStopping === 5 && es.restoreBestWeights === true, 'early stopping through the settings');
    assertEqual(runConfig(find(full, 'fashion-headline').runs[0]).dropout, 0, 'dropout override');
    await assertRejects(() => runConfig({ ...run, settings: { augmentZoom: 2 } }), /^run "mlp": augmentZoom/, 'a bad carried setting');
    assertEqual(runConfig(run, 7).seed, 7, 'the seed given');
  });

  it('has every experiment, with Fashion-MNIST only when its data is given', () => {
    assertEqual(full.map((e) => e.id).join(), EXPERIMENT_IDS.join(), 'full plan with Fashion-MNIST');
    assertEqual(buildPlan({ quick: false, fashion: false }).some((e) => e.dataset === 'fashion'), false, 'no Fashion-MNIST without data');
    assertEqual(buildPlan({ quick: true, fashion: true, only: ['activations', 'fashion-overfitting'] }).map((e) => e.id).join(), 'activations,fashion-overfitting', '--only');
  });

  it('compares on the whole test set (the overfitting runs: 2,000 images per epoch) over at least 3 seeds; the headline models train on the whole training set', () => {
    const anchors = full.map((e) => e.anchor);
    for (const a of ['overfitting-and-dropout', 'architectures', 'conv-blocks', 'activations', 'optimizers-and-learning-rates']) assert(anchors.includes(a), `anchor ${a}`);
    assertEqual(new Set(anchors).size, anchors.length, 'unique anchors');
    for (const e of full) {
      assertEqual(new Set(e.runs.map((r) => r.id)).size, e.runs.length, `${e.id}: unique run ids`);
      for (const r of e.runs) {
        resolveModel(r.model);
        // Every run evaluates 2,000 test images after each epoch (plan.ts says why); the overfitting runs train
        // 40 epochs; the comparisons and the headline runs are judged on the whole test set at the end.
        if (e.kind === 'overfitting') assert(r.testLimit === 2000 && r.epochs === 40 && finalTestCount(r) === 2000, `${e.id}/${r.id}: 2,000 test images per epoch, 40 epochs`);
        else assert(finalTestCount(r) === 10000 && (e.kind === 'headline' || r.testLimit === 2000), `${e.id}/${r.id}: the whole test set at the end`);
        if (e.kind === 'headline') assert(r.trainLimit === 60000, `${e.id}/${r.id}: the whole training set`);
        else assert(r.seeds.length >= 3 && new Set(r.seeds).size === r.seeds.length && r.trainLimit <= 4000, `${e.id}/${r.id}: 3 seeds, a small subset`);
      }
    }
    assertEqual(find(full, 'headline').runs.map((r) => `${r.id}:${r.epochs}`).join(), 'mlp:5,cnn:2', 'the README settings');
  });

  it('tunes all nine optimizers on a grid of three rates, on a validation split; compares three losses', () => {
    const opt = find(full, 'optimizers').runs;
    assertEqual([...new Set(opt.map((r) => r.optimizer.name))].sort().join(), [...OPTIMIZERS].sort().join(), 'all nine');
    assertEqual(opt.length, 27, 'three rates each');
    for (const r of opt) assert(OPTIMIZER_GRID[r.optimizer.name].includes(r.optimizer.learningRate) && r.settings?.validationSplit === TUNING_SPLIT, r.id);
    assertEqual(find(full, 'losses').runs.map((r) => runConfig(r).loss).join(), 'categorical_crossentropy,mean_squared_error,categorical_hinge', 'losses');
    assertEqual(find(buildPlan({ quick: true, fashion: false }), 'optimizers').runs.length, 9, '--quick: one rate each');
  });

  it('makes the overfitting runs differ from the unregularized one only by their regularizer', () => {
    const runs = find(full, 'overfitting').runs;
    const [plain] = runs;
    assertEqual(runs.map((r) => r.id).join(), 'no-dropout,dropout,l2,augmentation,batchnorm,early-stopping,dropout-augmentation', 'runs');
    assertEqual(resolveModel(plain.model).paramCount, 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10, 'wide dense parameters');
    assert(plain.trainLimit === 1000 && plain.epochs >= 30, `${plain.trainLimit} images, ${plain.epochs} epochs`);
    const same = (r: typeof plain) => JSON.stringify({ ...r, id: '', label: '', model: null, settings: null });
    for (const r of runs) assertEqual(same(r), same(plain), `${r.id}: same settings`);
    assertEqual(describeModel(wideDense('dropout')), 'Flatten → Dropout 0.2 → Dense 256 relu → Dropout 0.5 → Dense 256 relu → Dropout 0.5 → Dense 10', 'dropout model');
    assertEqual(describeModel(wideDense('batchnorm')), 'Flatten → Dense 256 → BatchNorm → relu → Dense 256 → BatchNorm → relu → Dense 10', 'batch-norm model');
    assertEqual(resolveModel(wideDense('l2')).layers.filter((l) => l.kernelRegularizer?.l2 === 0.001).length, 3, 'L2 on every dense kernel');
    assertEqual(describeModel(wideDense('l2')), 'Flatten → Dense 256 relu L2 0.001 → Dense 256 relu L2 0.001 → Dense 10 L2 0.001', 'the L2 model says so');
    assert(find(full, 'overfitting').intro.includes('269,322 parameters'), 'the intro states the parameter count');
  });

  it('builds 1, 2, 3 conv blocks with the parameters counted by hand', () => {
    const conv = (c: number, f: number) => 9 * c * f + f;
    const counts = [1, 2, 3].map((n) => resolveModel(convBlocks(n)).paramCount);
    const expected = [conv(1, 16) + 14 * 14 * 16 * 10 + 10, conv(1, 16) + conv(16, 32) + 7 * 7 * 32 * 10 + 10, conv(1, 16) + conv(16, 32) + conv(32, 64) + 3 * 3 * 64 * 10 + 10];
    assertEqual(counts.join(), expected.join(), 'parameters');
    assertEqual(describeModel(PRESETS.mlp), 'Flatten → Dense 128 relu → Dropout 0.2 → Dense 10', 'mlp');
  });

  it('--quick trains one epoch on subsets no larger than the full ones, with at most two seeds', () => {
    const quick = buildPlan({ quick: true, fashion: true });
    assertEqual(quick.map((e) => e.id).join(), full.map((e) => e.id).join(), 'same experiments');
    quick.forEach((e, i) => e.runs.forEach((r) => {
      const f = full[i].runs.find((x) => x.id === r.id)!;
      assert(r.epochs === 1 && r.trainLimit <= f.trainLimit && r.testLimit <= f.testLimit && r.seeds.length <= 2, `${e.id}/${r.id}`);
    }));
    assert(SIZES.quick.overfit.seeds.length === 2, 'two seeds where the ± columns need them');
  });
});

describe('experiments: options', () => {
  it('has defaults: docs, the Fashion-MNIST folder when one exists, everything, reuse on', () => {
    const o = parseExperimentOptions([], '/fm');
    assertEqual(JSON.stringify(o), JSON.stringify({ quick: false, out: 'docs', fashion: '/fm', quiet: false, rerun: false }), 'defaults');
    assertEqual(parseExperimentOptions([]).fashion, undefined, 'no Fashion-MNIST folder');
  });

  it('reads every option', () => {
    const o = parseExperimentOptions(['--quick', '--out', '/tmp/x', '--fashion=http://h/fm/', '--only', 'overfitting,fashion-overfitting', '--quiet', '--rerun', '--reuse', 'r.json'], '/fm');
    assertEqual(JSON.stringify(o), JSON.stringify({ quick: true, out: '/tmp/x', fashion: 'http://h/fm/', only: ['overfitting', 'fashion-overfitting'], quiet: true, rerun: true, reuse: 'r.json' }), 'options');
    assertEqual(parseExperimentOptions(['--no-fashion'], '/fm').fashion, undefined, '--no-fashion');
    assertEqual(parseExperimentOptions(['--from-results', 'r.json']).fromResults, 'r.json', '--from-results');
  });

  const bad: [string[], RegExp][] = [
    [['--epochs', '3'], /unknown option --epochs/],
    [['--bogus'], /^unknown option --bogus$/],
    [['--qiuck', '--out', 'x'], /^unknown option --qiuck$/],
    [['--only', 'dropout'], /--only takes experiment ids .* got "dropout"/],
    [['--fashion', 'x', '--no-fashion'], /contradict/],
    [['--only', 'fashion-overfitting', '--no-fashion'], /no Fashion-MNIST data/],
    [['--reuse', ' '], /--reuse needs a results.json/],
    [['--from-results', 'r.json', '--only', 'losses', '--quick'], /^--from-results draws the report again from the file and trains nothing: --quick, --only does not apply$/],
  ];
  for (const [argv, pattern] of bad) {
    it(`rejects ${argv.join(' ')}`, async () => {
      await assertRejects(() => parseExperimentOptions(argv, '/fm'), pattern, argv.join(' '));
    });
  }
});

describe('experiments: gap and conclusions', () => {
  it('measures the gap from the final metrics and the lowest test loss from the mean History', () => {
    const [plain, drop] = overfitResult(full).runs;
    const g = gapOf(plain);
    assert(Math.abs(g.accuracyPoints - 12) < 1e-9 && Math.abs(g.loss - 0.59) < 1e-9, `gap ${g.accuracyPoints}, ${g.loss}`);
    assert(g.bestEpochs.join() === '2' && g.bestTestLoss === 0.4 && Math.abs(g.testLossRise - 0.2) < 1e-9, `best ${g.bestEpochs} ${g.bestTestLoss} ${g.testLossRise}`);
    const d = gapOf(drop); // train re-evaluated with dropout off: 96%; running (dropout on): 93%
    assert(Math.abs(d.accuracyPoints - 5) < 1e-9 && Math.abs(d.runningAccuracyPoints - 2) < 1e-9, `dropout gap ${JSON.stringify(d)}`);
  });

  it('takes the lowest test loss per seed where early stopping ends seeds at different epochs (best weights restored)', () => {
    const x = overfitResult(full);
    const i = x.runs.findIndex((r) => r.spec.id === 'early-stopping');
    const spec = { ...x.runs[i].spec, seeds: [1, 2] };
    // Seed 1 stops after 3 epochs, seed 2 after 4; each restores its best epoch's weights, so its final test loss is its lowest.
    const seeds = [
      seedRun(1, { loss: [0.8, 0.3, 0.2], test_loss: [0.6, 0.5, 0.55] }, { test: { loss: 0.5, accuracy: 0.88, recall: [], precision: [], f1: [] } }),
      seedRun(2, { loss: [0.8, 0.3, 0.2, 0.1], test_loss: [0.6, 0.5, 0.44, 0.46] }, { test: { loss: 0.44, accuracy: 0.89, recall: [], precision: [], f1: [] } }),
    ];
    x.runs[i] = aggregateRun(spec, x.runs[i].parameters, seeds);
    const g = gapOf(x.runs[i]);
    // The mean curve's minimum, 0.46 at epoch 4, is seed 2's alone (seed 1 never reached epoch 4), and above the final 0.47's mean.
    assert(Math.abs(g.bestTestLoss - 0.47) < 1e-9 && Math.abs(g.testLossRise) < 1e-9 && g.bestEpochs.join() === '2,3' && g.epochsTrained.join() === '3,4', JSON.stringify(g));
    const text = conclusion(x).join(' ');
    assert(text.includes('Early stopping: ') && text.includes('final test loss 0.4700 (lowest 0.4700 at epochs 2–3; stopped after 3–4 epochs)'), text);
    const table = buildReport(meta, [x]);
    assert(table.includes('| 0.4700 (2–3) | 0.0000 | 3–4 |'), 'the table: lowest (epochs), rise, epochs trained');
  });

  it('states each regularizer’s effect on the gap, and whether it at least halved', () => {
    const text = conclusion(overfitResult(full)).join(' ');
    for (const s of ['fitted its 1,000 training images to 100.00% accuracy', 'reached 88.00% on the test images', 'gap of 12.0 points',
      'lowest at epoch 2 (0.4000) and then rose to 0.6000 by epoch 4 while the training loss kept falling',
      'Dropout: gap 12.0 → 5.0 points (−58%, at least halved), test accuracy 91.00%', 'The gap at least halved with dropout.',
      'Test accuracy: dropout (91.00%) against no regularization (88.00%): a 3.00-point difference, with too few seeds to tell it from noise.',
      'the gaps without regularization and with dropout were 12.0 and 2.0 points']) {
      assert(text.includes(s), `missing "${s}" in: ${text}`);
    }
  });

  it('says when a halved gap closed from the training side, the test accuracy falling', () => {
    const x = overfitResult(full);
    assert(!conclusion(x).join(' ').includes('from the training side'), 'not where every halving raised the test accuracy');
    const i = x.runs.findIndex((r) => r.spec.id === 'augmentation');
    x.runs[i] = result(x.runs[i].spec, [{ loss: [0.9, 0.6, 0.4, 0.3], accuracy: [0.7, 0.8, 0.85, 0.9], test_loss: [0.6, 0.5, 0.45, 0.44], test_accuracy: [0.8, 0.84, 0.85, 0.86] }]);
    const text = conclusion(x).join(' ');
    assert(text.includes('The gap at least halved with dropout, augmentation.') && text.includes('A smaller gap is not by itself a better model: with augmentation the training accuracy ' +
      'fell from 100.00% to 90.00% while the test accuracy went from 88.00% to 86.00%, so the gap closed from the training side.'), text);
  });

  it('says so when no regularizer halves the gap and the test loss does not turn', () => {
    const x = overfitResult(full);
    x.runs = [result(x.runs[0].spec, [{ loss: [0.5, 0.4], accuracy: [0.9, 0.92], test_loss: [0.5, 0.45], test_accuracy: [0.9, 0.91] }]),
      result(x.runs[1].spec, [{ loss: [0.5, 0.3], accuracy: [0.9, 0.99], test_loss: [0.5, 0.47], test_accuracy: [0.9, 0.9] }])];
    const text = conclusion(x).join(' ');
    assert(text.includes('did not clearly turn upwards in 2 epochs') && text.includes('No regularizer halved the gap on this setting; the largest cut, from 1.0 to 9.0 points, came with dropout.'), text);
  });

  it('ranks activations with mean ± sd and says when the best two are within noise', () => {
    const e = find(full, 'activations');
    const acc = [0.9, 0.91, 0.88, 0.1, 0.89];
    const runs = e.runs.map((s, i) => result(s, [-0.005, 0, 0.005].map((d) => ({ loss: [i === 3 ? 2.3 : 1.5, 0.3], test_loss: [0.5, 0.4], test_accuracy: [0.5, acc[i] + d] }))));
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [], runs }).join(' ');
    assert(text.startsWith('Ranked by mean test accuracy: leaky relu 91.00 ± 0.50%, relu 90.00 ± 0.50%, gelu 89.00 ± 0.50%, tanh 88.00 ± 0.50%, sigmoid 10.00 ± 0.50%.'), text);
    assert(text.includes('Best two: leaky relu (91.00 ± 0.50%) against relu (90.00 ± 0.50%): the 1.00-point difference is within noise (2·√(sd₁² + sd₂²) = 1.41 points), so these seeds do not rank them.'), text);
    assert(text.includes('Sigmoid trailed leaky relu by 81.0 points; after the first epoch its training loss was 2.3000 against 1.5000.'), text);
  });

  it('does not set the training losses of different loss functions side by side', () => {
    const e = find(full, 'losses');
    const runs = e.runs.map((s, i) => result(s, [{ loss: [[0.3, 0.04, 0.8][i], 0.1], test_loss: [0.5, 0.4], test_accuracy: [0.5, [0.92, 0.91, 0.9][i]] }]));
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [], runs }).join(' ');
    assert(text.includes('Hinge trailed cross-entropy by 2.0 points (their loss values are on different scales and are not compared).') && !text.includes('training loss was'), text);
  });

  it('picks each optimizer’s rate by validation accuracy, ranks them on the test set and leaves diverged runs out', () => {
    const e = find(buildPlan({ quick: false, fashion: false }), 'optimizers');
    const runs = e.runs.map((s, i) => {
      // Validation favours the middle rate; the test accuracy of the highest rate is higher (it must not be chosen).
      const k = i % 3;
      const val = k === 1 ? 0.95 : 0.9, test = (k === 2 ? 0.97 : k === 1 ? 0.93 : 0.8) - Math.floor(i / 3) * 0.001;
      return s.optimizer.name === 'adagrad' && k === 0
        ? result(s, [{ loss: [Number.NaN], test_loss: [Number.NaN], test_accuracy: [0.1] }], { diverged: 'The loss became NaN at step 3.', test: undefined, train: undefined })
        : result(s, [{ loss: [0.5, 0.3], val_accuracy: [0.5, val], test_loss: [0.4, 0.3], test_accuracy: [0.5, test] }]);
    });
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [], runs }).join(' ');
    assert(text.startsWith('Each optimizer at its best learning rate (by validation accuracy), ranked by mean test accuracy: SGD lr 0.1 93.00%, SGD+momentum lr 0.03 92.90%'), text);
    assert(text.includes('Left out of the ranking because the loss diverged: Adagrad lr 0.003'), text);
    assert(text.includes('up to 17.0 points') && text.includes('the learning rate mattered more than the choice of optimizer'), text);
    const report = buildReport(meta, [{ experiment: e, datasetName: 'MNIST', classNames: [], runs }]);
    assert(report.includes('| **SGD lr 0.1** |') && report.includes('| SGD lr 0.3 |'), 'the chosen rate in bold');
  });

  it('gives the headline runs the element’s overfitting verdict', () => {
    const e = find(full, 'headline');
    const runs = e.runs.map((s) => result(s, [{ loss: [0.3, 0.1], accuracy: [0.9, 0.97], test_loss: [0.102, 0.1], test_accuracy: [0.95, 0.975] }]));
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [...'0123456789'], runs }).join(' ');
    assert(text.includes('mlp: test accuracy 97.50% (loss 0.1000) after 2 epochs on 60,000 images') && text.includes('Verdict: **No sign of overfitting**'), text);
    // Overfitting (a 14-point gap): the advice knows each run's model and settings, the mlp's dropout 0.2 and the cnn's 0.5.
    const over = e.runs.map((s) => result(s, [{ loss: [0.3, 0.05], accuracy: [0.9, 0.99], test_loss: [0.2, 0.3], test_accuracy: [0.85, 0.85] }]));
    const advice = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [...'0123456789'], runs: over }).join(' ');
    assert(advice.includes('Try more dropout (0.5 rather than 0.2), weight decay, augmentation') && advice.includes('Try weight decay, augmentation'), advice);
  });
});

describe('experiments: report', () => {
  it('opens with how it was generated, the estimate and the reused runs, and links every experiment to its concepts and charts', () => {
    const x = overfitResult(full);
    x.runs[0].seeds[0].reused = true;
    x.runs[0].seeds[0].measured = { date: '2025-12-31 10:00 UTC', commit: 'def' };
    const md = buildReport({ ...meta, estimate: { seconds: 3 * 3600 + 20 * 60, command: 'npm run experiments -- --rerun', basis: 'from the speeds measured in r.json' } }, [x]);
    for (const s of ['`npm run experiments -- --quick`', 'Test Adapter', '2026-01-02 03:04 UTC', '1.5 minutes', 'commit abc1234567', '<a id="overfitting-and-dropout"></a>',
      '[overfitting](concepts.md#overfitting)', '(experiments/overfitting-before-loss.svg)', '(experiments/overfitting-dropout-accuracy.svg)', 'seeds: 1.', 'the first 1,000',
      'about **3 h 20 min**', '1 training was reused', '| overfitting | no regularization | 1 | 2025-12-31 10:00 UTC | def |', '[lab5.ru.md](lab5.ru.md)']) {
      assert(md.includes(s), `report lacks "${s}"`);
    }
    assert(!md.includes('--quick report'), 'no quick banner on a full report');
    assert(buildReport({ ...meta, quick: true }, [x]).includes('This is a --quick report'), 'quick banner');
  });

  it('lists only the settings that vary, carried settings included', () => {
    const text = settingsSection(find(full, 'overfitting'), 'MNIST');
    assert(text.includes('| augmentation | Flatten → Dense 256 relu → Dense 256 relu → Dense 10 | augmentShift 2, augmentRotation 10, augmentZoom 0.1 |'), text);
    assert(text.includes('seeds: 1, 2, 3'), text);
  });

  it('fills every table cell with a number, ± the standard deviation over seeds', () => {
    const e = find(full, 'activations');
    const runs = e.runs.map((s) => result(s, [0.9, 0.92].map((a) => ({ loss: [0.3], accuracy: [a], test_loss: [0.3], test_accuracy: [a - 0.01] }))));
    const md = buildReport(meta, [{ experiment: e, datasetName: 'MNIST', classNames: [], runs }]);
    assert(md.includes('| relu | 134,794 | 10.0 | 250 | 0.3000 ± 0.0000 | 91.00 ± 1.41% | 0.3000 ± 0.0000 | 90.00 ± 1.41% | 1.0 ± 0.0 |'), md.split('\n').filter((l) => l.startsWith('| relu')).join('\n'));
  });

  it('has per-class tables with the class names, a confusion matrix for the headline runs, and escapes table pipes', () => {
    const e = find(full, 'fashion-architectures');
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const runs = e.runs.map((s, i) => {
      const r = result(s, [{ loss: [0.5], test_loss: [0.5], test_accuracy: [0.8 + i * 0.05] }]);
      r.test!.recall = names.map((_, c) => (c === 6 ? 0.5 + i * 0.2 : 0.9));
      return r;
    });
    const x: ExperimentResult = { experiment: e, datasetName: 'Fashion-MNIST', classNames: names, runs };
    const t = perClassTable(x);
    assert(t.includes('| 6 Shirt | 50.00% | 0.900 | 70.00% | 0.900 |') && t.includes('| 0 T-shirt/top |'), t);
    assertEqual(markdownTable(['a|b'], [['c']]), '| a\\|b |\n| --- |\n| c |', 'escaped');
    const h = find(full, 'headline');
    const hr = h.runs.map((s) => result(s, [{ loss: [0.3], test_loss: [0.3], test_accuracy: [0.9] }]));
    hr[0].seeds[0].test!.confusion = Array.from({ length: 100 }, (_, k) => (k % 11 === 0 ? 900 : 11));
    const md = buildReport(meta, [{ experiment: h, datasetName: 'MNIST', classNames: [...'0123456789'], runs: hr }]);
    assert(md.includes('Confusion matrix of mlp on the 10,000 test images (seed 1):') && md.includes('| 0 | **900** | 11 |'), md);
    assert(md.includes('mlp precision | mlp recall | mlp F1'), 'precision, recall and F1 per class');
    // A run that kept its surest mistakes links its gallery, in each report's language; one that did not, none.
    hr[0].seeds[0].test!.mistakes = { count: 312, rows: 28, cols: 28, surest: [{ index: 7, label: 4, predicted: 9, probability: 0.97, pixels: '' }] };
    const hx = { experiment: h, datasetName: 'MNIST', classNames: [...'0123456789'], runs: hr };
    const kept = buildReport(meta, [hx]);
    assert(kept.includes('The mistakes mlp was surest of (1 of its 312;') && kept.includes('](experiments/headline-mlp-mistakes.svg)') && !kept.includes('headline-cnn-mistakes'), kept);
    assert(buildLab5(meta, [hx], 'ru').includes('](experiments/headline-mlp-mistakes.ru.svg)') && buildLab5(meta, [hx], 'ru').includes('Ошибки, в которых модель была увереннее всего: 1 из 312'), 'the Russian report');
    assert(buildLab5(meta, [hx], 'en').includes('](experiments/headline-mlp-mistakes.svg)'), 'the English lab report');
  });

  it('draws separate before/after panels in the element’s train and test colours, with the test-loss minimum marked', () => {
    const charts = experimentCharts(overfitResult(full));
    assertEqual(charts.map((c) => c.file).join(), 'overfitting-before-loss.svg,overfitting-before-accuracy.svg,overfitting-dropout-loss.svg,overfitting-dropout-accuracy.svg,overfitting-regularizers-test-loss.svg', 'files');
    assertEqual(charts[0].options.series.map((s) => `${s.label}:${s.color}`).join(),
      'train (running average over the epoch):#2563eb,test (evaluated after each epoch, dropout off):#e8590c', 'train and test, labelled for what they are');
    assertEqual(charts[2].options.series[0].label, 'train (running average over the epoch, dropout on)', 'the dropout run’s train curve');
    assertEqual(charts[0].options.markMinimum?.map((m) => m.name).join(), 'test loss', 'test-loss minimum');
    assertEqual(charts[0].options.series[1].y.join(), '0.5,0.4,0.45,0.6', 'test loss curve');
    // When another regularizer leaves a smaller gap than dropout, it gets before/after panels of its own too.
    const x = overfitResult(full);
    const last = x.runs[x.runs.length - 1];
    x.runs[x.runs.length - 1] = result(last.spec, [{ loss: [0.9, 0.5, 0.3, 0.25], accuracy: [0.7, 0.85, 0.9, 0.92], test_loss: [0.6, 0.4, 0.3, 0.25], test_accuracy: [0.84, 0.9, 0.93, 0.95] }],
      { train: { loss: 0.2, accuracy: 0.96 } });
    const files = experimentCharts(x).map((c) => c.file);
    assert(files.includes('overfitting-best-loss.svg') && files.includes('overfitting-best-accuracy.svg'), files.join());
    assert(experimentCharts(x).find((c) => c.file === 'overfitting-best-loss.svg')!.alt.includes(`${last.spec.label}, the smallest gap`), 'titled');
  });

  it('draws the Russian lab report\'s charts a second time in Russian, as *.ru.svg, for the experiments it shows', () => {
    const x = overfitResult(full);
    const ru = experimentCharts(x, 'ru');
    assertEqual(ru.map((c) => c.file).join(), experimentCharts(x).map((c) => c.file.replace(/\.svg$/, '.ru.svg')).join(), 'the same charts, *.ru.svg');
    const o = ru[0].options;
    assertEqual(`${o.title} | ${o.xLabel} | ${o.yLabel} | ${o.locale}`, 'Переобучение и регуляризация: без регуляризации: потери | эпоха | потери (categorical_crossentropy) | ru', 'titles and axes');
    assertEqual(o.series.map((q) => q.label).join(' | '), 'обучение (скользящее среднее за эпоху) | тест (оценка после каждой эпохи, dropout выключен)', 'legend');
    assertEqual(ru[2].options.series[0].label, 'обучение (скользящее среднее за эпоху, с dropout)', 'the dropout run’s train curve');
    assertEqual(`${ru[0].options.markMinimum?.[0].name} | ${ru[4].options.yLabel}`, 'потери на тесте | потери на тесте', 'test loss');
    assertEqual(ru[4].options.series.map((q) => q.label).slice(0, 2).join(), 'без регуляризации,dropout', 'run labels in Russian');
    assert(ru.every((c) => !/[a-z]{4,}/.test(c.alt.replace(/dropout|categorical_crossentropy|MNIST|Fashion/g, ''))), `no English in the alt texts: ${ru.map((c) => c.alt).join(' / ')}`);
    assert(charted(x) && !charted({ ...x, experiment: find(full, 'activations') }), 'drawn again for the lab report\'s experiments only');
  });

  it('draws the same report again from results.json (--from-results), NaN included, and notes runs that differ from the plan', () => {
    const x = overfitResult(full); // one seed each where the plan has three: stale
    x.runs[0].seeds[0].history.loss[2] = NaN;
    const e = find(full, 'activations');
    const act: ExperimentResult = { experiment: e, datasetName: 'MNIST', classNames: [], runs: e.runs.map((s) => result(s, [0.9, 0.91, 0.92].map((a) => ({ loss: [0.3], test_accuracy: [a] })))) };
    const saved = JSON.parse(JSON.stringify(resultsJson(meta, [x, act])));
    const back = resultsFromJson(saved);
    const [a, b] = [buildReport(back.meta, back.results), buildReport(meta, [{ ...x, stale: true }, act])].map((r) => r.split('\n'));
    assertEqual(a.find((l, i) => l !== b[i]), undefined, 'same report');
    assert(Number.isNaN(back.results[0].runs[0].seeds[0].history.loss[2]), 'NaN restored');
    assertEqual(`${back.results[0].stale},${back.results[1].stale}`, 'true,undefined', 'stale only where the runs differ from the plan');
    assertEqual(saved.experiments[0].runs[0].seeds[0].measured.date, meta.date, 'each seed records when it was measured');
    // Drawn again by later code: the reports say so, after the run's own line, and the file keeps the note.
    const redrawn = { ...back.meta, redrawn: { command: 'npm run experiments -- --from-results r.json', date: '2026-12-04 09:00 UTC', commit: 'fedcba9876' } };
    const note = 'Drawn again from the stored results by `npm run experiments -- --from-results r.json` on 2026-12-04 09:00 UTC at commit fedcba9876: '
      + 'the numbers are those of the run above, the sentences and charts are that commit\'s.';
    assert(buildReport(redrawn, back.results).includes(`nothing is copied by hand. The Russian lab report`) && buildReport(redrawn, back.results).includes(note), 'experiments.md');
    assert(buildLab5(redrawn, back.results, 'en').includes(note), 'lab5.en.md');
    assert(buildLab5(redrawn, back.results, 'ru').includes('Перерисовано по сохранённым результатам командой `npm run experiments -- --from-results r.json` (2026-12-04 09:00 UTC, коммит fedcba9876)'), 'lab5.ru.md');
    assertEqual(resultsFromJson(JSON.parse(JSON.stringify(resultsJson(redrawn, back.results)))).meta.redrawn?.commit, 'fedcba9876', 'kept in results.json');
    assert(!buildReport(back.meta, back.results).includes('Drawn again'), 'no note for a measured report');
  });
});
