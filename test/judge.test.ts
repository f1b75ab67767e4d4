/**
 * The corpus judge (test/tools/judge-decoded.mjs): its decoded lengths on files made here with ffmpeg,
 * its arithmetic for the three criteria, and a whole run on a folder that is left untouched.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, readdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, ROOT, CLI } from './helpers.js';
import { describeWith } from './needs.js';
import { decode, judge, impossibleAbove, parseCsv, decodeName, cause } from './tools/judge-decoded.mjs';

const JUDGE = join(ROOT, 'test/tools/judge-decoded.mjs');

function ffmpeg(...args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr.toString()}`);
}

/** The first n bytes of a file, as another file. */
function cut(from: string, to: string, n: number): void {
  const b = Buffer.alloc(n);
  const fd = openSync(from, 'r');
  const got = readSync(fd, b, 0, n, 0);
  closeSync(fd);
  writeFileSync(to, b.subarray(0, got));
}

describe("the judge's arithmetic", () => {
  it('sums |leaktally − decoded| over every file, a file not counted as audio counting as 0 s', () => {
    const j = judge([
      { path: 'a.wav', kind: 'audio', seconds: 10, decoded: 10 },
      { path: 'b.mp3', kind: 'audio', seconds: 12, decoded: 10 },
      { path: 'c.aac', kind: 'unreadable', decoded: 5 },
      { path: 'd.txt', kind: 'other', decoded: 0 },
    ]);
    expect(j.decodedTotal).toBe(25);
    expect(j.countedTotal).toBe(22);
    expect(j.absErr).toBe(7); // 2 over + 5 missed
    expect(j.over).toBe(2);
    expect(j.under).toBe(5);
    expect(j.share).toBeCloseTo(0.28, 10);
    expect(j.criteria.map((c) => c.pass)).toEqual([false, true, false]);
    expect(j.missed.map((r) => r.path)).toEqual(['c.aac']);
    expect(j.worst.map((r) => r.path).slice(0, 2)).toEqual(['c.aac', 'b.mp3']);
  });

  it('flags a length above 10 × decoded + 60 s (the 58 years in 184 bytes), and only that', () => {
    expect(impossibleAbove(0)).toBe(60);
    expect(impossibleAbove(2)).toBe(80);
    const j = judge([
      { path: 'stub.mp3', kind: 'audio', seconds: 1_825_620_915, decoded: 0.026 },
      { path: 'edge.mp3', kind: 'audio', seconds: 80, decoded: 2 },
      { path: 'empty-but-60.wav', kind: 'audio', seconds: 60.001, decoded: 0 },
    ]);
    expect(j.impossible.map((r) => r.path).sort()).toEqual(['empty-but-60.wav', 'stub.mp3']);
    expect(j.criteria[1]!.pass).toBe(false);
    expect(j.criteria[2]!.pass).toBe(true);
    expect(j.impossible.map((r) => cause(r)).sort()).toEqual([
      'impossible length (> 10 × decoded + 60 s)',
      'impossible length, nothing decodes',
    ]);
    expect(cause(j.worst.find((r) => r.path === 'edge.mp3')!)).toBe('over by ≥ 1.5×');
  });

  it('passes a folder whose lengths are within 5 % in total', () => {
    const j = judge([
      { path: 'a', kind: 'audio', seconds: 104.5, decoded: 100 },
      { path: 'b', kind: 'audio', seconds: 0.5, decoded: 0.9 }, // under a second: may be missed
    ]);
    expect(j.criteria.every((c) => c.pass)).toBe(true);
  });

  it("reads the manifest's CSV (BOM, quotes, CRLF) and names bytes as leaktally does", () => {
    const rows = parseCsv('\ufeffpath,kind\r\n"a,""b"".mp3",audio\r\nc.wav,other\r\n');
    expect(rows).toEqual([
      ['path', 'kind'],
      ['a,"b".mp3', 'audio'],
      ['c.wav', 'other'],
    ]);
    expect(decodeName(Buffer.from('samtal_\xe5\xe4\xf6.wav', 'latin1'))).toBe('samtal_\\xe5\\xe4\\xf6.wav');
    expect(decodeName(Buffer.from('samtal_åäö.wav'))).toBe('samtal_åäö.wav');
  });
});

describeWith(['ffmpeg'], 'decoded lengths of files made with ffmpeg', () => {
  it('a WAV decodes to its length, to the sample', async () => {
    const d = tempDir();
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=8000:duration=2.5',
      '-c:a',
      'pcm_mulaw',
      join(d, 'call.wav'),
    );
    const r = await decode(join(d, 'call.wav'));
    expect(r.seconds).toBe(2.5);
    expect(r.format).toBe('wav');
    expect(r.codec).toBe('pcm_mulaw');
  });

  it('a CBR MP3 cut after 8 KB decodes to what its bytes hold, not what its header claims', async () => {
    const d = tempDir();
    const full = join(d, 'full.mp3');
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100:duration=20',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '64k',
      full,
    );
    const whole = await decode(full);
    expect(whole.seconds).toBeGreaterThan(19.9);
    expect(whole.seconds).toBeLessThan(20.1);
    cut(full, join(d, 'cut.mp3'), 8192);
    const part = await decode(join(d, 'cut.mp3'));
    // 8192 bytes at 64 kbit/s ≈ 1.02 s, less the Info frame and up to one partial frame (26 ms)
    expect(part.seconds).toBeGreaterThan(0.9);
    expect(part.seconds).toBeLessThan(1.06);
  });

  it("a file with no audio stream, or that is not media, decodes to 0 s with ffmpeg's reason", async () => {
    const d = tempDir();
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1', '-c:v', 'libvpx', join(d, 'video.webm'));
    writeFileSync(join(d, 'page.mp3'), '<html>404</html>');
    const v = await decode(join(d, 'video.webm'));
    expect(v.seconds).toBe(0);
    expect(v.video).toBe(true);
    expect(v.message).toMatch(/matches no streams/);
    const p = await decode(join(d, 'page.mp3'));
    expect(p.seconds).toBe(0);
    expect(p.exit).not.toBe(0);
  });

  it('judges a whole folder against the manifest, writes nothing into it, and fails an impossible folder', () => {
    const d = tempDir();
    const tree = join(d, 'tree');
    const cust = join(tree, 'customer');
    spawnSync('mkdir', ['-p', cust]);
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=8000:duration=3',
      '-c:a',
      'pcm_alaw',
      join(cust, 'a.wav'),
    );
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100:duration=20',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '64k',
      join(d, 'full.mp3'),
    );
    cut(join(d, 'full.mp3'), join(cust, 'cut.mp3'), 8192);
    const before = readdirSync(cust)
      .sort()
      .map((f) => [f, statSync(join(cust, f)).mtimeMs]);
    const out = join(d, 'judge.json');
    const r = spawnSync(process.execPath, [JUDGE, tree, '--leaktally', CLI, '--json', out, '--jobs', '2', '--quiet']);
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      totals: { files: number; decoded: number };
      files: { path: string; decoded: number; seconds: number | null; diff: number }[];
      criteria: { pass: boolean }[];
    };
    expect(
      readdirSync(cust)
        .sort()
        .map((f) => [f, statSync(join(cust, f)).mtimeMs]),
    ).toEqual(before);
    expect(j.totals.files).toBe(2);
    const wav = j.files.find((f) => f.path === 'customer/a.wav')!;
    expect(wav.decoded).toBe(3);
    expect(wav.seconds).toBe(3);
    const mp3 = j.files.find((f) => f.path === 'customer/cut.mp3')!;
    expect(mp3.decoded).toBeGreaterThan(0.9);
    expect(mp3.decoded).toBeLessThan(1.06);
    expect(mp3.diff).toBeCloseTo((mp3.seconds ?? 0) - mp3.decoded, 6);
    // the exit code is the verdict: 0 when every criterion passes
    expect(r.status).toBe(j.criteria.every((c) => c.pass) ? 0 : 1);
    expect(r.stdout.toString()).toMatch(/^(PASS|FAIL) {2}no file given more than 10 × decoded \+ 60 s/m);
  });

  it('refuses a --json path inside the folder judged', () => {
    const d = tempDir();
    const r = spawnSync(process.execPath, [JUDGE, d, '--json', join(d, 'x.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/inside the folder judged/);
    expect(readdirSync(d)).toEqual([]);
  });
});
