/**
 * `--diff CASE [--run N] [--since M]` on the command line: the two runs picked, compared (case/diff.ts)
 * and written (report/write/diff.ts) whole or not at all, the case file locked against a run writing it.
 */
import { CaseError } from '../case/db.js';
import { diffLine, diffRuns, lookalikesIn, sameTree } from '../case/diff.js';
import { openCase, runs, treeOf, type RunRow, optionsOf } from '../case/store.js';
import { EXIT, signalExitCode, stopSignals, type StopSignal } from '../report/exit.js';
import {
  OutputInterrupted,
  OutputWriteError,
  openOutput,
  removeTemporaryFiles,
  type Output,
} from '../report/output/atomic.js';
import { closePlans, planOutputs } from '../report/output/target.js';
import { diffCsv, diffJson, type DiffContext } from '../report/write/diff.js';
import { printable, printableLines } from '../scan/place/names.js';
import { lockCaseFile } from './case-lock.js';
import { readRegister, type Register } from '../report/notify/register.js';
import type { DiffPlan } from './plan.js';

const say = (line: string): void => void process.stderr.write(`leaktally: ${printable(line)}\n`);

class DiffError extends Error {}

/** The options a run placed its files by: two runs placed differently move files between rows. */
const PLACEMENT = ['depth', 'pattern', 'tz', 'country'] as const;

function options(r: RunRow): Record<string, unknown> {
  try {
    return optionsOf(r.options);
  } catch {
    return {};
  }
}

/** The later run (--run, else the last finished) and the earlier (--since, else the finished run before it). */
function pick(all: RunRow[], path: string, to?: number, since?: number): [RunRow, RunRow] {
  const list = all.map((r) => `${r.id} (${r.outcome}, ${r.started_at})`).join('; ') || 'none';
  const finished = all.filter((r) => r.finished_at !== null);
  const after = to === undefined ? finished[finished.length - 1] : all.find((r) => Number(r.id) === to);
  if (!after)
    throw new DiffError(
      to === undefined ? `${path} holds no finished run (runs: ${list})` : `${path} has no run ${to} (runs: ${list})`,
    );
  const before =
    since === undefined
      ? finished.filter((r) => Number(r.id) < Number(after.id)).pop()
      : all.find((r) => Number(r.id) === since);
  if (!before)
    throw new DiffError(
      since === undefined
        ? `${path} holds no finished run before run ${after.id} to compare it with (runs: ${list}); give --since N`
        : `${path} has no run ${since} (runs: ${list})`,
    );
  if (before.id === after.id) throw new DiffError(`--since and --run name the same run (${after.id})`);
  for (const r of [before, after]) {
    const shard = options(r).shard;
    if (typeof shard === 'string')
      throw new DiffError(`run ${r.id} is shard ${shard} (a slice of the customers): compare merged runs (--merge)`);
  }
  return [before, after];
}

/**
 * A controller's keys by its name, from a Map made once: a find per controller row made `--diff
 * --register` quadratic (40,000 controllers: 18 s of 25; attack round 22 H4).
 */
export function keysOf(register: Register | undefined): ((controller: string) => string[]) | undefined {
  if (!register) return undefined;
  const byName = new Map(register.controllers.map((c) => [c.controller, c]));
  return (c) => byName.get(c)?.keys ?? [];
}

const described = (r: RunRow): Record<string, unknown> => ({
  run: Number(r.id),
  started_at: r.started_at,
  finished_at: r.finished_at,
  outcome: r.outcome,
  complete: Number(r.complete) === 1,
  files: r.files === null ? null : Number(r.files),
  tool_version: r.tool_version,
});

/** Returns the exit code: 0; 3 when either run was incomplete (unless --allow-incomplete); 2, 1 as for a scan. */
export async function runDiff(plan: DiffPlan): Promise<number> {
  const d = plan.diff;
  const lock = lockCaseFile(d.path, '--diff', say, 'read');
  if (typeof lock === 'string') {
    say(lock);
    return EXIT.usage;
  }
  const outputs: Output[] = [];
  /** the outputs renamed (or flushed) into place, whole */
  const committed: string[] = [];
  let signal: StopSignal | undefined;
  // a stop signal ends a wait for a FIFO's reader, and a FIFO whose reader stopped reading is closed:
  // neither may hold the run (attack round 13b: `--diff CASE --csv FIFO` with no reader ignored
  // SIGINT and SIGTERM, any number of them, until SIGKILL)
  const stop = new AbortController();
  /** the signal taken so far (read through a call: the handler sets it between awaits) */
  const stopped = (): StopSignal | undefined => signal;
  const handlers = stopSignals.map((s) => {
    const h = (): void => {
      if (signal) {
        for (const out of outputs) out.abort();
        removeTemporaryFiles();
        say(
          `${s} again: stopped at once; ${committed.length ? `written and complete: ${committed.join(', ')}; ` : ''}nothing else written`,
        );
        process.exit(signalExitCode(s));
      }
      signal = s;
      stop.abort();
      for (const out of outputs) if (out.direct) out.abort();
    };
    process.on(s, h);
    return [s, h] as const;
  });
  try {
    let register: Register | undefined;
    if (d.register !== undefined) {
      try {
        register = await readRegister(d.register);
      } catch (e) {
        throw new DiffError(`--register: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    let opened;
    try {
      opened = openCase(lock.path, { create: false, shown: d.path });
    } catch (e) {
      if (e instanceof CaseError) throw new DiffError(e.message);
      throw e;
    }
    let text: { csv?: string; json?: string };
    let incomplete: string[];
    // the tree the two runs scanned, where it is mounted here: no output goes in it
    let roots: string[] = [];
    try {
      const [before, after] = pick(runs(opened.db), d.path, d.to, d.since);
      try {
        roots = [...new Set([before, after].map(treeOf))];
        sameTree(before, after);
      } catch (e) {
        if (e instanceof CaseError) throw new DiffError(e.message);
        throw e;
      }
      const ob = options(before);
      const oa = options(after);
      const moved = PLACEMENT.filter((k) => JSON.stringify(ob[k] ?? null) !== JSON.stringify(oa[k] ?? null));
      if (moved.length)
        say(
          `runs ${before.id} and ${after.id} placed files by different ${moved.map((k) => `--${k}`).join(', ')}: a file whose row changed is counted as removed from its old row and added to its new`,
        );
      incomplete = [before, after]
        .filter((r) => r.outcome !== 'done' || Number(r.complete) !== 1)
        .map(
          (r) =>
            `run ${r.id}: ${r.outcome !== 'done' ? `its scan ${r.outcome === 'running' ? 'never finished' : `was ${r.outcome}`}` : (r.completeness ?? 'incomplete').replace(/^incomplete: /, '')}`,
        );
      // a run's stored completeness was judged without this register: its look-alike keys (the
      // summary's rule) make the comparison incomplete too (attack round 24 C3)
      if (register) for (const r of [before, after]) incomplete.push(...lookalikesIn(opened.db, r, register));
      const ctx: DiffContext = {
        completeness: incomplete.length
          ? `incomplete: ${incomplete.join('; ')} (a row a run did not read has that run's figures empty; another gap may count a file as removed or added)`
          : 'complete',
        before: described(before),
        after: described(after),
        keysOf: keysOf(register),
      };
      const diff = diffRuns(opened.db, before, after, register);
      text = {
        csv: d.csv === undefined ? undefined : diffCsv(diff, ctx, d.delimiter),
        json: d.json === undefined ? undefined : diffJson(diff, ctx),
      };
      say(diffLine(diff, before, after));
    } finally {
      opened.db.close();
    }
    const targets = [
      ['--csv', d.csv === '-' ? undefined : d.csv],
      ['--json', d.json === '-' ? undefined : d.json],
    ] as const;
    for (const root of roots.slice(1)) {
      const checked = planOutputs(targets, root);
      if (typeof checked === 'string') throw new DiffError(checked);
      closePlans(checked.values());
    }
    const files = planOutputs(targets, roots[0] ?? '/nonexistent-tree');
    if (typeof files === 'string') throw new DiffError(files);
    for (const [flag, p] of files) {
      if (signal) break;
      let out;
      try {
        out = await openOutput(p, {
          signal: stop.signal,
          onWait: () => say(`${flag}: waiting for a reader of the FIFO ${p.target}`),
        });
      } catch (e) {
        closePlans([...files.values()].slice(outputs.length + 1));
        if (e instanceof OutputInterrupted) break;
        throw e;
      }
      outputs.push(out);
      if (stopped()) out.abort();
      await out.send(flag === '--csv' ? text.csv! : text.json!);
    }
    if (signal) throw new DiffError(`interrupted (${signal}); nothing written`);
    for (const out of outputs) {
      const s = stopped();
      if (s) {
        for (const o of outputs.slice(committed.length)) o.abort();
        removeTemporaryFiles();
        const rest = outputs.slice(committed.length).map((o) => o.target);
        say(
          `--diff: interrupted (${s}) while the outputs were written; written and complete: ${committed.join(', ')}; not written: ${rest.join(', ')}`,
        );
        return signalExitCode(s);
      }
      await out.commit();
      committed.push(out.target);
    }
    const late = stopped();
    if (late) {
      // it came while the last one was put in place: every output is whole, and the run still ends by it
      say(
        `--diff: interrupted (${late}) as the outputs were put in place; written and complete: ${committed.join(', ')}`,
      );
      return signalExitCode(late);
    }
    const tty = (process.stdout.isTTY as boolean | undefined) === true;
    if (d.csv === '-') process.stdout.write(tty ? printableLines(text.csv!) : text.csv!);
    if (d.json === '-') process.stdout.write(text.json!);
    if (!incomplete.length) return EXIT.ok;
    if (d.allowIncomplete) {
      say(`incomplete (${incomplete.join('; ')}); exit 0 (--allow-incomplete)`);
      return EXIT.ok;
    }
    say(
      `incomplete: ${incomplete.join('; ')}; the outputs say so (exit ${EXIT.incomplete}; --allow-incomplete exits 0)`,
    );
    return EXIT.incomplete;
  } catch (e) {
    for (const out of outputs) out.abort();
    removeTemporaryFiles();
    if (e instanceof DiffError) {
      say(`--diff: ${e.message}`);
      return signal ? signalExitCode(signal) : EXIT.usage;
    }
    if (e instanceof OutputWriteError || (e instanceof Error && e.message.startsWith('cannot write '))) {
      say(`--diff: ${e.message}; nothing written`);
      return EXIT.output;
    }
    throw e;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    lock.release();
  }
}
