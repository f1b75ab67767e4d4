/**
 * One run's plan: the command line, read once (args.ts), in the shapes the parts of leaktally take —
 * the engine its ScanConfig, the reports their NotifyOptions, the writers their targets. Nothing
 * downstream reads the command line again or converts one options shape into another; the pattern is
 * compiled here once, and its facts (hasCustomer, hasCaller) travel with it as data.
 */
import type { ScanConfig } from '../scan/engine.js';
import type { CompiledPattern } from '../scan/place/pattern.js';
import type { NotifyOptions } from '../report/notify/notify.js';
import type { Delimiter } from '../report/write/summary.js';
import { engineRetention } from '../report/notify/retention.js';
import { version, type MethodContext } from '../report/notify/method.js';
import { retentionOf, type NotifyCli } from './notify-args.js';
import type { RunRow } from '../case/store.js';
import type { Shard } from '../scan/place/shard.js';

interface OutputPlan {
  csv?: string;
  json?: string;
  /** the per-file manifest */
  files?: string;
  xlsx?: string;
  statements?: string;
  delimiter: Delimiter;
  /** the summary CSV goes to stdout: no output flag says where it goes, and stdout does not carry the manifest */
  summaryOnStdout: boolean;
  /** an output was asked for (or --no-tui): the run is headless even on a terminal */
  headless: boolean;
  /** exit 0, not 3, when the scan could not read or attribute everything (the outputs still say so) */
  allowIncomplete: boolean;
}

/**
 * The case file: written by this scan (resumed from its last run when it has one), or read instead of
 * the tree (--from: a report without rescanning, of `run`; with --since, its statements are follow-ups
 * to the notification made from the earlier run `since`).
 */
export type CasePlan = { mode: 'write'; path: string } | { mode: 'from'; path: string; run: RunRow; since?: RunRow };

/** --merge: the shards' case files into one (nothing is scanned or reported). */
export interface MergePlan {
  merge: { out: string; inputs: string[]; argv: string[]; allowIncomplete: boolean };
}

/** --diff: two runs of a case file compared (nothing is scanned). */
export interface DiffPlan {
  diff: {
    path: string;
    /** the later run (default: the last finished) and the earlier (default: the finished run before it) */
    to?: number;
    since?: number;
    csv?: string;
    json?: string;
    /** rows per controller of this register */
    register?: string;
    delimiter: Delimiter;
    argv: string[];
    allowIncomplete: boolean;
  };
}

export interface RunPlan {
  scan: ScanConfig;
  case?: CasePlan;
  notify: NotifyOptions;
  outputs: OutputPlan;
  /** the folder as shown to people, which differs from scan.root for a name that is not UTF-8 (rawarg.ts) */
  shownRoot: string;
  /** what the method records of the run: the tool's version, the arguments, the register as given */
  method: MethodContext;
  /** the options as the JSON summary records them */
  recorded: Record<string, unknown>;
}

/** What args.ts has checked, before it is put in the plan's shapes. */
export interface CheckedArgs {
  argv: string[];
  dir: string;
  dirShown?: string;
  depth: number;
  pattern?: CompiledPattern;
  tz: string;
  threads: number;
  /** a tree on a web server: its connections and request timeout (ScanConfig.http) */
  http?: { connections: number; timeoutMs: number; ca?: string; rate?: number };
  strictEvidence: boolean;
  notify: NotifyCli;
  csv?: string;
  json?: string;
  files?: string;
  delimiter: Delimiter;
  tui: boolean;
  allowIncomplete: boolean;
  case?: CasePlan;
  shard?: Shard;
}

/**
 * The plan of a run that starts now: the retention plan (as-of defaults to the scan's start) is made
 * once, here, and both the engine's cutoffs and the reports' retention rows come from it.
 */
export function planRun(
  a: CheckedArgs,
  startMs = a.case?.mode === 'from' ? Date.parse(a.case.run.started_at) : Date.now(),
): RunPlan {
  const n = a.notify;
  const retention = retentionOf(n, a.tz, startMs);
  const summaryElsewhere =
    a.csv !== undefined || a.json !== undefined || n.xlsx !== undefined || n.statements !== undefined;
  return {
    scan: {
      root: a.dir,
      depth: a.depth,
      pattern: a.pattern,
      zone: a.tz,
      threads: a.threads,
      ...(a.http ? { http: a.http } : {}),
      strictEvidence: a.strictEvidence,
      shard: a.shard,
      retention: engineRetention(retention),
      country: n.country,
    },
    case: a.case,
    notify: { register: n.register, retention, country: n.country, facts: n.facts, lang: n.lang },
    outputs: {
      csv: a.csv,
      json: a.json,
      files: a.files,
      xlsx: n.xlsx,
      statements: n.statements,
      delimiter: a.delimiter,
      // a shard writes its case file only (args.ts refuses its other outputs)
      summaryOnStdout: !summaryElsewhere && a.files !== '-' && !a.shard,
      // a case file is written by the headless run (the UI does not write one); --from alone on a
      // terminal opens the stored run in the UI (cli/open.ts)
      headless: !a.tui || summaryElsewhere || a.files !== undefined || a.case?.mode === 'write',
      allowIncomplete: a.allowIncomplete,
    },
    shownRoot: a.dirShown ?? a.dir,
    method: { version: version(), argv: a.argv, registerPath: n.registerPath },
    recorded: {
      depth: a.depth,
      pattern: a.pattern?.source ?? null,
      tz: a.tz,
      delimiter: a.delimiter,
      register: n.register?.file ?? null,
      retention: n.retention?.text ?? null,
      as_of: n.asOfMs === undefined ? null : new Date(n.asOfMs).toISOString(),
      country: n.country ?? null,
      facts: n.facts?.file ?? null,
      lang: n.lang ?? 'en',
      // a shard's slice, kept in its case file's run (a shard writes no other output)
      ...(a.shard ? { shard: `${a.shard.index}/${a.shard.count}` } : {}),
    },
  };
}
