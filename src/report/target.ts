/**
 * Where an output may go, decided before the scan starts:
 * - a regular file (new, or existing: replaced) is written atomically beside itself (see atomic.ts);
 * - anything else that already exists (a device such as /dev/null or a terminal, a FIFO, /dev/stdout,
 *   a shell's process substitution /dev/fd/N, a symbolic link to one of these) is written directly,
 *   streaming, and never replaced: renaming a file over /dev/null would replace the device node;
 * - never a folder, never a name in a folder that does not exist, never into the evidence tree, and
 *   never the same file as another output.
 * "Into the evidence" compares device and inode numbers of the output's folder and each folder above
 * it with the tree's: a path comparison misses a bind mount or another path to the same folder.
 */
import { fstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export type OutputKind = 'atomic' | 'direct';

export interface OutputPlan {
  /** as given */
  target: string;
  kind: OutputKind;
  /** atomic: the file to replace or create (symbolic links resolved); direct: the target */
  path: string;
  /** atomic: the existing file's mode, kept when it is replaced */
  existingMode?: number;
  /** what the output is, for "the same file" checks: device:inode, or folder device:inode + name */
  identity: string;
  /** a null device: any number of outputs may go there */
  discard: boolean;
}

const idOf = (st: Stats): string => `${st.dev}:${st.ino}`;

function nullDevice(): bigint | number | undefined {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return undefined;
  }
}

/** device:inode of a folder and of every folder above it, up to / */
function folderChain(folder: string): Set<string> {
  const ids = new Set<string>();
  let p = folder;
  for (;;) {
    try {
      ids.add(idOf(statSync(p)));
    } catch {
      /* unreadable ancestor: its identity is unknown */
    }
    const up = dirname(p);
    if (up === p) return ids;
    p = up;
  }
}

interface Mount {
  id: string;
  root: string;
  point: string;
}

/** The mounts of this process (Linux /proc/self/mountinfo), or [] where there is no such file. */
function mounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string): string =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { id: f[2]!, root: unescape(f[3]!), point: unescape(f[4]!) };
    });
}

const under = (p: string, dir: string): boolean => dir === '/' || p === dir || p.startsWith(dir + '/');

/**
 * Where a folder is on its file system: (device, path from the file system's root). Two paths to one
 * folder through bind mounts (of the tree, or of a folder inside it) give the same answer.
 */
function fsLocation(real: string, table: Mount[]): { id: string; path: string } | undefined {
  let best: Mount | undefined;
  for (const m of table) if (under(real, m.point) && (!best || m.point.length >= best.point.length)) best = m;
  if (!best) return undefined;
  const rest = best.point === '/' ? real : real.slice(best.point.length);
  return {
    id: best.id,
    path: (best.root === '/' ? '' : best.root) + (rest.startsWith('/') || rest === '' ? rest : '/' + rest) || '/',
  };
}

function evidenceProblem(folder: string, root: string): string | undefined {
  let rootId: string;
  let rootReal: string;
  try {
    rootId = idOf(statSync(root));
    rootReal = realpathSync(root);
  } catch {
    return undefined; // the root is checked on its own
  }
  const refuse = `refusing to write into the evidence tree ${root}; write the output elsewhere`;
  // the folder, or a folder above it, is the tree (another path to it, a bind mount of it)
  if (folderChain(folder).has(rootId)) return refuse;
  // a bind mount of a folder inside the tree: compare places on the file system itself
  const table = mounts();
  const a = fsLocation(folder, table);
  const b = fsLocation(rootReal, table);
  // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- both places must be found: `a?.id === b?.id` would match two unknown ones
  if (a && b && a.id === b.id && under(a.path, b.path)) return refuse;
  return undefined;
}

/** How target is to be written for a scan of root, or why it cannot be (a one-line reason). */
export function planOutput(target: string, root: string): OutputPlan | string {
  if (target === '') return 'an empty file name; give a file name or - for stdout';
  const abs = resolve(target);
  let st: Stats | undefined;
  try {
    st = statSync(abs); // follows links: a link to /dev/null is /dev/null
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${dirname(target)} is not a folder`;
    if (code !== 'ENOENT') return `cannot use ${target}: ${describeError(e)}`;
  }
  if (st?.isDirectory()) return `${target} is a folder; give a file name`;
  if (target.endsWith('/')) {
    return st
      ? `${target} is not a folder`
      : `the folder ${target} does not exist (and an output needs a file name, not a folder)`;
  }
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor (a pipe, a terminal, the file a
  // shell redirected to): write into it, even when it is a regular file, never rename over it
  const descriptor = /^\/dev\/(stdout|stderr|fd\/\d+)$|^\/proc\/[^/]+\/fd\/\d+$/.test(abs);
  if (st && (!st.isFile() || descriptor)) {
    const rdev = nullDevice();
    return {
      target,
      kind: 'direct',
      path: abs,
      identity: idOf(st),
      discard: st.isCharacterDevice() && rdev !== undefined && st.rdev === rdev,
    };
  }
  let folder: string;
  try {
    folder = realpathSync(dirname(abs));
  } catch {
    return `the folder ${dirname(target)} does not exist`;
  }
  let path = resolve(folder, basename(abs));
  if (st) {
    // an existing regular file, perhaps behind a link: replace the file, keep the link
    try {
      path = realpathSync(abs);
      folder = dirname(path);
    } catch {
      /* vanished meanwhile: create it */
    }
  }
  const problem = evidenceProblem(folder, root);
  if (problem) return problem;
  let folderId: string;
  try {
    folderId = idOf(statSync(folder));
  } catch (e) {
    return `cannot use the folder ${dirname(target)}: ${describeError(e)}`;
  }
  return {
    target,
    kind: 'atomic',
    path,
    existingMode: st ? st.mode & 0o7777 : undefined,
    identity: st ? idOf(st) : `${folderId}/${basename(path)}`,
    discard: false,
  };
}

/** Why target cannot be written for a scan of root, or undefined if it can. */
export function outputProblem(target: string, root: string): string | undefined {
  const p = planOutput(target, root);
  return typeof p === 'string' ? p : undefined;
}

/** What stdout is, for "the same file" checks (undefined when it cannot be told). */
export function stdoutIdentity(): string | undefined {
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
): Map<string, OutputPlan> | string {
  const plans = new Map<string, OutputPlan>();
  const seen = new Map<string, string>();
  const stdoutFlags = outputs.filter(([, t]) => t === '-').map(([f]) => f);
  if (stdoutFlags.length > 1) return `only one of ${stdoutFlags.join(', ')} can write to stdout (-)`;
  const out = stdoutIdentity();
  if (stdoutFlags.length && out)
    seen.set(out, stdoutFlags[0]!.startsWith('--') ? `${stdoutFlags[0]} -` : stdoutFlags[0]!);
  for (const [flag, target] of outputs) {
    if (target === undefined || target === '-') continue;
    const plan = planOutput(target, root);
    if (typeof plan === 'string') return `${flag}: ${plan}`;
    if (!plan.discard) {
      const other = seen.get(plan.identity);
      if (other) return `${flag} ${target} and ${other} are the same file; give each output its own file`;
      seen.set(plan.identity, `${flag} ${target}`);
    }
    plans.set(flag, plan);
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
