/**
 * The one place where the report meets the engine's per-row figures (CustomerTotals: kind, caller key
 * sets, withheld calls, past-retention counts). The report sums audio in integer µs, so the
 * past-retention seconds are turned into µs here, and `availability` says which figures a given set of
 * rows really carries: a live snapshot has no caller key sets (only a finished scan's result does), so
 * callers cannot be de-duplicated across keys there, and the outputs say so instead of adding sizes up
 * silently.
 */
import type { CustomerTotals } from '../scan/aggregate.js';
import type { ScanResult } from '../scan/engine.js';

export type { RowKind } from '../scan/aggregate.js';

/** The engine's row as the report reads it. */
export interface ReportRow extends CustomerTotals {
  /** pastRetentionSeconds in integer µs (exact sums) */
  pastRetentionMicros: number;
}

/** Which figures these rows really have (false: said so in the method, never shown as a count). */
export interface Availability {
  callerSets: boolean;
  withheld: boolean;
  retention: boolean;
  kind: boolean;
}

export function reportRow(c: CustomerTotals): ReportRow {
  return { ...c, pastRetentionMicros: Math.round(c.pastRetentionSeconds * 1e6) };
}

export function availability(result: ScanResult): Availability {
  return availabilityOf(result.customers);
}

export function availabilityOf(customers: readonly CustomerTotals[]): Availability {
  const withCallers = customers.filter((r) => r.distinctCallers !== undefined);
  return {
    callerSets: withCallers.length > 0 && withCallers.every((r) => r.callers instanceof Set),
    withheld: true,
    retention: true,
    kind: true,
  };
}

export function reportRows(result: ScanResult): ReportRow[] {
  return result.customers.map(reportRow);
}
