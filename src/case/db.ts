/**
 * Opening a case file: an SQLite database, through node-sqlite3-wasm.
 *
 * Why that library (README, "The case file"): SQLite is what investigators' tools open (the sqlite3
 * shell, DB Browser, Autopsy, Python's sqlite3); leaktally must install offline on Node 20, 22 and 24
 * in seconds. node-sqlite3-wasm is SQLite compiled to WebAssembly with a VFS over Node's fs: no native
 * build, no download at install, no dependency (`npm ci` grew by ~2 s). node:sqlite needs Node 22.13;
 * better-sqlite3 waits minutes offline for a prebuilt binary, then compiles; sql.js keeps the database
 * in memory and writes it whole (no crash-safe, incremental writes).
 *
 * Two things this VFS does its own way, handled here:
 * - its lock is a folder `CASE.lock` made beside the file (mkdir is atomic); a run killed with the
 *   database open leaves it, and every later open would find the case "busy" for ever. leaktally's own
 *   lock (`.CASE.lock`, report/output/lock.ts: a dead pid is stale) is taken first; holding it, a
 *   `CASE.lock` folder can only be a dead run's, and is removed.
 * - it creates files with the default mode; the case file and its rollback journal hold evidence paths,
 *   so both are made 0600 here before SQLite opens them (the journal is kept, truncated, between
 *   transactions: journal_mode=TRUNCATE, so it is never made again with another mode).
 */
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type { Database as Db } from 'node-sqlite3-wasm';
import { FORMAT, MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { folderChain, forbidTree } from '../report/output/folder.js';
import { O_NOATIME } from '../report/input-file.js';
import { printable } from '../scan/place/names.js';

const require = createRequire(import.meta.url);

/**
 * The library's Database class (a CommonJS module), its WebAssembly compiled by V8's baseline compiler
 * only. By default V8 also recompiles the functions that get hot with its optimizing compiler, on
 * background threads: for SQLite's 1.2 MB module that cost ~0.6 s of CPU in every process that opened a
 * case file, even one that wrote 51 rows, and on 2 cores it is taken from the scan. The optimized code
 * did not pay it back: 100,000 rows inserted in 0.97 s with it and 1.00 s without (the binding is
 * JavaScript's work, not SQLite's), and a report from a 100,000-file case (--from) took 0.85× the time
 * without it (measured, Node 20). The flag is the process's, read when a module is compiled; leaktally's
 * only other WebAssembly, undici's HTTP parser (a web server's tree), parses a few hundred bytes of
 * headers a request, where the network's wait is what counts.
 */
function library(): typeof Db {
  setFlagsFromString('--liftoff-only');
  return (require('node-sqlite3-wasm') as { Database: typeof Db }).Database;
}

export type { Db };

/** A case file that cannot be used: one line for the user. */
export class CaseError extends Error {}

/**
 * An SQLite error met while a case file's rows are read, after it opened well (a page in the middle
 * damaged: "database disk image is malformed"), as a CaseError: one line, not an internal error with
 * a stack (attack round 14b); any other error as it is.
 */
export function damaged(e: unknown): unknown {
  return e instanceof Error && e.name === 'SQLite3Error' ? new CaseError(`the case file is damaged: ${e.message}`) : e;
}

/** Make path if it is missing, readable by its owner only; true when it was made. */
function ensureOwnerOnly(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  closeSync(fd);
  return true;
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** The first 16 bytes of an open file (fewer when it is shorter). */
function readHead(fd: number): Buffer {
  const b = Buffer.alloc(16);
  return b.subarray(0, readSync(fd, b, 0, 16, 0));
}

/**
 * Why an existing file cannot be a case file (it is not empty and not an SQLite database), before
 * anything is made beside it: a lock, a journal (attack round 22b C4: a recording of the tree given to
 * --diff got a lock made and removed in its folder). undefined: not there, empty, or an SQLite file.
 */
export function notSqlite(path: string): string | undefined {
  let fd: number;
  try {
    fd = openToRead(path);
  } catch {
    return undefined; // the later steps say why it cannot be opened
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const head = readHead(fd);
    return head.length && !head.equals(SQLITE_MAGIC)
      ? `${path} is not a case file (not an SQLite database)`
      : undefined;
  } finally {
    closeSync(fd);
  }
}

/** An existing file about to be written as a case file: an SQLite database or empty, and made 0600. */
function ownerOnlyDatabase(path: string, shown: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return; // SQLite's open says why (a folder, a link, no permission)
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return;
    const head = readHead(fd);
    if (head.length && !head.equals(SQLITE_MAGIC))
      throw new CaseError(`${shown} is not a case file (not an SQLite database); give a new file name`);
    if (st.mode & 0o077) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** bytes read a time when looking for the runs' root_id in a case file's bytes */
const SCAN_CHUNK = 4 << 20;
const ROOT_ID = Buffer.from('"root_id":"', 'latin1');

/**
 * Open an existing file to read it with O_NOATIME where the kernel allows it (the file's owner), so a
 * case file that is evidence keeps its access time; non-blocking, as a FIFO would wait for a writer.
 */
function openToRead(path: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | O_NOATIME);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }
}

/** the trees found in each case file read, by its device, inode, size and modification time */
const scanned = new Map<string, Set<string>>();

/**
 * The trees (device:inode of their root folders) a case file's runs name, read from its bytes without
 * SQLite: the library makes a lock folder beside a database at its first read, read-only too, and a
 * case file copied into the evidence tree got one there, and its journal, before the tree was known
 * (round 22b C4's residue). Read with O_NOATIME where the kernel allows (the file's owner), so that a
 * case file that is evidence keeps its access time. A root_id SQLite split over two pages (a run's
 * row larger than a page) is not found here; the check after opening (store.ts treeOf) still keeps
 * every output out of that tree.
 */
function rootIdsIn(path: string): Set<string> {
  const ids = new Set<string>();
  let fd: number;
  try {
    fd = openToRead(path);
  } catch {
    return ids;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return ids;
    // one read of a file as it is, however many times a run opens it (--from reads, locks, opens)
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const known = scanned.get(key);
    if (known) return known;
    scanned.set(key, ids);
    const keep = ROOT_ID.length + 48; // a match cut at a chunk's end is read whole in the next
    const b = Buffer.allocUnsafe(SCAN_CHUNK + keep);
    let have = 0;
    for (let pos = 0; ;) {
      const n = readSync(fd, b, have, SCAN_CHUNK, pos);
      pos += n;
      have += n;
      for (let at = b.indexOf(ROOT_ID, 0); at >= 0 && at < have; at = b.indexOf(ROOT_ID, at + 1)) {
        const m = /^(\d{1,20}:\d{1,20})"/.exec(b.toString('latin1', at + ROOT_ID.length, Math.min(have, at + keep)));
        if (m) ids.add(m[1]!);
      }
      if (n === 0) return ids;
      const tail = Math.min(keep, have);
      b.copy(b, 0, have - tail, have);
      have = tail;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Why a case file may not be opened where it is: it lies inside a tree one of its runs scanned (by
 * device and inode, whatever the path), so a lock, a journal or SQLite's lock folder made beside it
 * would be written into the evidence. Every tree it names is also kept out of the run's outputs.
 */
export function insideItsTree(path: string, shown = path): string | undefined {
  const ids = rootIdsIn(path);
  if (!ids.size) return undefined;
  for (const id of ids) forbidTree(id);
  const chain = folderChain(dirname(resolve(path)));
  for (const id of ids)
    if (chain.has(id))
      return `${shown} is inside the tree one of its runs scanned (the evidence): nothing is made beside it; copy it out of the tree and give the copy`;
  return undefined;
}

/** Remove the library's lock folder a dead run left (call only while holding leaktally's own lock). */
export function removeStaleVfsLock(path: string): boolean {
  try {
    rmdirSync(`${path}.lock`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a leaktally run that is still alive holds the case file's own lock (`.NAME.lock`, a link
 * naming its pid: report/output/lock.ts).
 */
function heldByLiveRun(path: string): boolean {
  let pid: number;
  try {
    const m = /^leaktally-pid-(\d{1,10})$/.exec(readlinkSync(join(dirname(path), `.${basename(path)}.lock`)));
    if (!m) return false;
    pid = Number(m[1]);
  } catch {
    return false;
  }
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Opened {
  db: Db;
  /** the file was made by this open */
  created: boolean;
}

/**
 * Open (and with `create`, make) the case file at path, its schema migrated to this build's. A file
 * that is not a case file, or of a newer schema, is a CaseError.
 *
 * Opened for writing even to read it: a run killed in the middle of a transaction leaves a hot journal,
 * which only a connection that may write rolls back; a read-only one read the half-written pages and
 * found the database "malformed" (a scan killed with SIGKILL, then resumed). The library's lock a
 * killed run left is removed first, unless a live run holds leaktally's own lock on the file.
 */
/**
 * Roll back the transaction a failed step began, keeping the step's own error: after SQLITE_FULL or an
 * I/O error SQLite has rolled back already, and the ROLLBACK's "no transaction is active" took the
 * place of "database or disk is full" (attack round 26b L1).
 */
/** " (its file system has only N bytes free: full?)" where the folder holding path has under 1 MiB free, else '' */
function fullDisk(path: string): string {
  try {
    const fs = statfsSync(dirname(path));
    const free = fs.bavail * fs.bsize;
    return free < 1 << 20 ? ` (its file system has only ${free} bytes free: full?)` : '';
  } catch {
    return '';
  }
}

export function rollback(db: Db): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    /* rolled back by SQLite itself */
  }
}

export function openCase(path: string, opts: { create: boolean; shown?: string }): Opened {
  // path may be the file through its open folder (/proc/self/fd/N/NAME, cli/case-lock.ts): messages
  // name the file as the user gave it
  const shown = opts.shown ?? path;
  const inside = insideItsTree(path, shown);
  if (inside) throw new CaseError(inside);
  let created = false;
  if (opts.create) {
    created = ensureOwnerOnly(path);
    // an existing file: an SQLite database (or empty), else nothing is made beside it (a summary
    // given as --case by mistake kept a -journal file: attack round 22b L5); and made 0600, as a new
    // one is, before paths are written into it (one made 0644 by `touch` stayed so: round 22b M1)
    if (!created) ownerOnlyDatabase(path, shown);
    ensureOwnerOnly(`${path}-journal`);
  } else {
    try {
      // non-blocking: opening a FIFO to read waits for a writer, on the main thread, deaf to signals
      const fd = openToRead(path);
      let st;
      let head;
      try {
        st = fstatSync(fd);
        head = st.isFile() ? readHead(fd) : undefined;
      } finally {
        closeSync(fd);
      }
      if (!st.isFile()) throw new CaseError(`${shown} is not a case file (not a regular file)`);
      // an SQLite database by its first bytes before anything is made beside it: a recording of the
      // tree given by a slip of tab completion got a -journal file in its folder, the folder's times
      // changed, though the run was refused (attack round 22b C4)
      if (!head?.equals(SQLITE_MAGIC)) throw new CaseError(`${shown} is not a case file (not an SQLite database)`);
    } catch (e) {
      if (e instanceof CaseError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new CaseError(code === 'ENOENT' ? `${shown} does not exist` : `cannot open ${shown}: ${code ?? String(e)}`);
    }
    try {
      // a journal another program deleted (the sqlite3 shell's default) is made 0600 again before
      // SQLite makes it; only beside a case file that is there (a mistyped name leaves nothing behind)
      ensureOwnerOnly(`${path}-journal`);
    } catch {
      /* a folder we may not write: SQLite says so if it must write */
    }
  }
  const copy = opts.create ? undefined : privateCopy(path, shown);
  if (copy) path = copy.path;
  else {
    if (heldByLiveRun(path))
      throw new CaseError(`${shown} is being written by another leaktally run; wait for it to end`);
    removeStaleVfsLock(path);
  }
  const Database = library();
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: !opts.create });
  } catch (e) {
    copy?.remove();
    throw new CaseError(`cannot open the case file ${shown}: ${(e as Error).message}`);
  }
  if (copy) {
    const close = db.close.bind(db);
    db.close = () => {
      try {
        close();
      } finally {
        copy.remove();
      }
    };
  }
  try {
    db.exec('PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=NORMAL;');
    migrate(db, shown, !opts.create);
  } catch (e) {
    db.close();
    if (e instanceof CaseError) throw e;
    if (created) {
      // a file made here and left unfinished (a full disk: SQLITE_FULL while its schema was written)
      // is no case file of anyone's: removed, and the reason said as it is (attack round 26b L1: "is
      // not a case file: cannot rollback - no transaction is active")
      rmSync(path, { force: true });
      rmSync(`${path}-journal`, { force: true });
      throw new CaseError(`cannot create the case file ${shown}: ${(e as Error).message}${fullDisk(path)}`);
    }
    throw new CaseError(`${shown} is not a case file: ${(e as Error).message}`);
  }
  return { db, created };
}

/**
 * A case file this process may not write (chmod 400, a lawyer's copy, write-blocked or read-only media,
 * or a folder it may not write in) read from a private copy. SQLite cannot read it in place: the
 * library's locking makes a folder beside the file at every read (`NAME.lock`, even read-only), and a
 * hot journal a killed run left is rolled back only by a connection that may write (attack round 24b
 * M2: --from and --diff refused such a file: "Could not open the database"). The copy (and a journal
 * that is not empty, so that the copy is rolled back as the original would be) goes to a folder of the
 * system's temporary folder made 0700, the copy 0600 (it holds evidence paths); it is removed when the
 * database is closed and when the process exits. The original is only read. undefined: the file may be
 * written where it is (or it is not there: the open says why).
 */
const toldCopy = new Set<string>();
function privateCopy(path: string, shown: string): { path: string; remove(): void } | undefined {
  if (writable(path)) return undefined;
  // the copy holds every evidence path and SQLite makes its lock folder beside it: never in a tree one
  // of the case's runs scanned, by device and inode (a TMPDIR of /var/tmp with the tree /var, or a whole
  // disk's tree: the tree was written; attack round 25b C1)
  const temp = resolve(tmpdir());
  const ids = rootIdsIn(path);
  const chain = ids.size ? folderChain(temp) : undefined;
  for (const id of ids)
    if (chain?.has(id))
      throw new CaseError(
        `${shown} may not be written where it is (read-only), and the temporary folder where it would be copied (${temp}) is inside the tree one of its runs scanned: set TMPDIR to a folder outside the evidence`,
      );
  let dir: string;
  try {
    dir = mkdtempSync(join(temp, 'leaktally-case-'));
  } catch (e) {
    // one line, not an internal error (attack round 25b H1: TMPDIR missing or not writable)
    throw new CaseError(
      `${shown} may not be written where it is (read-only), and no private copy can be made in the temporary folder ${temp}: ${(e as NodeJS.ErrnoException).code ?? String(e)} (set TMPDIR to a folder you may write)`,
    );
  }
  const remove = (): void => {
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  const at = join(dir, 'case');
  try {
    copyFileSync(path, at);
    chmodSync(at, 0o600);
    let journal = 0;
    try {
      journal = statSync(`${path}-journal`).size;
    } catch {
      /* none: nothing to roll back */
    }
    if (journal > 0) {
      copyFileSync(`${path}-journal`, `${at}-journal`);
      chmodSync(`${at}-journal`, 0o600);
    }
  } catch (e) {
    remove();
    throw new CaseError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // once a process: --from opens the case twice (its options, then its rows)
  if (!toldCopy.has(shown)) {
    toldCopy.add(shown);
    process.stderr.write(
      `leaktally: ${printable(shown)} may not be written where it is (read-only): read from a private copy, removed when done\n`,
    );
  }
  return { path: at, remove };
}

/** The case file and its folder may be written by this process (its journal and lock are made there). */
export function writable(path: string): boolean {
  for (const p of [path, dirname(path)])
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return false;
    }
  return true;
}

/** Each table of a case file of this schema and its columns, from the migrations run in memory (once). */
let expected: Map<string, string[]> | undefined;
function schemaTables(): Map<string, string[]> {
  if (expected) return expected;
  const Database = library();
  const mem = new Database(':memory:');
  try {
    for (const m of MIGRATIONS) mem.exec(m);
    expected = tablesOf(mem);
  } finally {
    mem.close();
  }
  return expected;
}

function tablesOf(db: Db): Map<string, string[]> {
  const names = db.all("SELECT name FROM sqlite_master WHERE type = 'table'") as { name: string }[];
  return new Map(
    names.map(({ name }) => [
      name,
      (db.all(`PRAGMA table_info("${name.replaceAll('"', '""')}")`) as { name: string }[]).map((c) => c.name),
    ]),
  );
}

/**
 * A case file whose tables or columns another program dropped (the sqlite3 shell) is refused in one
 * line when opened: before, the first query of the missing table ended the run with an internal error
 * and a stack (`--from`), and `--merge` left a half-made run in its output (attack round 14b).
 */
function checkTables(db: Db, path: string): void {
  const have = tablesOf(db);
  for (const [table, columns] of schemaTables()) {
    const there = have.get(table);
    if (!there) throw new CaseError(`${path} is a damaged case file: its table ${table} is missing`);
    const gone = columns.filter((c) => !there.includes(c));
    if (gone.length)
      throw new CaseError(`${path} is a damaged case file: its table ${table} lacks the column ${gone.join(', ')}`);
  }
}

function migrate(db: Db, path: string, existing: boolean): void {
  const version = Number((db.get('PRAGMA user_version') as { user_version: number | bigint }).user_version);
  if (version > SCHEMA_VERSION)
    throw new CaseError(
      `${path} is a case file of schema ${version}, newer than this leaktally's (${SCHEMA_VERSION}): use a newer leaktally`,
    );
  if (version > 0) {
    const format = db.get("SELECT value FROM case_info WHERE key = 'format'") as { value: string } | null;
    if (format?.value !== FORMAT) throw new CaseError(`${path} is an SQLite database, but not a leaktally case file`);
  } else {
    const tables = db.get("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'") as { n: number | bigint };
    if (Number(tables.n) > 0) throw new CaseError(`${path} is an SQLite database, but not a leaktally case file`);
    if (existing) throw new CaseError(`${path} is an empty file, not a case file`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[v]!);
      if (v === 0) {
        db.run("INSERT INTO case_info (key, value) VALUES ('format', ?)", [FORMAT]);
        db.run("INSERT INTO case_info (key, value) VALUES ('created_at', ?)", [new Date().toISOString()]);
      }
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (e) {
      rollback(db);
      throw e;
    }
  }
  checkTables(db, path);
}
