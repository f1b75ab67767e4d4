/**
 * Reading a case file back: its runs, a run's files and folders for a report without rescanning
 * (the engine's replayScan), and the files a resumed scan need not read again (the engine's KnownFiles).
 */
import { CaseError, damaged, openCase, type Db } from './db.js';
import { KnownStore } from './known.js';
import { STORED_COLUMNS, pathBytes, storedFacts, type Int, type StoredRow } from './rows.js';
import type { HttpEvidence, KnownFiles, ShardsMissing, StoredScan } from '../scan/engine.js';
import { isRemote } from '../scan/http/url.js';
import { forbidTree } from '../report/output/folder.js';

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

/**
 * The folder a run scanned, absolute, for a report made from the case file (--from, --diff, --merge)
 * to keep its outputs out of it. A case file written before leaktally kept the tree's absolute path
 * holds it as given ("tree"): from another working folder it names another folder, and an output
 * into the real tree would pass the check, so such a run is refused (CaseError) rather than guessed.
 * A web server's run holds its URL.
 */
export function treeOf(run: RunRow): string {
  const root = Buffer.from(run.root.buffer, run.root.byteOffset, run.root.byteLength).toString();
  // the tree as the run found it, by device and inode (kept since round 22): no output goes into it,
  // wherever it is now (moved, renamed, mounted elsewhere)
  const id = rootIdOf(run);
  if (id) forbidTree(id);
  // a web server's tree is its URL: no output can be inside it
  if (!root.startsWith('/') && !isRemote(root))
    throw new CaseError(
      `run ${run.id} holds its tree as a relative path (${JSON.stringify(run.root_shown)}), as leaktally did before it kept the tree's absolute path: where that tree is cannot be told from here, so no output could be kept out of it; scan the tree again with --case`,
    );
  return root;
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
 * A statement's rows for one run, read as they are needed; an SQLite error on the way (a damaged page)
 * is a CaseError (db.ts), and the statement is finalized however the reading ends.
 */
export function* rowsOf(db: Db, sql: string, run: number): Generator {
  let st: ReturnType<Db['prepare']>;
  try {
    st = db.prepare(sql);
  } catch (e) {
    throw damaged(e);
  }
  let read = false;
  try {
    yield* st.iterate([run]);
    read = true;
  } catch (e) {
    throw damaged(e);
  } finally {
    // stopped early, or failed (finalize repeats the error thrown above)
    if (!read) finalizeQuietly(st);
  }
  try {
    st.finalize();
  } catch (e) {
    throw damaged(e);
  }
}

function finalizeQuietly(st: ReturnType<Db['prepare']>): void {
  try {
    st.finalize();
  } catch {
    /* the reading's own error was thrown */
  }
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
    const o = optionsOf(run.options) as {
      missing_shards?: unknown;
      shards?: unknown;
      merged?: unknown;
      http?: HttpEvidence;
    };
    if (o.http && typeof o.http.requests === 'number') http = o.http;
    const roots = Array.isArray(o.merged)
      ? [...new Set(o.merged.map((m) => String((m as { root?: unknown }).root)))]
      : [];
    if (
      Array.isArray(o.missing_shards) &&
      (o.missing_shards.length || roots.length > 1) &&
      typeof o.shards === 'number'
    )
      shardsMissing = {
        missing: o.missing_shards.map(Number),
        count: o.shards,
        ...(roots.length > 1 ? { roots } : {}),
      };
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
        for (const row of rowsOf(db, `SELECT ${STORED_COLUMNS} FROM files WHERE run = ?`, Number(run.id)))
          yield storedFacts(row as StoredRow, remote);
      },
    },
    folders: {
      *[Symbol.iterator]() {
        for (const row of rowsOf(db, 'SELECT path, depth, error FROM folders WHERE run = ?', Number(run.id))) {
          const r = row as { path: string | Uint8Array; depth: number | bigint; error: string | null };
          yield {
            rel: pathBytes(r.path),
            depth: Number(r.depth),
            error: r.error ?? undefined,
          };
        }
      },
    },
    linksSkipped: Number(run.links_skipped ?? 0),
    specialSkipped: Number(run.special_skipped ?? 0),
    noatime: { folders: run.noatime_folders !== 0, filesRefused: Number(run.noatime_files_refused ?? 0) },
  };
}

/**
 * The files of the last finished run over the same folder by the same version of leaktally (another
 * version may read a file differently) and of every run after it (killed ones), each file as the latest
 * of them read it, handed to the readers, who take a file over when it is still the file that was read
 * — same device, inode, size, mtime and ctime (lstat; a link, or a file that cannot be stat'ed, is read again:
 * read/job.ts). undefined when the case holds no such run. Before, the last run alone: a run killed
 * before its first commit (no rows) made the next one read every file again, the killed runs' work
 * before it lost (attack round 14b: five kills, the third run took over 0 of 2,304 stored files).
 */
export function knownFiles(
  path: string,
  root: Buffer,
  version: string,
  shown = path,
): { known: KnownFiles; from: number; since: number; withoutCtime: number } | { otherBuild: string } | undefined {
  const { db } = openCase(path, { create: false, shown });
  try {
    const ofRoot = runs(db).filter((r) => sameBytes(r.root, root));
    const all = ofRoot.filter((r) => r.tool_version === version);
    const from = all[all.length - 1];
    // runs of this tree by other readers: nothing taken over, and the caller says why
    if (!from) return ofRoot.length ? { otherBuild: ofRoot[ofRoot.length - 1]!.tool_version } : undefined;
    let first = all.length - 1;
    while (first > 0 && all[first]!.finished_at === null) first--;
    const taken = all.slice(first);
    // held in typed arrays by a hash of the path (known.ts), not a row or a string a file; a damaged
    // row is refused here, before the scan, not when the walk reaches it
    const where = `FROM files WHERE run = ? AND hard_link IS NULL AND dev IS NOT NULL`;
    let n = 0;
    for (const run of taken)
      for (const row of rowsOf(db, `SELECT count(*) AS n ${where}`, Number(run.id)))
        n += Number((row as { n: number | bigint }).n);
    const known = new KnownStore(n);
    /** rows written before the case file kept a ctime (schema 3): compared without it (read/job.ts) */
    let withoutCtime = 0;
    // oldest first: a later run's row of a file replaces an earlier one's
    for (const run of taken)
      for (const row of rowsOf(db, `SELECT ${STORED_COLUMNS} ${where}`, Number(run.id))) {
        const stored = storedFacts(row as StoredRow);
        if (!stored.facts) continue;
        if (stored.facts.ctimeMs === undefined) withoutCtime++;
        known.add(stored.rel.toString('latin1'), stored.facts);
      }
    return { known, from: Number(from.id), since: Number(all[first]!.id), withoutCtime };
  } finally {
    db.close();
  }
}

export { openCase };

/**
 * A run's options (its JSON column) as an object: JSON that is not an object (`null`, a number, an
 * array) is as damaged as text that is not JSON, and throws as JSON.parse does on that. `null` crashed
 * --from and --merge with an internal error and a stack (attack round 26b M1).
 */
export function optionsOf(text: string): Record<string, unknown> {
  const o: unknown = JSON.parse(text);
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new SyntaxError('the options are not a JSON object');
  return o as Record<string, unknown>;
}

/** The device:inode of the run's tree's root folder, as the run kept it in its options (root_id), or undefined. */
export function rootIdOf(run: RunRow): string | undefined {
  try {
    const id = (optionsOf(run.options) as { root_id?: unknown }).root_id;
    return typeof id === 'string' && /^\d+:\d+$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
