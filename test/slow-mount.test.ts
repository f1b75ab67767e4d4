/**
 * Through a slow mount (test/tools/slow-mount.sh: a FUSE mirror that waits in every lookup, stat, open,
 * read and listing, and lets the kernel cache nothing), as on a network share: the walk's stats and the
 * readers' opens block there, so the scan takes its parallel paths (listdir.c, readheads.c), and its
 * figures must be those of the same tree read directly.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, ROOT, put, tempDir, wav } from './helpers.js';
import { missing, unavailable } from './needs.js';

const MOUNT = join(ROOT, 'test/tools/slow-mount.sh');

/** why a FUSE mount cannot be made here, or undefined */
function noFuse(): string | undefined {
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (spawnSync('pkg-config', ['--exists', 'fuse3']).status !== 0)
    return 'needs libfuse3-dev (apt-get install libfuse3-dev pkg-config)';
  return missing('fusermount3');
}

describe('a slow mount', () => {
  it('gives the same figures as the tree itself, with every stat and read a round trip', (ctx) => {
    const why = noFuse();
    if (why) return unavailable(ctx, why);
    const src = tempDir();
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 40; i++)
        put(
          src,
          `kund-${c}/2019/01/0${(i % 9) + 1}/2019-01-0${(i % 9) + 1}_1200${String(i).padStart(2, '0')}_${i}.ul`,
          Buffer.alloc(8000 + i, 0xff),
        );
      put(src, `kund-${c}/call.wav`, wav({ tag: 7, dataBytes: 16000 }));
    }
    const direct = spawnSync(process.execPath, [CLI, src, '--csv', '-'], { encoding: 'utf8' });
    expect(direct.status).toBe(0);
    const mnt = join(tempDir(), 'mnt');
    mkdirSync(mnt);
    // 2 ms a call: a batch's reads and a folder's stats are taken as blocking and go in parallel
    const viaMount = spawnSync(
      MOUNT,
      ['--delay-us', '2000', src, mnt, '--', process.execPath, CLI, mnt, '--csv', '-'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (/the mount failed|did not appear/.test(viaMount.stderr))
      return unavailable(ctx, `FUSE mount refused here: ${viaMount.stderr.trim()}`);
    expect(viaMount.stderr).toBe('');
    expect(viaMount.status).toBe(0);
    expect(viaMount.stdout).toBe(direct.stdout);
    expect(direct.stdout).toMatch(/"kund-2",,,"complete",41,41,/);
  }, 180_000);

  it("a read that fails past a file's head (EIO: a disk going bad) is a gap of its row, not content read", (ctx) => {
    // it was "header not readable", the row "complete" at 0 h and exit 0 (the local side of attack
    // round 25b C6's failed HTTP reads)
    const why = noFuse() ?? missing('lame');
    if (why) return unavailable(ctx, why);
    const src = tempDir();
    // 10 minutes of MP3 (~9.6 MB at 128 kbit/s): its frames are walked far past the first MiB
    const mp3 = join(src, 'acme', 'call.mp3');
    mkdirSync(join(src, 'acme'));
    const made = spawnSync('sh', [
      '-c',
      `sox -n -r 8000 -c 1 -t wav - synth 600 sine 440 | lame --quiet -b 128 - ${JSON.stringify(mp3)}`,
    ]);
    if (made.status !== 0) return unavailable(ctx, `sox | lame failed: ${String(made.stderr)}`);
    put(src, 'beta/call.wav', wav({ tag: 7, dataBytes: 16000 }));
    const mnt = join(tempDir(), 'mnt');
    mkdirSync(mnt);
    const files = join(tempDir(), 'files.csv');
    const r = spawnSync(
      MOUNT,
      ['--eio-after', String(1 << 20), src, mnt, '--', process.execPath, CLI, mnt, '--csv', '-', '--files', files],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (/the mount failed|did not appear/.test(r.stderr))
      return unavailable(ctx, `FUSE mount refused here: ${r.stderr.trim()}`);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/"acme",,,"incomplete: /);
    expect(r.stdout).not.toMatch(/"acme",,,"complete"/);
    expect(r.stdout).toMatch(/"beta",,,"complete",1,1,/);
    const manifest = readFileSync(files, 'utf8');
    expect(manifest).toMatch(/I\/O error/);
    expect(manifest).not.toMatch(/header not readable/);
  }, 180_000);
});
