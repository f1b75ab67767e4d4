/** Text for the UI: numbers, durations, cut names, the customer view's and the help's lines. Pure, tested without a terminal. */
import stringWidth from 'string-width';
import { rowLabel, type CustomerTotals, type RowKind, type Totals } from '../scan/tally/aggregate.js';
import type { MonthFigures } from '../scan/tally/figures.js';
import type { Progress, ScanResult } from '../scan/engine.js';
import { dayKey, formatIso } from '../scan/place/date/zone.js';
import { printable } from '../scan/place/names.js';
import { clock, hours, num, rate } from '../report/human.js';
import { kindOf } from './snapshot.js';
import type { NotifyRow } from '../report/notify/notify.js';
import { gapPhrases, type RowCompleteness } from '../report/notify/completeness.js';

export { num };

/** Columns a string takes on a terminal (CJK and emoji take two): string-width, as Ink measures. */
export const width = (s: string): number => stringWidth(s);

/** Cut to width columns with …, control characters made visible. */
export function cut(text: string, w: number): string {
  const t = printable(text);
  if (w <= 0) return '';
  if (width(t) <= w) return t;
  let out = '';
  let used = 0;
  for (const ch of t) {
    const cw = width(ch);
    if (used + cw > w - 1) break;
    out += ch;
    used += cw;
  }
  return out + '…';
}

const padL = (s: string, w: number): string => {
  const n = width(s);
  return n >= w ? s : ' '.repeat(w - n) + s;
};
export const padR = (s: string, w: number): string => {
  const n = width(s);
  return n >= w ? s : s + ' '.repeat(w - n);
};

/** "1 file", "2 files" */
export const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;

/**
 * Audio time for people: hours with two decimals from one hour up (whole hours from 10,000 h:
 * "170,000 h", so that the 1177 leak's headline fits its column whole), below that minutes or seconds
 * (16 seconds of audio is "16 s", not "0.00 h").
 */
export function duration(seconds: number): string {
  if (seconds >= 36_000_000) return `${num(Math.round(seconds / 3600))} h`;
  if (seconds >= 3600) return `${hours(seconds)} h`;
  if (seconds >= 60) return `${(Math.floor(seconds / 6) / 10).toFixed(1)} min`;
  if (seconds > 0) return `${seconds < 10 ? (Math.floor(seconds * 10) / 10).toFixed(1) : Math.floor(seconds)} s`;
  return '0';
}

/** A count in few columns: 27.3M, 1.2G (for a cell the full number does not fit). */
export function compactNum(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e11 ? 0 : 1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return num(n);
}

/** Audio time in few columns: 170k h, 2.7M h. */
function compactDuration(seconds: number): string {
  const h = seconds / 3600;
  if (h >= 1e4) return `${compactNum(Math.round(h))} h`;
  return duration(seconds);
}

/**
 * The first of the texts that fits w columns: a figure is shown whole or in compact units, never cut
 * mid-number (cut() would make 10,345.47 h into 10,345.47…, the unit and the size lost).
 */
function fit(texts: readonly string[], w: number): string {
  for (const t of texts) if (width(t) <= w) return t;
  return texts[texts.length - 1]!;
}

function bar(fraction: number, w: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * w);
  return '█'.repeat(full) + '░'.repeat(w - full);
}

/** The status lines above the table. */
export function statusLines(p: Progress, w: number, stopped: boolean): string[] {
  const r = rate(p);
  const phase =
    p.phase === 'done'
      ? 'done'
      : p.phase === 'stopped' || stopped
        ? 'stopped (partial)'
        : p.walkDone
          ? 'reading'
          : 'scanning';
  const known = p.walkDone && p.found > 0;
  const frac = known ? p.done / p.found : 0;
  const running = p.phase === 'reading' || p.phase === 'scanning';
  const eta = known && r > 0 && running && !stopped ? `  ETA ${clock(((p.found - p.done) / r) * 1000)}` : '';
  // no total until the walk has found every file: read and found counts only, never a share of them
  const read = p.walkDone
    ? `${num(p.done)} / ${num(p.found)} files`
    : `${num(p.done)} read / ${num(p.found)} found${p.phase === 'stopped' || stopped ? ' (walk not finished)' : '+'}`;
  const counts = `${read}  ${num(Math.round(r))} files/s  ${clock(p.elapsedMs)}`;
  const barWidth = Math.max(10, Math.min(40, w - counts.length - 10));
  const line2 = known
    ? `${bar(frac, barWidth)} ${padL(`${Math.floor(frac * 100)}%`, 4)}  ${counts}`
    : `${phase}…  ${counts}`;
  return [
    `${phase}${known ? ` ${Math.floor(frac * 100)}%` : ''}${eta}`,
    line2,
    fit(
      [
        `audio ${duration(p.audioMicros / 1e6)} in ${plural(p.audioFiles, 'recording')}   unreadable ${num(p.unreadable)}`,
        `audio ${compactDuration(p.audioMicros / 1e6)} in ${compactNum(p.audioFiles)} recordings  unreadable ${compactNum(p.unreadable)}`,
        `audio ${compactDuration(p.audioMicros / 1e6)} · ${compactNum(p.audioFiles)} rec · unread ${compactNum(p.unreadable)}`,
      ],
      w - 1,
    ),
  ];
}

/** What the UI knows about files and folders that were not counted, or counted with a caveat. */
export interface Completeness {
  /** undefined when the snapshot does not say (the engine's progress says, live, as the walk goes) */
  unreadableFolders?: number;
  linksSkipped?: number;
  specialSkipped?: number;
  unmatched: number;
  /** recordings dated from the file's mtime (no date in the name, header or folders) */
  mtimeDated: number;
  /** of those, dated from a web server's Last-Modified (a tree sized in place) */
  lastModifiedDated?: number;
  /** the scan has ended: the figures are final */
  final?: boolean;
  /** stopped before the end (Ctrl-C): folders not reached are not read, every figure a lower bound */
  partial?: boolean;
}

/**
 * From the snapshot's totals and progress (no pass over the rows: a snapshot of 50,000 customers
 * costs nothing more here than one of 5).
 */
export function completeness(
  totals: Pick<Totals, 'dateSources'> | undefined,
  result: ScanResult | undefined,
  progress: Progress,
  stopped = false,
): Completeness {
  let mtimeDated = 0;
  let lastModifiedDated = 0;
  for (const [src, n] of totals?.dateSources ?? []) {
    if (src === 'mtime' || src === 'folder+mtime') mtimeDated += n;
    else if (src === 'last-modified' || src === 'folder+last-modified') lastModifiedDated += n;
  }
  mtimeDated += lastModifiedDated;
  const live = progress as Partial<Progress>;
  return {
    unreadableFolders: result?.unreadableFolders ?? live.unreadableFolders,
    linksSkipped: result?.linksSkipped ?? live.linksSkipped,
    specialSkipped: result?.specialSkipped ?? live.specialSkipped,
    unmatched: result?.unmatched ?? live.unmatched ?? 0,
    mtimeDated,
    ...(lastModifiedDated ? { lastModifiedDated } : {}),
    final: result !== undefined,
    ...(stopped || result?.partial ? { partial: true } : {}),
  };
}

/** The warning line under the status: everything not counted, or counted with a caveat; '' if nothing. */
export function completenessLine(c: Completeness): { text: string; warn: boolean } {
  const parts: string[] = [];
  if (c.unreadableFolders) parts.push(`${plural(c.unreadableFolders, 'unreadable folder')} NOT COUNTED`);
  if (c.unmatched) parts.push(`${plural(c.unmatched, 'file')} unmatched`);
  if (c.linksSkipped) parts.push(`${plural(c.linksSkipped, 'link')} skipped`);
  if (c.specialSkipped) parts.push(`${plural(c.specialSkipped, 'special file')} skipped`);
  if (c.mtimeDated)
    parts.push(
      `${plural(c.mtimeDated, 'recording')} dated by ${c.lastModifiedDated === c.mtimeDated ? "the server's Last-Modified" : 'mtime'}`,
    );
  // a stopped scan read some folders and never reached others: no line may say every folder was read
  // (attack round 24b L1: it did, under "stopped (partial)", after a Ctrl-C during the walk)
  if (c.partial)
    return {
      text: `! stopped: files and folders not reached NOT COUNTED${parts.length ? ` · ${parts.join(' · ')}` : ''}`,
      warn: true,
    };
  if (parts.length) return { text: `! ${parts.join(' · ')}${c.final === false ? ' (so far)' : ''}`, warn: true };
  if (c.unreadableFolders === undefined)
    return { text: 'folders not read, links skipped: known when the scan ends', warn: false };
  if (c.final === false) return { text: 'so far every folder read; no link or special file skipped', warn: false };
  return { text: 'every folder read; no link or special file skipped', warn: false };
}

type Row = Pick<
  CustomerTotals,
  'customer' | 'files' | 'audioFiles' | 'audioMicros' | 'firstMs' | 'lastMs' | 'unreadableFiles' | 'distinctCallers'
> & { kind?: RowKind };

export interface Column {
  key: string;
  title: string;
  width: number;
  right: boolean;
  /** the cell's text; lowerBound: the figure may be higher (part of the tree was not read), shown ≥ */
  cell: (c: Row, lowerBound?: boolean) => string;
}

/** A count cell: whole, or compact when it does not fit; ≥ before a lower bound. */
const countCell =
  (w: number, get: (c: Row) => number) =>
  (c: Row, lowerBound = false): string => {
    const m = lowerBound ? '≥' : '';
    return fit([m + num(get(c)), m + compactNum(get(c))], w);
  };

/** The table's columns for a terminal this wide (dates are dropped first on narrow terminals). */
export function columns(w: number, zone: string, callers = false, nameTitle = 'CUSTOMER'): Column[] {
  const day = (ms: number | undefined): string => (ms === undefined ? '' : dayKey(zone, ms));
  const fixed: Column[] = [
    { key: 'files', title: 'FILES', width: 9, right: true, cell: countCell(9, (c) => c.files) },
    { key: 'audio', title: 'AUDIO', width: 9, right: true, cell: countCell(9, (c) => c.audioFiles) },
    {
      key: 'hours',
      title: 'DURATION',
      width: 10,
      right: true,
      cell: (c, lowerBound = false) => {
        const m = lowerBound ? '≥' : '';
        return fit([m + duration(c.audioMicros / 1e6), m + compactDuration(c.audioMicros / 1e6)], 10);
      },
    },
    ...(callers
      ? [
          {
            key: 'callers',
            title: 'CALLERS',
            width: 8,
            right: true,
            cell: (c: Row) => (c.distinctCallers === undefined ? '' : num(c.distinctCallers)),
          },
        ]
      : []),
    { key: 'first', title: 'FIRST', width: 10, right: false, cell: (c) => day(c.firstMs) },
    { key: 'last', title: 'LAST', width: 10, right: false, cell: (c) => day(c.lastMs) },
    { key: 'unreadable', title: 'UNREAD', width: 7, right: true, cell: (c) => num(c.unreadableFiles) },
  ];
  let cols = fixed;
  const need = (cs: Column[]): number => cs.reduce((n, c) => n + c.width + 1, 0) + 1 + 12;
  for (const drop of ['last', 'first', 'callers', 'audio'])
    if (need(cols) > w) cols = cols.filter((c) => c.key !== drop);
  const nameWidth = Math.max(8, w - cols.reduce((n, c) => n + c.width + 1, 0) - 2);
  return [
    {
      key: 'customer',
      title: nameTitle,
      width: nameWidth,
      right: false,
      cell: (c) => (c.kind ? rowLabel({ customer: c.customer, kind: c.kind }) : c.customer),
    },
    ...cols,
  ];
}

/**
 * A row of the table. unreached: nothing found where part of the tree that could hold the row was not
 * read (a stopped scan, an unreadable folder): dashes and "not read", never zeros; or where all was
 * read but files that may be the row's were not counted as its (customers no key names, a key's
 * look-alike, its own archives): dashes and "not known". lowerBound: figures
 * found, but more may be in what was not read: FILES and DURATION shown with ≥.
 */
export function rowText(
  cols: Column[],
  c: Row,
  /** true, or what to say in place of the first date: 'not read' (true), or why nothing is known */
  unreached: boolean | string = false,
  lowerBound = false,
): string {
  return cols
    .map((col) => {
      const v = cut(
        unreached && col.key !== 'customer'
          ? col.key === 'first'
            ? unreached === true
              ? 'not read'
              : unreached
            : col.key === 'last'
              ? ''
              : '–'
          : col.cell(c, lowerBound && (col.key === 'files' || col.key === 'hours')),
        col.width,
      );
      return col.right ? padL(v, col.width) : padR(v, col.width);
    })
    .join(' ');
}

/**
 * The header, the sorted column marked with the direction the rows are in: ▼ descending (largest,
 * latest, Z first), ▲ ascending (A first, smallest, earliest), whatever the column. Names sort A→Z
 * first (▲), numbers and dates largest first (▼); r reverses both.
 */
export function headerText(cols: Column[], sort: string, reverse: boolean): string {
  return cols
    .map((col) => {
      const ascending = (sort === 'customer') !== reverse;
      const mark = col.key === sort ? (ascending ? '▲' : '▼') : '';
      const t = cut(col.title + mark, col.width);
      return col.right ? padL(t, col.width) : padR(t, col.width);
    })
    .join(' ');
}

/** Every month from the first to the last, the empty ones too (a gap in the calls is a fact to see). */
export function allMonths(months: readonly [string, MonthFigures][]): [string, MonthFigures][] {
  if (!months.length) return [];
  const have = new Map(months);
  const [y0, m0] = months[0]![0].split('-').map(Number) as [number, number];
  const [y1, m1] = months[months.length - 1]![0].split('-').map(Number) as [number, number];
  const out: [string, MonthFigures][] = [];
  for (let y = y0, m = m0; y < y1 || (y === y1 && m <= m1); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    const k = `${y}-${String(m).padStart(2, '0')}`;
    out.push([k, have.get(k) ?? { audio: 0, micros: 0 }]);
  }
  return out;
}

/** Folder errors that lie inside one customer's folder (customers taken from folders at depth). */
export function folderErrorsOf(
  customer: string,
  depth: number,
  errors: readonly { path: string; error: string }[],
): { path: string; error: string }[] {
  return errors.filter((e) => {
    const parts = e.path.split('/');
    return parts.length >= depth && parts[depth - 1] === customer;
  });
}

export interface DetailExtras {
  /** the folders in this customer's tree that could not be read */
  folderErrors?: readonly { path: string; error: string }[];
  /** how many (may exceed the examples) */
  unreadableFolders?: number;
  /** the scan was stopped */
  partial?: boolean;
  /** whether everything that could hold this row was read (undefined: the scan is still running) */
  completeness?: RowCompleteness;
}

/** The customer view's verdict line(s): complete, or what was not read and what that means. */
function completenessLines(files: number, c: RowCompleteness | undefined, w: number): string[] {
  if (!c) return [cut('Completeness: known when the scan ends (the figures so far)', w)];
  if (c.complete)
    return [
      cut(
        `Completeness: complete: everything that could hold it was read${files ? '' : '; nothing was found: not affected'}`,
        w,
      ),
    ];
  const why = gapPhrases(c, true).join('; ');
  return [
    cut(
      files
        ? `INCOMPLETE: figures are lower bounds (${why})`
        : `INCOMPLETE: nothing found in what could be read; exposure CANNOT BE RULED OUT (${why})`,
      w,
    ),
  ];
}

/** The customer view, as lines (the widget shows a window of them). */
export function detailLines(c: CustomerTotals, zone: string, w: number, extra: DetailExtras = {}): string[] {
  const lines: string[] = [];
  const kind = kindOf(c);
  if (kind === 'unmatched') lines.push(cut('Files the pattern did not match (counted here, not under a customer).', w));
  if (kind === 'top-level') lines.push(cut('Files above the customer level (not inside a customer folder).', w));
  if (extra.partial) lines.push(cut('PARTIAL: the scan was stopped; every figure is a lower bound.', w));
  if ('completeness' in extra) lines.push(...completenessLines(c.files, extra.completeness, w));
  const nf = extra.folderErrors?.length ?? 0;
  const folders = Math.max(
    (c as { unreadableFolders?: number }).unreadableFolders ?? 0,
    extra.unreadableFolders ?? 0,
    nf,
  );
  if (folders) lines.push(cut(`! ${plural(folders, 'folder')} here could not be read: NOT COUNTED (see below)`, w));
  lines.push(
    cut(
      `${plural(c.files, 'file')}: ${plural(c.audioFiles, 'recording')} (${duration(c.audioMicros / 1e6)}), ${num(c.otherFiles)} other, ${num(c.unreadableFiles)} unreadable; ${plural(c.bytes, 'byte')}`,
      w,
    ),
  );
  const withheld = c.withheldCallerCalls
    ? ` (+ ${plural(c.withheldCallerCalls, 'call')} with the caller withheld)`
    : '';
  const callers = c.distinctCallers === undefined ? '' : `; ${plural(c.distinctCallers, 'distinct caller')}${withheld}`;
  lines.push(
    cut(
      (c.firstMs === undefined
        ? 'no dated recordings'
        : `from ${formatIso(zone, c.firstMs)} to ${formatIso(zone, c.lastMs!)}`) + callers,
      w,
    ),
  );
  if (c.pastRetentionFiles) {
    const oldest = c.oldestPastRetentionMs === undefined ? '' : `, oldest ${formatIso(zone, c.oldestPastRetentionMs)}`;
    lines.push(
      cut(
        `Past retention: ${plural(c.pastRetentionFiles, 'recording')} (${duration(c.pastRetentionMicros / 1e6)})${oldest}`,
        w,
      ),
    );
  }
  lines.push('');
  const years = new Map<string, MonthFigures>();
  for (const [m, v] of c.months) {
    const y = years.get(m.slice(0, 4)) ?? { audio: 0, micros: 0 };
    y.audio += v.audio;
    y.micros += v.micros;
    years.set(m.slice(0, 4), y);
  }
  lines.push('Per year');
  if (!years.size) lines.push('  (none)');
  for (const [y, v] of years)
    lines.push(`  ${y}  ${padL(plural(v.audio, 'recording'), 18)}  ${padL(duration(v.micros / 1e6), 11)}`);
  lines.push('');
  lines.push('Recordings per month');
  const months = allMonths(c.months);
  if (!months.length) lines.push('  (none)');
  const max = Math.max(1, ...months.map(([, v]) => v.audio));
  const barWidth = Math.max(5, w - 33);
  for (const [m, v] of months) {
    const n = v.audio ? Math.max(1, Math.round((v.audio / max) * barWidth)) : 0;
    lines.push(
      `  ${m} ${padR('█'.repeat(n), barWidth)} ${padL(num(v.audio), 7)} ${padL(duration(v.micros / 1e6), 11)}`,
    );
  }
  lines.push('');
  lines.push(cut(`Codecs: ${c.formats.map(([k, n]) => `${k} ${num(n)}`).join('; ') || '(none)'}`, w));
  lines.push(cut(`Date sources: ${c.dateSources.map(([k, n]) => `${k} ${num(n)}`).join('; ') || '(none)'}`, w));
  lines.push('');
  if (folders) {
    lines.push(`Unreadable folders (${num(nf)} of ${num(folders)}, contents not counted)`);
    for (const e of extra.folderErrors ?? []) lines.push(cut(`  ${e.path}: ${e.error}`, w));
  } else lines.push('Unreadable folders: none');
  const examples = c.unreadableExamples;
  lines.push(
    c.unreadableFiles
      ? `Unreadable files (${num(examples.length)} of ${num(c.unreadableFiles)}, by path)`
      : 'Unreadable files: none',
  );
  for (const e of examples) lines.push(cut(`  ${e.path}: ${e.error}`, w));
  if (kind === 'unmatched') {
    // the first paths in path order, made safe for the terminal (cut() shows control characters as �)
    const ex = c.unmatchedExamples ?? [];
    lines.push(
      ex.length
        ? `Example paths (the first ${num(ex.length)} of ${num(c.files)}, by path)`
        : 'Example paths: none kept',
    );
    for (const e of ex) lines.push(cut(`  ${e}`, w));
  }
  return lines;
}

/**
 * The head of a controller's view (with --register): who it is, and each of its keys with its files
 * (a key of the register with none in the tree says so); a key the register does not know says that.
 */
export function controllerLines(
  n: NotifyRow,
  parts: readonly CustomerTotals[],
  w: number,
  completeness?: RowCompleteness,
): string[] {
  const lines: string[] = [];
  if (n.kind === 'controller') {
    const who = [n.org_id && `org id ${n.org_id}`, n.contact && `contact ${n.contact}`].filter(Boolean).join(', ');
    lines.push(cut(`Controller: ${n.controller}${who ? ` (${who})` : ''}`, w));
    // "not affected" only when everything that could hold its keys was read
    if (n.files === 0)
      lines.push(
        cut(
          completeness?.complete
            ? 'Nothing of this controller in the tree: not affected.'
            : completeness
              ? 'Nothing of this controller found in what could be read: exposure CANNOT BE RULED OUT.'
              : 'Nothing of this controller found so far.',
          w,
        ),
      );
    const found = new Map(parts.map((p) => [p.customer, p]));
    lines.push(`Keys (${num(n.keys.length)}):`);
    for (const k of n.keys) {
      const p = found.get(k);
      lines.push(
        cut(`  ${k}  ${p ? `${plural(p.files, 'file')}, ${duration(p.audioMicros / 1e6)}` : 'not in the tree'}`, w),
      );
    }
  } else if (n.kind === 'unregistered') {
    lines.push(cut('Controller: none (this key is not in the register: find out whose it is)', w));
  }
  if (lines.length) lines.push('');
  return lines;
}

/** What the columns and the special rows mean (the `?` screen, after the keys). */
export const COLUMN_HELP: readonly [string, string][] = [
  ['CUSTOMER', "the folder at --depth, or the pattern's {customer}"],
  ['CONTROLLER', 'with --register: a controller (keys merged), or a key not in it'],
  ['FILES', 'regular files found: recordings + other + unreadable'],
  ['AUDIO', 'recordings: files with audio (the audio present is timed)'],
  ['DURATION', 'total length of the recordings (s, min; h from 1 hour)'],
  ['CALLERS', 'distinct {caller} values (a pattern with {caller})'],
  ['FIRST LAST', 'first and last call start (the day, in the zone on top)'],
  ['UNREAD', 'files that could not be read or decoded (no length)'],
  ['(unmatched)', 'files the --pattern did not match; open it for examples'],
  ['(top level)', 'files above the customer level, in no customer folder'],
  ['partial', 'the scan was stopped: lower bounds; – = not reached'],
  ['≥ and –', '≥ a lower bound; – none found, yet not all read ("not read") or not all counted ("not known")'],
  ['▼ ▲', 'the sorted column: ▼ largest, latest, Z first; ▲ A, smallest, earliest first'],
  ['! line', 'NOT COUNTED folders, unmatched, skipped, mtime-dated'],
];
