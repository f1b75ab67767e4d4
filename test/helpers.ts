/** Fixtures made in the tests: real WAV headers written byte by byte, temporary trees, CLI runs. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const SAMPLES = join(ROOT, 'samples');
export const LEAK = join(SAMPLES, 'leak');

const made: string[] = [];
afterAll(() => {
  for (const d of made) {
    try {
      chmodTree(d);
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

function chmodTree(d: string): void {
  spawnSync('chmod', ['-R', 'u+rwx', d]);
}

/** A fresh temporary folder, removed after the test file. World-readable, for the unprivileged-user tests. */
export function tempDir(prefix = 'leaktally-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  made.push(d);
  return d;
}

export function put(root: string, rel: string, content: Buffer | string): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
  writeFileSync(p, content);
  return p;
}

function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(declared >>> 0, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export interface WavSpec {
  /** WAVE format tag: 1 PCM, 6 A-law, 7 µ-law, 0x31 GSM 6.10, 0x11 IMA ADPCM */
  tag?: number;
  rate?: number;
  channels?: number;
  bits?: number;
  blockAlign?: number;
  byteRate?: number;
  samplesPerBlock?: number;
  /** bytes of audio actually written */
  dataBytes: number;
  /** the data size the header claims (default: dataBytes) */
  declared?: number;
  fact?: number;
  /** extra chunks before the data chunk */
  before?: Buffer[];
  after?: Buffer[];
  rf64?: boolean;
}

export function infoList(fields: Record<string, string>): Buffer {
  const subs = Object.entries(fields).map(([k, v]) => chunk(k, Buffer.from(v + '\0', 'latin1')));
  return chunk('LIST', Buffer.concat([Buffer.from('INFO'), ...subs]));
}

export function bext(date: string, time: string): Buffer {
  const b = Buffer.alloc(602);
  b.write(date, 320, 'latin1');
  b.write(time, 330, 'latin1');
  return chunk('bext', b);
}

export function rawChunk(id: string, body: Buffer, declared?: number): Buffer {
  return chunk(id, body, declared);
}

/** A real WAV file: RIFF header, fmt (with the extension for block-coded codecs), fact, data. */
export function wav(s: WavSpec): Buffer {
  const tag = s.tag ?? 1;
  const rate = s.rate ?? 8000;
  const ch = s.channels ?? 1;
  const bits = s.bits ?? (tag === 1 ? 16 : tag === 6 || tag === 7 ? 8 : tag === 0x11 ? 4 : 0);
  const blockAlign = s.blockAlign ?? (tag === 0x31 ? 65 : Math.max(1, (ch * bits) >> 3));
  const byteRate = s.byteRate ?? (tag === 0x31 ? 1625 : rate * blockAlign);
  const ext = s.samplesPerBlock !== undefined ? Buffer.from([2, 0, s.samplesPerBlock & 0xff, s.samplesPerBlock >> 8]) : Buffer.alloc(0);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(tag, 0);
  fmt.writeUInt16LE(ch, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(byteRate, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(bits, 14);
  const parts = [chunk('fmt ', Buffer.concat([fmt, ext]))];
  if (s.rf64) {
    const ds = Buffer.alloc(28);
    ds.writeBigUInt64LE(BigInt(s.dataBytes + 100), 0);
    ds.writeBigUInt64LE(BigInt(s.declared ?? s.dataBytes), 8);
    parts.unshift(chunk('ds64', ds));
  }
  if (s.fact !== undefined) {
    const f = Buffer.alloc(4);
    f.writeUInt32LE(s.fact, 0);
    parts.push(chunk('fact', f));
  }
  parts.push(...(s.before ?? []));
  const data = Buffer.alloc(s.dataBytes, 0x55);
  const dh = Buffer.alloc(8);
  dh.write('data', 0, 'latin1');
  dh.writeUInt32LE(s.rf64 ? 0xffffffff : (s.declared ?? s.dataBytes) >>> 0, 4);
  parts.push(dh, data);
  parts.push(...(s.after ?? []));
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write(s.rf64 ? 'RF64' : 'RIFF', 0, 'latin1');
  head.writeUInt32LE(s.rf64 ? 0xffffffff : body.length + 4, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: SpawnSyncOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', TZ: 'UTC' },
    timeout: 60_000,
    ...opts,
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Parse a CSV we wrote (BOM, CRLF, RFC 4180 quotes) into rows of cells. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** CSV rows as objects keyed by the header. */
export function csvObjects(text: string, delimiter = ','): Array<Record<string, string>> {
  const [head, ...rows] = parseCsv(text, delimiter);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}
