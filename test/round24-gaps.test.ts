/**
 * Round 23b's part-B leftovers on what the outputs say about gaps, each reproduced on a tree made here
 * and the built CLI (or the built modules):
 *  1. a run whose only gap was a row's own files (an archive, an encrypted copy, a hard link to a file
 *     counted in another customer's folder: round 23b H2, H3) exited 0 while that row said
 *     "incomplete"; every other incomplete run exits 3.
 *  2. a row with recordings AND an archive or encrypted file (which may hold more of its calls) said
 *     "complete" and precision "exact", its statement "every file of this controller … counted".
 *  3. the UI's rows did not pass that judgement of a row's own files: a row holding only calls.zip
 *     was complete on screen while its statement said CANNOT BE RULED OUT.
 *  4. a folder met again through a bind mount (one device and inode at two paths) was a "folder not
 *     read", its row incomplete, though its files were counted under the first path. Needs root
 *     (mount --bind); skipped otherwise.
 *  5. the readers without the addon (and for what it leaves), and the addon's readers in a tree deeper
 *     than 32 folders, opened a path whole: a folder swapped for a link in its middle during the scan
 *     was followed out of the tree. The swaps are made before the read, as round 23b's are.
 */
import { describe, expect, it } from 'vitest';
import { linkSync, mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'vitest';
import { needsRoot } from './needs.js';
import { join } from 'node:path';
import { csvObjects, htmlText, parseSummary, put, runCli, tempDir, wav } from './helpers.js';
import { Scanner } from '../dist/scan/engine.js';
import { runGaps, gapPhrases } from '../dist/report/notify/completeness.js';
import { notifyReport } from '../dist/report/notify/notify.js';
import { parseRegister } from '../dist/report/notify/register.js';
import { ControllerRows, judgeRow } from '../dist/tui/controllers.js';
import { BatchHeads } from '../dist/scan/read/heads.js';
import { addon } from '../dist/scan/walk/listdir.js';
import { makeContext, processFile } from '../dist/scan/read/record.js';
import { itWith, type Feature } from './needs.js';

/** a WAV of n seconds, 8 kHz 16-bit mono PCM */
const secs = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 16, dataBytes: 16000 * n });
/** the head of a ZIP archive (what an archive of a customer's calls looks like to the probe: other) */
const zip = (): Buffer => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]);

/** A register of these keys, each its own controller ("<key> AB"). */
function register(dir: string, keys: string[]): string {
  return put(dir, 'reg.csv', `key,controller\n${keys.map((k) => `${k},${k} AB`).join('\n')}\n`);
}

/** The run's CSV rows, JSON summary, exit code and stderr. */
function run(root: string, extra: string[] = []) {
  const out = tempDir();
  const r = runCli([root, '--csv', join(out, 's.csv'), '--json', join(out, 's.json'), ...extra]);
  const read = r.status === 0 || r.status === 3;
  const rows = read ? csvObjects(readFileSync(join(out, 's.csv'), 'utf8')) : [];
  return {
    r,
    row: (key: string) => rows.find((x) => x.customer === key || x.controller === key),
    json: read ? parseSummary(readFileSync(join(out, 's.json'), 'utf8')) : undefined,
  };
}

describe('1: a row incomplete only for its own files makes the run incomplete (exit 3)', () => {
  /** an archive, an encrypted copy, a hard link: each alone in a folder beside one with recordings */
  const trees: [string, (root: string) => void][] = [
    ['an archive', (root) => put(root, 'beta/2024/calls.zip', zip())],
    ['an encrypted file', (root) => put(root, 'beta/2024/call1.wav.gpg', Buffer.alloc(5000, 0xa5))],
    [
      'a hard link to a file counted in another folder',
      (root) => {
        mkdirSync(join(root, 'beta/2024'), { recursive: true });
        linkSync(join(root, 'acme/2024/call.wav'), join(root, 'beta/2024/call.wav'));
      },
    ],
  ];
  for (const [what, make] of trees)
    for (const withRegister of [false, true])
      it(`${what}${withRegister ? ', with a register' : ''}: exit 3, one line saying why; --allow-incomplete 0`, () => {
        const base = tempDir();
        const root = join(base, 'tree');
        // acme is read first (the walk's order is by name), so that a hard link is counted there
        put(root, 'acme/2024/call.wav', secs(2));
        make(root);
        const reg = withRegister ? ['--register', register(base, ['acme', 'beta'])] : [];
        const { r, row, json } = run(root, reg);
        expect(r.status).toBe(3);
        const beta = row(withRegister ? 'beta AB' : 'beta')!;
        expect(beta.completeness).toMatch(/^incomplete: 1 (other file|file of its folder)/);
        expect(row(withRegister ? 'acme AB' : 'acme')!.completeness).toBe('complete');
        // the run, as every other gap: one line on stderr, the total row and the JSON's run incomplete
        const line = r.stderr.split('\n').filter((l) => l.startsWith('leaktally: incomplete'));
        expect(line).toEqual([
          expect.stringMatching(
            /^leaktally: incomplete: 1 row of the summary holds files not counted as recordings that may hold some .*\(exit 3; --allow-incomplete exits 0\)$/,
          ),
        ]);
        // the controller's name is not written where a controller reads (the CSV cell holds counts only)
        expect(row('(total)')!.completeness).toMatch(
          /^incomplete: 1 row of the summary holds files not counted as recordings/,
        );
        expect(json!.completeness).toMatch(/^incomplete: 1 row of the summary holds files not counted as recordings/);
        expect(run(root, [...reg, '--allow-incomplete']).r.status).toBe(0);
      });

  /** logs and notes beside recordings are no gap: the run stays complete (exit 0) */
  it('a row with recordings and a text file: complete, exit 0', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme/2024/call.wav', secs(2));
    put(root, 'acme/2024/notes.txt', 'called back on Monday\n');
    const { r, row } = run(root);
    expect(r.status).toBe(0);
    expect(row('acme')!.completeness).toBe('complete');
  });
});

describe('2: a row with recordings and an archive or encrypted file is a lower bound', () => {
  /**
   * acme: 2 s of calls and calls.zip; beta: 2 s of calls and call1.wav.gpg; gamma: 2 s of calls beside
   * a note, a log, a picture and an empty file (no recording can be in them).
   * Every output says the same of each: acme and beta incomplete and lower bounds, gamma exact.
   */
  it('the CSV, the JSON, the statements and the case file agree; notes and pictures are no gap', () => {
    const base = tempDir();
    const root = join(base, 'tree');
    for (const c of ['acme', 'beta', 'gamma']) put(root, `${c}/2024/call.wav`, secs(2));
    put(root, 'acme/2024/calls.zip', zip());
    put(root, 'beta/2024/call1.wav.gpg', Buffer.alloc(5000, 0xa5));
    put(root, 'gamma/2024/notes.txt', 'called back on Monday\n');
    put(root, 'gamma/2024/pbx.log', 'line 1\n');
    put(root, 'gamma/2024/scan.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]));
    put(root, 'gamma/2024/empty.bin', '');
    const reg = register(base, ['acme', 'beta', 'gamma']);
    const out = tempDir();
    const db = join(out, 'x.case');
    const r = runCli([
      root,
      '--register',
      reg,
      '--case',
      db,
      '--csv',
      join(out, 's.csv'),
      '--json',
      join(out, 's.json'),
      '--statements',
      join(out, 'st'),
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/leaktally: incomplete: 2 rows of the summary hold files not counted as recordings/);
    const csv = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
    const json = parseSummary(readFileSync(join(out, 's.json'), 'utf8'));
    // the stored case, reported again (--from): the same judgement (placeRecord is pure)
    const again = runCli(['--from', db, '--register', reg, '--csv', join(out, 'from.csv')]);
    expect(again.status).toBe(3);
    const from = csvObjects(readFileSync(join(out, 'from.csv'), 'utf8'));
    for (const k of ['acme', 'beta']) {
      const want =
        'incomplete: 1 other file (archives, encrypted or unknown formats) was not opened as recordings; it may hold some';
      expect(csv.find((x) => x.customer === k)!.completeness).toBe(want);
      expect(from.find((x) => x.customer === k)!.completeness).toBe(want);
      const row = json.customers.find((c) => c.customer === k)!;
      expect(row.completeness).toBe(want);
      expect(row.audio_files).toBe(1);
      const text = htmlText(readFileSync(join(out, 'st', `${k} AB.html`), 'utf8'));
      // the form's tag beside the number of recordings (before: "exact", "every file … counted")
      expect(text).toMatch(/Precision of the number of recordings lower bound files that may hold recordings/);
      expect(text).not.toMatch(/every file of this controller in the copy was read and counted|Not affected/);
      expect(text).toMatch(/LOWER BOUNDS: 1 other file \(archives, encrypted or unknown formats\)/);
    }
    const gamma = json.customers.find((c) => c.customer === 'gamma')!;
    expect(gamma.completeness).toBe('complete');
    expect(gamma.other_files).toBe(4);
    expect(from.find((x) => x.customer === 'gamma')!.completeness).toBe('complete');
    const text = htmlText(readFileSync(join(out, 'st', 'gamma AB.html'), 'utf8'));
    expect(text).toMatch(/Precision of the number of recordings exact every file of this controller in the copy/);
  });
});

describe('3: the UI judges its rows as the exports do', () => {
  /** acme: calls; beta: calls.zip alone; gamma: calls and calls.zip; delta: calls and a note */
  async function scanned() {
    const root = join(tempDir(), 'tree');
    for (const c of ['acme', 'gamma', 'delta']) put(root, `${c}/2024/call.wav`, secs(2));
    put(root, 'beta/2024/calls.zip', zip());
    put(root, 'gamma/2024/calls.zip', zip());
    put(root, 'delta/2024/notes.txt', 'called back\n');
    return new Scanner({ root, depth: 1, zone: 'UTC', threads: 0 }).run();
  }
  const WANT: Record<string, boolean> = { acme: true, beta: false, gamma: false, delta: true };

  it('without a register: each table row is the export’s row, complete or not, for the same reasons', async () => {
    const result = await scanned();
    const gaps = runGaps(result);
    const exported = notifyReport(result).rows;
    for (const [name, complete] of Object.entries(WANT)) {
      const row = result.customers.find((c) => c.customer === name)!;
      const shown = judgeRow(gaps, row);
      expect(shown.complete, name).toBe(complete);
      const ex = exported.find((r) => r.label === name)!.completeness!;
      expect(gapPhrases(shown)).toEqual(gapPhrases(ex));
    }
  });

  it('with a register: each controller’s row on screen is the export’s', async () => {
    const result = await scanned();
    const register = parseRegister(
      `key,controller\n${Object.keys(WANT)
        .map((k) => `${k},${k} AB`)
        .join('\n')}\n`,
    );
    const gaps = runGaps(result, register);
    const exported = notifyReport(result, { register }).rows;
    const rows = new ControllerRows({ register }, false).update(result.customers, result);
    for (const [name, complete] of Object.entries(WANT)) {
      const row = rows.find((r) => r.customer === `${name} AB`)!;
      const shown = judgeRow(gaps, row);
      expect(shown.complete, name).toBe(complete);
      expect(gapPhrases(shown)).toEqual(gapPhrases(exported.find((r) => r.label === `${name} AB`)!.completeness!));
    }
  });
});

/** Run a command; false when it fails (no permission to mount: a container without CAP_SYS_ADMIN). */
const sh = (...args: string[]): boolean => spawnSync(args[0]!, args.slice(1), { stdio: 'ignore' }).status === 0;

/** Bind each [from, to] (paths below root), run f, unmount; skipped where mounting is not permitted. */
function withBinds(ctx: TestContext, root: string, binds: [string, string][], f: () => void): void {
  const made: string[] = [];
  try {
    for (const [from, to] of binds) {
      mkdirSync(join(root, to), { recursive: true });
      if (!sh('mount', '--bind', join(root, from), join(root, to)))
        return needsRoot(ctx, 'mount --bind is not permitted here');
      made.unshift(join(root, to));
    }
    f();
  } finally {
    for (const to of made) sh('umount', to);
  }
}

describe('4: a folder met again through a bind mount is a repeat of the first path, not a folder not read', () => {
  /**
   * acme's folder bound into itself (acme/loop) and acme/2024 bound at acme/old: one customer's
   * folders met twice. Its 60 s are counted once and the row is complete (exit 0); the manifest says
   * which path each repeat is; a case file reported again (--from) says the same. Before: two folders
   * "not read", acme incomplete, exit 3.
   */
  it('within one customer: counted once, the row complete, the repeat said in the manifest', (ctx) => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'acme/2024/long.wav', secs(60));
    put(root, 'beta/2024/b.wav', secs(2));
    withBinds(
      ctx,
      root,
      [
        ['acme', 'acme/loop'],
        ['acme/2024', 'acme/old'],
      ],
      () => {
        const db = join(base, 'x.case');
        const files = join(base, 'f.csv');
        const { r, row } = run(root, ['--files', files, '--case', db]);
        expect(r.stderr).not.toMatch(/incomplete/);
        expect(r.status).toBe(0);
        expect(Number(row('acme')!.audio_seconds)).toBeCloseTo(60, 0);
        expect(row('acme')!.completeness).toBe('complete');
        const manifest = readFileSync(files, 'utf8');
        const said = manifest.match(
          /the same folder as [^,"]* \(a bind mount or a loop\): its files are counted there, once/g,
        );
        expect(said).toHaveLength(2);
        expect(manifest).not.toMatch(/could not be read/);
        const from = runCli(['--from', db, '--csv', join(base, 'from.csv')]);
        expect(from.status).toBe(0);
        const again = csvObjects(readFileSync(join(base, 'from.csv'), 'utf8'));
        expect(again.find((x) => x.customer === 'acme')!.completeness).toBe('complete');
      },
    );
  });

  /**
   * acme/2024 bound at beta/archive: the files are counted under whichever path the walk met first;
   * the other customer's row does not hold them and stays incomplete (exit 3), and what its folder
   * is, is said: the same folder as the first path, counted there.
   */
  it('across two customers: the second row incomplete, its folder said to be the first’s', (ctx) => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'acme/2024/long.wav', secs(60));
    put(root, 'beta/2024/b.wav', secs(2));
    withBinds(ctx, root, [['acme/2024', 'beta/archive']], () => {
      const files = join(base, 'f.csv');
      const { r, row } = run(root, ['--files', files]);
      expect(r.status).toBe(3);
      expect(Number(row('(total)')!.audio_seconds)).toBeCloseTo(62, 0);
      const incomplete = ['acme', 'beta'].filter((k) => row(k)!.completeness !== 'complete');
      expect(incomplete).toHaveLength(1);
      expect(readFileSync(files, 'utf8')).toMatch(
        /could not be read \(the same folder as (acme\/2024|beta\/archive), counted there \(a bind mount or a loop\)\)/,
      );
    });
  });
});

const ADDON: Feature = {
  what: 'the native addon (build/Release/listdir.node)',
  ok: () => !!addon,
  apt: 'g++ make python3',
};

/** swap the folder at path for a symbolic link to target (the folder itself kept beside it) */
function swap(path: string, target: string): void {
  renameSync(path, path + '.moved');
  symlinkSync(target, path);
}

/** what reading the file at rel (below root) without the addon comes to: the JavaScript route */
async function readByJs(root: string, rel: string) {
  const ctx = makeContext({ root, depth: 1, zone: 'UTC', threads: 1 });
  try {
    return await processFile(ctx, Buffer.from(rel));
  } finally {
    ctx.anchors.close();
  }
}

const CHANGED = { kind: 'unreadable', bytes: 0, unopened: true, error: 'changed during the scan: now a link' };

describe('5: a folder swapped for a link is not followed by any reader', () => {
  /**
   * Without the addon: cust/2024 (the file's folder) or cust (a name in the middle) swapped for a link
   * to a folder outside holding 100 s at the same names. Before: the outside file was read (100 s).
   */
  for (const which of ['cust/2024', 'cust'])
    it(`no addon: ${which} swapped for a link: unreadable, none of the outside seconds`, async () => {
      const base = tempDir();
      const root = join(base, 'tree');
      put(root, 'cust/2024/a.wav', secs(1));
      put(base, 'out/2024/a.wav', secs(100));
      swap(join(root, which), which === 'cust' ? join(base, 'out') : join(base, 'out/2024'));
      const rec = await readByJs(root, 'cust/2024/a.wav');
      expect(rec).toMatchObject(CHANGED);
      expect(rec.seconds).toBeUndefined();
    });

  it('no addon: an unswapped file is read as before', async () => {
    const root = join(tempDir(), 'tree');
    put(root, 'cust/2024/a.wav', secs(3));
    put(root, 'top.wav', secs(2));
    expect((await readByJs(root, 'cust/2024/a.wav')).seconds).toBeCloseTo(3, 3);
    expect((await readByJs(root, 'top.wav')).seconds).toBeCloseTo(2, 3);
  });

  /**
   * 40 folders deep: the readers open an anchor 32 names below the root, then the file below it. A
   * folder 5 names down (inside the anchor's chunk) swapped for a link to an outside copy of the rest
   * of the path holding 100 s. Before: the anchor was opened through the link, and the addon read the
   * outside file below it (size of 100 s, status read); the JavaScript route did the same.
   */
  const deep = () => {
    const base = tempDir();
    const root = join(base, 'tree');
    const names = Array.from({ length: 40 }, (_, i) => `n${i + 1}`);
    const rel = ['cust', ...names, 'a.wav'].join('/');
    put(root, rel, secs(1));
    put(join(base, 'out'), [...names.slice(5), 'a.wav'].join('/'), secs(100));
    swap(join(root, 'cust', ...names.slice(0, 5)), join(base, 'out'));
    return { root, rel };
  };

  itWith([ADDON], 'deeper than 32 folders, the addon: a link in the anchor’s chunk is not followed', () => {
    const { root, rel } = deep();
    const heads = new BatchHeads(Buffer.from(root + '/'), 1);
    const got = heads.read([Buffer.from(rel)]);
    heads.release();
    expect(got.map((r) => r?.linked)).toEqual([true]);
    expect(got.map((r) => r?.size)).toEqual([0]);
  });

  it('deeper than 32 folders, without the addon: the same', async () => {
    const { root, rel } = deep();
    const rec = await readByJs(root, rel);
    expect(rec).toMatchObject(CHANGED);
    expect(rec.seconds).toBeUndefined();
  });

  it('deeper than 32 folders, unswapped: read as before, by both routes', async () => {
    const base = tempDir();
    const root = join(base, 'tree');
    const rel = ['cust', ...Array.from({ length: 40 }, (_, i) => `n${i + 1}`), 'a.wav'].join('/');
    put(root, rel, secs(3));
    expect((await readByJs(root, rel)).seconds).toBeCloseTo(3, 3);
    if (!addon) return;
    const heads = new BatchHeads(Buffer.from(root + '/'), 1);
    const got = heads.read([Buffer.from(rel)]);
    heads.release();
    expect(got[0]?.linked).toBeFalsy();
    expect(got[0]?.size).toBe(secs(3).length);
  });
});
