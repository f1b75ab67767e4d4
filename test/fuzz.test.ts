/**
 * Fuzzing the whole CLI with hostile trees: names with control characters, bidi and zero-width
 * characters, newlines, quotes, delimiters, formula prefixes, bytes that are not UTF-8, very long
 * names; contents of random bytes, cut headers, real WAV. A seeded generator (mulberry32) rather than
 * a property-testing library: every run is the same trees (a failure names its seed and reproduces),
 * the number of trees is fixed (the runtime is bounded), and no dependency is needed for it.
 *
 * Invariants: exit 0, no throw; per customer files = audio + other + unreadable and equal to the files
 * made there; every regular file is in the manifest once; the CSVs parse to the expected rows; the
 * JSON agrees; nothing written to a terminal (stderr; stdout on a pseudo-terminal) holds a raw control,
 * bidi or zero-width character.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, csvObjects, parseCsv, parseSummary, tempDir, wav } from './helpers.js';
import { keyName } from '../src/scan/place/names.js';
import { safeText } from '../src/report/write/cells.js';
import { missing, unavailable } from './needs.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES: Buffer[] = [
  '\x1b]0;t\x07',
  '\x1b[2J',
  '\x1b[31m',
  '\x07',
  '\b',
  '\r',
  '\n',
  '\t',
  '\x7f',
  '\u009b',
  '\u0085',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200f',
  '\ufeff',
  '\u2028',
  '\u2029',
  '"',
  "'",
  ',',
  ';',
  '=',
  '+',
  '-',
  '@',
  '=cmd|"/c calc"!A1',
  ' ',
  'é',
  '😀',
  'kund',
  'call',
  '2019',
  '20190114-083012',
  '.wav',
  '.mp3',
  '.ul',
].map((s) => Buffer.from(s));
const BAD_BYTES = [0xff, 0xfe, 0xe9, 0xc3, 0x80, 0x9b, 0xed];

function hostileName(rnd: () => number, taken: Set<string>): Buffer {
  for (;;) {
    const parts: Buffer[] = [];
    const n = 1 + Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.15) parts.push(Buffer.from([BAD_BYTES[Math.floor(rnd() * BAD_BYTES.length)]!]));
      else if (r < 0.2) parts.push(Buffer.from('x'.repeat(40 + Math.floor(rnd() * 200))));
      else parts.push(PIECES[Math.floor(rnd() * PIECES.length)]!);
    }
    let name = Buffer.concat(parts).subarray(0, 250);
    // a name is any bytes but '/' and NUL, not '.' or '..'
    name = Buffer.from([...name].filter((b) => b !== 0x2f && b !== 0));
    const key = name.toString('latin1');
    if (name.length && key !== '.' && key !== '..' && !taken.has(key)) {
      taken.add(key);
      return name;
    }
  }
}

function hostileContent(rnd: () => number): Buffer {
  const r = rnd();
  const good = wav({ tag: 7, dataBytes: 800 });
  if (r < 0.2) return good;
  if (r < 0.4) return good.subarray(0, Math.floor(rnd() * good.length)); // a cut header
  if (r < 0.5) return Buffer.alloc(0);
  if (r < 0.6) return Buffer.from('<html><body>404</body></html>');
  const magic = [
    Buffer.from('RIFF'),
    Buffer.from('OggS'),
    Buffer.from('ID3'),
    Buffer.from('\0\0\0\x18ftypmp42'),
    Buffer.from('fLaC'),
    Buffer.alloc(0),
  ][Math.floor(rnd() * 6)]!;
  const junk = Buffer.alloc(Math.floor(rnd() * 3000));
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rnd() * 256);
  return Buffer.concat([magic, junk]);
}

interface Tree {
  root: string;
  /** customer as the summary shows it → files made under it */
  perCustomer: Map<string, number>;
  files: number;
}

function makeTree(seed: number): Tree {
  const rnd = mulberry32(seed);
  const root = tempDir('leaktally-fuzz-');
  const rootB = Buffer.from(root + '/');
  const perCustomer = new Map<string, number>();
  let files = 0;
  const taken = new Set<string>();
  const customers = 2 + Math.floor(rnd() * 4);
  const write = (rel: Buffer[], customer: string): void => {
    const p = Buffer.concat([rootB, ...rel.flatMap((b, i) => (i ? [Buffer.from('/'), b] : [b]))]);
    writeFileSync(p, hostileContent(rnd));
    perCustomer.set(customer, (perCustomer.get(customer) ?? 0) + 1);
    files++;
  };
  for (let c = 0; c < customers; c++) {
    const cname = hostileName(rnd, taken);
    // the customer as leaktally keys it: exact (bytes that are not UTF-8 as \xHH), in normal form C
    const shown = safeText(keyName(cname));
    mkdirSync(Buffer.concat([rootB, cname]));
    perCustomer.set(shown, perCustomer.get(shown) ?? 0);
    const n = Math.floor(rnd() * 8);
    const sub = rnd() < 0.5 ? hostileName(rnd, taken) : undefined;
    if (sub) mkdirSync(Buffer.concat([rootB, cname, Buffer.from('/'), sub]));
    for (let i = 0; i < n; i++) {
      const f = hostileName(rnd, taken);
      write(sub && rnd() < 0.5 ? [cname, sub, f] : [cname, f], shown);
    }
  }
  if (rnd() < 0.5) write([hostileName(rnd, taken)], '(top level)');
  return { root, perCustomer, files };
}

const RAW =
  /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

const SEEDS = [1, 2, 3, 4];

describe('fuzz: hostile names and contents', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: every file counted once, classes add up, outputs parse, terminals get no raw controls`, (ctx) => {
      const tree = makeTree(seed);
      const out = tempDir();
      const r = spawnSync(
        process.execPath,
        [CLI, tree.root, '--csv', join(out, 's.csv'), '--files', join(out, 'f.csv'), '--json', join(out, 'j.json')],
        {
          encoding: 'utf8',
          env: { ...process.env, CI: '1', TZ: 'UTC' },
          timeout: 120_000,
        },
      );
      expect(r.stderr.replace(/\n$/, '')).not.toMatch(RAW);
      // 3 when the hostile tree has links, special files or files above the customers (said on stderr)
      expect(r.status).toBe(r.stderr.includes('leaktally: incomplete: ') ? 3 : 0);

      const summary = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
      expect(parseCsv(readFileSync(join(out, 's.csv'), 'utf8'))).toHaveLength(tree.perCustomer.size + 2); // the header, a row per customer, the (total) row
      const got = new Map(summary.map((row) => [row.customer!, row]));
      for (const [customer, n] of tree.perCustomer) {
        const row = got.get(customer);
        expect(row, `customer ${JSON.stringify(customer)}`).toBeDefined();
        expect(Number(row!.files)).toBe(n);
        expect(Number(row!.audio_files) + Number(row!.other_files) + Number(row!.unreadable_files)).toBe(n);
      }

      const manifest = csvObjects(readFileSync(join(out, 'f.csv'), 'utf8'));
      expect(manifest).toHaveLength(tree.files);
      expect(new Set(manifest.map((m) => m.path)).size).toBe(tree.files);
      const json = parseSummary(readFileSync(join(out, 'j.json'), 'utf8'));
      expect(json.totals.files).toBe(tree.files);
      expect(json.totals.audio_files + json.totals.other_files + json.totals.unreadable_files).toBe(tree.files);

      // and on a terminal: the summary and the manifest on stdout, sanitised
      const noScript = missing('script');
      if (noScript) return unavailable(ctx, noScript);
      for (const flag of ['--csv', '--files']) {
        const t = spawnSync(
          'script',
          ['-qec', `'${process.execPath}' '${CLI}' '${tree.root}' ${flag} -`, '/dev/null'],
          {
            encoding: 'utf8',
            env: { ...process.env, CI: '1', TZ: 'UTC' },
            timeout: 120_000,
          },
        );
        expect(t.status).toBe(r.status);
        expect(t.stdout.replace(/\r\x1b\[K/g, '\r')).not.toMatch(RAW);
      }
    }, 300_000);
  }
});
