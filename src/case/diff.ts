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
import type { Db } from './db.js';
import type { Register } from '../report/notify/register.js';
import type { RunRow } from './store.js';

/** One row's figures (seconds: audio present, as the summary counts it). */
export interface DiffRow {
  kind: string;
  customer: string;
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
  /** the whole case: distinct callers across rows, not a sum of rows */
  total: DiffRow;
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

/** The follow-up of run `after` to run `before` (diffRuns with the same register). */
export function followUp(db: Db, before: RunRow, after: RunRow, register?: Register): FollowUp {
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

    const total = emptyRow('total', '');
    for (const r of rows.values())
      for (const k of Object.keys(r) as (keyof DiffRow)[])
        if (typeof r[k] === 'number' && !k.startsWith('callers')) (total[k] as number) += r[k];
    const n = (sql: string): number => Number((db.get(sql) as { n: Num }).n ?? 0);
    const allCallers = (t: string): string => `SELECT DISTINCT caller FROM ${t} WHERE caller IS NOT NULL`;
    total.callersBefore = n(`SELECT count(*) AS n FROM (${allCallers('a')})`);
    total.callersAfter = n(`SELECT count(*) AS n FROM (${allCallers('b')})`);
    total.callersAdded = n(`SELECT count(*) AS n FROM (${allCallers('b')} EXCEPT ${allCallers('a')})`);
    total.callersRemoved = n(`SELECT count(*) AS n FROM (${allCallers('a')} EXCEPT ${allCallers('b')})`);
    // a register's controllers, each a row even with no file in either run
    for (const c of register?.controllers ?? []) row('controller', c.controller);
    const order = { controller: 0, customer: 1, unmatched: 2, 'top-level': 3 } as Record<string, number>;
    const sorted = [...rows.values()].sort(
      (x, y) =>
        (order[x.kind] ?? 4) - (order[y.kind] ?? 4) || (x.customer < y.customer ? -1 : x.customer > y.customer ? 1 : 0),
    );
    return { rows: sorted, total };
  } finally {
    db.exec('DROP TABLE IF EXISTS temp.a; DROP TABLE IF EXISTS temp.b; DROP TABLE IF EXISTS temp.reg;');
  }
}

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
