// docs/lab5.ru.md and docs/lab5.en.md: lab 5 ("image classification with a neural network")
// answered by this product, step by step, with the numbers and charts of the same results as experiments.md,
// so they cannot drift apart; the control questions are in lab5-questions.ts. Pure: the command writes.
import { kerasCode } from '../../engine/keras-code';
import { runSettings } from './plan';
import { classLabel, confusionTable, experimentCharts, keptMistakes, markdownTable, mistakesFile, redrawnNote, type ReportMeta } from './report';
import { bestRates, finalTest, finalTrain, int as intEn, pct, regularizerEffects, secs, type ExperimentResult } from './summary';
import type { RunResult } from './seeds';
import { classNamesIn, code, find, gapPts, int, label, layersOf, measuredOn, n, noiseLine, notMeasured, plural, ranking, runsTable, t, testAcc, type LabContext, type Lang } from './lab5-util';
import { questions } from './lab5-questions';

/** The anchors of the steps, the questions and the Keras code: the smoke test checks every one is there. */
export const LAB5_ANCHORS = ['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6', 'step-7', 'step-8', 'step-9', 'step-10', 'q1', 'q2', 'q3', 'q4', 'q5', 'keras-code'];

const charts = (c: LabContext, x: ExperimentResult, filter: (file: string) => boolean = () => true): string =>
  experimentCharts(x, c.lang).filter((f) => filter(f.file)).map((f) => `![${f.alt}](${c.meta.imageDir}/${f.file})`).join('\n');

const headlines = (c: LabContext): { x: ExperimentResult; r: RunResult }[] =>
  ['headline', 'fashion-headline'].flatMap((id) => (find(c, id)?.runs ?? []).filter((r) => r.test).map((r) => ({ x: find(c, id)!, r })));

/** A headline run's surest mistakes, when its results kept them: a sentence and the gallery (experiments.ts draws it). */
function mistakesGallery(c: LabContext, x: ExperimentResult, r: RunResult): string[] {
  const m = keptMistakes(r);
  if (!m) return [];
  return [
    n(c, t(c, `Ошибки, в которых модель была увереннее всего: ${m.surest.length} из ${int(c, m.count)} (истинный класс → предсказанный, вероятность предсказанного класса, номер тестового изображения); неоднозначное изображение или неверная метка видны сразу.`,
      `The mistakes the model was surest of: ${m.surest.length} of its ${int(c, m.count)} (true → predicted class, the predicted class's probability, the test image's index); an ambiguous image or a wrong label shows at once.`)),
    `![${t(c, 'Самые уверенные ошибки', 'The surest mistakes')}: ${x.datasetName} ${r.spec.label}](${c.meta.imageDir}/${mistakesFile(x, r, c.lang)})`,
  ];
}

const section = (anchor: string, title: string, ...body: string[]) => [`<a id="${anchor}"></a>`, `## ${title}`, '', ...body.filter((b) => b !== ''), ''].join('\n\n');

function steps(c: LabContext): string[] {
  const hs = headlines(c);
  const hTable = hs.length
    ? markdownTable([t(c, 'данные', 'data'), t(c, 'модель', 'model'), t(c, 'слои', 'layers'), t(c, 'параметров', 'parameters')],
        hs.map(({ x, r }) => [x.datasetName, r.spec.label, layersOf(c, r), int(c, r.parameters)]), ['l', 'l', 'l', 'r'])
    : notMeasured(c, t(c, 'Основные модели', 'The headline models'));
  const act = find(c, 'activations');
  const trainTable = hs.length
    ? markdownTable([t(c, 'данные', 'data'), t(c, 'модель', 'model'), t(c, 'эпох', 'epochs'), t(c, 'размер пакета', 'batch size'), t(c, 'оптимизатор', 'optimizer'),
        t(c, 'время обучения, с', 'training s'), t(c, 'изображений/с', 'images/s')],
      hs.map(({ x, r }) => [x.datasetName, r.spec.label, String(r.spec.epochs), String(r.spec.batchSize),
      `${r.spec.optimizer.name} lr ${n(c, String(r.spec.optimizer.learningRate))}${r.spec.lrSchedule === 'cosine' ? ', cosine' : ''}`, n(c, secs(r.trainSeconds)), int(c, r.imagesPerSec)]),
      ['l', 'l', 'r', 'r', 'l', 'r', 'r'])
    : '';
  const metrics = hs.flatMap(({ x, r }) => [
    t(c, `**${x.datasetName}, ${r.spec.label}**: точность на тесте ${testAcc(c, r)}, потери ${n(c, finalTest(r).loss.toFixed(4))}; ` +
      `на всей обучающей выборке (повторная оценка без dropout) ${n(c, pct(finalTrain(r).accuracy))}, разрыв ${gapPts(c, r)} п. п.`,
    `**${x.datasetName}, ${r.spec.label}**: test accuracy ${testAcc(c, r)}, loss ${finalTest(r).loss.toFixed(4)}; ` +
      `the whole training set re-evaluated (dropout off) ${pct(finalTrain(r).accuracy)}, a gap of ${gapPts(c, r)} points.`),
    t(c, 'Матрица ошибок (строки — истинный класс, столбцы — предсказанный):', 'Confusion matrix (rows: true class, columns: predicted):'),
    n(c, confusionTable(r, classNamesIn(c, x.classNames), t(c, 'истинный ↓ / предсказанный →', 'true ↓ / predicted →'))),
    ...mistakesGallery(c, x, r),
    t(c, 'По классам:', 'Per class:'),
    markdownTable([t(c, 'класс', 'class'), t(c, 'точность (precision)', 'precision'), t(c, 'полнота (recall)', 'recall'), 'F1'],
      classNamesIn(c, x.classNames).map((name, k) => [classLabel(name, k), n(c, pct(r.test!.precision[k])), n(c, pct(r.test!.recall[k])), n(c, r.test!.f1[k].toFixed(3))])),
  ]);
  const plots = hs.map(({ x, r }) => charts(c, x, (f) => f.startsWith(`${x.experiment.id}-${r.spec.id}-`))).join('\n');
  const overfit = ['overfitting', 'fashion-overfitting'].map((id) => find(c, id)).filter((x): x is ExperimentResult => x !== undefined);
  return [
    section('step-1', t(c, '1. Загрузка и предобработка данных', '1. Loading and preprocessing the data'),
      t(c, `MNIST и Fashion-MNIST — по 60\u00a0000 обучающих и 10\u00a0000 тестовых изображений 28×28 в оттенках серого, метки 0–9. Файлы в формате IDX читает ${code(c, 'src/data/idx.ts')}: ` +
        'он проверяет магическое число, размеры, диапазон меток и длину файла и называет файл и ошибку, если что-то не так. Набор данных выбирается атрибутом `dataset` элемента ' +
        '`<mnist-trainer>` или флагом `--dataset` команды `npm run train` (`mnist`, `fashion-mnist` или папка/URL с четырьмя файлами IDX); `--train-limit`/`--test-limit` берут первые N изображений. ' +
        `Изображения один раз загружаются на GPU байтами (${code(c, 'src/engine/gpu-dataset.ts')}); каждый пакет собирается на GPU по перемешанному списку индексов, так что во время обучения ни одно изображение не копируется с CPU.`,
      `MNIST and Fashion-MNIST each have 60,000 training and 10,000 test greyscale images of 28×28 pixels with labels 0–9. ${code(c, 'src/data/idx.ts')} reads the IDX files and checks ` +
        'the magic number, the sizes, the label range and the file length, naming the file and the problem. The element `<mnist-trainer>` takes the data set as its `dataset` attribute, ' +
        '`npm run train` as `--dataset` (`mnist`, `fashion-mnist`, or a folder/URL with the four IDX files); `--train-limit`/`--test-limit` take the first N images. The images are uploaded to the GPU ' +
        `once, as bytes (${code(c, 'src/engine/gpu-dataset.ts')}); each batch is gathered on the GPU from the shuffled index list, so no image crosses from CPU to GPU during training.`)),
    section('step-2', t(c, '2. Нормализация в [0, 1]', '2. Normalization to [0, 1]'),
      t(c, `Пиксели — байты 0–255. Шейдер ${code(c, 'src/shaders/gather.wgsl')} превращает каждый в \`x = (байт / 255 − mean) / std\`; по умолчанию mean = 0 и std = 1, то есть ровно ` +
        'деление на 255, как `x_train.astype("float32") / 255` в Keras: входы лежат в [0, 1].',
      `Pixels are bytes 0–255. ${code(c, 'src/shaders/gather.wgsl')} turns each into \`x = (byte / 255 − mean) / std\`; by default mean = 0 and std = 1, which is exactly the division by 255 of ` +
        'Keras\'s `x_train.astype("float32") / 255`: the inputs lie in [0, 1].')),
    section('step-3', t(c, '3. Архитектура сети', '3. The network architecture'),
      t(c, `Модель — это список слоёв (${code(c, 'src/engine/model.ts')}): пресет (\`mlp\`, \`cnn\`, \`cnn-deep\`, …) или JSON в атрибуте/флаге \`model\`. ` +
        '`resolveModel` выводит форму выхода и число параметров каждого слоя (как `model.summary()`) и отвергает невозможные модели до обращения к GPU. Модели этого отчёта:',
      `A model is a list of layers (${code(c, 'src/engine/model.ts')}): a preset (\`mlp\`, \`cnn\`, \`cnn-deep\`, …) or JSON in the \`model\` attribute/flag. ` +
        '`resolveModel` infers each layer\'s output shape and parameter count (like `model.summary()`) and rejects impossible models before touching the GPU. The models of this report:'),
      hTable, t(c, 'Эквивалентный код Keras — в [конце отчёта](#keras-code).', 'The equivalent Keras code is at [the end](#keras-code).')),
    section('step-4', t(c, '4. Функции активации', '4. Activation functions'),
      t(c, `Скрытые слои используют relu; доступны также leaky_relu, elu, sigmoid, tanh, gelu и linear (${code(c, 'src/shaders/activation.wgsl')}, ${code(c, 'src/engine/ops/activation.ts')}). ` +
        `Последний слой выдаёт 10 оценок, а softmax применяется вместе с функцией потерь (${code(c, 'src/shaders/softmax_xent.wgsl')}), как \`from_logits\` в Keras. ` +
        (act ? `Сравнение на одной сети (Flatten → 3 × Dense 128 → Dense 10), точность на тесте: ${ranking(c, act.runs)}. ${noiseLine(c, act.runs)}` : notMeasured(c, 'Сравнение активаций')),
      `Hidden layers use relu; leaky_relu, elu, sigmoid, tanh, gelu and linear are available too (${code(c, 'src/shaders/activation.wgsl')}, ${code(c, 'src/engine/ops/activation.ts')}). ` +
        `The last layer outputs 10 scores; softmax is applied together with the loss (${code(c, 'src/shaders/softmax_xent.wgsl')}), like Keras's \`from_logits\`. ` +
        (act ? `Compared on one network (Flatten → 3 × Dense 128 → Dense 10), test accuracy: ${ranking(c, act.runs)}. ${noiseLine(c, act.runs)}` : notMeasured(c, 'The activations comparison')))),
    section('step-5', t(c, '5. Компиляция: оптимизатор, функция потерь, метрика', '5. Compile: optimizer, loss, metric'),
      t(c, 'То, что в Keras задаёт `model.compile(...)`, здесь — настройки `optimizer` (sgd, momentum, nesterov, rmsprop, adagrad, adam, adamw, adamax, nadam), `learning-rate`, ' +
        '`loss` (categorical_crossentropy, mean_squared_error, categorical_hinge) и `metrics` (accuracy, top_k_accuracy): атрибуты элемента и одноимённые флаги CLI, ' +
        `объявленные один раз в ${code(c, 'src/engine/settings.ts')}. Основные модели обучены с Adam, categorical_crossentropy и accuracy. ` +
        `Обновления весов — ${code(c, 'src/shaders/optimizer.wgsl')}, функции потерь — ${code(c, 'src/shaders/softmax_xent.wgsl')}, точность и матрица ошибок подсчитываются на GPU в том же проходе, что и функция потерь, а precision/recall/F1 по матрице ошибок вычисляет ${code(c, 'src/engine/metrics.ts')}.`,
      'What Keras sets with `model.compile(...)` are the settings `optimizer` (sgd, momentum, nesterov, rmsprop, adagrad, adam, adamw, adamax, nadam), `learning-rate`, ' +
        '`loss` (categorical_crossentropy, mean_squared_error, categorical_hinge) and `metrics` (accuracy, top_k_accuracy) here: element attributes and CLI flags of the same names, ' +
        `declared once in ${code(c, 'src/engine/settings.ts')}. The headline models were trained with Adam, categorical_crossentropy and accuracy. ` +
        `The weight updates are ${code(c, 'src/shaders/optimizer.wgsl')}, the losses ${code(c, 'src/shaders/softmax_xent.wgsl')}; accuracy and the confusion matrix are counted on the GPU in the same pass as the loss, and precision/recall/F1 are computed from the matrix by ${code(c, 'src/engine/metrics.ts')}.`)),
    section('step-6', t(c, '6. Обучение', '6. Training'),
      t(c, `\`Trainer.fit\` (${code(c, 'src/engine/trainer.ts')}) делает то же, что \`model.fit\`: эпохи, пакеты, перемешивание с зерном, оценка на тесте после каждой эпохи, история (History) с теми же ключами, что у Keras. ` +
        'В элементе — кнопка «Обучить», в командной строке — `npm run train -- --model cnn --epochs 2`. Основные модели обучены на всех 60 000 изображениях:',
      `\`Trainer.fit\` (${code(c, 'src/engine/trainer.ts')}) does what \`model.fit\` does: epochs, batches, shuffling with the seed, a test evaluation after each epoch, a History with Keras's keys. ` +
        'In the element it is the Train button, on the command line `npm run train -- --model cnn --epochs 2`. The headline models were trained on all 60,000 images:'),
      trainTable || notMeasured(c, t(c, 'Основные модели', 'The headline models'))),
    section('step-7', t(c, '7. Оценка качества', '7. Quality metrics'),
      t(c, 'Точность (accuracy) и потери на 10\u00a0000 тестовых изображениях, матрица ошибок и precision/recall/F1 по классам (в элементе — таблицы под графиками, в CLI — `metrics.json`). Там же — ошибочно классифицированные тестовые изображения, сначала те, в которых модель была увереннее всего: в элементе галерея (щелчок по ячейке матрицы показывает изображения этой ячейки), в CLI — `mistakes.svg`.',
        'Accuracy and loss on the 10,000 test images, the confusion matrix and per-class precision/recall/F1 (in the element the tables below the charts, in the CLI `metrics.json`). The misclassified test images are there too, the ones the model was surest of first: in the element a gallery (a click on a cell of the matrix shows that cell\'s images), in the CLI `mistakes.svg`.'),
      ...(metrics.length ? metrics : [notMeasured(c, t(c, 'Основные модели', 'The headline models'))])),
    section('step-8', t(c, '8. Графики потерь и точности', '8. Loss and accuracy plots'),
      t(c, 'Синяя кривая — обучение (скользящее среднее за эпоху, как печатает Keras, с включённым dropout, где он есть), оранжевая — тест после каждой эпохи; минимум потерь на тесте отмечен. ' +
        'Элемент рисует те же кривые во время обучения (кнопки под графиками сохраняют `loss.png`, `accuracy.png` и `history.csv` для отчёта), CLI пишет `loss.svg` и `accuracy.svg` (и PNG; с `--lang ru` — с русскими подписями и десятичной запятой, как на графиках этого отчёта).',
      'Blue: training (the running average over the epoch that Keras prints, dropout on where the model has it); orange: the test set after each epoch; the test-loss minimum is marked. ' +
        'The element draws the same curves while it trains (the buttons under its charts save `loss.png`, `accuracy.png` and `history.csv` for a report), the CLI writes `loss.svg` and `accuracy.svg` (and PNGs; with `--lang ru` worded in Russian with decimal commas, as the Russian report\'s charts are).'),
      plots || notMeasured(c, t(c, 'Графики', 'The plots'))),
    section('step-9', t(c, '9. Переобучение → dropout → снова графики', '9. Overfitting → dropout → plots again'), ...overfitStep(c, overfit)),
    section('step-10', t(c, '10. Эксперименты с архитектурой', '10. Architecture experiments'), ...architectureStep(c)),
  ];
}

function overfitStep(c: LabContext, xs: ExperimentResult[]): string[] {
  if (!xs.length) return [notMeasured(c, t(c, 'Переобучение', 'Overfitting'))];
  const out: string[] = [];
  for (const x of xs) {
    const { base, effects } = regularizerEffects(x.runs);
    if (!base) continue;
    const halved = effects.filter((e) => e.halved).map((e) => e.run.spec.label);
    const halvedRu = effects.filter((e) => e.halved).map((e) => label(c, e.run));
    out.push(`### ${x.datasetName}`,
      t(c, `Широкая сеть (2 × Dense 256, ${int(c, base.parameters)} ${plural(base.parameters, 'параметр', 'параметра', 'параметров')}), ` +
        `${int(c, base.spec.trainLimit)} обучающих изображений, ${base.spec.epochs} ${plural(base.spec.epochs, 'эпоха', 'эпохи', 'эпох')}, ` +
        `${base.seeds.length} ${plural(base.seeds.length, 'зерно', 'зерна', 'зёрен')}. ` +
        `Без регуляризации: точность на обучении ${n(c, pct(finalTrain(base).accuracy))}, на тесте ${testAcc(c, base)}, разрыв ${gapPts(c, base)} п. п. — сеть запоминает обучающую выборку.`,
      `A wide network (2 × Dense 256, ${intEn(base.parameters)} parameters) on ${intEn(base.spec.trainLimit)} training images, ${base.spec.epochs} epochs, ${base.seeds.length} seed${base.seeds.length === 1 ? '' : 's'}. ` +
        `Without regularization: train accuracy ${pct(finalTrain(base).accuracy)}, test ${testAcc(c, base)}, a gap of ${gapPts(c, base)} points: the network memorises its training set.`),
      t(c, 'До (без регуляризации) и после (с dropout):', 'Before (no regularization) and after (dropout):'),
      charts(c, x),
      runsTable(c, x.runs),
      halved.length
        ? t(c, `Разрыв сократился как минимум вдвое с регуляризаторами: ${halvedRu.join(', ')}.`, `The gap at least halved with: ${halved.join(', ')}.`)
        : t(c, 'Ни один регуляризатор не сократил разрыв вдвое в этой постановке.', 'No regularizer halved the gap in this setting.'));
  }
  return out;
}

function architectureStep(c: LabContext): string[] {
  const parts: [string, string, string][] = [
    ['architectures', 'mlp, cnn и cnn-deep на MNIST', 'mlp, cnn and cnn-deep on MNIST'],
    ['conv-blocks', '1, 2 или 3 свёрточных блока', '1, 2 or 3 convolutional blocks'],
    ['fashion-architectures', 'mlp и cnn на Fashion-MNIST', 'mlp and cnn on Fashion-MNIST'],
    ['optimizers', 'Оптимизаторы (каждый при лучшей скорости обучения)', 'Optimizers (each at its best learning rate)'],
    ['losses', 'Функции потерь', 'Losses'],
  ];
  const out: string[] = [t(c, 'Точность на тесте — среднее ± стандартное отклонение по зёрнам; подробности и графики — в [experiments.md](experiments.md). ' +
    'В элементе каждый запуск попадает в таблицу «Сравнение запусков»: её можно отсортировать по результату, настройки, которыми запуски различаются, выделены жирным, ' +
    'а `runs.csv` сохраняет таблицу для отчёта.',
  'Test accuracy is the mean ± standard deviation over the seeds; details and charts in [experiments.md](experiments.md). ' +
    'In the element every run enters the Compare runs table: it sorts by a result, the settings the runs differ in are in bold, and `runs.csv` saves it for a report.')];
  for (const [id, ru, en] of parts) {
    const x = find(c, id);
    if (!x) {
      // Fashion-MNIST is optional (--no-fashion): its absence is no gap in the report.
      if (!id.startsWith('fashion-')) out.push(notMeasured(c, t(c, ru, en)));
      continue;
    }
    const runs = id === 'optimizers' ? bestPerOptimizer(x) : x.runs;
    out.push(`### ${t(c, ru, en)}`, `${t(c, 'Измерено', 'Measured')} ${measuredOn(c, runs)}.`, runsTable(c, runs, id === 'architectures' || id === 'conv-blocks'), noiseLine(c, runs));
  }
  return out;
}

const bestPerOptimizer = (x: ExperimentResult): RunResult[] => bestRates(x.runs);

function kerasSection(c: LabContext): string {
  const items = [...headlines(c).map(({ x, r }) => ({ x, r })), ...['overfitting'].flatMap((id) => {
    const x = find(c, id);
    const r = x?.runs.find((q) => q.spec.id === 'dropout');
    return x && r ? [{ x, r }] : [];
  })];
  const blocks = items.map(({ x, r }) => [`### ${x.datasetName}: ${r.spec.label}${x.experiment.kind === 'overfitting' ? t(c, ' (переобучение, с dropout)', ' (overfitting, with dropout)') : ''}`, '',
    '```python', kerasCode(runSettings(r.spec, r.seeds[0]?.seed, x.experiment.dataset), r.spec.model).trimEnd(), '```'].join('\n'));
  return section('keras-code', t(c, 'Эквивалентный код Keras', 'The equivalent Keras code'),
    t(c, `Сгенерирован ${code(c, 'src/engine/keras-code.ts')} (\`kerasCode()\`; в элементе — «Показать код Keras», в CLI — \`npm run train -- --keras-code\`) из тех же настроек, что и запуски отчёта.`,
      `Generated by ${code(c, 'src/engine/keras-code.ts')} (\`kerasCode()\`; "Show Keras code" in the element, \`npm run train -- --keras-code\` in the CLI) from the same settings as the report's runs.`),
    ...(blocks.length ? blocks : [notMeasured(c, 'Keras')]));
}

/** The repository root seen from the report's folder (conceptsHref points at docs/concepts.md). */
function rootOf(meta: ReportMeta): string {
  return meta.conceptsHref === 'concepts.md' ? '../' : meta.conceptsHref.replace(/docs\/concepts\.md$/, '');
}

export function buildLab5(meta: ReportMeta, results: ExperimentResult[], lang: Lang): string {
  const c: LabContext = { lang, meta, results, root: rootOf(meta) };
  const head = [
    t(c, '# Лабораторная работа №5: классификация изображений нейронной сетью — выполнение с помощью mnist-trainer',
      '# Lab 5: image classification with a neural network, answered by mnist-trainer'),
    '',
    t(c, `Сгенерировано командой \`${meta.command}\` (${meta.date}, адаптер WebGPU **${meta.adapter}**) из тех же результатов, что и [experiments.md](experiments.md) ` +
      '([English version](lab5.en.md)): все числа, таблицы и графики ниже получены этим запуском, ничего не вписано вручную.',
    `Generated by \`${meta.command}\` (${meta.date}, WebGPU adapter **${meta.adapter}**) from the same results as [experiments.md](experiments.md) ` +
      '([русская версия](lab5.ru.md)): every number, table and chart below comes from that run; nothing is copied by hand.'),
    '',
    ...(meta.redrawn ? [t(c, `Перерисовано по сохранённым результатам командой \`${meta.redrawn.command}\` (${meta.redrawn.date}${meta.redrawn.commit ? `, коммит ${meta.redrawn.commit}` : ''}): ` +
      'числа — того запуска, формулировки и графики — этого коммита.', redrawnNote(meta)[0]), ''] : []),
    ...(meta.quick ? [t(c, '**Это отчёт --quick** (крошечные выборки, одна эпоха): он лишь проверяет, что отчёт собирается; его числа о моделях почти ничего не говорят.',
      '**This is a --quick report** (tiny subsets, one epoch): it only checks that the report is generated; its numbers say little about the models.'), ''] : []),
    ...(results.some((x) => x.stale) ? [t(c, '**Часть результатов получена по прежнему, меньшему плану экспериментов** (см. пометки в experiments.md); разделы с пометкой «не измерялось» ' +
      'заполнит полный запуск `npm run experiments`.', '**Some results come from an earlier, smaller plan of experiments** (see the notes in experiments.md); the sections marked "not measured" ' +
      'are filled by a full `npm run experiments`.'), ''] : []),
    t(c, 'Каждый шаг задания сопоставлен с тем, что делает продукт (элемент `<mnist-trainer>` и командная строка), с нашими измерениями; затем — ответы на контрольные вопросы и код Keras. ' +
      `Сами понятия (архитектура, свёртка, активации, оптимизаторы, функции потерь и метрики, dropout) подробно объясняет [справочник понятий](${meta.conceptsHref.replace(/\.md$/, '.ru.md')}).`,
    'Each step of the assignment is mapped to what the product does (the `<mnist-trainer>` element and the command line), with our measurements; then the control questions and the Keras code. ' +
      `The [concepts guide](${meta.conceptsHref}) explains the ideas themselves (architecture, convolution, activations, optimizers, losses and metrics, dropout).`),
    '',
  ];
  return [...head, ...steps(c), ...questions(c), kerasSection(c)].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
