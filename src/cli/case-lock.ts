/**
 * A case file locked against another run of leaktally (written by --case or --merge, or read by --from
 * while another run may write it): `.FILE.lock` beside it, a link naming the pid. A lock whose run is
 * gone is taken over, and the case file's own library lock that run left (case/db.ts) removed; both
 * are said.
 *
 * The lock holds the case file's folder open, as checked, and the case file is opened through it
 * (`path`: /proc/self/fd/N/NAME on Linux): SQLite opens its journal and makes its lock folder by name,
 * beside the file, at every transaction of a scan that may last hours, so a link in the path swapped
 * meanwhile (or the folder renamed into the tree) would otherwise send them into the evidence tree.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { insideItsTree, notSqlite, removeStaleVfsLock, writable } from '../case/db.js';
import { takeLock } from '../report/output/lock.js';
import { planOutput } from '../report/output/target.js';

export interface CaseLock {
  /** the case file through its folder as opened and checked: give this to openCase, never the name */
  path: string;
  release(): void;
}

/** The lock, or a one-line reason it cannot be had. root: the tree the case file may not be in (none: a path no tree has). */
const NO_TREE = '/nonexistent-tree';

export function lockCaseFile(
  path: string,
  flag: string,
  note: (line: string) => void,
  use: 'read' | 'write',
  root = NO_TREE,
): CaseLock | string {
  // SQLite follows a link to a file not there yet and makes that file, wherever the link points (into
  // the tree, perhaps): the checks below can only judge the folder of a file that exists
  if (danglingLink(path)) return `${flag}: ${path} is a link to a file that does not exist; give the file itself`;
  const notCase = notSqlite(path);
  if (notCase) return `${flag}: ${notCase}`;
  // before leaktally's own lock is made beside it (round 22b C4's residue)
  const inside = insideItsTree(path);
  if (inside) return `${flag}: ${inside}`;
  const plan = planOutput(path, root);
  if (typeof plan === 'string') return `${flag}: ${plan}`;
  if (!plan.folder) return `${flag}: ${path} is not a regular file`;
  // a case file this process may not write is read from a private copy (case/db.ts openCase): no run
  // of this user can write it either, and no lock can be made in a folder it may not write; to be
  // written, it is refused here, before a scan of hours that could not store a row
  if (!writable(path)) {
    plan.folder.close();
    if (use === 'write' && existsSync(path))
      return `${flag}: ${path} may not be written (read-only): give a new case file, or report from this one with --from`;
    if (use === 'read') return { path, release: () => undefined };
  }
  try {
    const locked = takeLock(plan.folder, `.${plan.name}.lock`, path);
    if (typeof locked === 'string') return `${flag}: ${locked}`;
    if (locked.staleFrom !== undefined)
      note(`${flag}: removed the lock of an earlier run that was stopped (process ${locked.staleFrom})`);
    // holding leaktally's lock, the SQLite library's own lock folder can only be a dead run's (db.ts)
    const at = locked.lock.at(plan.name);
    if (removeStaleVfsLock(at))
      note(`${flag}: removed the case file's database lock left by an earlier run that was stopped`);
    const lock = locked.lock;
    return { path: at, release: () => lock.release() };
  } finally {
    plan.folder.close();
  }
}

function danglingLink(path: string): boolean {
  try {
    if (!lstatSync(path).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  try {
    statSync(path);
    return false;
  } catch {
    return true;
  }
}
