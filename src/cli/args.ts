/** Command-line arguments (commander), validated into one options object; bad usage is a UsageError. */
import { Command, CommanderError, Option } from 'commander';
import { statSync, accessSync, constants, readFileSync } from 'node:fs';
import { outputProblem } from '../report/target.js';
import { compilePattern, PatternError } from '../scan/pattern.js';
import { isValidZone, systemZone } from '../scan/date/zone.js';
import { DEFAULT_THREADS } from '../scan/engine.js';
import type { Delimiter } from '../report/summary.js';

export class UsageError extends Error {}

export interface CliOptions {
  dir: string;
  csv?: string;
  json?: string;
  files?: string;
  depth: number;
  pattern?: string;
  tz: string;
  delimiter: Delimiter;
  tui: boolean;
  threads: number;
  /** refuse to go on (exit 2) when an access time in the tree would move */
  strictEvidence: boolean;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function program(): Command {
  return new Command('leaktally')
    .description('Size a leak of recorded phone calls: files, hours and date spans per customer folder.')
    .argument('<dir>', 'the leaked tree (read only; never written)')
    .option('--csv <file|->', 'write the per-customer summary CSV, then exit (no TUI)')
    .option('--json <file|->', 'write the same summary as JSON, then exit')
    .option('--files <file|->', 'write a per-file manifest CSV (streamed)')
    .option('--depth <n>', 'customer = the folder n levels below <dir>', '1')
    .option('--pattern <template>', "customer, caller and date from the path below <dir>, e.g. '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*'")
    .option('--tz <zone>', 'IANA zone for times without an offset', systemZone())
    .option('--delimiter <c>', "',' or ';' (';' also writes decimal commas, for Excel in comma-decimal locales)", ',')
    .addOption(new Option('--threads <n>', 'reader threads (0 = read on the main thread)').default(String(DEFAULT_THREADS)))
    .option('--strict-evidence', 'stop (exit 2) rather than move an access time in the tree (folders that cannot be listed with O_NOATIME, files not yours)')
    .option('--no-tui', 'never open the interactive UI; print the summary CSV on stdout')
    .version(version(), '-V, --version')
    .helpOption('-h, --help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

/**
 * Parse argv (without node and the script). Returns the options, or 'exit' when commander already
 * printed --help or --version. Throws UsageError with a one-line message otherwise.
 */
export function parseArgs(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): CliOptions | 'exit' {
  const cmd = program();
  cmd.configureOutput({ writeOut: out, writeErr: () => {} });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 'exit';
      throw new UsageError(e.message.replace(/^error: /, '').split('\n')[0]!);
    }
    throw e;
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const dir = cmd.args[0]!;
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such folder: ${dir}` : `cannot read ${dir}: ${code}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${dir} is not a folder; give the folder that holds the leaked recordings`);
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    throw new UsageError(`cannot read the folder ${dir} (permission denied); run as a user who can read it`);
  }
  const depth = Number(o.depth);
  if (!Number.isInteger(depth) || depth < 1 || depth > 64) throw new UsageError(`--depth must be a whole number from 1 to 64, not "${o.depth}"`);
  const threads = Number(o.threads);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) throw new UsageError(`--threads must be a whole number from 0 to 64, not "${o.threads}"`);
  const tz = String(o.tz);
  if (!isValidZone(tz)) throw new UsageError(`unknown time zone "${tz}"; use an IANA name such as Europe/Stockholm or UTC`);
  const delimiter = String(o.delimiter);
  if (delimiter !== ',' && delimiter !== ';') throw new UsageError(`--delimiter must be ',' or ';', not "${delimiter}"`);
  const pattern = o.pattern === undefined ? undefined : String(o.pattern);
  if (pattern !== undefined) {
    try {
      compilePattern(pattern);
    } catch (e) {
      if (e instanceof PatternError) throw new UsageError(`bad --pattern: ${e.message}`);
      throw e;
    }
  }
  const opts: CliOptions = {
    dir,
    csv: o.csv as string | undefined,
    json: o.json as string | undefined,
    files: o.files as string | undefined,
    depth,
    pattern,
    tz,
    delimiter,
    tui: o.tui !== false,
    threads,
    strictEvidence: o.strictEvidence === true,
  };
  const outputs = [['--csv', opts.csv], ['--json', opts.json], ['--files', opts.files]] as const;
  if (outputs.filter(([, v]) => v === '-').length > 1) throw new UsageError('only one of --csv, --json and --files can write to stdout (-)');
  for (const [flag, target] of outputs) {
    if (!target || target === '-') continue;
    const problem = outputProblem(target, dir);
    if (problem) throw new UsageError(`${flag}: ${problem}`);
  }
  return opts;
}
