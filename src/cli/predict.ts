// `npm run predict -- --model FILE --images IDX|PICTURE|FOLDER [--labels IDX] [--limit N] [--fit digit|item]`:
// the classes a saved model predicts for the images of an IDX file (one per line: index, class, its name and
// probability), and the accuracy when labels are given; or for picture files (PNG, JPEG: a photo or scan of one digit or item, any
// size, dark on light or light on dark), prepared as the data set's images were (data/mnist-input.ts), one
// per line: file, class, its name and probability. FILE is a checkpoint (.mntc) or a TF.js Layers model
// (model.json with its weights beside it, or a zip of both): the model and weights run on our engine, in Node
// on WebGPU (Dawn).
import { readFileSync } from 'node:fs';
import { UsageError, usageReport, formatOptions, parseArgs, type OptionHelp } from '../engine/args';
import { errorDetail } from '../engine/errors';
import { uploadDataset } from '../engine/gpu-dataset';
import { Trainer } from '../engine/trainer';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES, parseIdx, toImageSet, type ImageSet } from '../data/idx';
import { MNIST_CLASSES } from '../data/sources';
import { FITS, fitFor, pictureInput, type Fit } from '../data/mnist-input';
import { nodeGpu } from '../node/gpu';
import { picturePaths, readPicture } from '../node/image-file';
import { MODEL_FILES, readModelWeights } from './model-files';
import { checkInput } from './input-paths';

const OPTIONS: (OptionHelp & { bare?: true })[] = [
  { flag: 'model', metavar: 'FILE', help: 'a checkpoint (.mntc, from --save) or a TF.js Layers model (model.json with its weights beside it, or a zip of both)' },
  { flag: 'images', metavar: 'PATH', help: 'the images: an IDX file (count×28×28 unsigned bytes, gzipped or not), a PNG or JPEG picture of one digit or item, or a folder of them' },
  { flag: 'labels', metavar: 'IDX', help: 'the IDX images\' labels (0–9): the accuracy is printed too' },
  { flag: 'limit', metavar: 'N', help: 'only the first N images' },
  { flag: 'fit', metavar: 'HOW', help: 'how a picture not of 28×28 pixels is fitted: digit (longer side 20 px, centred by mass, as MNIST) or item (28 px, centred, as Fashion-MNIST); default item for a checkpoint of Fashion-MNIST\'s classes, else digit' },
  { flag: 'help', help: 'this text', bare: true },
];
const USAGE = `usage: npm run predict -- --model FILE --images IDX|PICTURE|FOLDER [--labels IDX] [--limit N] [--fit digit|item]\n${formatOptions(OPTIONS)}`;
const BATCH = 128;

async function readImages(images: string, labels: string | undefined, limit: number | undefined): Promise<ImageSet> {
  const x = await parseIdx(new Uint8Array(readFileSync(images)), images);
  const n = x.dims[0];
  const y = labels ? await parseIdx(new Uint8Array(readFileSync(labels)), labels) : { dims: [n], data: new Uint8Array(n) };
  const set = toImageSet(x, y, images, labels ?? 'labels');
  const count = Math.min(limit ?? set.count, set.count);
  const px = IMAGE_ROWS * IMAGE_COLS;
  return { ...set, count, images: set.images.subarray(0, count * px), labels: set.labels.subarray(0, count) };
}

/** The pictures as model inputs (784 floats each, in [0, 1]) and as an ImageSet of bytes for the trainer's data set. */
async function readPictures(paths: string[], fit: Fit): Promise<{ inputs: Float32Array; set: ImageSet }> {
  const px = IMAGE_ROWS * IMAGE_COLS;
  const inputs = new Float32Array(paths.length * px);
  for (const [i, path] of paths.entries()) {
    const { rgba, width, height } = await readPicture(path);
    const input = pictureInput(rgba, width, height, fit);
    // No ink: the input is all paper, and the class printed for it is the model's guess at nothing.
    if (input.every((v) => v === 0)) console.error(`note: ${path}: no ink found (a blank picture, or ink as light as its paper): its class means nothing`);
    inputs.set(input, i * px);
  }
  const images = Uint8Array.from(inputs, (v) => Math.round(v * 255));
  return { inputs, set: { images, labels: new Uint8Array(paths.length), count: paths.length, rows: IMAGE_ROWS, cols: IMAGE_COLS } };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), OPTIONS.filter((o) => o.bare).map((o) => o.flag), OPTIONS.map((o) => o.flag));
  if (args.has('help')) throw new UsageError('');
  const modelPath = args.get('model');
  const imagesPath = args.get('images');
  if (!modelPath || !imagesPath) throw new UsageError('--model and --images are required');
  const limitText = args.get('limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit must be a positive integer, got ${limitText}`);
  const fitText = args.get('fit');
  if (fitText !== undefined && !FITS.includes(fitText as Fit)) throw new UsageError(`--fit must be one of ${FITS.join(', ')}, got ${fitText}`);
  const labelsPath = args.get('labels');
  checkInput('model', modelPath, MODEL_FILES);
  checkInput('images', imagesPath, 'an IDX file or a picture', true);
  if (labelsPath) checkInput('labels', labelsPath, 'an IDX file of labels');
  const pictures = picturePaths(imagesPath)?.slice(0, limit);
  if (pictures && labelsPath) throw new UsageError('--labels goes with an IDX file of images, not with pictures');

  const model = readModelWeights(modelPath, [IMAGE_ROWS, IMAGE_COLS, 1], NUM_CLASSES);
  const { spec, params } = model;
  // The class names in the file (a checkpoint's header, our TF.js export's metadata); a TF.js model from elsewhere has none: digits.
  const names = model.classNames?.length === NUM_CLASSES ? model.classNames : [...MNIST_CLASSES];
  const fit = (fitText as Fit | undefined) ?? fitFor(names);
  const read = pictures ? await readPictures(pictures, fit) : undefined;
  const set = read?.set ?? await readImages(imagesPath, labelsPath, limit);
  const gpu = await nodeGpu();
  // The images are both sets of a data set of their own; the model is evaluated on its 'test' set.
  const data = uploadDataset(gpu.device, { name: 'predict', classNames: names, train: set, test: set });
  const batchSize = Math.min(BATCH, set.count);
  const trainer = await Trainer.create(gpu, data, { model: spec, epochs: 1, batchSize, seed: 0, optimizer: { name: 'sgd', learningRate: 0.01 } }, { trains: false });
  try {
    await trainer.setWeights(params);
    if (pictures && read) {
      // Pictures: the class, its name and its probability, from the floats (not the bytes the data set holds).
      const probs = await trainer.predictMany(read.inputs);
      const lines = pictures.map((path, i) => {
        const row = probs.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
        const c = row.reduce((best, v, j) => (v > row[best] ? j : best), 0);
        return `${path}\t${c}\t${names[c]}\t${row[c].toFixed(4)}`;
      });
      process.stdout.write(`file\tclass\tname\tprobability\n${lines.join('\n')}\n`);
      console.error(`${pictures.length} picture${pictures.length === 1 ? '' : 's'} fitted as ${fit === 'digit' ? 'MNIST digits' : 'Fashion-MNIST items'} (${modelPath})`);
      return;
    }
    const evaluation = await trainer.evaluate('test');
    const probability = (i: number, c: number) => evaluation.probabilities[i * NUM_CLASSES + c].toFixed(4);
    const lines = Array.from(evaluation.predictions.subarray(0, set.count), (c, i) => `${i}\t${c}\t${names[c]}\t${probability(i, c)}`);
    process.stdout.write(`index\tclass\tname\tprobability\n${lines.join('\n')}\n`);
    if (labelsPath) console.log(`accuracy ${(evaluation.accuracy * 100).toFixed(2)}% on ${set.count} images (${modelPath})`);
  } finally {
    trainer.destroy();
    data.destroy();
    gpu.device.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      const { text, status } = usageReport(e, USAGE);
      console.error(text);
      process.exit(status);
    }
    const { code, message } = errorDetail(e);
    console.error(`\nerror (${code}): ${message}`);
    process.exit(1);
  },
);
