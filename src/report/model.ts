/**
 * The one place where the report meets the engine's per-customer figures.
 *
 * The engine is being extended (per-row kind, caller key sets, withheld calls, past-retention counts);
 * until that lands, a field it does not give yet is defaulted here, and `has` says which figures are
 * real so that every output can say what it could not count. Once the engine gives every field, the
 * defaults are never used and this stays a pass-through.
 */
import type { CustomerTotals } from '../scan/aggregate.js';
import type { ScanResult } from '../scan/engine.js';
import { TOP_LEVEL, UNMATCHED } from '../scan/record.js';

export type RowKind = 'customer' | 'unmatched' | 'top-level';

/** The engine's per-customer row as the report reads it (the engine's contract, field for field). */
export interface ReportRow extends CustomerTotals {
  kind: RowKind;
  /** distinct caller keys (in memory only, never written); undefined when the pattern has no {caller} */
  callers?: ReadonlySet<string>;
  withheldCallerCalls: number;
  pastRetentionFiles: number;
  /** integer µs */
  pastRetentionMicros: number;
  oldestPastRetentionMs?: number;
}

/** Which of the engine's newer figures this scan really has (false: defaulted, and said so in the method). */
export interface Availability {
  callerSets: boolean;
  withheld: boolean;
  retention: boolean;
  kind: boolean;
}

/** the engine may give the past-retention audio in seconds (pastRetentionSeconds) instead of µs */
type Loose = CustomerTotals & Partial<Omit<ReportRow, keyof CustomerTotals>> & { pastRetentionSeconds?: number };

export function reportRow(c: CustomerTotals): ReportRow {
  const l = c as Loose;
  const kind: RowKind = l.kind ?? (c.customer === UNMATCHED ? 'unmatched' : c.customer === TOP_LEVEL ? 'top-level' : 'customer');
  return {
    ...c,
    kind,
    callers: l.callers,
    withheldCallerCalls: l.withheldCallerCalls ?? 0,
    pastRetentionFiles: l.pastRetentionFiles ?? 0,
    pastRetentionMicros: l.pastRetentionMicros ?? (l.pastRetentionSeconds === undefined ? 0 : Math.round(l.pastRetentionSeconds * 1e6)),
    oldestPastRetentionMs: l.oldestPastRetentionMs,
  };
}

export function availability(result: ScanResult): Availability {
  return availabilityOf(result.customers);
}

export function availabilityOf(customers: readonly CustomerTotals[]): Availability {
  const rows = customers as Loose[];
  const hasCaller = rows.some((r) => r.distinctCallers !== undefined);
  return {
    // a row without callers has callers undefined even when the engine has sets: look at rows with callers
    callerSets: hasCaller && rows.filter((r) => r.distinctCallers !== undefined).every((r) => r.callers instanceof Set),
    withheld: rows.length === 0 || rows.every((r) => typeof r.withheldCallerCalls === 'number'),
    retention: rows.length === 0 || rows.every((r) => typeof r.pastRetentionFiles === 'number'),
    kind: rows.length === 0 || rows.every((r) => typeof r.kind === 'string'),
  };
}

export function reportRows(result: ScanResult): ReportRow[] {
  return result.customers.map(reportRow);
}
