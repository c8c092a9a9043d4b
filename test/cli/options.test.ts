// Command-line options: defaults, every option, and a clear message for each kind of mistake.
import { parseTrainOptions } from '../../src/cli/options';
import { PRESETS } from '../../src/engine/model-setting';
import { assertEqual, assertRejects } from '../util/assert';

describe('command-line options', () => {
  it('has documented defaults', () => {
    const o = parseTrainOptions([]);
    const s = o.settings;
    assertEqual(JSON.stringify([s.dataSource, o.modelName, s.epochs, s.batchSize, s.optimizer, s.learningRate, s.lrSchedule, s.seed, o.out]), JSON.stringify(['mnist', 'mlp', 5, 32, 'adam', 0.001, 'constant', 1, 'out']), 'defaults');
    assertEqual(s.dropout, null, 'dropout: the model’s own rates');
    assertEqual(o.save, 'out/model.mntc', 'the checkpoint: model.mntc in --out');
    assertEqual(parseTrainOptions(['--out', 'runs/a/']).save, 'runs/a/model.mntc', 'in another --out');
    assertEqual(parseTrainOptions(['--load', 'm.mntc', '--evaluate-only']).save, undefined, 'an evaluation writes no checkpoint');
    assertEqual(o.lang, 'en', 'charts in English');
    assertEqual(o.given.length, 0, 'no setting given');
  });

  it('records which settings were given (a --load run keeps the checkpoint\'s others), the live ones apart', () => {
    const o = parseTrainOptions(['--learning-rate', '0.01', '--batch-size', '64', '--out', 'o', '--dataset', 'fashion-mnist']);
    assertEqual(o.given.join(), 'dataSource,batchSize,learningRate', 'the settings given, in the schema\'s order, output options aside');
    assertEqual(o.liveGiven.join(), 'learningRate', 'the live ones');
  });

  it('reads every option, in --name value and --name=value forms', () => {
    const o = parseTrainOptions(['--dataset', 'fashion-mnist', '--model=cnn', '--epochs', '2', '--batch-size=64', '--optimizer', 'sgd', '--learning-rate', '0.1', '--lr-schedule', 'cosine', '--dropout', '0', '--seed', '0', '--train-limit', '1000', '--validation-split', '0.1', '--out', 'o', '--save', 'm.mntc', '--quiet', '--lang', 'ru']);
    assertEqual(JSON.stringify(o.model), JSON.stringify(PRESETS.cnn), 'model');
    const s = o.settings;
    assertEqual(JSON.stringify([s.dataSource, s.epochs, s.batchSize, s.optimizer, s.learningRate, s.lrSchedule, s.dropout, s.seed, s.trainLimit, s.validationSplit, o.out, o.save, o.quiet, o.lang]),
      JSON.stringify(['fashion-mnist', 2, 64, 'sgd', 0.1, 'cosine', 0, 0, 1000, 0.1, 'o', 'm.mntc', true, 'ru']), 'values');
  });

  it('reads a model from a JSON file or inline JSON', () => {
    const json = '{"layers":[{"type":"flatten"},{"type":"dense","units":10}]}';
    assertEqual(parseTrainOptions(['--model', 'm.json'], (p) => (p === 'm.json' ? json : undefined)).model.layers.length, 2, 'file');
    assertEqual(parseTrainOptions(['--model', json]).model.layers.length, 2, 'inline');
  });

  const bad: [string[], RegExp][] = [
    [['--epochs', '0'], /--epochs must be a whole number from 1 to 1000, got "0"/],
    [['--epochs', 'two'], /--epochs must be a whole number/],
    [['--batch-size', '1.5'], /--batch-size must be a whole number/],
    [['--optimizer', 'adadelta'], /--optimizer must be one of sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, adamax, nadam, got "adadelta"/],
    [['--learning-rate', '-1'], /--learning-rate must be a number greater than 0/],
    [['--learning-rate', '11'], /--learning-rate must be a number greater than 0 and at most 10, got "11"/],
    [['--lr-schedule', 'linear'], /--lr-schedule must be one of constant, cosine, got "linear"/],
    [['--dropout', '1'], /--dropout must be a number from 0 up to but not including 1/],
    [['--dataset', 'minst'], /--dataset must be mnist, fashion-mnist, or a folder or URL/],
    [['--model', 'resnet'], /--model: .*neither a preset/],
    [['--modle', 'cnn'], /unknown option --modle/],
    [['--epochs'], /--epochs needs a value/],
    [['cnn'], /unexpected argument "cnn"/],
    [['--out', '--quiet'], /^--out needs a value, got the option --quiet/],
    [['--epochs', '--seed', '3'], /^--epochs needs a value, got the option --seed/],
    [['--epochs', '0x10'], /--epochs must be a whole number from 1 to 1000, got "0x10"/],
    [['--seed', '1_000'], /--seed must be a whole number/],
    [['--learning-rate', '1e-50'], /--learning-rate must be .*32-bit float/],
    [['--dropout', '0.99999999'], /--dropout must be .*32-bit float/],
    [['--learning-rate', 'Infinity'], /--learning-rate must be a number greater than 0/],
    [['--lang', 'de'], /^--lang must be one of en, ru, got 'de'/],
    [['--save='], /^--save needs a value, got an empty one/],
    [['--load', ''], /^--load needs a value, got an empty one/],
    [['--train-limit='], /^--train-limit needs a value, got an empty one/],
    [['--restore-best-weights=no'], /^--restore-best-weights is a flag: give it alone to turn it on \(or =true, =false\), got --restore-best-weights=no/],
  ];
  it('reads a flag alone, =true or =false', () => {
    const on = (argv: string[]) => parseTrainOptions(argv).settings.restoreBestWeights;
    assertEqual(JSON.stringify([on([]), on(['--restore-best-weights']), on(['--restore-best-weights=true']), on(['--restore-best-weights=false'])]), '[false,true,true,false]', 'restore-best-weights');
    assertEqual(parseTrainOptions(['--quiet=false']).quiet, false, '--quiet=false');
  });
  for (const [argv, pattern] of bad) {
    it(`rejects ${argv.join(' ')}`, async () => {
      await assertRejects(() => parseTrainOptions(argv), pattern, argv.join(' '));
    });
  }
});
