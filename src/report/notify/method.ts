/**
 * How the figures were made and what they leave out: the same block in the JSON (`method`), the
 * workbook's Method sheet and every statement, so that a figure never travels without its method.
 */
import type { ScanResult } from '../../scan/engine.js';
import { formatIso } from '../../scan/place/date/zone.js';
import type { NotifyReport } from './notify.js';
import { cutoffMs, describeCutoff } from './retention.js';
import { format, strings, type Lang } from '../lang/index.js';
import { readFileSync } from 'node:fs';
import { gapPhrases, runCompleteness, runGaps, type ReportedResult } from './completeness.js';

/** leaktally's version, as package.json gives it (the CLI's --version and every method block). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** What only the caller knows: the tool's version and the command line (the UI gives its own). */
export interface MethodContext {
  version: string;
  /** the arguments as given (after the program name) */
  argv?: string[];
  /** the register file as given */
  registerPath?: string;
}

interface DateRule {
  rule: string;
  recordings: number;
  note: string;
}

/** A tree on a web server: how it was sized in place, and what that cost the server. */
interface InPlace {
  how: string;
  requests: number;
  bytes_transferred: number;
  /** the bytes of the files found (the tree's bytes) */
  tree_bytes: number;
  /** bytes_transferred / tree_bytes */
  share_of_tree: number | null;
  /** requests with a Range the server answered with the whole file (200), and of those, cut off */
  range_ignored: number;
  range_ignored_cut_off: number;
  retries: number;
  connections: number;
}

export interface Method {
  tool: string;
  command: string;
  folder_scanned: string;
  /** a tree on a web server (an http(s) URL): sized in place over HTTP; null for a folder */
  sized_in_place: InPlace | null;
  scan_start: string;
  scan_end: string;
  zone: string;
  pattern: string | null;
  depth: number;
  as_of: string | null;
  as_of_source: string;
  retention: string;
  register: { file: string; rows: number; keys: number; controllers: number } | null;
  country: string | null;
  callers: string;
  date_rules: DateRule[];
  unreadable_folders: number;
  /**
   * Why they could not be read: the error of each (EACCES, ENOENT, HTTP 404 …) and how many, for the
   * first 100 met. No path: a folder's name may be a caller's number or a personal identity number,
   * and this summary is not a file of paths (those are in the manifest, --files, made 0600); the
   * paths it held reached a 0644 JSON and workbook (attack round 22b C3).
   */
  unreadable_folder_reasons: Record<string, number>;
  symbolic_links_skipped: number;
  special_files_skipped: number;
  unmatched_files: number;
  top_level_files: number;
  unreadable_files: number;
  /**
   * complete: every folder read, every file found read and given to a customer, nothing skipped;
   * partial: the scan was stopped; incomplete: any other gap (incomplete_because says which)
   */
  completeness: 'complete' | 'partial' | 'incomplete';
  incomplete_because: string[];
  /** the rows written are part of the summary (the UI's export of a filter or one customer) */
  scope: { chosen: string; rows: number; of: number } | null;
  /** figures this run could not give (named, so that nobody reads a default as a count) */
  gaps: string[];
}

/** Shell-quote an argument for showing the command line. */
function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function method(result: ScanResult, report: NotifyReport, ctx: MethodContext): Method {
  const zone = result.config.zone;
  const o = report.options;
  const plan = o.retention;
  const t = report.total;
  // one pass over the rows, each taken as it is built (a million rows are not kept for this)
  let topLevelFiles = 0;
  const sources = new Map<string, number>();
  for (const r of report.eachRow()) {
    if (r.kind === 'top-level') topLevelFiles += r.files;
    for (const [k, n] of r.dateSources) sources.set(k, (sources.get(k) ?? 0) + n);
  }
  let retention = 'none given: recordings kept past retention are not counted';
  if (plan) {
    const parts: string[] = [];
    if (plan.default) {
      parts.push(
        `${plan.default.text} by default (${plan.defaultDays} days before the as-of date: recordings that started before ${formatIso(zone, plan.defaultCutoffMs!)} are past retention)`,
      );
    }
    const keyed = Object.keys(plan.daysByKey).length;
    if (keyed)
      parts.push(
        `register retention_days for ${keyed} key${keyed === 1 ? '' : 's'} (e.g. ${Object.values(plan.daysByKey)[0]} days: started before ${describeCutoff(plan, Object.values(plan.daysByKey)[0]!)})`,
      );
    if (parts.length) {
      retention = `${parts.join('; ')}. A recording is past retention when its start + the retention is before the as-of time; the retention is subtracted from the as-of time in calendar days, weeks, months or years in ${zone}.`;
    }
  }
  const gaps: string[] = [];
  const a = report.availability;
  if (!a.callerSets && result.config.pattern && t.distinctCallers !== undefined) {
    gaps.push(
      'callers_not_deduplicated: this build of the engine gives no caller sets; distinct callers of rows that merge several keys, and of the total, are sums (a caller who rang two keys counts twice); callers by country are not given',
    );
  }
  if (!a.withheld)
    gaps.push(
      'withheld_caller_calls_not_counted: this build of the engine does not count calls with a withheld number (shown as 0)',
    );
  if (!a.retention && plan)
    gaps.push('past_retention_not_counted: this build of the engine does not count recordings past retention');
  const run = runCompleteness(runGaps(result, report.options.register));
  const scope = (result as ReportedResult).scope;
  return {
    tool: `leaktally ${ctx.version}`,
    command: ctx.argv ? ['leaktally', ...ctx.argv].map(quote).join(' ') : '(interactive)',
    folder_scanned: result.config.root,
    sized_in_place: inPlace(result),
    scan_start: formatIso(zone, result.startedAt.getTime()),
    scan_end: formatIso(zone, result.finishedAt.getTime()),
    zone,
    pattern: result.config.pattern?.source ?? null,
    depth: result.config.depth,
    as_of: plan ? formatIso(zone, plan.asOfMs) : null,
    as_of_source: !plan ? 'not used' : plan.asOfIsScanStart ? 'the scan start (no --as-of given)' : '--as-of',
    retention,
    register: o.register
      ? {
          file: o.register.file,
          rows: o.register.rows,
          keys: o.register.entries.length,
          controllers: o.register.controllers.length,
        }
      : null,
    country: o.country ?? null,
    callers: result.config.pattern?.hasCaller
      ? `from {caller} in the file names; numbers read with libphonenumber-js${o.country ? `, numbers without a country code read as ${o.country}` : ' (no --country: numbers without a country code cannot be placed and count under "unknown")'}; withheld, anonymous, unknown, private and empty numbers are counted as withheld calls, not callers`
      : 'not counted (the pattern has no {caller})',
    date_rules: [...sources]
      .sort((x, y) => y[1] - x[1])
      .map(([rule, n]) => ({ rule, recordings: n, note: strings('en').dateRule[rule] ?? rule })),
    unreadable_folders: result.unreadableFolders,
    unreadable_folder_reasons: reasonsOf(result.folderErrors),
    symbolic_links_skipped: result.linksSkipped,
    special_files_skipped: result.specialSkipped,
    unmatched_files: result.unmatched,
    top_level_files: topLevelFiles,
    unreadable_files: t.unreadableFiles,
    completeness: result.partial ? 'partial' : run.complete ? 'complete' : 'incomplete',
    incomplete_because: gapPhrases(run),
    scope: scope ? { chosen: scope.label, rows: scope.rows, of: scope.of } : null,
    gaps,
  };
}

/** The in-place evidence of a scan of a web server's tree (ScanResult.http), or null. */
function inPlace(result: ScanResult): InPlace | null {
  const h = result.http;
  if (!h) return null;
  const tree = result.totals.bytes;
  return {
    how: "sized in place, over HTTP, without copying: the server's folder listings and Range requests for the first (and where a format needs it, further) bytes of each file; names a listing leaves out are not seen (nginx and lighttpd leave out names starting with a dot, Apache what its IndexIgnore names): complete as far as the listings show",
    requests: h.requests,
    bytes_transferred: h.bytes,
    tree_bytes: tree,
    share_of_tree: tree > 0 ? h.bytes / tree : null,
    range_ignored: h.rangeIgnored,
    range_ignored_cut_off: h.dropped,
    retries: h.retries,
    connections: h.connections,
  };
}

/**
 * The block as label/value lines in a language (the workbook's Method sheet and method.html: both for
 * the processor, never a controller's statement). Numbers and dates as the language writes them.
 */
export function methodLines(
  m: Method,
  report: NotifyReport,
  result: ScanResult,
  lang: Lang = 'en',
): [string, string][] {
  const L = strings(lang).method;
  const F = format(lang, m.zone);
  const n = F.int;
  const when = (ms: number): string => F.when(ms);
  const mtime = m.date_rules
    .filter((r) => r.rule === 'mtime' || r.rule === 'last-modified')
    .reduce((k, r) => k + r.recordings, 0);
  const plan = report.options.retention;
  let retention = L.retentionNone;
  if (plan) {
    const parts: string[] = [];
    if (plan.default)
      parts.push(L.retentionDefault(plan.default.text, n(plan.defaultDays!), when(plan.defaultCutoffMs!)));
    const keyed = Object.values(plan.daysByKey);
    if (keyed.length) {
      const days = keyed[0]!;
      parts.push(
        L.retentionKeyed(
          n(keyed.length),
          keyed.length,
          n(days),
          when(cutoffMs(plan.asOfMs, { n: days, unit: 'd' }, m.zone)),
        ),
      );
    }
    if (parts.length) retention = `${parts.join('; ')}. ${L.retentionRule(m.zone)}`;
  }
  const run = runCompleteness(runGaps(result, report.options.register));
  const facts = report.options.facts;
  const lines: [string, string][] = [
    [L.tool, m.tool],
    [L.command, m.command === '(interactive)' ? L.interactive : m.command],
    [L.folder, m.folder_scanned],
    ...(m.sized_in_place
      ? ([
          [
            L.inPlace,
            strings(lang).statement.methodInPlaceValue(
              n(m.sized_in_place.requests),
              n(m.sized_in_place.bytes_transferred),
              m.sized_in_place.share_of_tree === null ? '-' : F.pct(m.sized_in_place.share_of_tree),
            ),
          ],
        ] as [string, string][])
      : []),
    [L.scanStart, `${when(result.startedAt.getTime())} (${m.scan_start})`],
    [L.scanEnd, `${when(result.finishedAt.getTime())} (${m.scan_end})`],
    [
      L.completeness,
      m.completeness === 'complete'
        ? L.complete
        : L.incomplete(m.completeness === 'partial', gapPhrases(run, false, lang).join('; ')),
    ],
    ...(m.scope
      ? ([[L.scope, L.scopeValue(n(m.scope.rows), n(m.scope.of), m.scope.chosen)]] as [string, string][])
      : []),
    [L.zone, m.zone],
    [L.pattern, m.pattern ?? L.noPattern],
    [L.depth, String(m.depth)],
    [L.asOf, plan ? `${when(plan.asOfMs)} (${plan.asOfIsScanStart ? L.asOfScanStart : L.asOfGiven})` : L.notUsed],
    [L.retention, retention],
    [
      L.register,
      m.register
        ? L.registerValue(m.register.file, n(m.register.rows), n(m.register.keys), n(m.register.controllers))
        : strings(lang).none,
    ],
    [L.facts, facts ? facts.file : strings(lang).none],
    [L.language, lang],
    [L.callers, result.config.pattern?.hasCaller ? L.callersFrom(m.country) : L.callersNone],
    [
      L.dates,
      m.date_rules.length
        ? m.date_rules
            .map((r) => strings(lang).dateRuleCount(n(r.recordings), strings(lang).dateRule[r.rule] ?? r.rule))
            .join('; ')
        : strings(lang).statement.methodDatesNone,
    ],
    [L.guessed, n(mtime)],
    [
      L.folders,
      m.unreadable_folders
        ? L.foldersValue(
            n(m.unreadable_folders),
            Object.entries(m.unreadable_folder_reasons)
              .map(([why, k]) => `${why} ${n(k)}`)
              .join(', '),
          )
        : '0',
    ],
    [L.links, n(m.symbolic_links_skipped)],
    [L.special, n(m.special_files_skipped)],
    [L.unmatched, n(m.unmatched_files)],
    [L.topLevel, n(m.top_level_files)],
    [L.unreadable, n(m.unreadable_files)],
  ];
  for (const g of m.gaps) {
    const code = g.slice(0, g.indexOf(':'));
    lines.push([L.notCounted, L.gap[code] ? `${code}: ${L.gap[code]}` : g]);
  }
  return lines;
}

/** How many folders could not be read for each reason, most first (no path: see Method). */
function reasonsOf(errors: readonly { error: string }[]): Record<string, number> {
  const by = new Map<string, number>();
  for (const e of errors) by.set(e.error, (by.get(e.error) ?? 0) + 1);
  return Object.fromEntries([...by].sort((a, b) => b[1] - a[1]));
}
