/**
 * The parts of sizing a web server in place that a real server does not exercise on demand: links a
 * listing must not follow (sort links, the parent, other hosts, above the start, deeper down), names
 * that are not UTF-8 kept as bytes both ways, Retry-After in both its forms, and how --connections is
 * shared. The servers themselves are in http.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseListing } from '../src/scan/http/listing.js';
import { authorization, connectionShares, decodePath, encodePath, remoteRoot } from '../src/scan/http/url.js';
import { retryAfterMs } from '../src/scan/http/client.js';

const names = (html: string, at = 'http://h.example/leak/calls/', type = 'text/html'): string[] =>
  parseListing(Buffer.from(html, 'latin1'), type, new URL(at)).map(
    (e) => e.name.toString('latin1') + (e.dir ? '/' : ''),
  );

describe('a listing', () => {
  it('gives the folder’s children only: no sort, parent, off-host, above-start or deeper links', () => {
    const html = `<html><body><table>
      <tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
      <tr><td><a href="/leak/">Parent Directory</a></td></tr>
      <tr><td><a href="../">..</a></td></tr>
      <tr><td><a href="./">.</a></td></tr>
      <tr><td><a href="http://other.example/leak/calls/x.wav">elsewhere</a></td></tr>
      <tr><td><a href="https://h.example/leak/calls/y.wav">another scheme</a></td></tr>
      <tr><td><a href="/">home</a></td></tr>
      <tr><td><a href="2019/01/">too deep</a></td></tr>
      <tr><td><a href="a.wav?download=1">a query</a></td></tr>
      <tr><td><a href="2019/">2019/</a></td></tr>
      <tr><td><a href="in-1.wav">in-1.wav</a></td></tr>
      <tr><td><a href="/leak/calls/in-2.wav#x">absolute, with a fragment</a></td></tr>
      <tr><td><a href="http://h.example/leak/calls/in-3.wav">absolute URL, same host</a></td></tr>
      <tr><td><a href="in-1.wav">in-1.wav again</a></td></tr>
    </table></body></html>`;
    expect(names(html).sort()).toEqual(['2019/', 'in-1.wav', 'in-2.wav', 'in-3.wav']);
  });

  it('keeps a name that is not UTF-8 as its bytes, percent-encoded or raw', () => {
    const listed = parseListing(
      Buffer.concat([
        Buffer.from('<a href="samtal_%E5%E4%F6.wav">x</a><a href="r'),
        Buffer.from([0xe5, 0x20]),
        Buffer.from('.wav">y</a><a href="%C3%A5.wav">z</a>'),
      ]),
      'text/html',
      new URL('http://h.example/'),
    );
    expect(listed.map((e) => e.name.toString('hex'))).toEqual([
      Buffer.from('samtal_\xe5\xe4\xf6.wav', 'latin1').toString('hex'),
      Buffer.from('r\xe5 .wav', 'latin1').toString('hex'),
      Buffer.from('å.wav', 'utf8').toString('hex'),
    ]);
  });

  it("reads nginx's JSON and XML formats (by Content-Type), names as the server wrote their bytes", () => {
    const raw = Buffer.from('samtal_\xe5.wav', 'latin1');
    const json = Buffer.concat([
      Buffer.from('[{ "name":"2019", "type":"directory" },{ "name":"'),
      raw,
      Buffer.from('", "type":"file", "size":9 },{ "name":"l", "type":"other" }]'),
    ]);
    const j = parseListing(json, 'application/json', new URL('http://h.example/'));
    // ('other': an entry that is no file to read, a gap of its row: test/round27.test.ts)
    expect(j.map((e) => [e.name.toString('latin1'), e.dir])).toEqual([
      ['2019', true],
      [raw.toString('latin1'), false],
      ['l', false],
    ]);
    const xml = Buffer.from(
      '<?xml version="1.0"?><list><directory mtime="x">a&amp;b</directory><file size="1">c.wav</file></list>',
    );
    const x = parseListing(xml, 'text/xml', new URL('http://h.example/'));
    expect(x.map((e) => [e.name.toString(), e.dir])).toEqual([
      ['a&b', true],
      ['c.wav', false],
    ]);
  });
});

describe('URLs and names', () => {
  it('encodes every byte but the unreserved, and decodes back to the same bytes', () => {
    const b = Buffer.from([0x61, 0x20, 0xe5, 0x2f, 0x25, 0x3f, 0x23, 0x7e]);
    expect(encodePath(b)).toBe('a%20%E5/%25%3F%23~');
    expect(decodePath(encodePath(b)).equals(b)).toBe(true);
  });

  it('takes a folder URL, refusing credentials and queries', () => {
    expect(remoteRoot('http://h.example/leak')).toBe('http://h.example/leak/');
    expect(remoteRoot('https://u:p@h.example/')).toHaveProperty('problem');
    expect(remoteRoot('http://h.example/?C=N')).toHaveProperty('problem');
    expect(remoteRoot('ftp://h.example/')).toHaveProperty('problem');
  });
  it('reads LEAKTALLY_HTTP_AUTH as Basic or Bearer, refusing a value of neither form or with a line break', () => {
    expect(authorization('')).toBeUndefined();
    expect(authorization('ann:pa:ss')).toBe(`Basic ${Buffer.from('ann:pa:ss').toString('base64')}`);
    expect(authorization('bearer abc.def')).toBe('Bearer abc.def');
    for (const bad of ['token-only', ':password', 'ann:pa\r\nX-Evil: 1', 'Bearer a b'])
      expect(authorization(bad), bad).toHaveProperty('problem');
  });
});

describe('the client', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Mon, 01 Jan 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('shares --connections between the walk and the reader threads, never more than given', () => {
    for (const [conn, threads] of [
      [8, 2],
      [8, 8],
      [2, 4],
      [16, 3],
      [4, 0],
    ] as const) {
      const s = connectionShares(conn, threads);
      expect(s.walk + Math.max(1, s.threads) * s.perThread).toBeLessThanOrEqual(conn);
      expect(s.walk).toBeGreaterThanOrEqual(1);
      expect(s.perThread).toBeGreaterThanOrEqual(1);
    }
  });
});
