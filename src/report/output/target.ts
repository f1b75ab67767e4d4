/**
 * Where an output may go, decided before the scan starts:
 * - a regular file (new, or existing: replaced) is written atomically beside itself (see atomic.ts), in
 *   its folder as opened now (folder.ts): the folder checked is the folder written, whatever happens
 *   to the path during the scan;
 * - anything else that already exists (a device such as /dev/null or a terminal, a FIFO, /dev/stdout,
 *   a shell's process substitution /dev/fd/N, a symbolic link to one of these) is written directly,
 *   streaming, and never replaced: renaming a file over /dev/null would replace the device node;
 * - never a folder, never a name in a folder that does not exist, never into the evidence tree, never
 *   into the --statements folder, and never the same file as another output.
 * Paths are resolved by the kernel as it will open them (`out/cur/../s.csv` with out/cur a link is a
 * file beside the link's target, not in out/), never as text; "into the evidence" compares device and
 * inode numbers (folder.ts), never path strings.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { insideEvidence, OpenFolder } from './folder.js';
import { O_NOATIME } from '../input-file.js';

type OutputKind = 'atomic' | 'direct';

export interface OutputPlan {
  /** as given */
  target: string;
  kind: OutputKind;
  /** direct: the path to open (a descriptor's name as written, or the target as given) */
  path: string;
  /** atomic: the folder the file goes in, open (close it with closePlans when the plan is not used) */
  folder?: OpenFolder;
  /** atomic: the file's name in that folder (symbolic links to an existing file resolved) */
  name: string;
  /** atomic: the existing file's mode, kept when it is replaced */
  existingMode?: number;
  /** what the output is, for "the same file" checks: device:inode, or folder device:inode + name */
  identity: string;
  /** a null device: any number of outputs may go there */
  discard: boolean;
}

const idOf = (st: Stats): string => `${st.dev}:${st.ino}`;

/** A file's device and inode, to tell two spellings of one file (links, `..`); undefined when it cannot be stat'ed (not there yet). */
export function fileIdOf(path: string): string | undefined {
  try {
    return idOf(statSync(path));
  } catch {
    return undefined;
  }
}

function nullDevice(): bigint | number | undefined {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return undefined;
  }
}

const refuseEvidence = (root: string): string =>
  `refusing to write into the evidence tree ${root}; write the output elsewhere`;

/** Open a folder an output goes in and check it is not the evidence; a one-line reason otherwise. */
export function openOutputFolder(path: string, shown: string, root: string): OpenFolder | string {
  let folder: OpenFolder;
  try {
    folder = OpenFolder.open(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the folder ${shown} does not exist`;
    if (code === 'ENOTDIR') return `${shown} is not a folder`;
    return `cannot use the folder ${shown}: ${describeError(e)}`;
  }
  if (insideEvidence(folder, root)) {
    folder.close();
    return refuseEvidence(root);
  }
  return folder;
}

/**
 * Why a file that exists and is written in place (a FIFO or device met by its name, a descriptor that
 * is a regular file) cannot be: its folder, physically resolved, in the evidence tree; or, for a
 * regular file, another name it has (a hard link, perhaps inside the tree) or no name at all (a deleted
 * file's descriptor: where it was cannot be told). realpath resolves /dev/stdout and /proc/self/fd/N to
 * the file they are open on.
 */
function placeProblem(target: string, st: Stats, root: string): string | undefined {
  let real: string;
  try {
    real = realpathSync.native(target);
  } catch (e) {
    return `cannot use ${target}: ${describeError(e)}`;
  }
  if (st.isFile() && st.nlink !== 1)
    return st.nlink > 1
      ? `${target} is a file with ${st.nlink - 1} other ${st.nlink === 2 ? 'name' : 'names'} (a hard link): writing it would change that file; give another file`
      : `${target} is a deleted file: where it is cannot be told; give another file`;
  const folder = openOutputFolder(dirname(real), dirname(target), root);
  if (typeof folder === 'string') return folder;
  folder.close();
  return undefined;
}

/** How target is to be written for a scan of root, or why it cannot be (a one-line reason). */
export function planOutput(target: string, root: string): OutputPlan | string {
  if (target === '') return 'an empty file name; give a file name or - for stdout';
  const abs = resolve(target);
  let st: Stats | undefined;
  try {
    st = statSync(target); // follows links (a link to /dev/null is /dev/null), `..` taken physically
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${dirname(target)} is not a folder`;
    if (code !== 'ENOENT') return `cannot use ${target}: ${describeError(e)}`;
  }
  if (st?.isDirectory()) return `${target} is a folder; give a file name`;
  const journalOf = caseJournal(target);
  if (journalOf)
    return `${target} is the journal of the case file ${journalOf}, which SQLite empties; give another name`;
  // a lock's name: leaktally's beside an output or a case file (`.NAME.lock`, lock.ts) and SQLite's
  // beside a case file (`CASE.lock`, db.ts). An output written there made every later run on that
  // case file or output fail with a false reason ("database is locked", "is another run
  // starting?") until someone guessed to delete it (attack round 24b, M3)
  if (target.endsWith('.lock'))
    return `${target} is named as a lock (leaktally and SQLite lock a file X with X.lock or .X.lock beside it); give another name`;
  if (target.endsWith('/')) {
    return st
      ? `${target} is not a folder`
      : `the folder ${target} does not exist (and an output needs a file name, not a folder)`;
  }
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor (a pipe, a terminal, the file a
  // shell redirected to): write into it, even when it is a regular file, never rename over it
  const descriptor = /^\/dev\/(stdout|stderr|fd\/\d+)$|^\/proc\/[^/]+\/fd\/\d+$/.test(abs);
  if (st && (!st.isFile() || descriptor)) {
    // a FIFO or a device node met by its name: writing to it changes its times, so one inside the
    // evidence tree (a FIFO, or a copy of /dev/null, among the leaked files) is refused as any file
    // there is: its folder, physically resolved, checked by device and inode (attack round 12b)
    // A descriptor that is a regular file (`7<>file`, a shell's `>>file` behind /dev/stdout) is written
    // in place: one opened on a file of the tree overwrote a recording's header (attack round 22b C1).
    // It is checked as any file is, where the kernel says it is.
    if (!descriptor || st.isFile()) {
      const problem = placeProblem(target, st, root);
      if (problem) return problem;
    }
    const rdev = nullDevice();
    return {
      target,
      kind: 'direct',
      path: descriptor ? abs : target,
      name: basename(target),
      identity: idOf(st),
      discard: st.isCharacterDevice() && rdev !== undefined && st.rdev === rdev,
    };
  }
  // a file with another name (a hard link, perhaps from inside the tree): the rename below would
  // take this name from it and change that file's link count and ctime, metadata of the evidence
  if (st && st.nlink > 1)
    return `${target} has ${st.nlink - 1} other ${st.nlink === 2 ? 'name' : 'names'} (a hard link): replacing it would change that file; remove it or give another name`;
  // an existing regular file, perhaps behind a link: replace the file, keep the link
  let folderPath = dirname(target);
  let name = basename(target);
  if (st) {
    try {
      const real = realpathSync.native(target);
      folderPath = dirname(real);
      name = basename(real);
    } catch {
      /* vanished meanwhile: create it */
    }
  }
  const folder = openOutputFolder(folderPath, dirname(target), root);
  if (typeof folder === 'string') return folder;
  return {
    target,
    kind: 'atomic',
    path: folder.at(name),
    folder,
    name,
    existingMode: st ? st.mode & 0o7777 : undefined,
    identity: st ? idOf(st) : `${folder.id}/${name}`,
    discard: false,
  };
}

/** Close the folders of plans that will not be written (a check only, or a run that stops). */
export function closePlans(plans: Iterable<OutputPlan>): void {
  for (const p of plans) p.folder?.close();
}

/** Why target cannot be written for a scan of root, or undefined if it can. */
export function outputProblem(target: string, root: string): string | undefined {
  const p = planOutput(target, root);
  if (typeof p === 'string') return p;
  closePlans([p]);
  return undefined;
}

/** Why stdout, when it is a regular file, cannot be written (placeProblem), or undefined. */
function stdoutProblem(root: string): string | undefined {
  let st: Stats;
  try {
    st = fstatSync(1);
  } catch {
    return undefined; // no stdout: writing to it fails on its own
  }
  if (!st.isFile()) return undefined;
  return placeProblem(process.platform === 'linux' ? '/proc/self/fd/1' : '/dev/stdout', st, root);
}

/**
 * The case file whose rollback journal `target` is (FILE-journal beside an SQLite FILE), if any: an
 * output written there was emptied by SQLite when that case file was next closed (attack round 23b,
 * M4: `--merge s1.case-journal s1.case s2.case` reported a merge into a file left 0 bytes).
 */
function caseJournal(target: string): string | undefined {
  if (!target.endsWith('-journal')) return undefined;
  const db = target.slice(0, -'-journal'.length);
  try {
    // (O_NOATIME: the file may be one of the tree's, refused later, its access time kept; one that is
    // not the user's cannot be opened so, and is not checked here)
    const fd = openSync(db, constants.O_RDONLY | constants.O_NONBLOCK | O_NOATIME);
    try {
      const head = Buffer.alloc(16);
      const n = fstatSync(fd).isFile() ? readSync(fd, head, 0, 16, 0) : 0;
      return n === 16 && head.toString('latin1') === 'SQLite format 3\0' ? db : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** outputs that hold the tree's paths (phone and identity numbers in folder names): owner-only files */
const PATH_OUTPUTS = new Set(['--files']);

/**
 * stdout redirected into a file (`--files - > m.csv`) gets the manifest's paths: the shell made that
 * file with the umask's mode, 0644 as a rule, where `--files m.csv` is made 0600 (attack round 23b,
 * M5). Made owner-only here, as a file of ours would be; one the user cannot change is refused.
 */
function ownerOnlyStdout(): string | undefined {
  let st: Stats;
  try {
    st = fstatSync(1);
  } catch {
    return undefined;
  }
  if (!st.isFile() || !(st.mode & 0o077)) return undefined;
  try {
    fchmodSync(1, 0o600);
    return undefined;
  } catch {
    return `stdout is a file others can read (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}) that cannot be made owner-only, and the manifest holds the tree's paths: give --files a file name`;
  }
}

/** What stdout is, for "the same file" checks (undefined when it cannot be told). */
function stdoutIdentity(): string | undefined {
  try {
    return idOf(fstatSync(1));
  } catch {
    return undefined;
  }
}

/**
 * Plan every output of one run: [flag, target] pairs ('-' is stdout). Returns the plans by flag, or a
 * one-line reason: a bad target, or two outputs that are one file (--csv X --files X, through another
 * spelling or a link: the manifest would silently replace the summary meant for the lawyers).
 */
export function planOutputs(
  outputs: readonly (readonly [string, string | undefined])[],
  root: string,
  /** the --statements folder (device:inode and the name given): no other output may go in it */
  statements?: { id: string; given: string },
): Map<string, OutputPlan> | string {
  const plans = new Map<string, OutputPlan>();
  const fail = (why: string): string => {
    closePlans(plans.values());
    return why;
  };
  const seen = new Map<string, string>();
  const stdoutFlags = outputs.filter(([, t]) => t === '-').map(([f]) => f);
  if (stdoutFlags.length > 1) return `only one of ${stdoutFlags.join(', ')} can write to stdout (-)`;
  const out = stdoutIdentity();
  if (stdoutFlags.length && out)
    seen.set(out, stdoutFlags[0]!.startsWith('--') ? `${stdoutFlags[0]} -` : stdoutFlags[0]!);
  // stdout redirected to a file (`>>file`): that file is written, and may be one of the tree's
  if (stdoutFlags.length) {
    const problem = stdoutProblem(root) ?? (PATH_OUTPUTS.has(stdoutFlags[0]!) ? ownerOnlyStdout() : undefined);
    if (problem) return `${stdoutFlags[0]} -: ${problem}`;
  }
  for (const [flag, target] of outputs) {
    if (target === undefined || target === '-') continue;
    const plan = planOutput(target, root);
    if (typeof plan === 'string') return fail(`${flag}: ${plan}`);
    plans.set(flag, plan);
    // the statements folder is leaktally's to fill and to clear: a summary there would be replaced
    // by a statement of the same name, or removed as an earlier run's leftover
    if (statements && plan.folder?.id === statements.id)
      return fail(`${flag} ${target} is in the --statements folder ${statements.given}; write it elsewhere`);
    if (!plan.discard) {
      const other = seen.get(plan.identity);
      if (other) return fail(`${flag} ${target} and ${other} are the same file; give each output its own file`);
      seen.set(plan.identity, `${flag} ${target}`);
    }
  }
  return plans;
}

/** An errno as words, for one line on stderr. */
export function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or folder',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
    EROFS: 'read-only file system',
    EISDIR: 'is a folder',
    ENOTDIR: 'not a folder',
    ENAMETOOLONG: 'name too long',
    EPIPE: 'the reader went away (broken pipe)',
    ENXIO: 'no reader (no such device or address)',
    EEXIST: 'already exists',
  };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- anything can be thrown, null and undefined included
  if (err && typeof err.code === 'string') return words[err.code] ? `${words[err.code]} (${err.code})` : err.code;
  return err instanceof Error ? err.message.split('\n')[0]! : String(e);
}
