/**
 * The one place where the report meets the engine's per-row figures (CustomerTotals: kind, caller key
 * sets, withheld calls, past-retention counts), read in place: a million customers' rows are not
 * copied. `availability` says which figures a given set of
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
