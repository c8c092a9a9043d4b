// The command line's parsing (every command's options) and what a mistake prints: the error and where the
// options are listed, not the whole table after it.
import { UsageError, parseArgs, usageReport } from '../../src/engine/args';
import { assertEqual, assertRejects } from '../util/assert';

const USAGE = 'usage: npm run train -- [options]\n  --epochs N   passes over the training images\n  --quiet      no per-epoch lines';

describe('command-line arguments', () => {
  it('reads --name value, --name=value and bare flags', () => {
    const args = parseArgs(['--epochs', '3', '--model=cnn', '--quiet', '--help=false'], ['quiet', 'help']);
    assertEqual(JSON.stringify([...args]), '[["epochs","3"],["model","cnn"],["quiet","true"]]', 'parsed');
  });

  const bad: [string[], RegExp][] = [
    [['epochs'], /^unexpected argument "epochs" \(options start with --\)$/],
    [['--epoch', '3'], /^unknown option --epoch$/],
    [['--epochs'], /^--epochs needs a value$/],
    [['--epochs', ''], /^--epochs needs a value, got an empty one$/],
    [['--epochs', '--quiet'], /^--epochs needs a value, got the option --quiet$/],
    [['--quiet=yes'], /^--quiet is a flag: give it alone to turn it on \(or =true, =false\), got --quiet=yes$/],
  ];
  for (const [argv, pattern] of bad) {
    it(`refuses ${argv.join(' ') || '(nothing)'}`, async () => {
      await assertRejects(() => parseArgs(argv, ['quiet'], ['epochs', 'quiet']), pattern, argv.join(' '));
    });
  }

  it('a mistake prints itself and the command that lists the options (2); --help prints the options (0)', () => {
    const mistake = usageReport(new UsageError('unknown option --epoch'), USAGE);
    assertEqual(mistake.text, 'error: unknown option --epoch\n(npm run train -- --help lists the options)', 'a mistake');
    assertEqual(mistake.status, 2, 'its status');
    const help = usageReport(new UsageError(''), USAGE);
    assertEqual(`${help.status} ${help.text}`, `0 ${USAGE}`, '--help');
    const other = usageReport(new UsageError('bad'), 'usage: node tool.mjs FILE');
    assertEqual(other.text, 'error: bad\nusage: node tool.mjs FILE', 'a usage without an npm command is printed whole');
  });
});
