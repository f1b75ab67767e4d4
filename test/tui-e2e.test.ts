/**
 * End to end: the real CLI in a real terminal (tmux), driven by keys and signals, checked on the
 * screen tmux holds. .ci/run installs tmux where it is missing.
 */
import { beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { CLI, LEAK, csvObjects, put, tempDir, unprivileged, unprivilegedRuntime } from './helpers.js';
import { flatTree, terminal, tmux, waitFor } from './tui-helpers.js';
import { AS_OF, CONTROLLERS, PATTERN, UNREGISTERED, generateItell } from './fixtures/itell.js';
import { describeWith, missing, unavailable } from './needs.js';

/** Run the CLI on root in a shell that prints BEFORE-UI first and records the exit code. */
function ui(name: string, columns: number, rows: number, root: string, args = '', prefix = '') {
  const cwd = tempDir();
  // HOME is the test's folder: the export's default folder (never the current folder, the repository)
  const script = `cd '${cwd}'\necho BEFORE-UI\n${prefix} env -u CI HOME='${cwd}' TZ=Europe/Stockholm '${process.execPath}' '${CLI}' ${root ? `'${root}'` : ''} ${args}\necho $? > exit-code.part && mv exit-code.part exit-code\nsleep 600\n`;
  const t = terminal(name, columns, rows, script, cwd);
  // written whole (renamed into place): a read never sees the file empty between its creation and the echo
  const exitCode = (): string | undefined =>
    existsSync(join(cwd, 'exit-code')) ? readFileSync(join(cwd, 'exit-code'), 'utf8').trim() : undefined;
  return { ...t, cwd, exitCode };
}

/** One whole frame of the given size: no line wider, nothing left over from earlier frames. */
const whole = (screen: string, columns: number, rows: number): boolean => {
  const lines = screen.replace(/\n$/, '').split('\n');
  return (
    lines.length <= rows &&
    lines.every((l) => stringWidth(l) <= columns) &&
    lines.filter((l) => l.startsWith('leaktally ')).length === 1 &&
    lines.filter((l) => /q quit|any other key/.test(l)).length === 1
  );
};

/** The terminal was given back: the shell's screen, not the UI's. */
const givenBack = (screen: string): boolean => screen.includes('BEFORE-UI') && !screen.includes('CUSTOMER');

/** The summary exported (key e) to a FIFO that no one reads, in the UI t: the export left waiting on it. */
async function exportToFifo(t: ReturnType<typeof ui>): Promise<void> {
  await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
  const fifo = join(t.cwd, 'ff');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  t.keys('e');
  await waitFor(() => t.screen().includes('Export the summary'), 'the export prompt', t.screen);
  // Ctrl-U and the path in one read, as two send-keys sometimes arrived on a busy machine: the erase
  // must still be the erase (it was a raw \x15, and the path went after the default name)
  t.keys('-l', `\x15${fifo}`);
  t.keys('Enter');
  await waitFor(() => t.screen().includes('y replaces it'), 'the question to replace', t.screen);
  t.keys('y');
  await waitFor(() => t.screen().includes('writing'), 'the export under way', t.screen);
}

describeWith(['tmux'], 'the UI in a real terminal', () => {
  // a tree whose scan (on the UI's own thread, --threads 0) lasts seconds even on a fast machine, so that
  // keys sent "during the scan" land during it (in-process journeys hold the scan instead: startApp held)
  // made once before the tests, under its own time limit: 60,000 files take a while on a busy machine,
  // and that must not count against a journey's
  let slowTree = '';
  beforeAll(() => {
    slowTree = flatTree(4, 15_000);
  }, 300_000);
  const slow = (): string => slowTree;

  it('table → Enter → Esc → e → Enter writes the CSV → q exits 0 at once and gives the terminal back', async () => {
    const t = ui('e2e', 80, 24, LEAK);
    try {
      await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
      const table = t.screen();
      expect(table).toMatch(/zone Europe\/Stockholm/);
      expect(table).toMatch(/CUSTOMER\s+FILES▼/);
      expect(table).toMatch(/TOTAL \(4\)\s+24\s+19/);
      await waitFor(
        () => whole(t.screen(), 80, 24) && t.screen().includes('LAST'),
        'one whole 80-column frame',
        t.screen,
      );
      // resizing: the table is drawn again for the new width (dates dropped first)
      t.resize(60, 20);
      await waitFor(
        () => whole(t.screen(), 60, 20) && !t.screen().includes('LAST'),
        'one whole 60-column frame',
        t.screen,
      );
      t.resize(80, 24);
      await waitFor(
        () => whole(t.screen(), 80, 24) && t.screen().includes('LAST'),
        'the 80-column frame again',
        t.screen,
      );
      t.keys('Enter');
      await waitFor(() => t.screen().includes('Recordings per month'), 'the customer view', t.screen);
      expect(whole(t.screen(), 80, 24)).toBe(true);
      t.keys('Escape');
      await waitFor(() => t.screen().includes('CUSTOMER'), 'the table again', t.screen);
      t.keys('e');
      await waitFor(() => t.screen().includes('Export the summary'), 'the export prompt', t.screen);
      expect(t.screen()).toMatch(/file: ~\/leaktally-leak-\d{8}-\d{6}\.csv/);
      t.keys('Enter');
      await waitFor(() => t.screen().includes('wrote '), 'the export', t.screen);
      const written = readdirSync(t.cwd).filter((f) => f.startsWith('leaktally-leak-'));
      expect(written).toHaveLength(1);
      expect(csvObjects(readFileSync(join(t.cwd, written[0]!), 'utf8')).map((r) => r.customer)).toEqual([
        '1177-vardguiden',
        'ambulanstransport',
        'itell',
        'trasiga-filer',
        '(total)',
      ]);
      t.keys('q'); // after an export q quits at once, from the "wrote" note too
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('0');
      await waitFor(() => givenBack(t.screen()), 'the shell screen back', t.screen);
    } finally {
      t.kill();
    }
  });

  it('120×40: the table, a customer and the help are whole frames', async () => {
    const t = ui('big', 120, 40, LEAK);
    try {
      await waitFor(() => t.screen().includes('done 100%') && whole(t.screen(), 120, 40), 'the table', t.screen);
      t.keys('Enter');
      await waitFor(
        () => t.screen().includes('Recordings per month') && whole(t.screen(), 120, 40),
        'the customer view',
        t.screen,
      );
      t.keys('?');
      await waitFor(
        () => t.screen().includes('Columns and rows') && whole(t.screen(), 120, 40),
        'the help, columns explained',
        t.screen,
      );
    } finally {
      t.kill();
    }
  });

  it('q during a scan asks; another key goes on scanning; y quits with 0 and gives the terminal back', async () => {
    const t = ui('q', 80, 24, slow(), '--threads 0');
    try {
      await waitFor(() => /[1-9][\d,]* (read )?\/ /.test(t.screen()), 'the scan under way', t.screen);
      t.keys('q');
      await waitFor(
        () => t.screen().includes('Quit? the scan is still running. y quits, any other key stays'),
        'the question',
        t.screen,
      );
      t.keys('n');
      await waitFor(
        () => t.screen().includes('q quit') && !t.screen().includes('Quit?'),
        'the question gone',
        t.screen,
      );
      expect(t.exitCode()).toBeUndefined();
      t.keys('q');
      await waitFor(() => t.screen().includes('Quit?'), 'the question again', t.screen);
      t.keys('y');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('3'); // the scan did not finish: incomplete
      await waitFor(() => givenBack(t.screen()), 'the shell screen back', t.screen);
    } finally {
      t.kill();
    }
  });

  it('Ctrl-C stops the scan (partial, no ETA); Ctrl-C again exits 130, the terminal given back, no temporary file left', async () => {
    const t = ui('cc', 80, 24, slow(), '--threads 0');
    try {
      await waitFor(() => /[1-9][\d,]* (read )?\/ /.test(t.screen()), 'the scan under way', t.screen);
      t.keys('C-c');
      await waitFor(() => t.screen().includes('stopped (partial)'), 'the stop', t.screen);
      expect(t.screen()).not.toMatch(/ETA|done 100%/);
      // under a stop, never "every folder read" (attack round 24b L1)
      await waitFor(() => t.screen().includes('not reached NOT COUNTED'), 'the stop line', t.screen);
      expect(t.screen()).not.toMatch(/every folder read/);
      expect(t.exitCode()).toBeUndefined();
      t.keys('C-c');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('130');
      await waitFor(() => givenBack(t.screen()), 'the shell screen back', t.screen);
      expect(readdirSync(t.cwd).filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      t.kill();
    }
  });

  it('kill -INT gives the terminal back (leaves the alternate screen) and exits 130', async () => {
    const t = ui('int', 80, 24, LEAK);
    try {
      await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
      const shell = tmux('display-message', '-p', '-t', t.session, '#{pane_pid}').trim();
      const pid = spawnSync('pgrep', ['-P', shell, '-f', CLI], { encoding: 'utf8' }).stdout.trim();
      expect(pid).toMatch(/^\d+$/);
      process.kill(Number(pid), 'SIGINT');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('130');
      await waitFor(() => givenBack(t.screen()), 'the shell screen back', t.screen);
    } finally {
      t.kill();
    }
  });

  it('as an unprivileged user, an unreadable folder is on the main screen and in its customer view', async (ctx) => {
    const root = tempDir();
    put(root, 'open/a.ul', Buffer.alloc(800));
    put(root, 'locked/2016/a.ul', Buffer.alloc(800));
    put(root, 'locked/2017/b.ul', Buffer.alloc(800));
    const nobody = unprivileged(root);
    if (nobody.skip) return unavailable(ctx, nobody.skip);
    const asRoot = process.getuid?.() === 0;
    const noSetpriv = asRoot && missing('setpriv');
    if (noSetpriv) return unavailable(ctx, `${noSetpriv}: to run the UI as uid 65534`);
    // a folder that user cannot list (root reads everything, so the test runs the UI as uid 65534)
    chmodSync(join(root, 'locked/2017'), 0o000);
    const cli = asRoot ? join(unprivilegedRuntime(), 'dist/cli/main.js') : CLI;
    const cwd = tempDir();
    const prefix = asRoot ? 'setpriv --reuid 65534 --regid 65534 --clear-groups' : '';
    const t = terminal(
      'nobody',
      80,
      24,
      `cd '${cwd}'\n${prefix} env -u CI TZ=UTC '${process.execPath}' '${cli}' '${root}'\necho $? > exit-code.part && mv exit-code.part exit-code\nsleep 600\n`,
      cwd,
    );
    try {
      await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
      expect(t.screen()).toMatch(/! 1 unreadable folder NOT COUNTED/);
      t.keys('s', 's', 's'); // by name: locked, open
      await waitFor(() => /^>locked/m.test(t.screen()), 'locked selected', t.screen);
      t.keys('Enter');
      await waitFor(() => t.screen().includes('Per year'), 'the customer view', t.screen);
      expect(t.screen()).toMatch(/1 folder here could not be read: NOT COUNTED/);
      expect(t.screen()).toMatch(/locked\/2017: EACCES/);
      expect(whole(t.screen(), 80, 24)).toBe(true);
    } finally {
      t.kill();
      chmodSync(join(root, 'locked/2017'), 0o755);
    }
  });

  it('headless on a terminal: progress and a closing summary on stderr, the CSV in the file', async () => {
    const cwd = tempDir();
    const t = terminal(
      'hl',
      100,
      10,
      `cd '${cwd}' && env -u CI '${process.execPath}' '${CLI}' '${LEAK}' --csv out.csv; echo EXIT=$?; sleep 60`,
      cwd,
    );
    try {
      await waitFor(() => t.screen().includes('EXIT='), 'the end of the run', t.screen);
      expect(t.screen()).toMatch(/leaktally: 24 files in 4 customers: 19 recordings, 0\.01 h, 4 unreadable/);
      expect(t.screen()).toContain('EXIT=0');
      expect(csvObjects(readFileSync(join(cwd, 'out.csv'), 'utf8'))).toHaveLength(5); // 4 customers and (total)
    } finally {
      t.kill();
    }
  });

  it("--register: the rows are controllers; Enter shows a controller's keys; e writes its row; a bad register exits 2 before the UI", async () => {
    const dir = tempDir();
    const g = generateItell(dir);
    const args = `--pattern '${PATTERN}' --register '${g.register}' --retention 30d --as-of ${AS_OF} --country SE`;
    const t = ui('reg', 100, 30, g.root, args);
    try {
      await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
      expect(t.screen()).toMatch(/CONTROLLER \/ KEY\s+FILES▼/);
      expect(t.screen()).toMatch(new RegExp(`TOTAL \\(${CONTROLLERS.length + UNREGISTERED.length}\\)`));
      // (nothing under its keys, but the fixture's unregistered keys may be its: dashes, never 0)
      expect(t.screen()).toMatch(/^ Ingen Fil AB\s+–\s/m);
      t.keys('/', 'Bilverkstan', 'Enter');
      await waitFor(() => /^>Bilverkstan i Norr AB/m.test(t.screen()), 'the controller highlighted', t.screen);
      t.keys('Enter');
      await waitFor(() => t.screen().includes('Controller: Bilverkstan'), 'the controller view', t.screen);
      expect(t.screen()).toMatch(/Keys \(2\):\n {2}0812345010 .*\n {2}0812345011 /);
      expect(whole(t.screen(), 100, 30)).toBe(true);
      t.keys('e');
      await waitFor(() => t.screen().includes('Export the summary'), 'the export prompt', t.screen);
      t.keys('Tab', 'Tab'); // everything by default; then the filtered rows; then this row
      await waitFor(
        () => t.screen().includes('[this customer (Bilverkstan i Norr AB)]'),
        'the export of this row',
        t.screen,
      );
      t.keys('Enter');
      await waitFor(() => t.screen().includes('wrote '), 'the export', t.screen);
      const written = readdirSync(t.cwd).filter((f) => f.endsWith('.csv'));
      expect(
        csvObjects(readFileSync(join(t.cwd, written[0]!), 'utf8')).map((r) => [r.customer, r.controller, r.files]),
      ).toEqual([
        ['0812345010; 0812345011', 'Bilverkstan i Norr AB', String(g.expected.get('Bilverkstan i Norr AB')!.files)],
        [
          `(total of 1 of ${CONTROLLERS.length + UNREGISTERED.length} rows: one row of the table: Bilverkstan i Norr AB)`,
          '',
          String(g.expected.get('Bilverkstan i Norr AB')!.files),
        ],
      ]);
      t.keys('q'); // after an export of one row, q asks
      await waitFor(() => t.screen().includes('only part of the summary has been exported'), 'the question', t.screen);
      t.keys('y');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      // (incomplete: the unregistered keys' recordings may be any controller's, as the headless run says)
      expect(t.exitCode()).toBe('3');
    } finally {
      t.kill();
    }
    put(dir, 'bad.csv', 'key,controller\n0812345001,A\n0812345001,B\n');
    const bad = ui('badreg', 100, 30, g.root, `--register '${join(dir, 'bad.csv')}'`);
    try {
      await waitFor(() => bad.exitCode() !== undefined, 'the exit', bad.screen);
      expect(bad.exitCode()).toBe('2');
      expect(bad.screen()).toMatch(/bad\.csv line 3: key 0812345001/);
    } finally {
      bad.kill();
    }
  }, 300_000);

  it('--from on a terminal opens the stored run, the tree gone: the same table, q exits 0', async () => {
    const dir = tempDir();
    const tree = join(dir, 'tree');
    expect(spawnSync('cp', ['-a', LEAK, tree]).status).toBe(0);
    const db = join(dir, 'leak.case');
    const scan = spawnSync(process.execPath, [CLI, tree, '--tz', 'Europe/Stockholm', '--case', db, '--no-tui'], {
      env: { ...process.env, CI: '1' },
    });
    expect(scan.status, String(scan.stderr)).toBe(0);
    rmSync(tree, { recursive: true });
    const t = ui('from', 80, 24, '', `--from '${db}'`);
    try {
      await waitFor(() => t.screen().includes('done 100%'), 'the table', t.screen);
      expect(t.screen()).toMatch(/TOTAL \(4\)\s+24\s+19/);
      t.keys('Enter');
      await waitFor(() => t.screen().includes('Recordings per month'), 'the customer view', t.screen);
      t.keys('Escape');
      t.keys('q'); // nothing exported: asked, as after a scan
      await waitFor(() => t.screen().includes('nothing has been exported'), 'the question', t.screen);
      t.keys('y');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('0');
      expect(givenBack(t.screen())).toBe(true);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('Ctrl-C while an export waits for a FIFO that has no reader: the UI ends (130), not a blank screen that never exits', async () => {
    const t = ui('fifo', 100, 30, LEAK);
    try {
      await exportToFifo(t);
      // before: the UI went away and the process polled the FIFO for ever (attack round 13b)
      t.keys('C-c');
      await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
      expect(t.exitCode()).toBe('130');
      expect(givenBack(t.screen())).toBe(true);
      expect(readdirSync(t.cwd).filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('Esc or q while an export waits for a FIFO that has no reader: the export is cancelled, the UI stays', async () => {
    for (const key of ['Escape', 'q']) {
      const t = ui(`fifo-${key}`, 100, 30, LEAK);
      try {
        await exportToFifo(t);
        // before: Esc and q did nothing while the export waited (only Ctrl-C, which quits; round 13b)
        t.keys(key);
        await waitFor(() => t.screen().includes('cancelled'), 'the export cancelled', t.screen);
        expect(t.screen()).not.toContain('writing');
        expect(t.exitCode()).toBeUndefined();
        // the prompt's next Esc goes back to the table; q quits there (nothing exported: it asks)
        t.keys('Escape');
        await waitFor(() => !t.screen().includes('Export the summary'), 'the table again', t.screen);
        t.keys('q');
        await waitFor(() => t.screen().includes('nothing has been exported'), 'the question', t.screen);
        t.keys('y');
        await waitFor(() => t.exitCode() !== undefined, 'the exit', t.screen);
        expect(t.exitCode()).toBe('0');
        expect(readdirSync(t.cwd).filter((f) => f.includes('.tmp-'))).toEqual([]);
      } finally {
        t.kill();
      }
    }
  }, 240_000);

  it('NO_COLOR: no colour escapes on screen', async () => {
    const t = ui('nc', 80, 24, LEAK, '', 'NO_COLOR=1 FORCE_COLOR=1');
    const screen = (): string => tmux('capture-pane', '-t', t.session, '-p', '-e');
    try {
      await waitFor(() => screen().includes('done 100%'), 'the table', screen);
      expect(screen()).not.toMatch(/\x1b\[(?:3[0-7]|9[0-7]|38;)/);
    } finally {
      t.kill();
    }
  });
});
