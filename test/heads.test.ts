/**
 * The reader threads' batch reads (native/readheads.c through read/heads.ts) against the pure-Node
 * reads they replace: the same bytes and facts per file, the same scan results, inline or with reads
 * in flight.
 */
import { describe, expect, it } from 'vitest';
import {
  lstatSync,
  closeSync,
  cpSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { addon } from '../dist/scan/walk/listdir.js';
import { BatchHeads } from '../dist/scan/read/heads.js';
import { LEAK, ROOT, SAMPLES, put, tempDir, wav } from './helpers.js';
import { itWith, type Feature } from './needs.js';

/** the folder-listing and head-reading addon, which `npm ci` builds with the C toolchain */
const ADDON: Feature = {
  what: 'the native addon (build/Release/listdir.node)',
  ok: () => !!addon,
  apt: 'g++ make python3',
};

const SLOT = 16 * 1024;
/** figures per file in readheads' meta (native/readheads.c: status, fd, size, mtime s and ns, bytes read, refused, allocated, dev, ino, ctime s and ns) */
const META = 12;

/** A tree with every kind of file the readers meet: small and large, sparse, empty, linked, special, missing. */
function mixedTree(): { root: string; rels: string[] } {
  const root = tempDir();
  cpSync(join(SAMPLES, 'codecs'), join(root, 'kund/codecs'), { recursive: true });
  put(root, 'kund/empty.wav', '');
  put(root, 'kund/exactly16k.bin', Buffer.alloc(SLOT, 7));
  put(root, 'kund/over16k.bin', Buffer.alloc(SLOT + 1, 9));
  const sparse = put(root, 'kund/sparse.wav', wav({ tag: 7, dataBytes: 10 }));
  truncateSync(sparse, 50_000_000);
  linkSync(sparse, join(root, 'kund/sparse-link.wav'));
  symlinkSync('empty.wav', join(root, 'kund/symlink.wav'));
  execFileSync('mkfifo', [join(root, 'kund/fifo.wav')]);
  mkdirSync(join(root, 'kund/folder.wav'));
  const names = readdirSync(join(root, 'kund/codecs'));
  const rels = [
    ...names.map((n) => `kund/codecs/${n}`),
    'kund/empty.wav',
    'kund/exactly16k.bin',
    'kund/over16k.bin',
    'kund/sparse.wav',
    'kund/sparse-link.wav',
    'kund/symlink.wav',
    'kund/fifo.wav',
    'kund/folder.wav',
    'kund/missing.wav',
  ];
  return { root, rels };
}

describe('batch reads (native/readheads.c)', () => {
  itWith(
    [ADDON],
    'read each file as fs would: the head, size and mtime; what it cannot read is left to probeFile',
    () => {
      const { root, rels } = mixedTree();
      const heads = new BatchHeads(Buffer.from(root + '/'), 1);
      const got = heads.read(rels.map((r) => Buffer.from(r, 'latin1')));
      expect(got).toHaveLength(rels.length);
      rels.forEach((rel, i) => {
        const r = got[i];
        const special = /symlink|fifo|folder|missing/.test(rel);
        if (special) {
          expect(r, rel).toBeUndefined();
          return;
        }
        expect(r, rel).toBeDefined();
        const fd = openSync(join(root, rel), 'r');
        const st = fstatSync(fd);
        const head = Buffer.alloc(SLOT);
        const n = st.size === 0 ? 0 : readSync(fd, head, 0, st.size <= SLOT ? st.size : 4096, 0);
        closeSync(fd);
        expect(r!.size, rel).toBe(st.size);
        expect(r!.mtimeMs, rel).toBe(st.mtimeMs);
        expect(r!.allocated, rel).toBe(st.blocks * 512); // a sparse file's claims are judged on these
        expect(Buffer.compare(r!.head, head.subarray(0, n)), rel).toBe(0);
        // the whole file in the head: closed already; else left open for further reads
        expect(r!.fd >= 0, rel).toBe(st.size > SLOT);
        expect(r!.refused).toBe(false);
      });
      heads.release();
      for (const r of got) if (r) expect(r.fd).toBe(-1);
    },
  );

  itWith([ADDON], 'give the same with reads in flight on helper threads as on the calling thread', () => {
    const { root, rels } = mixedTree();
    const many = [...rels, ...rels, ...rels];
    const rootBytes = Buffer.from(root + '/');
    const run = (threads: number, parallel: boolean) => {
      const heads = Buffer.alloc(many.length * SLOT);
      const meta = new Float64Array(many.length * META);
      const [, used] = addon!.readheads(
        rootBytes,
        Buffer.from(many.join('\0'), 'latin1'),
        heads,
        meta,
        threads,
        parallel,
      );
      for (let i = 0; i < many.length; i++)
        if (meta[i * META] === 0 && meta[i * META + 1]! >= 0) addon!.closefd(meta[i * META + 1]!);
      for (let i = 0; i < many.length; i++) meta[i * META + 1] = meta[i * META + 1]! >= 0 ? 1 : -1; // descriptors differ
      return { heads, meta: [...meta], used };
    };
    const inline = run(1, false);
    const parallel = run(8, true);
    expect(inline.used).toBe(false);
    expect(parallel.used).toBe(true);
    expect(parallel.meta).toEqual(inline.meta);
    // device and inode, as lstat gives them (a case file knows a file again by them on resume)
    for (let i = 0; i < rels.length; i++) {
      if (inline.meta[i * META] !== 0) continue; // left to the caller (missing, not a regular file it could read)
      const st = lstatSync(join(root, rels[i]!));
      expect([inline.meta[i * META + 8], inline.meta[i * META + 9]]).toEqual([st.dev, st.ino]);
    }
    for (let i = 0; i < many.length; i++) {
      const n = inline.meta[i * META + 5]!;
      expect(
        Buffer.compare(parallel.heads.subarray(i * SLOT, i * SLOT + n), inline.heads.subarray(i * SLOT, i * SLOT + n)),
      ).toBe(0);
    }
  });

  itWith([ADDON], 'read a cached batch on the calling thread, judging blocked reads file by file', () => {
    // A batch is sent to helper threads only when most of its first files blocked (each timed on its
    // own). Judged by the batch's mean, one file whose thread the scheduler paused for a few ms made a
    // cached batch look cold, and a scan on 2 cores started 7 threads for every batch of 128 files.
    const root = tempDir();
    const rels = Array.from({ length: 128 }, (_, i) => `kund/f${i}.ul`);
    for (const rel of rels) put(root, rel, Buffer.alloc(800, 0xff));
    const rootBytes = Buffer.from(root + '/');
    const heads = Buffer.alloc(rels.length * SLOT);
    const meta = new Float64Array(rels.length * META);
    const joined = Buffer.from(rels.join('\0'), 'latin1');
    const runs = Array.from({ length: 10 }, () => addon!.readheads(rootBytes, joined, heads, meta, 8, false));
    for (const [, , blocked] of runs) {
      expect(Number.isInteger(blocked)).toBe(true);
      expect(blocked).toBeGreaterThanOrEqual(0);
      expect(blocked).toBeLessThanOrEqual(rels.length);
    }
    // cached: at most a stray batch goes parallel, and a cached batch's blocked files are few
    expect(runs.filter(([, used]) => used).length).toBeLessThanOrEqual(2);
    const shares = runs.map(([, , blocked]) => blocked / rels.length).sort((a, b) => a - b);
    expect(shares[5]).toBeLessThan(0.25);
    // a batch read in parallel reports its files' blocked count too (the next batch's choice)
    const [, used, blocked] = addon!.readheads(rootBytes, joined, heads, meta, 8, true);
    expect(used).toBe(true);
    expect(blocked).toBeLessThan(rels.length / 4);
  });

  it('a scan gives exactly the same result with the addon and without it, for 0 and 2 threads', () => {
    const { root } = mixedTree();
    execFileSync('cp', ['-a', LEAK, join(root, 'leak')]); // (names that are not UTF-8: not through a string)
    const script = `
      const { scan } = await import(${JSON.stringify(join(ROOT, 'dist/scan/engine.js'))});
      const out = [];
      for (const threads of [0, 2]) {
        const r = await scan({ root: process.argv[2], depth: 1, zone: 'Europe/Stockholm', threads });
        out.push({ customers: r.customers.map(({ callers, ...c }) => c), totals: { ...r.totals, callers: undefined }, noatime: r.noatime });
      }
      process.stdout.write(JSON.stringify(out));`;
    const file = join(tempDir(), 'scan.mjs');
    writeFileSync(file, script);
    const run = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [file, root], { encoding: 'utf8', env, timeout: 120_000 });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as unknown[];
    };
    const withAddon = run({ ...process.env });
    const without = run({ ...process.env, LEAKTALLY_NO_ADDON: '1' });
    expect(withAddon[1]).toEqual(withAddon[0]);
    // (without the addon folders are listed without O_NOATIME, and the result says so)
    const counts = (r: unknown) => ({ ...(r as object), noatime: undefined });
    expect(counts(without[0])).toEqual(counts(withAddon[0]));
    expect(counts(without[1])).toEqual(counts(withAddon[0]));
    expect((without[0] as { noatime: unknown }).noatime).toEqual({ folders: false, filesRefused: 0 });
  });
});
