/**
 * What the UI tests share: row fixtures, the App rendered on a real scan (ink-testing-library),
 * waiting for a frame (never for a time), and a real terminal (tmux) for the end-to-end tests.
 */
import { render } from 'ink-testing-library';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { Scanner, type ScanConfig, type ScanResult } from '../src/scan/engine.js';
import { totalOf, type CustomerTotals } from '../src/scan/tally/aggregate.js';
import { App, type AppProps } from '../src/tui/App.js';
import { snapshotSource, type ScanSnapshot, type SnapshotSource } from '../src/tui/snapshot.js';
import { defaultExportPath } from '../src/tui/export.js';
import { tempDir } from './helpers.js';

export const ZONE = 'Europe/Stockholm';

/** What a terminal sends for each key. */
export const KEY = {
  enter: '\r',
  escape: '\x1b',
  down: '\x1b[B',
  up: '\x1b[A',
  backspace: '\x7f',
  end: '\x1b[F',
  home: '\x1b[H',
  pageDown: '\x1b[6~',
  tab: '\t',
  ctrlC: '\x03',
  ctrlU: '\x15',
};

/** A customer row with every count set from `files` (all audio, an hour each unless told). */
export const cust = (customer: string, files: number, extra: Partial<CustomerTotals> = {}): CustomerTotals => ({
  customer,
  kind: customer === '(unmatched)' ? 'unmatched' : customer === '(top level)' ? 'top-level' : 'customer',
  withheldCallerCalls: 0,
  pastRetentionFiles: 0,
  pastRetentionMicros: 0,
  unreadableFolders: 0,
  hardLinks: 0,
  sparseFiles: 0,
  unopenedFiles: 0,
  files,
  audioFiles: files,
  otherFiles: 0,
  opaqueFiles: 0,
  unreadableFiles: 0,
  bytes: 0,
  audioMicros: files * 3600 * 1e6,
  formats: [],
  months: [],
  dateSources: [],
  unreadableExamples: [],
  ...extra,
});

/** Poll until a frame passes the test (generous: the suite shares the machine). */
export async function until(
  frame: () => string | undefined,
  test: (f: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const f = frame() ?? '';
    if (test(f)) return f;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every line of a frame fits `columns` terminal columns (wide characters count two) and it has at most rows - 1 lines. */
export function fits(frame: string, columns: number, rows: number): boolean {
  const lines = frame.replace(/\n$/, '').split('\n');
  return lines.length <= rows - 1 && lines.every((l) => stringWidth(l) <= columns);
}

/** customers k0…k(n-1), each with perCustomer tiny µ-law files: a scan that takes a moment */
export function flatTree(customers: number, perCustomer: number): string {
  const root = tempDir();
  for (let k = 0; k < customers; k++) {
    mkdirSync(join(root, `k${k}`));
    for (let i = 0; i < perCustomer; i++) writeFileSync(join(root, `k${k}`, `${i}.ul`), Buffer.alloc(80));
  }
  return root;
}

export interface Started extends ReturnType<typeof render> {
  done: Promise<ScanResult>;
  source: SnapshotSource;
  /** where exports go by default */
  out: string;
  /** the exit code once the user quit */
  quitCode: () => number | undefined;
  /** lets a held scan go on (see `held`) */
  release: () => void;
}

/**
 * The App on a real scan of root, in a terminal of the given size, exports defaulting into a temp folder.
 * `held`: the scan stops after its first few hundred files (the walk waits, as for a slow output) until
 * `release()` or a stop, so that a test acting "during the scan" never races a fast machine.
 */
export function startApp(
  root: string,
  { config, held = false, ...opts }: Partial<AppProps> & { config?: Partial<ScanConfig>; held?: boolean } = {},
): Started {
  let open = (): void => {};
  const gate = new Promise<void>((r) => (open = r));
  let holding = held;
  const release = (): void => {
    holding = false;
    open();
  };
  // the walk asks every few hundred files; the first time it goes on, so that those files are read
  // (with --threads 0 they are read while it waits), then it waits at the gate
  let asked = 0;
  const scanner = new Scanner({ root, depth: 1, zone: ZONE, threads: 0, ...config }, undefined, () =>
    holding && asked++ > 0 ? gate : undefined,
  );
  const done = scanner.run();
  const live = snapshotSource(scanner);
  // a stop must also open the gate, or the held walk would never see it
  const source: SnapshotSource = {
    ...live,
    stop: () => {
      live.stop();
      release();
    },
  };
  const out = tempDir();
  let code: number | undefined;
  const app = render(
    <App
      source={source}
      root={root}
      zone={ZONE}
      delimiter=","
      size={{ columns: 100, rows: 24 }}
      exportPath={(now) => defaultExportPath(root, ZONE, now, out)}
      onQuit={(c) => (code = c)}
      {...opts}
    />,
  );
  return { ...app, done, source, out, quitCode: () => code, release };
}

/** A source that publishes the given snapshots by hand (for screens no real scan here can make, e.g. as root an unreadable folder). */
export function fixedSource(
  snap: Omit<ScanSnapshot, 'seq' | 'totals' | 'folderErrors'> & Partial<Pick<ScanSnapshot, 'totals' | 'folderErrors'>>,
  config: Partial<ScanConfig> = {},
): SnapshotSource {
  const s: ScanSnapshot = {
    seq: 1,
    totals: snap.result?.totals ?? totalOf(snap.customers),
    folderErrors: snap.result?.folderErrors ?? [],
    ...snap,
  };
  const cfg: ScanConfig = { root: '/leak', depth: 1, zone: ZONE, threads: 0, ...config };
  return {
    config: cfg,
    snapshot: () => s,
    subscribe: () => () => {},
    stop: () => {},
    result: () => s.result!,
  };
}

// ---- a real terminal ----

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** This process's own tmux server (a private socket): other tmux users on the machine cannot stop it. */
const SOCKET = ['-L', `leaktally-test-${process.pid}`];
export const tmux = (...args: string[]): string => execFileSync('tmux', [...SOCKET, ...args], { encoding: 'utf8' });

/** A detached tmux session running a shell script; screen() captures it. */
export function terminal(name: string, columns: number, rows: number, script: string, dir = tempDir()) {
  const session = `leaktally-${name}-${process.pid}`;
  const file = join(dir, `${name}.sh`);
  writeFileSync(file, script);
  // When the previous test killed the server's last session, the server is still exiting: a client
  // that reaches it then gets "server exited unexpectedly". Tried again, it starts a new server.
  for (let attempt = 1; ; attempt++) {
    try {
      tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), `bash '${file}'`);
      break;
    } catch (e) {
      if (attempt >= 5 || !String(e).includes('server exited unexpectedly')) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 * attempt);
    }
  }
  return {
    session,
    dir,
    screen: (): string => tmux('capture-pane', '-t', session, '-p'),
    keys: (...keys: string[]): void => void tmux('send-keys', '-t', session, ...keys),
    resize: (c: number, r: number): void => void tmux('resize-window', '-t', session, '-x', String(c), '-y', String(r)),
    kill: (): void => void spawnSync('tmux', [...SOCKET, 'kill-session', '-t', session]),
  };
}

export async function waitFor(
  test: () => boolean,
  what: string,
  screen: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
