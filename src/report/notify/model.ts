/**
 * The one place where the report meets the engine's per-row figures (CustomerTotals: kind, caller key
 * sets, withheld calls, past-retention counts), read in place: a million customers' rows are not
 * copied. The report sums audio in integer µs, so the past-retention seconds are turned into µs here,
 * and `availability` says which figures a given set of
 * rows really carries: a live snapshot has no caller key sets (only a finished scan's result does), so
 * callers cannot be de-duplicated across keys there, and the outputs say so instead of adding sizes up
 * silently.
 */
import type { CustomerTotals } from '../../scan/tally/aggregate.js';
import type { ScanResult } from '../../scan/engine.js';

/** Which figures these rows really have (false: said so in the method, never shown as a count). */
export interface Availability {
  callerSets: boolean;
  withheld: boolean;
  retention: boolean;
  kind: boolean;
}

/** A row's pastRetentionSeconds in integer µs (exact sums). */
export const pastRetentionMicros = (c: CustomerTotals): number => Math.round(c.pastRetentionSeconds * 1e6);

export function availability(result: ScanResult): Availability {
  return availabilityOf(result.customers);
}

export function availabilityOf(customers: readonly CustomerTotals[]): Availability {
  // one pass, no filtered copy of a million rows
  let withCallers = 0;
  let sets = true;
  for (const r of customers) {
    if (r.distinctCallers === undefined) continue;
    withCallers++;
    if (!(r.callers instanceof Set)) sets = false;
  }
  return {
    callerSets: withCallers > 0 && sets,
    withheld: true,
    retention: true,
    kind: true,
  };
}
