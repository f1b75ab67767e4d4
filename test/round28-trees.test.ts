/**
 * Attack round 28b: a folder's saved listing served by nginx with `ssi on` (its filter drops the
 * Last-Modified and ETag that told a saved page from a listing) passed as the folder's listing (C1);
 * with a {customer} pattern, an unreadable folder of a customer no key names was no controller's gap
 * (C2), and an unreadable folder whose files the pattern could not match was no row's gap, though read
 * its files would be unmatched, a gap of every row (C3); a register of 9.5 million short keys (under
 * the byte bound) crashed the run after its scan, in the look-alike index (H1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { serve } from './http-servers.js';
import { parseRegister } from '../src/report/notify/register.js';
import { describeWith } from './needs.js';

const call = (): Buffer => wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

describeWith(['nginx'], 'a saved listing served by nginx with ssi on (attack round 28b C1)', () => {
  it("is not taken for the folder's listing: the folder is a gap, its controller never 'not affected'", async () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme/c1.wav', call());
    put(root, 'beta/c2.wav', call());
    // what wget -m saves of an open directory: the listing as it was, as beta/index.html
    put(
      root,
      'beta/index.html',
      '<html>\r\n<head><title>Index of /beta/</title></head>\r\n<body>\r\n<h1>Index of /beta/</h1><hr><pre><a href="../">../</a>\r\n</pre><hr></body>\r\n</html>\r\n',
    );
    const reg = join(tempDir(), 'r.csv');
    writeFileSync(reg, 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
    const server = await serve('nginx', root, { ssi: true });
    stops.push(() => server.stop());
    // (the page comes with neither validator: what the earlier check relied on)
    const head = await fetch(server.url + 'beta/');
    expect([head.headers.get('last-modified'), head.headers.get('etag')]).toEqual([null, null]);
    const out = tempDir();
    const r = runCli([server.url, '--register', reg, '--csv', join(out, 's.csv'), '--statements', join(out, 'st')]);
    // before: beta "complete", 0 files, Beta AB "Not affected by this breach", exit 0
    expect(r.status, r.stderr).toBe(3);
    const beta = csvObjects(readFileSync(join(out, 's.csv'), 'utf8')).find((o) => o.controller === 'Beta AB')!;
    expect(beta.completeness).toMatch(/^incomplete: 1 folder that could hold its files could not be read/);
    expect(htmlText(readFileSync(join(out, 'st', 'Beta AB.html'), 'utf8'))).toMatch(/CANNOT BE RULED OUT/);
  });
});

describe('an unreadable folder under a {customer} pattern (attack round 28b C2, C3)', () => {
  it("of a customer no key names is every controller's gap, as with --depth (C2)", (ctx) => {
    const root = join(tempDir('leaktally-r28-'), 'tree');
    put(root, 'acme/a.wav', call());
    put(root, 'zzz/z.wav', call());
    const out = tempDir('leaktally-r28-');
    chmodSync(out, 0o777);
    const reg = join(out, 'r.csv');
    writeFileSync(reg, 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
    chmodSync(join(root, 'zzz'), 0);
    try {
      const u = unprivileged(root, out);
      if (!('run' in u)) return ctx.skip(u.skip);
      const r = u.run([root, '--register', reg, '--pattern', '{customer}/*', '--csv', join(out, 's.csv')]);
      expect(r.status, r.stderr).toBe(3);
      const rows = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
      // before: Acme AB "complete" (its statement "exact"), Beta AB "complete", "Not affected"
      for (const c of ['Acme AB', 'Beta AB'])
        expect(rows.find((o) => o.controller === c)!.completeness, c).toMatch(
          /1 customer that no key of the register names holds 1 folder that could not be read: until each is assigned/,
        );
    } finally {
      chmodSync(join(root, 'zzz'), 0o755);
    }
  });

  it('whose files the pattern could not match is every row’s gap, as its files read would be (C3)', (ctx) => {
    const root = join(tempDir('leaktally-r28-'), 'tree');
    put(root, 'acme/a.wav', call());
    put(root, 'beta/b.wav', call());
    put(root, 'acme/sub/c.wav', call());
    const out = tempDir('leaktally-r28-');
    chmodSync(out, 0o777);
    const run = (u: (args: string[]) => { status: number | null }, name: string) => {
      const r = u([root, '--pattern', '{customer}/*.wav', '--csv', join(out, name)]);
      return { status: r.status, rows: csvObjects(readFileSync(join(out, name), 'utf8')) };
    };
    const u = unprivileged(root, out);
    if (!('run' in u)) return ctx.skip(u.skip);
    // read: acme/sub/c.wav is unmatched, and every row incomplete
    const read = run((a) => u.run(a), 'read.csv');
    expect(read.rows.find((o) => o.customer === 'beta')!.completeness).toMatch(
      /^incomplete: 1 file could not be attributed/,
    );
    chmodSync(join(root, 'acme/sub'), 0);
    try {
      const unread = run((a) => u.run(a), 'unread.csv');
      expect(unread.status).toBe(3);
      // before: acme and beta both "complete"
      for (const c of ['acme', 'beta'])
        expect(unread.rows.find((o) => o.customer === c)!.completeness, c).toMatch(
          /^incomplete: 1 folder that could hold its files could not be read/,
        );
    } finally {
      chmodSync(join(root, 'acme/sub'), 0o755);
    }
  });
});

describe('a register of more keys than any processor has (attack round 28b H1)', () => {
  it('is refused before the scan with one line, not a crash after it', () => {
    const lines = ['key,controller'];
    for (let i = 0; i <= 1_000_000; i++) lines.push(`k${i.toString(36)},C`);
    expect(() => parseRegister(lines.join('\n') + '\n')).toThrow(
      /^register line 1000002: more than 1,000,000 keys; a register gives at most that many \(is this the register\?\)$/,
    );
  });
});
