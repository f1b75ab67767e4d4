/**
 * `--merge OUT A.case B.case …`: the shards' case files (`--shard i/n`, place/shard.ts) made into one
 * run of one case file, which `--from OUT` then reports as if one machine had scanned the tree. Each
 * shard's last finished run is taken; its files are its own (a file's row falls in one shard only),
 * folders above the customer level were walked by every shard and are kept once (with an error if any
 * shard could not list them: never overstate). A merge missing a shard, or of a shard that was stopped,
 * is a run whose outcome is 'incomplete': every report of it says incomplete.
 *
 * The rows are copied by SQLite itself (ATTACH, INSERT … SELECT), a shard a transaction: a merge killed
 * half-way leaves a run that never finished, which no report takes unless asked for it by number.
 */
import { hostname } from 'node:os';
import { rmSync, statSync } from 'node:fs';
import { CaseError, damaged, openCase, rollback, type Db } from './db.js';
import { runs, treeOf, type RunRow, optionsOf } from './store.js';
import { FILE_COLUMNS, REQUEST_COLUMNS } from './schema.js';
import { parseShard } from '../scan/place/shard.js';
import { Between, type ShardTimes } from './between.js';
import { REPEAT_PREFIX } from '../scan/engine.js';
import { num } from '../report/human.js';
import { fileIdOf, outputProblem } from '../report/output/target.js';

/** A merge that cannot be made: one line for the user. */
export class MergeError extends Error {}

/** A merge a signal stopped between two shards: its run is left unfinished (no report takes it). */
export class MergeStopped extends Error {}

/** The options a shard's files are placed by: every shard of one merge gives the same. */
const PLACEMENT = ['depth', 'pattern', 'tz', 'retention', 'as_of', 'country'] as const;

interface ShardRun {
  path: string;
  run: RunRow;
  options: Record<string, unknown>;
  index: number;
  count: number;
}

/** A shard's last finished run, and what its options say of the shard. */
function readShard(path: string): ShardRun {
  const { db } = openCase(path, { create: false });
  try {
    const all = runs(db);
    let run: RunRow | undefined;
    for (let i = all.length - 1; i >= 0 && !run; i--) if (all[i]!.finished_at !== null) run = all[i];
    if (!run) throw new MergeError(`${path} holds no finished run: run its shard again with the same --case`);
    let options: Record<string, unknown>;
    try {
      options = optionsOf(run.options);
    } catch {
      throw new MergeError(`${path} is a damaged case file: the options of its run ${run.id} are not JSON`);
    }
    // parsed as the command line parses it: a forged "0/0" would make a merge of nothing whole
    const shard = typeof options.shard === 'string' ? parseShard(options.shard) : undefined;
    if (shard === undefined)
      throw new MergeError(
        `${path}: its last finished run (${run.id}) is not a shard (a scan with --shard i/n): nothing to merge`,
      );
    if (typeof shard === 'string')
      throw new MergeError(`${path}: its run ${run.id} names no shard leaktally makes (${shard})`);
    return { path, run, options, index: shard.index, count: shard.count };
  } finally {
    db.close();
  }
}

/** The tree the shards scanned, where it is mounted here: the merged case file (and its lock) never goes in it. */
function refuseInTree(out: string, shards: readonly ShardRun[]): void {
  for (const s of shards) {
    let root: string;
    try {
      root = treeOf(s.run);
    } catch (e) {
      if (e instanceof CaseError) throw new MergeError(`${s.path}: ${e.message}`);
      throw e;
    }
    const why = outputProblem(out, root);
    if (why?.startsWith('refusing to write into the evidence tree'))
      throw new MergeError(`${out}: the tree ${s.run.root_shown} that ${s.path} scanned is here: ${why}`);
  }
}

/**
 * An existing `out` gets the merge as one run more, which `--from out` then reports (the last finished
 * run). A case file that holds a run of another tree is refused: its next report would silently be of
 * another leak (round 13b merged shards of tree Y into tree X's case file, exit 0, and `--from` reported
 * Y). Runs of the shards' tree (an earlier merge of them, a scan of it) are fine. A tree is its root's
 * bytes as a shard recorded it: a case file of the same tree mounted elsewhere is refused too.
 */
function refuseOtherTree(out: string, shards: readonly ShardRun[], at = out): void {
  // missing, or empty (made by mktemp): SQLite makes it a case file
  if (fileIdOf(at) === undefined || statSync(at).size === 0) return;
  const { db } = openCase(at, { create: false, shown: out });
  try {
    for (const r of runs(db))
      if (!shards.some((s) => Buffer.compare(s.run.root, r.root) === 0))
        throw new MergeError(
          `${out} already holds run ${r.id}, of another tree (${r.root_shown}, not ${shards[0]!.run.root_shown}): the merge would be its last run and --from ${out} would report it; merge into a new case file`,
        );
  } finally {
    db.close();
  }
}

/**
 * Before the merge's lock is taken beside `out`: MergeError when out is inside the tree a shard scanned
 * or holds runs of another tree.
 */
export function checkMergeOutput(out: string, inputs: readonly string[]): void {
  const shards = inputs.filter((p) => fileIdOf(p) !== undefined).map(readShard);
  refuseInTree(out, shards);
  if (shards.length && !inputs.some((p) => fileIdOf(p) === fileIdOf(out))) refuseOtherTree(out, shards);
}

export interface Merged {
  run: number;
  count: number;
  /** shards not among the inputs (1-based) */
  missing: number[];
  /** inputs whose scan was stopped */
  notWhole: string[];
  /** every shard there and finished (the tree's own gaps, which the reports say, aside) */
  whole: boolean;
  files: number;
  /** the shards' roots differ (scanned where the tree was mounted on each machine): the first is kept */
  roots: string[];
  /**
   * folders taken as changed between (or during) the shard runs (between.ts), those of `swept` included:
   * their rows are incomplete
   */
  changed: number;
  /** the shards (1-based) whose every customer folder is taken as changed: they ran before a change */
  swept: number[];
  /** shards (1-based) whose case file kept no folder stamp: no change between the runs can be told */
  unstamped: number[];
  /** what the merged run says of those (its completeness's words), for the merge's line on stderr */
  betweenWhy: string[];
  complete: boolean;
}

const whenOf = (iso: string): number => Date.parse(iso);

/** A shard's start and end in ms: started_at and finished_at are to the second (its start in options is not). */
function timesOf(s: ShardRun): ShardTimes {
  const ms = s.options.started_ms;
  return {
    index: s.index,
    startMs: typeof ms === 'number' && Number.isFinite(ms) ? ms : whenOf(s.run.started_at),
    endMs: whenOf(s.run.finished_at!) + 1000,
  };
}

/** the customers are folders (no {customer} pattern): their depth */
function customerDepthOf(options: Record<string, unknown>): number | undefined {
  if (typeof options.pattern === 'string' && options.pattern.includes('{customer}')) return undefined;
  return typeof options.depth === 'number' ? options.depth : 1;
}

/**
 * Merge the shards' case files into `out` (made 0600 when missing; an existing case file gets one run
 * more). Throws MergeError for inputs that are not shards of one scan.
 */
export async function mergeCases(
  out: string,
  inputs: readonly string[],
  argv: readonly string[],
  /** asked between shards, after a turn of the event loop (a signal's handler runs there): true stops the merge */
  stopped: () => boolean = () => false,
  /** out through its folder as locked (cli/case-lock.ts), where SQLite opens it and its journal */
  at = out,
): Promise<Merged> {
  const ids = new Set<string>();
  const outId = fileIdOf(out);
  for (const p of inputs) {
    const id = fileIdOf(p);
    if (id === undefined) throw new MergeError(`${p} does not exist`);
    if (id === outId) throw new MergeError(`${p} is the output of the merge itself; write it elsewhere`);
    if (ids.has(id)) throw new MergeError(`${p} is given twice`);
    ids.add(id);
  }
  const shards = inputs.map(readShard);
  const first = shards[0]!;
  const count = first.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (s.count !== count)
      throw new MergeError(
        `${s.path} is shard ${s.index}/${s.count}, ${first.path} ${first.index}/${count}: not one scan`,
      );
    const twice = seen.get(s.index);
    if (twice !== undefined) throw new MergeError(`${twice} and ${s.path} are both shard ${s.index}/${count}`);
    seen.set(s.index, s.path);
    if (s.run.tool_version !== first.run.tool_version)
      throw new MergeError(
        `${s.path} was written by leaktally ${s.run.tool_version}, ${first.path} by ${first.run.tool_version}: files may be read differently; scan every shard with one version`,
      );
    for (const k of PLACEMENT)
      if (JSON.stringify(s.options[k] ?? null) !== JSON.stringify(first.options[k] ?? null))
        throw new MergeError(
          `${s.path} and ${first.path} were scanned with different ${k === 'as_of' ? '--as-of' : `--${k}`} (${JSON.stringify(s.options[k] ?? null)}, ${JSON.stringify(first.options[k] ?? null)}); scan every shard with the same options`,
        );
  }
  refuseInTree(out, shards);
  refuseOtherTree(out, shards, at);
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);
  // a shard whose scan did not finish (a shard with gaps of the tree's own, links or unreadable folders,
  // finished: its gaps are in its rows, and every report of the merge says them)
  const notWhole = shards.filter((s) => s.run.outcome !== 'done').map((s) => s.path);
  const roots = [...new Set(shards.map((s) => s.run.root_shown))];
  const whole = missing.length === 0 && notWhole.length === 0;
  // shards that scanned different folders may be one tree mounted at another path on each machine, or
  // two trees (round 14b: shard 1 of one tree and 2 of another merged as 'complete'): no report of the
  // merge says complete
  const shardsComplete = whole && roots.length === 1 && shards.every((s) => Number(s.run.complete) === 1);

  const sorted = [...shards].sort((a, b) => a.index - b.index);
  const started = sorted.reduce((a, s) => (whenOf(s.run.started_at) < whenOf(a.run.started_at) ? s : a));
  const finished = sorted.reduce((a, s) => (whenOf(s.run.finished_at!) > whenOf(a.run.finished_at!) ? s : a));
  const options: Record<string, unknown> = {
    ...first.options,
    shard: null,
    // what every report of the merge says of the shards not in it (store.ts, completeness.ts)
    missing_shards: missing,
    shards: count,
  };
  options.merged = sorted.map((s) => ({
    file: s.path,
    run: Number(s.run.id),
    shard: `${s.index}/${count}`,
    outcome: s.run.outcome,
    complete: Number(s.run.complete) === 1,
    root: s.run.root_shown,
    started_at: s.run.started_at,
    finished_at: s.run.finished_at,
  }));
  const gapsBefore = [
    ...(missing.length ? [`shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${count} not merged`] : []),
    ...notWhole.map((p) => `${p}: its scan was stopped`),
    ...(roots.length > 1
      ? [`the shards scanned different folders (${roots.join(', ')}): that they are one tree cannot be told`]
      : []),
    ...(whole && !shardsComplete && shards.some((s) => Number(s.run.complete) !== 1)
      ? ['the shards could not read or attribute every file (their reports say what)']
      : []),
  ];
  const times = sorted.map(timesOf);
  const between = new Between(Math.min(...times.map((t) => t.startMs)), customerDepthOf(first.options));

  // The run's row first, unfinished (a report takes no unfinished run unless asked for it by number),
  // then each shard in a transaction of its own (SQLite detaches a database only outside one, and
  // attaches ten at most), then the row finished: a merge killed on the way leaves a run that reads
  // as never finished, as a killed scan does.
  // a signal while the shards were read and checked: nothing is written to out
  await new Promise((resolve) => setImmediate(resolve));
  if (stopped()) throw new MergeStopped();
  // out as it was, should the merge fail or be stopped: a new file removed, an existing one without the run
  const made = outId === undefined;
  const { db } = openCase(at, { create: true, shown: out });
  let written: number | undefined;
  let done = false;
  try {
    const run = insertRun(db, {
      started: started.run.started_at,
      first: first.run,
      options,
      argv,
    });
    written = run;
    const cols = FILE_COLUMNS.filter((c) => c !== 'run').join(', ');
    const sums = { files: 0, takenOver: 0, links: 0, special: 0, refused: 0, noatime: true };
    db.exec('CREATE TEMP TABLE merged_folders (path NOT NULL, depth INTEGER NOT NULL, error TEXT)');
    for (const [k, s] of sorted.entries()) {
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped()) throw new MergeStopped();
      db.run('ATTACH DATABASE ? AS shard', [s.path]);
      try {
        readingShard(s.path, () =>
          inTransaction(db, () => {
            db.run(`INSERT INTO main.files (run, ${cols}) SELECT ?, ${cols} FROM shard.files WHERE run = ?`, [
              run,
              Number(s.run.id),
            ]);
            db.run('INSERT INTO merged_folders SELECT path, depth, error FROM shard.folders WHERE run = ?', [
              Number(s.run.id),
            ]);
            // (a shard of a web server: its requests are the merged run's; the shard was migrated when opened)
            db.run(
              `INSERT INTO main.requests (${REQUEST_COLUMNS.join(',')}) SELECT ?, ${REQUEST_COLUMNS.slice(1).join(',')} FROM shard.requests WHERE run = ?`,
              [run, Number(s.run.id)],
            );
          }),
        );
        readingShard(s.path, () => between.add(db, Number(s.run.id), times[k]!));
        const r = db.get(
          'SELECT files, taken_over, links_skipped, special_skipped, noatime_folders, noatime_files_refused FROM shard.runs WHERE id = ?',
          [Number(s.run.id)],
        ) as Record<string, number | bigint | null>;
        sums.files += Number(r.files ?? 0);
        sums.takenOver += Number(r.taken_over ?? 0);
        sums.links += Number(r.links_skipped ?? 0);
        sums.special += Number(r.special_skipped ?? 0);
        sums.refused += Number(r.noatime_files_refused ?? 0);
        if (Number(r.noatime_folders ?? 0) !== 1) sums.noatime = false;
      } finally {
        db.run('DETACH DATABASE shard');
      }
    }
    const swept = between.finish();
    const changed = between.changed.size;
    const complete = shardsComplete && changed === 0;
    const betweenWhy = [
      ...(between.unstamped.length
        ? [
            `shard${between.unstamped.length === 1 ? '' : 's'} ${between.unstamped.join(', ')} kept no folder stamps (a leaktally before case schema 4, or a web server's tree): whether the tree changed between shard runs cannot be told, and no row is vouched for`,
          ]
        : []),
      ...(changed && !(between.unstamped.length && changed === 1)
        ? [changedWords(changed, swept, count, customerDepthOf(first.options) !== undefined)]
        : []),
    ];
    const gaps = [...gapsBefore, ...betweenWhy];
    inTransaction(db, () => {
      // a folder listed by one shard and not by another (it changed between them) counts as not listed
      db.run(
        'INSERT INTO main.folders (run, path, depth, error) SELECT ?, path, min(depth), max(error) FROM merged_folders GROUP BY path',
        [run],
      );
      markChanged(db, run, between);
      db.run(
        `UPDATE runs SET finished_at = ?, outcome = ?, complete = ?, completeness = ?, files = ?, taken_over = ?,
           links_skipped = ?, special_skipped = ?, noatime_folders = ?, noatime_files_refused = ? WHERE id = ?`,
        [
          finished.run.finished_at,
          notWhole.length ? 'stopped' : missing.length ? 'incomplete' : 'done',
          complete ? 1 : 0,
          complete ? 'complete' : `incomplete: ${gaps.join('; ')}`,
          sums.files,
          sums.takenOver,
          sums.links,
          sums.special,
          sums.noatime ? 1 : 0,
          sums.refused,
          run,
        ],
      );
    });
    done = true;
    return {
      run,
      count,
      missing,
      notWhole,
      whole,
      files: sums.files,
      roots,
      changed,
      swept,
      unstamped: between.unstamped,
      betweenWhy,
      complete,
    };
  } finally {
    // a merge that did not finish (a damaged shard, a signal): its rows taken out again, so that no
    // run is left 'merging' (a killed merge still leaves one: no report takes it)
    if (!done && written !== undefined && !made) undoRun(db, written);
    db.close();
    if (!done && made) for (const f of [at, `${at}-journal`]) rmSync(f, { force: true });
  }
}

/** The merged run's words for the folders taken as changed between the shard runs (between.ts). */
function changedWords(changed: number, swept: readonly number[], count: number, byFolders: boolean): string {
  const n = `${num(changed)} folder${changed === 1 ? '' : 's'}`;
  const shards = `shard${swept.length === 1 ? '' : 's'} ${swept.join(', ')} of ${count}`;
  const of = !swept.length
    ? ''
    : byFolders
      ? `, every customer folder of ${shards} among them (a file moved out of a changed folder after those shards ran may be in any of them, not counted)`
      : `, the root among them (${shards} ran before a change, and a {customer} pattern's customers are no folders: every row)`;
  return `the tree changed between shard runs: ${n} changed after the first shard started${of}; their rows say incomplete (a file moved then may be missing or counted twice): scan every shard again while the tree stands still`;
}

/**
 * The folders taken as changed between the shard runs, as the merged run's folder gaps: a folder with
 * no error (or only a repeat's note, which is no gap) gets its reason; one not there (the root) is added.
 */
function markChanged(db: Db, run: number, between: Between): void {
  if (!between.changed.size) return;
  db.exec('CREATE TEMP TABLE changed_folders (path NOT NULL, depth INTEGER NOT NULL, why TEXT NOT NULL)');
  try {
    for (const f of between.changed.values())
      db.run('INSERT INTO changed_folders VALUES (?, ?, ?)', [f.path, f.depth, f.why]);
    db.exec('CREATE INDEX temp.changed_by_path ON changed_folders (path)');
    db.run(
      `UPDATE main.folders SET error = (SELECT why FROM changed_folders c WHERE c.path = folders.path)
       WHERE run = ? AND (error IS NULL OR error LIKE ?) AND path IN (SELECT path FROM changed_folders)`,
      [run, `${REPEAT_PREFIX}%`],
    );
    db.run(
      `INSERT INTO main.folders (run, path, depth, error) SELECT ?, path, depth, why FROM changed_folders
       WHERE path NOT IN (SELECT path FROM main.folders WHERE run = ?)`,
      [run, run],
    );
  } finally {
    db.exec('DROP TABLE temp.changed_folders');
  }
}

/** A merge's unfinished run and its rows, out of the case file it was written into. */
function undoRun(db: Db, run: number): void {
  try {
    inTransaction(db, () => {
      for (const t of ['files', 'folders', 'requests']) db.run(`DELETE FROM ${t} WHERE run = ?`, [run]);
      db.run('DELETE FROM runs WHERE id = ?', [run]);
    });
  } catch {
    // the case file itself failing: the run stays unfinished, which no report takes
  }
}

/** A shard's page damaged past its opening (SQLite: "malformed"): a MergeError naming it, not a stack. */
function readingShard(path: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    const d = damaged(e);
    if (d instanceof CaseError) throw new MergeError(`${path}: ${d.message}`);
    throw e;
  }
}

function inTransaction(db: Db, fn: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    fn();
    db.exec('COMMIT');
  } catch (e) {
    rollback(db);
    throw e;
  }
}

function insertRun(
  db: Db,
  r: { started: string; first: RunRow; options: Record<string, unknown>; argv: readonly string[] },
): number {
  db.run(
    `INSERT INTO runs (started_at, zone, tool_version, host, root, root_shown, options, argv, outcome)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'merging')`,
    [
      r.started,
      r.first.zone,
      r.first.tool_version,
      hostname(),
      r.first.root,
      r.first.root_shown,
      JSON.stringify(r.options),
      JSON.stringify(r.argv),
    ],
  );
  return Number((db.get('SELECT last_insert_rowid() AS id') as { id: number | bigint }).id);
}
