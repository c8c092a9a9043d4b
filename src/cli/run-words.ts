// The words of the files a command-line run draws (loss, accuracy and mistakes charts) in the language `--lang`
// chose: a student who writes the lab report in Russian puts charts in Russian into it, as the element draws
// them in its Russian locale. Shared with the experiments' reports (their Russian numbers and class names).
// Pure: no Node, no DOM.
import { describeLiveChange, type LiveChange } from '../engine/live-changes';

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

/**
 * Numbers in a text the Russian way in Russian: 1,000 → 1 000 (a no-break space), then 0.5 → 0,5 and 5% → 5 %;
 * the text as it is in English.
 */
export function localNumbers(lang: Lang, s: string): string {
  return lang === 'ru' ? s.replace(/(\d),(?=\d{3}(?!\d))/g, '$1\u00a0').replace(/(\d)\.(\d)/g, '$1,$2').replace(/(\d)%/g, '$1\u00a0%') : s;
}

/**
 * Fashion-MNIST's class names as the element shows them in Russian (src/components/class-names.ts through ru.xlf,
 * which the element's build reads and Node code cannot import; test/cli/experiments-seeds.test.ts holds the two
 * equal). Digits and other names stay as they are.
 */
export const CLASS_NAMES_RU: Readonly<Record<string, string>> = {
  'T-shirt/top': 'Футболка/топ', Trouser: 'Брюки', Pullover: 'Пуловер', Dress: 'Платье', Coat: 'Пальто',
  Sandal: 'Сандалии', Shirt: 'Рубашка', Sneaker: 'Кроссовки', Bag: 'Сумка', 'Ankle boot': 'Ботинки',
};

/** A data set's class names in the language. */
export const classNamesIn = (lang: Lang, names: readonly string[]): string[] => names.map((name) => (lang === 'ru' ? CLASS_NAMES_RU[name] ?? name : name));

/** A live change's value in Russian (English: engine/live-changes.ts): 4 significant digits, or `own` for the layers' own dropout rates. */
const changeValue = (v: number | null, own: string) => (v === null ? own : String(Number(v.toPrecision(4))));

/** A run's chart words: `what` is the model and data set ("cnn on mnist"), `loss` the loss's Keras name (categorical_crossentropy). */
export const RUN_WORDS = {
  en: {
    what: (model: string, dataset: string) => `${model} on ${dataset}`,
    failed: (code: string) => ` (failed: ${code})`,
    lossTitle: () => 'loss', accuracyTitle: 'accuracy', epoch: 'epoch', accuracy: 'accuracy', train: 'train', test: 'test', testLoss: 'test loss',
    lossAxis: (loss: string) => `${loss.replace(/_/g, ' ')} loss`,
    mistakesTitle: 'the mistakes the model was surest of',
    mistakesAfter: (epoch: number) => `the mistakes after epoch ${epoch}`,
    noMistakes: 'Every test image is classified correctly.',
    mistakes: (count: number, of: number, shown: number) =>
      `${count.toLocaleString('en')} of ${of.toLocaleString('en')} test images are misclassified; ${count > shown ? `the ${shown} the model was surest of` : 'all of them'}, surest first.`,
    caption: (probability: string, index: number) => `${probability}% · test image ${index}`,
    liveChange: describeLiveChange,
  },
  ru: {
    what: (model: string, dataset: string) => `${model} на ${dataset}`,
    failed: (code: string) => ` (сбой: ${code})`,
    lossTitle: (loss: string) => `потери (${loss})`, accuracyTitle: 'точность', epoch: 'эпоха', accuracy: 'точность', train: 'обучение', test: 'тест', testLoss: 'потери на тесте',
    // The loss's name goes in the title: beside the axis's words it would be longer than the plot is tall.
    lossAxis: () => 'потери',
    mistakesTitle: 'ошибки, в которых модель была увереннее всего',
    mistakesAfter: (epoch: number) => `ошибки после эпохи ${epoch}`,
    noMistakes: 'Все тестовые изображения классифицированы верно.',
    mistakes: (count: number, of: number, shown: number) =>
      localNumbers('ru', `Неверно классифицировано ${count.toLocaleString('en')} из ${of.toLocaleString('en')} тестовых изображений; показаны ${count > shown ? `${shown}, в которых модель была увереннее всего` : 'все'}, сначала самые уверенные.`),
    caption: (probability: string, index: number) => localNumbers('ru', `${probability}% · № ${index}`),
    liveChange: (c: LiveChange) =>
      localNumbers('ru', `${c.setting === 'dropout' ? 'dropout' : 'скорость обучения'} ${changeValue(c.from, 'свои у слоёв')} → ${changeValue(c.to, 'свои у слоёв')}`),
  },
} as const satisfies Record<Lang, unknown>;
