/**
 * Arguments as bytes. A Unix argument is bytes, not text; Node decodes argv as UTF-8 and replaces
 * bytes that are not UTF-8 with U+FFFD, losing them: `leaktally $'nu/\xe9vidence'` (a folder copied off
 * an old Windows share, Latin-1) would look for "nu/\uFFFDvidence" and say there is no such folder.
 * Node keeps no copy of the raw bytes, but Linux does: /proc/self/cmdline holds the command line as it
 * was given. Elsewhere (no /proc) the argument stays as Node decoded it.
 */
import { openSync, readFileSync, constants } from 'node:fs';

/** The command line's arguments as bytes (Linux), or undefined. */
function rawCommandLine(): Buffer[] | undefined {
  try {
    const all = readFileSync('/proc/self/cmdline');
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < all.length; i++) {
      if (all[i] === 0) {
        parts.push(all.subarray(start, i));
        start = i + 1;
      }
    }
    return parts;
  } catch {
    return undefined;
  }
}

/** The bytes of an argument Node decoded lossily (it holds U+FFFD), when they can be found. */
export function rawBytesOf(arg: string): Buffer | undefined {
  if (!arg.includes('\uFFFD')) return undefined;
  const asGiven = Buffer.from(arg);
  // from the end: node's own options come before the script and its arguments
  for (const raw of (rawCommandLine() ?? []).reverse()) {
    if (!raw.equals(asGiven) && raw.toString('utf8') === arg) return raw;
  }
  return undefined;
}

/**
 * A folder named by raw bytes, as a path every part of leaktally can use: the folder is opened once
 * and reached through /proc/self/fd/N (the same folder, whatever its name's bytes; worker threads
 * share the descriptor). undefined when it cannot be opened (the caller reports the name as given).
 */
export function folderByBytes(raw: Buffer): string | undefined {
  try {
    const fd = openSync(raw, constants.O_RDONLY | constants.O_DIRECTORY);
    return `/proc/self/fd/${fd}`;
  } catch {
    return undefined;
  }
}
