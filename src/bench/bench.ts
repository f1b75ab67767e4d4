/**
 * npm run bench [-- --trees 100000,1000000,100000/35 --runs 5 --threads 2 --no-tui --cold]
 * npm run bench -- --customers 1000000 [--register 1000000] [--statements] [--runs 1]
 * npm run bench -- --http [--trees 100000] [--rtt 20] [--connections 8] [--servers nginx,apache,lighttpd]
 *
 * For each tree (N files, or N/F: N files, about F per folder), generates (once, cached under the OS
 * temp folder) a synthetic leak, then times, alternating, in fresh processes:
 *  - warm (the default): (a) the independent floor (plain-floor.ts: plain fs calls in as many worker
 *    threads as the scanner uses: readdir, then open/fstat/read 4 KiB/close a file), (b) the floor on
 *    the scan's own walk, batcher and pool (floor.ts), (c) the headless scan, (d) the interactive UI
 *    in a real terminal (tmux);
 *  - cold (--cold): the page cache dropped before every run, the floor at several thread counts (the
 *    best of them is what the storage allows: "the limit") and the headless scan.
 * It prints each run, then medians, ratios and peak RSS, and one table for all trees at the end. Every
 * scan's totals must equal what was generated.
 *
 * With --customers N it measures memory instead (customers.ts): the CLI writing every output for N
 * one-file customers (and a register of M controllers), its own peak RSS and its RSS each second.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCase } from './case.js';
import { benchHttp, HTTP_SERVERS } from './http.js';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { benchCustomers } from './customers.js';
import { DEFAULT_THREADS } from '../scan/engine.js';
import { IO_DEPTH } from '../scan/model.js';

const USAGE = `usage: npm run bench -- [options]
  --trees LIST          trees to time, comma-separated: N (N files in day folders over two years)
                        or N/F (about F files per folder); default 100000,100000/35
  --files N             one tree of N files (the same as --trees N)
  --runs N              timed runs of each kind (medians are reported); default 5, 3 with --cold
  --threads N           the scan's reader threads (and the warm floor's); default ${DEFAULT_THREADS} (this machine)
  --io-depth N          the scan's reads in flight on slow storage; default ${IO_DEPTH}
  --cold                drop the page cache before every timed run (Linux, as root) and time the
                        floor at --floor-threads: the scan is compared with the best of them
  --floor-threads LIST  the cold floors' thread counts; default 2,8,32
  --no-tui              do not time the interactive UI (warm only; it needs tmux)
  --customers N         instead of the above, memory: N customers of one file each in one folder; the
                        CLI writes --csv, --json and --xlsx; prints its peak RSS, its RSS each second,
                        the outputs' sizes, and checks the CSV's rows (default --runs 1)
  --register M          (with --customers) and a register of M controllers, keys c0000000 …
  --statements          (with --customers) and the statements folder, a page per row
  --case                what the case file costs and saves on the first tree (--trees N): a plain
                        scan, a scan writing a new case file, a second run with it (every file taken
                        over), a report from it (--from); median seconds and peak RSS of each
                        (default --runs 3)
  --http                sizing a web server in place, on the first tree (--trees N or N/F): the
                        same CSV from each of --servers as from the folder; then, behind a proxy
                        adding --rtt, the scan against a plain undici loop sending the same requests
                        over the same --connections (default --runs 3)
  --rtt MS              (with --http) the round trip added; default 20
  --connections N       (with --http) connections to the server; default 8, the scan's own default
  --servers LIST        (with --http) servers giving the CSV: ${HTTP_SERVERS.join(', ')}; default
                        nginx,apache,lighttpd
  -h, --help            this text`;

function options(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

function parse() {
  return parseArgs({
    options: {
      trees: { type: 'string', default: '100000,100000/35' },
      files: { type: 'string' },
      runs: { type: 'string' },
      threads: { type: 'string', default: String(DEFAULT_THREADS) },
      'io-depth': { type: 'string' },
      cold: { type: 'boolean', default: false },
      'floor-threads': { type: 'string', default: '2,8,32' },
      'no-tui': { type: 'boolean', default: false },
      customers: { type: 'string' },
      register: { type: 'string' },
      statements: { type: 'boolean', default: false },
      case: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      rtt: { type: 'string', default: '20' },
      connections: { type: 'string', default: '8' },
      servers: { type: 'string', default: 'nginx,apache,lighttpd' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

const values = options();
if (values.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}
const positive = (name: string, s: string): number => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: --${name} must be a whole number from 1 up, not "${s}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
};
if (values.customers !== undefined) {
  const failed = await benchCustomers({
    customers: positive('customers', values.customers),
    register: values.register === undefined ? undefined : positive('register', values.register),
    statements: values.statements,
    runs: positive('runs', values.runs ?? '1'),
  });
  process.exit(failed ? 1 : 0);
}
if (values.case) {
  const failed = await benchCase({
    files: positive('trees', (values.files ?? values.trees).split(',')[0]!.split('/')[0]!),
    runs: positive('runs', values.runs ?? '3'),
  });
  process.exit(failed ? 1 : 0);
}
if (values.http) {
  const [n, pf] = (values.files ?? values.trees).split(',')[0]!.split('/');
  const servers = values.servers.split(',').filter(Boolean);
  for (const sv of servers)
    if (!HTTP_SERVERS.includes(sv)) {
      process.stderr.write(`bench: --servers: "${sv}" is not one of ${HTTP_SERVERS.join(', ')}\n${USAGE}\n`);
      process.exit(2);
    }
  const failed = await benchHttp({
    files: positive('trees', n ?? ''),
    ...(pf === undefined ? {} : { perFolder: positive('trees', pf) }),
    runs: positive('runs', values.runs ?? '3'),
    rttMs: positive('rtt', values.rtt),
    connections: positive('connections', values.connections),
    servers,
  });
  process.exit(failed ? 1 : 0);
}
if (values.register !== undefined || values.statements) {
  process.stderr.write(`bench: --register and --statements go with --customers\n${USAGE}\n`);
  process.exit(2);
}
const cold = values.cold;
const trees = (values.files ?? values.trees).split(',').map((t) => {
  const [n, pf] = t.split('/');
  return { files: positive('trees', n ?? ''), perFolder: pf === undefined ? undefined : positive('trees', pf) };
});
const runs = positive('runs', values.runs ?? (cold ? '3' : '5'));
const threads = positive('threads', values.threads);
const ioDepth = values['io-depth'] === undefined ? undefined : positive('io-depth', values['io-depth']);
const floorThreads = values['floor-threads'].split(',').map((s) => positive('floor-threads', s));
const RUN_ONE = fileURLToPath(new URL('./run-one.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const withTui = !cold && !values['no-tui'] && hasTmux;

interface Run {
  mode: string;
  ms: number;
  files: number;
  audioMicros: number;
  maxRssMB: number;
}

const DROP = '/proc/sys/vm/drop_caches';

/** Empty the page cache (and the dentry and inode caches): the next run reads from the storage. */
function dropCaches(): void {
  execFileSync('sync');
  writeFileSync(DROP, '3');
}

function runOne(root: string, mode: 'floor' | 'plain' | 'scan', n = threads): Run {
  const args = [RUN_ONE, mode, root, String(n), '-', ...(ioDepth ? [String(ioDepth)] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

function runTui(root: string): Run {
  const dir = mkdtempSync(join(tmpdir(), 'leaktally-bench-tui-'));
  const out = join(dir, 'result.json');
  const session = `leaktally-bench-${process.pid}`;
  execFileSync('tmux', [
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '80',
    '-y',
    '24',
    `env -u CI '${process.execPath}' '${RUN_ONE}' tui '${root}' ${threads} '${out}' ${ioDepth ?? ''}`,
  ]);
  const deadline = Date.now() + 30 * 60_000;
  while (!existsSync(out) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
  spawnSync('tmux', ['kill-session', '-t', session]);
  if (!existsSync(out)) throw new Error('the UI run did not finish');
  spawnSync('sleep', ['0.1']);
  const r = JSON.parse(readFileSync(out, 'utf8')) as Run;
  rmSync(dir, { recursive: true, force: true });
  return r;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const load = (): string => loadavg()[0]!.toFixed(1);

if (cold) {
  try {
    dropCaches();
  } catch (e) {
    process.stderr.write(
      `bench --cold: cannot drop the page cache (${DROP}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). ` +
        'It takes root on Linux. Without it every run after the first reads from memory, so a "cold" figure would be a warm one: nothing timed.\n',
    );
    process.exit(1);
  }
}

console.log(
  `leaktally bench (${cold ? 'cold: page cache dropped before every run' : 'warm cache'}): ${runs} runs, ${threads} reader threads, ` +
    `${ioDepth ?? IO_DEPTH} reads in flight when slow, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`,
);
const table: string[] = [];
let wrongRuns = 0;
let failed = 0;
for (const { files, perFolder } of trees) {
  console.log('');
  const r = cold ? coldTree(files, perFolder) : warmTree(files, perFolder);
  wrongRuns += r.wrong;
  failed += r.failed;
}
console.log('');
console.log(
  cold
    ? '| tree (cold) | runs | ' +
        floorThreads.map((n) => `floor ${n} thr`).join(' | ') +
        ' | limit (best floor) | headless scan | scan / limit | peak RSS | load (1 min) |'
    : "| tree (warm) | runs | independent floor | floor (scan's walk) | headless scan | scan / independent | scan / floor | peak RSS | UI vs headless | load (1 min) |",
);
console.log(
  cold
    ? `| --- | --- | ${floorThreads.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- |`
    : '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const line of table) console.log(line);
console.log('(files/s, medians; ratios are medians of paired runs warm, median scan over the best median floor cold)');
process.exitCode = wrongRuns || failed ? 1 : 0;

function prepare(
  files: number,
  perFolder: number | undefined,
): { root: string; expected: { files: number; audioMicros: number }; name: string } {
  const t0 = performance.now();
  const { root, expected } = generate(files, (s) => console.log(s), perFolder);
  const name = `${fmt(files)} files${perFolder ? `, ~${perFolder} per folder` : ''}`;
  console.log(`tree: ${name}: ${root} (${((performance.now() - t0) / 1000).toFixed(1)} s to generate or find)`);
  console.log(
    `expected: ${fmt(expected.files)} files, ${(expected.audioMicros / 3.6e9).toFixed(2)} h of audio; load average ${load()}`,
  );
  return { root, expected, name };
}

function warmTree(files: number, perFolder: number | undefined): { wrong: number; failed: number } {
  const rate = (r: Run): number => (files / r.ms) * 1000;
  const { root, expected, name } = prepare(files, perFolder);
  const load0 = load();
  // warm the page cache and the dentry cache once: the targets are for a warm cache
  runOne(root, 'floor');

  const floors: Run[] = [];
  const plains: Run[] = [];
  const scans: Run[] = [];
  const tuis: Run[] = [];
  let wrong = 0;
  for (let i = 0; i < runs; i++) {
    // alternate the order so that neither always runs right after the other
    const order: ('floor' | 'plain' | 'scan' | 'tui')[] =
      i % 2 ? ['scan', 'plain', 'floor', 'tui'] : ['floor', 'tui', 'plain', 'scan'];
    const line: string[] = [];
    for (const mode of order) {
      if (mode === 'tui' && !withTui) continue;
      const r = mode === 'tui' ? runTui(root) : runOne(root, mode);
      ({ floor: floors, plain: plains, scan: scans, tui: tuis })[mode].push(r);
      if (mode === 'plain' && r.files !== expected.files) {
        wrong++;
        line.push(`plain floor: WRONG COUNT ${r.files} files`);
      }
      if (
        (mode === 'scan' || mode === 'tui') &&
        (r.files !== expected.files || r.audioMicros !== expected.audioMicros)
      ) {
        wrong++;
        line.push(`${mode}: WRONG TOTALS ${r.files} files, ${r.audioMicros} µs`);
      }
      line.push(`${mode} ${fmt(rate(r))} files/s (${(r.ms / 1000).toFixed(2)} s, ${r.maxRssMB} MB)`);
    }
    console.log(`run ${i + 1}: ${line.join('  ')}  [load ${load()}]`);
  }

  const floorRate = median(floors.map(rate));
  const plainRate = median(plains.map(rate));
  const scanRate = median(scans.map(rate));
  const ratio = median(scans.map((s, i) => floors[i]!.ms / s.ms));
  const plainRatio = median(scans.map((s, i) => plains[i]!.ms / s.ms));
  const rss = Math.max(...scans.map((s) => s.maxRssMB));
  console.log('');
  console.log(`independent floor (plain fs, ${threads} threads):  median ${fmt(plainRate)} files/s`);
  console.log(`floor on the scan's walk, batcher and pool: median ${fmt(floorRate)} files/s`);
  console.log(`headless scan:                              median ${fmt(scanRate)} files/s, peak RSS ${rss} MB`);
  console.log(`scan / independent floor:                   median ${plainRatio.toFixed(2)}`);
  console.log(`scan / floor on the scan's walk:            median ${ratio.toFixed(2)}`);
  const verdict: [boolean, string][] = [];
  verdict.push([ratio >= 0.5, "at least 0.50 of the floor on the scan's walk"]);
  verdict.push([plainRatio >= 0.8, 'at least 0.80 of the independent floor (issue 24)']);
  if (files >= 1_000_000) verdict.push([rss <= 300, `peak RSS at most 300 MB at ${fmt(files)} files`]);
  let ui = 'not timed';
  if (tuis.length) {
    const tuiRate = median(tuis.map(rate));
    const overhead = median(tuis.map((t, i) => t.ms / scans[i]!.ms)) - 1;
    ui = `${(overhead * 100).toFixed(1)}% slower`;
    console.log(
      `interactive UI (tmux, 80x24):               median ${fmt(tuiRate)} files/s, ${ui} than headless (median of paired runs)`,
    );
    verdict.push([overhead <= 0.1, 'the UI within 10% of headless']);
  } else {
    console.log(`interactive UI: not timed (${hasTmux ? '--no-tui' : 'no tmux'})`);
  }
  console.log(
    `totals: ${wrong ? `${wrong} runs WRONG` : 'every scan counted exactly the files and audio seconds generated'}`,
  );
  for (const [ok, v] of verdict) console.log(`${ok ? 'PASS' : 'FAIL'} ${v}`);
  table.push(
    `| ${name} | ${runs} | ${fmt(plainRate)} | ${fmt(floorRate)} | ${fmt(scanRate)} | ${plainRatio.toFixed(2)} | ${ratio.toFixed(2)} | ${rss} MB | ${ui} | ${load0}–${load()} |`,
  );
  return { wrong, failed: verdict.filter(([ok]) => !ok).length };
}

function coldTree(files: number, perFolder: number | undefined): { wrong: number; failed: number } {
  const rate = (r: Run): number => (files / r.ms) * 1000;
  const { root, expected, name } = prepare(files, perFolder);
  const load0 = load();
  const floors = new Map<number, Run[]>(floorThreads.map((n) => [n, []]));
  const scans: Run[] = [];
  let wrong = 0;
  const kinds: (number | 'scan')[] = [...floorThreads, 'scan'];
  for (let i = 0; i < runs; i++) {
    // rotate the order so that no kind always runs first or last
    const order = kinds.map((_, k) => kinds[(k + i) % kinds.length]!);
    const line: string[] = [];
    for (const kind of order) {
      dropCaches();
      const r = kind === 'scan' ? runOne(root, 'scan') : runOne(root, 'floor', kind);
      if (kind === 'scan') {
        scans.push(r);
        if (r.files !== expected.files || r.audioMicros !== expected.audioMicros) {
          wrong++;
          line.push(`scan: WRONG TOTALS ${r.files} files, ${r.audioMicros} µs`);
        }
      } else floors.get(kind)!.push(r);
      line.push(
        `${kind === 'scan' ? 'scan' : `floor/${kind}`} ${fmt(rate(r))} files/s (${(r.ms / 1000).toFixed(2)} s, ${r.maxRssMB} MB)`,
      );
    }
    console.log(`run ${i + 1}: ${line.join('  ')}  [load ${load()}]`);
  }
  const floorRates = floorThreads.map((n) => median(floors.get(n)!.map(rate)));
  const limit = Math.max(...floorRates);
  const scanRate = median(scans.map(rate));
  const ratio = scanRate / limit;
  const rss = Math.max(...scans.map((s) => s.maxRssMB));
  console.log('');
  floorThreads.forEach((n, k) =>
    console.log(`floor, ${String(n).padStart(2)} threads, cold: median ${fmt(floorRates[k]!)} files/s`),
  );
  console.log(`storage limit (best floor):   ${fmt(limit)} files/s`);
  console.log(`headless scan, cold:          median ${fmt(scanRate)} files/s, peak RSS ${rss} MB`);
  console.log(`scan / limit:                 ${ratio.toFixed(2)}`);
  console.log(
    `totals: ${wrong ? `${wrong} runs WRONG` : 'every scan counted exactly the files and audio seconds generated'}`,
  );
  const ok = ratio >= 0.7;
  console.log(`${ok ? 'PASS' : 'FAIL'} at least 0.70 of the storage limit, cold`);
  table.push(
    `| ${name} | ${runs} | ${floorRates.map(fmt).join(' | ')} | ${fmt(limit)} | ${fmt(scanRate)} | ${ratio.toFixed(2)} | ${rss} MB | ${load0}–${load()} |`,
  );
  return { wrong, failed: ok ? 0 : 1 };
}
