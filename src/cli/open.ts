/**
 * `--from CASE` on a terminal with no output asked for: the stored run opened in the interactive UI,
 * as `ncdu -f` opens a saved scan — replayed under this run's options (its placement, register,
 * retention), then browsed, filtered and exported like a scan that has just finished. The tree is
 * not read. The case file is locked while it is read, and let go before the UI opens.
 */
import { openCase, storedScan } from '../case/store.js';
import { CaseError } from '../case/db.js';
import { replayScan, type ScanResult } from '../scan/engine.js';
import { EXIT, signalExitCode, stopSignals, type StopSignal } from '../report/exit.js';
import { printable } from '../scan/place/names.js';
import { loadTui } from '../tui/load.js';
import { lockCaseFile } from './case-lock.js';
import type { RunPlan } from './plan.js';

const say = (line: string): void => void process.stderr.write(`leaktally: ${printable(line)}\n`);

/** Returns the exit code (the UI's, or 2 for a case file that cannot be read, 128 + n for a signal while it is). */
export async function openStored(plan: RunPlan): Promise<number> {
  const c = plan.case;
  if (c?.mode !== 'from') throw new Error('openStored without --from');
  let signal: StopSignal | undefined;
  const handlers = stopSignals.map((s) => {
    const h = (): void => void (signal ??= s);
    process.on(s, h);
    return [s, h] as const;
  });
  let result: ScanResult;
  const lock = lockCaseFile(c.path, '--from', say, 'read');
  try {
    if (typeof lock === 'string') {
      say(lock);
      return EXIT.usage;
    }
    let opened;
    try {
      opened = openCase(lock.path, { create: false, shown: c.path });
    } catch (e) {
      if (e instanceof CaseError) {
        say(`--from: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    }
    try {
      result = await replayScan(plan.scan, storedScan(opened.db, c.run), undefined, () => signal !== undefined);
    } catch (e) {
      if (e instanceof CaseError) {
        say(`--from: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    } finally {
      opened.db.close();
    }
  } finally {
    if (typeof lock !== 'string') lock.release();
    for (const [s, h] of handlers) process.off(s, h);
  }
  if (signal) {
    say(`interrupted (${signal}) while the case file was read`);
    return signalExitCode(signal);
  }
  const shown = plan.shownRoot;
  const display = shown === result.config.root ? result : { ...result, config: { ...result.config, root: shown } };
  const { runTuiOnResult } = await loadTui();
  return runTuiOnResult(display, plan.outputs.delimiter, {
    notify: plan.notify,
    allowIncomplete: plan.outputs.allowIncomplete,
  });
}
