/**
 * Where the UI gets the scan from: immutable snapshots (progress + per-customer rows), published by
 * the engine while it runs. The UI renders only from its own state and the latest snapshot; it never
 * reads the live Scanner while drawing.
 *
 * This file is the one seam between the engine and the UI: until the engine publishes snapshots
 * itself, `snapshotSource` builds them from the Scanner's progress()/result() on a timer.
 */
import { sumTotals, type CustomerTotals } from '../scan/aggregate.js';
import { TOP_LEVEL, UNMATCHED } from '../scan/record.js';
import type { Progress, ScanResult, Scanner } from '../scan/engine.js';

/** One published state of the scan (the engine's contract). */
export interface ScanSnapshot {
  /** +1 per published change */
  readonly seq: number;
  readonly progress: Progress;
  /** frozen copies, never the live state */
  readonly customers: readonly CustomerTotals[];
  readonly finished: boolean;
  /** once finished (stopped or done) */
  readonly result?: ScanResult;
}

export interface SnapshotSource {
  snapshot(): ScanSnapshot;
  /** fn gets a snapshot at most every everyMs while the scan runs, and the last one when it ends */
  subscribe(fn: (s: ScanSnapshot) => void, everyMs?: number): () => void;
  /** stop the scan (what was counted is kept, marked partial) */
  stop(): void;
  /** the result as it stands (partial while the scan runs): what an export writes */
  result(s: ScanSnapshot): ScanResult;
  /** a key was pressed: hold the next snapshot back for ms, if building one would delay the key's frame */
  quiet?(ms: number): void;
  /** the scan's settings (root, depth, pattern, zone) */
  readonly config: ScanResult['config'];
}

export type RowKind = 'customer' | 'unmatched' | 'top-level';

/** What a row is: a customer folder, or one of the rows the engine adds itself. */
export function kindOf(c: CustomerTotals): RowKind {
  const k = (c as { kind?: RowKind }).kind;
  if (k) return k;
  return c.customer === UNMATCHED ? 'unmatched' : c.customer === TOP_LEVEL ? 'top-level' : 'customer';
}

/** How long key presses may hold the scan's redraws back. */
const MAX_QUIET_MS = 2000;

/** Snapshots of a Scanner that does not publish them itself: built on a timer, and once at the end. */
export function snapshotSource(scanner: Scanner, done: Promise<ScanResult>): SnapshotSource {
  let seq = 0;
  let finished = false;
  let final: ScanResult | undefined;
  let last: ScanSnapshot | undefined;
  const listeners = new Set<() => void>();
  let quietUntil = 0;
  // the result behind the latest snapshot, for an export while the scan runs (built with it: no second pass)
  let live: ScanResult | undefined;
  const build = (): ScanSnapshot => {
    const result = final ?? scanner.result();
    last = Object.freeze({ seq: ++seq, progress: scanner.progress(), customers: Object.freeze(result.customers), finished, result: finished ? result : undefined });
    live = result;
    return last;
  };
  void done.then(
    (r) => {
      final = r;
      finished = true;
      build();
      for (const l of listeners) l();
    },
    () => {
      finished = true;
      for (const l of listeners) l();
    },
  );
  return {
    config: scanner.config,
    snapshot: () => last ?? build(),
    subscribe(fn, everyMs = 500) {
      // Building a snapshot here means summing every customer on this thread (~0.5 s at 50,000
      // customers on a busy 2-core machine), and keys wait meanwhile. So the next one comes no
      // sooner than 4× the last one's cost, and not while keys are being pressed (at most
      // MAX_QUIET_MS late): the scan's redraws give way to the keys'.
      let t: NodeJS.Timeout | undefined;
      let lastBuild = performance.now();
      const tick = (): void => {
        if (finished) return;
        const now = performance.now();
        if (now < quietUntil && now - lastBuild < MAX_QUIET_MS) {
          t = setTimeout(tick, quietUntil - now);
          return;
        }
        const snap = build();
        const cost = performance.now() - now;
        lastBuild = performance.now();
        fn(snap);
        t = setTimeout(tick, Math.max(everyMs, 4 * cost));
      };
      t = setTimeout(tick, everyMs);
      const onEnd = (): void => {
        clearTimeout(t);
        if (last) fn(last);
      };
      listeners.add(onEnd);
      if (finished) onEnd();
      return () => {
        clearTimeout(t);
        listeners.delete(onEnd);
      };
    },
    quiet(ms) {
      quietUntil = Math.max(quietUntil, performance.now() + ms);
    },
    stop: () => scanner.stop(),
    result(s) {
      if (s.result) return s.result;
      const r = live ?? scanner.result();
      return { ...r, partial: true, customers: [...s.customers], totals: { ...sumTotals([...s.customers], r.totals.distinctCallers !== undefined), customers: s.customers.length } };
    },
  };
}
