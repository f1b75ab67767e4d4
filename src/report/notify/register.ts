/**
 * The processor's register of customers (--register): which key (customer folder or {customer}
 * capture, e.g. a called line `0812345001`) belongs to which controller. CSV with ',' or ';' (sniffed
 * from the header line), UTF-8 with or without a BOM; read with csv-parse, streamed (a record at a
 * time) and capped in size. Every value is kept as text (a line's leading zero is part of the key).
 */
import { constants } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { num } from '../human.js';
import { InputFileError, openInput } from '../input-file.js';

/** an older register's one column, read as personal_data_categories (it named the data, not the people) */
const OLD_CATEGORIES = 'categories';
const REQUIRED = ['key', 'controller'] as const;

interface RegisterEntry {
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

/**
 * The largest register read (bytes): a processor's register of a few million lines fits; a mistaken
 * file (a disk image, /dev/zero, a log) is refused with one line instead of filling the memory.
 */
const MAX_REGISTER_BYTES = 128 * 1024 * 1024;
/**
 * The most keys a register may give: a processor's register has thousands. Each costs about 600 bytes
 * of heap and 20 µs in the look-alike index, and that index holds several forms a key in one Map,
 * whose size V8 caps at 2^24: 9.5 million short keys (131 MB, under the byte bound) crashed the run
 * after its scan, nothing written (attack round 28b H1). Refused before the scan instead.
 */
const MAX_REGISTER_KEYS = 1_000_000;
/** The longest line (record) of a register: a register line is a key, a name, an id, a contact. */
const MAX_REGISTER_LINE = 64 * 1024;

const mib = (n: number): string => `${n / 1024 / 1024} MiB`;

/** csv-parse's options for a register, the same for the streamed file and for text in memory. */
const csvOptions = (delimiter: string) =>
  ({
    delimiter,
    info: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: MAX_REGISTER_LINE,
  }) as const;

/** the delimiter is whichever of ; and , the header line uses (column names hold neither) */
function sniffDelimiter(header: string): string {
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}

function csvError(name: string, e: unknown): RegisterError {
  if (e instanceof RegisterError) return e;
  const m = e instanceof Error ? e.message : String(e);
  const line = /line (\d+)/i.exec(m)?.[1];
  if ((e as { code?: string }).code === 'CSV_MAX_RECORD_SIZE')
    return new RegisterError(
      `${name}${line ? ` line ${line}` : ''}: a line longer than ${MAX_REGISTER_LINE / 1024} KiB; is this the register?`,
    );
  return new RegisterError(
    `${name}${line ? ` line ${line}` : ''}: not a readable CSV (${m.replace(/^Invalid [^:]*: /, '')})`,
  );
}

/**
 * Read and check a register, streamed: one record at a time, never the whole file in memory, at most
 * MAX_REGISTER_BYTES (a FIFO or a device too: counted as read). Throws RegisterError ("<file> line N:
 * …") on anything wrong. onWait: called when the register is a named FIFO, whose opening waits for a
 * writer (said, so that a run waiting on it is not taken for a hung one). strict: --strict-evidence (a
 * register that is not the user's is refused: reading it would move its access time).
 */
export async function readRegister(path: string, onWait?: () => void, strict = false): Promise<Register> {
  const name = basename(path);
  let fh: FileHandle;
  try {
    if ((await stat(path).catch(() => undefined))?.isFIFO()) onWait?.();
    // O_NOATIME: a register kept in the evidence tree keeps its access time (round 23b C4)
    fh = await openInput(path, constants.O_RDONLY, strict);
  } catch (e) {
    if (e instanceof InputFileError && e.reason === 'atime')
      throw new RegisterError(
        `${path} is not yours: reading it would move its access time (--strict-evidence); use a copy, or leave out --strict-evidence`,
      );
    throw new RegisterError(`cannot read the register ${path}: ${readWhy(e)}`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new RegisterError(`cannot read the register ${path}: a folder, not a file`);
    if (st.isFile() && st.size > MAX_REGISTER_BYTES)
      throw new RegisterError(
        `${name}: ${num(st.size)} bytes; a register is at most ${mib(MAX_REGISTER_BYTES)} (is this the register?)`,
      );
    const chunks = (async function* () {
      let total = 0;
      for await (const c of fh.createReadStream({
        highWaterMark: 1 << 20,
        autoClose: false,
      }) as AsyncIterable<Buffer>) {
        total += c.length;
        if (total > MAX_REGISTER_BYTES)
          throw new RegisterError(
            `${name}: more than ${mib(MAX_REGISTER_BYTES)}; a register is at most that (is this the register?)`,
          );
        yield c;
      }
    })();
    // the header line first, to tell the delimiter
    let head = Buffer.alloc(0);
    let ended = false;
    while (head.indexOf(10) < 0) {
      const n = await chunks.next();
      if (n.done) {
        ended = true;
        break;
      }
      head = Buffer.concat([head, n.value]);
      if (head.indexOf(10) < 0 && head.length > MAX_REGISTER_LINE)
        throw new RegisterError(`${name} line 1: longer than ${MAX_REGISTER_LINE / 1024} KiB; is this the register?`);
    }
    const nl = head.indexOf(10);
    const delimiter = sniffDelimiter(head.subarray(0, nl < 0 ? head.length : nl).toString('utf8'));
    const parser = parse(csvOptions(delimiter));
    const source = Readable.from(
      (async function* () {
        yield head;
        if (ended) return;
        for (;;) {
          const n = await chunks.next();
          if (n.done) return;
          yield n.value;
        }
      })(),
    );
    // errors of the source (the size cap, a read error) reach the parser and end the loop below
    pipeline(source, parser).catch(() => {});
    const b = new RegisterBuilder(name);
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>)
        b.add(record, info.lines);
    } catch (e) {
      throw csvError(name, e);
    }
    return b.finish();
  } finally {
    await fh.close();
  }
}

function readWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'EISDIR'
        ? 'a folder, not a file'
        : (code ?? String(e));
}

/** A register from text in memory (tests, and small registers built by hand): the same checks. */
export function parseRegister(text: string, path = 'register'): Register {
  const name = basename(path);
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseSync(text, csvOptions(sniffDelimiter(header))) as never;
  } catch (e) {
    throw csvError(name, e);
  }
  const b = new RegisterBuilder(name);
  for (const { record, info } of records) b.add(record, info.lines);
  return b.finish();
}

/**
 * A line of the register. A controller named on one line only (the common case: a register of a
 * million lines is mostly a million controllers) is that line itself, seen as a Controller: its name,
 * ids and categories are the line's, and its lists are made when asked for. A Controller object and
 * two one-item lists per line were ~250 of the ~420 bytes a line of a million-line register held.
 */
class Entry implements RegisterEntry, Controller {
  constructor(
    readonly key: string,
    readonly controller: string,
    readonly org_id: string,
    readonly contact: string,
    readonly retention_days: number | undefined,
    readonly data_subject_categories: string,
    readonly personal_data_categories: string,
    readonly line: number,
  ) {}

  /** as its own controller: its one key */
  get keys(): string[] {
    return [this.key];
  }

  /** as its own controller: itself */
  get entries(): RegisterEntry[] {
    return [this];
  }
}

/**
 * A controller's lists cut to their length: an array grown by push keeps room for 17 items (a
 * controller of several keys; one of one key is its line, see Entry).
 */
const compact = (c: Controller | Entry): Controller => {
  if (c instanceof Entry) return c;
  c.keys = c.keys.slice();
  c.entries = c.entries.slice();
  return c;
};

/** The register, one record at a time (the header first): every check, by line. */
class RegisterBuilder {
  private cols?: string[];
  private rows = 0;
  private readonly entries: RegisterEntry[] = [];
  private readonly byKey = new Map<string, RegisterEntry>();
  /** by name: a controller of one line is that line (Entry) until a second line names it */
  private readonly controllers = new Map<string, Controller | Entry>();
  /** the line that gave each controller of several lines its org_id (an Entry's is its own line) */
  private readonly orgLine = new Map<Controller, number>();

  constructor(private readonly name: string) {}

  private at(rec: string[], col: string): string {
    const i = this.cols!.indexOf(col);
    return i < 0 ? '' : (rec[i] ?? '').trim();
  }

  add(record: string[], line: number): void {
    const name = this.name;
    if (record.some((v) => v.includes('\uFFFD')))
      throw new RegisterError(`${name}: not UTF-8 text (save it as CSV UTF-8)`);
    if (!this.cols) {
      const cols = record.map((c) => c.trim().toLowerCase());
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
      this.cols = cols;
      return;
    }
    const cols = this.cols;
    this.rows++;
    if (record.every((v) => v.trim() === '')) return;
    if (record.length > cols.length && record.slice(cols.length).some((v) => v.trim() !== '')) {
      throw new RegisterError(`${name} line ${line}: ${record.length} values for ${cols.length} columns`);
    }
    // normal form C, as customers are keyed (scan/place/names.ts keyName): an `Å` typed here matches a folder
    // copied off a Mac, whose name holds `A` + a combining ring
    const key = this.at(record, 'key').normalize('NFC');
    const controller = this.at(record, 'controller');
    if (!key) throw new RegisterError(`${name} line ${line}: no key`);
    if (!controller) throw new RegisterError(`${name} line ${line}: key ${key} has no controller`);
    const rd = this.at(record, 'retention_days');
    let retention_days: number | undefined;
    if (rd !== '') {
      if (!/^\d{1,5}$/.test(rd) || Number(rd) < 1) {
        throw new RegisterError(
          `${name} line ${line}: retention_days must be a whole number of days from 1 to 99999 (or empty), not "${rd}"`,
        );
      }
      retention_days = Number(rd);
    }
    const e = new Entry(
      key,
      controller,
      this.at(record, 'org_id'),
      this.at(record, 'contact'),
      retention_days,
      this.at(record, 'data_subject_categories'),
      this.at(record, 'personal_data_categories') || this.at(record, OLD_CATEGORIES),
      line,
    );
    const before = this.byKey.get(key);
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
      if (e.org_id && before.org_id && e.org_id !== before.org_id) this.orgConflict(e, before.org_id, before.line);
      return; // the same line twice: harmless
    }
    const seen = this.controllers.get(controller);
    // a controller is its name and its organisation id: one name with two ids is two controllers the
    // register cannot tell apart by name (statements, rows and file names go by it), or a typing
    // mistake; either way not to be merged silently under the first id
    if (seen && e.org_id && seen.org_id && e.org_id !== seen.org_id)
      this.orgConflict(e, seen.org_id, seen instanceof Entry ? seen.line : this.orgLine.get(seen)!);
    if (this.byKey.size >= MAX_REGISTER_KEYS)
      throw new RegisterError(
        `${name} line ${line}: more than ${num(MAX_REGISTER_KEYS)} keys; a register gives at most that many (is this the register?)`,
      );
    this.byKey.set(key, e);
    this.entries.push(e);
    if (!seen) {
      this.controllers.set(controller, e);
      return;
    }
    // a second line names it: a controller of its own, with the first line's name, ids and categories
    let c: Controller;
    if (seen instanceof Entry) {
      c = {
        controller,
        org_id: seen.org_id,
        contact: seen.contact,
        data_subject_categories: seen.data_subject_categories,
        personal_data_categories: seen.personal_data_categories,
        keys: [seen.key],
        entries: [seen],
      };
      if (seen.org_id) this.orgLine.set(c, seen.line);
      this.controllers.set(controller, c);
    } else c = seen;
    c.keys.push(key);
    c.entries.push(e);
    if (!c.org_id && e.org_id) c.org_id = e.org_id;
    if (e.org_id && !this.orgLine.has(c)) this.orgLine.set(c, line);
    c.contact ||= e.contact;
    c.data_subject_categories ||= e.data_subject_categories;
    c.personal_data_categories ||= e.personal_data_categories;
  }

  private orgConflict(e: RegisterEntry, otherId: string, otherLine: number): never {
    throw new RegisterError(
      `${this.name} line ${e.line}: controller "${e.controller}" has org_id ${e.org_id} but line ${otherLine} gives it org_id ${otherId}; two controllers need two names (or one of the ids is wrong)`,
    );
  }

  finish(): Register {
    if (!this.cols)
      throw new RegisterError(`${this.name} line 1: empty; the first line must name the columns key,controller`);
    return {
      file: this.name,
      rows: this.rows,
      entries: this.entries,
      byKey: this.byKey,
      controllers: [...this.controllers.values()].map(compact),
    };
  }
}
