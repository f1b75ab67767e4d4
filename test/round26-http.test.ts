/**
 * Attack round 26b, sizing a web server in place: a page that is not a listing taken for an empty
 * folder (C5: a folder's index.html, a listing behind a proxy linking another host), a recording
 * moved on a live server during the scan (C6), the reads of a server that ignores Range (H3), a name
 * longer than any file system allows (H5). Real servers where the finding is theirs (nginx and
 * Python's http.server serve a folder's index.html in place of its listing); otherwise a small Node
 * server in a process of its own (the CLI runs synchronously), serving real files made here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decoded, ffmpeg } from './decoded.js';
import { csvObjects, put, runCli, tempDir, wav } from './helpers.js';
import { serve } from './http-servers.js';
import { describeWith } from './needs.js';

/**
 * The server: argv[2] the folder served, argv[3] the listings' form (`html`: an `Index of` page of
 * links; `json`: nginx's autoindex_format json, folders' times exact). Prints its port.
 *   proxy/  its listing links its files at another host (http://backend.invalid:8080/proxy/…)
 *   long/   its listing holds a folder named by 300 letters besides its file
 *   a/      once its listing is sent, z/call.wav is moved into it (a recorder filing a recording)
 *   z/      its listing sent 1 s after it is asked for (after the move)
 *   whole/  Range ignored: a 200 with the whole file, its true length
 */
const SERVER = String.raw`
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const [root, form] = [process.argv[2], process.argv[3]];
http.createServer((req, res) => {
  try {
    answer(req, res);
  } catch {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
function answer(req, res) {
  const p = decodeURIComponent(req.url);
  const file = path.join(root, p);
  const folder = p.split('/')[1];
  if (p.endsWith('/')) {
    const send = () => {
      const names = fs.readdirSync(file, { withFileTypes: true });
      let body;
      if (form === 'json') {
        body = JSON.stringify(names.map((d) => {
          const st = fs.statSync(path.join(file, d.name));
          return d.isDirectory()
            ? { name: d.name, type: 'directory', mtime: st.mtime.toUTCString() }
            : { name: d.name, type: 'file', mtime: st.mtime.toUTCString(), size: st.size };
        }));
      } else {
        const link = (d) =>
          (folder === 'proxy' ? 'http://backend.invalid:8080' + p : '') + encodeURIComponent(d.name) + (d.isDirectory() ? '/' : '');
        const links = names.map((d) => '<a href="' + link(d) + '">' + d.name + '</a>');
        if (folder === 'long') links.push('<a href="' + 'x'.repeat(300) + '/">long/</a>');
        body = '<html><head><title>Index of ' + p + '</title></head><body><a href="../">../</a>\n' + links.join('\n') + '</body></html>';
      }
      res.writeHead(200, { 'content-type': form === 'json' ? 'application/json' : 'text/html', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      if (folder === 'a' && fs.existsSync(path.join(root, 'z/call.wav')))
        fs.renameSync(path.join(root, 'z/call.wav'), path.join(root, 'a/call.wav'));
    };
    return folder === 'z' ? setTimeout(send, 1000) : send();
  }
  const data = fs.readFileSync(file);
  const lm = fs.statSync(file).mtime.toUTCString();
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (folder === 'whole' || !m) {
    res.writeHead(200, { 'last-modified': lm, 'content-length': data.length });
    return res.end(data);
  }
  const a = Number(m[1]), b = Math.min(Number(m[2]), data.length - 1);
  res.writeHead(206, { 'last-modified': lm, 'content-range': 'bytes ' + a + '-' + b + '/' + data.length, 'content-length': b - a + 1 });
  res.end(data.subarray(a, b + 1));
}
`;

const servers: ChildProcess[] = [];
afterAll(() => {
  for (const s of servers) s.kill();
});

/** The server on root, its listings in `form`: its URL. */
async function start(root: string, form: 'html' | 'json'): Promise<string> {
  const script = join(tempDir(), 'server.cjs');
  writeFileSync(script, SERVER);
  const server = spawn(process.execPath, [script, root, form], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(server);
  const port = await new Promise<string>((resolve) =>
    server.stdout.once('data', (d: Buffer) => resolve(String(d).trim())),
  );
  return `http://127.0.0.1:${port}/`;
}

/** A µ-law WAV of `seconds` at 8 kHz. */
const call = (seconds: number): Buffer => wav({ tag: 7, rate: 8000, bits: 8, dataBytes: seconds * 8000 });

/** The CLI on url: exit status, summary rows by customer, manifest, stderr, the JSON's method. */
function scan(url: string): {
  status: number | null;
  rows: Map<string, Record<string, string>>;
  manifest: string;
  stderr: string;
  inPlace: { requests: number; bytes_transferred: number };
} {
  const out = tempDir();
  const r = runCli([
    url,
    ...['--csv', join(out, 's.csv'), '--files', join(out, 'm.csv'), '--json', join(out, 's.json')],
    ...['--tz', 'UTC'],
  ]);
  const rows = new Map(csvObjects(readFileSync(join(out, 's.csv'), 'utf8')).map((o) => [o.customer!, o]));
  const json = JSON.parse(readFileSync(join(out, 's.json'), 'utf8')) as {
    method: { sized_in_place: { requests: number; bytes_transferred: number } };
  };
  return {
    status: r.status,
    rows,
    manifest: readFileSync(join(out, 'm.csv'), 'utf8'),
    stderr: r.stderr,
    inPlace: json.method.sized_in_place,
  };
}

/** the manifest's line for a folder not read (or a gap), by its path */
const folderLine = (manifest: string, name: string): string =>
  manifest
    .split('\n')
    .find((l) => (l.startsWith(`${name},`) || l.startsWith(`"${name}",`)) && l.includes(',folder,')) ?? '';

describe("a page that is not the folder's listing (round 26b C5)", () => {
  for (const kind of ['nginx', 'python'] as const) {
    describeWith([kind === 'python' ? 'python3' : 'nginx'], kind, () => {
      it('a folder whose index.html the server serves in place of its listing is a gap of its row, not an empty folder', async () => {
        const root = join(tempDir(), 'tree');
        put(root, 'acme/call1.wav', call(5));
        put(root, 'acme/call2.wav', call(5));
        put(
          root,
          'acme/index.html',
          '<html><body><h1>Acme call recordings</h1><a href="/login">Log in</a></body></html>\n',
        );
        put(root, 'gamma/call.wav', call(5));
        put(root, 'gamma/index.html', '<html><body>Forbidden</body></html>\n');
        put(root, 'beta/call.wav', call(5));
        // a listing saved by `wget -m` as the folder's index.html: a listing's form, of another time
        // (attack round 27 C2: "complete", 0 files, "Not affected", exit 0)
        put(root, 'delta/call.wav', call(5));
        put(
          root,
          'delta/index.html',
          '<html><head><title>Index of /delta/</title></head><body><h1>Index of /delta/</h1><hr><pre><a href="../">../</a>\n</pre><hr></body></html>\n',
        );
        const server = await serve(kind, root);
        try {
          const s = scan(server.url);
          // before: acme and gamma "complete", 0 files, their controllers "Not affected", exit 0
          expect(s.status, s.stderr).toBe(3);
          for (const name of ['acme', 'gamma', 'delta']) {
            expect(s.rows.get(name)?.completeness, name).toMatch(/^incomplete/);
            expect(folderLine(s.manifest, name), name).toContain('not a listing of the folder');
          }
          expect(s.rows.get('beta')).toMatchObject({ completeness: 'complete', files: '1', audio_seconds: '5' });
        } finally {
          await server.stop();
        }
      }, 60_000);
    });
  }

  it('a listing linking its files at another host, and one naming an entry longer than any file system allows, are gaps', async () => {
    const root = join(tempDir(), 'tree');
    put(root, 'proxy/c1.wav', call(5));
    put(root, 'proxy/c2.wav', call(5));
    put(root, 'long/ok.wav', call(5));
    put(root, 'good/ok.wav', call(5));
    const s = scan(await start(root, 'html'));
    // before: proxy/ "complete", 0 files (its links dropped without a word); long/ counted with a
    // 300-byte folder name a later step would pay for (a 60,000-letter one: 17.6 s user with statements)
    expect(s.status, s.stderr).toBe(3);
    expect(s.rows.get('proxy')?.completeness).toMatch(/^incomplete/);
    expect(folderLine(s.manifest, 'proxy')).toContain('listing links entries at another host');
    expect(s.rows.get('long')?.completeness).toMatch(/^incomplete/);
    expect(folderLine(s.manifest, 'long')).toContain('a name longer than any file system allows');
    expect(s.manifest).not.toContain('x'.repeat(256));
    expect(s.rows.get('good')).toMatchObject({ completeness: 'complete', files: '1', audio_seconds: '5' });
  }, 60_000);
});

describe('a recording moved on a live server during the scan (round 26b C6)', () => {
  /** a/, m/ and z/ with a 60 s recording each; the folders' times an hour back (made before the scan) */
  const tree = (): string => {
    const root = join(tempDir(), 'tree');
    for (const f of ['a/old.wav', 'm/x.wav', 'z/call.wav']) put(root, f, call(60));
    const hourAgo = Date.now() / 1000 - 3600;
    for (const d of ['a', 'm', 'z', '.']) utimesSync(join(root, d), hourAgo, hourAgo);
    return root;
  };

  it('the folder it went into is a gap (its listing at the end differs); the move happened', async () => {
    const root = tree();
    const s = scan(await start(root, 'html'));
    expect(statSync(join(root, 'a/call.wav')).isFile()).toBe(true);
    // before: a, m and z "complete", 120 s of the 180 s on the server, exit 0
    expect(s.status, s.stderr).toBe(3);
    expect(s.rows.get('a')?.completeness).toMatch(/^incomplete/);
    expect(folderLine(s.manifest, 'a')).toContain('changed during the scan');
    // a listing of names alone cannot tell which folder the file left (z/, listed empty twice): the
    // tree's root is a gap, every row incomplete, z's controller never "not affected"
    for (const name of ['m', 'z']) expect(s.rows.get(name)?.completeness, name).toMatch(/^incomplete/);
    expect(s.rows.get('z')?.files).toBe('');
    expect(folderLine(s.manifest, '.')).toContain('changed during the scan');
  }, 60_000);

  it("where the listing gives folders' times exactly (nginx's JSON), the folder it left is a gap too", async () => {
    const root = tree();
    const s = scan(await start(root, 'json'));
    expect(s.status, s.stderr).toBe(3);
    for (const name of ['a', 'z']) {
      expect(s.rows.get(name)?.completeness).toMatch(/^incomplete/);
      expect(folderLine(s.manifest, name)).toContain('changed during the scan');
    }
    expect(s.rows.get('m')?.completeness).toBe('complete');
  }, 60_000);

  it('a tree that does not change is listed twice and stays complete', async () => {
    const root = join(tempDir(), 'tree');
    for (const f of ['a/old.wav', 'm/x.wav', 'm/y/z.wav']) put(root, f, call(60));
    for (const form of ['html', 'json'] as const) {
      const s = scan(await start(root, form));
      expect(s.status, s.stderr).toBe(0);
      expect(s.rows.get('(total)')).toMatchObject({ completeness: 'complete', files: '3', audio_seconds: '180' });
      // the root, a, m and m/y, each listed twice, and where the listing is HTML asked for an
      // index.html and index.htm (served in a listing's place: round 28b C1); a head and a tail
      // request for each file
      expect(s.inPlace.requests).toBe(2 * 4 + (form === 'html' ? 2 * 4 : 0) + 2 * 3);
    }
  }, 60_000);
});

describeWith(['ffmpeg'], 'a server that ignores Range (round 26b H3)', () => {
  it("an MP3 without Xing read past its head costs its bytes about once, not the square of its size; its length ffmpeg's", async () => {
    const root = join(tempDir(), 'tree');
    const mp3 = put(root, 'whole/call.mp3', '');
    // 1 h at 32 kb/s, no Xing header: walked frame by frame, 1 MiB at a time
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'sine=d=3600:r=8000', '-ac', '1'],
      ...['-c:a', 'libmp3lame', '-b:a', '32k', '-write_xing', '0', mp3],
    );
    const size = statSync(mp3).size;
    const s = scan(await start(root, 'html'));
    expect(s.status, s.stderr).toBe(0);
    const seconds = Number(s.rows.get('whole')?.audio_seconds);
    const dec = decoded(mp3);
    expect(Math.abs(seconds - dec) / dec).toBeLessThan(0.01);
    // before: 18 requests, 124.6 MB received for this 14.4 MB file (8.7×); now the head, one GET read
    // through (its end counted against its Content-Length), the two listings
    expect(s.inPlace.bytes_transferred).toBeLessThan(1.5 * size);
    // (and the two folders' index.html and index.htm asked for: round 28b C1)
    expect(s.inPlace.requests).toBeLessThan(14);
  }, 120_000);
});
