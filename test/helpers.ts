/** Fixtures made in the tests: real WAV headers written byte by byte, temporary trees, CLI runs. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync, readFileSync, cpSync, existsSync } from 'node:fs';
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
  // removing trees of 100,000 files is slow on a loaded machine; cleaning up asserts nothing, so it
  // must not fail a test file by running past the hook timeout
}, 600_000);

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

export function runCli(args: string[], opts: SpawnSyncOptions = {}, cli = CLI): CliRun {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    // NODE_ENV: vitest sets it to 'test', which the child would inherit, and React's development build
    // renders statements ~3× slower than the production build every user runs (statements.ts)
    env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' },
    timeout: 60_000,
    ...opts,
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Running the CLI as an unprivileged user (uid/gid 65534) from a root test run. That user must be able
 * to start node and load leaktally, wherever this checkout lives: a clone inside a private (0700)
 * folder — what `mktemp -d` makes — is out of its reach, and node would fail to load the CLI (exit 1),
 * which a test would misread as leaktally's answer. So the runtime (dist/, package.json and the
 * production packages listed in package-lock.json, patched as installed) is copied once into a
 * world-readable temporary folder, and the user is checked to reach it and the fixture tree before any
 * test relies on it. `skip` says why it cannot be done (node itself, or the fixtures, out of its reach).
 */
export type Unprivileged = { run(args: string[]): CliRun; skip?: undefined } | { skip: string };

const NOBODY = { uid: 65534, gid: 65534 };
let runtime: string | undefined;

export function unprivilegedRuntime(): string {
  if (runtime) return runtime;
  const d = mkdtempSync(join(tmpdir(), 'leaktally-runtime-'));
  chmodSync(d, 0o755);
  made.push(d);
  cpSync(join(ROOT, 'dist'), join(d, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(d, 'package.json'));
  // the folder-listing addon, when built (native/listdir.c)
  if (existsSync(join(ROOT, 'build/Release/listdir.node')))
    cpSync(join(ROOT, 'build/Release/listdir.node'), join(d, 'build/Release/listdir.node'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const copied: string[] = [];
  for (const [path, meta] of Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path || meta.dev || !existsSync(join(ROOT, path))) continue;
    if (copied.some((c) => path.startsWith(c + '/'))) continue; // nested: came with its parent
    copied.push(path);
    mkdirSync(dirname(join(d, path)), { recursive: true });
    // hard links: ~10,000 files in a second or two even on a loaded machine, where copying their
    // bytes took over a minute; a copy where links cannot be made (another file system)
    if (spawnSync('cp', ['-al', join(ROOT, path), join(d, path)]).status !== 0) {
      cpSync(join(ROOT, path), join(d, path), { recursive: true, verbatimSymlinks: true });
    }
  }
  // dist/ is copied with this umask's modes; the linked packages keep theirs (a chmod would change the
  // installed files too): if they are not readable by others, the check below says so
  spawnSync('chmod', [
    '-R',
    'a+rX',
    join(d, 'dist'),
    join(d, 'package.json'),
    ...(existsSync(join(d, 'build')) ? [join(d, 'build')] : []),
  ]);
  return (runtime = d);
}

/** The CLI as uid 65534, or why that cannot be done here; `fixtures` are paths that user must reach. */
export function unprivileged(...fixtures: string[]): Unprivileged {
  // an ordinary user is unprivileged already: run as oneself
  if (process.getuid?.() !== 0) return { run: (args) => runCli(args) };
  const rt = unprivilegedRuntime();
  const cli = join(rt, 'dist/cli/main.js');
  const probe = spawnSync(process.execPath, [cli, '--version'], { ...NOBODY, encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- null, not a string, when the command cannot be spawned
      skip: `uid 65534 cannot run ${process.execPath} (${probe.error?.message ?? String(probe.stderr).trim()}): put node where every user can reach it`,
    };
  }
  for (const f of fixtures) {
    const r = spawnSync('test', ['-x', f], NOBODY);
    if (r.status !== 0) return { skip: `uid 65534 cannot reach ${f}: the temporary folder (TMPDIR) is private` };
  }
  return {
    run: (args) => runCli(args, NOBODY, cli),
  };
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
export function csvObjects(text: string, delimiter = ','): Record<string, string>[] {
  const [head, ...rows] = parseCsv(text, delimiter);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

/** The figures of one row (or the totals) of the summary JSON (--json) that the tests read. */
export interface SummaryCountsJson {
  files: number;
  audio_files: number;
  other_files: number;
  unreadable_files: number;
  unreadable_folders: number;
  audio_seconds: number;
  formats: Record<string, number>;
  months: Record<string, { audio_files: number; audio_seconds: number }>;
  [field: string]: unknown;
}

/** The summary JSON (--json) as the tests read it, so that no test works on JSON.parse's `any`. */
export interface SummaryJson {
  root: string;
  options: Record<string, unknown>;
  totals: SummaryCountsJson;
  customers: (SummaryCountsJson & { customer: string })[];
  atimes_kept: { folders: boolean; files_not_kept: number };
  [field: string]: unknown;
}

export const parseSummary = (text: string): SummaryJson => JSON.parse(text) as SummaryJson;

/** A statement page's text as a reader sees it: styles (and charts, with charts: false) dropped, tags a space, entities decoded. */
export function htmlText(h: string, opts: { charts?: boolean } = {}): string {
  return (opts.charts === false ? h.replace(/<svg[\s\S]*?<\/svg>/g, '') : h)
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
