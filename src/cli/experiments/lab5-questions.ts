// The lab's five control questions, answered from our own measurements and linked to the code that
// implements each answer. Part of lab5.ts; pure.
import { resolveModel } from '../../engine/model';
import { PRESETS } from '../../engine/model-setting';
import { bestRates, finalTest, regularizerEffects, type ExperimentResult } from './summary';
import { code, find, gapPts, int, label, n, noiseLine, notMeasured, plural, ranking, t, testAcc, type LabContext } from './lab5-util';

/** Output size of a convolution or pooling along one axis: ⌊(n + 2p − k) / s⌋ + 1. */
export const convOutput = (size: number, kernel: number, padding: number, stride: number): number => Math.floor((size + 2 * padding - kernel) / stride) + 1;

const section = (anchor: string, title: string, ...body: string[]) => [`<a id="${anchor}"></a>`, `### ${title}`, '', ...body.filter((b) => b !== ''), ''].join('\n\n');

/** The cnn preset's shapes as resolveModel computes them: "28×28×1 → 26×26×32 → 13×13×32 → …". */
function cnnShapes(): string {
  const m = resolveModel(PRESETS.cnn);
  return [m.inputShape, ...m.layers.filter((l) => l.spec.type !== 'dropout').map((l) => l.outShape)].map((s) => s.join('×')).join(' → ');
}

function q1(c: LabContext): string {
  const arch = find(c, 'architectures'), fa = find(c, 'fashion-architectures'), head = find(c, 'headline');
  const mlp = head?.runs.find((r) => r.spec.id === 'mlp'), cnn = head?.runs.find((r) => r.spec.id === 'cnn');
  return section('q1', t(c, '1. Что такое архитектура нейронной сети и как выбирают слои?', '1. What is a neural network architecture, and how are the layers chosen?'),
    t(c, 'Архитектура — это последовательность слоёв и их размеров: какие операции превращают изображение 28×28 в 10 оценок классов и сколько у каждой обучаемых параметров. ' +
      `В продукте модель — буквально список слоёв (${code(c, 'src/engine/model.ts')}), \`resolveModel\` считает формы и параметры, ${code(c, 'src/engine/graph.ts')} превращает список в прямой и обратный проходы на GPU. ` +
      'Слои выбирают по структуре данных (у изображений соседние пиксели связаны — свёртки используют это и делят веса), по объёму данных (много параметров при малой выборке — переобучение), ' +
      'по вычислительному бюджету (свёртка дороже на параметр) и по выходу (последний слой — 10 оценок, softmax).',
    'An architecture is the sequence of layers and their sizes: which operations turn a 28×28 image into 10 class scores, and how many learnable parameters each has. ' +
      `In the product a model is literally a list of layers (${code(c, 'src/engine/model.ts')}); \`resolveModel\` computes the shapes and parameters, ${code(c, 'src/engine/graph.ts')} turns the list into GPU forward and backward passes. ` +
      'Layers are chosen by the structure of the data (neighbouring pixels are related: convolutions exploit that and share weights), the amount of data (many parameters on a small set overfit), ' +
      'the compute budget (a convolution costs more per parameter) and the output (the last layer gives 10 scores, then softmax).'),
    mlp && cnn ? t(c, `Наши измерения на всём MNIST: mlp (параметров: ${int(c, mlp.parameters)}) — ${testAcc(c, mlp)}, cnn (параметров: ${int(c, cnn.parameters)}, ` +
      `в ${n(c, (mlp.parameters / cnn.parameters).toFixed(1))} раза меньше) — ${testAcc(c, cnn)}.`,
    `Our measurements on the whole of MNIST: mlp (${int(c, mlp.parameters)} parameters) ${testAcc(c, mlp)}, cnn (${int(c, cnn.parameters)} parameters, ` +
      `${(mlp.parameters / cnn.parameters).toFixed(1)}× fewer) ${testAcc(c, cnn)}.`) : '',
    arch ? t(c, `На ${int(c, arch.runs[0].spec.trainLimit)} обучающих изображениях, ${arch.runs[0].spec.epochs} ${plural(arch.runs[0].spec.epochs, 'эпоха', 'эпохи', 'эпох')}: ${ranking(c, arch.runs)}. ${noiseLine(c, arch.runs)}`,
      `On ${int(c, arch.runs[0].spec.trainLimit)} training images, ${arch.runs[0].spec.epochs} epoch${arch.runs[0].spec.epochs > 1 ? 's' : ''}: ${ranking(c, arch.runs)}. ${noiseLine(c, arch.runs)}`)
    : notMeasured(c, t(c, 'Сравнение архитектур', 'The architectures comparison')),
    fa ? t(c, `На Fashion-MNIST в той же постановке: ${ranking(c, fa.runs)}. ${noiseLine(c, fa.runs)}`, `On Fashion-MNIST with the same settings: ${ranking(c, fa.runs)}. ${noiseLine(c, fa.runs)}`) : '');
}

function q2(c: LabContext): string {
  const blocks = find(c, 'conv-blocks');
  const same = convOutput(28, 3, 1, 1), valid = convOutput(28, 3, 0, 1), pool = convOutput(26, 2, 0, 2);
  return section('q2', t(c, '2. Что делает операция свёртки?', '2. What does the convolution operation do?'),
    t(c, 'Свёртка скользит небольшим ядром (например, 3×3) по изображению; в каждой позиции она умножает веса ядра на пиксели под ним и суммирует: ' +
      '`y[i,j,f] = b[f] + Σ_{u,v,c} x[i·s+u−p, j·s+v−p, c] · w[u,v,c,f]`. Каждый фильтр даёт карту признаков; ядро с весами, похожими на вертикальный штрих, сильно откликается там, где такой штрих есть. ' +
      'Одни и те же веса используются во всех позициях, поэтому у слоя Conv 3×3 с 32 фильтрами на одноканальном входе всего 3·3·1·32 + 32 = 320 параметров при любом размере изображения.',
    'A convolution slides a small kernel (e.g. 3×3) over the image; at each position it multiplies the kernel weights with the pixels under it and sums: ' +
      '`y[i,j,f] = b[f] + Σ_{u,v,c} x[i·s+u−p, j·s+v−p, c] · w[u,v,c,f]`. Each filter yields a feature map; a kernel shaped like a vertical stroke responds strongly where there is one. ' +
      'The same weights serve every position, so a Conv 3×3 layer with 32 filters on a one-channel input has only 3·3·1·32 + 32 = 320 parameters whatever the image size.'),
    t(c, '**Размер выхода** по каждой оси для входа n, ядра k, дополнения (padding) p и шага (stride) s: **⌊(n + 2p − k) / s⌋ + 1**. ' +
      `Для 28 и ядра 3: padding \`valid\` (p = 0) даёт ⌊(28 − 3)/1⌋ + 1 = ${valid}, \`same\` (p = 1) — ${same}; подвыборка MaxPool 2 (k = 2, s = 2) из 26 — ⌊(26 − 2)/2⌋ + 1 = ${pool}. ` +
      `Формы пресета cnn, как их считает \`resolveModel\`: ${cnnShapes()}.`,
    '**Output size** along each axis for input n, kernel k, padding p and stride s: **⌊(n + 2p − k) / s⌋ + 1**. ' +
      `For 28 and a 3×3 kernel: \`valid\` padding (p = 0) gives ⌊(28 − 3)/1⌋ + 1 = ${valid}, \`same\` (p = 1) gives ${same}; MaxPool 2 (k = 2, s = 2) from 26 gives ⌊(26 − 2)/2⌋ + 1 = ${pool}. ` +
      `The cnn preset's shapes as \`resolveModel\` computes them: ${cnnShapes()}.`),
    t(c, `Код: ${code(c, 'src/shaders/conv2d.wgsl')} (свёртка как неявное матричное произведение, градиенты по входу и весам), ${code(c, 'src/engine/ops/conv2d.ts')}, подвыборка — ${code(c, 'src/shaders/pool.wgsl')}.`,
      `Code: ${code(c, 'src/shaders/conv2d.wgsl')} (the convolution as an implicit matrix product, gradients for input and weights), ${code(c, 'src/engine/ops/conv2d.ts')}, pooling in ${code(c, 'src/shaders/pool.wgsl')}.`),
    blocks ? t(c, `Измерено (1, 2, 3 блока Conv + MaxPool): ${ranking(c, blocks.runs)}. ${noiseLine(c, blocks.runs)}`, `Measured (1, 2, 3 blocks of Conv + MaxPool): ${ranking(c, blocks.runs)}. ${noiseLine(c, blocks.runs)}`)
    : notMeasured(c, t(c, 'Сравнение числа блоков', 'The conv-blocks comparison')));
}

function q3(c: LabContext): string {
  const act = find(c, 'activations');
  const sig = act?.runs.find((r) => r.spec.id === 'sigmoid'), relu = act?.runs.find((r) => r.spec.id === 'relu');
  return section('q3', t(c, '3. Какие бывают функции активации и зачем нужна нелинейность?', '3. Which activation functions exist, and why must they be non-linear?'),
    t(c, 'Без нелинейности композиция линейных слоёв — снова линейная функция: сколько слоёв ни ставь, сеть остаётся одним линейным классификатором. ' +
      'Нелинейная активация после каждого скрытого слоя позволяет строить сложные границы классов. relu = max(0, x) дёшева и не насыщается при x > 0; leaky_relu пропускает малый наклон при x < 0; ' +
      'elu и gelu — гладкие варианты; sigmoid и tanh насыщаются, их производные на краях близки к нулю, и градиент в глубокой сети затухает; softmax на выходе превращает оценки в вероятности.',
    'Without a non-linearity a stack of linear layers is again one linear function: however many layers, the network stays a linear classifier. ' +
      'A non-linear activation after each hidden layer lets it draw complex class boundaries. relu = max(0, x) is cheap and does not saturate for x > 0; leaky_relu keeps a small slope for x < 0; ' +
      'elu and gelu are smooth variants; sigmoid and tanh saturate, their derivatives vanish at the ends and the gradient fades in a deep network; softmax at the output turns scores into probabilities.'),
    act ? t(c, `Наше сравнение (3 скрытых слоя по 128, SGD с импульсом): ${ranking(c, act.runs)}. ${noiseLine(c, act.runs)}` +
      (sig && relu ? ` После первой эпохи потери на обучении у sigmoid ${n(c, sig.history.loss[0].toFixed(4))} против ${n(c, relu.history.loss[0].toFixed(4))} у relu — так выглядит затухание градиента.` : ''),
    `Our comparison (3 hidden layers of 128, SGD with momentum): ${ranking(c, act.runs)}. ${noiseLine(c, act.runs)}` +
      (sig && relu ? ` After the first epoch the training loss with sigmoid was ${sig.history.loss[0].toFixed(4)} against ${relu.history.loss[0].toFixed(4)} with relu: the fading gradient in numbers.` : ''))
    : notMeasured(c, t(c, 'Сравнение активаций', 'The activations comparison')),
    t(c, `Код: ${code(c, 'src/shaders/activation.wgsl')}, ${code(c, 'src/engine/ops/activation.ts')}.`, `Code: ${code(c, 'src/shaders/activation.wgsl')}, ${code(c, 'src/engine/ops/activation.ts')}.`));
}

function q4(c: LabContext): string {
  const opt = find(c, 'optimizers'), loss = find(c, 'losses');
  const best = opt ? bestRates(opt.runs) : [];
  const tuned = best.some((r) => (r.spec.settings?.validationSplit ?? 0) > 0);
  return section('q4', t(c, '4. Какие оптимизаторы, функции потерь и метрики используются и как их выбрать?', '4. Which optimizers, losses and metrics are used, and how to choose?'),
    t(c, '**Оптимизаторы**: SGD (шаг против градиента), SGD с импульсом и Нестерова (накапливают скорость), Adagrad, RMSprop (делят шаг на накопленный квадрат градиента), Adam, AdamW (с раздельным затуханием весов), Adamax, Nadam. ' +
      'Выбор: Adam с lr ≈ 0,001 — надёжное начало; скорость обучения важнее выбора оптимизатора, её подбирают по валидационной выборке. ' +
      '**Функции потерь**: кросс-энтропия для классификации (по умолчанию), MSE по вероятностям, categorical hinge. **Метрики**: точность (accuracy), top-k, а для несбалансированных задач — precision, recall, F1 по классам и матрица ошибок.',
    '**Optimizers**: SGD (a step against the gradient), SGD with momentum and Nesterov (they build up velocity), Adagrad, RMSprop (divide the step by the accumulated squared gradient), Adam, AdamW (decoupled weight decay), Adamax, Nadam. ' +
      'How to choose: Adam with lr ≈ 0.001 is a safe start; the learning rate matters more than the optimizer and is tuned on validation data. ' +
      '**Losses**: cross-entropy for classification (the default), MSE on the probabilities, categorical hinge. **Metrics**: accuracy, top-k, and for unbalanced tasks per-class precision, recall, F1 and the confusion matrix.'),
    best.length ? t(c, `Наши измерения: ${best.length} ${plural(best.length, 'оптимизатор', 'оптимизатора', 'оптимизаторов')} на mlp, каждый при лучшей из проверенных скоростей обучения ` +
      `(выбрана по точности ${tuned ? 'на валидационной выборке' : 'на тесте'}): ${ranking(c, best)}. ${noiseLine(c, best)}`,
    `Our measurements: ${best.length} optimizer${best.length > 1 ? 's' : ''} on the mlp, each at the best of the learning rates tried ` +
      `(chosen by ${tuned ? 'validation' : 'test'} accuracy): ${ranking(c, best)}. ${noiseLine(c, best)}`)
    : notMeasured(c, t(c, 'Сравнение оптимизаторов', 'The optimizers comparison')),
    loss ? t(c, `Функции потерь: ${ranking(c, loss.runs)}. ${noiseLine(c, loss.runs)}`, `Losses: ${ranking(c, loss.runs)}. ${noiseLine(c, loss.runs)}`)
    : notMeasured(c, t(c, 'Сравнение функций потерь', 'The losses comparison')),
    t(c, `Код: ${code(c, 'src/shaders/optimizer.wgsl')} и ${code(c, 'src/engine/ops/optimizer.ts')}, ${code(c, 'src/shaders/softmax_xent.wgsl')} и ${code(c, 'src/engine/ops/softmax_xent.ts')}, ${code(c, 'src/engine/metrics.ts')}.`,
      `Code: ${code(c, 'src/shaders/optimizer.wgsl')} and ${code(c, 'src/engine/ops/optimizer.ts')}, ${code(c, 'src/shaders/softmax_xent.wgsl')} and ${code(c, 'src/engine/ops/softmax_xent.ts')}, ${code(c, 'src/engine/metrics.ts')}.`));
}

function overfitFacts(c: LabContext, x: ExperimentResult | undefined): string {
  if (!x) return '';
  const { base, effects } = regularizerEffects(x.runs);
  if (!base) return '';
  // A halving with a lower test accuracy closed the gap from the training side: said, not hidden.
  const halving = (e: (typeof effects)[number]) => (!e.halved ? '' : finalTest(e.run).accuracy < finalTest(base).accuracy
    ? t(c, ', разрыв сократился вдвое и больше, но за счёт точности на обучении: на тесте она ниже, чем без регуляризации', ', gap at least halved, but by lower training accuracy: the test accuracy is below the unregularized one')
    : t(c, ', разрыв сократился вдвое и больше', ', gap at least halved'));
  const list = effects.map((e) => `${label(c, e.run)} — ${gapPts(c, e.run)} (${testAcc(c, e.run)})${halving(e)}`).join('; ');
  return t(c, `**${x.datasetName}**: без регуляризации разрыв точности обучение − тест ${gapPts(c, base)} п. п. (тест ${testAcc(c, base)}, минимум потерь на тесте — эпоха ${lowestEpoch(x)}); ${list}.`,
    `**${x.datasetName}**: without regularization the train − test accuracy gap is ${gapPts(c, base)} points (test ${testAcc(c, base)}, lowest test loss at epoch ${lowestEpoch(x)}); ${list}.`);
}

function lowestEpoch(x: ExperimentResult): number {
  const h = (regularizerEffects(x.runs).base ?? x.runs[0]).history.test_loss;
  return h.indexOf(Math.min(...h.filter(Number.isFinite))) + 1;
}

function q5(c: LabContext): string {
  const xs = [find(c, 'overfitting'), find(c, 'fashion-overfitting')];
  return section('q5', t(c, '5. Что такое переобучение и как с ним борются dropout и другие регуляризаторы?', '5. What is overfitting, and how do dropout and other regularizers fight it?'),
    t(c, 'Переобучение — когда модель запоминает обучающие примеры вместо общих закономерностей: точность на обучении растёт к 100 %, а на новых данных отстаёт, потери на тесте, пройдя минимум, начинают расти. ' +
      `Элемент показывает вердикт после каждой эпохи (${code(c, 'src/engine/verdict.ts')}). **Dropout** на каждом шаге обучения обнуляет случайную долю p активаций и масштабирует остальные на 1/(1 − p) ` +
      `(${code(c, 'src/shaders/dropout.wgsl')}), так что сеть не может полагаться на отдельные нейроны — это похоже на усреднение множества прореженных сетей; при оценке dropout выключен. ` +
      `Другие средства: L2-штраф на веса (${code(c, 'src/shaders/regularize.wgsl')}), аугментация данных — случайные сдвиги, повороты, масштаб (${code(c, 'src/shaders/gather.wgsl')}), ` +
      `пакетная нормализация (${code(c, 'src/shaders/batchnorm.wgsl')}), ранняя остановка (${code(c, 'src/engine/callbacks.ts')}), больше данных и меньшая модель.`,
    'Overfitting is when a model memorises its training examples instead of general patterns: training accuracy climbs towards 100% while it lags on new data, and the test loss, past its minimum, rises. ' +
      `The element shows a verdict after every epoch (${code(c, 'src/engine/verdict.ts')}). **Dropout** zeroes a random fraction p of the activations at every training step and scales the rest by 1/(1 − p) ` +
      `(${code(c, 'src/shaders/dropout.wgsl')}), so the network cannot rely on single units, much like averaging many thinned networks; evaluation runs with dropout off. ` +
      `Other means: an L2 penalty on the weights (${code(c, 'src/shaders/regularize.wgsl')}), data augmentation with random shifts, rotations and zoom (${code(c, 'src/shaders/gather.wgsl')}), ` +
      `batch normalization (${code(c, 'src/shaders/batchnorm.wgsl')}), early stopping (${code(c, 'src/engine/callbacks.ts')}), more data and a smaller model.`),
    ...(xs.some(Boolean) ? xs.map((x) => overfitFacts(c, x)) : [notMeasured(c, t(c, 'Переобучение', 'Overfitting'))]),
    t(c, 'Графики до и после — в [шаге 9](#step-9).', 'The before and after charts are in [step 9](#step-9).'));
}

export function questions(c: LabContext): string[] {
  return ['## ' + t(c, 'Контрольные вопросы', 'Review questions'), '', q1(c), q2(c), q3(c), q4(c), q5(c)];
}
