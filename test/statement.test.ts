/**
 * The statements a processor sends (issue 20), from real runs of the CLI on a generated Itell tree:
 * every Art. 33(3) item in both languages with the facts given and "to be completed" without them;
 * nothing of the processor's machine or its other customers in a controller's statement; hostile names
 * as text (HTML and the CSS of the print margins); the workbook's cells equal to the JSON's, typed; a
 * bad facts file is one line and exit 2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CONTROLLERS, UNREGISTERED, generateItell, itellArgs, type Generated } from './fixtures/itell.js';
import { htmlText, runCli, tempDir } from './helpers.js';
import { readXlsx, type Cell } from './xlsx-read.js';
import { en } from '../src/report/lang/en.js';
import { sv } from '../src/report/lang/sv.js';
import { cssString } from '../src/report/write/statement/page.js';
import { MAX_FACTS_BYTES } from '../src/report/notify/facts.js';
import { INDEX_JSON } from '../src/report/output/statements-folder.js';

/** the CSS-breaking name: it ends a CSS string, the rule and the <style> element if not escaped */
const HOSTILE = 'Tand "}</style><script>alert(2)</script> =cmd AB';

const FACTS = `
tree_name = { sv = "kopian från Itells server", en = "the copy from Itell's server" }
consequences = { sv = "Samtal kan ha lyssnats på av obehöriga.", en = "Calls may have been listened to by unauthorised people." }
data_subject_categories = "callers (default)"
personal_data_categories = "voice recordings (default)"
advice_to_data_subjects = { sv = "Var vaksam på samtal som utger sig för att vara från oss.", en = "Be wary of calls claiming to be from us." }

[processor]
name = "Itell Call Center AB"
org_id = "556999-1234"
contact = "incident@itell.example, +46 8 123 456"
dpo = "Dana Dataskydd, dpo@itell.example"

[notification]
kind = "follow-up"
earlier_reference = "IMY-2019-0042"
earlier_date = 2019-02-19T16:00:00+01:00

[breach]
nature = { sv = "En säkerhetskopia låg öppen på en webbserver.", en = "A backup lay open on a web server." }
how_found = "A researcher wrote to us."
discovered = 2019-02-18T09:30:00+01:00
exposure_start = 2019-01-05T00:00:00+01:00
exposure_end = 2019-02-18T11:00:00+01:00
unintelligible = false
unintelligible_how = "not encrypted"

[measures]
taken = "The server was taken off the net."
proposed = "Backups encrypted from now on."
`;

let g: Generated;
let dir: string;
const html = (sub: string, file: string): string => readFileSync(join(dir, sub, file), 'utf8');
/** the text a reader sees: tags removed, entities read, white space as one space */
const textOf = (h: string): string => htmlText(h);

function run(name: string, extra: string[]): void {
  // the Itell command line with r2.csv as its register (an option given twice is refused: exit 2)
  const args = itellArgs(g);
  args[args.indexOf('--register') + 1] = join(dir, 'r2.csv');
  const r = runCli([...args, ...extra, '--statements', join(dir, name)]);
  if (r.status !== 0) throw new Error(`leaktally failed (${r.status}): ${r.stderr}`);
}

beforeAll(() => {
  dir = tempDir();
  g = generateItell(dir);
  // the generated register with the new category columns (Acme's own; the rest take the facts' default)
  // and one controller renamed to a name that breaks HTML, CSS and spreadsheets
  const reg = readFileSync(g.register, 'utf8')
    .replace('retention_days,categories', 'retention_days,data_subject_categories,personal_data_categories')
    .replace(/,voice; health data/g, ',,')
    .replace(/(0812345001,Acme Försäkring AB,[^,]*,[^,]*,[^,]*),,/, '$1,policy holders,voice; health data')
    .replaceAll('Tandläkarna Syd', `"${HOSTILE.replace(/"/g, '""')}"`);
  // every key of the tree assigned (a register that leaves keys out makes every controller's figures
  // lower bounds: notify.test.ts), so that the statements answer the form as for a complete run
  const unknown = UNREGISTERED.map((k) => `${k},Okänd kund ${k},,,,,\r\n`).join('');
  writeFileSync(join(dir, 'r2.csv'), reg + unknown);
  writeFileSync(join(dir, 'facts.toml'), FACTS);
  run('en', ['--facts', join(dir, 'facts.toml'), '--json', join(dir, 'en.json'), '--xlsx', join(dir, 'en.xlsx')]);
  run('sv', ['--facts', join(dir, 'facts.toml'), '--lang', 'sv', '--xlsx', join(dir, 'sv.xlsx')]);
  run('bare', []);
}, 180_000);

/** Each Art. 33(3) item: its heading or label, and the fact's words, per language. */
const ITEMS = (L: typeof en, lang: 'sv' | 'en'): [string, string][] => [
  [L.statement.kindLabel, L.statement.followUp],
  [L.statement.earlierRef, 'IMY-2019-0042'],
  [L.statement.earlierDate, '2019-02-19 16:00'],
  [L.statement.controller, 'Acme Försäkring AB'],
  [L.statement.orgId, '556000-0001'],
  [L.statement.processor, 'Itell Call Center AB'],
  [L.statement.processorOrgId, '556999-1234'],
  [L.statement.processorContact, 'incident@itell.example'],
  [L.statement.dpo, 'Dana Dataskydd'],
  [L.statement.nature, lang === 'sv' ? 'En säkerhetskopia låg öppen' : 'A backup lay open'],
  [L.statement.howFound, 'A researcher wrote to us.'],
  [L.statement.discovered, '2019-02-18 09:30'],
  [L.statement.exposure, '2019-01-05 00:00'],
  [L.statement.unintelligible, L.statement.unintelligibleNo],
  [L.statement.unintelligible, 'not encrypted'],
  [L.statement.subjectCategories, 'policy holders'],
  [L.statement.subjectsNumber, ''],
  [L.statement.precisionLabel, L.precision.approximate],
  [L.statement.byCountry, lang === 'sv' ? 'Sverige (SE)' : 'Sweden (SE)'],
  [L.statement.dataCategories, 'voice; health data'],
  [L.statement.recordings, ''],
  [L.statement.recordingsPrecision, L.precision.exact],
  [L.statement.hours, ''],
  [L.statement.period, ''],
  [L.statement.codecs, ''],
  [L.statement.unreadableFiles, ''],
  [L.statement.pastRetention, ''],
  [L.statement.oldestPast, ''],
  [L.statement.completeness, ''],
  [L.statement.consequences, lang === 'sv' ? 'obehöriga' : 'unauthorised people'],
  [L.statement.measuresTaken, 'taken off the net'],
  [L.statement.measuresProposed, 'Backups encrypted'],
  [L.statement.advice, lang === 'sv' ? 'Var vaksam' : 'Be wary'],
  [L.statement.contactPoint, ''],
  [L.statement.method, lang === 'sv' ? 'kopian från Itells server' : "the copy from Itell's server"],
  [L.statement.chart, ''],
];

describe('a controller statement answers the form', () => {
  it.each([
    ['en', en],
    ['sv', sv],
  ] as const)('every Art. 33(3) item, with the facts given (%s)', (lang, L) => {
    const t = textOf(html(lang, 'Acme Försäkring AB.html'));
    for (const [label, value] of ITEMS(L, lang)) {
      expect(t, label).toContain(label);
      if (value) expect(t, `${label}: ${value}`).toContain(value);
    }
    expect(html(lang, 'Acme Försäkring AB.html')).not.toContain('class="tbc"'); // nothing left to complete
    const acme = g.expected.get('Acme Försäkring AB')!;
    const fmt = new Intl.NumberFormat(L.numberLocale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    // the audio in seconds as the language writes it (9 622,5 / 9,622.5)
    expect(t).toContain(fmt.format(acme.micros / 1e6).replace(/\s/g, ' '));
    expect(html(lang, 'Acme Försäkring AB.html')).toContain(`<html lang="${lang}">`);
  });
  it.each([
    ['en', en],
    ['sv', sv],
  ] as const)('without a facts file: every fact is "to be completed", nothing invented (%s)', (lang, L) => {
    if (lang === 'sv') run('bare-sv', ['--lang', 'sv']);
    const t = textOf(html(lang === 'sv' ? 'bare-sv' : 'bare', 'Bilverkstan i Norr AB.html'));
    const tbc = (label: string): void => {
      const at = t.indexOf(label);
      expect(at, label).toBeGreaterThan(-1);
      expect(t.slice(at + label.length, at + label.length + L.tbc.length + 2), label).toContain(L.tbc);
    };
    for (const label of [
      L.statement.kindLabel,
      L.statement.processor,
      L.statement.processorContact,
      L.statement.dpo,
      L.statement.nature,
      L.statement.howFound,
      L.statement.discovered,
      L.statement.exposure,
      L.statement.unintelligible,
      L.statement.subjectCategories,
      L.statement.dataCategories,
      L.statement.measuresTaken,
      L.statement.measuresProposed,
      L.statement.advice,
    ])
      tbc(label);
    expect(t).toContain(L.treeDefault);
    // the figures are still there
    expect(t).toContain(L.statement.recordings);
    expect(t).not.toContain(L.statement.earlierRef);
  });
});

describe("a controller's statement tells nothing of the processor's machine or other customers", () => {
  it.each(['en', 'sv', 'bare'])('no path, command line, register size or other controller (%s)', (sub) => {
    // the controllers' pages: not the processor's two, nor the folder's own index of what it wrote
    const files = readdirSync(join(dir, sub)).filter(
      (f) => f !== 'index.html' && f !== 'method.html' && f !== INDEX_JSON,
    );
    expect(files.length).toBe(CONTROLLERS.length + 2);
    const others = CONTROLLERS.map((c) => (c.controller === 'Tandläkarna Syd' ? HOSTILE : c.controller)).filter(
      (c) => c.length > 3, // "CON" is a word inside others
    );
    for (const f of files) {
      const raw = html(sub, f);
      const t = textOf(raw);
      for (const bad of [
        dir,
        g.root,
        'r2.csv',
        'facts.toml',
        '--pattern',
        '--register',
        'leaktally --',
        '/tmp/',
        PATTERNISH,
      ])
        expect(t, `${f}: ${bad}`).not.toContain(bad);
      expect(t, f).not.toMatch(/\b\d+ (rows|rader)\b|\b\d+ (controllers|personuppgiftsansvariga)\b/);
      const own = others.filter((c) => t.includes(c));
      expect(own.length, `${f} names ${own.join(', ')}`).toBeLessThanOrEqual(1);
    }
    // the processor's pages do have them
    expect(textOf(html(sub, 'method.html'))).toContain(g.root);
    expect(textOf(html(sub, 'method.html'))).toContain('--register');
  });
});
const PATTERNISH = '{customer}';

describe('hostile names are text', () => {
  it('in the HTML, the title and the print margin (CSS)', () => {
    const file = readdirSync(join(dir, 'en')).find((f) => f.startsWith('Tand '))!;
    expect(file).toMatch(/^[^<>"/]+\.html$/);
    const raw = html('en', file);
    expect(textOf(raw)).toContain(HOSTILE);
    expect(raw).not.toContain('<script>');
    expect(raw.match(/<\/style>/g)).toHaveLength(1);
    // the name in the margin box is all escapes: nothing in it can end the string, the rule or the element
    expect(raw).toContain(`@top-left { content: ${cssString(HOSTILE)}; }`);
    expect(cssString(HOSTILE)).toMatch(/^"[A-Za-z0-9\\]*"$/);
    expect(cssString('a"}')).toBe('"a\\000022\\00007D"');
    const index = html('en', 'index.html');
    expect(index).not.toContain('<script>');
    expect(textOf(index)).toContain(HOSTILE);
  });
});

describe('the workbook', () => {
  type Row = Record<string, unknown> & { subjects: { min: number; max: number; precision: string; method: string } };
  let json: { customers: Row[] };
  let wb: ReturnType<typeof readXlsx>;
  beforeAll(() => {
    json = JSON.parse(readFileSync(join(dir, 'en.json'), 'utf8')) as typeof json;
    wb = readXlsx(readFileSync(join(dir, 'en.xlsx')));
  });
  const sheet = (name: string): Map<string, Cell> => wb.cells.get(name)!;
  /** the sheet as rows of cells keyed by their heading */
  const table = (s: Map<string, Cell>): Map<string, Cell | undefined>[] => {
    const cols = new Map<string, string>();
    for (const [ref, c] of s) if (/^[A-Z]+1$/.test(ref)) cols.set(ref.replace(/\d+$/, ''), String(c.value));
    const rows = new Map<number, Map<string, Cell | undefined>>();
    for (const [ref, c] of s) {
      const n = Number(ref.replace(/^[A-Z]+/, ''));
      if (n === 1) continue;
      const row = rows.get(n) ?? new Map<string, Cell | undefined>();
      row.set(cols.get(ref.replace(/\d+$/, ''))!, c);
      rows.set(n, row);
    }
    return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  };
  const C = en.workbook.col;

  it('has every sheet, headings in the language, no formula', () => {
    expect(wb.sheets).toEqual(['Summary', 'Months', 'Countries', 'Facts', 'Method']);
    expect(wb.formulas).toBe(0);
    const svb = readXlsx(readFileSync(join(dir, 'sv.xlsx')));
    expect(svb.sheets).toEqual(['Sammanställning', 'Månader', 'Länder', 'Fakta', 'Metod']);
    expect(svb.cells.get('Sammanställning')!.get('A1')).toEqual({ type: 'text', value: sv.workbook.col.customer });
  });

  it("every row's cells equal the JSON's values, typed", () => {
    const rows = table(sheet('Summary'));
    let checked = 0;
    for (const j of json.customers) {
      const w = rows.find((r) => r.get(C.customer)?.value === j.customer)!;
      expect(w, String(j.customer)).toBeDefined();
      const num = (col: string, v: unknown): void => {
        if (v === null || v === undefined) expect(w.get(col), `${col} of ${String(j.customer)}`).toBeUndefined();
        else expect(w.get(col), `${col} of ${String(j.customer)}`).toEqual({ type: 'number', value: v });
      };
      const txt = (col: string, v: unknown): void => {
        if (v === null || v === '') expect(w.get(col), `${col} of ${String(j.customer)}`).toBeUndefined();
        else expect(w.get(col), `${col} of ${String(j.customer)}`).toEqual({ type: 'text', value: v });
      };
      for (const [col, key] of [
        [C.files, 'files'],
        [C.audio_files, 'audio_files'],
        [C.other_files, 'other_files'],
        [C.unreadable_files, 'unreadable_files'],
        [C.bytes, 'bytes'],
        [C.distinct_callers, 'distinct_callers'],
        [C.withheld_caller_calls, 'withheld_caller_calls'],
        [C.past_retention_files, 'past_retention_files'],
        [C.hard_links, 'hard_links'],
        [C.sparse_files, 'sparse_files'],
        [C.unreadable_folders, 'unreadable_folders'],
        [C.retention_days, 'retention_days'],
      ] as const)
        num(col, j[key]);
      // seconds are the exact value (the format shows one decimal)
      expect(w.get(C.audio_seconds)!.value as number).toBeCloseTo(j.audio_seconds as number, 6);
      if (j.past_retention_seconds !== null)
        expect(w.get(C.past_retention_seconds)!.value as number).toBeCloseTo(j.past_retention_seconds as number, 6);
      num(C.subjects_min, j.subjects.min);
      num(C.subjects_max, j.subjects.max);
      txt(C.subjects_precision, j.subjects.precision);
      txt(C.subjects_method, j.subjects.method);
      txt(C.controller, j.controller);
      txt(C.org_id, j.org_id);
      txt(C.contact, j.contact);
      txt(C.completeness, j.completeness);
      txt(C.data_subject_categories, j.data_subject_categories);
      txt(C.personal_data_categories, j.personal_data_categories);
      txt(C.first_recording_text, j.first_recording);
      txt(C.last_recording_text, j.last_recording);
      txt(C.oldest_past_retention_text, j.oldest_past_retention);
      expect(w.get(C.kind)?.value).toBe(en.kind[j.kind as keyof typeof en.kind]);
      // a date cell: the wall clock of the zoned text
      for (const [date, text] of [
        [C.first_recording, j.first_recording],
        [C.oldest_past_retention, j.oldest_past_retention],
      ] as const) {
        if (!text) continue;
        const m = /^(.{19})([+-]\d\d):(\d\d)$/.exec(text as string)!;
        const wall = Date.parse(`${m[1]}Z`);
        expect(w.get(date)!.type).toBe('date');
        expect(w.get(date)!.value as number).toBeCloseTo(wall / 86_400_000 + 25569, 6);
      }
      if (j.callers_deduplicated !== undefined && j.distinct_callers !== null)
        expect(w.get(C.callers_deduplicated)).toEqual({ type: 'text', value: j.callers_deduplicated ? en.yes : en.no });
      checked++;
    }
    expect(checked).toBe(json.customers.length);
    // the register's categories for Acme, the facts' default for the others
    expect(json.customers[0]!.personal_data_categories).toBe('voice; health data');
    expect(json.customers[1]!.personal_data_categories).toBe('voice recordings (default)');
  });

  it('callers by country as a sheet, equal to the JSON', () => {
    const rows = table(sheet('Countries'));
    for (const j of json.customers) {
      const byCountry = (j.callers_by_country ?? {}) as Record<string, number>;
      const got = Object.fromEntries(
        rows
          .filter((r) => r.get(C.customer)?.value === j.customer)
          .map((r) => [r.get(C.country)!.value, r.get(C.callers)!.value]),
      );
      expect(got, String(j.customer)).toEqual(byCountry);
    }
  });

  it('numbers formatted by magnitude; the facts on their own sheet, dates as dates', () => {
    // the formats of Acme's row (row 2) by heading
    const heads = new Map(
      [...sheet('Summary')].filter(([r]) => /^[A-Z]+1$/.test(r)).map(([r, c]) => [c.value, r.slice(0, -1)]),
    );
    const nf = wb.numberFormats.get('Summary')!;
    expect(nf.get(`${heads.get(C.audio_seconds)}2`)).toBe('#,##0.0');
    expect(nf.get(`${heads.get(C.audio_hours)}2`)).toBe('#,##0.00');
    expect(nf.get(`${heads.get(C.files)}2`)).toBe('#,##0');
    const facts = table(sheet('Facts'));
    const item = (label: string) => facts.find((r) => r.get(en.workbook.item)?.value === label)!;
    expect(item(en.workbook.facts.processor_name).get(en.workbook.value)).toEqual({
      type: 'text',
      value: 'Itell Call Center AB',
    });
    const disc = item(en.workbook.facts.discovered);
    expect(disc.get(en.workbook.value)!.type).toBe('date');
    expect(disc.get(en.workbook.asWritten)).toEqual({ type: 'text', value: '2019-02-18T09:30:00.000+01:00' });
    expect(item(en.workbook.facts.nature).get(en.workbook.value)!.value).toBe('A backup lay open on a web server.');
  });
});

describe('the facts file', () => {
  it('--facts-template prints a template that parses as "nothing given"', () => {
    const r = runCli(['--facts-template']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[breach]');
    const f = join(dir, 'template.toml');
    writeFileSync(f, r.stdout);
    run('tpl', ['--facts', f]);
    const t = textOf(html('tpl', 'Kommunen.html'));
    expect(t).toContain(`${en.statement.nature} ${en.tbc}`);
    expect(t).toContain(en.treeDefault);
  });
  it.each([
    ['unknown key', 'natur = "x"\n', /^leaktally: --facts: .*facts-bad\.toml: natur: unknown item/],
    ['misspelt table key', '[breach]\ndiscoverd = 2019-02-18T09:30:00+01:00\n', /breach\.discoverd: unknown item/],
    [
      'no offset',
      '[breach]\ndiscovered = 2019-02-18T09:30:00\n',
      /breach\.discovered: a date and time with its offset/,
    ],
    ['bad kind', '[notification]\nkind = "first"\n', /notification\.kind: "initial" or "follow-up"/],
    [
      'follow-up without reference',
      '[notification]\nkind = "follow-up"\n',
      /a follow-up names the earlier notification/,
    ],
    ['not TOML', 'nature = "unclosed\n', /facts-bad\.toml line 1: /],
    ['a language not known', 'consequences = { de = "x" }\n', /consequences: a text, or one per language/],
  ])('%s: exit 2, one line', (_, text, msg) => {
    const f = join(dir, 'facts-bad.toml');
    writeFileSync(f, text);
    const r = runCli([...itellArgs(g), '--facts', f, '--csv', '-']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
  it.each([
    // /dev/zero was read until the process held 8.5 GB (attack round 3); a FIFO with no writer held the run
    ['a device that never ends', () => '/dev/zero', /--facts: \/dev\/zero is not a regular file/],
    [
      'a FIFO with no writer',
      () => {
        const f = join(dir, 'facts.fifo');
        if (!existsSync(f)) expect(spawnSync('mkfifo', [f]).status).toBe(0);
        return f;
      },
      /facts\.fifo is not a regular file/,
    ],
    [
      'more than 1 MiB',
      () => {
        const f = join(dir, 'facts-huge.toml');
        writeFileSync(f, `consequences = """${'x'.repeat(MAX_FACTS_BYTES)}"""\n`);
        return f;
      },
      /facts-huge\.toml: more than 1 MiB/,
    ],
    [
      'not UTF-8 (a Latin-1 å would reach every statement as U+FFFD)',
      () => {
        const f = join(dir, 'facts-latin1.toml');
        writeFileSync(f, Buffer.from('tree_name = "V\xe5rdcentralen"\n', 'latin1'));
        return f;
      },
      /facts-latin1\.toml: not UTF-8 text/,
    ],
  ])('%s: exit 2, one line, before the scan', (_, make, msg) => {
    const r = runCli([...itellArgs(g), '--facts', make(), '--csv', '-'], { timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
  it('--lang other than sv or en: exit 2', () => {
    const r = runCli([...itellArgs(g), '--lang', 'de', '--csv', '-']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--lang must be sv or en, not "de"/);
  });
});
