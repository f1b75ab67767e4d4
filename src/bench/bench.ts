/**
 * npm run bench [-- --trees 100000,1000000,100000/35 --runs 5 --threads 2 --no-tui]
 *
 * For each tree (N files, or N/F: N files, about F per folder), generates (once, cached under the OS
 * temp folder) a synthetic leak, then times, alternating, in fresh processes: (a) the I/O floor (walk + open/fstat/read 4 KiB/close on as many threads as the
 * scanner uses), (b) the headless scan, and (c) the interactive UI in a real terminal (tmux), and
 * prints files/s, the ratios, and peak RSS. Every scan's totals must equal what was generated.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { DEFAULT_THREADS } from '../scan/engine.js';

const { values } = parseArgs({
  options: {
    trees: { type: 'string', default: '100000,100000/35' },
    /** one tree of this many files (the same as --trees N) */
    files: { type: 'string' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(DEFAULT_THREADS) },
    'no-tui': { type: 'boolean', default: false },
  },
});
const trees = (values.files ?? values.trees).split(',').map((t) => {
  const [n, pf] = t.split('/');
  return { files: Number(n), perFolder: pf === undefined ? undefined : Number(pf) };
});
const runs = Number(values.runs);
const threads = Number(values.threads);
const RUN_ONE = fileURLToPath(new URL('./run-one.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const withTui = !values['no-tui'] && hasTmux;

interface Run {
  mode: string;
  ms: number;
  files: number;
  audioMicros: number;
  maxRssMB: number;
}

function runOne(root: string, mode: 'floor' | 'scan'): Run {
  const r = spawnSync(process.execPath, [RUN_ONE, mode, root, String(threads)], { encoding: 'utf8' });
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
    `env -u CI '${process.execPath}' '${RUN_ONE}' tui '${root}' ${threads} '${out}'`,
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

console.log(
  `leaktally bench: ${runs} runs, ${threads} reader threads, ${cpus().length} cores, Node ${process.version}`,
);
let wrongRuns = 0;
for (const { files, perFolder } of trees) {
  console.log('');
  wrongRuns += benchTree(files, perFolder);
}
process.exitCode = wrongRuns ? 1 : 0;

function benchTree(files: number, perFolder: number | undefined): number {
  const rate = (r: Run): number => (files / r.ms) * 1000;
  const t0 = performance.now();
  const { root, expected } = generate(files, (s) => console.log(s), perFolder);
  console.log(
    `tree: ${fmt(files)} files${perFolder ? `, ~${perFolder} per folder` : ''}: ${root} (${((performance.now() - t0) / 1000).toFixed(1)} s to generate or find)`,
  );
  console.log(`expected: ${fmt(expected.files)} files, ${(expected.audioMicros / 3.6e9).toFixed(2)} h of audio`);

  // warm the page cache and the dentry cache once: the targets are for a warm cache
  runOne(root, 'floor');

  const floors: Run[] = [];
  const scans: Run[] = [];
  const tuis: Run[] = [];
  let wrong = 0;
  for (let i = 0; i < runs; i++) {
    // alternate the order so that neither always runs right after the other
    const order: ('floor' | 'scan' | 'tui')[] = i % 2 ? ['scan', 'floor', 'tui'] : ['floor', 'tui', 'scan'];
    const line: string[] = [];
    for (const mode of order) {
      if (mode === 'tui' && !withTui) continue;
      const r = mode === 'tui' ? runTui(root) : runOne(root, mode);
      (mode === 'floor' ? floors : mode === 'scan' ? scans : tuis).push(r);
      if (mode !== 'floor' && (r.files !== expected.files || r.audioMicros !== expected.audioMicros)) {
        wrong++;
        line.push(`${mode}: WRONG TOTALS ${r.files} files, ${r.audioMicros} µs`);
      }
      line.push(`${mode} ${fmt(rate(r))} files/s (${(r.ms / 1000).toFixed(2)} s, ${r.maxRssMB} MB)`);
    }
    console.log(`run ${i + 1}: ${line.join('  ')}`);
  }

  const floorRate = median(floors.map(rate));
  const scanRate = median(scans.map(rate));
  const ratio = median(scans.map((s, i) => floors[i]!.ms / s.ms));
  const rss = Math.max(...scans.map((s) => s.maxRssMB));
  console.log('');
  console.log(`floor (walk + open/fstat/read 4 KiB/close): median ${fmt(floorRate)} files/s`);
  console.log(`headless scan:                              median ${fmt(scanRate)} files/s, peak RSS ${rss} MB`);
  console.log(`scan / floor:                               median ${ratio.toFixed(2)}`);
  const verdict: string[] = [];
  verdict.push(`${scanRate >= 30_000 ? 'PASS' : 'FAIL'} at least 30,000 files/s`);
  verdict.push(`${ratio >= 0.5 ? 'PASS' : 'FAIL'} at least 0.50 of the floor`);
  if (files >= 1_000_000)
    verdict.push(`${rss <= 300 ? 'PASS' : 'FAIL'} peak RSS at most 300 MB at ${fmt(files)} files`);
  if (tuis.length) {
    const tuiRate = median(tuis.map(rate));
    const overhead = median(tuis.map((t, i) => t.ms / scans[i]!.ms)) - 1;
    console.log(
      `interactive UI (tmux, 80x24):               median ${fmt(tuiRate)} files/s, ${(overhead * 100).toFixed(1)}% slower than headless (median of paired runs)`,
    );
    verdict.push(`${overhead <= 0.1 ? 'PASS' : 'FAIL'} the UI within 10% of headless`);
  } else {
    console.log(`interactive UI: not timed (${hasTmux ? '--no-tui' : 'no tmux'})`);
  }
  console.log(
    `totals: ${wrong ? `${wrong} runs WRONG` : 'every scan counted exactly the files and audio seconds generated'}`,
  );
  for (const v of verdict) console.log(v);
  return wrong;
}
