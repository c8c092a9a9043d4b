// Short help texts for the trainer's controls and results, each linked to a section of the concepts
// guide, plus the colour theme the result pieces share. Each text is a getter that reads the current
// locale (msg()), so whoever renders it at render time shows it in the page's language; the links go to
// the guide in that language too (docs/concepts.md, docs/concepts.ru.md: the same sections, the same anchors).
import { msg } from '@lit/localize';
import { css } from 'lit';
import { getLocale } from './i18n';

export interface HelpEntry {
  /** One to three plain sentences, in the current locale. */
  readonly text: string;
  /** Its section of the concepts guide: `<a id="anchor">` in each edition. */
  anchor: string;
}

/** The concepts guide's edition per locale, relative to the project root (English for any other). */
export const CONCEPTS_GUIDES: Readonly<Record<string, string>> = { en: 'docs/concepts.md', ru: 'docs/concepts.ru.md' };

/** The guide in the page's language. */
export const conceptsGuide = (): string => CONCEPTS_GUIDES[getLocale()] ?? CONCEPTS_GUIDES.en;

export const HELP: Record<string, HelpEntry> = {
  dataset: {
    get text() { return msg('MNIST holds 70,000 grayscale 28×28 images of handwritten digits: 60,000 to train on and 10,000 to test with. Fashion-MNIST has the same format with 10 kinds of clothing instead, and is harder.'); },
    anchor: 'data',
  },
  model: {
    get text() { return msg('The model is the function that turns an image into a probability for each of the 10 classes. Its parameters (weights and biases) are what training adjusts; bigger models can learn more but train slower and overfit more easily.'); },
    anchor: 'architecture',
  },
  architecture: {
    get text() { return msg('The architecture is the stack of layers: typically convolutions and pooling that find local patterns, then dense (fully connected) layers that combine them into class scores. The parameter count adds up every weight and bias.'); },
    anchor: 'architecture',
  },
  // The builder's help is in the element's language (a getter: msg() reads the locale when it renders).
  modelBuilder: {
    get text() {
      return msg('The model as a list of layers, run from top to bottom. Add a layer of the chosen type after the row you were last in, edit its fields, move rows with the arrow buttons or Alt+↑ / Alt+↓, and remove them with ✕ or Delete on the row. Each row shows its output shape and parameter count; a layer that cannot work is outlined with the reason, and the model keeps its last valid list until it is fixed.');
    },
    anchor: 'building-a-model',
  },
  convolution: {
    get text() { return msg('A convolution slides small learned filters (e.g. 3×3) over the image and outputs one feature map per filter. The same weights are used at every position, so a pattern is found wherever it appears, with few parameters.'); },
    anchor: 'convolution',
  },
  pooling: {
    get text() { return msg('Pooling shrinks feature maps by keeping the maximum (max pooling) or the mean (average pooling) of each small window; 2×2 pooling halves the width and height. This saves computation and makes features tolerant of small shifts.'); },
    anchor: 'convolution',
  },
  activation: {
    get text() { return msg('An activation is a non-linear function applied after a layer, such as ReLU, max(0, x). Without it, stacked layers would collapse into a single linear map. The last layer uses softmax to turn scores into probabilities.'); },
    anchor: 'activations',
  },
  optimizer: {
    get text() { return msg('The optimizer updates the parameters from the gradient of the loss. SGD steps straight against the gradient, and momentum or Nesterov follow a running average of gradients. RMSprop, Adagrad, Adam, AdamW, Adamax and Nadam also scale each parameter\'s step by the size of its recent gradients (Adagrad: of all its past ones).'); },
    anchor: 'optimizers-losses-metrics',
  },
  loadTimeout: {
    get text() { return msg('How long, in seconds, a data file may go without receiving any bytes before loading stops with an error naming the file. Each chunk that arrives restarts the count, so a slow but moving download is never cut off.'); },
    anchor: 'data',
  },
  weightDecay: {
    get text() { return msg('Weight decay shrinks every weight a little at each step, by learning rate × decay, apart from the gradient: it keeps weights small and counters overfitting. Left empty, the optimizer uses its own: 0.004 for AdamW (as in Keras), none for the others.'); },
    anchor: 'optimizers-losses-metrics',
  },
  learningRate: {
    get text() { return msg('The learning rate sets how big each optimizer step is. Too high and the loss jumps around or becomes NaN; too low and training crawls. Typical values: 0.001 for Adam, 0.01–0.1 for SGD.'); },
    anchor: 'optimizers-losses-metrics',
  },
  lrSchedule: {
    get text() { return msg('A schedule changes the learning rate as training goes on. Constant keeps it; cosine decay starts at the rate you set and lowers it along half a cosine wave to almost 0 at the last step: big steps early to make progress, small steps late to settle into a minimum. It often adds accuracy when training is short.'); },
    anchor: 'optimizers-losses-metrics',
  },
  batchSize: {
    get text() { return msg('The batch size is how many images are averaged into each gradient step. Larger batches give smoother gradients and keep the GPU busier, but make fewer steps per epoch.'); },
    anchor: 'training',
  },
  epochs: {
    get text() { return msg('One epoch is one pass over all training images, in a new shuffled order each time. More epochs fit the training data better, until the model starts to overfit. After a run that finished, raising Epochs lets Train continue the same model (the button says Continue) rather than start afresh.'); },
    anchor: 'training',
  },
  dropout: {
    get text() { return msg('During training, dropout zeroes a random fraction of a layer\'s outputs (and scales up the rest), so the network cannot rely on any single feature. It is switched off for evaluation and helps against overfitting. Change it while the model trains: the charts mark where, and the verdict says what it did since.'); },
    anchor: 'dropout',
  },
  augmentation: {
    get text() { return msg('Augmentation shows the model each training image slightly moved, turned and resized (a new random shift, rotation and zoom every step), so it learns the digit rather than its exact pixels. Pixels moved in from outside the image are black. Evaluation always uses the images as they are; 0 turns each part off.'); },
    anchor: 'augmentation',
  },
  kernels: {
    get text() { return msg('How the matrix products run on your GPU. Auto times both implementations for each product of the model once, keeps the faster and remembers it for this GPU; tiled or register force one everywhere.'); },
    anchor: 'kernels',
  },
  seed: {
    get text() { return msg('The seed fixes all the randomness of a run: the initial weights, the shuffling order, the dropout masks and the augmentation. The same seed and settings repeat the same run on the same GPU.'); },
    anchor: 'training',
  },
  loss: {
    get text() { return msg('The loss is what training minimises. categorical_crossentropy (the default) averages −log(probability given to the correct class) and keeps falling after accuracy stops moving, because it also rewards confident right answers. mean_squared_error and categorical_hinge are gentler on confident mistakes but learn more slowly.'); },
    anchor: 'optimizers-losses-metrics',
  },
  labelSmoothing: {
    get text() { return msg('Label smoothing trains towards 1 − α + α/10 on the correct class and α/10 on each other class instead of a hard 1 and 0s, so the model is never pushed to total certainty; small values like 0.1 often help a little against overfitting. For categorical_crossentropy only, as in Keras.'); },
    anchor: 'optimizers-losses-metrics',
  },
  metrics: {
    get text() { return msg('The metrics reported after each epoch besides the loss, as a comma-separated list: accuracy, top_k_accuracy. Accuracy is always computed, because the charts and the results need it.'); },
    anchor: 'optimizers-losses-metrics',
  },
  topKAccuracy: {
    get text() { return msg('Top-k accuracy counts an image as right when its true class is among the k most probable ones (k = 5 by default, as in Keras; k = 1 is plain accuracy). It is reported when the metrics list top_k_accuracy.'); },
    anchor: 'optimizers-losses-metrics',
  },
  accuracy: {
    get text() { return msg('Accuracy is the fraction of images whose most probable class is the right one. Train accuracy is averaged over each epoch while the model is still learning (with dropout on); test accuracy is measured afterwards on images the model never trained on.'); },
    anchor: 'optimizers-losses-metrics',
  },
  overfitting: {
    get text() { return msg('Overfitting means the model memorises its training images, noise included, instead of the general pattern: train accuracy keeps rising while test accuracy stalls and test loss goes up. Dropout, fewer epochs, more data or a smaller model help.'); },
    anchor: 'overfitting',
  },
  regularization: {
    get text() { return msg('A kernel regularizer adds l1·Σ|w| + l2·Σw² over a layer\'s weights to the loss, so training prefers small weights (L2) or exact zeros (L1). Set it per dense or conv2d layer in the layer JSON, e.g. "kernelRegularizer": {"l2": 0.001}; the reported losses include it, as in Keras.'); },
    anchor: 'regularization',
  },
  earlyStopping: {
    get text() { return msg('Early stopping ends training once the monitored value (val_loss by default: the validation loss, or the test loss without a validation split) has not improved by more than the minimum improvement for the given number of epochs; it can put back the best epoch\'s weights. The same monitor also drives the learning-rate reduction on plateaus.'); },
    anchor: 'early-stopping',
  },
  reduceLr: {
    get text() { return msg('Reduce on plateau multiplies the learning rate by the factor once the monitored value (the one early stopping watches) has not improved for the given number of epochs, never going below the minimum rate. A smaller step often lets a stalled run improve again.'); },
    anchor: 'early-stopping',
  },
  confusionMatrix: {
    get text() { return msg('The confusion matrix counts test images by true class (row) and predicted class (column). The diagonal holds the correct answers; a large cell off the diagonal shows which two classes the model mixes up.'); },
    anchor: 'evaluation',
  },
  precisionRecall: {
    get text() { return msg('Precision of a class: of the images predicted as that class, the share that really are. Recall: of the images truly of that class, the share that were found. F1 is their harmonic mean; support is the number of test images of the class.'); },
    anchor: 'evaluation',
  },
  insideView: {
    get text() {
      return msg('Inside the model shows what each layer makes of one image: the first convolution\'s filters, each convolution or pooling layer\'s feature maps (one grey map per channel, each scaled to its own range), dense layers as bars and the output as class probabilities.');
    },
    anchor: 'inside-view',
  },
};

/**
 * Where the project root (the folder holding docs/) is, relative to the page. The default './' suits
 * the demo page served from the project root; an embedding page can point it elsewhere, e.g. at the
 * repository's web view.
 */
let helpBase = './';

export function setHelpBase(base: string): void {
  helpBase = base;
}

export function getHelpBase(): string {
  return helpBase;
}

/** The absolute URL of a help entry's section in the concepts guide in the page's language, resolved against `base`. */
export function helpLink(base: string = helpBase, key: string): string {
  const entry = HELP[key];
  if (!entry) throw new Error(`helpLink: no help entry "${key}"; known: ${Object.keys(HELP).join(', ')}`);
  const page = typeof document !== 'undefined' ? document.baseURI : 'http://localhost/';
  let root: URL;
  try {
    root = new URL(base, page);
  } catch {
    throw new Error(`helpLink: "${base}" is not a usable base URL`);
  }
  return new URL(`${conceptsGuide()}#${entry.anchor}`, root).href;
}

/**
 * The colours of the result pieces. Each reads the public --mt-* property (set by the page or by the
 * enclosing <mnist-trainer>, inherited through shadow roots) with a light or dark default.
 */
export const themeStyles = css`
  :host {
    --_accent: var(--mt-accent, #2563eb);
    --_bg: var(--mt-bg, #ffffff);
    --_fg: var(--mt-fg, #1f2328);
    --_muted: var(--mt-muted, #656d76);
    --_good: var(--mt-good, #1a7f37);
    --_bad: var(--mt-bad, #cf222e);
    --_line: color-mix(in srgb, var(--_fg) 15%, transparent);
    color: var(--_fg);
    font: inherit;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--mt-accent, #4f8ff7);
      --_bg: var(--mt-bg, #0d1117);
      --_fg: var(--mt-fg, #e6edf3);
      --_muted: var(--mt-muted, #8d96a0);
      --_good: var(--mt-good, #3fb950);
      --_bad: var(--mt-bad, #f85149);
    }
  }
  button {
    font: inherit;
    color: var(--_fg);
    background: color-mix(in srgb, var(--_fg) 6%, var(--_bg));
    border: 1px solid var(--_line);
    border-radius: 6px;
    padding: 0.3em 0.8em;
    cursor: pointer;
  }
  button:hover { border-color: var(--_accent); }
  /* Targets at least 24 CSS px high (WCAG 2.5.8), the small Save and sort buttons included; all are wider than that. */
  button, select, summary { min-height: 24px; }
  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  /* Placeholders in the muted colour at full opacity: at least 4.5:1 in both themes (the browser's grey was 4.11:1 on the dark one). */
  ::placeholder { color: var(--_muted); opacity: 1; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  caption { text-align: left; padding: 0 0 0.3em; }
  /* A table wider than its element scrolls sideways in a .table-scroll box; its caption (text in a span) wraps
     at most at the visible width (100cqi, the box's) and stays in view while the columns scroll, instead of
     running on under the hidden columns (the Russian caption of the run table did). */
  .table-scroll { overflow-x: auto; container-type: inline-size; }
  /* Its controls' focus rings (outside them by outline-offset) stay inside the box that clips them. */
  .table-scroll :focus-visible { outline-offset: -2px; }
  .table-scroll caption > span { display: block; max-width: 100cqi; position: sticky; left: 0; }
  th, td { padding: 0.25em 0.5em; }
  .muted { color: var(--_muted); }
  /* A row of small Save buttons under a chart or a table (the files a lab report takes). */
  .downloads { margin: 0.4rem 0 0; font-size: 0.85em; display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
  .downloads button { font: inherit; padding: 0.05em 0.5em; }
`;
