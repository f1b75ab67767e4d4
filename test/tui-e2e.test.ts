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
      for (const line of table.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
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
        '1177-vardguiden', 'ambulanstransport', 'itell', 'trasiga-filer',
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
