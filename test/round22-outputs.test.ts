/**
 * Attack round 22b's findings on the evidence and the outputs, each reproduced on a tree made here and
 * the built CLI:
 *  - C1: an output named by a descriptor (/dev/fd/N, /proc/self/fd/N, /dev/stdout, -) open on a file of
 *    the tree was written into that recording;
 *  - C2: a folder below the root that can be listed but not searched ended the run with an internal
 *    error and no output;
 *  - C3: the paths of folders not read (a caller's number, a personal identity number) in the summary
 *    JSON and workbook, made 0644;
 *  - C4, L5, M1: a file given as a case file that is no SQLite database got a -journal file beside it
 *    (in the tree, when it was a recording); an existing 0644 case file stayed 0644;
 *  - C5: after the tree was moved, --from, --diff and --merge wrote their outputs into it.
 */
import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { put, runCli, tempDir, unprivileged } from './helpers.js';
import { unavailable } from './needs.js';
import { readXlsx } from './xlsx-read.js';

/** A WAV of 8-bit PCM at 8 kHz, mono, of n bytes of silence. */
function wav(n: number): Buffer {
  const b = Buffer.alloc(44 + n, 0x80);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(n, 40);
  return b;
}

/** A tree of three customers with two recordings each; returns its root. */
function tree(): string {
  const root = join(tempDir(), 'tree');
  for (const c of ['acme', 'beta', 'gamma']) for (const i of [1, 2]) put(root, `${c}/2024/call${i}.wav`, wav(8000));
  return root;
}

/** What can tell that a file was written: its bytes, size and times. */
const mark = (p: string): string => {
  const st = statSync(p);
  return `${readFileSync(p).toString('base64')} ${st.size} ${st.mtimeMs} ${st.ctimeMs}`;
};

describe('attack round 22b: outputs named by a descriptor', () => {
  for (const [flag, name] of [
    ['--csv', '/dev/fd/3'],
    ['--json', '/proc/self/fd/3'],
    ['--files', '/dev/fd/3'],
    ['--xlsx', '/dev/fd/3'],
  ] as const)
    it(`C1: ${flag} ${name} open on a recording of the tree is refused, the recording unchanged`, () => {
      const root = tree();
      const evidence = join(root, 'acme/2024/call1.wav');
      const before = mark(evidence);
      const fd = openSync(evidence, 'r+');
      try {
        // before: exit 0, the WAV's first bytes overwritten by the summary
        const r = runCli([root, flag, name], { stdio: ['ignore', 'pipe', 'pipe', fd] });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/refusing to write into the evidence tree/);
      } finally {
        closeSync(fd);
      }
      expect(mark(evidence)).toBe(before);
    });

  for (const name of ['-', '/dev/stdout'])
    it(`C1: --csv ${name} with stdout appended to a recording is refused, the recording unchanged`, () => {
      const root = tree();
      const evidence = join(root, 'beta/2024/call2.wav');
      const before = mark(evidence);
      const fd = openSync(evidence, 'a');
      try {
        const r = runCli([root, '--csv', name], { stdio: ['ignore', fd, 'pipe'] });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/refusing to write into the evidence tree/);
      } finally {
        closeSync(fd);
      }
      expect(mark(evidence)).toBe(before);
    });

  it('C1: a descriptor open on a file outside the tree is written as before', () => {
    const root = tree();
    const out = join(tempDir(), 's.csv');
    const fd = openSync(out, 'w');
    try {
      expect(runCli([root, '--csv', '/dev/fd/3'], { stdio: ['ignore', 'pipe', 'pipe', fd] }).status).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(out, 'utf8')).toMatch(/^\uFEFFcustomer,/);
  });
});

describe('attack round 22b: folders that cannot be searched or read', () => {
  it('C2: a folder that can be listed but not searched is a gap of its row, not an internal error', (ctx) => {
    const root = tree();
    const out = tempDir();
    chmodSync(out, 0o777);
    chmodSync(join(root, 'acme/2024'), 0o644);
    const user = unprivileged(root, out);
    if (user.skip !== undefined) return unavailable(ctx, user.skip);
    for (const threads of ['0', '2']) {
      const csv = join(out, `s${threads}.csv`);
      // before: "internal error: … a reader thread failed: EACCES … lstat", exit 1, nothing written
      const r = user.run([root, '--threads', threads, '--csv', csv]);
      expect(r.status, r.stderr).toBe(3);
      const acme = readFileSync(csv, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('"acme"'));
      expect(acme).toMatch(/incomplete/);
    }
  });

  it('C3: the summary JSON and workbook give the folders not read by number and reason, never by path', (ctx) => {
    const root = tree();
    mkdirSync(join(root, 'acme/+46701234567'));
    put(root, 'beta/19121212-1212/x.wav', wav(8000));
    chmodSync(join(root, 'acme/+46701234567'), 0o000);
    chmodSync(join(root, 'beta/19121212-1212'), 0o000);
    const out = tempDir();
    chmodSync(out, 0o777);
    const user = unprivileged(root, out);
    if (user.skip !== undefined) return unavailable(ctx, user.skip);
    const r = user.run([
      root,
      '--json',
      join(out, 's.json'),
      '--xlsx',
      join(out, 's.xlsx'),
      '--files',
      join(out, 'm.csv'),
    ]);
    expect(r.status, r.stderr).toBe(3);
    const json = readFileSync(join(out, 's.json'), 'utf8');
    // before: method.unreadable_folder_examples held both paths
    expect(json).not.toMatch(/46701234567|19121212/);
    expect(
      (JSON.parse(json) as { method: { unreadable_folder_reasons: unknown } }).method.unreadable_folder_reasons,
    ).toEqual({
      EACCES: 2,
    });
    // every cell of every sheet, read back independently of the library that wrote it
    const book = readXlsx(readFileSync(join(out, 's.xlsx')));
    const cells = [...book.cells.values()].flatMap((sheet) => [...sheet.values()].map((c) => String(c.value)));
    expect(book.sheets.join(',')).toMatch(/Method/);
    expect(cells.join('\n')).toMatch(/EACCES 2/);
    expect(cells.join('\n')).not.toMatch(/46701234567|19121212/);
    // the manifest (0600) is where the folders are named
    const manifest = readFileSync(join(out, 'm.csv'), 'utf8');
    expect(manifest).toMatch(/acme\/\+46701234567.*,folder,.*EACCES/);
    expect(statSync(join(out, 'm.csv')).mode & 0o077).toBe(0);
  });
});

describe('attack round 22b: case files', () => {
  it('C4, L5: --from, --diff and --merge of a file that is not a case file make nothing beside it', () => {
    const root = tree();
    const evidence = join(root, 'gamma/2024/call1.wav');
    const folder = join(root, 'gamma/2024');
    const before = `${statSync(folder).mtimeMs} ${statSync(folder).ctimeMs} ${readdirSync(folder).join(',')}`;
    for (const args of [
      ['--from', evidence, '--csv', join(tempDir(), 'x.csv')],
      ['--diff', evidence, '--csv', join(tempDir(), 'x.csv')],
      ['--merge', join(tempDir(), 'm.case'), evidence, evidence],
    ]) {
      const r = runCli(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/not a case file|not an SQLite database/);
    }
    // before: call1.wav-journal made in the folder, its times changed
    expect(`${statSync(folder).mtimeMs} ${statSync(folder).ctimeMs} ${readdirSync(folder).join(',')}`).toBe(before);
    // --case given a summary by mistake: refused, no journal beside it
    const dir = tempDir();
    writeFileSync(join(dir, 'report.csv'), 'customer,files\n');
    const r = runCli([root, '--case', join(dir, 'report.csv')]);
    expect(r.status).toBe(2);
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });

  it('M1: an existing case file readable by others is made 0600 before paths are written into it', () => {
    const root = tree();
    const dir = tempDir();
    const c = join(dir, 'c.case');
    writeFileSync(c, '');
    chmodSync(c, 0o644);
    expect(runCli([root, '--case', c]).status).toBe(0);
    expect(statSync(c).mode & 0o777).toBe(0o600);
  });

  it('C5: after the tree is moved, --from, --diff and --merge keep their outputs out of it', () => {
    const root = tree();
    const dir = tempDir();
    const c = join(dir, 'c.case');
    expect(runCli([root, '--case', c]).status).toBe(0);
    expect(runCli([root, '--case', c]).status).toBe(0);
    const moved = `${root}-moved`;
    renameSync(root, moved);
    const before = readdirSync(join(moved, 'acme')).join(',');
    for (const args of [
      ['--from', c, '--csv', join(moved, 'acme/x.csv')],
      ['--from', c, '--statements', join(moved, 'st')],
      ['--diff', c, '--csv', join(moved, 'acme/d.csv')],
    ]) {
      // before: exit 0, the outputs in the moved tree
      const r = runCli(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/refusing to write into the evidence tree/);
    }
    expect(readdirSync(join(moved, 'acme')).join(',')).toBe(before);
    expect(readdirSync(moved).sort()).toEqual(['acme', 'beta', 'gamma']);
    // a run of the tree where it is now compares with the run before the move: one tree by its root
    // folder's device and inode, not two trees by their paths
    expect(runCli([moved, '--case', c]).status).toBe(0);
    const d = runCli(['--diff', c, '--csv', join(dir, 'd.csv')]);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/0 files added, 0 removed/);
  });
});
