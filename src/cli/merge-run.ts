/** `--merge OUT A.case B.case …` on the command line: the merge (case/merge.ts), its lock and its lines on stderr. */
import { CaseError, removeStaleVfsLock } from '../case/db.js';
import { MergeError, MergeStopped, checkMergeOutput, mergeCases } from '../case/merge.js';
import { EXIT, signalExitCode, stopSignals, type StopSignal } from '../report/exit.js';
import { num } from '../report/human.js';
import { printable } from '../scan/place/names.js';
import { lockCaseFile } from './case-lock.js';
import type { MergePlan } from './plan.js';

const say = (line: string): void => void process.stderr.write(`leaktally: ${printable(line)}\n`);

/**
 * Returns the exit code: 0, 3 when shards are missing or were stopped, or the tree changed between their
 * runs (case/between.ts), unless --allow-incomplete; 2 for
 * inputs that are no shards of one scan, 128 + n for a signal. A signal stops the merge between two
 * shards (each shard is copied in one transaction): the merged run is left unfinished, which no report
 * takes; a second signal ends it at once, the library's lock beside OUT removed (SQLite rolls back the
 * shard it cut short on the next open).
 */
export async function runMerge(plan: MergePlan): Promise<number> {
  const { out, inputs, argv, allowIncomplete } = plan.merge;
  let signal: StopSignal | undefined;
  /** out through its folder as locked (cli/case-lock.ts) */
  let lockedAt: string | undefined;
  const handlers = stopSignals.map((s) => {
    const h = (): void => {
      if (signal) {
        if (lockedAt !== undefined) removeStaleVfsLock(lockedAt);
        say(`${s} again: stopped at once; ${out} holds no finished merge of these shards (no report takes a part)`);
        process.exit(signalExitCode(s));
      }
      signal = s;
    };
    process.on(s, h);
    return [s, h] as const;
  });
  try {
    return await merge();
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }

  async function merge(): Promise<number> {
    try {
      checkMergeOutput(out, inputs); // before the lock, which is a file beside out
    } catch (e) {
      if (e instanceof MergeError || e instanceof CaseError) {
        say(`--merge: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    }
    const lock = lockCaseFile(out, '--merge', say, 'write');
    if (typeof lock === 'string') {
      say(lock);
      return EXIT.usage;
    }
    lockedAt = lock.path;
    try {
      const m = await mergeCases(out, inputs, argv, () => signal !== undefined, lock.path);
      say(
        `merged ${inputs.length} of ${m.count} shards into ${out} as run ${m.run}: ${num(m.files)} files; report it with: leaktally --from ${out} …`,
      );
      if (m.roots.length > 1)
        say(
          `the shards scanned ${m.roots.length} different folders (${m.roots.join(', ')}): one tree mounted at other paths, or two trees, cannot be told from their case files; the run names the first`,
        );
      if (m.whole && m.roots.length === 1 && !m.changed) return EXIT.ok;
      const why = [
        ...(m.missing.length
          ? [`shard${m.missing.length === 1 ? '' : 's'} ${m.missing.join(', ')} of ${m.count} not given`]
          : []),
        ...m.notWhole.map((p) => `the scan of ${p} was stopped`),
        ...(m.roots.length > 1 ? ['the shards scanned different folders'] : []),
        ...m.betweenWhy,
      ].join('; ');
      if (allowIncomplete) {
        say(`incomplete (${why}); exit 0 (--allow-incomplete)`);
        return EXIT.ok;
      }
      say(
        `incomplete: ${why}; every report of the merged run says so (exit ${EXIT.incomplete}; --allow-incomplete exits 0)`,
      );
      return EXIT.incomplete;
    } catch (e) {
      if (e instanceof MergeStopped && signal) {
        say(`interrupted (${signal}); nothing of this merge is kept in ${out}: merge again`);
        return signalExitCode(signal);
      }
      if (e instanceof MergeError || e instanceof CaseError) {
        say(`--merge: ${e.message}`);
        return EXIT.usage;
      }
      throw e;
    } finally {
      lockedAt = undefined;
      lock.release();
    }
  }
}
