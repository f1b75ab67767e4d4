/**
 * Statements (--statements <dir>): one self-contained HTML page per row (a controller, or a key the
 * register does not know) and an index.html, for the processor to send each controller what was found
 * of theirs (Art. 33(2)). Printable on A4; the month chart is inline SVG; no scripts, no external files.
 * Facts only: what was found in the tree, not when or how it was exposed.
 *
 * Every name from the tree or the register is escaped (a controller called <script> or =cmd is shown
 * as text), and file names are made safe on every OS (safeFileName).
 */
import type { ScanResult } from '../scan/engine.js';
import { formatIso } from '../scan/date/zone.js';
import { hours, num } from './human.js';
import { methodLines, type Method } from './method.js';
import { gapPhrases } from './completeness.js';

/** The scan's mark beside its date: a stopped or otherwise incomplete scan says so at the top. */
const runMark = (m: Method): string =>
  m.completeness === 'partial'
    ? ' <span class="warn">(PARTIAL scan: stopped before the end; figures are lower bounds)</span>'
    : m.completeness === 'incomplete'
      ? ' <span class="warn">(INCOMPLETE scan: part of the tree could not be read or attributed; see Method)</span>'
      : '';
import type { NotifyReport, NotifyRow } from './notify.js';
import { formatsText } from './rows.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escape text (and show control characters as U+FFFD, as the UI does). */
export function esc(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => ESC[c]!)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD');
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const MAX_BYTES = 120;

/**
 * A file name (without extension) that is safe on Linux, macOS and Windows: no path separators or
 * characters Windows forbids (<>:"/\|?*), no control characters, no leading dot or trailing dot/space,
 * not a reserved device name (CON, NUL, COM1, … with any extension), at most 120 UTF-8 bytes (255 is
 * the limit; the rest is headroom for a suffix and .html), and unique ignoring case and Unicode
 * normalisation (macOS and Windows folders are case-insensitive). `used` holds the names taken so far
 * (lower-cased, NFC).
 */
export function safeFileName(label: string, used: Set<string>): string {
  let s = label
    .normalize('NFC')
    // bidi controls and zero-width characters (names.ts's list) are removed: ok\u202Egnp.exe would
    // show as okexe.png in a file manager, and an invisible character makes two names look alike
    .replace(/[\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"/\\|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '_')
    .replace(/[. ]+$/, '');
  if (!s) s = '_';
  // bytes, not UTF-16 units: cut on a code point boundary
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- shortened by code points (never half a UTF-16 pair); the names it gives stay the same
  while (Buffer.byteLength(s) > MAX_BYTES) s = [...s].slice(0, -1).join('');
  s = s.replace(/[. ]+$/, '') || '_';
  if (RESERVED.test(s.split('.')[0]!)) s = `_${s}`;
  let name = s;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${s}-${i}`;
  used.add(name.toLowerCase());
  return name;
}

const CSS = `
@page { size: A4; margin: 16mm 15mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 180mm; padding: 8mm 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; overflow-wrap: anywhere; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; }
.sub { color: #444; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 2mm; border-bottom: 1px solid #ddd; overflow-wrap: break-word; }
.nb { white-space: nowrap; }
.list td, .list th { font-size: 9pt; padding: 1mm 1.5mm; }
th { width: 38%; font-weight: 600; color: #333; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.list th { width: auto; background: #f2f2f2; }
.notice { border: 1.5px solid #333; padding: 3mm; margin: 4mm 0; font-weight: 600; }
.warn { color: #8a1c00; font-weight: 600; }
section { break-inside: avoid; }
.method td, .method th { font-size: 8.5pt; padding: 0.8mm 2mm; }
footer { margin-top: 6mm; font-size: 8.5pt; color: #444; }
svg { display: block; margin: 2mm 0; }
svg text { font: 7pt "DejaVu Sans", Arial, sans-serif; fill: #333; }
@media print { body { padding: 0; } a { color: inherit; text-decoration: none; } }
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${esc(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

const table = (rows: [string, string][], cls = ''): string =>
  `<table${cls ? ` class="${cls}"` : ''}>\n${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('\n')}\n</table>`;

/** Every month from the first to the last, with zeros for the months without recordings. */
function monthSeries(r: NotifyRow): [string, number, number][] {
  if (!r.months.length) return [];
  const have = new Map(r.months.map(([m, v]) => [m, v]));
  const [y0, m0] = r.months[0]![0].split('-').map(Number) as [number, number];
  const [y1, m1] = r.months[r.months.length - 1]![0].split('-').map(Number) as [number, number];
  const out: [string, number, number][] = [];
  for (let y = y0, m = m0; y < y1 || (y === y1 && m <= m1); m === 12 ? ((m = 1), y++) : m++) {
    const k = `${y}-${String(m).padStart(2, '0')}`;
    const v = have.get(k);
    out.push([k, v?.audio ?? 0, (v?.micros ?? 0) / 3.6e9]);
  }
  return out;
}

/** A bar chart of recordings per month, inline SVG (prints as vectors, needs no script). */
export function monthChart(r: NotifyRow): string {
  const series = monthSeries(r);
  if (!series.length) return '<p>No dated recordings.</p>';
  const W = 660,
    H = 190,
    left = 56,
    bottom = 52,
    top = 10;
  const max = Math.max(...series.map((s) => s[1]), 1);
  const bw = (W - left - 4) / series.length;
  const every = Math.max(1, Math.ceil(series.length / 18));
  const y = (v: number): number => top + (H - top - bottom) * (1 - v / max);
  const bars = series
    .map(([m, n, h], i) => {
      const x = left + i * bw;
      const label =
        i % every === 0
          ? `<text x="${(x + bw / 2).toFixed(1)}" y="${H - bottom + 12}" text-anchor="end" transform="rotate(-45 ${(x + bw / 2).toFixed(1)} ${H - bottom + 12})">${esc(m)}</text>`
          : '';
      return `<rect x="${(x + bw * 0.1).toFixed(1)}" y="${y(n).toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${(y(0) - y(n)).toFixed(1)}" fill="#3a5f8f"><title>${esc(m)}: ${num(n)} recordings, ${h.toFixed(2)} h</title></rect>${label}`;
    })
    .join('');
  const axis =
    `<line x1="${left}" y1="${y(0)}" x2="${W}" y2="${y(0)}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#333"/>` +
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end">${num(max)}</text><text x="${left - 4}" y="${y(0)}" text-anchor="end">0</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Recordings per month">${axis}${bars}</svg>`;
}

/** 2019-02-18 00:00:00 +01:00, kept on one line */
const when = (zone: string, ms: number | undefined): string =>
  ms === undefined
    ? '–'
    : `<span class="nb">${esc(
        formatIso(zone, ms)
          .replace('T', ' ')
          .replace(/([+-]\d\d:\d\d|Z)$/, ' $1'),
      )}</span>`;

export function statementHtml(r: NotifyRow, report: NotifyReport, result: ScanResult, m: Method): string {
  const zone = result.config.zone;
  const plan = report.options.retention;
  const name =
    r.kind === 'controller' ? r.controller : r.kind === 'unregistered' ? `Unknown owner of ${r.label}` : r.label;
  const keysHtml = r.keys.map(esc).join('<br>') || '–';
  const who = table([
    [
      'Controller',
      r.controller
        ? esc(r.controller)
        : r.kind === 'unregistered'
          ? '<span class="warn">not in the register: whose this is must be found out</span>'
          : '–',
    ],
    ['Organisation id', esc(r.org_id) || '–'],
    ['Contact', esc(r.contact) || '–'],
    [
      r.keys.length === 1 ? 'Key (customer folder or line)' : `Keys (${r.keys.length}: customer folders or lines)`,
      keysHtml,
    ],
    ['Categories of data (register)', esc(r.categories) || '–'],
  ]);
  const c = r.completeness;
  const whose = r.kind === 'controller' ? 'this controller' : 'this key';
  const its = r.keys.length === 1 ? 'its key' : 'any of its keys';
  const gaps = c ? gapPhrases(c, true) : [];
  const notRead = r.files === 0 && c !== undefined && !c.complete;
  let notice = '';
  if (r.files === 0 && c?.complete) {
    const elsewhere = result.unreadableFolders
      ? ` (${num(result.unreadableFolders)} ${result.unreadableFolders === 1 ? 'folder' : 'folders'} of the tree could not be read, but none of them could hold files of ${its}.)`
      : '';
    notice = `<p class="notice">Nothing was found for ${whose}: no file under ${its} in the tree scanned, and every part of the tree that could hold its recordings was read. Not affected by this tree.${elsewhere}</p>`;
  } else if (notRead) {
    notice = `<p class="notice">Nothing was found for ${whose} in the parts of the tree that could be read, but the tree could not be read completely: ${esc(gaps.join('; '))}. Its exposure CANNOT BE RULED OUT: recordings of ${whose} may be in what could not be read.</p>`;
  } else if (c && !c.complete) {
    notice = `<p class="notice">The figures below are LOWER BOUNDS: the tree could not be read completely (${esc(gaps.join('; '))}). More recordings of ${whose} may be in what could not be read.</p>`;
  }
  const completenessText = !c
    ? 'not known'
    : c.complete
      ? r.files === 0
        ? 'complete: everything that could hold its recordings was read; nothing was found'
        : 'complete: everything that could hold its recordings was read'
      : `<span class="warn">INCOMPLETE</span>: ${esc(gaps.join('; '))}; ${r.files === 0 ? 'exposure cannot be ruled out' : 'the figures are lower bounds'}`;
  const found = notRead
    ? table([
        ['Completeness', completenessText],
        ['Recordings (audio files)', 'none found in the parts of the tree that were read; the rest is not known'],
      ])
    : table([
        ['Completeness', completenessText],
        ['Recordings (audio files)', num(r.audioFiles)],
        ['Audio', `${hours(r.micros / 1e6)} hours (${num(Math.round(r.micros / 1e6))} seconds)`],
        [
          'Period (start of the first and of the last recording)',
          r.firstMs === undefined ? '–' : `${when(zone, r.firstMs)} to ${when(zone, r.lastMs)}`,
        ],
        ['Codecs', esc(formatsText(r.formats)) || '–'],
        ['Unreadable files (look like recordings, length unknown)', num(r.unreadableFiles)],
        ['Other files', num(r.otherFiles)],
        ['Files in all', `${num(r.files)} (${num(r.bytes)} bytes)`],
      ]);
  const s = r.subjects;
  const subjectsRows: [string, string][] = [
    [
      'Number of data subjects',
      notRead ? 'not known' : s.min === s.max ? num(s.min) : `${num(s.min)} to ${num(s.max)}`,
    ],
    ['Precision', esc(s.precision)],
    ['Method', esc(s.method)],
  ];
  if (r.distinctCallers !== undefined && !notRead) {
    subjectsRows.push([
      'Distinct callers',
      `${num(r.distinctCallers)}${r.callersDeduplicated ? '' : ' (a sum over keys: not de-duplicated)'}`,
    ]);
    subjectsRows.push(['Calls with a withheld number', num(r.withheldCallerCalls)]);
  }
  if (r.callersByCountry?.length && !notRead) {
    subjectsRows.push(['Callers by country', r.callersByCountry.map(([c, n]) => `${esc(c)} ${num(n)}`).join(', ')]);
  }
  let retention: string;
  if (!r.retentionDays.length || !plan) {
    retention =
      '<p>No retention period was given for this controller: recordings kept past retention are not counted.</p>';
  } else {
    retention = table([
      ['Retention', `${r.retentionDays.join(' / ')} days`],
      ['As of', `${when(zone, plan.asOfMs)}${plan.asOfIsScanStart ? ' (the scan start)' : ''}`],
      [
        'Recordings kept past retention',
        notRead
          ? 'not known (see above)'
          : r.pastRetentionFiles === undefined
            ? 'not counted (see Method)'
            : num(r.pastRetentionFiles),
      ],
      [
        'Their audio',
        r.pastRetentionMicros === undefined || notRead ? '–' : `${hours(r.pastRetentionMicros / 1e6)} hours`,
      ],
      ['The oldest of them started', when(zone, r.oldestPastRetentionMs)],
    ]);
  }
  const methodHtml = table(
    methodLines(m).map(([k, v]) => [k, esc(v)]),
    'method',
  );
  const body = `<header>
<h1>${esc(name)}</h1>
<p class="sub">What of this ${r.kind === 'controller' ? 'controller' : 'key'}'s was found in the leaked tree ${esc(m.folder_scanned)}, scanned ${when(zone, result.startedAt.getTime())}${runMark(m)}.</p>
</header>
${notice}
<section><h2>Who</h2>
${who}</section>
<section><h2>What was found</h2>
${found}</section>
<section><h2>Data subjects</h2>
${table(subjectsRows)}</section>
<section><h2>Retention</h2>
${retention}</section>
<section><h2>Recordings per month</h2>
${monthChart(r)}</section>
<section><h2>Method and completeness</h2>
${methodHtml}</section>
<footer>Facts only: this page states what was found in the tree scanned, by the method above. It does not say when, how or to whom the tree was exposed.</footer>`;
  return page(name, body);
}

export function indexHtml(report: NotifyReport, result: ScanResult, m: Method, files: string[]): string {
  const zone = result.config.zone;
  const rows = report.rows
    .map((r, i) => {
      const name = r.kind === 'controller' ? r.controller : r.label;
      const unread = r.files === 0 && r.completeness !== undefined && !r.completeness.complete;
      const past = r.pastRetentionFiles === undefined || unread ? '–' : num(r.pastRetentionFiles);
      const subj = unread
        ? '–'
        : r.subjects.min === r.subjects.max
          ? num(r.subjects.min)
          : `${num(r.subjects.min)}–${num(r.subjects.max)}`;
      const complete = r.completeness?.complete !== false;
      const verdict = r.files
        ? complete
          ? 'yes'
          : 'yes <span class="warn">(lower bounds: not all read)</span>'
        : complete
          ? 'no: not affected'
          : '<span class="warn">nothing found in what was read: CANNOT BE RULED OUT</span>';
      return `<tr><td><a href="${encodeURIComponent(files[i]!)}">${esc(name)}</a>${r.kind === 'unregistered' ? ' <span class="warn">(not in the register)</span>' : ''}</td><td>${r.keys.map((k) => (k.length <= 24 ? `<span class="nb">${esc(k)}</span>` : esc(k))).join('<br>')}</td><td class="n">${unread ? '–' : num(r.audioFiles)}</td><td class="n">${unread ? '–' : hours(r.micros / 1e6)}</td><td class="n">${past}</td><td class="n">${subj}</td><td>${verdict}</td></tr>`;
    })
    .join('\n');
  const t = report.total;
  const body = `<h1>Statements: ${esc(m.folder_scanned)}</h1>
<p class="sub">${num(report.rows.length)} statements; scanned ${when(zone, result.startedAt.getTime())} to ${when(zone, result.finishedAt.getTime())}${runMark(m)}; times in ${esc(zone)}.</p>
<table class="list">
<tr><th>Controller or key</th><th>Keys</th><th class="n">Recordings</th><th class="n">Hours</th><th class="n">Past retention</th><th class="n">Data subjects</th><th>Found</th></tr>
${rows}
<tr><th>(total)</th><th></th><th class="n">${num(t.audioFiles)}</th><th class="n">${hours(t.micros / 1e6)}</th><th class="n">${t.pastRetentionFiles === undefined ? '–' : num(t.pastRetentionFiles)}</th><th class="n">${t.subjects.min === t.subjects.max ? num(t.subjects.min) : `${num(t.subjects.min)}–${num(t.subjects.max)}`}</th><th></th></tr>
</table>
<section><h2>Method and completeness</h2>
${table(
  methodLines(m).map(([k, v]) => [k, esc(v)]),
  'method',
)}</section>`;
  return page(`Statements: ${m.folder_scanned}`, body);
}

/** The file name of each row's page, in row order (index.html is never one of them). */
export function statementFileNames(report: NotifyReport): string[] {
  const used = new Set(['index']);
  return report.rows.map((r) => `${safeFileName(r.kind === 'controller' ? r.controller : r.label, used)}.html`);
}

/** Every page and the index, (file name, HTML), index.html last: what the statements folder receives (statements-folder.ts writes them). */
export function statementPages(report: NotifyReport, result: ScanResult, m: Method): [string, string][] {
  const names = statementFileNames(report);
  const pages: [string, string][] = report.rows.map((r, i) => [names[i]!, statementHtml(r, report, result, m)]);
  pages.push(['index.html', indexHtml(report, result, m, names)]);
  return pages;
}
