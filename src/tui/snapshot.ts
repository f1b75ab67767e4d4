/**
 * Where the UI gets the scan from: the engine's immutable snapshots (progress + per-row totals). The
 * UI renders only from its own state and the latest snapshot; it never reads the live Scanner while
 * drawing. This file is the one seam between the engine and the UI.
 */
import type { CustomerTotals, RowKind } from '../scan/tally/aggregate.js';
import { finishedSnapshot, type ScanResult, type ScanSnapshot, type Scanner } from '../scan/engine.js';

export type { ScanSnapshot };

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

export type { RowKind };

/** What a row is: a customer folder, or one of the rows the engine adds itself. */
export const kindOf = (c: Pick<CustomerTotals, 'kind'>): RowKind => c.kind;

/** How long key presses may hold the scan's redraws back. */
const MAX_QUIET_MS = 2000;

/**
 * The engine's snapshots, as the UI takes them: while keys are being pressed none is built, and one
 * that arrives is held back (at most MAX_QUIET_MS in all), so that a key's frame never waits for a
 * snapshot or a redraw of the scan (at 50,000 customers: 40-120 ms to build, then sorting them all
 * again).
 */
export function snapshotSource(scanner: Scanner): SnapshotSource {
  let quietUntil = 0;
  return {
    config: scanner.config,
    snapshot: () => scanner.snapshot(),
    subscribe(fn, everyMs) {
      let pending: ScanSnapshot | undefined;
      let t: NodeJS.Timeout | undefined;
      let delivered = performance.now();
      const deliver = (): void => {
        t = undefined;
        const s = pending;
        pending = undefined;
        delivered = performance.now();
        if (s) fn(s);
      };
      /** how long keys still hold the scan's redraws back (ms; <= 0: not) */
      const held = (): number => {
        const now = performance.now();
        return Math.min(quietUntil - now, MAX_QUIET_MS - (now - delivered));
      };
      const off = scanner.subscribe(
        (s) => {
          pending = s;
          const wait = s.finished ? 0 : held();
          if (wait <= 0) {
            clearTimeout(t);
            deliver();
          } else t ??= setTimeout(deliver, wait);
        },
        everyMs,
        // (while keys hold redraws back, the engine does not build the snapshot either)
        () => held() > 0,
      );
      return () => {
        off();
        clearTimeout(t);
      };
    },
    quiet(ms) {
      quietUntil = Math.max(quietUntil, performance.now() + ms);
    },
    stop: () => scanner.stop(),
    // while the scan runs: the result as it stands, partial
    result: (s) => s.result ?? scanner.result(),
  };
}

/** A scan already made (a case file's run): one finished snapshot, nothing to stop. */
export function resultSource(result: ScanResult): SnapshotSource {
  const s = finishedSnapshot(result);
  return {
    config: result.config,
    snapshot: () => s,
    subscribe(fn) {
      queueMicrotask(() => fn(s));
      return () => {};
    },
    stop: () => {},
    result: () => result,
  };
}
