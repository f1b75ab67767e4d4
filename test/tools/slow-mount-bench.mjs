#!/usr/bin/env node
/**
 * The scan against the I/O floor on a slow mount (test/tools/slow-mount.sh: a FUSE mirror that waits
 * a fixed time in each lookup/getattr/open/read/opendir/readdir and caches nothing in the kernel).
 *
 *   npm run build && node test/tools/slow-mount-bench.mjs [--src DIR] [--delays 0,200,1000] [--runs 3]
 *        [--floor-threads 2,8,32] [--io-depth 64] [--fuse-threads 64] [--cache-s 0] [--check-full DIR]
 *
 * Each run mounts SRC afresh (cold through the mount; the machine's page cache is not dropped, so
 * the source's own reads are warm and only the added latency and FUSE are measured) and times, as the
 * wall time of a fresh node process: the floor (dist/bench/run-one.js floor) at each --floor-threads,
 * the CLI with default options and with --threads 1 and 4 (`--csv`, whose file must equal the CSV of
 * the same CLI on SRC itself, unmounted), and run-one's headless scan with --io-depth reads in flight.
 * Also a "mount limit" without leaktally's walk: find, then 32 parallel `head -c 4096`. Prints per
 * delay a markdown table: median files/s, scan / best floor, each run / mount limit, and the file
 * system's calls per file (from the mount's counts on unmount). --check-full DIR: one default scan of DIR through a
 * mount without delay, its CSV compared with DIR's unmounted. Not a test: its figures go into reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const CLI = join(repo, 'dist/cli/main.js');
const RUN_ONE = join(repo, 'dist/bench/run-one.js');
const MOUNT = join(here, 'slow-mount.sh');

const { values } = parseArgs({
  options: {
    src: { type: 'string', default: join(tmpdir(), 'leaktally-bench-v4-100000-35pf/kund-010') },
    delays: { type: 'string', default: '0,200,1000' },
    runs: { type: 'string', default: '3' },
    'floor-threads': { type: 'string', default: '2,8,32' },
    'io-depth': { type: 'string', default: '64' },
    'fuse-threads': { type: 'string', default: '64' },
    'cache-s': { type: 'string', default: '0' },
    'check-full': { type: 'string' },
  },
});
const list = (s) => s.split(',').map(Number);
const work = join(tmpdir(), `leaktally-slow-bench-${process.pid}`);
const mnt = join(work, 'mnt');
mkdirSync(mnt, { recursive: true });

/** the CLI's summary CSV of root (unmounted), the reference every mounted scan must equal */
function csvOf(root, out, args = []) {
  const r = spawnSync(process.execPath, [CLI, root, '--csv', out, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`leaktally ${root} exited ${r.status}`);
  return readFileSync(out, 'utf8');
}

/** mount src with delay, run the command (its {root} replaced by the mount), time it: { s, stats, out } */
function mounted(src, delay, cmd) {
  const stats = join(work, 'stats.json');
  rmSync(stats, { force: true });
  const inner = `s=$(date +%s%N); "$@"; rc=$?; echo $(( $(date +%s%N) - s )) > '${work}/ns'; exit $rc`;
  const r = spawnSync(
    MOUNT,
    [
      '--delay-us',
      String(delay),
      '--cache-s',
      values['cache-s'],
      '--fuse-threads',
      values['fuse-threads'],
      '--stats',
      stats,
      src,
      mnt,
      '--',
      'bash',
      '-c',
      inner,
      'sh',
      ...cmd.map((a) => a.replace('{root}', mnt)),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} on the mount exited ${r.status}`);
  return {
    s: Number(readFileSync(join(work, 'ns'), 'utf8')) / 1e9,
    stats: JSON.parse(readFileSync(stats, 'utf8')),
    out: r.stdout,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const src = resolve(values.src);
const reference = csvOf(src, join(work, 'reference.csv'));
const files = Number(/^"\(total\)",[^,]*,[^,]*,(\d+),/m.exec(reference)[1]);
const runs = Number(values.runs);
const ioDepth = values['io-depth'];
const outCsv = join(work, 'mounted.csv');
// what the mount allows without leaktally's walk: find (no stat per file: it goes by d_type), then 32
// processes reading 4 KiB of 16 files each (process start-up included, so a lower bound)
const LIMIT = 'mount limit: find, then 32 x head -c 4096';
const limitScript = `cd '{root}' && find . -type f > '${join(work, 'list')}' && xargs -P 32 -n 16 head -q -c 4096 < '${join(work, 'list')}' > /dev/null`;
const modes = [
  { name: LIMIT, limit: true, cmd: ['bash', '-c', limitScript] },
  ...list(values['floor-threads']).map((t) => ({
    name: `floor, ${t} threads`,
    floor: true,
    cmd: [process.execPath, RUN_ONE, 'floor', '{root}', String(t)],
  })),
  { name: 'scan, default (2 threads)', cmd: [process.execPath, CLI, '{root}', '--csv', outCsv] },
  { name: 'scan, --threads 1', cmd: [process.execPath, CLI, '{root}', '--csv', outCsv, '--threads', '1'] },
  { name: 'scan, --threads 4', cmd: [process.execPath, CLI, '{root}', '--csv', outCsv, '--threads', '4'] },
  {
    name: `scan, 2 threads, ${ioDepth} reads in flight`,
    cmd: [process.execPath, RUN_ONE, 'scan', '{root}', '2', '-', ioDepth],
  },
];

const problems = [];
console.log(
  `# slow mount: ${src} (${files} files), ${runs} runs, fuse threads ${values['fuse-threads']}, kernel cache ${values['cache-s']} s`,
);
for (const delay of list(values.delays)) {
  const times = new Map(modes.map((m) => [m.name, []]));
  const perFile = new Map();
  for (let run = 0; run < runs; run++) {
    for (const m of modes) {
      rmSync(outCsv, { force: true });
      const r = mounted(src, delay, m.cmd);
      times.get(m.name).push(r.s);
      perFile.set(m.name, r.stats);
      if (m.cmd[1] === CLI && readFileSync(outCsv, 'utf8') !== reference)
        problems.push(
          `${delay} µs, ${m.name}: the CSV differs from the unmounted tree's (${outCsv} kept: the last run's)`,
        );
      if (m.cmd[2] === 'scan' || m.floor) {
        const got = JSON.parse(r.out.trim().split('\n').pop());
        if (got.files !== files) problems.push(`${delay} µs, ${m.name}: ${got.files} files, expected ${files}`);
      }
      process.stderr.write(`${delay} µs  ${m.name}: ${r.s.toFixed(2)} s\n`);
    }
  }
  const rate = (name) => files / median(times.get(name));
  const best = Math.max(...modes.filter((m) => m.floor).map((m) => rate(m.name)));
  const limit = rate(LIMIT);
  console.log(`\n## ${delay} µs per operation\n`);
  console.log(
    '| run | median s | files/s | / best floor | / mount limit | getattr+lookup, open, read, opendir, readdir per file |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const m of modes) {
    const st = perFile.get(m.name);
    const per = ['getattr', 'open', 'read', 'opendir', 'readdir'].map((k) => (st[k] / files).toFixed(2)).join(', ');
    const ratio = m.floor || m.limit ? '' : (rate(m.name) / best).toFixed(2);
    const ofLimit = m.limit ? '' : (rate(m.name) / limit).toFixed(2);
    const s = median(times.get(m.name)).toFixed(2);
    console.log(`| ${m.name} | ${s} | ${Math.round(rate(m.name))} | ${ratio} | ${ofLimit} | ${per} |`);
  }
}

if (values['check-full']) {
  const full = resolve(values['check-full']);
  const ref = csvOf(full, join(work, 'full-reference.csv'));
  rmSync(outCsv, { force: true });
  const r = mounted(full, 0, [process.execPath, CLI, '{root}', '--csv', outCsv]);
  const same = readFileSync(outCsv, 'utf8') === ref;
  console.log(
    `\nfull tree ${full} through the mount (0 µs): ${r.s.toFixed(1)} s, CSV ${same ? 'equal to' : 'DIFFERENT from'} the unmounted tree's`,
  );
  console.log(`  total row, mounted:   ${/^"\(total\)".*$/m.exec(readFileSync(outCsv, 'utf8'))?.[0]}`);
  console.log(`  total row, unmounted: ${/^"\(total\)".*$/m.exec(ref)?.[0]}`);
  if (!same) problems.push(`full tree: the CSV differs (${outCsv} kept)`);
}

for (const p of problems) console.log(`PROBLEM: ${p}`);
if (!problems.length) rmSync(work, { recursive: true, force: true });
process.exitCode = problems.length ? 1 : 0;
