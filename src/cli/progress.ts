/** One self-rewriting progress line on stderr (only when stderr is a terminal). */
import type { Progress } from '../scan/engine.js';
import { hours, num, rate } from '../report/human.js';

export function progressLine(p: Progress): string {
  const pct = p.walkDone && p.found ? ` ${Math.floor((p.done / p.found) * 100)}%` : '';
  return (
    `${p.walkDone ? 'reading' : 'scanning'}${pct}: ${num(p.done)} of ${num(p.found)}${p.walkDone ? '' : '+'} files, ` +
    `${hours(p.audioMicros / 1e6)} h audio, ${num(p.unreadable)} unreadable, ${num(Math.round(rate(p)))} files/s`
  );
}
