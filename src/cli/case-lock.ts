/**
 * A case file locked against another run of leaktally (written by --case or --merge, or read by --from
 * while another run may write it): `.FILE.lock` beside it, a link naming the pid. A lock whose run is
 * gone is taken over, and the case file's own library lock that run left (case/db.ts) removed; both
 * are said.
 */
import { lstatSync, statSync } from 'node:fs';
import { removeStaleVfsLock } from '../case/db.js';
import { takeLock, type OutputLock } from '../report/output/lock.js';
import { planOutput } from '../report/output/target.js';

/** The lock, or a one-line reason it cannot be had. root: the tree the case file may not be in (none: a path no tree has). */
export function lockCaseFile(
  path: string,
  flag: string,
  note: (line: string) => void,
  root = '/nonexistent-tree',
): OutputLock | string {
  // SQLite follows a link to a file not there yet and makes that file, wherever the link points (into
  // the tree, perhaps): the checks below can only judge the folder of a file that exists
  if (danglingLink(path)) return `${flag}: ${path} is a link to a file that does not exist; give the file itself`;
  const plan = planOutput(path, root);
  if (typeof plan === 'string') return `${flag}: ${plan}`;
  if (!plan.folder) return `${flag}: ${path} is not a regular file`;
  try {
    const locked = takeLock(plan.folder, `.${plan.name}.lock`, path);
    if (typeof locked === 'string') return `${flag}: ${locked}`;
    if (locked.staleFrom !== undefined)
      note(`${flag}: removed the lock of an earlier run that was stopped (process ${locked.staleFrom})`);
    // holding leaktally's lock, the SQLite library's own lock folder can only be a dead run's (db.ts)
    if (removeStaleVfsLock(path))
      note(`${flag}: removed the case file's database lock left by an earlier run that was stopped`);
    return locked.lock;
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
