/**
 * Attack round 23b's findings on the walk's identity checks, each reproduced on a tree made here:
 *  - C1: a folder swapped for a symbolic link during the scan (after its parent was listed, before it
 *    or its files were read) was followed out of the tree by the walk and by the readers, "complete":
 *    only the last name of a path was opened O_NOFOLLOW. The swaps are made from the walk's own sink
 *    (sink.dir is called while the parent's listing is read, before the folder is listed), and before
 *    a batch's read, so that nothing depends on timing.
 *  - C2: a bind mount inside the tree showed one file (one device and inode, one link) at several
 *    paths, each counted. Needs root (mount --bind); skipped otherwise.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { walk, type WalkSink } from '../dist/scan/walk/walk.js';
import { BatchHeads } from '../dist/scan/read/heads.js';
import { addon } from '../dist/scan/walk/listdir.js';
import { makeContext, processFile } from '../dist/scan/read/record.js';
import { csvObjects, put, runCli, tempDir, wav } from './helpers.js';
import { itWith, needsRoot, type Feature } from './needs.js';

const ADDON: Feature = {
  what: 'the native addon (build/Release/listdir.node)',
  ok: () => !!addon,
  apt: 'g++ make python3',
};

/** a WAV of n seconds, 8 kHz 16-bit mono PCM */
const secs = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 16, dataBytes: 16000 * n });
const second = (): Buffer => secs(1);

/** What the walk found, by kind; `onDir` runs when a folder is met (its parent being read). */
function recorder(onDir: (rel: string) => void = () => {}) {
  const got = { files: [] as string[], errors: [] as [string, string | undefined, string][], links: [] as string[] };
  const sink: WalkSink = {
    file: (rel) => got.files.push(Buffer.from(rel, 'latin1').toString()),
    hardLink: () => {},
    dir: (rel) => onDir(rel.toString()),
    link: (rel) => got.links.push(rel.toString()),
    special: () => {},
    error: (rel, err) => got.errors.push([rel.toString(), err.code, err.message]),
  };
  return { got, sink };
}

const go = { pause: () => undefined, aborted: () => false };

/** a tree with cust/2024/{a,b}.wav, and outside it out/2024/{a,b,extra}.wav, out/jan/x.wav */
function swapTree(): { base: string; root: string; out: string } {
  const base = tempDir();
  const root = join(base, 'tree');
  const out = join(base, 'out');
  for (const f of ['a', 'b']) put(root, `cust/2024/${f}.wav`, second());
  put(root, 'cust/2024/jan/in.wav', second());
  for (const f of ['a', 'b', 'extra']) put(out, `2024/${f}.wav`, second());
  put(out, '2024/jan/x.wav', second());
  return { base, root, out };
}

/** swap the folder at path for a symbolic link to target (the folder itself kept beside it) */
function swap(path: string, target: string): void {
  renameSync(path, path + '.moved');
  symlinkSync(target, path);
}

describe('round 23b C1: a folder swapped for a link during the scan is never followed', () => {
  /**
   * cust/2024 is met in cust's listing, then swapped for a link to a folder outside the tree before
   * it is listed: its listing is not the folder cust listed (device and inode), so nothing of it is
   * counted and it is a folder not read ("changed"); before, the outside files were walked as cust's.
   */
  it('the walk: a folder replaced by a link after its parent was listed is a folder not read', async () => {
    const { root, out } = swapTree();
    const { got, sink } = recorder((rel) => {
      if (rel === 'cust/2024') swap(join(root, rel), join(out, '2024'));
    });
    await walk(root, sink, go);
    expect(got.files.filter((f) => /extra|x\.wav/.test(f))).toEqual([]);
    expect(got.files.filter((f) => f.startsWith('cust/2024/'))).toEqual([]);
    expect(got.errors.filter((e) => e[1]!.endsWith('now a link'))).toEqual([
      ['cust/2024', 'changed during the scan: now a link', expect.any(String)],
    ]);
    // the swap itself renamed a folder in cust after cust was listed: cust changed too (round 24 C1)
    expect(got.errors.filter((e) => !e[1]!.endsWith('now a link')).map((e) => e[0])).toEqual(['cust']);
  });

  /**
   * A name in the middle of the path: cust/2024/jan is met while cust/2024 is listed, then cust
   * itself (listed already) is swapped for a link to a folder outside that holds 2024/jan. The path
   * tree/cust/2024/jan/ now goes through the link: the folder listed is another one, a folder not read.
   */
  it('the walk: a link swapped in above a folder waiting to be listed is not followed', async () => {
    const { base, root } = swapTree();
    const { got, sink } = recorder((rel) => {
      if (rel === 'cust/2024/jan') swap(join(root, 'cust'), join(base, 'out-cust'));
    });
    mkdirSync(join(base, 'out-cust'));
    renameSync(join(base, 'out', '2024'), join(base, 'out-cust', '2024'));
    await walk(root, sink, go);
    expect(got.files.filter((f) => f.includes('x.wav'))).toEqual([]);
    expect(got.errors.filter((e) => e[1]!.endsWith('now a link'))).toEqual([
      ['cust/2024/jan', 'changed during the scan: now a link', expect.any(String)],
    ]);
    // and the folders listed before the swap are not as they were (round 24 C1): the root (cust
    // renamed in it), cust and cust/2024 (now reached through the link)
    expect(got.errors.filter((e) => !e[1]!.endsWith('now a link')).map((e) => e[0])).toEqual(['', 'cust', 'cust/2024']);
  });

  /**
   * The readers: a file the walk listed as cust/2024/a.wav, whose folder (or the customer folder
   * above it) is a link to outside the tree by the time the batch is read, is not opened (`linked`),
   * never read from outside; before, the outside file's head and size were read (status 0).
   */
  itWith([ADDON], 'the readers: a file whose path now goes through a link is not opened', () => {
    const { base, root, out } = swapTree();
    writeFileSync(join(out, '2024', 'a.wav'), secs(100));
    swap(join(root, 'cust', '2024'), join(out, '2024'));
    mkdirSync(join(base, 'other'));
    put(base, 'other/2024/b.wav', secs(100));
    const heads = new BatchHeads(Buffer.from(root + '/'), 1);
    const got = heads.read([Buffer.from('cust/2024/a.wav'), Buffer.from('cust/2024/b.wav')]);
    heads.release();
    expect(got.map((r) => r?.linked)).toEqual([true, true]);
    expect(got.map((r) => r?.size)).toEqual([0, 0]);
  });

  /**
   * What such a file comes to: an unreadable file of its row (a gap: the row incomplete), with the
   * reason in the manifest, and none of the outside file's seconds.
   */
  itWith([ADDON], "the readers: such a file is unreadable, 'changed during the scan: now a link'", async () => {
    const { root, out } = swapTree();
    writeFileSync(join(out, '2024', 'a.wav'), secs(100));
    swap(join(root, 'cust'), out);
    const ctx = makeContext({ root, depth: 1, zone: 'UTC', threads: 1 });
    const heads = new BatchHeads(ctx.rootBytes, 1);
    const rel = Buffer.from('cust/2024/a.wav');
    const [opened] = heads.read([rel]);
    heads.release();
    const rec = await processFile(ctx, rel, undefined, opened);
    expect(rec).toMatchObject({
      customer: 'cust',
      kind: 'unreadable',
      bytes: 0,
      unopened: true,
      error: 'changed during the scan: now a link',
    });
    expect(rec.seconds).toBeUndefined();
  });
});

/** Run a command as root; false when it fails (no permission to mount: a container without CAP_SYS_ADMIN). */
const sh = (...args: string[]): boolean => spawnSync(args[0]!, args.slice(1), { stdio: 'ignore' }).status === 0;

describe('round 23b C2: a bind mount inside the tree counts each file once', () => {
  /**
   * One 60 s WAV at acme/2024/long.wav; acme bound into itself (acme/loop) and acme/2024 bound into
   * beta (beta/archive): the file has one device and inode and one link at three paths. It is counted
   * once (60 s, not 180 s); the folders met again are not walked again and are said in the manifest.
   * A file bound over another file (beta/copy.wav) is known by its device and inode as a hard link is.
   */
  it('a folder met again through a bind mount is not walked again; a bound file is counted once', (ctx) => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'acme/2024/long.wav', secs(60));
    put(root, 'beta/copy.wav', '');
    mkdirSync(join(root, 'acme/loop'));
    mkdirSync(join(root, 'beta/archive'));
    const mounts = [
      [join(root, 'acme'), join(root, 'acme/loop')],
      [join(root, 'acme/2024'), join(root, 'beta/archive')],
      [join(root, 'acme/2024/long.wav'), join(root, 'beta/copy.wav')],
    ];
    const made: string[] = [];
    try {
      for (const [from, to] of mounts) {
        if (!sh('mount', '--bind', from!, to!)) return needsRoot(ctx, 'mount --bind is not permitted here');
        made.unshift(to!);
      }
      const csv = join(base, 's.csv');
      const files = join(base, 'f.csv');
      const r = runCli([root, '--csv', csv, '--files', files]);
      const rows = csvObjects(spawnSync('cat', [csv], { encoding: 'utf8' }).stdout);
      const total = rows.find((row) => row.customer === '(total)')!;
      expect(Number(total.audio_seconds)).toBeCloseTo(60, 0);
      expect(total.hard_links).toBe('1');
      const manifest = spawnSync('cat', [files], { encoding: 'utf8' }).stdout;
      // two of the three paths of acme/2024 are folders not walked again (which two: the walk's order),
      // each said with the path it was counted at (round 24)
      expect(manifest.match(/the same folder as [^,"]*[,(]/g)).toHaveLength(2);
      // folders not walked: the rows are not said complete
      expect(r.status).toBe(3);
    } finally {
      for (const to of made) sh('umount', to);
    }
  });
});
