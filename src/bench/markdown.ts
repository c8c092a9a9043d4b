// Prints a benchmark JSON file (`npm run bench -- --out FILE`) as Markdown tables, for the README:
// `node scripts/run-node.mjs src/bench/markdown.ts bench.json`.
import { formatBenchResult } from './format';
import { readBenchResult } from './result-file';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/run-node.mjs src/bench/markdown.ts bench.json');
  process.exit(2);
}
try {
  console.log(formatBenchResult(readBenchResult(file), true));
  process.exit(0);
} catch (e) {
  console.error(`markdown: ${(e as Error).message}`);
  process.exit(1);
}
