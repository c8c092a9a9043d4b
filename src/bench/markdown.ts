// Prints a benchmark JSON file (`npm run bench -- --out FILE`) as Markdown tables, for the README:
// `node scripts/run-node.mjs src/bench/markdown.ts bench.json`.
import { readFileSync } from 'node:fs';
import { formatBenchResult } from './format';
import type { BenchResult } from './types';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/run-node.mjs src/bench/markdown.ts bench.json');
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
console.log(formatBenchResult(result, true));
process.exit(0);
