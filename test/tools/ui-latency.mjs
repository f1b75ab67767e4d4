#!/usr/bin/env node
/**
 * Key → frame latency of the interactive UI in a real terminal (tmux), during and after a scan.
 *
 *   node test/tools/ui-latency.mjs --customers 800 --files 60000 [--samples 40] [--threads 1]
 *        [--size 100x30] [--cli dist/cli/main.js] [--register-every 10]
 *   node test/tools/ui-latency.mjs --floor     (the same measure on a program that only echoes the key)
 *
 * Makes (once, cached under the OS temp folder) a tree of <customers> folders holding <files> tiny
 * µ-law recordings between them, starts the UI on it in a detached tmux session, and then, over and
 * over: sends ↓ (or ↑ on the way back), and polls capture-pane until the highlighted row (the line
 * starting with '>') names another customer. Each sample is counted as "during" or "after" the scan
 * by the status line of the frame that showed the key. Prints the median, p90 and p95 of each, in ms.
 *
 * The figures include tmux's own delay (send-keys and capture-pane are processes): on an idle
 * machine one capture takes ~2–4 ms. Not a test: a measuring tool, its figures go into reports.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '800' },
    files: { type: 'string', default: '60000' },
    samples: { type: 'string', default: '40' },
    threads: { type: 'string', default: '1' },
    size: { type: 'string', default: '100x30' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
    timeout: { type: 'string', default: '600' },
    // a register for the tree: every <n> customers one controller, every other customer left out of it
    'register-every': { type: 'string' },
    // the floor: a raw-mode program that redraws its marker on each key (tmux's and node's own delay)
    floor: { type: 'boolean', default: false },
  },
});
const customers = Number(values.customers);
const files = Number(values.files);
const want = Number(values.samples);
const [cols, rows] = values.size.split('x');
const cli = resolve(values.cli);

function tree() {
  const root = join(tmpdir(), `leaktally-latency-${customers}-${files}`);
  if (existsSync(root)) return root;
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const body = Buffer.alloc(800, 0xff); // 0.1 s of µ-law silence
  for (let k = 0; k < customers; k++) {
    const dir = join(tmp, `customer-${String(k).padStart(6, '0')}`);
    mkdirSync(dir, { recursive: true });
    const n = Math.floor(files / customers) + (k < files % customers ? 1 : 0);
    for (let i = 0; i < n; i++)
      writeFileSync(join(dir, `2019-01-${String((i % 28) + 1).padStart(2, '0')}_120000_${i}.ul`), body);
  }
  renameSync(tmp, root);
  return root;
}

const tmux = (...args) => execFileSync('tmux', args, { encoding: 'utf8' });
// the highlighted row's name: up to the first run of spaces before the figures (a controller's name has single spaces)
const selected = (screen) =>
  screen
    .split('\n')
    .find((l) => l.startsWith('>'))
    ?.slice(1)
    .trim()
    .split(/\s{2,}/)[0];
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function main() {
  const session = `leaktally-latency-${process.pid}`;
  const floor = `process.stdin.setRawMode(true); let i = 0;
    const draw = () => process.stdout.write('\\x1b[2J\\x1b[Hdone\\n>customer-' + i + '\\n');
    draw(); process.stdin.on('data', (d) => { if (d.includes(3)) process.exit(); i += d.toString().includes('[A') ? -1 : 1; draw(); });`;
  let extra = '';
  if (values['register-every']) {
    const every = Number(values['register-every']);
    const file = join(tmpdir(), `leaktally-latency-register-${customers}-${every}.csv`);
    const lines = ['key,controller'];
    for (let k = 0; k < customers; k += 2)
      lines.push(`customer-${String(k).padStart(6, '0')},Controller ${Math.floor(k / every)}`);
    writeFileSync(file, lines.join('\n') + '\n');
    extra = ` --register '${file}'`;
  }
  const command = values.floor
    ? `'${process.execPath}' -e "${floor.replace(/\n/g, ' ')}"; sleep 600`
    : `env -u CI TZ=UTC '${process.execPath}' '${cli}' '${tree()}' --threads ${values.threads}${extra}; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', cols, '-y', rows, command);
  const screen = () => tmux('capture-pane', '-t', session, '-p');
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const during = [];
  const after = [];
  try {
    // wait for a table with at least two rows, then select the first row by moving once
    while (!selected(screen())) {
      if (Date.now() > deadline) throw new Error(`no table:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    let dir = 'Down';
    let steps = 0;
    while (after.length < want && Date.now() < deadline) {
      const before = selected(screen());
      const t0 = performance.now();
      tmux('send-keys', '-t', session, dir);
      let s = screen();
      while (selected(s) === before) {
        if (performance.now() - t0 > 10_000) break; // at an end of the table: turn round
        s = screen();
      }
      const ms = performance.now() - t0;
      if (selected(s) !== before) (/\bdone\b|stopped/.test(s.split('\n')[0] ?? '') ? after : during).push(ms);
      if (++steps % 15 === 0 || selected(s) === before) dir = dir === 'Down' ? 'Up' : 'Down';
    }
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
  }
  const fmt = (xs) =>
    xs.length
      ? `n=${xs.length} median ${quantile(xs, 0.5).toFixed(0)} ms  p90 ${quantile(xs, 0.9).toFixed(0)} ms  p95 ${quantile(xs, 0.95).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`
      : 'n=0';
  if (values.floor) return void process.stdout.write(`floor (a program that only echoes the key): ${fmt(after)}\n`);
  process.stdout.write(
    `${customers} customers, ${files} files, ${cols}x${rows}, threads ${values.threads}\n  during the scan: ${fmt(during)}\n  after the scan:  ${fmt(after)}\n`,
  );
}

await main();
