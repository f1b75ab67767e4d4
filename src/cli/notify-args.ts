/**
 * The notification pack's command-line options (--register, --retention, --as-of, --country, --xlsx,
 * --statements, --facts, --lang): declared and checked here, apart from the scan's options in args.ts,
 * because each is read by its own report module (register, retention, facts, language). Everything is
 * checked before the scan starts; a bad register is reported with its line number.
 */
import { printable } from '../scan/place/names.js';
import type { Command } from 'commander';
import { isRegion } from '../scan/place/phone.js';
import { readRegister, RegisterError, type Register } from '../report/notify/register.js';
import {
  parseAsOf,
  parseRetention,
  retentionPlan,
  RetentionError,
  type RetentionPlan,
  type RetentionSpec,
} from '../report/notify/retention.js';
import { statementsDirProblem } from '../report/output/statements-folder.js';
import { outputProblem } from '../report/output/target.js';
import { FactsError, readFacts, type Facts } from '../report/notify/facts.js';
import { parseLang, type Lang } from '../report/lang/index.js';

export interface NotifyCli {
  register?: Register;
  registerPath?: string;
  retention?: RetentionSpec;
  /** --as-of, or undefined: the scan's start */
  asOfMs?: number;
  country?: string;
  xlsx?: string;
  statements?: string;
  facts?: Facts;
  lang?: Lang;
}

export function addNotifyOptions(cmd: Command): Command {
  return cmd
    .option(
      '--register <file>',
      'CSV (, or ;) of key,controller[,org_id,contact,retention_days,data_subject_categories,personal_data_categories]',
    )
    .option('--retention <n>d|w|m|y', 'retention period (default for register rows without retention_days), e.g. 30d')
    .option('--as-of <date>', 'the day (or date-time) the leak was found, for retention (default: the scan start)')
    .option('--country <ISO>', 'region for caller numbers without a country code, e.g. SE')
    .option('--xlsx <file>', 'write the summary workbook (Summary, Months, Countries, Facts, Method sheets)')
    .option(
      '--statements <dir>',
      'write one HTML statement per controller into this folder (and index.html, method.html: for the processor only)',
    )
    .option('--facts <file>', 'the case facts for the statements and workbook (TOML; see --facts-template)')
    .option('--lang <sv|en>', 'language of the statements, method.html and the workbook', 'en')
    .option('--facts-template', 'print a commented facts file to fill in, then exit');
}

/** Check and read the options; throws Error with a one-line message (the CLI makes it a usage error). */
export async function readNotifyOptions(o: Record<string, unknown>, dir: string, zone: string): Promise<NotifyCli> {
  const out: NotifyCli = {};
  const str = (k: string): string | undefined =>
    o[k] === undefined
      ? undefined
      : // eslint-disable-next-line @typescript-eslint/no-base-to-string -- commander's values: strings, or true for a bare flag
        String(o[k]);
  // --strict-evidence: an input not the user's (maybe inside the tree) is refused, as the tree's files are
  const strict = o.strictEvidence === true;
  const reg = str('register');
  if (reg !== undefined) {
    try {
      out.register = await readRegister(
        reg,
        () => process.stderr.write(`leaktally: --register: waiting for a writer of the FIFO ${printable(reg)}\n`),
        strict,
      );
      out.registerPath = reg;
    } catch (e) {
      if (e instanceof RegisterError) throw new Error(`--register: ${e.message}`, { cause: e });
      throw e;
    }
  }
  try {
    const r = str('retention');
    if (r !== undefined) out.retention = parseRetention(r);
    const a = str('asOf');
    if (a !== undefined) out.asOfMs = parseAsOf(a, zone);
  } catch (e) {
    if (e instanceof RetentionError) throw new Error(e.message, { cause: e });
    throw e;
  }
  const c = str('country');
  if (c !== undefined) {
    if (!isRegion(c)) throw new Error(`--country must be an ISO 3166 two-letter code such as SE, DE or GB, not "${c}"`);
    out.country = c.toUpperCase();
  }
  const x = str('xlsx');
  if (x !== undefined) {
    if (x === '-') throw new Error('--xlsx needs a file name (a workbook is not written to stdout)');
    const p = outputProblem(x, dir);
    if (p) throw new Error(`--xlsx: ${p}`);
    out.xlsx = x;
  }
  const f = str('facts');
  if (f !== undefined) {
    try {
      out.facts = readFacts(f, strict);
    } catch (e) {
      if (e instanceof FactsError) throw new Error(e.message, { cause: e });
      throw e;
    }
  }
  out.lang = parseLang(str('lang') ?? 'en');
  const s = str('statements');
  if (s !== undefined) {
    const p = statementsDirProblem(s, dir);
    if (p) throw new Error(`--statements: ${p}`);
    out.statements = s;
  }
  return out;
}

/**
 * The retention plan for a scan that starts at scanStartMs (as-of defaults to the scan's start): the
 * engine's cutoffs and the reports' retention rows both come from it. undefined when nothing asks for it.
 */
export function retentionOf(n: NotifyCli, zone: string, scanStartMs: number): RetentionPlan | undefined {
  const needed = n.retention !== undefined || n.register?.entries.some((e) => e.retention_days !== undefined);
  if (!needed && n.asOfMs === undefined) return undefined;
  return retentionPlan({
    asOfMs: n.asOfMs ?? scanStartMs,
    asOfIsScanStart: n.asOfMs === undefined,
    retention: n.retention,
    register: n.register,
    zone,
  });
}
