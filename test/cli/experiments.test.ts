// The pure parts of `npm run experiments`: the plan (sizes, seeds, models), its options, the train–test
// gap, the generated conclusions, the Markdown report and its chart specs. The GPU runs themselves are
// checked end to end by scripts/experiments-smoke.mjs.
import { ACTIVATION_RUNS, buildPlan, COSINE_RUNS, convBlocks, EXPERIMENT_IDS, KERAS_DEFAULT_RUNS, OPTIMIZER_RUNS, parseExperimentOptions, runConfig, SIZES, wideDense, type Experiment, type RunSpec } from '../../src/cli/experiments/plan';
import { buildReport, describeModel, settingsSection, experimentCharts, markdownTable, perClassTable, resultsFromJson, resultsJson, type ReportMeta } from '../../src/cli/experiments/report';
import { conclusion, gapOf, type ExperimentResult, type RunResult } from '../../src/cli/experiments/summary';
import { renderChartSvg } from '../../src/cli/charts/line-chart';
import { PRESETS, resolveModel } from '../../src/engine/model';
import type { History } from '../../src/engine/trainer';
import { assert, assertEqual, assertRejects } from '../util/assert';

function history(h: Partial<History>): History {
  const n = (h.loss ?? h.test_loss ?? []).length;
  const fill = (v?: number[]) => v ?? new Array(n).fill(0.5);
  return {
    loss: fill(h.loss), accuracy: fill(h.accuracy), val_loss: fill(h.test_loss), val_accuracy: fill(h.test_accuracy),
    test_loss: fill(h.test_loss), test_accuracy: fill(h.test_accuracy), epoch_seconds: new Array(n).fill(1), learning_rate: new Array(n).fill(0.001),
  };
}

function result(spec: RunSpec, h: Partial<History>, over: Partial<RunResult> = {}): RunResult {
  const hist = history(h);
  const last = (a: number[]) => a[a.length - 1];
  return {
    spec, parameters: resolveModel(spec.model).paramCount, history: hist, trainSeconds: 10, seconds: 12, imagesPerSec: 250,
    train: { loss: last(hist.loss), accuracy: last(hist.accuracy) },
    test: { loss: last(hist.test_loss), accuracy: last(hist.test_accuracy), recall: new Array(10).fill(0.9), precision: new Array(10).fill(0.9), f1: new Array(10).fill(0.9) },
    ...over,
  };
}

const full = buildPlan({ quick: false, fashion: true });
const find = (plan: Experiment[], id: string) => plan.find((e) => e.id === id)!;
const meta: ReportMeta = {
  command: 'npm run experiments -- --quick', adapter: 'Test Adapter', date: '2026-01-02 03:04 UTC', seconds: 90,
  quick: false, runtime: 'Node v20', commit: 'abc1234567', conceptsHref: 'concepts.md', imageDir: 'experiments',
};

/** The overfitting experiment with a clearly overfitting first run and a dropout run with a smaller gap. */
function overfitResult(): ExperimentResult {
  const e = find(full, 'overfitting');
  const [plain, drop] = e.runs;
  return {
    experiment: e, datasetName: 'MNIST', classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    runs: [
      result(plain, { loss: [0.8, 0.2, 0.05, 0.01], accuracy: [0.8, 0.95, 0.99, 1], test_loss: [0.5, 0.4, 0.45, 0.6], test_accuracy: [0.85, 0.88, 0.885, 0.88] }),
      result(drop, { loss: [1.0, 0.4, 0.25, 0.2], accuracy: [0.7, 0.88, 0.92, 0.93], test_loss: [0.6, 0.4, 0.35, 0.34], test_accuracy: [0.84, 0.88, 0.9, 0.91] },
        { train: { loss: 0.1, accuracy: 0.96 } }),
    ],
  };
}

describe('experiments: plan', () => {
  it("every run's config passes the settings' rules; a run can set the loss, and a bad one is named by the run", async () => {
    for (const e of full) for (const r of e.runs) assertEqual(runConfig(r).loss, 'categorical_crossentropy', `${e.id}/${r.id}: the default loss`);
    const run = find(full, 'architectures').runs[0];
    const mse = runConfig({ ...run, loss: 'mean_squared_error' });
    assertEqual(mse.loss, 'mean_squared_error', 'the loss reaches the config');
    assertEqual(mse.labelSmoothing, 0, 'no smoothing');
    await assertRejects(() => runConfig({ ...run, loss: 'hinge' as RunSpec['loss'] }), /^run "mlp": loss must be one of categorical_crossentropy, mean_squared_error, categorical_hinge, got "hinge"/, 'an unknown loss');
  });

  it('has every experiment, with Fashion-MNIST only when its data is given', () => {
    assertEqual(full.map((e) => e.id).join(), EXPERIMENT_IDS.join(), 'full plan with Fashion-MNIST');
    assertEqual(buildPlan({ quick: false, fashion: false }).some((e) => e.dataset === 'fashion'), false, 'no Fashion-MNIST without data');
    assertEqual(buildPlan({ quick: true, fashion: true, only: ['activations', 'fashion-overfitting'] }).map((e) => e.id).join(), 'activations,fashion-overfitting', '--only');
  });

  it('uses the anchors docs/concepts.md links to, and valid models with unique run ids', () => {
    const anchors = full.map((e) => e.anchor);
    for (const a of ['overfitting-and-dropout', 'architectures', 'activations', 'optimizers-and-learning-rates']) assert(anchors.includes(a), `anchor ${a}`);
    assertEqual(new Set(anchors).size, anchors.length, 'unique anchors');
    for (const e of full) {
      assertEqual(new Set(e.runs.map((r) => r.id)).size, e.runs.length, `${e.id}: unique run ids`);
      for (const r of e.runs) {
        resolveModel(r.model);
        assert(Number.isInteger(r.seed) && r.trainLimit >= r.batchSize && r.trainLimit <= 60000 && r.testLimit <= 10000, `${e.id}/${r.id}: seed and sizes`);
      }
    }
    assertEqual(find(full, 'activations').runs.map((r) => r.model.layers[1].type === 'dense' && r.model.layers[1].activation).join(), ACTIVATION_RUNS.join(), 'activations');
    const opt = find(full, 'optimizers').runs;
    assertEqual(opt.length, OPTIMIZER_RUNS.length + KERAS_DEFAULT_RUNS.length + COSINE_RUNS.length, 'optimizer runs');
    assertEqual(opt.map((r) => r.lrSchedule ?? 'constant').join(), [...OPTIMIZER_RUNS, ...KERAS_DEFAULT_RUNS].map(() => 'constant').concat(COSINE_RUNS.map(() => 'cosine')).join(), 'the cosine runs last');
    assertEqual([...new Set(find(full, 'optimizers').runs.map((r) => r.optimizer.name))].join(), 'sgd,momentum,adam,adamw,rmsprop,adagrad,adamax,nadam', 'sgd, momentum, adam, adamw, and the other Keras optimizers');
    assert(KERAS_DEFAULT_RUNS.every((o) => o.learningRate === 0.001), "Keras's default rate");
    const quickOpt = find(buildPlan({ quick: true, fashion: false }), 'optimizers').runs;
    assertEqual(quickOpt.length, OPTIMIZER_RUNS.length + COSINE_RUNS.length, '--quick keeps its runs (and its runtime)');
  });

  it('makes the overfitting run overfit: a 269k-parameter network, 1000–2000 images, 20+ epochs; dropout the only change', () => {
    const [plain, drop] = find(full, 'overfitting').runs;
    assertEqual(resolveModel(plain.model).paramCount, 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10, 'wide dense parameters');
    assert(plain.trainLimit >= 1000 && plain.trainLimit <= 2000 && plain.epochs >= 20, `${plain.trainLimit} images, ${plain.epochs} epochs`);
    assertEqual(JSON.stringify({ ...drop, id: '', label: '', model: null }), JSON.stringify({ ...plain, id: '', label: '', model: null }), 'same settings');
    assertEqual(describeModel(drop.model), 'Flatten → Dropout 0.2 → Dense 256 relu → Dropout 0.5 → Dense 256 relu → Dropout 0.5 → Dense 10', 'dropout model');
    assertEqual(resolveModel(wideDense(true)).paramCount, resolveModel(wideDense(false)).paramCount, 'dropout adds no parameters');
    assert(find(full, 'overfitting').intro.includes('269,322 parameters'), 'the intro states the parameter count');
  });

  it('builds 1, 2, 3 conv blocks with the parameters counted by hand', () => {
    const conv = (c: number, f: number) => 9 * c * f + f;
    const counts = [1, 2, 3].map((n) => resolveModel(convBlocks(n)).paramCount);
    const expected = [conv(1, 16) + 14 * 14 * 16 * 10 + 10, conv(1, 16) + conv(16, 32) + 7 * 7 * 32 * 10 + 10, conv(1, 16) + conv(16, 32) + conv(32, 64) + 3 * 3 * 64 * 10 + 10];
    assertEqual(counts.join(), expected.join(), 'parameters');
    assertEqual(describeModel(convBlocks(2)), 'Conv 3×3×16 same relu → MaxPool 2 → Conv 3×3×32 same relu → MaxPool 2 → Flatten → Dense 10', 'description');
    assertEqual(describeModel(PRESETS.mlp), 'Flatten → Dense 128 relu → Dropout 0.2 → Dense 10', 'mlp');
  });

  it('--quick trains one epoch on subsets no larger than the full ones', () => {
    const quick = buildPlan({ quick: true, fashion: true });
    assertEqual(quick.map((e) => e.id).join(), full.map((e) => e.id).join(), 'same experiments');
    quick.forEach((e, i) => e.runs.forEach((r, j) => {
      const f = full[i].runs[j];
      assert(r.epochs === 1 && r.trainLimit <= f.trainLimit && r.testLimit <= f.testLimit && r.seed === f.seed, `${e.id}/${r.id}`);
    }));
    assert(SIZES.quick.conv.train < SIZES.full.conv.train, 'smaller conv subsets');
  });
});

describe('experiments: options', () => {
  it('has defaults: docs, the Fashion-MNIST folder when one exists, everything', () => {
    const o = parseExperimentOptions([], '/fm');
    assertEqual(JSON.stringify(o), JSON.stringify({ quick: false, out: 'docs', fashion: '/fm', quiet: false }), 'defaults');
    assertEqual(parseExperimentOptions([]).fashion, undefined, 'no Fashion-MNIST folder');
  });

  it('reads every option', () => {
    const o = parseExperimentOptions(['--quick', '--out', '/tmp/x', '--fashion=http://h/fm/', '--only', 'overfitting,fashion-overfitting', '--quiet'], '/fm');
    assertEqual(JSON.stringify(o), JSON.stringify({ quick: true, out: '/tmp/x', fashion: 'http://h/fm/', only: ['overfitting', 'fashion-overfitting'], quiet: true }), 'options');
    assertEqual(parseExperimentOptions(['--no-fashion'], '/fm').fashion, undefined, '--no-fashion');
  });

  const bad: [string[], RegExp][] = [
    [['--epochs', '3'], /unknown option --epochs/],
    [['--only', 'dropout'], /--only takes experiment ids .* got "dropout"/],
    [['--only', ''], /--only takes experiment ids/],
    [['--fashion', 'x', '--no-fashion'], /contradict/],
    [['--only', 'fashion-overfitting', '--no-fashion'], /no Fashion-MNIST data/],
    [['--out'], /--out needs a value/],
  ];
  for (const [argv, pattern] of bad) {
    it(`rejects ${argv.join(' ')}`, async () => {
      await assertRejects(() => parseExperimentOptions(argv, '/fm'), pattern, argv.join(' '));
    });
  }
});

describe('experiments: gap and conclusions', () => {
  it('measures the gap from the final metrics and the lowest test loss from the History', () => {
    const [plain, drop] = overfitResult().runs;
    const g = gapOf(plain);
    assert(Math.abs(g.accuracyPoints - 12) < 1e-9 && Math.abs(g.loss - 0.59) < 1e-9, `gap ${g.accuracyPoints}, ${g.loss}`);
    assert(g.bestEpoch === 2 && g.bestTestLoss === 0.4 && Math.abs(g.testLossRise - 0.2) < 1e-9, `best ${g.bestEpoch} ${g.bestTestLoss} ${g.testLossRise}`);
    const d = gapOf(drop); // train re-evaluated with dropout off: 96%; running (dropout on): 93%
    assert(Math.abs(d.accuracyPoints - 5) < 1e-9 && Math.abs(d.runningAccuracyPoints - 2) < 1e-9 && Math.abs(d.loss - 0.24) < 1e-9, `dropout gap ${JSON.stringify(d)}`);
  });

  it('states the dropout effect in measured numbers', () => {
    const text = conclusion(overfitResult()).join(' ');
    for (const s of ['fitted its 1,000 training images to 100.00% accuracy', 'reached 88.00% on the test images', 'gap of 12.0 points',
      'lowest at epoch 2 (0.4000) and then rose to 0.6000 by epoch 4 while the training loss kept falling',
      'Dropout (0.2 on the input, 0.5 after the hidden layers) cut the final train–test accuracy gap from 12.0 to 5.0 points', 'cut the loss gap from 0.5900 to 0.2400', 'test accuracy went from 88.00% to 91.00%',
      'the gaps were 12.0 and 2.0 points']) {
      assert(text.includes(s), `missing "${s}" in: ${text}`);
    }
  });

  it('says so when dropout does not help and the test loss does not turn', () => {
    const x = overfitResult();
    x.runs[0] = result(x.runs[0].spec, { loss: [0.5, 0.4], accuracy: [0.9, 0.92], test_loss: [0.5, 0.45], test_accuracy: [0.9, 0.91] });
    x.runs[1] = result(x.runs[1].spec, { loss: [0.5, 0.3], accuracy: [0.9, 0.99], test_loss: [0.5, 0.47], test_accuracy: [0.9, 0.9] });
    const text = conclusion(x).join(' ');
    assert(text.includes('did not clearly turn upwards in 2 epochs') && text.includes('widened the final train–test accuracy gap from 1.0 to 9.0 points'), text);
  });

  it('ranks activations and compares the worst with the best from the first epoch on', () => {
    const e = find(full, 'activations');
    const acc = [0.9, 0.91, 0.88, 0.1, 0.89];
    const runs = e.runs.map((s, i) => result(s, { loss: [i === 3 ? 2.3 : 1.5, 0.3], test_loss: [0.5, 0.4], test_accuracy: [0.5, acc[i]] }));
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [], runs }).join(' ');
    assert(text.startsWith('Ranked by test accuracy: leaky relu 91.00%, relu 90.00%, gelu 89.00%, tanh 88.00%, sigmoid 10.00%.'), text);
    assert(text.includes('With sigmoid the network trailed leaky relu by 81.0 points; after the first epoch its training loss was 2.3000 against 1.5000.'), text);
  });

  it('ranks optimizers, leaves diverged runs out and names them', () => {
    // The runs of the --quick plan (the full plan adds the Keras-default runs between them and the cosine ones).
    const e = find(buildPlan({ quick: true, fashion: false }), 'optimizers');
    // The last two are the cosine runs: SGD+momentum lr 0.1 (whose constant twin diverged) and Adam lr 0.01.
    const acc = [0.78, 0.9, 0.91, 0, 0.85, 0.95, 0.93, 0.86, 0.94, 0.92, 0.97, 0.945];
    const runs = e.runs.map((s, i) => i === 3
      ? result(s, { loss: [Number.NaN], test_loss: [Number.NaN], test_accuracy: [0.1] }, { diverged: 'The loss became NaN or infinite at step 12 (epoch 1); training stopped.', test: undefined, train: undefined })
      : result(s, { loss: [0.5, 0.3], test_loss: [0.4, 0.3], test_accuracy: [acc[i] - 0.05, acc[i]] }));
    const text = conclusion({ experiment: e, datasetName: 'MNIST', classNames: [], runs }).join(' ');
    // The cosine momentum run (97%) is the best of all, but the rankings compare constant rates only.
    assert(text.includes('At a constant rate, the best run was Adam lr 0.001 with 95.00%') && text.includes('worst completed run was SGD lr 0.01 with 78.00%'), text);
    assert(text.includes('Left out of the ranking because the loss diverged: SGD+momentum lr 0.1 (the loss became NaN or infinite at step 12 (epoch 1)).'), text);
    assert(text.includes('Best learning rate per optimizer: Adam lr 0.001 (95.00%), AdamW lr 0.001 (94.00%), SGD+momentum lr 0.01 (91.00%), SGD lr 0.1 (90.00%)'), text);
    assert(text.includes('up to 12.0 points (SGD)') && text.includes('5.0 points apart: the learning rate mattered more'), text);
    assert(text.includes('With cosine decay, Adam lr 0.01 ended at 94.50% against 93.00% at a constant rate (+1.5 points): decaying the rate let every such run settle higher'), text);
  });
});

describe('experiments: report', () => {
  it('opens with how it was generated and links every experiment to its concepts and charts', () => {
    const x = overfitResult();
    const md = buildReport(meta, [x]);
    for (const s of ['`npm run experiments -- --quick`', 'Test Adapter', '2026-01-02 03:04 UTC', '1.5 minutes', 'commit abc1234567', '<a id="overfitting-and-dropout"></a>',
      '[overfitting](concepts.md#overfitting)', '[dropout](concepts.md#dropout)', '(experiments/overfitting-loss.svg)', '(experiments/overfitting-accuracy.svg)', 'seed: 1', 'the first 1,000']) {
      assert(md.includes(s), `report lacks "${s}"`);
    }
    assert(!md.includes('--quick report'), 'no quick banner on a full report');
    assert(buildReport({ ...meta, quick: true }, [x]).includes('This is a --quick report'), 'quick banner');
  });

  it('names the schedule in the settings: the optimizer runs need no table beyond their labels', () => {
    const text = settingsSection(find(full, 'optimizers'), 'MNIST');
    assert(text.startsWith('Settings: data set MNIST; model: Flatten → Dense 128 relu'), text);
    assert(!text.includes('| run |'), `no per-run table: ${text}`);
    assertEqual(find(full, 'optimizers').runs.slice(-2).map((r) => r.label).join(), 'SGD+momentum lr 0.1, cosine,Adam lr 0.01, cosine', 'cosine labels');
  });

  it('fills every table cell with a number', () => {
    const md = buildReport(meta, [overfitResult()]);
    const table = md.split('\n').filter((l) => l.startsWith('| no dropout') || l.startsWith('| with dropout'));
    const results = table.filter((l) => l.split('|').length > 8);
    assertEqual(results.length, 2, 'two result rows');
    for (const row of results) {
      const cells = row.split('|').slice(2, -1).map((c) => c.trim());
      assert(cells.every((c) => /^[\d,.]+%?( \(\d+\))?$/.test(c)), `non-numeric cell in ${row}`);
    }
    assert(md.includes('| no dropout | 269,322 | 10.0 | 250 | 0.0100 | 100.00% | 0.6000 | 88.00% | 12.0 | 0.5900 | 0.4000 (2) | 0.2000 | 100.00% |'), md);
  });

  it('has per-class tables with the class names, and escapes table pipes', () => {
    const e = find(full, 'fashion-architectures');
    const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const runs = e.runs.map((s, i) => {
      const r = result(s, { loss: [0.5], test_loss: [0.5], test_accuracy: [0.8 + i * 0.05] });
      r.test!.recall = names.map((_, c) => (c === 6 ? 0.5 + i * 0.2 : 0.9));
      return r;
    });
    const x: ExperimentResult = { experiment: e, datasetName: 'Fashion-MNIST', classNames: names, runs };
    const t = perClassTable(x);
    assert(t.includes('| 6 Shirt | 50.00% | 0.900 | 70.00% | 0.900 |') && t.includes('| 0 T-shirt/top |'), t);
    const text = conclusion(x).join(' ');
    assert(text.includes('For mlp the hardest class was Shirt (recall 50.00%); for cnn the hardest class was Shirt (recall 70.00%).') &&
      text.includes('The largest gain of cnn over mlp was on Shirt (recall 50.00% → 70.00%)'), text);
    assert(text.includes("The highest test accuracy was cnn's, 85.00%, with 34,826 parameters; mlp reached 80.00% with 101,770."), text);
    assert(buildReport(meta, [x]).includes('Per class on the test subset'), 'per-class section');
    assertEqual(markdownTable(['a|b'], [['c']]), '| a\\|b |\n| --- |\n| c |', 'escaped');
  });

  it('draws the overfitting curves train solid / test dashed, and test accuracy for the others', async () => {
    const charts = experimentCharts(overfitResult());
    assertEqual(charts.map((c) => c.file).join(), 'overfitting-loss.svg,overfitting-accuracy.svg', 'files');
    assertEqual(charts[0].options.yMin, undefined, 'the loss axis follows the data, not from 0');
    assertEqual(charts[0].options.markMinimum?.map((m) => m.series).join(), 'no dropout test,with dropout test', 'each test loss minimum marked');
    assertEqual(charts[0].options.series.map((s) => `${s.label}:${s.dashed === true}`).join(), 'no dropout train:false,no dropout test:true,with dropout train:false,with dropout test:true', 'series');
    assertEqual(charts[0].options.series[1].y.join(), '0.5,0.4,0.45,0.6', 'test loss curve');
    const e = find(full, 'optimizers');
    const opt = experimentCharts({ experiment: e, datasetName: 'MNIST', classNames: [], runs: e.runs.map((s) => result(s, { loss: [1e6, 0.3], test_loss: [0.4, 0.3], test_accuracy: [0.8, 0.9] })) });
    assertEqual(opt.map((c) => c.file).join(), 'optimizers-test-accuracy.svg,optimizers-train-loss.svg', 'optimizer charts');
    assertEqual(opt[1].options.yMax, 2.5, 'a diverging loss does not flatten the others');
    assertEqual(opt[0].options.series.filter((s) => s.dashed).map((s) => s.label).join(), 'AdamW lr 0.0001,AdamW lr 0.001,AdamW lr 0.01,SGD+momentum lr 0.1, cosine,Adam lr 0.01, cosine', 'AdamW dashed over Adam, cosine runs dashed');
    const color = (label: string) => JSON.stringify(opt[0].options.series.find((s) => s.label === label)!.color);
    assertEqual(color('Adam lr 0.01, cosine'), color('Adam lr 0.01'), 'a cosine run takes its constant twin’s colour');
    assert(color('SGD lr 0.01') !== color('SGD+momentum lr 0.1, cosine'), 'and no other run’s');
    const svg = await renderChartSvg(charts[0].options);
    assert(svg.startsWith('<svg') && svg.includes('min no dropout test loss 0.4 at epoch 2'), 'renders, with the minimum labelled');
  });

  it('draws the same report again from results.json (--from-results), NaN included, and refuses one from another plan', async () => {
    const x = overfitResult();
    x.runs[0].history.loss[2] = NaN;
    const saved = JSON.parse(JSON.stringify(resultsJson(meta, [x])));
    const back = resultsFromJson(saved);
    assertEqual(buildReport(back.meta, back.results), buildReport(meta, [x]), 'same report');
    assert(Number.isNaN(back.results[0].runs[0].history.loss[2]), 'NaN restored');
    assertEqual(experimentCharts(back.results[0]).map((c) => JSON.stringify(c.options)).join(), experimentCharts(x).map((c) => JSON.stringify(c.options)).join(), 'same charts');
    saved.experiments[0].runs.pop();
    await assertRejects(() => resultsFromJson(saved), /ran no-dropout, but the plan now has no-dropout, dropout: run the experiments again/, 'older plan');
    assertEqual(parseExperimentOptions(['--from-results', 'r.json']).fromResults, 'r.json', '--from-results');
  });

  it('keeps every measured value in results.json', () => {
    const j = JSON.parse(JSON.stringify(resultsJson(meta, [overfitResult()]))) as { experiments: { runs: { history: History; gap: { bestEpoch: number } }[]; conclusion: string[] }[] };
    assertEqual(j.experiments[0].runs[0].history.test_loss.join(), '0.5,0.4,0.45,0.6', 'history');
    assertEqual(j.experiments[0].runs[0].gap.bestEpoch, 2, 'gap');
    assert(j.experiments[0].conclusion.length >= 3, 'conclusion');
  });
});
