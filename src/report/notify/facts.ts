/**
 * The case facts (--facts FILE): what a notification needs that no tree can tell — who the processor
 * is, what happened and when it was found, whether the data was unintelligible, the likely
 * consequences, the measures, and whether this is the first notification or a follow-up. The processor
 * fills the file in once; every statement takes its answers from it, and an item left out is shown as
 * "to be completed", never invented.
 *
 * TOML, because people edit it by hand: comments beside each item (the template explains itself), no
 * indentation rules to break, multi-line text in """…""", and a real date-time type with its offset for
 * the time of discovery (the 72 hours run from it), which JSON lacks and YAML guesses at. Parsed with
 * smol-toml (TOML 1.0, no dependencies). A text may be one string, or one per language
 * (`nature = { sv = "…", en = "…" }`) for statements in both.
 */
import { InputFileError, readInputFile } from '../input-file.js';
import { parse, TomlDate, TomlError } from 'smol-toml';
import { LANGS, type Lang } from '../lang/index.js';

/** a text the processor wrote: the same in every language, or one per language */
export type Text = string | Partial<Record<Lang, string>>;

export interface Facts {
  file: string;
  /** how the leaked tree is named to controllers (never its path: that names the processor's folders) */
  tree_name?: Text;
  processor: { name?: Text; org_id?: string; contact?: Text; dpo?: Text };
  breach: {
    nature?: Text;
    how_found?: Text;
    /** when the breach was discovered, ms since the epoch (the file gives its offset) */
    discovered?: TomlInstant;
    exposure_start?: TomlInstant;
    exposure_end?: TomlInstant;
    /** was the data encrypted or otherwise unintelligible to whoever reached it */
    unintelligible?: boolean;
    unintelligible_how?: Text;
  };
  consequences?: Text;
  measures: { taken?: Text; proposed?: Text };
  notification: { kind?: 'initial' | 'follow-up'; earlier_reference?: string; earlier_date?: TomlInstant };
  /** defaults for every controller; the register's columns override them per controller */
  data_subject_categories?: Text;
  personal_data_categories?: Text;
  /** what the controller may tell the data subjects (Art. 34) */
  advice_to_data_subjects?: Text;
}

/** a date-time as written in the file: the instant, and the text (with its offset) to show */
export interface TomlInstant {
  ms: number;
  text: string;
}

export class FactsError extends Error {}

const TEXT_KEYS: Record<string, readonly string[]> = {
  processor: ['name', 'org_id', 'contact', 'dpo'],
  breach: [
    'nature',
    'how_found',
    'discovered',
    'exposure_start',
    'exposure_end',
    'unintelligible',
    'unintelligible_how',
  ],
  measures: ['taken', 'proposed'],
  notification: ['kind', 'earlier_reference', 'earlier_date'],
};
const TOP = [
  ...Object.keys(TEXT_KEYS),
  'tree_name',
  'consequences',
  'data_subject_categories',
  'personal_data_categories',
  'advice_to_data_subjects',
];

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TomlDate);

/**
 * The most a facts file may hold: the template filled in with long texts is a few KiB. The cap keeps a
 * wrong path from being read whole (`--facts /dev/zero` grew to 8 GB; a recording given by mistake
 * would be parsed as TOML).
 */
export const MAX_FACTS_BYTES = 1024 * 1024;

/**
 * The facts file's text: a regular file of at most MAX_FACTS_BYTES (report/input-file.ts) of UTF-8.
 * Not other bytes than UTF-8: a Latin-1 "Vårdcentralen" would reach every statement as "V�rdcentralen".
 */
function factsText(path: string, strict: boolean): string {
  let bytes: Buffer;
  try {
    bytes = readInputFile(path, MAX_FACTS_BYTES, strict);
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new FactsError(
      e.reason === 'cannot'
        ? `--facts: cannot read ${path}: ${e.code}`
        : e.reason === 'atime'
          ? `--facts: ${path} is not yours: reading it would move its access time (--strict-evidence); use a copy, or leave out --strict-evidence`
          : e.reason === 'special'
            ? `--facts: ${path} is not a regular file (a FIFO, a device or a socket)`
            : `--facts: ${path}: more than ${MAX_FACTS_BYTES / 1024 / 1024} MiB; a facts file is a few KiB (is this the facts file?)`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FactsError(`--facts: ${path}: not UTF-8 text (save it as UTF-8)`);
  }
}

/**
 * Read and check a facts file; FactsError ("<file>: …", one line) on anything wrong or unknown. strict:
 * --strict-evidence (a file that is not the user's is refused: reading it would move its access time).
 */
export function readFacts(path: string, strict = false): Facts {
  const source = factsText(path, strict);
  let doc: Table;
  try {
    doc = parse(source);
  } catch (e) {
    const where = e instanceof TomlError ? ` line ${e.line}` : '';
    const first = (e as Error).message.split('\n')[0];
    throw new FactsError(`--facts: ${path}${where}: ${first}`);
  }
  const at = (key: string): string => `--facts: ${path}: ${key}`;
  // a misspelt key would silently leave an item "to be completed": refuse it
  for (const k of Object.keys(doc)) if (!TOP.includes(k)) throw new FactsError(`${at(k)}: unknown item`);
  const section = (name: string): Table => {
    const v = doc[name] ?? {};
    if (!isTable(v)) throw new FactsError(`${at(name)}: must be a table ([${name}])`);
    for (const k of Object.keys(v)) {
      if (!TEXT_KEYS[name]!.includes(k)) throw new FactsError(`${at(`${name}.${k}`)}: unknown item`);
    }
    return v;
  };
  const text = (v: unknown, key: string): Text | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v.trim() || undefined;
    if (isTable(v)) {
      const out: Partial<Record<Lang, string>> = {};
      for (const [lang, t] of Object.entries(v)) {
        if (!LANGS.includes(lang as Lang) || typeof t !== 'string')
          throw new FactsError(`${at(key)}: a text, or one per language (sv = "…", en = "…")`);
        if (t.trim()) out[lang as Lang] = t.trim();
      }
      return Object.keys(out).length ? out : undefined;
    }
    throw new FactsError(`${at(key)}: a text, or one per language (sv = "…", en = "…")`);
  };
  const plain = (v: unknown, key: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new FactsError(`${at(key)}: a text in quotes`);
    return v.trim() || undefined;
  };
  // the template's empty values ("") mean "not given", whatever the item's type
  const instant = (v: unknown, key: string): TomlInstant | undefined => {
    if (v === undefined || v === '') return undefined;
    // an offset is required: a time without one would be read in whatever zone the machine has
    if (!(v instanceof TomlDate) || !v.isDateTime() || v.isLocal())
      throw new FactsError(`${at(key)}: a date and time with its offset, e.g. 2019-02-18T09:30:00+01:00`);
    // toISOString keeps the offset as written (smol-toml's TomlDate)
    return { ms: v.getTime(), text: v.toISOString() };
  };
  const p = section('processor');
  const b = section('breach');
  const m = section('measures');
  const n = section('notification');
  const unintelligible = b.unintelligible === '' ? undefined : b.unintelligible;
  if (unintelligible !== undefined && typeof unintelligible !== 'boolean')
    throw new FactsError(`${at('breach.unintelligible')}: true or false`);
  const kind = n.kind === '' ? undefined : n.kind;
  if (kind !== undefined && kind !== 'initial' && kind !== 'follow-up')
    throw new FactsError(`${at('notification.kind')}: "initial" or "follow-up"`);
  const facts: Facts = {
    file: path,
    tree_name: text(doc.tree_name, 'tree_name'),
    processor: {
      name: text(p.name, 'processor.name'),
      org_id: plain(p.org_id, 'processor.org_id'),
      contact: text(p.contact, 'processor.contact'),
      dpo: text(p.dpo, 'processor.dpo'),
    },
    breach: {
      nature: text(b.nature, 'breach.nature'),
      how_found: text(b.how_found, 'breach.how_found'),
      discovered: instant(b.discovered, 'breach.discovered'),
      exposure_start: instant(b.exposure_start, 'breach.exposure_start'),
      exposure_end: instant(b.exposure_end, 'breach.exposure_end'),
      unintelligible,
      unintelligible_how: text(b.unintelligible_how, 'breach.unintelligible_how'),
    },
    consequences: text(doc.consequences, 'consequences'),
    measures: { taken: text(m.taken, 'measures.taken'), proposed: text(m.proposed, 'measures.proposed') },
    notification: {
      kind,
      earlier_reference: plain(n.earlier_reference, 'notification.earlier_reference'),
      earlier_date: instant(n.earlier_date, 'notification.earlier_date'),
    },
    data_subject_categories: text(doc.data_subject_categories, 'data_subject_categories'),
    personal_data_categories: text(doc.personal_data_categories, 'personal_data_categories'),
    advice_to_data_subjects: text(doc.advice_to_data_subjects, 'advice_to_data_subjects'),
  };
  const { exposure_start: s, exposure_end: e } = facts.breach;
  if (s && e && s.ms > e.ms) throw new FactsError(`${at('breach.exposure_start')}: after breach.exposure_end`);
  if (kind === 'follow-up' && !facts.notification.earlier_reference && !facts.notification.earlier_date)
    throw new FactsError(
      `${at('notification')}: a follow-up names the earlier notification (earlier_reference or earlier_date)`,
    );
  return facts;
}

/** The text in a language: its own version, else the one written for every language, else another's. */
export function inLang(t: Text | undefined, lang: Lang): string | undefined {
  if (t === undefined || typeof t === 'string') return t;
  return t[lang] ?? LANGS.map((l) => t[l]).find((x) => x !== undefined);
}

/**
 * The commented template (`leaktally --facts-template`): every item, empty. An empty value ("") means
 * "not given": the statements say "to be completed by the processor" for it, so the template parses
 * as it stands and the processor fills in what is known, when it is known.
 */
export const FACTS_TEMPLATE = `# leaktally case facts (--facts FILE): what a notification needs that the leaked tree cannot tell.
# Fill in what you know; leave "" for what you do not know yet: the statements then say
# "to be completed by the processor" for that item, never a guess.
# A text may be one string, or one per language for statements in both:  nature = { sv = "…", en = "…" }
# Longer texts: """ three quotes on each side """ (may span lines).
# Dates and times need their offset: 2019-02-18T09:30:00+01:00 (write them without quotes).

# How the leaked copy is named to controllers (never its path). Default: "the leaked copy of the call recordings".
tree_name = ""

# The likely consequences of the breach for the data subjects.
consequences = ""

# Categories of data subjects and of personal data, for every controller; a register's
# data_subject_categories / personal_data_categories columns override them per controller.
data_subject_categories = ""    # e.g. "callers to the controller's customer service; the controller's staff"
personal_data_categories = ""   # e.g. "voice recordings of calls; phone numbers; what was said in the calls"

# What the controller may tell the data subjects (Art. 34): what happened, what they can do.
advice_to_data_subjects = ""

[processor]
name = ""
org_id = ""        # organisation number, e.g. "556000-0000"
contact = ""       # who answers questions about this breach: name, e-mail, phone
dpo = ""           # the data protection officer, if the processor has one

[notification]
kind = ""          # "initial" or "follow-up"
earlier_reference = ""   # a follow-up: the earlier notification's reference (or give earlier_date)
earlier_date = ""        # a follow-up: when the earlier one was sent, e.g. 2019-02-20T16:00:00+01:00

[breach]
nature = ""        # what happened
how_found = ""     # how the processor learnt of it
discovered = ""    # when the processor became aware of it, e.g. 2019-02-18T09:30:00+01:00
exposure_start = ""   # when the recordings became reachable, if known (not the recordings' own dates)
exposure_end = ""     # when that ended, if it has
unintelligible = ""   # true if the recordings were encrypted or otherwise unintelligible to whoever reached them, else false
unintelligible_how = ""  # how (e.g. the encryption), or why not

[measures]
taken = ""         # measures taken to address the breach and limit its effects
proposed = ""      # measures proposed
`;

/**
 * A row's categories: the register's value for its controller, else the facts file's default, else
 * undefined ("to be completed"). One function, so that the JSON, the workbook and the statement agree.
 */
export function categoriesOf(
  r: { dataSubjectCategories: string; personalDataCategories: string },
  facts: Facts | undefined,
  lang: Lang,
): { subjects?: string; data?: string } {
  return {
    subjects: r.dataSubjectCategories || inLang(facts?.data_subject_categories, lang),
    data: r.personalDataCategories || inLang(facts?.personal_data_categories, lang),
  };
}
