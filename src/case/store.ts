/**
 * Reading a case file back: its runs, a run's files and folders for a report without rescanning
 * (the engine's replayScan), and the files a resumed scan need not read again (the engine's KnownFiles).
 */
import { openCase, type Db } from './db.js';
import { STORED_COLUMNS, pathBytes, storedFacts, type Int, type StoredRow } from './rows.js';
import type { HttpEvidence, KnownFiles, ShardsMissing, StoredScan } from '../scan/engine.js';
import { isRemote } from '../scan/http/url.js';

/** A run's row (runs table), the columns a report and a resume read. */
export interface RunRow {
  id: Int;
  started_at: string;
  finished_at: string | null;
  zone: string;
  tool_version: string;
  root: Uint8Array;
  root_shown: string;
  options: string;
  outcome: string;
  complete: Int | null;
  completeness: string | null;
  files: Int | null;
  links_skipped: Int | null;
  special_skipped: Int | null;
  noatime_folders: Int | null;
  noatime_files_refused: Int | null;
}

const RUN_COLUMNS =
  'id, started_at, finished_at, zone, tool_version, root, root_shown, options, outcome, complete, completeness, files, links_skipped, special_skipped, noatime_folders, noatime_files_refused';

export function runs(db: Db): RunRow[] {
  return db.all(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY id`) as unknown as RunRow[];
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/**
 * The run a report reads: the one asked for, else the last run that finished (a run killed or still
 * under way is taken only when asked for by number). undefined: no such run.
 */
export function pickRun(all: RunRow[], id?: number): RunRow | undefined {
  if (id !== undefined) return all.find((r) => Number(r.id) === id);
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.finished_at !== null) return all[i];
  return undefined;
}

/**
 * A run's files and folders, read as the engine walks them (streamed: a million rows are not held),
 * and what its row says of the walk. Close the database after the replay.
 */
export function storedScan(db: Db, run: RunRow): StoredScan {
  // a merge missing shards finished: its gap is the shards (merge.ts), not a stop
  const partial = run.outcome !== 'done' && run.outcome !== 'incomplete';
  // a run of a web server's tree: every file's mtime is its Last-Modified (a date source of its own)
  const remote = isRemote(Buffer.from(run.root).toString());
  let shardsMissing: ShardsMissing | undefined;
  let http: HttpEvidence | undefined;
  try {
    const o = JSON.parse(run.options) as { missing_shards?: unknown; shards?: unknown; http?: HttpEvidence };
    if (o.http && typeof o.http.requests === 'number') http = o.http;
    if (Array.isArray(o.missing_shards) && o.missing_shards.length && typeof o.shards === 'number')
      shardsMissing = { missing: o.missing_shards.map(Number), count: o.shards };
  } catch {
    /* options not JSON: none */
  }
  return {
    startedAt: new Date(run.started_at),
    finishedAt: new Date(run.finished_at ?? run.started_at),
    partial,
    shardsMissing,
    http,
    files: {
      *[Symbol.iterator]() {
        const st = db.prepare(`SELECT ${STORED_COLUMNS} FROM files WHERE run = ?`);
        try {
          for (const row of st.iterate([Number(run.id)])) yield storedFacts(row as unknown as StoredRow, remote);
        } finally {
          st.finalize();
        }
      },
    },
    folders: {
      *[Symbol.iterator]() {
        const st = db.prepare('SELECT path, depth, error FROM folders WHERE run = ?');
        try {
          for (const row of st.iterate([Number(run.id)])) {
            const r = row as unknown as { path: string | Uint8Array; depth: number | bigint; error: string | null };
            yield {
              rel: pathBytes(r.path),
              depth: Number(r.depth),
              error: r.error ?? undefined,
            };
          }
        } finally {
          st.finalize();
        }
      },
    },
    linksSkipped: Number(run.links_skipped ?? 0),
    specialSkipped: Number(run.special_skipped ?? 0),
    noatime: { folders: run.noatime_folders !== 0, filesRefused: Number(run.noatime_files_refused ?? 0) },
  };
}

/**
 * The files of the last run over the same folder by the same version of leaktally (another version may
 * read a file differently), handed to the readers, who take a file over when it is still the file
 * that was read — same device, inode, size and mtime (lstat; a link, or a file that cannot be stat'ed,
 * is read again: read/job.ts). undefined when the case holds no such run.
 */
export function knownFiles(
  path: string,
  root: Buffer,
  version: string,
  shown = path,
): { known: KnownFiles; from: number } | undefined {
  const { db } = openCase(path, { create: false, shown });
  try {
    const all = runs(db).filter((r) => sameBytes(r.root, root) && r.tool_version === version);
    const from = all[all.length - 1];
    if (!from) return undefined;
    const rows = new Map<string, StoredRow>();
    const st = db.prepare(
      `SELECT ${STORED_COLUMNS} FROM files WHERE run = ? AND hard_link IS NULL AND dev IS NOT NULL`,
    );
    try {
      for (const row of st.iterate([Number(from.id)])) {
        const r = row as unknown as StoredRow;
        rows.set(pathBytes(r.path).toString('latin1'), r);
      }
    } finally {
      st.finalize();
    }
    const known = {
      take(rel: string): string | undefined {
        const row = rows.get(rel);
        if (!row) return undefined;
        rows.delete(rel);
        return JSON.stringify(storedFacts(row).facts);
      },
    };
    return { known, from: Number(from.id) };
  } finally {
    db.close();
  }
}

export { openCase };
