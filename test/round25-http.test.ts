/**
 * Attack round 25b, sizing a web server in place: a size only claimed (C3), reads past the head that
 * fail or find the file changed (C6), and Last-Modified values that are not HTTP dates (L1). The
 * server is a small Node http server in a process of its own (the CLI runs synchronously), serving
 * real files made here with sox and lame, each folder one way of answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpDate } from '../src/scan/http/client.js';
import { Scanner } from '../dist/scan/engine.js';
import type { FileRecord } from '../dist/scan/model.js';
import { decoded } from './decoded.js';
import { csvObjects, put, runCli, tempDir, wav } from './helpers.js';
import { describeWith } from './needs.js';

/**
 * The server: argv[2] the folder served, prints its port. Folders (each a customer):
 *   claim/    a real 16 KiB µ-law WAV whose answers claim a 100 GB file; any range past 16 KiB: 416
 *   short/    a 206 for bytes 0-16383 of a claimed 100 GB file that carries 100 bytes
 *   mid-N/    ranges from 0 and to the file's end answered; any other: status N (500, 503, 403, 416)
 *   grow/     the file one byte longer at each answer (still being written)
 *   good/     every range as asked, with Last-Modified
 *   dates/    each file's Last-Modified is dates.json's value for its name
 *   ignore/   Range ignored: a 200 claiming 100 GB, 272 KiB sent (the head, then µ-law silence), the
 *             connection dropped
 *   whole/    Range ignored: a 200 with the whole file, its true length
 *   slow/     as whole/, the body sent 4 KiB every 100 ms (a slow link: ~40 KB/s, steady)
 * Every request is appended to log.txt: path and Range.
 */
const SERVER = String.raw`
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = process.argv[2];
const HUGE = 100e9;
const dates = JSON.parse(fs.readFileSync(path.join(root, 'dates.json'), 'utf8'));
const grown = new Map();
http.createServer((req, res) => {
  const p = decodeURIComponent(req.url);
  const range = req.headers.range;
  fs.appendFileSync(path.join(root, 'log.txt'), p + ' ' + (range ?? '-') + '\n');
  const file = path.join(root, p);
  if (p.endsWith('/')) {
    const names = fs.readdirSync(file, { withFileTypes: true }).filter((d) => d.name !== 'log.txt' && d.name !== 'dates.json');
    const body = '<title>Index of ' + p + '</title>\n' + names.map((d) => '<a href="' + encodeURIComponent(d.name) + (d.isDirectory() ? '/' : '') + '">x</a>').join('\n');
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    return res.end(body);
  }
  if (!fs.existsSync(file)) {
    res.writeHead(404, { 'content-length': 0 });
    return res.end();
  }
  let data = fs.readFileSync(file);
  const folder = p.split('/')[1];
  if (folder === 'grow') {
    const n = (grown.get(p) ?? 0) + 1;
    grown.set(p, n);
    data = Buffer.concat([data, Buffer.alloc(n)]);
  }
  const size = folder === 'claim' || folder === 'short' ? HUGE : data.length;
  const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
  const a = m ? Number(m[1]) : 0, b = m ? Math.min(Number(m[2]), size - 1) : size - 1;
  const lm = folder === 'dates' ? dates[path.basename(p)] : 'Mon, 07 Dec 2026 09:00:00 GMT';
  const headers = lm === undefined ? {} : { 'last-modified': lm };
  const refuse = (status) => { res.writeHead(status, { 'content-length': 0, ...(status === 416 ? { 'content-range': 'bytes */' + size } : {}) }); res.end(); };
  // a server that ignores Range: the whole file (200), its Content-Length a lie (100 GB, the head
  // sent, then the connection dropped) or the truth
  if (folder === 'ignore') {
    res.writeHead(200, { ...headers, 'content-length': HUGE });
    return res.write(Buffer.concat([data, Buffer.alloc(256 * 1024, 0x55)]), () => res.destroy());
  }
  if (folder === 'whole') {
    res.writeHead(200, { ...headers, 'content-length': data.length });
    return res.end(data);
  }
  if (folder === 'slow') {
    res.writeHead(200, { ...headers, 'content-length': data.length });
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= data.length) return res.end();
      res.write(data.subarray(at, (at += 4096)));
      setTimeout(next, 100);
    };
    return next();
  }
  if (folder === 'claim' && a >= data.length) return refuse(416);
  if (folder.startsWith('mid-') && a > 0 && b !== size - 1) return refuse(Number(folder.slice(4)));
  let chunk = data.subarray(a, b + 1);
  if (folder === 'short') chunk = chunk.subarray(0, 100);
  const end = folder === 'short' ? b : a + chunk.length - 1;
  res.writeHead(206, { ...headers, 'content-range': 'bytes ' + a + '-' + end + '/' + size, 'content-length': chunk.length });
  res.end(chunk);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

const root = tempDir('leaktally-r25http-');
let server: ChildProcess | undefined;
let url = '';

async function start(): Promise<void> {
  const script = join(tempDir(), 'server.cjs');
  writeFileSync(script, SERVER);
  server = spawn(process.execPath, [script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    server!.stdout!.once('data', (d: Buffer) => resolve(String(d).trim())),
  );
  url = `http://127.0.0.1:${port}/`;
}

afterAll(() => {
  server?.kill();
});

const requests = (): string[] => readFileSync(join(root, 'log.txt'), 'utf8').trim().split('\n');

interface Row {
  path: string;
  kind: string;
  bytes: string;
  seconds: string;
  recorded_at: string;
  date_source: string;
  error: string;
}

/** The CLI on the server: exit status, manifest rows by path, summary rows by customer. */
function scan(): { status: number | null; files: Map<string, Row>; rows: Map<string, Record<string, string>> } {
  const out = tempDir();
  const r = runCli([url, '--files', join(out, 'm.csv'), '--csv', join(out, 's.csv'), '--tz', 'UTC']);
  const files = new Map(
    csvObjects(readFileSync(join(out, 'm.csv'), 'utf8')).map((o) => [o.path!, o as unknown as Row]),
  );
  const rows = new Map(csvObjects(readFileSync(join(out, 's.csv'), 'utf8')).map((o) => [o.customer!, o]));
  return { status: r.status, files, rows };
}

describe('HTTP dates (RFC 9110 §5.6.7): the three forms only', () => {
  it('reads IMF-fixdate, RFC 850 and asctime, and nothing else V8 would make a date of', () => {
    const at = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(httpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(at);
    expect(httpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(at);
    expect(httpDate('Sun Nov  6 08:49:37 1994')).toBe(at);
    // a two-digit year more than 50 years ahead is the last century's
    expect(httpDate('Friday, 01-Jan-77 00:00:00 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(1977, 0, 1));
    expect(httpDate('Tuesday, 01-Jan-30 00:00:00 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(2030, 0, 1));
    // (Date.parse: 2000-01-01, 2001-01-01, an offset of 24 h, and the rest as listed)
    for (const v of [
      '-1',
      '1e400',
      'garbage',
      'Mon, 07 Dec 2026 09:00:00 +2400',
      'Mon, 07 Dec 2026 09:00:00 UTC',
      '2026-12-07T09:00:00Z',
      'Mon, 31 Feb 2026 09:00:00 GMT',
      'Mon, 07 Dec 2026 24:00:00 GMT',
      'Mon, 7 Dec 2026 09:00:00 GMT',
      'Sunday, 06-Nov-1994 08:49:37 GMT',
      '',
    ])
      expect(httpDate(v), v).toBeUndefined();
    // year 0 is a date, but before 1970: the file is left undated as one of 1969 is
    expect(httpDate('Sat, 01 Jan 0000 00:00:00 GMT')).toBeLessThan(0);
  });
});

describeWith(['sox', 'lame', 'ffmpeg'], 'a web server sized in place (attack round 25b C3, C6, L1)', () => {
  /** the MP3 (20 minutes, CBR 32 kb/s: 4.8 MB) and what ffmpeg decodes of it */
  let mp3Seconds = 0;
  let wavSeconds = 0;

  beforeAll(async () => {
    const work = tempDir();
    const mp3 = join(work, 'long.mp3');
    const ulaw = join(work, 'call.wav');
    const pcm = join(work, 'long.wav');
    const made: [string, string[]][] = [
      ['sox', ['-n', '-r', '8000', '-c', '1', pcm, 'synth', '1200', 'sine', '440']],
      ['sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', ulaw, 'synth', '300', 'sine', '440']],
      ['lame', ['--silent', '-t', '-b', '32', '--cbr', pcm, mp3]],
    ];
    for (const [cmd, args] of made) expect(spawnSync(cmd, args).status, cmd).toBe(0);
    mp3Seconds = decoded(mp3);
    wavSeconds = decoded(ulaw);
    const mp3Bytes = readFileSync(mp3);
    // a real 16 KiB µ-law WAV head (2.04 s as ffmpeg decodes it), its header saying 100 GB of data
    const head = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16384 - 44 });
    head.writeUInt32LE(0xffffffff, 4);
    head.writeUInt32LE(0xffffffff, 40);
    put(root, 'claim/a.wav', head);
    put(root, 'ignore/a.wav', head);
    put(root, 'whole/call.wav', readFileSync(ulaw));
    // 12 s of µ-law: 96 KB, ~2.4 s to send
    put(root, 'slow/call.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 96_000 }));
    put(root, 'short/a.wav', head);
    for (const code of [500, 503, 403, 416]) put(root, `mid-${code}/long.mp3`, mp3Bytes);
    put(root, 'grow/long.mp3', mp3Bytes);
    put(root, 'good/long.mp3', mp3Bytes);
    put(root, 'good/call.wav', readFileSync(ulaw));
    const small = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });
    const dates: Record<string, string> = {
      'fixdate.wav': 'Mon, 07 Dec 2026 09:00:00 GMT',
      'rfc850.wav': 'Monday, 07-Dec-26 09:00:00 GMT',
      'asctime.wav': 'Mon Dec  7 09:00:00 2026',
      'year0.wav': 'Sat, 01 Jan 0000 00:00:00 GMT',
      'minus1.wav': '-1',
      'offset.wav': 'Mon, 07 Dec 2026 09:00:00 +2400',
    };
    for (const name of Object.keys(dates)) put(root, `dates/${name}`, small);
    writeFileSync(join(root, 'dates.json'), JSON.stringify(dates));
    await start();
  }, 120_000);

  it('counts no length from a size the server only claims; says what it could not read; dates only HTTP dates', () => {
    const { status, files, rows } = scan();
    // C3: 100 GB claimed for a 16 KiB WAV head, every range past it refused (3,472 h counted, complete)
    const claim = files.get('claim/a.wav')!;
    expect(claim.kind).toBe('unreadable');
    expect(claim.seconds).toBe('');
    expect(claim.bytes).toBe('0');
    expect(claim.error).toMatch(
      /^reading at 99999998976 over HTTP: HTTP 416 for a range inside the 100000000000 bytes/,
    );
    expect(rows.get('claim')!.completeness).toMatch(/^incomplete: 1 file could not be opened or read/);
    // (ffmpeg, on the bytes the server gives, decodes 2.04 s; nothing of the 100 GB is counted)
    expect(Number(rows.get('claim')!.audio_seconds)).toBe(0);
    // a server that ignores Range is read to the end of each audio file and held to its Content-Length:
    // 100 GB claimed over a 16 KiB head counted 12,500,000 s; the honest one counts what ffmpeg decodes
    const ignored = files.get('ignore/a.wav')!;
    expect(ignored.kind).toBe('unreadable');
    expect(ignored.seconds).toBe('');
    expect(rows.get('ignore')!.completeness).toMatch(/^incomplete: 1 file could not be opened or read/);
    expect(Number(rows.get('ignore')!.audio_seconds)).toBe(0);
    expect(rows.get('whole')!.completeness).toBe('complete');
    expect(Math.abs(Number(files.get('whole/call.wav')!.seconds) - wavSeconds)).toBeLessThan(0.01);
    // a 206 whose body is 100 bytes under a Content-Range of 16 KiB
    expect(files.get('short/a.wav')!.error).toMatch(/the server sent 100 bytes for bytes 0-16383 of 100000000000/);
    expect(rows.get('short')!.completeness).toMatch(/^incomplete/);
    // C6: a read past the head refused or failed: a gap with the reason, not content (0 h, complete)
    for (const code of [500, 503, 403, 416]) {
      const f = files.get(`mid-${code}/long.mp3`)!;
      expect(f.kind, `${code}`).toBe('unreadable');
      expect(f.error).toMatch(new RegExp(`^reading at \\d+ over HTTP: HTTP ${code}`));
      expect(rows.get(`mid-${code}`)!.completeness).toMatch(/^incomplete: 1 file could not be opened or read/);
    }
    // a file still being written: its size differs between two answers
    expect(files.get('grow/long.mp3')!.error).toMatch(
      /^the file changed on the server while it was read \(size (\d+), then (?!\1)\d+\)$/,
    );
    expect(rows.get('grow')!.completeness).toMatch(/^incomplete/);
    // real encoders' files on an honest server: counted as ffmpeg decodes them (within 1 %), complete
    expect(rows.get('good')!.completeness).toBe('complete');
    const mp3 = Number(files.get('good/long.mp3')!.seconds);
    const call = Number(files.get('good/call.wav')!.seconds);
    expect(Math.abs(mp3 - mp3Seconds)).toBeLessThan(mp3Seconds * 0.01);
    expect(Math.abs(call - wavSeconds)).toBeLessThan(wavSeconds * 0.01);
    // the WAV's length rests on its size: its last bytes were read (the head, then the tail)
    const size = readFileSync(join(root, 'good/call.wav')).length;
    expect(requests()).toContain(`/good/call.wav bytes=${size - 1024}-${size - 1}`);
    // L1: only the three HTTP date forms date a file (its start: the time less its 1 s); the others
    // leave it undated (Date.parse dated year0 2000-01-01 and minus1 2001-01-01, took offset's +2400)
    const dated = (name: string): string =>
      `${files.get(`dates/${name}`)!.recorded_at}|${files.get(`dates/${name}`)!.date_source}`;
    for (const name of ['fixdate.wav', 'rfc850.wav', 'asctime.wav'])
      expect(dated(name), name).toBe('2026-12-07T08:59:59+00:00|last-modified');
    for (const name of ['year0.wav', 'minus1.wav', 'offset.wav']) expect(dated(name), name).toBe('|');
    expect(status).toBe(3);
  }, 180_000);

  it('a recording read whole, slowly but steadily, is counted: a read that moves is not a stalled one', async () => {
    // The reader threads' watchdog took a thread that had not answered within its stall time for a
    // stuck one, and the file it was reading for a gap; reading a whole file from a server that
    // ignores Range is as slow as the link (a 100 MB recording at 1.5 MB/s: 66 s, over the 60 s). A
    // stall time of 1 s here, and a file that takes ~2.4 s to come: before, "reading did not finish
    // within 1 s; skipped", a gap of its row; now its bytes arriving show the read moving.
    const seen: FileRecord[] = [];
    const r = await new Scanner(
      {
        root: `${url}slow/`,
        depth: 0,
        zone: 'UTC',
        threads: 2,
        stallMs: 1000,
        http: { connections: 4, timeoutMs: 30_000 },
      },
      (rec) => seen.push(rec),
    ).run();
    expect(seen.map((x) => [x.kind, x.error])).toEqual([['audio', undefined]]);
    expect(r.totals.audioMicros).toBe(12_000_000);
    // (a read that does not move is still given up: engine.test.ts's stuck reader, http.test.ts's dripping server)
  }, 60_000);
});
