/** Text for the UI: numbers, durations, cut names. Pure, tested without a terminal. */
import type { CustomerTotals } from '../scan/aggregate.js';
import type { Progress } from '../scan/engine.js';
import { dayKey, formatIso } from '../scan/date/zone.js';
import { printable } from '../scan/names.js';
import { clock, hours, num, rate } from '../report/human.js';

export { clock, hours, num, rate };

/** Cut to width with …, control characters made visible. */
export function cut(text: string, width: number): string {
  const t = printable(text);
  const chars = [...t];
  if (chars.length <= width) return t;
  return width <= 1 ? '…'.slice(0, width) : chars.slice(0, width - 1).join('') + '…';
}

export const padL = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
export const padR = (s: string, w: number): string => {
  const n = [...s].length;
  return n >= w ? s : s + ' '.repeat(w - n);
};

export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}


/** The status lines above the table. */
export function statusLines(p: Progress, width: number, stoppedByUser: boolean): string[] {
  const r = rate(p);
  const phase =
    p.phase === 'done' ? 'done' : p.phase === 'stopped' || stoppedByUser ? 'stopped (partial)' : p.walkDone ? 'reading' : 'scanning';
  const known = p.walkDone && p.found > 0;
  const frac = known ? p.done / p.found : 0;
  const eta = known && r > 0 && p.phase !== 'done' ? `  ETA ${clock(((p.found - p.done) / r) * 1000)}` : '';
  const counts = `${num(p.done)} / ${num(p.found)}${p.walkDone ? '' : '+'} files  ${num(Math.round(r))} files/s  ${clock(p.elapsedMs)}`;
  const barWidth = Math.max(10, Math.min(40, width - counts.length - 10));
  const line2 = known ? `${bar(frac, barWidth)} ${padL(`${Math.floor(frac * 100)}%`, 4)}  ${counts}` : `${phase}…  ${counts}`;
  return [
    `${phase}${known ? ` ${Math.floor(frac * 100)}%` : ''}${eta}`,
    line2,
    `audio ${hours(p.audioSeconds)} h in ${num(p.audioFiles)} recordings   unreadable ${num(p.unreadable)}`,
  ];
}

export interface Column {
  key: string;
  title: string;
  width: number;
  right: boolean;
  cell: (c: Pick<CustomerTotals, 'customer' | 'files' | 'audioFiles' | 'audioSeconds' | 'firstMs' | 'lastMs' | 'unreadableFiles'>) => string;
}

/** The table's columns for a terminal this wide (dates are dropped first on narrow terminals). */
export function columns(width: number, zone: string): Column[] {
  const day = (ms: number | undefined): string => (ms === undefined ? '' : dayKey(zone, ms));
  const fixed: Column[] = [
    { key: 'files', title: 'FILES', width: 9, right: true, cell: (c) => num(c.files) },
    { key: 'audio', title: 'AUDIO', width: 9, right: true, cell: (c) => num(c.audioFiles) },
    { key: 'hours', title: 'HOURS', width: 10, right: true, cell: (c) => hours(c.audioSeconds) },
    { key: 'first', title: 'FIRST', width: 10, right: false, cell: (c) => day(c.firstMs) },
    { key: 'last', title: 'LAST', width: 10, right: false, cell: (c) => day(c.lastMs) },
    { key: 'unreadable', title: 'UNREAD', width: 7, right: true, cell: (c) => num(c.unreadableFiles) },
  ];
  let cols = fixed;
  const need = (cs: Column[]): number => cs.reduce((n, c) => n + c.width + 1, 0) + 1 + 12;
  if (need(cols) > width) cols = cols.filter((c) => c.key !== 'last');
  if (need(cols) > width) cols = cols.filter((c) => c.key !== 'first');
  if (need(cols) > width) cols = cols.filter((c) => c.key !== 'audio');
  const nameWidth = Math.max(8, width - cols.reduce((n, c) => n + c.width + 1, 0) - 2);
  return [{ key: 'customer', title: 'CUSTOMER', width: nameWidth, right: false, cell: (c) => c.customer }, ...cols];
}

export function rowText(cols: Column[], c: Parameters<Column['cell']>[0]): string {
  return cols.map((col) => {
    const v = cut(col.cell(c), col.width);
    return col.right ? padL(v, col.width) : padR(v, col.width);
  }).join(' ');
}

export function headerText(cols: Column[], sort: string, reverse: boolean): string {
  return cols.map((col) => {
    const mark = col.key === sort ? (reverse ? '▲' : '▼') : '';
    const t = cut(col.title + mark, col.width);
    return col.right ? padL(t, col.width) : padR(t, col.width);
  }).join(' ');
}

/** The customer view, as lines (the widget shows a window of them). */
export function detailLines(c: CustomerTotals, zone: string, width: number): string[] {
  const lines: string[] = [];
  lines.push(`${num(c.files)} files: ${num(c.audioFiles)} recordings (${hours(c.audioSeconds)} h), ${num(c.otherFiles)} other, ${num(c.unreadableFiles)} unreadable; ${num(c.bytes)} bytes`);
  lines.push(c.firstMs === undefined ? 'no dated recordings' : `from ${formatIso(zone, c.firstMs)} to ${formatIso(zone, c.lastMs!)}`);
  lines.push('');
  const years = new Map<string, { audio: number; seconds: number }>();
  for (const [m, v] of c.months) {
    const y = years.get(m.slice(0, 4)) ?? { audio: 0, seconds: 0 };
    y.audio += v.audio;
    y.seconds += v.seconds;
    years.set(m.slice(0, 4), y);
  }
  lines.push('Per year');
  if (!years.size) lines.push('  (none)');
  for (const [y, v] of years) lines.push(`  ${y}  ${padL(num(v.audio), 9)} recordings  ${padL(hours(v.seconds), 10)} h`);
  lines.push('');
  lines.push('Recordings per month');
  if (!c.months.length) lines.push('  (none)');
  const max = Math.max(1, ...c.months.map(([, v]) => v.audio));
  const barWidth = Math.max(5, width - 36);
  for (const [m, v] of c.months) {
    const n = Math.max(1, Math.round((v.audio / max) * barWidth));
    lines.push(`  ${m} ${padR('█'.repeat(n), barWidth)} ${padL(num(v.audio), 7)}  ${padL(hours(v.seconds), 9)} h`);
  }
  lines.push('');
  lines.push(cut(`Codecs: ${c.formats.map(([k, n]) => `${k} ${num(n)}`).join('; ') || '(none)'}`, width));
  lines.push(cut(`Date sources: ${c.dateSources.map(([k, n]) => `${k} ${num(n)}`).join('; ') || '(none)'}`, width));
  lines.push('');
  lines.push(c.unreadableFiles ? `Unreadable files (${c.unreadableExamples.length} of ${num(c.unreadableFiles)}, by path)` : 'Unreadable files: none');
  for (const e of c.unreadableExamples) lines.push(cut(`  ${e.path}: ${e.error}`, width));
  return lines;
}
