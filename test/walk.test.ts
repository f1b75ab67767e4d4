/**
 * The walk as evidence: every regular file counted whatever the depth and path length, folders listed
 * without moving their access times, unreadable folders counted in their row, sparse files marked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  chmodSync,
  mkdirSync,
  statSync,
  utimesSync,
  writeFileSync,
  truncateSync,
  readdirSync,
  lstatSync,
  readFileSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { scan, Scanner, type ScanConfig, type FileRecord } from '../dist/scan/engine.js';
import { walk, walkCost, type WalkSink } from '../dist/scan/walk/walk.js';
import { walkOnThread } from '../dist/scan/walk/thread.js';
import { nativeListing } from '../dist/scan/walk/listdir.js';
import { put, tempDir, wav, runCli, csvObjects, parseSummary, unprivileged, CLI } from './helpers.js';
import { itWith, needsRoot, unavailable } from './needs.js';

const cfg = (root: string, extra: Partial<ScanConfig> = {}): ScanConfig => ({
  root,
  depth: 1,
  zone: 'UTC',
  threads: 2,
  ...extra,
});

const deep: string[] = [];
afterAll(() => {
  // rm -rf removes a tree of any depth (rmSync stops at PATH_MAX)
  for (const d of deep) spawnSync('rm', ['-rf', d]);
});

/**
 * Build a tree below root in a child process that chdir()s down (no path past PATH_MAX is ever
 * given to a system call): `levels` folders named `seg`, and at each level in `filesAt` one file
 * (a WAV of `wavBytes` of data at the deepest level; elsewhere a small text file, or `levelFile` as
 * call-<level>.wav).
 */
function deepTree(
  root: string,
  levels: number,
  seg: string,
  filesAt: (level: number) => boolean,
  deepest: Buffer,
  levelFile?: Buffer,
): void {
  deep.push(root);
  const script = `
    const fs = require('fs');
    const [levels, seg, deepest, levelFile] = [Number(process.argv[1]), process.argv[2], process.argv[3], process.argv[6]];
    const at = JSON.parse(process.argv[4]);
    const wav = fs.readFileSync(deepest);
    const each = levelFile ? fs.readFileSync(levelFile) : undefined;
    process.chdir(process.argv[5]);
    fs.mkdirSync('cust'); process.chdir('cust');
    for (let i = 1; i <= levels; i++) {
      fs.mkdirSync(seg); process.chdir(seg);
      if (at.includes(i)) {
        if (each) fs.writeFileSync('call-' + i + '.wav', each);
        else fs.writeFileSync('note-' + i + '.txt', 'x'.repeat(i));
      }
    }
    fs.writeFileSync('deepest.wav', wav);
  `;
  const at = Array.from({ length: levels }, (_, i) => i + 1).filter(filesAt);
  const wavFile = join(tempDir(), 'd.wav');
  writeFileSync(wavFile, deepest);
  const eachFile = join(tempDir(), 'each.wav');
  if (levelFile) writeFileSync(eachFile, levelFile);
  const args = [String(levels), seg, wavFile, JSON.stringify(at), root, ...(levelFile ? [eachFile] : [])];
  const r = spawnSync(process.execPath, ['-e', script, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
}

describe('the addon', () => {
  // listdir.ts finds it by a path relative to its own file: a file moved to another folder would fall
  // back to plain Node without a word (slower, and folders listed without O_NOATIME where Node cannot)
  it.skipIf(process.env.LEAKTALLY_NO_ADDON)('is loaded wherever it was built', () => {
    expect(nativeListing).toBe(existsSync(new URL('../build/Release/listdir.node', import.meta.url)));
  });
});

describe('paths past PATH_MAX and very deep trees', () => {
  it('a tree whose paths pass 4,096 bytes: every file counted, the WAV read whole, the path column the real path', async () => {
    const root = tempDir();
    const data = wav({ tag: 7, dataBytes: 16000 }); // 2 s of µ-law at 8 kHz
    deepTree(root, 60, 'd'.repeat(100), () => true, data);
    for (const threads of [0, 2]) {
      const seen: FileRecord[] = [];
      const r = await new Scanner(cfg(root, { threads }), (rec) => seen.push(rec)).run();
      expect(r.unreadableFolders).toBe(0);
      expect(r.totals.files).toBe(61);
      expect(r.totals.unreadableFiles).toBe(0);
      expect(r.totals.audioFiles).toBe(1);
      expect(r.totals.audioMicros / 1e6).toBeCloseTo(2, 3);
      const w = seen.find((x) => x.path!.endsWith('/deepest.wav'))!;
      expect(w.kind).toBe('audio');
      expect(w.bytes).toBe(data.length);
      expect(Buffer.byteLength(w.path!)).toBeGreaterThan(4096);
      expect(w.path).toBe(['cust', ...Array<string>(60).fill('d'.repeat(100)), 'deepest.wav'].join('/'));
      expect(r.totals.bytes).toBe(data.length + (60 * 61) / 2);
    }
  });

  it('a 2,000-deep tree: all 21 files counted', async () => {
    const root = tempDir();
    deepTree(root, 2000, 'dd', (l) => l % 100 === 0, wav({ tag: 7, dataBytes: 8000 }));
    const r = await scan(cfg(root, { threads: 2 }));
    expect(r.unreadableFolders).toBe(0);
    expect(r.totals.files).toBe(21);
    expect(r.totals.audioFiles).toBe(1);
  });
});

describe('depth costs linear time and bounded memory (issue 19, finding 7)', () => {
  // 10,000 nested folders took 15 s and 30,000 took 281 s: each folder's path was resolved from the
  // root again. Measured by what the walk hands the kernel to resolve (bytes of paths), not by time.
  const cost = async (levels: number, seg: string, dirsAt?: number): Promise<{ bytes: number; dirs: number }> => {
    const root = tempDir();
    deepTree(root, levels, seg, () => false, Buffer.from('x'));
    let dirs = 0;
    const sink: WalkSink = {
      file() {},
      hardLink() {},
      dir: () => {
        dirs++;
      },
      link() {},
      special() {},
      error: (rel, e) => {
        throw e;
      },
    };
    const before = walkCost.pathBytes;
    await walk(root, sink, {
      pause: () => undefined,
      aborted: () => false,
      ...(dirsAt === undefined ? {} : { dirsAt }),
    });
    return { bytes: walkCost.pathBytes - before, dirs };
  };

  it('four times the depth costs about four times the path lookups, not sixteen', async () => {
    const small = await cost(400, 'd');
    const large = await cost(1600, 'd');
    expect(large.dirs).toBe(1601);
    // linear: ×4 (the root's own path is in each lookup); quadratic was ×16
    expect(large.bytes / small.bytes).toBeLessThan(6);
    expect(large.bytes / small.bytes).toBeGreaterThan(3);
  });

  it('255-byte names: lookups linear too, and no folder path is built or sent below the customer level', async () => {
    const small = await cost(100, 'd'.repeat(255), 1);
    const large = await cost(400, 'd'.repeat(255), 1);
    expect(large.dirs).toBe(1);
    expect(large.bytes / small.bytes).toBeLessThan(6);
    // on the walk's thread as on this one: every file found, and only the customer folder reported
    const root = tempDir();
    deepTree(root, 400, 'd'.repeat(255), (l) => l % 50 === 0, Buffer.from('x'));
    const found: string[] = [];
    const dirs: string[] = [];
    const sink: WalkSink = {
      file: (rel) => found.push(rel),
      hardLink() {},
      dir: (rel) => dirs.push(rel.toString('latin1')),
      link() {},
      special() {},
      error: (rel, e) => {
        throw e;
      },
    };
    await walkOnThread(root, sink, { pause: () => undefined, aborted: () => false, dirsAt: 1 });
    expect(dirs).toEqual(['cust']);
    expect(found).toHaveLength(9);
    expect(found.map((p) => p.length).sort((a, b) => a - b)[8]).toBeGreaterThan(400 * 256);
  });

  // The readers (item 7's rest): 5,000 levels with a file in each took 76 s, every file opened by its
  // path from the root (d lookups for a file at depth d). Now opened below a folder the reader holds
  // (src/scan/read/anchors.ts). A child scans at --threads 0 (the readers' counter is then its own), with the
  // addon (native/readheads.c openat) and without it (the pure-Node route through /proc/self/fd).
  const readCostOf = (
    root: string,
    addon: boolean,
  ): {
    files: number;
    audio: number;
    seconds: number;
    unreadable: number;
    bytes: number;
    anchors: number;
    foldersLeft: number;
  } => {
    const script = `
      const { scan } = await import(${JSON.stringify(new URL('../dist/scan/engine.js', import.meta.url).href)});
      const { readCost } = await import(${JSON.stringify(new URL('../dist/scan/read/anchors.js', import.meta.url).href)});
      const { readdirSync, fstatSync } = await import('node:fs');
      // folders held open (an anchor is one; Node itself may open /dev/null and the like)
      const folders = () => readdirSync('/proc/self/fd').filter((fd) => { try { return fstatSync(Number(fd)).isDirectory(); } catch { return false; } });
      const before = new Set(folders());
      const r = await scan({ root: process.argv[1], depth: 1, zone: 'UTC', threads: 0 });
      process.stdout.write(JSON.stringify({
        files: r.totals.files, audio: r.totals.audioFiles, seconds: r.totals.audioMicros / 1e6,
        unreadable: r.totals.unreadableFiles, bytes: readCost.pathBytes, anchors: readCost.anchorsOpened,
        foldersLeft: folders().filter((fd) => !before.has(fd)).length,
      }));`;
    const env: NodeJS.ProcessEnv = { ...process.env, LEAKTALLY_NO_ADDON: addon ? undefined : '1' };
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, root], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as ReturnType<typeof readCostOf>;
  };

  it("a file at every level of 3,000: every one read, and the readers' lookups grow linearly with depth", async () => {
    const call = wav({ tag: 7, dataBytes: 800 }); // 0.1 s of µ-law at 8 kHz
    const trees = [750, 3000].map((levels) => {
      const root = tempDir();
      deepTree(root, levels, 'dd', () => true, call, call);
      return { root, levels };
    });
    for (const addon of [true, false]) {
      const [small, large] = trees.map(({ root, levels }) => {
        const c = readCostOf(root, addon);
        // every level's file and the deepest: read, not merely found
        expect(c.files, `${levels} levels`).toBe(levels + 1);
        expect(c.audio).toBe(levels + 1);
        expect(c.seconds).toBeCloseTo((levels + 1) * 0.1, 6);
        expect(c.unreadable).toBe(0);
        // one anchor per 32 levels, each opened once (not once per file), and none left open
        expect(c.anchors).toBeGreaterThanOrEqual(Math.floor(levels / 32) - 1);
        expect(c.anchors).toBeLessThanOrEqual(Math.ceil(levels / 32));
        expect(c.foldersLeft).toBe(0);
        return c;
      });
      // linear: ×4 for four times the depth; from the root every time it was ×16 (sum of the depths)
      expect(large!.bytes / small!.bytes, addon ? 'addon' : 'pure Node').toBeLessThan(6);
      expect(large!.bytes / small!.bytes).toBeGreaterThan(3);
      // and small in itself: about a name's worth per level, where the root's route handed 9 MB
      expect(large!.bytes).toBeLessThan(3000 * 200);
    }
    // the reader threads' own anchors: the same figures at 2 threads
    const r = await scan(cfg(trees[1]!.root, { threads: 2 }));
    expect(r.totals.files).toBe(3001);
    expect(r.totals.audioFiles).toBe(3001);
    expect(r.totals.audioMicros / 1e6).toBeCloseTo(300.1, 6);
    expect(r.unreadableFolders).toBe(0);
  });

  itWith(['strace'], 'no path of more than a few names is handed to the kernel, by any thread (strace)', (ctx) => {
    // the same claim judged outside the code: every path any thread of the scan opens, as the kernel got it
    const root = tempDir();
    deepTree(root, 2000, 'dd', () => true, wav({ tag: 7, dataBytes: 800 }), wav({ tag: 7, dataBytes: 800 }));
    const trace = join(tempDir(), 'trace');
    const r = spawnSync(
      'strace',
      [
        '-f',
        '-qq',
        '-e',
        'trace=open,openat,openat2',
        '-s',
        '100000',
        '-o',
        trace,
        process.execPath,
        CLI,
        root,
        '--json',
        '-',
      ],
      { encoding: 'utf8', env: { ...process.env, CI: '1' } },
    );
    if (r.status !== 0 && /ptrace|Operation not permitted/.test(r.stderr))
      return unavailable(ctx, 'ptrace is not allowed here');
    expect(r.status, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).totals.files).toBe(2001);
    const paths = [...readFileSync(trace, 'utf8').matchAll(/open(?:at2?)?\((?:[^,"]*, )?"((?:[^"\\]|\\.)*)"/g)].map(
      (m) => m[1]!,
    );
    const ours = paths.filter((p) => p.includes('/dd/') || p.startsWith('dd/') || p.startsWith('call-'));
    // every file and anchor in the tree was opened, and none by a path of more than ~40 names (from the
    // root, the deepest file's path is 2,000 names, 6 KB)
    expect(ours.length).toBeGreaterThan(2000);
    const longest = Math.max(...ours.map((p) => p.length));
    expect(longest).toBeLessThan(root.length + 40 * 3 + 64);
    const total = ours.reduce((n, p) => n + p.length, 0);
    expect(total).toBeLessThan(2000 * 250); // from the root: 6 MB
  });

  it('a 1,500-deep tree of 255-byte names (380 KB paths) scans whole at 0 and 2 threads', async () => {
    const root = tempDir();
    deepTree(root, 1500, 'd'.repeat(255), (l) => l % 500 === 0, wav({ tag: 7, dataBytes: 8000 }));
    for (const threads of [0, 2]) {
      const r = await scan(cfg(root, { threads }));
      expect(r.unreadableFolders).toBe(0);
      expect(r.totals.files).toBe(4);
      expect(r.totals.audioFiles).toBe(1);
      expect(r.customers.map((c) => c.customer)).toEqual(['cust']);
    }
  });
});

/** Make a small tmpfs with strict access times (every read moves an atime), or say why not. */
function strictMount(): { dir: string; skip?: undefined } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'mounting a strictatime tmpfs needs root' };
  const dir = join(tempDir(), 'mnt');
  mkdirSync(dir);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'strictatime,size=8m,mode=0755', 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (m.status !== 0) return { skip: `cannot mount a tmpfs here: ${m.stderr.trim()}` };
  mounts.push(dir);
  return { dir };
}
const mounts: string[] = [];
afterAll(() => {
  for (const d of mounts) spawnSync('umount', [d]);
});

const OLD = new Date('2001-02-03T04:05:06Z');

/** every folder and file below root with its atime set to OLD */
function ageTree(root: string): string[] {
  const all: string[] = [];
  const go = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) go(p);
      all.push(p);
    }
  };
  go(root);
  all.push(root);
  for (const p of all) utimesSync(p, OLD, lstatSync(p).mtime);
  return all;
}
const moved = (paths: string[]): string[] => paths.filter((p) => statSync(p).atimeMs !== OLD.getTime());

describe('access times (a strictatime tmpfs)', () => {
  it('listing folders and reading files moves no atime', async (ctx) => {
    const m = strictMount();
    if (m.skip !== undefined) return needsRoot(ctx, m.skip);
    put(m.dir, 'kund/2019/01/a.wav', wav({ tag: 7, dataBytes: 8000 }));
    put(m.dir, 'kund/2019/02/b.wav', wav({ tag: 6, dataBytes: 8000 }));
    put(m.dir, 'other/c.txt', 'x');
    // 40 folders down: read below a folder its reader holds open (anchors.ts), at 2 threads and at 0
    put(m.dir, `kund/${'d/'.repeat(40)}deep.wav`, wav({ tag: 7, dataBytes: 8000 }));
    const all = ageTree(m.dir);
    for (const threads of [2, 0]) {
      const r = await scan(cfg(m.dir, { threads }));
      expect(r.totals.files).toBe(4);
      expect(r.totals.audioFiles).toBe(3);
      expect(moved(all)).toEqual([]);
      expect(r.noatime).toEqual({ folders: true, filesRefused: 0 });
    }
  });

  it('without the listing addon: said once on stderr and in the JSON; --strict-evidence refuses before reading', (ctx) => {
    const m = strictMount();
    if (m.skip !== undefined) return needsRoot(ctx, m.skip);
    put(m.dir, 'kund/a.wav', wav({ tag: 7, dataBytes: 8000 }));
    put(m.dir, 'kund/sub/b.wav', wav({ tag: 7, dataBytes: 8000 }));
    put(m.dir, `kund/${'d/'.repeat(40)}deep.wav`, wav({ tag: 7, dataBytes: 8000 })); // through /proc/self/fd
    const env = { ...process.env, CI: '1', TZ: 'UTC', LEAKTALLY_NO_ADDON: '1' };
    const all = ageTree(m.dir);
    const strict = runCli([m.dir, '--strict-evidence', '--csv', '-'], { env });
    expect(strict.status).toBe(2);
    expect(strict.stdout).toBe('');
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toMatch(/--strict-evidence: folders cannot be listed without moving their access times/);
    expect(moved(all)).toEqual([]);
    const r = runCli([m.dir, '--json', '-'], { env });
    expect(r.status).toBe(0);
    expect(parseSummary(r.stdout).atimes_kept).toEqual({ folders: false, files_not_kept: 0 });
    expect(r.stderr.match(/without O_NOATIME/g)).toHaveLength(1);
  });

  it('as a user who owns neither folders nor files: said once and counted; --strict-evidence refuses before reading', (ctx) => {
    const m = strictMount();
    if (m.skip !== undefined) return needsRoot(ctx, m.skip);
    put(m.dir, 'kund/a.wav', wav({ tag: 7, dataBytes: 8000 }));
    put(m.dir, 'kund/b.wav', wav({ tag: 7, dataBytes: 8000 }));
    const user = unprivileged(m.dir);
    if (user.skip !== undefined) return unavailable(ctx, user.skip);
    const all = ageTree(m.dir);
    const strict = user.run([m.dir, '--strict-evidence', '--csv', '-']);
    expect(strict.status).toBe(2);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toMatch(/--strict-evidence: the folder \. is not yours/);
    expect(moved(all)).toEqual([]);
    const r = user.run([m.dir, '--json', '-']);
    expect(r.status).toBe(0);
    const j = parseSummary(r.stdout);
    expect(j.totals.files).toBe(2);
    expect(j.atimes_kept).toEqual({ folders: false, files_not_kept: 2 });
    expect(r.stderr.match(/without O_NOATIME/g)).toHaveLength(1);
    expect(r.stderr.match(/2 files are not yours/g)).toHaveLength(1);
  });
});

describe('everything not counted is counted somewhere', () => {
  it('an unreadable customer folder is not an empty one; a file that cannot be opened is unreadable with its size', (ctx) => {
    const root = tempDir();
    put(root, 'ok/a.ul', Buffer.alloc(8000));
    put(root, 'ok/secret.ul', Buffer.alloc(8000));
    put(root, 'ok/secret.txt', 'xyz');
    put(root, 'ok/deeper/locked/b.ul', Buffer.alloc(8000));
    put(root, 'locked/b.ul', Buffer.alloc(8000));
    mkdirSync(join(root, 'empty'));
    chmodSync(join(root, 'ok/secret.ul'), 0o000);
    chmodSync(join(root, 'ok/secret.txt'), 0o000);
    chmodSync(join(root, 'locked'), 0o000);
    chmodSync(join(root, 'ok/deeper/locked'), 0o000);
    const user = unprivileged(root);
    const unlock = (): void => {
      chmodSync(join(root, 'locked'), 0o755);
      chmodSync(join(root, 'ok/deeper/locked'), 0o755);
    };
    if (user.skip !== undefined) {
      unlock();
      return unavailable(ctx, user.skip);
    }
    const csv = user.run([root, '--csv', '-']);
    const json = user.run([root, '--json', '-']);
    unlock();
    expect(csv.status).toBe(3); // two folders could not be read: incomplete
    const rows = csvObjects(csv.stdout);
    expect(rows.find((x) => x.customer === 'ok')).toMatchObject({
      files: '3',
      audio_files: '1',
      unreadable_files: '2',
      other_files: '0',
      bytes: '16003',
      unreadable_folders: '1',
    });
    // not read: its figures are empty, not 0, and it says why; an empty folder read whole is 0 and complete
    expect(rows.find((x) => x.customer === 'locked')).toMatchObject({
      files: '',
      unreadable_folders: '1',
      completeness: 'incomplete: 1 folder that could hold its files could not be read',
    });
    expect(rows.find((x) => x.customer === 'empty')).toMatchObject({
      files: '0',
      unreadable_folders: '0',
      completeness: 'complete',
    });
    const j = parseSummary(json.stdout);
    expect(j.customers.find((c) => c.customer === 'locked')?.unreadable_folders).toBe(1);
    expect(j.totals.unreadable_folders).toBe(2);
  });
});

describe('sparse files', () => {
  it('counted at their size, with a count per customer in the JSON and a note in the manifest', (ctx) => {
    const root = tempDir();
    put(root, 'kund/a.ul', Buffer.alloc(8000, 0x55));
    put(root, 'kund/hole.ul', '');
    truncateSync(join(root, 'kund/hole.ul'), 4 * 1024 * 1024);
    const st = statSync(join(root, 'kund/hole.ul'));
    if (st.blocks * 512 >= st.size) return unavailable(ctx, 'this file system does not make sparse files');
    const out = tempDir();
    const r = runCli([root, '--json', join(out, 's.json'), '--files', join(out, 'm.csv')]);
    expect(r.status).toBe(0);
    const j = parseSummary(readFile(join(out, 's.json')));
    expect(j.customers[0]).toMatchObject({
      customer: 'kund',
      files: 2,
      sparse_files: 1,
      bytes: 8000 + 4 * 1024 * 1024,
    });
    const m = csvObjects(readFile(join(out, 'm.csv')));
    expect(m.find((x) => x.path === 'kund/hole.ul')!.error).toMatch(/sparse/);
    expect(m.find((x) => x.path === 'kund/a.ul')!.error).toBe('');
  });
});

const readFile = (p: string): string => readFileSync(p, 'utf8');
