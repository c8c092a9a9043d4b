// The words of the experiments' charts and run names in each report's language: experiments.md and
// lab5.en.md in English, lab5.ru.md in Russian (its charts are drawn a second time, as *.ru.svg). The plan
// (plan.ts) names experiments and runs in English; what a Russian reader sees of them is here.
import type { ExperimentResult } from './summary';
import type { RunResult } from './seeds';
import { localNumbers, type Lang } from '../run-words';

/** The report's language: the CLI's run files' (run-words.ts), whose Russian numbers the reports share. */
export type ReportLang = Lang;
export { localNumbers };

/** Run labels of the plan in Russian; the others (mlp, cnn, optimizer names, L2) read the same in both. */
export const RU_RUN_LABELS: Readonly<Record<string, string>> = {
  'no regularization': 'без регуляризации', 'no dropout': 'без dropout', 'with dropout': 'с dropout', augmentation: 'аугментация',
  'batch norm': 'пакетная нормализация', 'early stopping': 'ранняя остановка', 'dropout + augmentation': 'dropout + аугментация',
  '1 block': '1 блок', '2 blocks': '2 блока', '3 blocks': '3 блока', 'cross-entropy': 'кросс-энтропия',
};

/** Experiment titles in Russian, by experiment id. */
const RU_TITLES: Readonly<Record<string, string>> = {
  headline: 'Основные модели на всём MNIST', 'fashion-headline': 'cnn на всём Fashion-MNIST',
  overfitting: 'Переобучение и регуляризация', 'fashion-overfitting': 'Переобучение и регуляризация на Fashion-MNIST',
  architectures: 'Архитектуры', 'fashion-architectures': 'mlp против cnn на Fashion-MNIST', 'conv-blocks': '1, 2 или 3 свёрточных блока',
  activations: 'Функции активации', optimizers: 'Оптимизаторы и скорости обучения', losses: 'Функции потерь: кросс-энтропия, MSE и hinge',
};

/** A run's label in the report's language; an optimizer's label ("SGD lr 0.1") keeps its name and writes its rate as Russian does (0,1). */
export const runLabel = (lang: ReportLang, r: RunResult): string => (lang === 'ru' ? RU_RUN_LABELS[r.spec.label] ?? localNumbers('ru', r.spec.label) : r.spec.label);
export const experimentTitle = (lang: ReportLang, x: ExperimentResult): string => (lang === 'ru' ? RU_TITLES[x.experiment.id] ?? x.experiment.title : x.experiment.title);

/** Russian noun agreement after "по N": по 3 зёрнам, по 21 зерну. */
const seedsDative = (n: number) => (n % 10 === 1 && n % 100 !== 11 ? 'зерну' : 'зёрнам');

/** The charts' phrases. */
export const CHART_WORDS = {
  en: {
    loss: 'loss', accuracy: 'accuracy', epoch: 'epoch',
    seeds: (n: number) => `, mean of ${n} seeds`,
    perEpochTrainTest: (what: string) => `${what} per epoch, train and test`,
    perEpoch: (what: string) => `${what} per epoch`,
    train: (active: ('dropout' | 'augmentation')[]) => `train (running average over the epoch${active.length ? `, ${active.join(' and ')} on` : ''})`,
    test: 'test (evaluated after each epoch, dropout off)',
    lossAxis: (loss: string) => `${loss} loss`,
    testLoss: 'test loss', testAccuracy: 'test accuracy', trainLoss: 'train loss',
    firstImages: (n: string) => ` (first ${n} images)`,
    smallestGap: ', the smallest gap',
  },
  ru: {
    loss: 'потери', accuracy: 'точность', epoch: 'эпоха',
    seeds: (n: number) => `, среднее по ${n} ${seedsDative(n)}`,
    perEpochTrainTest: (what: string) => `${what} по эпохам, обучение и тест`,
    perEpoch: (what: string) => `${what} по эпохам`,
    train: (active: ('dropout' | 'augmentation')[]) => `обучение (скользящее среднее за эпоху${active.length ? `, с ${active.map((a) => (a === 'dropout' ? 'dropout' : 'аугментацией')).join(' и ')}` : ''})`,
    test: 'тест (оценка после каждой эпохи, dropout выключен)',
    lossAxis: (loss: string) => `потери (${loss})`,
    testLoss: 'потери на тесте', testAccuracy: 'точность на тесте', trainLoss: 'потери на обучении',
    firstImages: (n: string) => ` (первые ${n} изображений)`,
    smallestGap: ', наименьший разрыв',
  },
} as const;
