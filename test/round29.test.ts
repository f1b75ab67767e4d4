/**
 * Attack round 29b, a re-check of round 28b's fixes: a saved listing that names index.html skipped the
 * index check (C1); an index check answered other than 200/206 (a redirect, 403, 5xx) was taken for
 * "no index" (C2); an unreadable folder whose name a {customer} pattern reads more than one way counted
 * for the shortest reading only (C3); a file name read more ways than kept lost the rest silently (C4);
 * `**` on both sides of {customer} aligned one way (C5); a file name's reading no key names was no
 * controller's gap (M1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { serve } from './http-servers.js';
import { describeWith } from './needs.js';
import { compilePattern, matchPattern, PatternError } from '../src/scan/place/pattern.js';

const call = (): Buffer => wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });

const stops: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

/** the CLI on url with a register of acme (Acme AB) and beta (Beta AB): exit status and Beta AB's row */
function betaOf(url: string): {
  status: number | null;
  beta: Record<string, string>;
  acme: Record<string, string>;
  stderr: string;
} {
  const out = tempDir();
  const reg = join(out, 'r.csv');
  writeFileSync(reg, 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
  const r = runCli([url, '--register', reg, '--csv', join(out, 's.csv'), '--tz', 'UTC']);
  const rows = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
  const of = (c: string) => rows.find((o) => o.controller === c)!;
  return { status: r.status, beta: of('Beta AB'), acme: of('Acme AB'), stderr: r.stderr };
}

describeWith(['nginx'], 'a saved listing that names index.html, served by nginx with ssi on (29b C1)', () => {
  it("is still asked for: the folder is a gap, not 'complete' with its recordings unseen", async () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme/c1.wav', call());
    put(root, 'beta/c2.wav', call());
    // saved when the folder held index.html (and not yet c2.wav)
    put(
      root,
      'beta/index.html',
      '<html><head><title>Index of /beta/</title></head><body><h1>Index of /beta/</h1><pre><a href="../">../</a>\n<a href="index.html">index.html</a>\n</pre></body></html>',
    );
    const server = await serve('nginx', root, { ssi: true });
    stops.push(() => server.stop());
    const { status, beta } = betaOf(server.url);
    expect(status).toBe(3);
    expect(beta.completeness).toMatch(/^incomplete: 1 folder that could hold its files could not be read/);
  });
});

/** A server: / lists acme/ and beta/, each folder an Index-of page; index.html asked for gets `status`. */
const ODD = String.raw`
const http = require('node:http');
const wav = Buffer.from(process.argv[2], 'base64');
const status = Number(process.argv[3]);
const page = (p, links) => '<html><head><title>Index of ' + p + '</title></head><body>' + links.map((l) => '<a href="' + l + '">' + l + '</a>').join('\n') + '</body></html>';
http.createServer((req, res) => {
  const p = req.url;
  if (p === '/') return res.end(page(p, ['acme/', 'beta/']));
  if (p === '/acme/' || p === '/beta/') return res.end(page(p, ['c.wav']));
  if (p.endsWith('/index.html') || p.endsWith('/index.htm')) {
    res.writeHead(p.startsWith('/beta/') ? status : 404, status >= 300 && status < 400 ? { location: '/elsewhere/' } : {});
    return res.end();
  }
  if (p.endsWith('/c.wav')) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) return res.end(wav);
    const a = Number(m[1]), b = Math.min(Number(m[2]), wav.length - 1);
    res.writeHead(206, { 'content-range': 'bytes ' + a + '-' + b + '/' + wav.length, 'content-length': b - a + 1 });
    return res.end(wav.subarray(a, b + 1));
  }
  res.writeHead(404);
  res.end();
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

describe("an index check answered other than 'not found' (29b C2)", () => {
  for (const status of [301, 403, 500])
    it(`HTTP ${status} for beta/index.html makes beta a gap; a 404 does not`, async () => {
      const script = join(tempDir(), 'odd.cjs');
      writeFileSync(script, ODD);
      const server = spawn(process.execPath, [script, call().toString('base64'), String(status)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      stops.push(() => void server.kill());
      const port = await new Promise<string>((resolve) =>
        server.stdout.once('data', (d: Buffer) => resolve(String(d).trim())),
      );
      const { status: exit, beta, acme, stderr } = betaOf(`http://127.0.0.1:${port}/`);
      // before: beta "complete", its recording counted, exit 0: the page taken for its listing
      expect(exit, stderr).toBe(3);
      expect(beta.completeness).toMatch(/^incomplete: 1 folder that could hold its files could not be read/);
      expect(beta.files).toBe('');
      expect(acme).toMatchObject({ completeness: 'complete', files: '1' });
    });
});

describe('a {customer} pattern read more than one way (29b C3, C4, C5)', () => {
  it('an unreadable folder whose name is more than one customer is a gap of each (C3)', (ctx) => {
    const root = join(tempDir('leaktally-r29-'), 'tree');
    put(root, 'acme_2019/a.wav', call());
    put(root, 'acme_x_2019/b.wav', call());
    const out = tempDir('leaktally-r29-');
    chmodSync(out, 0o777);
    const reg = join(out, 'r.csv');
    writeFileSync(reg, 'key,controller\nacme,Acme AB\nacme_x,Beta AB\n');
    chmodSync(join(root, 'acme_x_2019'), 0);
    try {
      const u = unprivileged(root, out);
      if (!('run' in u)) return ctx.skip(u.skip);
      const r = u.run([root, '--register', reg, '--pattern', '{customer}_*/*', '--csv', join(out, 's.csv')]);
      expect(r.status, r.stderr).toBe(3);
      const beta = csvObjects(readFileSync(join(out, 's.csv'), 'utf8')).find((o) => o.controller === 'Beta AB')!;
      // before: "complete", Beta AB "not affected" (the folder taken for acme's alone)
      expect(beta.completeness).toMatch(/^incomplete: 1 folder that could hold its files could not be read/);
    } finally {
      chmodSync(join(root, 'acme_x_2019'), 0o755);
    }
  });

  it('a file whose name is also read as a customer no key names is every controller’s gap (M1)', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme_zzz_2019/b.wav', call());
    const out = tempDir();
    const reg = join(out, 'r.csv');
    writeFileSync(reg, 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
    const r = runCli([root, '--register', reg, '--pattern', '{customer}_*/*', '--csv', join(out, 's.csv')]);
    expect(r.status, r.stderr).toBe(3);
    const rows = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
    // before: Beta AB "complete", "not affected": the file acme's, or acme_zzz's, which no key names
    for (const c of ['Acme AB', 'Beta AB'])
      expect(rows.find((o) => o.controller === c)!.completeness, c).toMatch(
        /^incomplete: 1 customer that no key of the register names holds 1 file that is or may be a recording/,
      );
  });

  it('a name read more ways than are kept is unmatched, not placed at the shortest (C4)', () => {
    const p = compilePattern('*/*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*');
    const at = (fields: string) =>
      matchPattern(p, `2019/02/01/in-0812345001-${fields}0812345009-0701740699-20190201-130000-1.wav`, 'UTC');
    // one more field: read two ways, both kept
    expect(at('q0-')).toMatchObject({ customer: '0812345001' });
    expect(at('q0-')?.otherCustomers).toContain('0812345009');
    // two more: read more ways than kept; before, placed at 0812345001 with 0812345009 dropped
    expect(at('q0-q1-')).toBeUndefined();
  });

  it('`**` both before and after {customer} is refused; on one side it is not (C5)', () => {
    for (const bad of ['**/{customer}/**', '**/{customer}/**/*.wav', '*/**/{customer}/**'])
      expect(() => compilePattern(bad), bad).toThrow(PatternError);
    for (const good of ['**/{customer}/*.wav', '{customer}/**', '*/{customer}/**'])
      expect(compilePattern(good)).toBeTruthy();
  });
});
