/**
 * Retention: which recordings were kept past the time they should have been deleted, as of the day the
 * leak was found. A recording is past retention when its start + retention < as-of, i.e. when its start
 * is before the cutoff = as-of − retention. The subtraction is calendar arithmetic in the scan's zone
 * (date-fns subDays/subWeeks/subMonths/subYears on a TZDate): "30 days before 2019-02-18 00:00
 * Europe/Stockholm" is 2019-01-19 00:00 Europe/Stockholm, whatever DST did in between.
 *
 * The engine counts the files; this module only works out the cutoffs it is given
 * (ScanConfig.retention: per register key, and a default for every other key).
 */
import { TZDate } from '@date-fns/tz';
import { dateFns } from '../../scan/place/date/fns.js';
import { naiveToMs, formatIso } from '../../scan/place/date/zone.js';
import { offsetOf } from '../../scan/probe/datestr.js';
import type { Register } from './register.js';

export interface RetentionSpec {
  n: number;
  unit: 'd' | 'w' | 'm' | 'y';
  /** as given, e.g. "30d" */
  text: string;
}

export class RetentionError extends Error {}

/** "30d", "4w", "6m", "1y" (a bare number is days). */
export function parseRetention(text: string): RetentionSpec {
  const m = /^\s*(\d{1,5})\s*([dwmy]?)\s*$/i.exec(text);
  if (!m || Number(m[1]) < 1)
    throw new RetentionError(`--retention must be a whole number and d, w, m or y (30d, 4w, 6m, 1y), not "${text}"`);
  return {
    n: Number(m[1]),
    unit: (m[2]!.toLowerCase() || 'd') as RetentionSpec['unit'],
    text: `${Number(m[1])}${m[2]!.toLowerCase() || 'd'}`,
  };
}

/**
 * --as-of: a date (yyyy-MM-dd: the start of that day in the zone) or a date-time (yyyy-MM-ddTHH:mm[:ss],
 * in the zone unless it carries Z or an offset such as +01:00).
 */
export function parseAsOf(text: string, zone: string): number {
  const m =
    /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?\s*$/i.exec(
      text,
    );
  const bad = new RetentionError(
    `--as-of must be a date (2019-02-18) or a date-time (2019-02-18T09:30, 2019-02-18T09:30+01:00), not "${text}"`,
  );
  if (!m) throw bad;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map<string>((v) => v);
  const f = [y, mo, d, h, mi, s].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(f[0], f[1] - 1, f[2], f[3], f[4], f[5]));
  if (
    probe.getUTCMonth() !== f[1] - 1 ||
    probe.getUTCDate() !== f[2] ||
    f[3] > 23 ||
    f[4] > 59 ||
    f[5] > 59 ||
    f[0] < 1980 ||
    f[0] > 2099
  )
    throw bad;
  const off = m[7];
  if (!off) return naiveToMs(zone, ...f);
  if (off.toUpperCase() === 'Z') return probe.getTime();
  // ±14:00 at most, minutes under 60 (+99:99 is a typing mistake, not an offset)
  const minutes = offsetOf(off);
  if (minutes === undefined) throw bad;
  return probe.getTime() - minutes * 60_000;
}

/** as-of − retention, calendar arithmetic in zone */
export function cutoffMs(asOfMs: number, spec: Pick<RetentionSpec, 'n' | 'unit'>, zone: string): number {
  const t = new TZDate(asOfMs, zone);
  const { subDays, subWeeks, subMonths, subYears } = dateFns();
  const sub = { d: subDays, w: subWeeks, m: subMonths, y: subYears }[spec.unit];
  return sub(t, spec.n).getTime();
}

/** whole calendar days from cutoff to as-of in the zone (what a retention of months or years amounts to) */
export function retentionDays(asOfMs: number, cutMs: number, zone: string): number {
  return dateFns().differenceInCalendarDays(new TZDate(asOfMs, zone), new TZDate(cutMs, zone));
}

/** What the engine is given (ScanConfig.retention), and what the outputs say about it. */
export interface RetentionPlan {
  asOfMs: number;
  /** true: --as-of was not given and the scan's start is used */
  asOfIsScanStart: boolean;
  default?: RetentionSpec;
  defaultCutoffMs?: number;
  cutoffMsByKey: Record<string, number>;
  /** days of retention per register key (undefined: none known for that key) */
  daysByKey: Record<string, number>;
  defaultDays?: number;
  zone: string;
}

export function retentionPlan(opts: {
  asOfMs: number;
  asOfIsScanStart: boolean;
  retention?: RetentionSpec;
  register?: Register;
  zone: string;
}): RetentionPlan {
  const { asOfMs, zone } = opts;
  const plan: RetentionPlan = {
    asOfMs,
    asOfIsScanStart: opts.asOfIsScanStart,
    default: opts.retention,
    cutoffMsByKey: Object.create(null) as Record<string, number>,
    daysByKey: Object.create(null) as Record<string, number>,
    zone,
  };
  if (opts.retention) {
    plan.defaultCutoffMs = cutoffMs(asOfMs, opts.retention, zone);
    plan.defaultDays = retentionDays(asOfMs, plan.defaultCutoffMs, zone);
  }
  // one cutoff per distinct number of days, not per key: calendar arithmetic in a zone costs
  // microseconds, and a register of a million lines holds a handful of retention periods
  const byDays = new Map<number, number>();
  for (const e of opts.register?.entries ?? []) {
    if (e.retention_days === undefined) continue;
    let cut = byDays.get(e.retention_days);
    if (cut === undefined)
      byDays.set(e.retention_days, (cut = cutoffMs(asOfMs, { n: e.retention_days, unit: 'd' }, zone)));
    plan.cutoffMsByKey[e.key] = cut;
    plan.daysByKey[e.key] = e.retention_days;
  }
  return plan;
}

/** The retention that applies to a key, in days, or undefined when none does. */
export function daysFor(plan: RetentionPlan | undefined, key: string): number | undefined {
  if (!plan) return undefined;
  return plan.daysByKey[key] ?? plan.defaultDays;
}

export function describeCutoff(plan: RetentionPlan, days: number): string {
  return formatIso(plan.zone, cutoffMs(plan.asOfMs, { n: days, unit: 'd' }, plan.zone));
}

/** ScanConfig.retention for the engine */
export function engineRetention(
  plan: RetentionPlan | undefined,
): { cutoffMsByKey?: Record<string, number>; defaultCutoffMs?: number } | undefined {
  if (!plan) return undefined;
  return { cutoffMsByKey: { ...plan.cutoffMsByKey }, defaultCutoffMs: plan.defaultCutoffMs };
}
