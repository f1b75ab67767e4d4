/** Fixtures made in the tests: real WAV headers written byte by byte, temporary trees, CLI runs. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export { wav, wavHeader, infoList, bext, rawChunk, type WavSpec } from '../src/bench/wavwriter.js';

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
