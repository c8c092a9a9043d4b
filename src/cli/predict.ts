// `npm run predict -- --model FILE --images IDX [--labels IDX] [--limit N]`: the classes a saved model
// predicts for the images of an IDX file (one per line: index and class), and the accuracy when labels
// are given. FILE is a checkpoint (.mntc) or a TF.js Layers model (model.json with its weights beside
// it, or a zip of both): the model and weights run on our engine, in Node on WebGPU (Dawn).
import { readFileSync } from 'node:fs';
import { UsageError, formatOptions, parseArgs, type OptionHelp } from '../engine/args';
import { errorDetail } from '../engine/errors';
import { uploadDataset } from '../engine/gpu-dataset';
import { Trainer } from '../engine/trainer';
import { IMAGE_COLS, IMAGE_ROWS, NUM_CLASSES, parseIdx, toImageSet, type ImageSet } from '../data/idx';
import { MNIST_CLASSES } from '../data/sources';
import { nodeGpu } from '../node/gpu';
import { readModelWeights, setWeights } from './model-files';

const OPTIONS: (OptionHelp & { bare?: true })[] = [
  { flag: 'model', metavar: 'FILE', help: 'a checkpoint (.mntc, from --save) or a TF.js Layers model (model.json with its weights beside it, or a zip of both)' },
  { flag: 'images', metavar: 'IDX', help: 'the images: an IDX file (count×28×28 unsigned bytes, gzipped or not)' },
  { flag: 'labels', metavar: 'IDX', help: 'their labels (IDX, 0–9): the accuracy is printed too' },
  { flag: 'limit', metavar: 'N', help: 'only the first N images' },
  { flag: 'help', help: 'this text', bare: true },
];
const USAGE = `usage: npm run predict -- --model FILE --images IDX [--labels IDX] [--limit N]\n${formatOptions(OPTIONS)}`;
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), OPTIONS.filter((o) => o.bare).map((o) => o.flag), OPTIONS.map((o) => o.flag));
  if (args.has('help')) throw new UsageError('');
  const modelPath = args.get('model');
  const imagesPath = args.get('images');
  if (!modelPath || !imagesPath) throw new UsageError('--model and --images are required');
  const limitText = args.get('limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit must be a positive integer, got ${limitText}`);
  const labelsPath = args.get('labels');

  const set = await readImages(imagesPath, labelsPath, limit);
  const { spec, params } = readModelWeights(modelPath, [IMAGE_ROWS, IMAGE_COLS, 1], NUM_CLASSES);
  const gpu = await nodeGpu();
  // The images are both sets of a data set of their own; the model is evaluated on its 'test' set.
  const data = uploadDataset(gpu.device, { name: 'predict', classNames: [...MNIST_CLASSES], train: set, test: set });
  const batchSize = Math.min(BATCH, set.count);
  const trainer = await Trainer.create(gpu, data, { model: spec, epochs: 1, batchSize, seed: 0, optimizer: { name: 'sgd', learningRate: 0.01 } });
  await setWeights(trainer, params);
  const evaluation = await trainer.evaluate('test');
  const lines = Array.from(evaluation.predictions.subarray(0, set.count), (c, i) => `${i}\t${c}`);
  process.stdout.write(`index\tclass\n${lines.join('\n')}\n`);
  if (labelsPath) console.log(`accuracy ${(evaluation.accuracy * 100).toFixed(2)}% on ${set.count} images (${modelPath})`);
  trainer.destroy();
  data.destroy();
  gpu.device.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}\n`);
      console.error(USAGE);
      process.exit(e.message ? 2 : 0);
    }
    const { code, message } = errorDetail(e);
    console.error(`\nerror (${code}): ${message}`);
    process.exit(1);
  },
);
