/**
 * The doc test: every command README.md and docs/*.md show is run, so a page cannot drift from the
 * tool it describes (the README once showed a quick start whose output needed a --tz it lacked).
 *
 * What it reads in each page, in order:
 * - a fenced block tagged `sh` (or bash, shell, console) is a command block: it is run with bash
 *   (`set -eo pipefail`, stderr merged into stdout as a terminal shows them), `leaktally` meaning
 *   the built CLI (`node dist/cli/main.js`), in a temporary folder that holds a copy of samples/. The
 *   blocks of one page run in order in one folder, so a later block may read what an earlier wrote;
 * - a fenced block tagged `text output` right after a command block (nothing but blank lines
 *   between) is what that command prints: the run must print exactly that, after the normalizations
 *   below;
 * - an HTML comment `<!-- doc-test: … -->` on the lines just before a command block says how to run
 *   it: `skip (why)` for a command a test cannot run (installing, a browser, the whole suite), listed
 *   with its reason among the skipped tests; `exit N` for a command that ends with status N (default
 *   0); `needs ffmpeg` for a command that needs a program (test/needs.ts: skipped without it, a
 *   failure in CI); `ui size=80x24 keys=K1,K2` for the interactive UI: run in a real terminal (tmux,
 *   at that size), the keys sent once the scan is done (tmux key names), the screen compared with the
 *   output block.
 * An unmarked command block that fails fails the test; so does a block that is not tagged `sh` but
 * starts with a command (`leaktally`, `npm`, `node`), a marker with no command block after it, and
 * an output block with no command before it: none of them could be checked.
 *
 * Normalizations, each of something that must vary from run to run and nothing else:
 * - the samples' mtimes: a clone's files carry the time of the checkout, and leaktally dates a file
 *   with no other date by it (samples/leak/trasiga-filer). The copy's mtimes are set to
 *   2019-02-18 09:00 Europe/Stockholm (the day the sample leak was "found"), as the pages say;
 * - the run's own clock: the scan's date and time (JSON `scannedAt`, the statements' "examined
 *   on …", the index's `written_at`). Every date from 2020 on is such a time (the samples' recordings
 *   are from 2018–2019 and the copy's mtimes from 2019), so any date-time of 2020 or later is
 *   replaced by one token, in the page and in the output alike;
 * - how long the run took: the UI's files/s and elapsed time, and the width of its progress bar,
 *   which gives way to the digits of the rate;
 * - the temporary folder: its absolute path (in a JSON `root`, a method) is shown as `/home/me/work`;
 * - the reader threads' default in --help: the number of cores, at most 8;
 * - the BOM that a CSV on stdout begins with when stdout is not a terminal (the test's case): on a
 *   terminal, as in the pages, leaktally leaves it out, and a page cannot show an invisible character.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { CLI, ROOT } from './helpers.js';
import { missing, unavailable, type Program } from './needs.js';

/** 2019-02-18 09:00 Europe/Stockholm: the mtime of every file in the test's copy of samples/ */
const PINNED_MTIME = '2019-02-18T08:00:00Z';
const TEMP_SHOWN_AS = '/home/me/work';

interface Block {
  page: string;
  line: number; // 1-based line of the opening fence
  body: string;
  skip?: string;
  exit: number;
  ui?: { keys: string[]; columns: number; rows: number };
  needs: Program[];
  output?: string;
}

const COMMAND_TAGS = new Set(['sh', 'bash', 'shell', 'console']);
const LOOKS_LIKE_COMMAND = /^\s*(\$ )?(leaktally|npm|npx|node)\b/;

/** The command blocks of one page, with their markers and outputs; problems are what cannot be checked. */
function parsePage(page: string, text: string): { blocks: Block[]; problems: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  let markers: { text: string; line: number }[] = [];
  let last: Block | undefined; // the command block an output block may follow
  let sinceLast = true; // only blank lines since the last command block closed
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const marker = /^<!--\s*doc-test:\s*(.*?)\s*-->\s*$/.exec(l);
    if (marker) {
      markers.push({ text: marker[1]!, line: i + 1 });
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(l);
    if (!fence) {
      if (l.trim() !== '') {
        for (const m of markers) problems.push(`${page}:${m.line}: doc-test marker with no command block after it`);
        markers = [];
        sinceLast = false;
      }
      continue;
    }
    const close = fence[2]!;
    const info = fence[3]!.trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trim().startsWith(close); i++) body.push(lines[i]!);
    const text = body.join('\n');
    const tag = info.split(/\s+/)[0] ?? '';
    if (COMMAND_TAGS.has(tag)) {
      const b: Block = { page, line: start + 1, body: text, exit: 0, needs: [] };
      for (const m of markers) {
        const skip = /^skip\s*\((.+)\)$/.exec(m.text);
        const exit = /^exit\s+(\d+)$/.exec(m.text);
        const ui = /^ui((?:\s+\w+=\S+)*)$/.exec(m.text);
        const needs = /^needs\s+(\S+)$/.exec(m.text);
        if (skip) b.skip = skip[1]!;
        else if (exit) b.exit = Number(exit[1]);
        else if (needs) b.needs = needs[1]!.split(',') as Program[];
        else if (ui) {
          const opt = Object.fromEntries([...ui[1]!.matchAll(/(\w+)=(\S+)/g)].map((o) => [o[1]!, o[2]!]));
          const size = /^(\d+)x(\d+)$/.exec(opt.size ?? '80x24');
          b.ui = { keys: opt.keys ? opt.keys.split(',') : [], columns: Number(size?.[1]), rows: Number(size?.[2]) };
        } else problems.push(`${page}:${m.line}: unknown doc-test marker "${m.text}"`);
      }
      blocks.push(b);
      last = b;
      sinceLast = true;
    } else if (info === 'text output') {
      if (!last || !sinceLast || last.output !== undefined)
        problems.push(`${page}:${start + 1}: an output block that does not follow a command block`);
      else last.output = text;
      for (const m of markers) problems.push(`${page}:${m.line}: doc-test marker before an output block`);
      sinceLast = false;
    } else {
      if (body.some((b) => LOOKS_LIKE_COMMAND.test(b)))
        problems.push(`${page}:${start + 1}: a command in a block not tagged sh: it would never be run`);
      for (const m of markers) problems.push(`${page}:${m.line}: doc-test marker before a block that is not sh`);
      sinceLast = false;
    }
    markers = [];
  }
  for (const m of markers) problems.push(`${page}:${m.line}: doc-test marker with no command block after it`);
  return { blocks, problems };
}

/** What varies from run to run made equal (see the file's comment); applied to the page and the run. */
function normalize(s: string, temp: string): string {
  return s
    .replaceAll(temp, TEMP_SHOWN_AS)
    .replace(/^\uFEFF/gm, '')
    .replace(/\b20[2-9]\d-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)?/g, '<now>')
    .replace(/\b[\d,]+ files\/s +\d+:\d\d\b/g, 'N files/s  M:SS')
    .replace(/^█+(?= 100%)/gm, '█…█')
    .replace(/(--threads <n>[^]*?default:\s*)"\d+"/, '$1"N"')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const parsed = PAGES.map((p) => parsePage(p, readFileSync(join(ROOT, p), 'utf8')));
const all = parsed.flatMap((p) => p.blocks);
const skipped = all.filter((b) => b.skip !== undefined);

/** A page's folder: a copy of samples/ with pinned mtimes, and `leaktally` on PATH. */
function workFolder(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'leaktally-docs-'));
  chmodSync(dir, 0o755);
  // cp -a, not fs.cpSync: a sample's name is not UTF-8 (samtal_\xe5\xe4\xf6.wav) and must stay bytes
  execFileSync('cp', ['-a', join(ROOT, 'samples'), dir]);
  execFileSync('find', [join(dir, 'samples'), '-exec', 'touch', '-h', '-d', PINNED_MTIME, '{}', '+']);
  // the repository's build and test tools, as a clone has them (docs/ run node dist/…, test/tools/…)
  for (const d of ['dist', 'test']) symlinkSync(join(ROOT, d), join(dir, d));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'leaktally'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
  const home = join(dir, '.home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
  return { dir, env };
}

/** this process's own tmux server (a private socket): no other tmux user on the machine is touched */
const SOCKET = ['-L', `leaktally-docs-${process.pid}`];

const folders: string[] = [];
afterAll(() => {
  // a UI test that timed out never reached its own kill-session: the server goes with the file
  spawnSync('tmux', [...SOCKET, 'kill-server'], { stdio: 'ignore' });
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UI block: the command in tmux at 80×24, the keys once the scan is done, the screen it settles on. */
async function runUi(b: Block, dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const tmux = (...a: string[]) => execFileSync('tmux', [...SOCKET, ...a], { encoding: 'utf8' });
  const session = `docs-${b.line}`;
  const script = join(dir, `.ui-${b.line}.sh`);
  // every value quoted whole (a ' inside closes and reopens the quotes): under `npm test` the
  // environment holds npm's own variables, whose values may hold quotes; names a shell cannot take
  // (npm's `npm_config_//registry…` kind) are left out
  const exports = Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `export ${k}='${(v ?? '').replace(/'/g, `'\\''`)}'`)
    .join('\n');
  writeFileSync(script, `${exports}\ncd '${dir}'\n${b.body}\necho "[exited $?]"; sleep 60\n`);
  const { columns, rows } = b.ui!;
  // env -i: the session would inherit the tmux server's environment, which is this process's (CI=true
  // under CI, where leaktally rightly opens no UI; NODE_ENV=test from vitest): the page's reader has
  // only what the script exports
  tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), `env -i bash '${script}'`);
  const screen = () => tmux('capture-pane', '-t', session, '-p');
  try {
    const until = async (ok: (s: string) => boolean, what: string) => {
      // a generous deadline: a busy machine is slow, never wrong; the screen is what is checked
      for (const end = Date.now() + 60_000; Date.now() < end; await sleep(50)) if (ok(screen())) return;
      throw new Error(`${b.page}:${b.line}: waited 60 s for ${what}; the screen:\n${screen()}`);
    };
    await until((s) => /\bdone 100%/.test(s) || s.includes('[exited'), 'the scan to finish');
    for (const k of b.ui!.keys) {
      const before = screen();
      tmux('send-keys', '-t', session, k);
      await until((s) => s !== before, `the key ${k} to redraw the screen`);
    }
    const want = normalize(b.output ?? '', dir);
    // a redraw may land in two writes: wait for the screen that matches, or show the last one
    try {
      await until((s) => normalize(s, dir) === want, 'the screen the page shows');
    } catch {
      /* compared below, with a diff */
    }
    return screen();
  } finally {
    spawnSync('tmux', [...SOCKET, 'kill-session', '-t', session]);
  }
}

describe('the doc test’s reader', () => {
  const fence = '```';
  it('pairs a command with its output and reads its markers', () => {
    const page = [
      '<!-- doc-test: exit 3 -->',
      '',
      `${fence}sh`,
      'leaktally x',
      fence,
      '',
      `${fence}text output`,
      'out',
      fence,
    ];
    const { blocks, problems } = parsePage('p.md', page.join('\n'));
    expect(problems).toEqual([]);
    expect(blocks).toMatchObject([{ line: 3, body: 'leaktally x', exit: 3, output: 'out' }]);
  });
  it('refuses what it could not check: a command outside sh, a stray marker, an output with no command', () => {
    const page = [
      fence,
      'leaktally samples/leak --csv -',
      fence,
      '<!-- doc-test: skip (why) -->',
      'prose',
      `${fence}text output`,
      'x',
      fence,
      '<!-- doc-test: sometimes -->',
      `${fence}sh`,
      'true',
      fence,
    ];
    expect(parsePage('p.md', page.join('\n')).problems).toEqual([
      'p.md:1: a command in a block not tagged sh: it would never be run',
      'p.md:4: doc-test marker with no command block after it',
      'p.md:6: an output block that does not follow a command block',
      'p.md:9: unknown doc-test marker "sometimes"',
    ]);
  });
  it('normalizes the run’s clock and the temporary folder, not the recordings’ dates', () => {
    const out =
      '"/tmp/x1/samples","2019-02-18T08:59:57+01:00","2026-12-05T05:15:11.160Z", examined on 2031-01-02 06:15';
    expect(normalize(out, '/tmp/x1')).toBe(
      '"/home/me/work/samples","2019-02-18T08:59:57+01:00","<now>", examined on <now>',
    );
  });
});

describe('the commands the README and docs/ show', () => {
  it(`every command block is run or marked (${all.length - skipped.length} run, ${skipped.length} marked skip)`, () => {
    expect(parsed.flatMap((p) => p.problems)).toEqual([]);
    // each page with commands runs at least one; the README runs its walk-throughs
    expect(all.filter((b) => b.page === 'README.md' && b.skip === undefined).length).toBeGreaterThan(5);
  });

  for (const { blocks } of parsed) {
    if (!blocks.length) continue;
    describe(blocks[0]!.page, () => {
      let work: { dir: string; env: NodeJS.ProcessEnv } | undefined;
      const folder = () => {
        if (!work) {
          work = workFolder();
          folders.push(work.dir);
        }
        return work;
      };
      for (const b of blocks) {
        const title = `line ${b.line}: ${b.body.split('\n')[0]!.slice(0, 90)}`;
        if (b.skip !== undefined) {
          it(title, (ctx) => ctx.skip(`doc-test: skip (${b.skip})`));
          continue;
        }
        if (b.ui) {
          const why = missing('tmux', ...b.needs);
          it(
            title,
            async (ctx) => {
              if (why) return unavailable(ctx, why);
              const { dir, env } = folder();
              const shown = await runUi(b, dir, env);
              expect(normalize(shown, dir)).toBe(normalize(b.output ?? '', dir));
            },
            180_000,
          );
          continue;
        }
        const why = b.needs.length ? missing(...b.needs) : undefined;
        it(title, (ctx) => {
          if (why) return unavailable(ctx, why);
          const { dir, env } = folder();
          const r = spawnSync('bash', ['-c', `set -eo pipefail\nexec 2>&1\n${b.body}`], {
            cwd: dir,
            env,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 120_000,
          });
          const out = r.stdout;
          expect(r.status, `${b.page}:${b.line} exited ${r.status}, printing:\n${out}`).toBe(b.exit);
          if (b.output !== undefined) expect(normalize(out, dir)).toBe(normalize(b.output, dir));
        });
      }
    });
  }
});
