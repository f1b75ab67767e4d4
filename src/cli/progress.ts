/** One self-rewriting progress line on stderr (only when stderr is a terminal). */
import type { Progress } from '../scan/engine.js';

const n = (x: number): string => x.toLocaleString('en-US');

export function hours(seconds: number): string {
  return (seconds / 3600).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function rate(p: Progress): number {
  return p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
}

export function progressLine(p: Progress): string {
  const pct = p.walkDone && p.found ? ` ${Math.floor((p.done / p.found) * 100)}%` : '';
  return `${p.walkDone ? 'reading' : 'scanning'}${pct}: ${n(p.done)} of ${n(p.found)}${p.walkDone ? '' : '+'} files, ` +
    `${hours(p.audioSeconds)} h audio, ${n(p.unreadable)} unreadable, ${n(Math.round(rate(p)))} files/s`;
}
