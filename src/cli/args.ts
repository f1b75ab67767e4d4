/** Command-line arguments (commander), checked and put into one run plan (plan.ts); bad usage is a UsageError. */
import { Command, CommanderError, Option } from 'commander';
import { statSync, accessSync, constants } from 'node:fs';
import { InputFileError, readInputFile } from '../report/input-file.js';
import { X509Certificate } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { version } from '../report/notify/method.js';
import { closePlans, fileIdOf, planOutput, planOutputs } from '../report/output/target.js';
import { decodeName, printable } from '../scan/place/names.js';
import { folderByBytes, rawBytesOf } from './rawarg.js';
import { compilePattern, PatternError, type CompiledPattern } from '../scan/place/pattern.js';
import { isValidZone, systemZone } from '../scan/place/date/zone.js';
import { DEFAULT_THREADS } from '../scan/engine.js';
import { addNotifyOptions, readNotifyOptions, type NotifyCli } from './notify-args.js';
import { planRun, type CasePlan, type CheckedArgs, type DiffPlan, type MergePlan, type RunPlan } from './plan.js';
import { parseShard, type Shard } from '../scan/place/shard.js';
import { CaseError } from '../case/db.js';
import { openCase, pickRun, runs, treeOf, type RunRow, optionsOf } from '../case/store.js';
import { FACTS_TEMPLATE } from '../report/notify/facts.js';
import { authorization, DEFAULT_CONNECTIONS, isRemote, remoteRoot, REQUEST_TIMEOUT_MS } from '../scan/http/url.js';

export class UsageError extends Error {}

function program(): Command {
  return addNotifyOptions(
    new Command('leaktally')
      .description(
        'Size a leak of recorded phone calls: files, hours and date spans per customer folder.\n' +
          'Every mode is an option (--from, --diff, --merge), never a subcommand: a folder named "report" or "diff" is scanned.',
      )
      // optional to commander only so that --facts-template needs no folder; checked below
      .argument(
        '[dir...]',
        "the leaked tree (read only; never written), or a web server's folder URL (sized in place); with --merge: the shards' case files",
      )
      .usage('[options] <dir> | --from <case> [options] | --diff <case> [options] | --merge <case> <shard.case>...')
      .option('--csv <file|->', 'write the per-customer summary CSV, then exit (no TUI)')
      .option('--json <file|->', 'write the same summary as JSON, then exit')
      .option('--files <file|->', 'write a per-file manifest CSV (streamed)')
      .option('--depth <n>', 'customer = the folder n levels below <dir>', '1')
      .option(
        '--pattern <template>',
        "customer, caller and date from the path below <dir>, e.g. '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*'",
      )
      .option('--tz <zone>', 'IANA zone for times without an offset', systemZone())
      .option('--delimiter <c>', "',' or ';' (';' also writes decimal commas, for Excel in comma-decimal locales)", ',')
      .addOption(
        new Option('--threads <n>', 'reader threads (0 = read on the main thread)').default(String(DEFAULT_THREADS)),
      )
      .option(
        '--connections <n>',
        `a tree on a web server (http:// or https://): connections to it at most (default ${DEFAULT_CONNECTIONS})`,
      )
      .option('--rate <n>', 'a tree on a web server: requests a second to it at most (default: no bound)')
      .option(
        '--ca <file>',
        "a tree on an https:// server of a private CA: its CA's certificates (PEM), trusted besides Node's own",
      )
      .option(
        '--strict-evidence',
        'stop (exit 2) rather than move an access time in the tree (folders that cannot be listed with O_NOATIME, files not yours)',
      ),
  )
    .option(
      '--case <file>',
      'keep every file found in an SQLite case file (made 0600; docs/case.md); run again with the same file to resume: unchanged files are not read again',
    )
    .option(
      '--from <case>',
      "report from a case file instead of reading the tree (its last finished run, or --run); options not given are that run's",
    )
    .option(
      '--run <id>',
      'with --from: the run of the case file to report; with --diff: the later run (default: the last finished)',
    )
    .option(
      '--diff <case>',
      'what changed between two runs of a case file, per customer: files, hours, callers added, removed, changed (CSV on stdout, or --csv/--json)',
    )
    .option(
      '--since <id>',
      "with --diff: the earlier run (default: the finished run before the later one); with --from and --statements: follow-up statements, each saying what changed for its controller since run <id> (the initial notification's), as --diff counts it",
    )
    .option(
      '--shard <i/n>',
      "scan only slice i of n of the customers (by a stable hash of each customer's key) into --case; run every slice, on any machines, then --merge",
    )
    .option(
      '--merge <case>',
      "write the shards' case files (given instead of <dir>) into one case file, to report with --from",
    )
    .option('--no-tui', 'never open the interactive UI; print the summary CSV on stdout')
    .option('--allow-incomplete', 'exit 0 instead of 3 when part of the tree could not be read or attributed')
    .version(version(), '-V, --version')
    .helpOption('-h, --help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

/**
 * Parse argv (without node and the script). Returns the run's plan, or 'exit' when commander already
 * printed --help or --version. Throws UsageError with a one-line message otherwise.
 */
export async function parseArgs(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<RunPlan | MergePlan | DiffPlan | 'exit'> {
  const cmd = program();
  cmd.configureOutput({ writeOut: out, writeErr: () => {} });
  refuseRepeats(cmd);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 'exit';
      throw new UsageError(e.message.replace(/^error: /, '').split('\n')[0]);
    }
    throw e;
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  // an option, not a subcommand: a folder named "facts" must still be scanned
  if (o.factsTemplate === true) {
    out(FACTS_TEMPLATE);
    return 'exit';
  }
  if (o.merge !== undefined) return mergePlan(cmd, String(o.merge), argv);
  if (o.diff !== undefined) return diffPlan(cmd, String(o.diff), argv);
  if (cmd.args.length > 1)
    throw new UsageError(
      `give one folder to scan, not ${cmd.args.length} (a name with spaces is quoted; --merge takes several case files)`,
    );
  if (o.since !== undefined && o.from === undefined)
    throw new UsageError(
      '--since needs --diff CASE (a comparison) or --from CASE --statements DIR (follow-up statements)',
    );
  let shard: Shard | undefined;
  if (o.shard !== undefined) {
    const parsed = parseShard(String(o.shard));
    if (typeof parsed === 'string') throw new UsageError(parsed);
    shard = parsed;
    if (o.case === undefined)
      throw new UsageError(
        "--shard needs --case FILE: a shard's figures are a slice of the customers, kept to be merged (--merge) and then reported (--from)",
      );
    for (const flag of ['csv', 'json', 'files', 'xlsx', 'statements', 'register', 'facts'])
      if (o[flag] !== undefined)
        throw new UsageError(
          `--shard writes only its case file (its figures are a slice, and would tell controllers of other slices they are not affected); give --${flag} to the report of the merged case: leaktally --from ALL.case --${flag} …`,
        );
  }
  let casePlan: CasePlan | undefined;
  let dir: string;
  let dirShown: string | undefined;
  if (o.from !== undefined) {
    // a report of a stored run: the tree is not read (it may be gone); options not given are the run's
    if (cmd.args[0] !== undefined)
      throw new UsageError('give a folder to scan or --from CASE (a report of a stored scan), not both');
    if (o.case !== undefined) throw new UsageError('--case writes a scan and --from reads one: give one of them');
    if (o.since !== undefined) refuseForFollowUp(cmd, o);
    const { run, since } = readFrom(String(o.from), o.run as string | undefined, o.since as string | undefined);
    casePlan = { mode: 'from', path: String(o.from), run, since };
    takeStoredOptions(cmd, o, run);
    try {
      dir = treeOf(run);
    } catch (e) {
      if (e instanceof CaseError) throw new UsageError(`--from: ${printable(e.message)}`);
      throw e;
    }
    dirShown = run.root_shown;
  } else {
    if (o.run !== undefined) throw new UsageError('--run needs --from CASE or --diff CASE');
    if (cmd.args[0] === undefined) throw new UsageError("missing required argument 'dir'");
    dir = cmd.args[0];
    if (isRemote(dir)) {
      // a tree on a web server, sized in place (scan/http): nothing here to stat
      const r = remoteRoot(dir);
      if (typeof r !== 'string') throw new UsageError(printable(r.problem));
      dir = r;
      if (o.strictEvidence === true)
        throw new UsageError(
          "--strict-evidence keeps the access times of a folder on this machine; a web server's files are read by the server: leave it out",
        );
    } else {
      const raw = rawBytesOf(dir);
      if (raw) {
        const reachable = folderByBytes(raw);
        dirShown = decodeName(raw);
        if (reachable) dir = reachable;
      }
      const shown = printable(dirShown ?? dir);
      let st;
      try {
        st = statSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'ENOENT' ? `no such folder: ${shown}` : `cannot read ${shown}: ${code}`);
      }
      if (!st.isDirectory())
        throw new UsageError(`${shown} is not a folder; give the folder that holds the leaked recordings`);
      try {
        accessSync(dir, constants.R_OK | constants.X_OK);
      } catch {
        throw new UsageError(`cannot read the folder ${shown} (permission denied); run as a user who can read it`);
      }
    }
    if (o.case !== undefined) {
      const c = String(o.case);
      const p = planOutput(c, dir);
      if (typeof p === 'string') throw new UsageError(`--case: ${printable(p)}`);
      closePlans([p]);
      if (p.kind !== 'atomic') throw new UsageError(`--case: ${printable(c)} is not a regular file; give a file name`);
      casePlan = { mode: 'write', path: c };
    }
  }
  const depth = wholeNumber('--depth', o.depth, 1, 64);
  const threads = wholeNumber('--threads', o.threads, 0, 64);
  let http: CheckedArgs['http'];
  if (isRemote(dir)) {
    const connections =
      o.connections === undefined ? DEFAULT_CONNECTIONS : wholeNumber('--connections', o.connections, 1, 256);
    // the credentials' form checked now, in one line (the value is read again by each client, never kept)
    const auth = authorization();
    if (typeof auth === 'object') throw new UsageError(auth.problem);
    http = {
      connections,
      timeoutMs: REQUEST_TIMEOUT_MS,
      ...(o.ca !== undefined ? { ca: readCa(String(o.ca)) } : {}),
      ...(o.rate !== undefined ? { rate: positiveRate(o.rate) } : {}),
    };
  } else {
    const given = (['connections', 'rate', 'ca'] as const).find((k) => o[k] !== undefined);
    if (given) throw new UsageError(`--${given} is for a tree on a web server (an http:// or https:// URL)`);
  }
  const tz = String(o.tz);
  if (!isValidZone(tz))
    throw new UsageError(`unknown time zone "${printable(tz)}"; use an IANA name such as Europe/Stockholm or UTC`);
  const delimiter = String(o.delimiter);
  if (delimiter !== ',' && delimiter !== ';')
    throw new UsageError(`--delimiter must be ',' or ';', not "${printable(delimiter)}"`);
  let pattern: CompiledPattern | undefined;
  if (o.pattern !== undefined) {
    try {
      pattern = compilePattern(String(o.pattern));
    } catch (e) {
      if (e instanceof PatternError) throw new UsageError(`bad --pattern: ${printable(e.message)}`);
      throw e;
    }
  }
  let notify: NotifyCli;
  try {
    notify = await readNotifyOptions(o, dir, tz);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const checked: CheckedArgs = {
    argv,
    dir,
    dirShown,
    csv: o.csv as string | undefined,
    json: o.json as string | undefined,
    files: o.files as string | undefined,
    depth,
    pattern,
    tz,
    delimiter,
    tui: o.tui !== false,
    threads,
    http,
    strictEvidence: o.strictEvidence === true,
    notify,
    allowIncomplete: o.allowIncomplete === true,
    case: casePlan,
    shard,
  };
  const outputs: (readonly [string, string | undefined])[] = [
    ['--csv', checked.csv],
    ['--json', checked.json],
    ['--files', checked.files],
    ...(casePlan ? [[casePlan.mode === 'write' ? '--case' : '--from', casePlan.path] as const] : []),
  ];
  // --files FILE alone also prints the summary CSV on stdout: FILE must not be stdout
  if (checked.csv === undefined && checked.json === undefined && checked.files !== undefined && checked.files !== '-')
    outputs.push(['the summary on stdout', '-']);
  // every output checked before the scan: empty names, missing folders, folders, the evidence, two outputs in one file
  const plans = planOutputs(outputs, dir);
  if (typeof plans === 'string') throw new UsageError(printable(plans));
  refuseOutputOnInput(
    [...outputs, ['--xlsx', o.xlsx as string | undefined]],
    [
      ['--register', o.register as string | undefined],
      ['--facts', o.facts as string | undefined],
    ],
  );
  if (casePlan)
    refuseOutputOnJournal(
      [...outputs.slice(0, 3), ['--xlsx', o.xlsx as string | undefined]],
      casePlan.mode === 'write' ? '--case' : '--from',
      casePlan.path,
    );
  return planRun(checked);
}

/**
 * An output that is one of the run's inputs (--csv reg.csv --register reg.csv, through any spelling or
 * link) would replace the register or the facts the run was given with its summary: refused, exit 2.
 */
function refuseOutputOnInput(
  outputs: readonly (readonly [string, string | undefined])[],
  inputs: readonly (readonly [string, string | undefined])[],
): void {
  for (const [inFlag, input] of inputs) {
    const inId = input === undefined ? undefined : fileIdOf(input);
    if (inId === undefined) continue;
    for (const [flag, target] of outputs)
      if (target !== undefined && target !== '-' && fileIdOf(target) === inId)
        throw new UsageError(
          printable(
            `${flag} ${target} is the ${inFlag} file ${input!}; it would be replaced: write the output elsewhere`,
          ),
        );
  }
}

/**
 * An output that is the case file's rollback journal (`CASE-journal`, kept between transactions) would
 * be renamed over it while the case file is open: SQLite would go on writing the journal it holds
 * open, unlinked, and a crash then left no journal to roll back with (attack round 13b: `--from
 * CASE --csv CASE-journal` was written, exit 0). Refused by folder and name (the journal may not
 * exist yet) and by file (another name of it), exit 2.
 */
function refuseOutputOnJournal(
  outputs: readonly (readonly [string, string | undefined])[],
  caseFlag: string,
  casePath: string,
): void {
  const journal = `${casePath}-journal`;
  const place = (path: string): string | undefined => {
    const folder = fileIdOf(dirname(path));
    return folder === undefined ? undefined : `${folder}/${basename(path)}`;
  };
  const [jPlace, jId] = [place(journal), fileIdOf(journal)];
  for (const [flag, target] of outputs) {
    if (target === undefined || target === '-') continue;
    const tId = fileIdOf(target);
    if ((jPlace !== undefined && place(target) === jPlace) || (jId !== undefined && tId === jId))
      throw new UsageError(
        printable(
          `${flag} ${target} is the journal of the case file ${casePath} (${caseFlag}); it would be replaced: write the output elsewhere`,
        ),
      );
  }
}

/** The options that name a file or folder, and those of them where '-' is stdout. */
const PATH_OPTIONS = new Set([
  '--csv',
  '--json',
  '--files',
  '--xlsx',
  '--statements',
  '--register',
  '--case',
  '--from',
  '--merge',
  '--diff',
]);
const STDOUT_OPTIONS = new Set(['--csv', '--json', '--files']);

/**
 * Each option at most once, and never an option's name taken as a value. commander keeps the last of
 * `--csv a --csv b` silently (a script that adds a flag would write one file and not the other), and
 * takes the next argument as a value whatever it is (`--csv --json j` would write a file named --json,
 * `--csv --` a file named --). A UsageError (exit 2, one line) instead.
 */
function refuseRepeats(cmd: Command): void {
  const seen = new Set<string>();
  for (const opt of cmd.options) {
    const flag = opt.long ?? opt.short ?? opt.name();
    cmd.on(`option:${opt.name()}`, (value: unknown) => {
      if (seen.has(flag))
        throw new UsageError(`${flag} is given twice; give it once (which of the two was meant cannot be told)`);
      seen.add(flag);
      if (typeof value !== 'string' || !opt.required) return;
      const stdout = value === '-' && STDOUT_OPTIONS.has(flag);
      if (value.startsWith('--') || (PATH_OPTIONS.has(flag) && value.startsWith('-') && !stdout))
        throw new UsageError(
          `${flag} needs a ${PATH_OPTIONS.has(flag) ? 'file name' : 'value'}, not "${printable(value)}"${PATH_OPTIONS.has(flag) ? ` (a name that starts with - is written ./${printable(value)})` : ''}`,
        );
    });
  }
}

/**
 * --from CASE --since M: the statements become follow-ups (what changed since run M, counted by --diff's
 * comparison of the runs as they were stored). The CSV and JSON are the run's own either way, so
 * --since without --statements would change nothing: refused, naming --diff, which writes the
 * comparison as CSV/JSON. And the comparison places files as each run did: an option that places them
 * otherwise (--depth, --pattern, --country) would make the statements' figures disagree with it.
 */
function refuseForFollowUp(cmd: Command, o: Record<string, unknown>): void {
  if (o.statements === undefined)
    throw new UsageError(
      `--since with --from makes follow-up statements: give --statements DIR (the comparison as CSV or JSON: leaktally --diff ${printable(String(o.from))} --since ${printable(String(o.since))} --csv FILE)`,
    );
  for (const key of ['depth', 'pattern', 'country'])
    if (cmd.getOptionValueSource(key) === 'cli')
      throw new UsageError(
        `--since compares the two runs as each placed its files: --${key} does not apply with it (give it to a scan, then compare that run)`,
      );
}

/** The stored run --from reports (--run's, else the last that finished), and the earlier run --since names. */
function readFrom(
  path: string,
  runArg: string | undefined,
  sinceArg: string | undefined,
): { run: RunRow; since?: RunRow } {
  let opened;
  try {
    opened = openCase(path, { create: false });
  } catch (e) {
    if (e instanceof CaseError) throw new UsageError(`--from: ${printable(e.message)}`);
    throw e;
  }
  try {
    const all = runs(opened.db);
    const id = runArg === undefined ? undefined : wholeNumber('--run', runArg, 1, Number.MAX_SAFE_INTEGER);
    const run = pickRun(all, id);
    const shard = run && shardOfRun(run);
    if (shard)
      throw new UsageError(
        `--from: run ${run.id} of ${printable(path)} is shard ${shard} (a slice of the customers): merge every shard's case file (leaktally --merge ALL.case A.case B.case …) and report the merged case`,
      );
    if (!run) {
      const list = all.map((r) => `${r.id} (${r.outcome}, ${r.started_at})`).join('; ') || 'none';
      throw new UsageError(
        id === undefined
          ? `--from: ${printable(path)} holds no finished run (runs: ${list}); give --run N to report one that did not finish`
          : `--from: ${printable(path)} has no run ${id} (runs: ${list})`,
      );
    }
    if (sinceArg === undefined) return { run };
    // as --diff takes it: any run by number (one that did not finish makes the comparison incomplete)
    const sinceId = wholeNumber('--since', sinceArg, 1, Number.MAX_SAFE_INTEGER);
    const since = all.find((r) => Number(r.id) === sinceId);
    if (!since) {
      const list = all.map((r) => `${r.id} (${r.outcome}, ${r.started_at})`).join('; ');
      throw new UsageError(`--since: ${printable(path)} has no run ${sinceId} (runs: ${list})`);
    }
    if (since.id === run.id) throw new UsageError(`--since and the run reported are the same run (${run.id})`);
    if (Number(since.id) > Number(run.id))
      throw new UsageError(
        `--since ${since.id} is later than the run reported (${run.id}): a follow-up says what changed since an earlier run (give --run N)`,
      );
    const sinceShard = shardOfRun(since);
    if (sinceShard)
      throw new UsageError(
        `--since: run ${since.id} of ${printable(path)} is shard ${sinceShard} (a slice of the customers): compare merged runs (--merge)`,
      );
    return { run, since };
  } finally {
    opened.db.close();
  }
}

/**
 * --from: the options a report places files by, where the command line does not give them, are the
 * stored run's, so that `--from CASE --csv s.csv` writes what that run wrote.
 */
function takeStoredOptions(cmd: Command, o: Record<string, unknown>, run: RunRow): void {
  let stored: Record<string, unknown>;
  try {
    stored = optionsOf(run.options);
  } catch {
    return;
  }
  const given = (key: string): boolean => cmd.getOptionValueSource(key) === 'cli';
  const take = (key: string, from: string): void => {
    const v = stored[from];
    if (!given(key) && v !== null && v !== undefined) o[key] = typeof v === 'number' ? String(v) : v;
  };
  // where files are placed is one choice: a --depth or a --pattern given replaces the run's (a new
  // --depth with the run's pattern kept would still place files by that pattern)
  if (!given('depth') && !given('pattern')) {
    take('depth', 'depth');
    take('pattern', 'pattern');
  }
  take('tz', 'tz');
  take('country', 'country');
  take('retention', 'retention');
  take('asOf', 'as_of');
}

/** The shard a stored run scanned ("2/4"), or undefined for a whole scan or a merge. */
function shardOfRun(run: RunRow): string | undefined {
  try {
    const shard = (optionsOf(run.options) as { shard?: unknown }).shard;
    return typeof shard === 'string' ? shard : undefined;
  } catch {
    return undefined;
  }
}

/**
 * --merge OUT A.case B.case …: the shards' case files into OUT. Nothing else is done in the same run
 * (a report of the merge is `--from OUT`); --allow-incomplete alone may be given.
 */
function mergePlan(cmd: Command, out: string, argv: string[]): MergePlan {
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (key === 'merge' || key === 'allowIncomplete' || cmd.getOptionValueSource(key) !== 'cli') continue;
    throw new UsageError(
      `--merge only merges (with --allow-incomplete at most); report the merged case after it: leaktally --from ${printable(out)} ${opt.long ?? ''} …`,
    );
  }
  if (!cmd.args.length) throw new UsageError("--merge: give the shards' case files after it");
  const plan = planOutput(out, '/nonexistent-tree');
  if (typeof plan === 'string') throw new UsageError(`--merge: ${printable(plan)}`);
  closePlans([plan]);
  if (plan.kind !== 'atomic')
    throw new UsageError(`--merge: ${printable(out)} is not a regular file; give a file name`);
  const opts = cmd.opts<Record<string, unknown>>();
  return { merge: { out, inputs: [...cmd.args], argv, allowIncomplete: opts.allowIncomplete === true } };
}

/**
 * --diff CASE [--run N] [--since M]: two runs of a case file compared. Its outputs are --csv and --json
 * (the CSV on stdout when neither is given); the tree is not read.
 */
function diffPlan(cmd: Command, path: string, argv: string[]): DiffPlan {
  const allowed = new Set(['diff', 'run', 'since', 'csv', 'json', 'delimiter', 'register', 'allowIncomplete']);
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (allowed.has(key) || cmd.getOptionValueSource(key) !== 'cli') continue;
    throw new UsageError(
      `--diff compares two runs as they were stored; ${opt.long ?? ''} does not apply (give --csv, --json, --delimiter, --register, --run, --since)`,
    );
  }
  if (cmd.args.length) throw new UsageError('--diff reads a case file, not a folder: give one of them');
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const delimiter = String(o.delimiter);
  if (delimiter !== ',' && delimiter !== ';')
    throw new UsageError(`--delimiter must be ',' or ';', not "${printable(delimiter)}"`);
  const run = (flag: string, v: unknown): number | undefined =>
    v === undefined ? undefined : wholeNumber(flag, v, 1, Number.MAX_SAFE_INTEGER);
  const csv = o.csv as string | undefined;
  const json = o.json as string | undefined;
  const outputs: (readonly [string, string | undefined])[] = [
    ['--csv', csv ?? (json === undefined ? '-' : undefined)],
    ['--json', json],
    ['--diff', path],
  ];
  const plans = planOutputs(outputs, '/nonexistent-tree');
  if (typeof plans === 'string') throw new UsageError(printable(plans));
  closePlans(plans.values());
  refuseOutputOnInput(outputs.slice(0, 2), [
    ['--register', o.register as string | undefined],
    ['--diff', path],
  ]);
  refuseOutputOnJournal(outputs.slice(0, 2), '--diff', path);
  return {
    diff: {
      path,
      to: run('--run', o.run),
      since: run('--since', o.since),
      csv: csv ?? (json === undefined ? '-' : undefined),
      json,
      register: o.register as string | undefined,
      delimiter,
      argv,
      allowIncomplete: o.allowIncomplete === true,
    },
  };
}

/** --rate: requests a second, a number above 0 (0.5: one every two seconds) and at most 100,000. */
function positiveRate(value: unknown): number {
  const text = String(value);
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(n > 0 && n <= 100_000))
    throw new UsageError(`--rate: "${printable(text)}" is not a number of requests a second above 0 (at most 100000)`);
  return n;
}

/** A CA bundle any Node would take is far smaller: a larger file is not one */
const MAX_CA_BYTES = 1 << 20;

/**
 * --ca FILE: the PEM certificates of a private CA, read and checked here (one line for a file that is
 * missing, too large, not a regular file or holds no certificate), not when the first request fails.
 */
function readCa(file: string): string {
  let text: string;
  try {
    text = readInputFile(file, MAX_CA_BYTES).toString('latin1');
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new UsageError(
      e.reason === 'cannot'
        ? `--ca: cannot read ${printable(file)}: ${e.code}`
        : e.reason === 'special'
          ? `--ca: ${printable(file)} is not a regular file (a FIFO, a device or a socket)`
          : `--ca: ${printable(file)} is over 1 MiB: not a CA's certificates`,
    );
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (!pems.length)
    throw new UsageError(`--ca: ${printable(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const pem of pems)
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new UsageError(`--ca: ${printable(file)} holds a certificate that cannot be read: ${(e as Error).message}`);
    }
  return pems.join('\n');
}

/** A whole number in decimal digits only: Number() also takes '0x2', '1.0', ' 2' and '1e1'. */
function wholeNumber(flag: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  const n = /^[0-9]{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${printable(text)}"`);
  return n;
}
