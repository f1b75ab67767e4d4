/**
 * The case file's writer thread: SQLite's work (and its fsyncs) off the thread that replays the walk,
 * tallies and draws the UI. It takes rows in batches from writer.ts, inserts them 50 to a statement,
 * and commits at least every second, so that a run killed at any moment leaves every row up to its
 * last second in the case file, and nothing half-written (SQLite's rollback journal).
 */
import { optionsOf } from './store.js';
import { parentPort, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { openCase, type Db } from './db.js';
import { FILE_COLUMNS, FOLDER_COLUMNS, FOLDER_STAMP_COLUMNS, REQUEST_COLUMNS } from './schema.js';
import type { ToWriter, FromWriter, RunStart, RunEnd } from './messages.js';

const port = parentPort!;
const { path, shown } = workerData as { path: string; shown: string };

/**
 * Rows per INSERT statement: fewer calls into the WebAssembly module (measured: 239k rows/s one at a
 * time, 276k at 50). 128 is a reader's batch (scan/read/batcher.ts), so a batch is mostly one call:
 * 100,000 rows in 0.39–0.40 s against 0.42–0.46 s at 50 (with foreign keys unchecked, below).
 */
const PER_STATEMENT = 128;
const COMMIT_EVERY_MS = 1000;

let db: Db | undefined;
let run = 0;
let lastCommit = 0;
/** rows inserted since the last commit */
let uncommitted = false;
/**
 * Rows that came and no more after them (a slow walk of a network share) are committed within a
 * second too, not only when the next batch arrives.
 */
const ticker = setInterval(() => {
  if (db && uncommitted) maybeCommit();
}, COMMIT_EVERY_MS);
ticker.unref();

function post(m: FromWriter): void {
  port.postMessage(m);
}

/** A path's bytes (stored.ts sends a path that is not UTF-8 as { b: latin1 }) as a BLOB. */
const sqlPath = (v: { b: string }): Uint8Array => new Uint8Array(Buffer.from(v.b, 'latin1'));

/**
 * The INSERT of a table's rows, PER_STATEMENT at a time. The run's id is written into the statement
 * (an integer of ours, not a value from the tree), so a batch is bound as it came, without copying
 * every row to put the run in front of it (that copy cost as much as the JSON's parse).
 */
function inserter(table: string, columns: readonly string[]): (values: unknown[]) => void {
  const width = columns.length - 1; // every column but run
  const one = `(${run},${columns
    .slice(1)
    .map(() => '?')
    .join(',')})`;
  const many = db!.prepare(
    `INSERT INTO ${table} (${columns.join(',')}) VALUES ${Array(PER_STATEMENT).fill(one).join(',')}`,
  );
  const single = db!.prepare(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${one}`);
  return (values) => {
    // a path whose bytes are not UTF-8 came as { b: latin1 } (stored.ts): a BLOB of its bytes
    for (let i = 0; i < values.length; i += width) {
      const v = values[i];
      if (typeof v === 'object' && v !== null) values[i] = sqlPath(v as { b: string });
    }
    const rows = values.length / width;
    let i = 0;
    for (; i + PER_STATEMENT <= rows; i += PER_STATEMENT)
      many.run(values.slice(i * width, (i + PER_STATEMENT) * width) as never);
    for (; i < rows; i++) single.run(values.slice(i * width, (i + 1) * width) as never);
  };
}

let insertFiles: ReturnType<typeof inserter> | undefined;
let insertFolders: ReturnType<typeof inserter> | undefined;
let insertRequests: ReturnType<typeof inserter> | undefined;
let insertStamps: ReturnType<typeof inserter> | undefined;

function maybeCommit(force = false): void {
  uncommitted = true;
  const now = performance.now();
  if (!force && now - lastCommit < COMMIT_EVERY_MS) return;
  db!.exec('COMMIT');
  lastCommit = now;
  uncommitted = false;
  if (!force) db!.exec('BEGIN');
}

function start(s: RunStart): void {
  ({ db } = openCase(path, { create: true, shown }));
  const r = db.run(
    `INSERT INTO runs (started_at, zone, tool_version, host, root, root_shown, options, argv, outcome, resumed_from)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
    [
      s.startedAt,
      s.zone,
      s.toolVersion,
      hostname(),
      s.root,
      s.rootShown,
      JSON.stringify(s.options),
      JSON.stringify(s.argv),
      s.resumedFrom ?? null,
    ],
  );
  run = Number(r.lastInsertRowid);
  // every row this thread writes names this run, made just above: SQLite need not look it up in runs
  // for each file (5 % of the writer's time); the schema keeps the reference for the reader's sake
  db.exec('PRAGMA foreign_keys = OFF');
  insertFiles = inserter('files', FILE_COLUMNS);
  insertFolders = inserter('folders', FOLDER_COLUMNS);
  insertRequests = inserter('requests', REQUEST_COLUMNS);
  insertStamps = inserter('folder_stamps', FOLDER_STAMP_COLUMNS);
  db.exec('BEGIN');
  lastCommit = performance.now();
}

function finish(e: RunEnd): void {
  db!.run(
    `UPDATE runs SET finished_at = ?, outcome = ?, complete = ?, completeness = ?, files = ?, taken_over = ?,
       links_skipped = ?, special_skipped = ?, noatime_folders = ?, noatime_files_refused = ? WHERE id = ?`,
    [
      e.finishedAt,
      e.outcome,
      e.complete ? 1 : 0,
      e.completeness,
      e.files,
      e.takenOver,
      e.linksSkipped,
      e.specialSkipped,
      e.noatimeFolders ? 1 : 0,
      e.filesRefused,
      run,
    ],
  );
  if (e.http) {
    // (no column of its own: the run's options JSON carries it, read back by store.ts storedScan)
    const row = db!.get('SELECT options FROM runs WHERE id = ?', [run]) as { options: string } | null;
    const options = optionsOf(row?.options ?? '{}');
    db!.run('UPDATE runs SET options = ? WHERE id = ?', [JSON.stringify({ ...options, http: e.http }), run]);
  }
  maybeCommit(true);
  db!.close();
  db = undefined;
}

port.on('message', (m: ToWriter) => {
  try {
    switch (m.t) {
      case 'start':
        start(m.run);
        post({ t: 'started', run });
        break;
      case 'files':
      case 'stored': {
        const values = m.t === 'files' ? m.values : (JSON.parse(m.json) as unknown[]);
        insertFiles!(values);
        maybeCommit();
        post({ t: 'ack' });
        break;
      }
      case 'requests':
        insertRequests!(m.values);
        maybeCommit();
        post({ t: 'ack' });
        break;
      case 'stamps':
        insertStamps!(m.values);
        maybeCommit();
        post({ t: 'ack' });
        break;
      case 'folders':
        insertFolders!(m.values);
        maybeCommit();
        post({ t: 'ack' });
        break;
      case 'finish':
        finish(m.end);
        post({ t: 'finished' });
        break;
    }
  } catch (e) {
    try {
      db?.close();
    } catch {
      /* already failing */
    }
    db = undefined;
    post({ t: 'error', message: (e as Error).message });
  }
});
