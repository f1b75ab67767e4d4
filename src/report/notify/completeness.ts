/**
 * Completeness, judged per row from where the scan's gaps are, so that no output calls a controller
 * "not affected" or a figure "complete" when part of the tree that could hold its recordings was not
 * read. The gaps: a stopped scan, folders that could not be listed, files that could not be given to a
 * customer (the pattern did not match them, or they lie above the customer folders), symbolic links
 * not followed, special files skipped, and a tree with no file at all (most often the wrong folder).
 *
 * An unreadable folder counts against a row only when it could hold the row's files: the customer's
 * own folder or one inside it, a folder above the customer level (any customer may be below it), or,
 * with a {customer} pattern, a folder whose path the pattern could match with one of the row's keys
 * (only the first 100 folders' paths are kept; the others count against every row). Every other gap
 * counts against every row: an unattributed file may be anyone's, and a stopped scan read no one's
 * tree to the end.
 *
 * A customer folder only like a key — another case (ACME for acme), spaces around it, another normal
 * form of Unicode, Latin-1 bytes where the register has UTF-8 (caf\xe9 for café) — is another
 * customer, but when it could not be read it could still hold the key's files (a copy made on
 * Windows, or by an old tool): it counts against the key's row too, so that the key's controller is
 * never told "not affected" beside it (attack round 7).
 *
 * The same holds for a customer that was read: a register key not found in the tree whose loose form
 * (looseName) is that of a customer found, with files, that no key names exactly (ACME beside the key
 * acme) is no gap of reading but one of attribution: its controller's row cannot be "not affected" and
 * the run is incomplete. The two are never merged: whether ACME is acme is for a person to decide, and
 * the register's key stays exact. Found once per run (lookalikesOf), only when a key is not found.
 */
import type { ScanResult } from '../../scan/engine.js';
import { rowLabel, type CustomerTotals } from '../../scan/tally/aggregate.js';
import type { Register } from './register.js';
import { folderCustomer, type CompiledPattern } from '../../scan/place/pattern.js';
import { format, strings, type Lang } from '../lang/index.js';
import { EXIT } from '../exit.js';
import { foldName, keyForms, skeletonsOf } from './skeletons.js';
import type { ShardsMissing } from '../../scan/engine.js';

/** The gaps of one run, taken from the whole result (a filtered export keeps the whole run's). */
export interface RunGaps {
  stopped: boolean;
  /** regular files found in the whole tree */
  files: number;
  /** a shard's run (--shard): a slice of the customers, which may be empty */
  slice?: boolean;
  /** a merge of shards without some of them: any row's files may be in those */
  shardsMissing?: ShardsMissing;
  unreadableFolders: number;
  /** the first folders that could not be read (paths below the root) */
  folderErrors: readonly { path: string; error: string }[];
  /** folders not inside one customer's folder: above the customer level (folder customers) */
  sharedUnreadableFolders: number;
  unmatchedFiles: number;
  topLevelFiles: number;
  linksSkipped: number;
  specialSkipped: number;
  /** files in the whole tree that could not be opened or read (permission denied, I/O error) */
  unopenedFiles: number;
  /** the {customer} pattern, when customers come from one (else customers are folders) */
  pattern?: CompiledPattern;
  /** the customer folders' depth (without a {customer} pattern) */
  depth: number;
  /**
   * customer rows with folders that could not be read, by the loose form of their name (looseName):
   * the folders a key only like theirs could hold (folder customers; absent: none)
   */
  unreadByLooseName?: () => ReadonlyMap<string, readonly { name: string; folders: number }[]>;
  /**
   * register keys not found in the tree, each with the customers found only like it (lookalikesOf);
   * absent without a register, empty when every key was found or none is like a customer
   */
  lookalikes?: ReadonlyMap<string, readonly Lookalike[]>;
  /**
   * the summary's rows (a register's controllers, their keys together; else each customer) that are
   * incomplete for their own files alone (ownFileGaps): how many, and the first one's name
   */
  ownGaps?: { rows: number; first: string };
  /** --country: a name that writes a phone number nationally is read under it (looseNames) */
  country?: string;
  /**
   * with a {customer} pattern: the other values the pattern reads files' names with (a name read two
   * ways), by each loose form of the value, with the row the files were placed in (absent: none)
   */
  otherReadings?: () => ReadonlyMap<string, readonly Reading[]>;
  /** register keys among those other values (twoWayExample: the first) */
  twoWayKeys?: number;
  twoWayExample?: string;
  /** with a register: the customers no key names that hold (or may hold) recordings (unassignedOf) */
  unassigned?: Unassigned;
}

/**
 * With a register, the customers found that no key names and that hold recordings, files that may be
 * recordings (unreadable, unopened, archives), or folders that could not be read: whose they are is
 * unknown until a person assigns them, so any controller's recordings may be among them. The look-alike
 * rule (lookalikesOf) names the likeliest owner; this makes no guess. Before, a controller beside such
 * a folder was told "not affected", or its count "exact", whenever the folder's name was written in a
 * form the look-alike rule did not list (a Cyrillic code page, `Copy of X`, `X (copy)`, HTML entities,
 * a second copy beside the key's own folder: attack round 26b C1-C4, 31 controllers).
 */
interface Unassigned {
  /** customers no key names with such files */
  rows: number;
  /** their recordings and files that may be recordings (the other files and hard links of those with none) */
  files: number;
  /** their folders that could not be read */
  unreadFolders: number;
  /** the first one's name (the run's phrase, with examples; never in a controller's statement) */
  first: string;
  /** customers are folders (no {customer} pattern) */
  folder: boolean;
}

/** Files placed in one row whose names the pattern also reads with another {customer} value. */
interface Reading {
  value: string;
  /** the row they were placed in */
  customer: string;
  files: number;
}

/** The rows' other readings (CustomerTotals.otherReadings), by each loose form of the value. */
function readingsByLoose(customers: readonly CustomerTotals[], country: string | undefined): Map<string, Reading[]> {
  const by = new Map<string, Reading[]>();
  for (const c of customers) {
    if (c.kind !== 'customer' || !c.otherReadings) continue;
    for (const [value, files] of c.otherReadings)
      for (const f of looseNames(value, country)) {
        const r = { value, customer: c.customer, files };
        const list = by.get(f);
        if (list) list.push(r);
        else by.set(f, [r]);
      }
  }
  return by;
}

/**
 * Files of other rows whose names the pattern also reads with one of these keys (or a form of one):
 * one count per row and value. Attack round 24b C5: `in-08-1234-0701740699-…` under
 * `*-{customer}-{caller}-…` went to customer `08` (the shortest capture) and the key `08-1234` was
 * "not affected", exit 0.
 */
function twoWayFiles(g: Pick<RunGaps, 'otherReadings' | 'country'>, names: readonly string[]): number {
  const readings = g.otherReadings?.();
  if (!readings?.size) return 0;
  const seen = new Set<string>();
  let files = 0;
  for (const f of new Set(names.flatMap((k) => looseNames(k, g.country))))
    for (const r of readings.get(f) ?? []) {
      const id = `${r.customer}\0${r.value}`;
      if (names.includes(r.customer) || seen.has(id)) continue;
      seen.add(id);
      files += r.files;
    }
  return files;
}

/** A customer found in the tree, with files, whose name is only like a register key that was not found. */
interface Lookalike {
  /** the register's key (not found) */
  key: string;
  /** the customer found (a folder's name, or a {customer} capture) */
  name: string;
  files: number;
  /** its recordings (audio files, and files of a recording's format that could not be read) */
  recordings: number;
  /** the customer is a folder (no {customer} pattern) */
  folder: boolean;
}

/**
 * A name as a person would match it (skeletons.ts foldName: case folded, accents and invisible
 * characters dropped, `_`, `-`, `.` and spaces alike, leading zeros of digits dropped). One form; the
 * look-alike rule compares every form of a name (looseNames).
 *
 * Only the look-alike checks use it; customers are still matched to keys exactly: two folders that
 * fold alike may be two customers (`007` and `7` in one tree), and which one a key means is for a
 * person to decide, so the key's row is made incomplete and names the folder instead of taking it.
 */
export function looseName(name: string): string {
  return foldName(name);
}

/**
 * Every loose form of a name (skeletons.ts skeletonsOf): its fold, the fold of each form a copy could
 * have mangled it from (CP1252 or CP437 mojibake, percent escapes), and the phone number it writes in
 * E.164 under `country` (--country). Two names are alike when their sets meet.
 */
export function looseNames(name: string, country?: string): readonly string[] {
  return skeletonsOf(name, country);
}

/** f's value, made at the first call (a run's rows are walked once, and only when a key row asks). */
function lazy<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
}

/** The customer rows with unreadable folders, by each loose form of their name (looseNames). */
function unreadByLoose(
  customers: ScanResult['customers'],
  country: string | undefined,
): Map<string, { name: string; folders: number }[]> {
  const by = new Map<string, { name: string; folders: number }[]>();
  for (const c of customers) {
    if (c.kind !== 'customer' || !c.unreadableFolders) continue;
    for (const k of looseNames(c.customer, country)) {
      const list = by.get(k);
      if (list) list.push({ name: c.customer, folders: c.unreadableFolders });
      else by.set(k, [{ name: c.customer, folders: c.unreadableFolders }]);
    }
  }
  return by;
}

/** Whether rows sorted by name (code point order, as a result's are) hold the customer `name`. */
export function hasCustomer(rows: readonly CustomerTotals[], name: string): boolean {
  let lo = 0,
    hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.customer < name) lo = mid + 1;
    else hi = mid;
  }
  // a built-in row of the same name sorts before the customer
  for (let i = lo; i < rows.length && rows[i]!.customer === name; i++) if (rows[i]!.kind === 'customer') return true;
  return false;
}

/**
 * a name whose only loose form is itself: a lower-case ASCII letter, then lower-case letters and digits
 * (no separator the fold reads as a space, no escape, not a phone number)
 */
const ALREADY_LOOSE = /^[a-z][a-z0-9]*$/;

/**
 * The register's keys not found in the tree, each with the customers (with files, named by no key)
 * whose loose name is the key's. Keys are looked up by binary search in the sorted rows; only when
 * one is missing are the customers' names folded, once, the plain ones (most) without folding.
 */
function findLookalikes(
  customers: readonly CustomerTotals[],
  register: Pick<Register, 'entries' | 'byKey'>,
  folder: boolean,
  country: string | undefined,
): Map<string, Lookalike[]> {
  // each missing key under every loose form of it (a form two keys share lists both)
  const missing = new Map<string, string[]>();
  for (const e of register.entries) {
    if (hasCustomer(customers, e.key)) continue;
    for (const k of keyForms(e.key, country)) {
      const list = missing.get(k);
      if (list) {
        if (!list.includes(e.key)) list.push(e.key);
      } else missing.set(k, [e.key]);
    }
  }
  const out = new Map<string, Lookalike[]>();
  if (!missing.size) return out;
  for (const c of customers) {
    if (c.kind !== 'customer' || !c.files || register.byKey.has(c.customer)) continue;
    const forms = ALREADY_LOOSE.test(c.customer) ? [c.customer] : looseNames(c.customer, country);
    const keys = new Set(forms.flatMap((f) => missing.get(f) ?? []));
    for (const key of keys) {
      const like = {
        key,
        name: c.customer,
        files: c.files,
        recordings: c.audioFiles + c.unreadableFiles,
        folder,
      };
      const list = out.get(key);
      if (list) list.push(like);
      else out.set(key, [like]);
    }
  }
  return out;
}

/** Unassigned of a run's customers under a register (undefined: none). */
function unassignedOf(
  customers: readonly CustomerTotals[],
  register: Pick<Register, 'byKey'>,
  folder: boolean,
  /** with a {customer} pattern: the run's unreadable folders kept (the engine puts them in the top-level row) */
  unread?: { pattern: CompiledPattern; folderErrors: readonly { path: string }[] },
): Unassigned | undefined {
  let rows = 0;
  let files = 0;
  let unreadFolders = 0;
  let first: string | undefined;
  if (unread) {
    // a folder whose names fix a {customer} no key names is that customer's, unread: whose it is is
    // as unknown as a customer row's no key names. Under '{customer}/*' an unreadable zzz/ was no
    // controller's gap, Beta AB "not affected" beside it; with --depth 1 it was (attack round 28b C2)
    const seen = new Set<string>();
    for (const e of unread.folderErrors) {
      const c = folderCustomer(unread.pattern, e.path);
      if (typeof c !== 'string' || register.byKey.has(c) || register.byKey.has(c.normalize('NFC'))) continue;
      unreadFolders++;
      if (!seen.has(c)) {
        seen.add(c);
        rows++;
        first ??= c;
      }
    }
  }
  // a file name a {customer} pattern reads another way, as a customer no key names: whose the file is
  // is as unknown as a customer row's no key names (`acme_zzz_2019/b.wav` under `{customer}_*/*` is
  // acme's or acme_zzz's; Beta AB was "not affected" beside it: attack round 29b M1)
  const readings = new Set<string>();
  for (const c of customers) {
    if (c.kind !== 'customer' || !c.otherReadings) continue;
    // (a row no key names counts its own files below: not twice)
    const own = register.byKey.has(c.customer);
    for (const [value, n] of c.otherReadings) {
      if (register.byKey.has(value) || register.byKey.has(value.normalize('NFC'))) continue;
      if (own) files += n;
      if (!readings.has(value)) {
        readings.add(value);
        rows++;
        first ??= value;
      }
    }
  }
  for (const c of customers) {
    if (c.kind !== 'customer' || register.byKey.has(c.customer)) continue;
    // as its own row judges its files (ownFileGaps): with no recording counted, any other file (a zip
    // named calls.txt) and any name of a file counted under another name (a hard link) may be
    // recordings; only those were left out, and a controller beside them was "not affected" (round 27 C1)
    const may =
      c.audioFiles +
      c.unreadableFiles +
      c.unopenedFiles +
      (c.audioFiles + c.unreadableFiles ? c.opaqueFiles : c.otherFiles + c.hardLinks);
    if (!may && !c.unreadableFolders) continue;
    if (!readings.has(c.customer)) rows++; // (a customer met as a reading above too: once)
    files += may;
    unreadFolders += c.unreadableFolders;
    first ??= rowLabel(c);
  }
  return first === undefined ? undefined : { rows, files, unreadFolders, first, folder };
}

/** findLookalikes of a run and a register, found at the first call and kept (the outputs each ask). */
const lookalikeMemo = new WeakMap<object, WeakMap<object, Map<string, Lookalike[]>>>();
function lookalikesOf(result: ScanResult, register: Pick<Register, 'entries' | 'byKey'>): Map<string, Lookalike[]> {
  let byRegister = lookalikeMemo.get(result.customers);
  if (!byRegister) lookalikeMemo.set(result.customers, (byRegister = new WeakMap()));
  let found = byRegister.get(register);
  if (!found)
    byRegister.set(
      register,
      (found = findLookalikes(result.customers, register, !result.config.pattern?.hasCustomer, result.config.country)),
    );
  return found;
}

/** What an export of part of the rows covers (the UI's filtered or one-customer export). */
export interface ExportScopeInfo {
  /** how the rows were chosen, for people: 'filter "amb"', 'one customer' */
  label: string;
  /** rows written, of how many in the whole summary */
  rows: number;
  of: number;
  /** the whole run's gaps (a scoped result holds only some rows) */
  gaps: RunGaps;
}

/** A result, maybe narrowed to some rows by the UI's export (then it says so). */
export type ReportedResult = ScanResult & { scope?: ExportScopeInfo };

/** The run's gaps; with its register, also the keys not found whose name a customer found has (lookalikes). */
export function runGaps(result: ReportedResult, register?: Pick<Register, 'entries' | 'byKey'>): RunGaps {
  if (result.scope) return result.scope.gaps;
  const top = result.customers.find((c) => c.kind === 'top-level');
  const pattern = result.config.pattern?.hasCustomer ? result.config.pattern : undefined;
  const country = result.config.country;
  const otherReadings =
    pattern && result.customers.some((c) => c.otherReadings)
      ? lazy(() => readingsByLoose(result.customers, country))
      : undefined;
  // the register's keys other readings could be: the run is incomplete for them, as for look-alikes
  const twoWay =
    register && otherReadings
      ? register.entries.filter((e) => twoWayFiles({ otherReadings, country }, [e.key]) > 0).map((e) => e.key)
      : [];
  return {
    stopped: result.partial,
    files: result.totals.files,
    slice: result.config.shard !== undefined,
    shardsMissing: result.shardsMissing,
    unreadableFolders: result.unreadableFolders,
    folderErrors: result.folderErrors,
    // with a {customer} pattern the engine puts every unreadable folder in the top-level row
    sharedUnreadableFolders: pattern ? result.unreadableFolders : (top?.unreadableFolders ?? 0),
    unmatchedFiles: result.unmatched,
    topLevelFiles: top?.files ?? 0,
    linksSkipped: result.linksSkipped,
    specialSkipped: result.specialSkipped,
    unopenedFiles: result.totals.unopenedFiles,
    pattern,
    depth: result.config.depth,
    unreadByLooseName: pattern ? undefined : lazy(() => unreadByLoose(result.customers, result.config.country)),
    country: result.config.country,
    lookalikes: register ? lookalikesOf(result, register) : undefined,
    ownGaps: ownGapsOf(result.customers, register),
    otherReadings,
    ...(twoWay.length ? { twoWayKeys: twoWay.length, twoWayExample: twoWay[0] } : {}),
    ...(register
      ? {
          unassigned: unassignedOf(
            result.customers,
            register,
            !pattern,
            pattern?.hasCustomer ? { pattern, folderErrors: result.folderErrors } : undefined,
          ),
        }
      : {}),
  };
}

export interface RowCompleteness {
  complete: boolean;
  stopped: boolean;
  /** folders that could not be read and could hold this row's files */
  unreadFolders: number;
  /** files found that could not be given to any customer: they may be this row's */
  unattributedFiles: number;
  linksSkipped: number;
  specialSkipped: number;
  /**
   * this row's files (the run's, for the total) that could not be opened or read: counted, but
   * whether they are recordings, and how long, is unknown
   */
  unopenedFiles: number;
  /** no file at all was found in the tree */
  emptyTree: boolean;
  /** shards of the scan not merged (see RunGaps) */
  shardsMissing?: ShardsMissing;
  /** the first of those folders (path: error), for the statement */
  unreadExamples: string[];
  /** a built-in row or the total: the folders are any that could not be read, not "its" */
  whole?: boolean;
  /** customers found only like this row's keys that were not found: their files may be this row's */
  lookalikes?: readonly Lookalike[];
  /** the run: register keys not found but like a customer found (lookalikeExample: the first) */
  lookalikeKeys?: number;
  lookalikeExample?: Lookalike;
  /** files placed elsewhere whose names the pattern also reads with this row's keys */
  twoWays?: number;
  /** the run: register keys such files could be (twoWayExample: the first) */
  twoWayKeys?: number;
  twoWayExample?: string;
  /** a row with no recordings counted: its other files (archives, encrypted, unknown), which may hold some */
  otherNotOpened?: number;
  /** a row with no recordings counted: its names of files counted under another name (hard links) */
  linkedFiles?: number;
  /** the run: rows incomplete for their own files alone (otherNotOpened, linkedFiles), and the first's name */
  ownGapRows?: number;
  ownGapExample?: string;
  /** a controller's row, or the run, with a register: customers no key names hold what may be recordings */
  unassigned?: Unassigned;
  /**
   * with unassigned: the row is one of those customers itself, its controller unknown. Its own files
   * are counted, but its controller's other recordings (under a key, or in another such customer) are
   * not: its statement said "exact" (attack round 27 L1)
   */
  ownerUnknown?: boolean;
}

/** A row's own files, for the gaps of a row that has none counted as recordings (keysCompleteness). */
interface OwnFiles {
  /** audio files and unreadable files */
  recordings: number;
  otherFiles: number;
  /** of otherFiles, those that may hold recordings (archives, encrypted, unknown formats: Figures.opaqueFiles) */
  opaqueFiles: number;
  hardLinks: number;
}

/**
 * The one judgement of a row's own files, made for the exports' rows, the UI's rows and the run (the
 * exit code): a row with no recording counted but other files (an archive of its calls, an encrypted
 * copy) or names of files counted under another name (a hard link from another customer's folder,
 * counted where the walk met it first) is not "not affected" and its zeros are not exact: those files
 * may be its recordings (attack round 23b H3, H2). Only such rows: where recordings were counted the
 * controller is told it is affected anyway, and a tree's logs and notes beside its calls would
 * otherwise make every row incomplete: a row with recordings is made incomplete (its figures lower
 * bounds) only by the other files that may hold recordings, not by a text or image file (opaqueFiles;
 * round 24: a row of 2 s of calls and calls.zip beside them said "exact").
 */
function ownFileGaps(own: OwnFiles | undefined): { otherNotOpened?: number; linkedFiles?: number } {
  if (!own) return {};
  if (own.recordings) return { otherNotOpened: own.opaqueFiles || undefined };
  return { otherNotOpened: own.otherFiles || undefined, linkedFiles: own.hardLinks || undefined };
}

/** A row's own files, from its figures (an engine's row, a controller's sum, the UI's row). */
const ownFilesOf = (
  f: Pick<CustomerTotals, 'audioFiles' | 'unreadableFiles' | 'otherFiles' | 'opaqueFiles' | 'hardLinks'>,
): OwnFiles => ({
  recordings: f.audioFiles + f.unreadableFiles,
  otherFiles: f.otherFiles,
  opaqueFiles: f.opaqueFiles,
  hardLinks: f.hardLinks,
});

const gapOfOwn = (o: OwnFiles): boolean => {
  const g = ownFileGaps(o);
  return !!(g.otherNotOpened || g.linkedFiles);
};

/**
 * RunGaps.ownGaps: the rows the summary judges (a register's controllers with their keys' files
 * summed, each customer no key names; without a register each customer) whose own files leave them
 * incomplete. Round 24: such a run exited 0 while the rows said "incomplete" (every other gap exits 3),
 * so that a script took a run whose statements say "CANNOT BE RULED OUT" for a complete one. Walked once
 * per result and register (the outputs each ask).
 */
const ownGapsMemo = new WeakMap<object, WeakMap<object, RunGaps['ownGaps'] | null>>();
const NO_REGISTER = {};
function ownGapsOf(
  customers: readonly CustomerTotals[],
  register: Pick<Register, 'entries' | 'byKey'> | undefined,
): RunGaps['ownGaps'] {
  let byRegister = ownGapsMemo.get(customers);
  if (!byRegister) ownGapsMemo.set(customers, (byRegister = new WeakMap()));
  const known = byRegister.get(register ?? NO_REGISTER);
  if (known !== undefined) return known ?? undefined;
  let rows = 0;
  let first: string | undefined;
  const flag = (name: string): void => {
    rows++;
    first ??= name;
  };
  // a register's controllers: their keys' rows summed, in register order
  const controllers = new Map<string, OwnFiles>();
  if (register)
    for (const e of register.entries)
      if (!controllers.has(e.controller))
        controllers.set(e.controller, { recordings: 0, otherFiles: 0, opaqueFiles: 0, hardLinks: 0 });
  for (const c of customers) {
    if (c.kind !== 'customer') continue;
    const e = register?.byKey.get(c.customer);
    const own = ownFilesOf(c);
    if (!e) {
      if (gapOfOwn(own)) flag(rowLabel(c));
      continue;
    }
    const sum = controllers.get(e.controller)!;
    sum.recordings += own.recordings;
    sum.otherFiles += own.otherFiles;
    sum.opaqueFiles += own.opaqueFiles;
    sum.hardLinks += own.hardLinks;
  }
  for (const [name, own] of controllers) if (gapOfOwn(own)) flag(name);
  const found = first === undefined ? undefined : { rows, first };
  byRegister.set(register ?? NO_REGISTER, found ?? null);
  return found;
}

const EXAMPLES = 3;
const example = (e: { path: string; error: string }): string => `${e.path} (${e.error})`;

function verdict(c: Omit<RowCompleteness, 'complete'>): RowCompleteness {
  const complete =
    !c.stopped &&
    !c.shardsMissing &&
    !c.unreadFolders &&
    !c.unattributedFiles &&
    !c.linksSkipped &&
    !c.specialSkipped &&
    !c.unopenedFiles &&
    !c.emptyTree &&
    !c.lookalikes?.length &&
    !c.lookalikeKeys &&
    !c.twoWays &&
    !c.twoWayKeys &&
    !c.otherNotOpened &&
    !c.linkedFiles &&
    !c.ownGapRows &&
    !c.unassigned;
  return { complete, ...c };
}

const common = (g: RunGaps) => ({
  stopped: g.stopped,
  linksSkipped: g.linksSkipped,
  specialSkipped: g.specialSkipped,
  // a shard's slice of the customers may be empty: the tree was not
  emptyTree: g.files === 0 && !g.slice,
  shardsMissing: g.shardsMissing,
});

/** The whole run (the total row, the method, the exit code). */
export function runCompleteness(g: RunGaps): RowCompleteness {
  return verdict({
    ...common(g),
    unreadFolders: g.unreadableFolders,
    unattributedFiles: g.unmatchedFiles + g.topLevelFiles,
    unopenedFiles: g.unopenedFiles,
    unreadExamples: g.folderErrors.slice(0, EXAMPLES).map(example),
    whole: true,
    lookalikeKeys: g.lookalikes?.size ?? 0,
    lookalikeExample: g.lookalikes?.values().next().value?.[0],
    ownGapRows: g.ownGaps?.rows,
    ownGapExample: g.ownGaps?.first,
    twoWayKeys: g.twoWayKeys,
    twoWayExample: g.twoWayExample,
    unassigned: g.unassigned,
  });
}

/**
 * A row of keys (a controller's, or one customer's). ownUnreadableFolders: the unreadable folders the
 * engine placed in these keys' own rows (folders inside a customer's folder); ownUnopenedFiles: the
 * rows' files that could not be opened (a file's customer is known from its path, so another's
 * unopened file is no gap of this row).
 *
 * own: the row's files, judged by ownFileGaps (the one judgement of them).
 */
function keysCompleteness(
  g: RunGaps,
  keys: readonly string[],
  ownUnreadableFolders: number,
  ownUnopenedFiles: number,
  own?: OwnFiles,
  /**
   * with a register: a controller's row, or a customer's no key names (its controller unknown): customers
   * no key names are a gap of either (RunGaps.unassigned)
   */
  assign?: 'controller' | 'unregistered',
): RowCompleteness {
  let shared = g.sharedUnreadableFolders;
  const p = g.pattern;
  const depth = g.depth;
  // a folder named like a built-in row is shown as "./(name)" (rowLabel): its name is the rest
  const names = keys.map((k) => (k.startsWith('./') ? k.slice(2) : k));
  let holds: (path: string) => boolean;
  if (p) {
    // the capture the folder's names fix: one of the keys, or only like one (looseNames), as a customer
    // folder is with --depth. Attack round 24b C6: `2018/ACME/` unreadable under '*/{customer}/*' was no
    // gap of the key acme (its controller "not affected"), where --depth 2 made acme's row incomplete.
    let loose: Set<string> | undefined;
    holds = (path) => {
      const c = folderCustomer(p, path);
      // null: no file below it could match the pattern; read, its files would be unmatched, a gap of
      // every row. Taken for "none of this row's", an unreadable 2019/02/01/old/ under the README's
      // pattern was no row's gap: a controller "not affected" beside its own line's recording there,
      // which read would have made every row incomplete (attack round 28b C3)
      if (c === null) return true;
      if (c === undefined || names.includes(c)) return true;
      loose ??= new Set(names.flatMap((k) => keyForms(k, g.country)));
      return looseNames(c, g.country).some((f) => loose!.has(f));
    };
    // the paths kept say which keys each folder could hold; the folders past them could hold any
    if (shared)
      shared =
        g.folderErrors.filter((e) => holds(e.path)).length + Math.max(0, g.unreadableFolders - g.folderErrors.length);
  } else {
    // customers are the folders at depth: a folder above them may hold any, one inside only its own,
    // or one of a key only like its name (looseName)
    // (a run with no unreadable folder, the most common, folds no name)
    const unread = g.unreadableFolders ? g.unreadByLooseName?.() : undefined;
    const loose = unread?.size ? new Set(names.flatMap((k) => keyForms(k, g.country))) : undefined;
    // a customer like the keys in more than one form: its folders once
    const like = new Set<string>();
    for (const k of loose ?? [])
      for (const o of unread!.get(k) ?? [])
        if (!names.includes(o.name) && !like.has(o.name)) {
          like.add(o.name);
          shared += o.folders;
        }
    holds = (path) => {
      const parts = path === '.' ? [] : path.split('/');
      if (parts.length < depth) return true;
      const name = parts[depth - 1]!;
      return names.includes(name) || (loose !== undefined && looseNames(name, g.country).some((f) => loose.has(f)));
    };
  }
  const unreadFolders = ownUnreadableFolders + shared;
  // customers found only like the row's keys not found (one customer like two of its keys: once)
  let lookalikes: Lookalike[] | undefined;
  if (g.lookalikes?.size)
    for (const k of keys)
      for (const l of g.lookalikes.get(k) ?? [])
        if (!lookalikes?.some((o) => o.name === l.name)) (lookalikes ??= []).push(l);
  const twoWays = twoWayFiles(g, names);
  return verdict({
    ...(assign && g.unassigned ? { unassigned: g.unassigned } : {}),
    ...(assign === 'unregistered' && g.unassigned ? { ownerUnknown: true } : {}),
    lookalikes,
    ...(twoWays ? { twoWays } : {}),
    ...ownFileGaps(own),
    ...common(g),
    unreadFolders,
    unattributedFiles: g.unmatchedFiles + g.topLevelFiles,
    unopenedFiles: ownUnopenedFiles,
    unreadExamples: unreadFolders
      ? g.folderErrors
          .filter((e) => holds(e.path))
          .slice(0, EXAMPLES)
          .map(example)
      : [],
  });
}

/**
 * The one judgement of a row of the summary, made for the exports' rows (notify.ts) and for the UI's
 * rows (tui/controllers.ts): a built-in row by builtInCompleteness, any other by its keys and its own
 * files (keysCompleteness, ownFileGaps). Round 24: the UI judged its rows with keysCompleteness
 * without their own files, so that a row holding only calls.zip said complete on screen while its
 * statement said CANNOT BE RULED OUT.
 */
export function rowCompleteness(
  g: RunGaps,
  r: Pick<
    CustomerTotals,
    | 'unreadableFolders'
    | 'unopenedFiles'
    | 'audioFiles'
    | 'unreadableFiles'
    | 'otherFiles'
    | 'opaqueFiles'
    | 'hardLinks'
  >,
  kind: string,
  keys: readonly string[],
): RowCompleteness {
  return kind === 'unmatched' || kind === 'top-level'
    ? builtInCompleteness(g, r.unopenedFiles)
    : keysCompleteness(
        g,
        keys,
        r.unreadableFolders,
        r.unopenedFiles,
        ownFilesOf(r),
        kind === 'controller' || kind === 'unregistered' ? kind : undefined,
      );
}

/** A built-in row ("(unmatched)", "(top level)"): its own files are known; any unread folder may hold more. */
function builtInCompleteness(g: RunGaps, ownUnopenedFiles: number): RowCompleteness {
  return verdict({
    ...common(g),
    unreadFolders: g.unreadableFolders,
    unattributedFiles: 0,
    unopenedFiles: ownUnopenedFiles,
    unreadExamples: g.folderErrors.slice(0, EXAMPLES).map(example),
    whole: true,
  });
}

/**
 * Why a row is incomplete, as short phrases (empty when complete), in the language's words (English for
 * the CSV and JSON). examples: name the first folders (method.html; the CSV cell and a controller's
 * statement hold counts only: a folder's path would tell a controller about the processor's tree).
 */
export function gapPhrases(c: RowCompleteness, examples = false, lang: Lang = 'en'): string[] {
  const L = strings(lang).gap;
  const n = format(lang, 'UTC').int;
  const forRun = c.whole === true;
  const out: string[] = [];
  if (c.stopped) out.push(L.stopped);
  if (c.shardsMissing?.missing.length)
    out.push(L.shardsMissing(c.shardsMissing.missing.join(', '), c.shardsMissing.count));
  if (c.shardsMissing?.roots) out.push(L.shardsRoots(c.shardsMissing.roots.join(', ')));
  if (c.emptyTree) out.push(L.emptyTree);
  if (c.unreadFolders)
    out.push(
      (forRun ? L.unreadFoldersRun : L.unreadFoldersRow)(n(c.unreadFolders), c.unreadFolders) +
        (examples && c.unreadExamples.length
          ? L.examples(c.unreadFolders > c.unreadExamples.length, c.unreadExamples.join(', '))
          : ''),
    );
  if (c.unattributedFiles) out.push(L.unattributed(n(c.unattributedFiles), c.unattributedFiles));
  if (c.unopenedFiles) out.push(L.unopened(n(c.unopenedFiles), c.unopenedFiles));
  if (c.linksSkipped) out.push(L.links(n(c.linksSkipped), c.linksSkipped));
  if (c.specialSkipped) out.push(L.special(n(c.specialSkipped), c.specialSkipped));
  if (c.otherNotOpened) out.push(L.otherNotOpened(n(c.otherNotOpened), c.otherNotOpened));
  if (c.linkedFiles) out.push(L.linked(n(c.linkedFiles), c.linkedFiles));
  if (c.ownGapRows) out.push(L.ownGapRows(n(c.ownGapRows), c.ownGapRows, examples ? c.ownGapExample : undefined));
  // the first few, then how many more (a controller of many keys, many of them spelt otherwise)
  const like = c.lookalikes ?? [];
  for (const l of like.slice(0, EXAMPLES))
    out.push(
      l.recordings
        ? L.lookalike(l.folder, l.name, l.key, n(l.recordings), l.recordings, true)
        : L.lookalike(l.folder, l.name, l.key, n(l.files), l.files, false),
    );
  if (like.length > EXAMPLES) out.push(L.lookalikeMore(n(like.length - EXAMPLES), like.length - EXAMPLES));
  const e = c.lookalikeExample;
  if (c.lookalikeKeys && e) out.push(L.lookalikeKeys(n(c.lookalikeKeys), c.lookalikeKeys, e.key, e.name));
  if (c.twoWays) out.push(L.twoWays(n(c.twoWays), c.twoWays));
  if (c.twoWayKeys && c.twoWayExample !== undefined)
    out.push(L.twoWayKeys(n(c.twoWayKeys), c.twoWayKeys, c.twoWayExample));
  const u = c.unassigned;
  if (u)
    out.push(
      (forRun ? L.unassignedRun : c.ownerUnknown ? L.unassignedOwner : L.unassignedRow)(
        u.folder,
        n(u.rows),
        u.rows,
        L.unassignedHold(n(u.files), u.files, n(u.unreadFolders), u.unreadFolders),
        forRun && examples ? u.first : undefined,
      ),
    );
  return out;
}

/** The `completeness` cell: "complete", or "incomplete: " and why. */
export function completenessCell(c: RowCompleteness, lang: Lang = 'en'): string {
  const L = strings(lang).gap;
  return c.complete ? L.complete : L.incomplete(gapPhrases(c, false, lang).join('; '));
}

/** Rows that were not read: nothing found, and something that could hold their files was not read. */
export const notRead = (files: number, c: RowCompleteness | undefined): boolean =>
  files === 0 && c !== undefined && !c.complete;

/** The exit code of a finished run (headless, or q in the UI): 0 complete, else 3 unless allowed. */
export function exitCodeOf(
  result: ScanResult,
  allowIncomplete = false,
  register?: Pick<Register, 'entries' | 'byKey'>,
): 0 | 3 {
  return allowIncomplete || runCompleteness(runGaps(result, register)).complete ? EXIT.ok : EXIT.incomplete;
}
