#!/usr/bin/env node
/**
 * Deep trees with a file at every level (issue 19, item 7): wall time and peak memory of a whole scan,
 * to show that depth costs linear time in the readers as in the walk. Not a test: its figures go into
 * reports and the README.
 *
 *   npm run build && node test/tools/deep-bench.mjs [--levels 1000,3000,5000,10000] [--seg dd]
 *        [--repo DIR] [--threads 2] [--keep]
 *
 * For each depth it builds (in a child that chdir()s down, so no path past PATH_MAX is ever given to
 * the system) `cust/seg/seg/…` with one 0.1 s µ-law WAV at every level, then times one
 * `/usr/bin/time -v node DIR/dist/bench/run-one.js scan ROOT THREADS` (--repo: another checkout's
 * build, e.g. a copy of the code before a change) and prints a markdown table: levels, wall seconds,
 * CPU seconds (user + system), peak RSS (MB), files and audio seconds the scan counted (it must be every level's file).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '1000,3000,5000,10000' },
    seg: { type: 'string', default: 'dd' },
    repo: { type: 'string', default: resolve(here, '../..') },
    threads: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const { wav } = await import(join(resolve(here, '../..'), 'dist/bench/wavwriter.js'));
const runOne = join(resolve(values.repo), 'dist/bench/run-one.js');

function build(levels, seg) {
  const root = mkdtempSync(join(tmpdir(), `deep-${levels}-`));
  const file = join(root, '..', `${root.split('/').pop()}.wav`);
  writeFileSync(file, wav({ tag: 7, dataBytes: 800 }));
  const script = `
    const fs = require('fs');
    const [levels, seg, file, root] = [Number(process.argv[1]), process.argv[2], process.argv[3], process.argv[4]];
    const data = fs.readFileSync(file);
    process.chdir(root);
    fs.mkdirSync('cust'); process.chdir('cust');
    for (let i = 1; i <= levels; i++) {
      fs.mkdirSync(seg); process.chdir(seg);
      fs.writeFileSync('call-' + i + '.wav', data);
    }`;
  const r = spawnSync(process.execPath, ['-e', script, String(levels), seg, file, root], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return { root, file };
}

const rows = [];
for (const levels of values.levels.split(',').map(Number)) {
  const { root, file } = build(levels, values.seg);
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, runOne, 'scan', root, values.threads], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const field = (name) => r.stderr.match(new RegExp(`${name}: (.*)`))?.[1];
  const [m, s] = (field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)') ?? '0:0').split(':').slice(-2);
  const wall = Number(m) * 60 + Number(s);
  const cpu = Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'));
  const rssMB = Math.round(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024);
  let out;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    out = { error: r.stderr.trim().split('\n').slice(-3).join(' ') };
  }
  rows.push({ levels, wall, cpu, rssMB, files: out.files, audio: (out.audioMicros ?? 0) / 1e6, error: out.error });
  if (!values.keep) spawnSync('rm', ['-rf', root, file]);
  else console.error(`kept ${root}`);
  console.error(JSON.stringify(rows[rows.length - 1]));
}
console.log(`| levels (seg "${values.seg}") | wall s | cpu s | peak RSS MB | files counted | audio s |`);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.levels} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.rssMB} | ${r.files} | ${r.audio.toFixed(1)} |`,
  );
