/**
 * `--diff CASE`: what changed between two runs of a case file, per row (customer, or the top-level and
 * unmatched rows): files, hours and callers added, removed and changed. In the 1177 leak the server
 * kept writing recordings while the story broke; a follow-up notification (EDPB Guidelines 9/2022
 * ¶52-53: notification in phases) says what was found since the first.
 *
 * A file is the same file in both runs when its path and its row are the same: a file whose path is
 * in both runs but in another row (the runs placed files differently, or a register moved it) is
 * removed from the old row and added to the new, so that every row's figures add up:
 * after = before + added − removed, for files and (with changed) for hours. Changed: the same file
 * with another size, mtime or length. Other names of a file counted once (hard links) are left out,
 * as the summary counts them apart. Computed by SQLite over the stored rows (a million files: seconds).
 *
 * With a register the rows are its controllers (a customer key it names counts in its controller's
 * row; a file moving between two keys of one controller is the same file to that controller; callers
 * are distinct across a controller's keys), then the keys it does not name, as in the summary.
 */
import { CaseError, type Db } from './db.js';
import type { Register } from '../report/notify/register.js';
import { rootIdOf, type RunRow, optionsOf } from './store.js';
import { compilePattern, couldHoldCustomer, type CompiledPattern } from '../scan/place/pattern.js';
import { keyName, shownPath } from '../scan/place/names.js';
import { looseNames } from '../report/notify/completeness.js';
import { keyForms } from '../report/notify/skeletons.js';

/**
 * One row's figures (seconds: audio present, as the summary counts it). A run whose gaps could hold
 * the row's files (notReadBefore / notReadAfter: why) did not read it: its side's figures and the
 * changes they decide (after and removed, or before and added; changed either way) are not known and
 * are written empty, "not read", never 0 (attack round 22 H2). The numbers are then only what was found.
 */
export interface DiffRow {
  kind: string;
  customer: string;
  notReadBefore?: string;
  notReadAfter?: string;
  filesBefore: number;
  filesAfter: number;
  added: number;
  removed: number;
  changed: number;
  secondsBefore: number;
  secondsAfter: number;
  secondsAdded: number;
  secondsRemoved: number;
  /** the length the changed files gained (negative: lost) */
  secondsChanged: number;
  callersBefore: number;
  callersAfter: number;
  callersAdded: number;
  callersRemoved: number;
}

export interface RunDiff {
  rows: DiffRow[];
  /**
   * the whole case: distinct callers across rows, not a sum of rows; added and removed (and changed)
   * summed over the rows read in both runs only, callers added (removed) unknown when a row was not
   * read in the earlier (later) run
   */
  total: DiffRow;
  /** rows not read in the earlier and in the later run */
  notRead: { before: number; after: number };
}

/** The rows a run's gaps could hold: undefined when it had none; else whether a row (its kind, its keys) is one, and why. */
interface RunReach {
  why: string;
  holds: (kind: string, keys: readonly string[]) => boolean;
  /** the customer folders that could not be listed (folder customers): each a row, as in the summary */
  customers?: readonly string[];
}

const BUILT_IN = new Set(['unmatched', 'top-level']);

/** the first folders' paths a pattern's rows are judged by, as the summary keeps them (engine.ts); past them any row */
const KEPT_PATHS = 100;

/**
 * Which rows a run did not read, by the rule the summary's completeness uses (report/notify/
 * completeness.ts): a run that did not finish (stopped, killed, a merge missing shards) read no row to
 * the end; a folder that could not be listed could hold the files of the customer whose folder it is
 * or is in, of every customer when it lies above the customer level, or, with a {customer} pattern,
 * of every customer the pattern could match below it; the built-in rows (unmatched, top level) may
 * get files from any unread folder. Other gaps (files not attributed, links not followed) leave a
 * row's files where they were found: its figures stand, and the completeness cell names the gap.
 */
function reachOf(db: Db, run: RunRow): RunReach | undefined {
  if (run.outcome !== 'done') {
    const why =
      run.outcome === 'running'
        ? `run ${run.id} never finished`
        : run.outcome === 'incomplete'
          ? `run ${run.id} lacks shards`
          : `run ${run.id} was ${run.outcome}`;
    return { why, holds: () => true };
  }
  const unread = (
    db.all('SELECT path FROM folders WHERE run = ? AND error IS NOT NULL', [Number(run.id)]) as {
      path: Uint8Array | string;
    }[]
  ).map((r) => Buffer.from(r.path));
  if (!unread.length) return undefined;
  const why = `${unread.length} ${unread.length === 1 ? 'folder' : 'folders'} of run ${run.id} could not be read`;
  const all: RunReach = { why, holds: () => true };
  let o: Record<string, unknown>;
  try {
    o = optionsOf(run.options);
  } catch {
    return all;
  }
  let pattern: CompiledPattern | undefined;
  if (typeof o.pattern === 'string' && o.pattern) {
    try {
      pattern = compilePattern(o.pattern);
    } catch {
      return all;
    }
  }
  if (pattern?.hasCustomer) {
    if (unread.length > KEPT_PATHS) return all;
    const p = pattern;
    const paths = unread.map((rel) => shownPath(rel) || '.');
    return {
      why,
      holds: (kind, keys) =>
        BUILT_IN.has(kind) ||
        keys.some((k) => paths.some((path) => couldHoldCustomer(p, path, k.startsWith('./') ? k.slice(2) : k))),
    };
  }
  // customers are the folders at --depth (engine.ts unreadableFolder)
  const depth = Number(o.depth ?? 1) || 1;
  const own = new Set<string>();
  for (const rel of unread) {
    let start = 0;
    let found: string | undefined;
    if (rel.length)
      for (let level = 1; level <= depth; level++) {
        const slash = rel.indexOf(0x2f, start);
        if (level === depth) {
          found = keyName(rel.subarray(start, slash < 0 ? rel.length : slash));
          break;
        }
        if (slash < 0) break;
        start = slash + 1;
      }
    // above the customer level: any customer's files may be in it
    if (found === undefined) return all;
    own.add(found);
  }
  // a key whose customer folder is only like an unread one's (ACME/ for acme) could have its files in
  // it, as the summary judges (completeness.ts unreadByLooseName): before, --diff --register gave the
  // key 0 before and 0 after, read, where the summary said "could not be read" (attack round 24 M1)
  const loose = new Set([...own].flatMap((n) => looseNames(n)));
  return {
    why,
    holds: (kind, keys) =>
      BUILT_IN.has(kind) ||
      keys.some((k) => {
        const key = k.startsWith('./') ? k.slice(2) : k;
        return own.has(key) || looseNames(key).some((f) => loose.has(f));
      }),
    customers: [...own],
  };
}

/**
 * The register's keys a run did not find one of whose loose forms (completeness.ts looseNames) is that of a
 * customer it found with files that no key names (ACME/ beside the key acme): the summary's look-alike
 * rule (lookalikesOf), which makes the key's row and the run incomplete. --diff judged a run by its
 * stored completeness, made without a register, and said the key's row "complete", 0 added, exit 0,
 * where the summary of the same run said its exposure cannot be ruled out (attack round 24 C3). One
 * line per such key, for the comparison's completeness.
 */
export function lookalikesIn(db: Db, run: RunRow, register: Register): string[] {
  const id = Number(run.id);
  const withFiles = new Map<string, number>();
  for (const r of db.all(
    "SELECT customer, count(*) AS n FROM files WHERE run = ? AND row_kind = 'customer' AND hard_link IS NULL GROUP BY 1",
    [id],
  ) as { customer: string; n: Num }[])
    withFiles.set(r.customer, Number(r.n ?? 0));
  // customers are also the folders at --depth, with or without files (engine.ts ensureCustomer)
  const found = new Set(withFiles.keys());
  let o: Record<string, unknown> = {};
  try {
    o = optionsOf(run.options);
  } catch {
    /* no options: the customers with files only */
  }
  // (the run's --country: a key or folder that writes a phone number nationally is read under it)
  const country = typeof o.country === 'string' ? o.country : undefined;
  if (!(typeof o.pattern === 'string' && o.pattern)) {
    const depth = Number(o.depth ?? 1) || 1;
    for (const r of db.all('SELECT path FROM folders WHERE run = ? AND depth = ?', [id, depth]) as {
      path: Uint8Array | string;
    }[]) {
      const rel = Buffer.from(r.path);
      found.add(keyName(rel.subarray(rel.lastIndexOf(0x2f) + 1)));
    }
  }
  const missing = new Map<string, string[]>();
  for (const e of register.entries) {
    if (found.has(e.key)) continue;
    for (const k of keyForms(e.key, country)) missing.set(k, [...(missing.get(k) ?? []), e.key]);
  }
  const out: string[] = [];
  if (!missing.size) return out;
  for (const [name, n] of withFiles) {
    if (register.byKey.has(name)) continue;
    for (const key of new Set(looseNames(name, country).flatMap((f) => missing.get(f) ?? [])))
      out.push(
        `run ${id}: a customer named like the key "${key}", "${name}", holds ${n} ${n === 1 ? 'file' : 'files'} that may be its (not merged: whether it is the same customer is for a person to decide)`,
      );
  }
  return out;
}

/** Why a run's files may not be all the files there were: stopped, never finished, or gaps (folders not read, …). */
type RunGap = 'stopped' | 'unfinished' | 'gaps';

/** A run's gap as --diff judges it from the run's row (undefined: done and complete). */
function runGap(r: RunRow): RunGap | undefined {
  if (r.outcome === 'running') return 'unfinished';
  // a merge missing shards finished as 'incomplete': its gap is the shards, not a stop
  if (r.outcome !== 'done' && r.outcome !== 'incomplete') return 'stopped';
  return r.outcome === 'done' && Number(r.complete) === 1 ? undefined : 'gaps';
}

/**
 * The comparison a follow-up notification states (`--from CASE --since M --statements DIR`): the
 * figures of `--diff CASE --since M --run N` with the same register, and each run's gap.
 */
export interface FollowUp {
  /** the earlier run: its number, its end (its start if it never ended) as stored, with its zone's offset, and that zone */
  since: { run: number; at: string; ended: boolean; zone: string; gap?: RunGap };
  /** the run reported */
  run: { run: number; gap?: RunGap };
  diff: RunDiff;
}

const rootOf = (r: RunRow): string => Buffer.from(r.root.buffer, r.root.byteOffset, r.root.byteLength).toString();

/**
 * Two runs of one case file that scanned different folders (`tree --case c.case`, then `other --case
 * c.case`) are no before and after of one tree: compared, every file of the first would be "removed"
 * and every customer it holds alone told "nothing was found" (attack round 22 H1). Refused, as a
 * comparison no lawyer could sign; `--merge` of shards of different trees says incomplete instead, as
 * its rows are the union of the shards, not a difference of them.
 */
export function sameTree(before: RunRow, after: RunRow): void {
  if (Buffer.compare(before.root, after.root) === 0) return;
  // one tree moved or mounted elsewhere between the runs: its root folder is the same by device and
  // inode (kept since round 22), and its files' paths below it are what the runs compare
  const [a, b] = [rootIdOf(before), rootIdOf(after)];
  if (a !== undefined && a === b) return;
  throw new CaseError(
    `run ${before.id} scanned ${rootOf(before)}, run ${after.id} scanned ${rootOf(after)}: not the same tree, and a comparison would count every file of the one as removed and of the other as added; compare runs of one tree (keep each tree in its own case file)`,
  );
}

/** The follow-up of run `after` to run `before` (diffRuns with the same register); runs of two trees are refused (sameTree). */
export function followUp(db: Db, before: RunRow, after: RunRow, register?: Register): FollowUp {
  sameTree(before, after);
  return {
    since: {
      run: Number(before.id),
      at: before.finished_at ?? before.started_at,
      ended: before.finished_at !== null,
      zone: before.zone,
      gap: runGap(before),
    },
    run: { run: Number(after.id), gap: runGap(after) },
    diff: diffRuns(db, before, after, register),
  };
}

const FIELDS =
  'path, row_kind AS kind, customer, caller, bytes, seconds, mtime_ms FROM files WHERE run = ? AND hard_link IS NULL';

type Num = number | bigint | null;

/** The figures of two runs of db, `before` and `after`, per row and in all. */
export function diffRuns(db: Db, before: RunRow, after: RunRow, register?: Register): RunDiff {
  db.exec('DROP TABLE IF EXISTS temp.a; DROP TABLE IF EXISTS temp.b; DROP TABLE IF EXISTS temp.reg;');
  db.run(`CREATE TEMP TABLE a AS SELECT ${FIELDS}`, [Number(before.id)]);
  db.run(`CREATE TEMP TABLE b AS SELECT ${FIELDS}`, [Number(after.id)]);
  if (register) {
    // a row is its controller's: kind and customer become the controller's
    db.exec('CREATE TEMP TABLE reg (key TEXT PRIMARY KEY, controller TEXT NOT NULL)');
    const put = db.prepare('INSERT INTO reg VALUES (?, ?)');
    try {
      for (const [key, e] of register.byKey) put.run([key, e.controller]);
    } finally {
      put.finalize();
    }
    for (const t of ['a', 'b'])
      db.exec(
        `UPDATE ${t} SET kind = 'controller', customer = (SELECT controller FROM reg WHERE reg.key = ${t}.customer)
          WHERE kind = 'customer' AND customer IN (SELECT key FROM reg)`,
      );
  }
  db.exec('CREATE INDEX temp.a_path ON a (path); CREATE INDEX temp.b_path ON b (path);');
  try {
    const rows = new Map<string, DiffRow>();
    const row = (kind: string, customer: string): DiffRow => {
      const k = `${kind}\0${customer}`;
      let r = rows.get(k);
      if (!r) {
        r = emptyRow(kind, customer);
        rows.set(k, r);
      }
      return r;
    };
    const each = (sql: string, fn: (r: DiffRow, n: number, s: number) => void): void => {
      for (const x of db.all(sql) as { kind: string; customer: string; n: Num; s: Num }[])
        fn(row(x.kind, x.customer), Number(x.n ?? 0), Number(x.s ?? 0));
    };
    const same = 'a.path = b.path AND a.kind = b.kind AND a.customer = b.customer';
    each('SELECT kind, customer, count(*) AS n, sum(seconds) AS s FROM a GROUP BY 1, 2', (r, n, s) => {
      r.filesBefore = n;
      r.secondsBefore = s;
    });
    each('SELECT kind, customer, count(*) AS n, sum(seconds) AS s FROM b GROUP BY 1, 2', (r, n, s) => {
      r.filesAfter = n;
      r.secondsAfter = s;
    });
    each(
      `SELECT b.kind, b.customer, count(*) AS n, sum(b.seconds) AS s FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE ${same}) GROUP BY 1, 2`,
      (r, n, s) => {
        r.added = n;
        r.secondsAdded = s;
      },
    );
    each(
      `SELECT a.kind, a.customer, count(*) AS n, sum(a.seconds) AS s FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE ${same}) GROUP BY 1, 2`,
      (r, n, s) => {
        r.removed = n;
        r.secondsRemoved = s;
      },
    );
    each(
      `SELECT b.kind, b.customer, count(*) AS n, sum(coalesce(b.seconds, 0) - coalesce(a.seconds, 0)) AS s
         FROM b JOIN a ON ${same}
        WHERE a.bytes IS NOT b.bytes OR a.mtime_ms IS NOT b.mtime_ms OR a.seconds IS NOT b.seconds
        GROUP BY 1, 2`,
      (r, n, s) => {
        r.changed = n;
        r.secondsChanged = s;
      },
    );
    const callers = (t: string): string => `SELECT DISTINCT kind, customer, caller FROM ${t} WHERE caller IS NOT NULL`;
    const count = (sql: string): string => `SELECT kind, customer, count(*) AS n, 0 AS s FROM (${sql}) GROUP BY 1, 2`;
    each(count(callers('a')), (r, n) => void (r.callersBefore = n));
    each(count(callers('b')), (r, n) => void (r.callersAfter = n));
    each(count(`${callers('b')} EXCEPT ${callers('a')}`), (r, n) => void (r.callersAdded = n));
    each(count(`${callers('a')} EXCEPT ${callers('b')}`), (r, n) => void (r.callersRemoved = n));

    // a register's controllers, each a row even with no file in either run
    for (const c of register?.controllers ?? []) row('controller', c.controller);
    // the rows each run's gaps could hold: their side's figures are not known
    const reach = [reachOf(db, before), reachOf(db, after)] as const;
    // a customer folder that could not be listed is a row of its own, as in the summary (before, a row
    // only with files: ACME/ unreadable in both runs had none; attack round 24 M1)
    for (const rr of reach) for (const c of rr?.customers ?? []) if (!register?.byKey.has(c)) row('customer', c);
    const keysByController = register && new Map(register.controllers.map((c) => [c.controller, c]));
    const notRead = { before: 0, after: 0 };
    for (const r of rows.values()) {
      const keys = r.kind === 'controller' ? (keysByController?.get(r.customer)?.keys ?? []) : [r.customer];
      if (reach[0]?.holds(r.kind, keys)) {
        r.notReadBefore = reach[0].why;
        notRead.before++;
      }
      if (reach[1]?.holds(r.kind, keys)) {
        r.notReadAfter = reach[1].why;
        notRead.after++;
      }
    }
    const total = emptyRow('total', '');
    for (const r of rows.values())
      for (const k of Object.keys(r) as (keyof DiffRow)[]) {
        if (typeof r[k] !== 'number' || k.startsWith('callers')) continue;
        // what a run did not read in a row is no change: the sums of changes are over rows read in both
        const side = SIDE[k];
        if ((side === 'before' && r.notReadBefore) || (side === 'after' && r.notReadAfter)) continue;
        if (side === 'both' && (r.notReadBefore || r.notReadAfter)) continue;
        (total[k] as number) += r[k];
      }
    if (notRead.before) total.notReadBefore = reach[0]!.why;
    if (notRead.after) total.notReadAfter = reach[1]!.why;
    const n = (sql: string): number => Number((db.get(sql) as { n: Num }).n ?? 0);
    const allCallers = (t: string): string => `SELECT DISTINCT caller FROM ${t} WHERE caller IS NOT NULL`;
    total.callersBefore = n(`SELECT count(*) AS n FROM (${allCallers('a')})`);
    total.callersAfter = n(`SELECT count(*) AS n FROM (${allCallers('b')})`);
    total.callersAdded = n(`SELECT count(*) AS n FROM (${allCallers('b')} EXCEPT ${allCallers('a')})`);
    total.callersRemoved = n(`SELECT count(*) AS n FROM (${allCallers('a')} EXCEPT ${allCallers('b')})`);
    const order = { controller: 0, customer: 1, unmatched: 2, 'top-level': 3 } as Record<string, number>;
    const sorted = [...rows.values()].sort(
      (x, y) =>
        (order[x.kind] ?? 4) - (order[y.kind] ?? 4) || (x.customer < y.customer ? -1 : x.customer > y.customer ? 1 : 0),
    );
    return { rows: sorted, total, notRead };
  } finally {
    db.exec('DROP TABLE IF EXISTS temp.a; DROP TABLE IF EXISTS temp.b; DROP TABLE IF EXISTS temp.reg;');
  }
}

/**
 * The comparison on stderr: its changes counted over the rows read in both runs, and how many rows a
 * run did not read ("at least": such a row's changes are not known, never 0).
 */
export function diffLine(diff: RunDiff, before: RunRow, after: RunRow): string {
  const t = diff.total;
  const n = diff.notRead;
  const unread = [
    n.after && `${n.after} ${n.after === 1 ? 'row' : 'rows'} not read in run ${after.id}`,
    n.before && `${n.before} ${n.before === 1 ? 'row' : 'rows'} not read in run ${before.id}`,
  ].filter(Boolean);
  const least = (k: 'before' | 'after' | 'both'): string =>
    (k === 'both' ? n.before || n.after : n[k]) ? 'at least ' : '';
  return `run ${after.id} against run ${before.id}: ${least('before')}${t.added} ${t.added === 1 ? 'file' : 'files'} added, ${least('after')}${t.removed} removed, ${least('both')}${t.changed} changed${unread.length ? ` (${unread.join(', ')}: their changes are not known)` : ''}`;
}

/**
 * The run a change is not known without: added (a file of the later run not in the earlier) is not
 * known where the earlier run did not read the row (a file not read then would be "added"), removed
 * where the later did not, changed where either did not. The totals sum a change over the rows where
 * it is known; a run's own count (before, after) is what it found, summed over every row.
 */
const SIDE: Partial<Record<keyof DiffRow, 'before' | 'after' | 'both'>> = {
  added: 'before',
  removed: 'after',
  changed: 'both',
  secondsAdded: 'before',
  secondsRemoved: 'after',
  secondsChanged: 'both',
};

function emptyRow(kind: string, customer: string): DiffRow {
  return {
    kind,
    customer,
    filesBefore: 0,
    filesAfter: 0,
    added: 0,
    removed: 0,
    changed: 0,
    secondsBefore: 0,
    secondsAfter: 0,
    secondsAdded: 0,
    secondsRemoved: 0,
    secondsChanged: 0,
    callersBefore: 0,
    callersAfter: 0,
    callersAdded: 0,
    callersRemoved: 0,
  };
}
