/**
 * One timed run in a fresh process (so that peak RSS is this run's alone): the headless scan, the
 * I/O floor on the scan's walk (floor), the independent floor (plain), or the interactive UI. Prints one JSON line: { mode, ms, files, audioMicros, maxRssMB }.
 *
 * node run-one.js MODE ROOT THREADS [OUT|-] [IO_DEPTH]
 */
import { writeFileSync } from 'node:fs';
import { Scanner } from '../scan/engine.js';
import { floor } from './floor.js';
import { plainFloor } from './plain-floor.js';
import { loadTui } from '../tui/load.js';

const [mode, root, threadsArg, out, ioArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
  string | undefined,
];
const threads = Number(threadsArg);
const config = { root, depth: 1, zone: 'UTC', threads, ...(ioArg ? { ioDepth: Number(ioArg) } : {}) };

async function main(): Promise<{ ms: number; files: number; audioMicros: number }> {
  if (mode === 'floor') return floor(root, threads);
  if (mode === 'plain') return plainFloor(root, threads);
  if (mode === 'scan') {
    const t = performance.now();
    const r = await new Scanner(config).run();
    return { ms: performance.now() - t, files: r.totals.files, audioMicros: Math.round(r.totals.audioMicros) };
  }
  if (mode === 'tui') {
    const { showScan } = await loadTui();
    const t = performance.now();
    const r = await showScan(new Scanner(config), ',', { exitWhenDone: true });
    return { ms: performance.now() - t, files: r.totals.files, audioMicros: Math.round(r.totals.audioMicros) };
  }
  throw new Error(`unknown mode ${mode}`);
}

const r = await main();
const line = JSON.stringify({ mode, ...r, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
if (out && out !== '-') writeFileSync(out, line + '\n');
else process.stdout.write(line + '\n');
process.exit(0);
