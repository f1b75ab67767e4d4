/**
 * Which readers made a figure: a hash of this build's reader modules (this folder's files) and of the
 * music-metadata version they call. A case file stores it with each run (runs.tool_version, after the
 * package's version), and a file's stored facts are taken over on resume, or shards merged, only from a
 * run of the same readers: the package's version stayed 0.1.0 through every reader fix, so a case file
 * written before a fix and resumed after it kept the overcount the fix removed (attack round 26b H2: an
 * Ogg Opus whose pages' checksums fail, 60 s "complete" where a fresh scan counts 0, ffmpeg 0.00).
 *
 * Hashed from the files themselves, not a number kept by hand: a number kept by hand is forgotten.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let memo: string | undefined;

/** 12 hex digits naming the readers of this build (the same for the same files, on any machine). */
export function readersBuild(): string {
  if (memo) return memo;
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  // the modules of this folder as built (.js) or as run from source (.ts), in name order
  for (const name of readdirSync(here)
    .filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts'))
    .sort()) {
    h.update(name)
      .update('\0')
      .update(readFileSync(join(here, name)))
      .update('\0');
  }
  try {
    const pkg = createRequire(import.meta.url).resolve('music-metadata');
    // (its package.json, up from its entry point)
    let dir = dirname(pkg);
    for (let i = 0; i < 4; i++, dir = dirname(dir))
      try {
        const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (p.name === 'music-metadata') {
          h.update(`music-metadata@${p.version}`);
          break;
        }
      } catch {
        // not here: up one folder
      }
  } catch {
    // not resolvable: the hash is of this folder alone
  }
  return (memo = h.digest('hex').slice(0, 12));
}
