// Command-line arguments, platform-free (the CLI, the experiments and the benchmark, in Node or a page):
// strict `--name value` / `--name=value` parsing, and option tables for --help.

/** A mistake on the command line; an empty message asks for the usage text (--help). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * What a command prints for a UsageError, and its exit status: --help (no message) prints the usage, 0; a mistake
 * prints itself and the command that lists the options, 2 (the whole table after one wrong flag buries the error).
 */
export function usageReport(e: UsageError, usage: string): { text: string; status: 0 | 2 } {
  if (!e.message) return { text: usage, status: 0 };
  const command = /^usage: (npm run [\w:-]+)/.exec(usage)?.[1];
  return { text: `error: ${e.message}\n${command ? `(${command} -- --help lists the options)` : usage}`, status: 2 };
}

/**
 * `--name value`, `--name=value`, and bare `--flag`s (those in `flags`) into a map; a flag maps to 'true'
 * (`--flag=true` too; `--flag=false` leaves it out: a flag is off where absent). An empty value is refused: where a
 * path or setting was meant (`--save "$UNSET"`), dropping it silently would train with the default or keep no model.
 * With `known`, any other option name is an error, so a typo stops the command instead of being ignored.
 */
export function parseArgs(argv: string[], flags: readonly string[] = ['quiet', 'help', 'quick'], known?: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}" (options start with --)`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (known && !known.includes(name)) throw new UsageError(`unknown option --${name}`);
    if (flags.includes(name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`--${name} is a flag: give it alone to turn it on (or =true, =false), got --${name}=${inline}`);
      if (inline !== 'false') out.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value${value === '' ? ', got an empty one' : ''}`);
    // `--out --quiet` means a forgotten value, not a folder named --quiet; no setting takes a value starting with --.
    if (inline === undefined && value.startsWith('--')) throw new UsageError(`--${name} needs a value, got the option ${value}`);
    out.set(name, value);
  }
  return out;
}

/** One line of an option table: `--flag METAVAR   help`. */
export interface OptionHelp {
  flag: string;
  /** The value's placeholder (N, X, NAME…); none for a bare flag. */
  metavar?: string;
  help: string;
}

const COLUMN = 27;
const WIDTH = 110;

/** The options as an aligned table, help texts wrapped under their column. */
export function formatOptions(options: readonly OptionHelp[]): string {
  return options.map((o) => {
    const head = `  --${o.flag}${o.metavar ? ` ${o.metavar}` : ''}`;
    const lines: string[] = [];
    let line = '';
    for (const word of o.help.split(/\s+/)) {
      if (line && COLUMN + line.length + 1 + word.length > WIDTH) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    const first = head.length < COLUMN ? `${head.padEnd(COLUMN)}${lines[0]}` : `${head}\n${' '.repeat(COLUMN)}${lines[0]}`;
    return [first, ...lines.slice(1).map((l) => ' '.repeat(COLUMN) + l)].join('\n');
  }).join('\n');
}
