/**
 * Round 25: a file's identity during a live scan.
 *  - 24c N0 (critical): a name not yet read, replaced after its folder's listing (link + rename) by
 *    another name of a 1 h recording in another customer's folder, was read as the listing's file: the
 *    hour counted in both rows, every row "complete", exit 0. The reader now compares the file it opens
 *    with the one the listing gave (device, inode; size and mtime where the walk stat'ed it).
 *  - 24b C2 (high): a recording moved on, once read, into a folder not yet listed was counted once in
 *    each folder. The walk now keeps every file it hands on (walk/inodes.ts): the same file met again
 *    with one link is not read again, and is a gap of the row it was met in.
 * Each race is made at a fixed point (the walk's wait for room, or a reader job that replaces the name
 * before it reads its batch), for the addon's batch reads and the plain reads without it, on the calling
 * thread and on 2 and 3 reader threads; ffmpeg's decoded length of the recording is the judge.
 */
import { describe, expect, it } from 'vitest';
import { linkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { Scanner, scan, type FileRecord, type ScanConfig } from '../dist/scan/engine.js';
import { processFile, makeContext } from '../dist/scan/read/record.js';
import { BatchHeads } from '../dist/scan/read/heads.js';
import { InodeSet } from '../dist/scan/walk/inodes.js';
import { ROOT, put, tempDir, wav } from './helpers.js';
import { decoded } from './decoded.js';
import { itWith } from './needs.js';

const DIST = join(ROOT, 'dist');
/** a WAV of n seconds, 8 kHz 8-bit mono PCM (8,000 bytes a second) */
const secs = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 8, dataBytes: 8000 * n });
const LONG = 600;
/** what a name replaced during the scan is said to be */
const REPLACED = /^changed during the scan: not the file its folder listed/;
const MET_AGAIN = 'changed during the scan: moved here after it was counted under another name';

/**
 * acme/ with 40 one-second files and x.wav (1 s), beta/ with long.wav (LONG s) and 40 one-second files:
 * what a fresh scan finds in it once acme/x.wav is another name of beta/long.wav is 80 + LONG s
 */
function tree(): string {
  const root = tempDir();
  for (let k = 0; k < 40; k++) {
    put(root, `acme/f${k}.wav`, secs(1));
    put(root, `beta/f${k}.wav`, secs(1));
  }
  put(root, 'acme/x.wav', secs(1));
  put(root, 'beta/long.wav', secs(LONG));
  return root;
}

/**
 * acme/ and beta/ with 40 one-second files and a long.wav (LONG s) each: the one in the folder the walk
 * lists first is moved on (the walk's order is the file system's, not known here)
 */
function treeC2(): string {
  const root = tempDir();
  for (const c of ['acme', 'beta']) {
    for (let k = 0; k < 40; k++) put(root, `${c}/f${k}.wav`, secs(1));
    put(root, `${c}/long.wav`, secs(LONG));
  }
  return root;
}

/** acme/x.wav made another name of beta/long.wav (link + rename, as the attack did) */
const replace = (root: string): void => {
  linkSync(join(root, 'beta/long.wav'), join(root, 'acme/x.tmp'));
  renameSync(join(root, 'acme/x.tmp'), join(root, 'acme/x.wav'));
};

/**
 * The scan on the calling thread (--threads 0), its pieces driven as the engine drives them (walk →
 * Batcher → the reader job), with the race at a fixed point: `after` 'walk' replaces acme/x.wav once
 * the walk has ended, before any file is read (24c N0); 'moveOn' moves long.wav, once it is read, into
 * the other folder, not listed yet (treeC2; 24b C2: the file in two listings).
 * A module run here (with the addon) and in a child process with LEAKTALLY_NO_ADDON (the addon is
 * chosen when listdir.js loads).
 */
const INLINE = `
import { linkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
const { walk } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'scan/walk/walk.js')).href)});
const { Batcher } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'scan/read/batcher.js')).href)});
const { createJob } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'scan/read/job.js')).href)});

export async function inline(root, after) {
  const job = await createJob({ config: { root, depth: 1, zone: 'UTC', threads: 0 }, keepPaths: true });
  const records = [];
  const batches = [];
  const batcher = new Batcher((b) => batches.push(b), 1);
  const listed = new Set();
  let moved = false;
  const sink = {
    file: (rel, sparse, _l, id) => {
      listed.add(rel.split('/')[0]);
      batcher.add(rel, sparse ? 's' : '', undefined, id);
    },
    hardLink: (rel, again) => batcher.add(rel, again ? 'm' : 'h'),
    dir() {}, link() {}, special() {}, error() {},
  };
  const read = async () => {
    while (batches.length) {
      const [rel] = batches.shift();
      const r = await job([rel]);
      records.push(...r.records);
      const path = rel.split('\\0')[0];
      if (after === 'moveOn' && !moved && path.endsWith('/long.wav')) {
        // read here: on into the other folder, not listed yet
        const to = path.startsWith('acme/') ? 'beta' : 'acme';
        if (!listed.has(to)) {
          renameSync(join(root, path), join(root, to, 'moved.wav'));
          moved = true;
        }
      }
    }
  };
  await walk(root, sink, { yieldEvery: 1, aborted: () => false, pause: () => (after !== 'walk' && batches.length ? read() : undefined) });
  if (after === 'walk') {
    linkSync(join(root, 'beta/long.wav'), join(root, 'acme/x.tmp'));
    renameSync(join(root, 'acme/x.tmp'), join(root, 'acme/x.wav'));
  }
  batcher.flush();
  await read();
  return { records, moved };
}
if (process.argv[2]) process.stdout.write(JSON.stringify(await inline(process.argv[2], process.argv[3])));
`;

/**
 * A reader job (ScanConfig.testHooks.readerJob) for the reader threads: the real one, except that the
 * batch holding acme/x.wav finds it replaced by another name of beta/long.wav (24c N0, at any point of
 * the walk: the batch exists once acme/ is listed).
 */
const REPLACING_JOB = `
import { linkSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
const { createJob: real } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'scan/read/job.js')).href)});
export function createJob(data, index) {
  const job = real(data, index);
  const root = data.config.root;
  return async (batch) => {
    if (batch.some((e) => e.split('\\0')[0] === 'acme/x.wav')) {
      const [a, b] = [join(root, 'acme/x.wav'), join(root, 'beta/long.wav')];
      if (statSync(a).ino !== statSync(b).ino) {
        linkSync(b, join(root, 'acme/x.tmp'));
        renameSync(join(root, 'acme/x.tmp'), a);
      }
    }
    return (await job)(batch);
  };
}
`;

/** the modules above, written once */
const modules = (() => {
  const dir = tempDir();
  writeFileSync(join(dir, 'inline.mjs'), INLINE);
  writeFileSync(join(dir, 'job.mjs'), REPLACING_JOB);
  return { inline: join(dir, 'inline.mjs'), job: pathToFileURL(join(dir, 'job.mjs')).href };
})();

interface Run {
  records: FileRecord[];
  moved: boolean;
}

/** the inline scan, with the addon (here) or without it (a child process) */
async function inline(root: string, after: 'walk' | 'moveOn', addon: boolean): Promise<Run> {
  if (addon) {
    const m = (await import(modules.inline)) as { inline: (root: string, after: string) => Promise<Run> };
    return m.inline(root, after);
  }
  const r = spawnSync(process.execPath, [modules.inline, root, after], {
    env: { ...process.env, LEAKTALLY_NO_ADDON: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Run;
}

/** seconds counted per row, and the errors of the files not counted, from a run's records */
function tally(records: FileRecord[]): { seconds: Record<string, number>; errors: Record<string, string> } {
  const seconds: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const r of records) {
    seconds[r.customer] = (seconds[r.customer] ?? 0) + (r.seconds ?? 0);
    if (r.kind !== 'audio' && r.error) errors[r.path!] = r.error;
  }
  return { seconds, errors };
}

const cfg = (root: string, threads: number, extra: Partial<ScanConfig> = {}): ScanConfig => ({
  root,
  depth: 1,
  zone: 'UTC',
  threads,
  ...extra,
});

/** run fn with the reader and walk threads started without the addon (they read the env when they load) */
async function withoutAddon<T>(fn: () => Promise<T>): Promise<T> {
  process.env.LEAKTALLY_NO_ADDON = '1';
  try {
    return await fn();
  } finally {
    delete process.env.LEAKTALLY_NO_ADDON;
  }
}

describe('24c N0: a name replaced after its listing by another name of a recording counted elsewhere', () => {
  itWith(['ffmpeg'], 'the file opened is not the listed one: not counted, a gap; the hour once', async () => {
    const dec = decoded(join(tree(), 'beta/long.wav'));
    expect(dec).toBeCloseTo(LONG, 1);
    for (const addon of [true, false]) {
      const root = tree();
      const { records } = await inline(root, 'walk', addon);
      const { seconds, errors } = tally(records);
      // before: acme 40 + 600 s, beta 640 s (the recording counted twice); now what a fresh scan finds
      expect(seconds.acme, `addon ${addon}`).toBe(40);
      expect(seconds.beta, `addon ${addon}`).toBeCloseTo(40 + dec, 3);
      expect(errors['acme/x.wav'], `addon ${addon}`).toMatch(REPLACED);
      const x = records.find((r) => r.path === 'acme/x.wav')!;
      expect(x).toMatchObject({ kind: 'unreadable', bytes: 0, unopened: true });
      const fresh = await scan(cfg(root, 0));
      expect(fresh.totals.audioMicros / 1e6).toBeCloseTo(80 + dec, 3);
    }
  });

  it('on 2 and 3 reader threads, with and without the addon: the row is incomplete, the total a fresh scan’s', async () => {
    for (const threads of [2, 3])
      for (const addon of [true, false]) {
        const root = tree();
        const errors: Record<string, string> = {};
        const run = (): Promise<import('../dist/scan/engine.js').ScanResult> =>
          new Scanner(cfg(root, threads, { testHooks: { readerJob: modules.job } }), (r) => {
            if (r.error) errors[r.path!] = r.error;
          }).run();
        const r = addon ? await run() : await withoutAddon(run);
        const what = `threads ${threads}, addon ${addon}`;
        // before: 1,280 s (the 600 s recording in acme's row and in beta's), every row complete
        expect(r.totals.audioMicros / 1e6, what).toBe(80 + LONG);
        const acme = r.customers.find((c) => c.customer === 'acme')!;
        expect(acme.audioMicros / 1e6, what).toBe(40);
        expect(acme.unopenedFiles, what).toBe(1);
        expect(errors['acme/x.wav'], what).toMatch(REPLACED);
        expect(r.customers.find((c) => c.customer === 'beta')!.audioMicros / 1e6, what).toBe(40 + LONG);
      }
  });

  it('both read paths compare: the batch heads (addon) and the plain read, by device and inode, size and mtime', async () => {
    const root = tree();
    const st = statSync(join(root, 'acme/x.wav'));
    const listed = { dev: st.dev, ino: st.ino };
    const ctx = makeContext(cfg(root, 0), true);
    const rel = Buffer.from('acme/x.wav');
    // unchanged: counted on both paths
    expect((await processFile(ctx, rel, { listed }, undefined)).seconds).toBe(1);
    const heads = new BatchHeads(ctx.rootBytes, 1, ctx.anchors);
    if (BatchHeads.available) {
      expect((await processFile(ctx, rel, { listed }, heads.read([rel])[0])).seconds).toBe(1);
      heads.release();
    }
    replace(root);
    for (const opened of [undefined, ...(BatchHeads.available ? heads.read([rel]) : [])]) {
      const r = await processFile(ctx, rel, { listed }, opened);
      expect(r, `opened ${opened !== undefined}`).toMatchObject({ kind: 'unreadable', bytes: 0 });
      expect(r.error).toMatch(REPLACED);
      expect(r.seconds).toBeUndefined();
    }
    heads.release();
    // the same inode grown since the walk stat'ed it (without the addon the listing has the size and mtime)
    const now = statSync(join(root, 'acme/x.wav'));
    const r = await processFile(ctx, rel, { listed: { dev: now.dev, ino: now.ino, size: 124, mtimeMs: now.mtimeMs } });
    expect(r.error).toMatch(REPLACED);
    const same = { dev: now.dev, ino: now.ino, size: now.size, mtimeMs: now.mtimeMs };
    expect((await processFile(ctx, rel, { listed: same })).seconds).toBe(LONG);
  });
});

describe('24b C2: a recording moved on, once read, into a folder not yet listed', () => {
  itWith(['ffmpeg'], 'is counted once; the name it is met again under is a gap of its row', async () => {
    for (const addon of [true, false]) {
      const root = treeC2();
      const dec = decoded(join(root, 'acme/long.wav'));
      const { records, moved } = await inline(root, 'moveOn', addon);
      expect(moved, `addon ${addon}`).toBe(true);
      const { seconds, errors } = tally(records);
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      // before: 80 + 3 × 600 s (the file moved was in two listings, and read under each name)
      expect(total, `addon ${addon}`).toBeCloseTo(80 + 2 * dec, 3);
      const again = Object.entries(errors).filter(([, e]) => e.startsWith(MET_AGAIN));
      expect(again, `addon ${addon}`).toHaveLength(1);
      // met again in the folder listed second, whose own long.wav is counted there
      const second = again[0]![0].split('/')[0]!;
      expect(again[0]![0]).toBe(`${second}/moved.wav`);
      expect(seconds[second], `addon ${addon}`).toBeCloseTo(40 + dec, 3);
      expect(seconds[second === 'acme' ? 'beta' : 'acme'], `addon ${addon}`).toBeCloseTo(40 + dec, 3);
    }
  });
});

describe('a still tree: the same figures on every path', () => {
  it('hard links across customers, every thread count, with and without the addon: nothing said changed', async () => {
    const root = tree();
    linkSync(join(root, 'beta/long.wav'), join(root, 'acme/again.wav'));
    const figures: string[] = [];
    for (const threads of [0, 2, 3])
      for (const addon of [true, false]) {
        if (threads === 0 && !addon) continue; // (the calling thread's modules are loaded with it)
        const errors: string[] = [];
        const run = () => new Scanner(cfg(root, threads), (r) => r.error && errors.push(r.error)).run();
        const r = addon ? await run() : await withoutAddon(run);
        expect(errors.filter((e) => e.startsWith('changed'))).toEqual([]);
        figures.push(
          JSON.stringify([r.totals.files, r.totals.audioMicros, r.totals.hardLinks, r.totals.unreadableFiles]),
        );
      }
    expect(new Set(figures).size).toBe(1);
    // 82 files (a hard link is no file of its own), the recording once
    expect(JSON.parse(figures[0]!)).toEqual([82, (80 + LONG + 1) * 1e6, 1, 0]);
  });
});

describe('walk/inodes.ts: the set of files handed on', () => {
  it('knows a device and inode met before, exact and hashed alike, and stays 8-16 bytes a file', () => {
    const set = new InodeSet();
    const n = 1_000_000;
    let added = 0;
    for (let i = 0; i < n; i++) if (set.add(2049, i)) added++;
    let again = 0;
    for (let i = 0; i < n; i += 997) if (!set.add(2049, i)) again++;
    expect([added, again]).toEqual([n, Math.ceil(n / 997)]);
    expect(set.add(2050, 5)).toBe(true);
    // device numbers past 2^20 and inodes past 2^32 (XFS, NFS) go through the hash
    for (const [dev, ino] of [
      [2 ** 40 + 3, 7],
      [3, 2 ** 60],
      [3, 2 ** 60 + 2 ** 12],
    ] as const) {
      expect(set.add(dev, ino)).toBe(true);
      expect(set.add(dev, ino)).toBe(false);
    }
    expect(set.size).toBe(n + 4);
    // 2^21 slots of 8 bytes at 1 M files
    expect(set.bytes).toBe(16 * 2 ** 20);
  });
});
