/**
 * Attack round 23b's findings on the notification's names, inputs and zeros, each reproduced on a
 * tree made here and the built CLI:
 *  - C3: an unreadable customer folder named like a register key but for an invisible format
 *    character or a leading zero left the key's controller "not affected";
 *  - H1: the same for a folder that was read and holds recordings (and for keys in file names);
 *  - C4: a --register or --facts file inside the evidence tree had its access time moved, even with
 *    --strict-evidence;
 *  - H2: a recording with a second name (a hard link) in another customer's folder left that
 *    customer's controller "not affected";
 *  - H3: a controller whose folder holds only an archive or an encrypted file got zeros called exact.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, parseSummary, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { unavailable } from './needs.js';

/** A WAV of 8-bit PCM at 8 kHz, mono, of n bytes (n / 8,000 s). */
const pcm8 = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 8, dataBytes: n });

/** A register of these keys, each its own controller ("<key> AB"). */
function register(dir: string, keys: string[]): string {
  return put(dir, 'reg.csv', `key,controller\n${keys.map((k) => `${k},${k} AB`).join('\n')}\n`);
}

/** The CSV's row of a key, the key's statement's text, and the exit code. */
function run(root: string, reg: string, extra: string[] = [], cli = runCli) {
  const out = tempDir();
  // written by the ordinary user too (C3's case)
  chmodSync(out, 0o777);
  const r = cli([root, '--register', reg, '--csv', join(out, 's.csv'), '--statements', join(out, 'st'), ...extra]);
  const rows = r.status === 0 || r.status === 3 ? csvObjects(readFileSync(join(out, 's.csv'), 'utf8')) : [];
  return {
    r,
    row: (key: string) => rows.find((x) => x.customer === key),
    statement: (key: string) => htmlText(readFileSync(join(out, 'st', `${key} AB.html`), 'utf8')),
  };
}

/** folder name → the register key it only looks like (round 23b's confusables not caught before) */
const LIKE: [string, string][] = [
  ['k2\u200B', 'k2'],
  ['k9\u200D', 'k9'],
  ['\u202Ek6', 'k6'],
  ['k7\u2060', 'k7'],
  ['k4.', 'k4'],
  ['k5 .', 'k5'],
  ['0812345007', '812345007'],
];

describe('C3, H1: a folder named like a key but for an invisible character, a leading zero or a trailing dot', () => {
  /** H1: each folder read, holding a recording: the key's controller is not "not affected", and the run exits 3 */
  it('read and holding recordings: the key row is incomplete and names the folder; exit 3', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'k0/c.wav', pcm8(8000));
    for (const [folder] of LIKE) put(root, `${folder}/c.wav`, pcm8(8000));
    const keys = LIKE.map(([, k]) => k);
    const { r, row, statement } = run(root, register(tempDir(), ['k0', ...keys]));
    expect(r.status).toBe(3);
    // (the look-alike folders, which no key names, may be anyone's: the found key's figures are lower bounds)
    expect(row('k0')!.completeness).toMatch(/^incomplete: \d+ customer (folders? )?that no key of the register names/);
    for (const k of keys) {
      expect(row(k)!.completeness).toMatch(new RegExp(`^incomplete: a customer folder named like its key "${k}"`));
      expect(statement(k)).not.toMatch(/Not affected/);
      expect(statement(k)).toMatch(/CANNOT BE RULED OUT/);
    }
  });

  /** H1 with keys in file names (--pattern): the same */
  it('keys in file names (--pattern): the same', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'd/in-k0-x.wav', pcm8(8000));
    put(root, 'd/in-k2\u200B-x.wav', pcm8(8000));
    put(root, 'd/in-0812345007-x.wav', pcm8(8000));
    const { r, row, statement } = run(root, register(tempDir(), ['k0', 'k2', '812345007']), [
      '--pattern',
      '*/in-{customer}-*',
    ]);
    expect(r.status).toBe(3);
    for (const k of ['k2', '812345007']) {
      expect(row(k)!.completeness).toMatch(/^incomplete: a customer named like its key/);
      expect(statement(k)).not.toMatch(/Not affected/);
    }
  });

  /** C3: the folder could not be read (run as an ordinary user): the key's row counts it as a gap */
  it('an unreadable folder named like the key: the key row is incomplete, never "not affected"', (ctx) => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'k0/c.wav', pcm8(8000));
    for (const [folder] of LIKE) put(root, `${folder}/c.wav`, pcm8(8000));
    for (const [folder] of LIKE) chmodSync(join(root, folder), 0o000);
    const reg = register(base, ['k0', ...LIKE.map(([, k]) => k)]);
    // root reads a folder of mode 000 anyway: the run is an ordinary user's (uid 65534 under root)
    const u = unprivileged(root);
    if (u.skip !== undefined) return unavailable(ctx, u.skip);
    const { r, row, statement } = run(root, reg, ['--allow-incomplete'], (a) => u.run(a));
    expect(r.stderr).not.toMatch(/cannot write/);
    expect(r.status).toBe(0);
    for (const [, k] of LIKE) {
      expect(row(k)!.completeness).toMatch(/^incomplete: 1 folder that could hold its files could not be read/);
      expect(statement(k)).toMatch(/CANNOT BE RULED OUT/);
    }
  });
});

describe('C4: the register and the facts file inside the evidence tree', () => {
  const OLD = new Date('2020-01-01T00:00:00Z');

  /** read as their owner (or root): O_NOATIME keeps their access times */
  it('keep their access times', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme/c.wav', pcm8(8000));
    const reg = put(root, 'acme/reg.csv', 'key,controller\nacme,Acme AB\n');
    const facts = put(root, 'acme/facts.toml', '');
    const mtime = statSync(reg).mtime;
    for (const f of [reg, facts]) utimesSync(f, OLD, mtime);
    const out = tempDir();
    const r = runCli([root, '--register', reg, '--facts', facts, '--statements', join(out, 'st')]);
    expect(r.status).toBe(0);
    for (const f of [reg, facts]) expect(statSync(f).atime.getTime()).toBe(OLD.getTime());
  });

  /** --strict-evidence: an input the user may not open with O_NOATIME (not theirs) is refused, one line, exit 2 */
  it('--strict-evidence refuses an input that is not the user’s', (ctx) => {
    if (process.getuid?.() !== 0)
      return ctx.skip('needs root: to make a file that another user reads but does not own');
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'acme/c.wav', pcm8(8000));
    const reg = put(base, 'reg.csv', 'key,controller\nacme,Acme AB\n');
    const facts = put(base, 'facts.toml', '');
    chmodSync(reg, 0o644);
    chmodSync(facts, 0o644);
    const u = unprivileged(root, base);
    if (u.skip !== undefined) return unavailable(ctx, u.skip);
    for (const args of [
      ['--register', reg],
      ['--facts', facts],
    ]) {
      const r = u.run([root, '--strict-evidence', ...args, '--csv', '-']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/is not yours: reading it would move its access time \(--strict-evidence\)/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('H2: a recording with names in two customers’ folders (a hard link)', () => {
  /** whichever name the walk counts, the other customer's controller is not told "not affected" */
  it('neither controller is "not affected"', () => {
    const base = tempDir();
    const root = join(base, 'tree');
    const first = put(root, 'acme/2024/call.wav', pcm8(8000));
    mkdirSync(join(root, 'beta/2024'), { recursive: true });
    linkSync(first, join(root, 'beta/2024/call.wav'));
    const { row, statement } = run(root, register(base, ['acme', 'beta']));
    for (const k of ['acme', 'beta']) {
      const x = row(k)!;
      expect(statement(k)).not.toMatch(/Not affected/);
      if (x.audio_files === '0') {
        expect(x.completeness).toMatch(/is the same file \(hard links\) as a file counted under another name/);
        expect(statement(k)).toMatch(/CANNOT BE RULED OUT|LOWER BOUNDS/);
      }
    }
  });
});

describe('H3: a controller whose folder holds only files not opened as recordings', () => {
  /** an archive of its calls, an encrypted copy: zeros are not "exact", the row is not "complete" */
  it('an archive or an encrypted file: incomplete, a lower bound, never "exact" or "every file … counted"', () => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, 'acme/2024/call.wav', pcm8(8000));
    put(root, 'beta/2024/calls.zip', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
    put(root, 'gamma/2024/call1.wav.gpg', Buffer.alloc(5000, 0xa5));
    const reg = register(base, ['acme', 'beta', 'gamma']);
    const out = tempDir();
    const r = runCli([root, '--register', reg, '--json', join(out, 's.json'), '--statements', join(out, 'st')]);
    // the run is incomplete as any other (round 24: it exited 0)
    expect(r.status).toBe(3);
    const json = parseSummary(readFileSync(join(out, 's.json'), 'utf8'));
    for (const k of ['beta', 'gamma']) {
      const row = json.customers.find((c) => c.customer === k)!;
      expect(row.completeness).toBe(
        'incomplete: 1 other file (archives, encrypted or unknown formats) was not opened as recordings; it may hold some',
      );
      expect((row.subjects as { precision: string }).precision).toBe('lower bound');
      const text = htmlText(readFileSync(join(out, 'st', `${k} AB.html`), 'utf8'));
      expect(text).not.toMatch(/Not affected|every file of this controller in the copy was read and counted/);
      expect(text).toMatch(/LOWER BOUNDS: 1 other file \(archives, encrypted or unknown formats\)/);
    }
    expect(json.customers.find((c) => c.customer === 'acme')!.completeness).toBe('complete');
  });
});
