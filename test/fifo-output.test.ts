/**
 * A FIFO given as an output (issue 19: signals honoured whatever the run is doing). Opening a FIFO for
 * writing waits for a reader; the run held there ignored SIGTERM (the open was pending on the thread
 * pool and kept the process alive). The wait is now in the event loop: a stop signal ends the run
 * with its code and nothing left behind, and a FIFO with a reader gets its output.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, put, runCli, tempDir, wav } from './helpers.js';

const dir = tempDir('leaktally-fifo-');
const tree = join(dir, 'tree');
put(tree, 'acme/2024/call-20240105-101500.wav', wav({ tag: 7, dataBytes: 8000 }));

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo: ${String(r.stderr)}`);
}

/** the CLI on the tree, its stderr gathered, its exit awaited */
/**
 * Until the pipe that `probe` (a non-blocking writer of it) writes to is full: a byte more does not
 * fit (EAGAIN), so the run's own writes to it now wait.
 */
async function untilFull(probe: number): Promise<void> {
  for (;;) {
    try {
      writeSync(probe, '\n');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(args: string[], root = tree) {
  const child = spawn(process.execPath, [CLI, root, ...args], {
    env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let onErr: (() => void) | undefined;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onErr?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** until stderr says this (event-driven: no sleeping) */
    said: (re: RegExp) =>
      new Promise<void>((resolve) => {
        onErr = () => {
          if (re.test(stderr)) resolve();
        };
        onErr();
      }),
  };
}

/**
 * Once the run says it waits for the FIFO's reader, send it signal; its exit code, or 'hung' when it
 * has not ended 45 s later (generous for a loaded machine: before the fixes these runs never ended,
 * whatever the wait). A run still alive at the end is killed.
 */
async function signalWhileWaiting(
  run: ReturnType<typeof start>,
  signal: NodeJS.Signals,
): Promise<number | null | 'hung'> {
  const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 45_000).unref());
  try {
    expect(await Promise.race([run.said(/waiting for a reader of the FIFO/), hung]), run.stderr()).not.toBe('hung');
    run.child.kill(signal);
    return await Promise.race([run.exited, hung]);
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
}

describe('a FIFO as an output', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} while the run waits for the FIFO's reader ends it with ${code}, nothing left behind`, async () => {
      const out = join(dir, `out-${signal}`);
      mkdirSync(out);
      const fifo = join(dir, `manifest-${signal}.fifo`);
      mkfifo(fifo);
      // the CSV is opened (a temporary file and a lock in out/) before the FIFO holds the run
      const run = start(['--files', fifo, '--csv', join(out, 's.csv')]);
      const result = await signalWhileWaiting(run, signal);
      expect(result, run.stderr()).toBe(code);
      expect(run.stderr()).toMatch(new RegExp(`interrupted \\(${signal}\\) after 0 files; no output written`));
      expect(readdirSync(out)).toEqual([]); // no temporary file, no lock, no CSV
    }, 60_000);
  }

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`--diff: ${signal} while the run waits for the FIFO's reader ends it with ${code}, nothing left behind`, async () => {
      const out = join(dir, `diff-${signal}`);
      mkdirSync(out);
      const db = join(out, 'c.case');
      expect(runCli([tree, '--case', db, '--csv', join(dir, `d1-${signal}.csv`)]).status).toBe(0);
      expect(runCli([tree, '--case', db, '--csv', join(dir, `d2-${signal}.csv`)]).status).toBe(0);
      const fifo = join(dir, `diff-${signal}.fifo`);
      mkfifo(fifo);
      // `leaktally --diff CASE --csv FIFO`: before, the wait for a reader ignored every stop signal
      const run = start([db, '--csv', fifo, '--json', join(out, 'd.json')], '--diff');
      const result = await signalWhileWaiting(run, signal);
      expect(result, run.stderr()).toBe(code);
      expect(run.stderr()).toMatch(new RegExp(`--diff: interrupted \\(${signal}\\); nothing written\n$`));
      // the case file and its journal; no JSON, no temporary file, no lock
      expect(readdirSync(out).sort()).toEqual(['c.case', 'c.case-journal']);
    }, 60_000);
  }

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)
    it(`${signal} while the FIFO's reader has stopped reading (the pipe full) ends the run with ${code}`, async () => {
      // 3,000 rows of manifest, far more than a pipe holds (64 KiB): the run waits for its reader
      const big = join(dir, `big-${signal}`);
      for (let i = 0; i < 3000; i++) put(big, `acme/call-${i}.wav`, wav({ tag: i & 0xff, dataBytes: 800 }));
      const out = join(dir, `stalled-${signal}`);
      mkdirSync(out);
      const fifo = join(dir, `stalled-${signal}.fifo`);
      mkfifo(fifo);
      // a reader that never reads (`exec 3<fifo`), and the test's own writer to see the pipe full
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const probe = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      const run = start(['--files', fifo, '--csv', join(out, 's.csv')], big);
      // generous (a loaded machine), and inside the test's own time: before, the run never ended
      const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref());
      let result: number | null | 'hung';
      try {
        // full: before, a thread of the pool was then held in write(2), and process.exit waited for
        // it: no signal, nor any number of them, ended the run
        await untilFull(probe);
        run.child.kill(signal);
        result = await Promise.race([run.exited, hung]);
      } finally {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
        closeSync(probe);
        closeSync(reader);
      }
      expect(result, run.stderr()).toBe(code);
      expect(run.stderr()).toMatch(new RegExp(`interrupted \\(${signal}\\) after [\\d,]+ files; no output written`));
      expect(readdirSync(out)).toEqual([]);
    }, 60_000);

  it('SIGTERM with the manifest queued for a stdout whose reader stopped reading ends the run with 143', async () => {
    const big = join(dir, 'big-stdout');
    for (let i = 0; i < 3000; i++) put(big, `acme/call-${i}.wav`, wav({ tag: i & 0xff, dataBytes: 800 }));
    // stdout a FIFO whose reader (held here) never reads, and the test's own writer to see it full
    const fifo = join(dir, 'stdout.fifo');
    mkfifo(fifo);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const out = openSync(fifo, constants.O_WRONLY);
    const probe = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const child = spawn(process.execPath, [CLI, big, '--files', '-'], {
      env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' },
      stdio: ['ignore', out, 'pipe'],
    });
    closeSync(out);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref());
    let result: number | null | 'hung';
    try {
      await untilFull(probe);
      child.kill('SIGTERM');
      // before, Node waited for the reader to take the queued rows: the run never ended
      result = await Promise.race([exited, hung]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      closeSync(probe);
      closeSync(reader);
    }
    expect(result, stderr).toBe(143);
    expect(stderr).toMatch(/interrupted \(SIGTERM\) after [\d,]+ files; the manifest on stdout is partial/);
  }, 60_000);

  it('a FIFO with a reader gets the manifest (written directly, as a pipe of the shell)', async () => {
    const fifo = join(dir, 'read.fifo');
    mkfifo(fifo);
    const run = start(['--files', fifo, '--csv', join(dir, 'read.csv')]);
    let text = '';
    // the reader comes after the run began waiting (or before: either way it is found)
    const reader = createReadStream(fifo);
    reader.on('data', (d) => (text += d.toString()));
    const read = new Promise<void>((resolve) => reader.on('close', resolve));
    expect(await run.exited, run.stderr()).toBe(0);
    await read;
    expect(text).toMatch(/^\uFEFF?path,customer,kind/);
    expect(text).toContain('acme/2024/call-20240105-101500.wav');
  }, 60_000);

  it('a FIFO or a null device inside the evidence tree is refused, its times unchanged (attack round 12b, critical)', () => {
    const t = join(dir, 'tree2');
    put(t, 'acme/call-20240105-101500.wav', wav({ tag: 7, dataBytes: 8000 }));
    const fifo = join(t, 'acme', 'p.fifo');
    mkfifo(fifo);
    // a reader waiting, as an attacker would leave one: before, the summary was written into the FIFO
    const reader = spawn('cat', [fifo], { stdio: 'ignore' });
    const nul = join(t, 'null');
    const mk = spawnSync('mknod', [nul, 'c', '1', '3']);
    const times = (p: string): number[] => {
      const st = statSync(p);
      return [st.mtimeMs, st.ctimeMs];
    };
    const before = [times(fifo), times(join(t, 'acme')), ...(mk.status === 0 ? [times(nul)] : [])];
    try {
      for (const target of [fifo, join(t, 'acme', '..', 'acme', 'p.fifo'), ...(mk.status === 0 ? [nul] : [])]) {
        const r = runCli([t, '--tz', 'UTC', '--csv', target]);
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/refusing to write into the evidence tree/);
      }
      expect([times(fifo), times(join(t, 'acme')), ...(mk.status === 0 ? [times(nul)] : [])]).toEqual(before);
    } finally {
      reader.kill();
    }
  }, 60_000);
});
