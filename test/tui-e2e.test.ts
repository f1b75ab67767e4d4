/**
 * End to end: the real CLI in a real terminal (tmux), on samples/leak, driven by keys.
 * .ci/run installs tmux where it is missing.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, LEAK, csvObjects, tempDir } from './helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

async function waitFor(test: () => boolean, what: string, screen: () => string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}

describe.skipIf(!hasTmux)('the UI in a real terminal', () => {
  it('table → Enter → Esc → e → Enter writes the CSV → q exits 0 and gives the terminal back', async () => {
    const cwd = tempDir();
    const session = `leaktally-e2e-${process.pid}`;
    const script = join(cwd, 'run.sh');
    writeFileSync(script, `cd '${cwd}'\necho BEFORE-UI\nenv -u CI TZ=Europe/Stockholm '${process.execPath}' '${CLI}' '${LEAK}'\necho $? > exit-code\nsleep 60\n`);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `bash '${script}'`);
    const screen = () => tmux('capture-pane', '-t', session, '-p');
    try {
      await waitFor(() => screen().includes('done 100%'), 'the table', screen);
      const table = screen();
      expect(table).toMatch(/CUSTOMER\s+FILES▼/);
      expect(table).toMatch(/TOTAL \(4\)\s+24\s+19/);
      // one whole frame of the given width: no line wider, nothing left over from earlier frames
      const whole = (width: number, extra: (t: string) => boolean) => () => {
        const t = screen();
        const lines = t.replace(/\n$/, '').split('\n');
        return extra(t) && lines.every((l) => [...l].length <= width) &&
          lines.filter((l) => l.includes('TOTAL (4)')).length === 1 &&
          lines.filter((l) => l.startsWith('leaktally ')).length === 1 &&
          lines.filter((l) => /^\s*CUSTOMER/.test(l)).length === 1;
      };
      await waitFor(whole(80, (t) => t.includes('LAST')), 'one whole 80-column frame', screen);
      // resizing: the table is drawn again for the new width (dates dropped first)
      tmux('resize-window', '-t', session, '-x', '60', '-y', '20');
      await waitFor(whole(60, (t) => !t.includes('LAST') && t.includes('export…')), 'one whole 60-column frame', screen);
      tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
      await waitFor(whole(80, (t) => t.includes('LAST') && t.includes('q quit')), 'the 80-column frame again', screen);
      tmux('send-keys', '-t', session, 'Enter');
      await waitFor(() => screen().includes('Recordings per month'), 'the customer view', screen);
      tmux('send-keys', '-t', session, 'Escape');
      await waitFor(() => screen().includes('CUSTOMER'), 'the table again', screen);
      tmux('send-keys', '-t', session, 'e');
      await waitFor(() => screen().includes('Export the summary CSV'), 'the export prompt', screen);
      expect(screen()).toMatch(/file: leaktally-leak-\d{8}-\d{4}\.csv/);
      tmux('send-keys', '-t', session, 'Enter');
      await waitFor(() => screen().includes('wrote '), 'the export', screen);
      const written = readdirSync(cwd).filter((f) => f.startsWith('leaktally-leak-'));
      expect(written).toHaveLength(1);
      expect(csvObjects(readFileSync(join(cwd, written[0]!), 'utf8')).map((r) => r.customer)).toEqual([
        '1177-vardguiden', 'ambulanstransport', 'itell', 'trasiga-filer', '(total)',
      ]);
      tmux('send-keys', '-t', session, 'Space');
      tmux('send-keys', '-t', session, 'q');
      await waitFor(() => existsSync(join(cwd, 'exit-code')), 'the exit', screen);
      expect(readFileSync(join(cwd, 'exit-code'), 'utf8').trim()).toBe('0');
      const after = screen();
      expect(after).toContain('BEFORE-UI'); // the alternate screen is gone: the shell's screen is back
      expect(after).not.toContain('CUSTOMER');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });

  it('headless on a terminal: progress and a closing summary on stderr, the CSV in the file', async () => {
    const cwd = tempDir();
    const session = `leaktally-hl-${process.pid}`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '10',
      `cd '${cwd}' && env -u CI '${process.execPath}' '${CLI}' '${LEAK}' --csv out.csv; echo EXIT=$?; sleep 60`);
    const screen = () => tmux('capture-pane', '-t', session, '-p');
    try {
      await waitFor(() => screen().includes('EXIT='), 'the end of the run', screen);
      expect(screen()).toMatch(/leaktally: 24 files in 4 customers: 19 recordings, 0\.01 h, 4 unreadable/);
      expect(screen()).toContain('EXIT=0');
      expect(csvObjects(readFileSync(join(cwd, 'out.csv'), 'utf8'))).toHaveLength(5); // 4 customers and (total)
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });

  it('NO_COLOR: no colour escapes on screen', async () => {
    const session = `leaktally-nc-${process.pid}`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `env -u CI NO_COLOR=1 FORCE_COLOR=1 '${process.execPath}' '${CLI}' '${LEAK}'; sleep 60`);
    const screen = () => tmux('capture-pane', '-t', session, '-p', '-e');
    try {
      await waitFor(() => screen().includes('done 100%'), 'the table', screen);
      expect(screen()).not.toMatch(/\x1b\[(?:3[0-7]|9[0-7]|38;)/);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});
