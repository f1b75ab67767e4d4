/**
 * The processor's register of customers (--register): which key (customer folder or {customer}
 * capture, e.g. a called line `0812345001`) belongs to which controller. CSV with ',' or ';' (sniffed
 * from the header line), UTF-8 with or without a BOM; read with csv-parse. Every value is kept as text
 * (a line's leading zero is part of the key).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';

export const REGISTER_COLUMNS = [
  'key',
  'controller',
  'org_id',
  'contact',
  'retention_days',
  'data_subject_categories',
  'personal_data_categories',
] as const;
/** an older register's one column, read as personal_data_categories (it named the data, not the people) */
const OLD_CATEGORIES = 'categories';
const REQUIRED = ['key', 'controller'] as const;

export interface RegisterEntry {
  key: string;
  controller: string;
  org_id: string;
  contact: string;
  /** undefined when the cell is empty (the --retention default applies) */
  retention_days?: number;
  /** empty: the facts file's default (or "to be completed") applies */
  data_subject_categories: string;
  personal_data_categories: string;
  /** 1-based line of the file */
  line: number;
}

export interface Controller {
  controller: string;
  org_id: string;
  contact: string;
  data_subject_categories: string;
  personal_data_categories: string;
  /** keys in register order */
  keys: string[];
  entries: RegisterEntry[];
}

export interface Register {
  file: string;
  /** data rows read (not counting the header or blank lines) */
  rows: number;
  entries: RegisterEntry[];
  byKey: Map<string, RegisterEntry>;
  /** controllers in register order (first line that names them) */
  controllers: Controller[];
}

export class RegisterError extends Error {}

/** Read and check a register; throws RegisterError ("<file> line N: …") on anything wrong. */
export function readRegister(path: string): Register {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'a folder, not a file'
            : (code ?? String(e));
    throw new RegisterError(`cannot read the register ${path}: ${why}`);
  }
  return parseRegister(text, path);
}

export function parseRegister(text: string, path = 'register'): Register {
  const name = basename(path);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\uFFFD')) throw new RegisterError(`${name}: not UTF-8 text (save it as CSV UTF-8)`);
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  // the delimiter is whichever of ; and , the header line uses (column names hold neither)
  const delimiter = header.includes(';') && !header.includes(',') ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as never;
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    const line = /line (\d+)/i.exec(m)?.[1];
    throw new RegisterError(
      `${name}${line ? ` line ${line}` : ''}: not a readable CSV (${m.replace(/^Invalid [^:]*: /, '')})`,
    );
  }
  if (!records.length)
    throw new RegisterError(`${name} line 1: empty; the first line must name the columns key,controller`);
  const cols = records[0]!.record.map((c) => c.trim().toLowerCase());
  for (const r of REQUIRED) {
    if (!cols.includes(r))
      throw new RegisterError(
        `${name} line 1: no "${r}" column (columns: key, controller, and optionally org_id, contact, retention_days, data_subject_categories, personal_data_categories; separated by , or ;)`,
      );
  }
  const seen = new Set<string>();
  for (const c of cols) {
    if (c && seen.has(c)) throw new RegisterError(`${name} line 1: the column "${c}" appears twice`);
    seen.add(c);
  }
  if (cols.includes(OLD_CATEGORIES) && cols.includes('personal_data_categories'))
    throw new RegisterError(
      `${name} line 1: both "categories" and "personal_data_categories": keep one (categories is the older name)`,
    );
  const at = (rec: string[], col: string): string => {
    const i = cols.indexOf(col);
    return i < 0 ? '' : (rec[i] ?? '').trim();
  };
  const entries: RegisterEntry[] = [];
  const byKey = new Map<string, RegisterEntry>();
  const controllers = new Map<string, Controller>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.every((v) => v.trim() === '')) continue;
    if (record.length > cols.length && record.slice(cols.length).some((v) => v.trim() !== '')) {
      throw new RegisterError(`${name} line ${line}: ${record.length} values for ${cols.length} columns`);
    }
    const key = at(record, 'key');
    const controller = at(record, 'controller');
    if (!key) throw new RegisterError(`${name} line ${line}: no key`);
    if (!controller) throw new RegisterError(`${name} line ${line}: key ${key} has no controller`);
    const rd = at(record, 'retention_days');
    let retention_days: number | undefined;
    if (rd !== '') {
      if (!/^\d{1,5}$/.test(rd) || Number(rd) < 1) {
        throw new RegisterError(
          `${name} line ${line}: retention_days must be a whole number of days from 1 to 99999 (or empty), not "${rd}"`,
        );
      }
      retention_days = Number(rd);
    }
    const e: RegisterEntry = {
      key,
      controller,
      org_id: at(record, 'org_id'),
      contact: at(record, 'contact'),
      retention_days,
      data_subject_categories: at(record, 'data_subject_categories'),
      personal_data_categories: at(record, 'personal_data_categories') || at(record, OLD_CATEGORIES),
      line,
    };
    const before = byKey.get(key);
    if (before) {
      if (before.controller !== controller) {
        throw new RegisterError(
          `${name} line ${line}: key ${key} is given to "${controller}" but line ${before.line} gives it to "${before.controller}"`,
        );
      }
      if (before.retention_days !== retention_days) {
        throw new RegisterError(
          `${name} line ${line}: key ${key} has retention_days ${rd || '(empty)'} but line ${before.line} has ${before.retention_days ?? '(empty)'}`,
        );
      }
      continue; // the same line twice: harmless
    }
    byKey.set(key, e);
    entries.push(e);
    let c = controllers.get(controller);
    if (!c)
      controllers.set(
        controller,
        (c = {
          controller,
          org_id: e.org_id,
          contact: e.contact,
          data_subject_categories: e.data_subject_categories,
          personal_data_categories: e.personal_data_categories,
          keys: [],
          entries: [],
        }),
      );
    c.keys.push(key);
    c.entries.push(e);
    c.org_id ||= e.org_id;
    c.contact ||= e.contact;
    c.data_subject_categories ||= e.data_subject_categories;
    c.personal_data_categories ||= e.personal_data_categories;
  }
  return { file: name, rows: records.length - 1, entries, byKey, controllers: [...controllers.values()] };
}
