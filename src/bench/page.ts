// bench.html: the benchmark as a page, for a user's own GPU in Chrome and for scripts/bench.mjs, which
// opens bench.html?args=["--quick",...] in headless Chromium. Options come from the URL (`args`, a JSON
// array of command-line options, or plain parameters: ?quick&kernels=register&no-tfjs&no-jaxjs) or from the form.
// Progress lines go to the page and to the console as `[bench] ...`; the result lands in
// window.__benchResult (and the text table in window.__benchTable), a failure in window.__benchError.
import { UsageError } from '../engine/args';
import { formatBenchResult } from './format';
import { BENCH_USAGE, parseBenchArgs, planOverrides } from './plan';
import { runBenchmark } from './run';
import { importTfjs } from './tfjs-import';
import { importJaxjs } from './jaxjs-import';
import type { BenchResult } from './types';

declare global {
  interface Window {
    __benchResult?: BenchResult;
    __benchTable?: string;
    __benchError?: string;
  }
}

const FLAGS = ['quick', 'time-to-accuracy', 'no-tfjs', 'no-jaxjs', 'node', 'help'];

/** The URL's options as command-line arguments; null when the page should wait for the form. */
function urlArgs(search: string): string[] | null {
  const params = new URLSearchParams(search);
  const json = params.get('args');
  if (json !== null) {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new UsageError('args must be a JSON array of strings');
    return v;
  }
  if (!params.has('run')) return null;
  const argv: string[] = [];
  for (const [k, v] of params) {
    if (k === 'run') continue;
    argv.push(`--${k}`);
    if (!FLAGS.includes(k)) argv.push(v);
  }
  return argv;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function show(line: string): void {
  console.log(`[bench] ${line}`);
  const log = $('log');
  log.textContent += `${line}\n`;
}

async function run(argv: string[]): Promise<void> {
  const form = $<HTMLFormElement>('options');
  form.querySelectorAll('button, input, select').forEach((el) => ((el as HTMLInputElement).disabled = true));
  $('log').textContent = '';
  $('table').textContent = '';
  try {
    const args = parseBenchArgs(argv);
    if (args.node) throw new UsageError('--node runs in Node: use `npm run bench -- --node`');
    const result = await runBenchmark({
      quick: args.quick,
      kernels: args.kernels,
      timeToAccuracy: args.timeToAccuracy,
      fp32PeakTflops: args.fp32Peak,
      peers: { tfjs: args.tfjs ? importTfjs : undefined, jaxjs: args.jaxjs ? importJaxjs : undefined },
      plan: planOverrides(args),
    }, show);
    const table = formatBenchResult(result);
    $('table').textContent = table;
    const link = $<HTMLAnchorElement>('download');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
    link.hidden = false;
    window.__benchTable = table;
    window.__benchResult = result;
  } catch (e) {
    const usage = e instanceof UsageError;
    const message = usage ? `${e.message}\n${BENCH_USAGE}` : ((e as Error).stack ?? String(e));
    $('table').textContent = message;
    window.__benchError = usage ? `usage: ${message}` : message;
  } finally {
    form.querySelectorAll('button, input, select').forEach((el) => ((el as HTMLInputElement).disabled = false));
  }
}

$<HTMLFormElement>('options').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target as HTMLFormElement);
  const argv: string[] = [];
  if (f.get('quick')) argv.push('--quick');
  if (!f.get('tfjs')) argv.push('--no-tfjs');
  if (!f.get('jaxjs')) argv.push('--no-jaxjs');
  if (f.get('tta')) argv.push('--time-to-accuracy');
  const kernels = String(f.get('kernels') ?? '');
  if (kernels) argv.push('--kernels', kernels);
  void run(argv);
});

try {
  const argv = urlArgs(location.search);
  if (argv) void run(argv);
} catch (e) {
  window.__benchError = `usage: ${(e as Error).message}`;
  $('table').textContent = (e as Error).message;
}
