/**
 * The forms a copy of a tree gives a register key, folded back: each name's set of loose skeletons,
 * which the look-alike rule (completeness.ts) compares. Two names are alike when their sets meet.
 *
 * Attack round 24b C4: round 23's one loose form (case, spaces, NFKC, invisible characters, trailing
 * dots, a dropped leading zero) left these keys' controllers "not affected" beside their own folders:
 *  - a customer line in another phone form: `+46812345001`, `0046812345002`, `46812345003`,
 *    `08-123 450 04`, `(08) 12345007` for the key `0812345001`…: compared by the number's E.164 form
 *    (libphonenumber, under --country for a number written nationally);
 *  - a name mangled by the copy: UTF-8 read as CP1252 and written again (`FÃ¶rsÃ¤kring` for
 *    `Försäkring`, a copy through a Windows tool), a zip's CP437 names unpacked on Linux
 *    (`Tandl├ñkarna`), CP437 or CP1252 bytes kept as they were (`Tandl\x84karna`), percent escapes kept
 *    by a mirror of a web server (`%C3%85keri%20%C3%96st`): each has one mechanical inverse, tried;
 *  - accents stripped by an ASCII-only copy (`Forsakring Vast`), capitals of a DOS/FAT copy with
 *    `ß` as `SS` (`STRASSE`: toLowerCase gives `strasse`, not `straße`), and `_`, `-`, `.` for a space
 *    (wget --restrict-file-names, zip tools, scripts): folded away in every skeleton.
 * Matching stays exact: a look-alike only makes a key's row incomplete and names the look-alike.
 */
import { isUtf8 } from 'node:buffer';
import { nationalNumber, normaliseCaller } from '../../scan/place/phone.js';
import { decodeCp1252 } from '../../scan/place/names.js';

const ASCII = /^[\u0000-\u007f]*$/;

/** CP437's characters for the bytes 0x80–0xFF (the DOS code page zip tools write names in) */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const utf8 = new TextDecoder('utf-8');

/** a character → its byte in a single-byte code page (ASCII as itself) */
function byteTable(high: string[]): Map<string, number> {
  const t = new Map<string, number>();
  high.forEach((c, i) => t.set(c, 0x80 + i));
  return t;
}
const FROM_437 = byteTable(Array.from(CP437_HIGH));
/** CP850's (the West-European DOS page: `é` `ø` `Ø` where CP437 has `₧` `¢` `¥`): a zip unpacked as CP850 (round 24c N2) */
const CP850_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';
const FROM_850 = byteTable(Array.from(CP850_HIGH));
/** Mac OS Roman's (`F√∂rs√§kring`: UTF-8 read by a Mac tool) and Windows-1250's (`FĂ¶rsĂ¤kring`: Central
 * European Windows; its five unassigned bytes as Latin-1's C1 controls): round 25b M2 */
const FROM_MAC = byteTable(
  Array.from(
    '\u00c4\u00c5\u00c7\u00c9\u00d1\u00d6\u00dc\u00e1\u00e0\u00e2\u00e4\u00e3\u00e5\u00e7\u00e9\u00e8\u00ea\u00eb\u00ed\u00ec\u00ee\u00ef\u00f1\u00f3\u00f2\u00f4\u00f6\u00f5\u00fa\u00f9\u00fb\u00fc\u2020\u00b0\u00a2\u00a3\u00a7\u2022\u00b6\u00df\u00ae\u00a9\u2122\u00b4\u00a8\u2260\u00c6\u00d8\u221e\u00b1\u2264\u2265\u00a5\u00b5\u2202\u2211\u220f\u03c0\u222b\u00aa\u00ba\u03a9\u00e6\u00f8' +
      '\u00bf\u00a1\u00ac\u221a\u0192\u2248\u2206\u00ab\u00bb\u2026\u00a0\u00c0\u00c3\u00d5\u0152\u0153\u2013\u2014\u201c\u201d\u2018\u2019\u00f7\u25ca\u00ff\u0178\u2044\u20ac\u2039\u203a\ufb01\ufb02\u2021\u00b7\u201a\u201e\u2030\u00c2\u00ca\u00c1\u00cb\u00c8\u00cd\u00ce\u00cf\u00cc\u00d3\u00d4\uf8ff\u00d2\u00da\u00db\u00d9\u0131\u02c6\u02dc\u00af\u02d8\u02d9\u02da\u00b8\u02dd\u02db\u02c7',
  ),
);
const FROM_1250 = byteTable(
  Array.from(
    '\u20ac\u0081\u201a\u0083\u201e\u2026\u2020\u2021\u0088\u2030\u0160\u2039\u015a\u0164\u017d\u0179\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u0098\u2122\u0161\u203a\u015b\u0165\u017e\u017a\u00a0\u02c7\u02d8\u0141\u00a4\u0104\u00a6\u00a7\u00a8\u00a9\u015e\u00ab\u00ac\u00ad\u00ae\u017b\u00b0\u00b1\u02db\u0142\u00b4\u00b5\u00b6\u00b7\u00b8\u0105\u015f\u00bb\u013d\u02dd\u013e\u017c' +
      '\u0154\u00c1\u00c2\u0102\u00c4\u0139\u0106\u00c7\u010c\u00c9\u0118\u00cb\u011a\u00cd\u00ce\u010e\u0110\u0143\u0147\u00d3\u00d4\u0150\u00d6\u00d7\u0158\u016e\u00da\u0170\u00dc\u00dd\u0162\u00df\u0155\u00e1\u00e2\u0103\u00e4\u013a\u0107\u00e7\u010d\u00e9\u0119\u00eb\u011b\u00ed\u00ee\u010f\u0111\u0144\u0148\u00f3\u00f4\u0151\u00f6\u00f7\u0159\u016f\u00fa\u0171\u00fc\u00fd\u0163\u02d9',
  ),
);
const CP1252_HIGH = Array.from({ length: 128 }, (_, i) => decodeCp1252(Uint8Array.of(0x80 + i)));
const FROM_1252 = byteTable(CP1252_HIGH);
// Latin-1's C1 controls: Windows writes CP1252's five unassigned bytes as them
for (let b = 0x80; b < 0xa0; b++) FROM_1252.set(String.fromCharCode(b), b);

/** the pages UTF-8 is read as by a copy that garbles names, tried in turn (unmangled) */
const PAGES = [FROM_1252, FROM_437, FROM_850, FROM_MAC, FROM_1250];

/** The name's characters as bytes of a single-byte code page, or undefined when one is not in it. */
function encodeSingle(name: string, table: Map<string, number>): Uint8Array | undefined {
  const out: number[] = [];
  for (const c of name) {
    const cp = c.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else {
      const b = table.get(c);
      if (b === undefined) return undefined;
      out.push(b);
    }
  }
  return Uint8Array.from(out);
}

/** bytes as UTF-8, or undefined when they are not (checked natively: a fatal decoder's throw cost ~40 µs a name) */
const decodeUtf8 = (bytes: Uint8Array): string | undefined => (isUtf8(bytes) ? utf8.decode(bytes) : undefined);

/** a hex digit's value, or -1 */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/**
 * The name's UTF-8 bytes with its escapes undone: `\xHH` (and `\\`, leaktally's way of showing bytes
 * that are not UTF-8) when `backslash`, else `%HH` (a web server's). Worked on the bytes in one pass:
 * the escapes are ASCII, so they cannot be part of another character's bytes. Before, a regex on a
 * slice and a TextEncoder a character: ~1 ms for a hostile 252-byte name, 18 s more for 20,000 such
 * folders against a 60,000-key register (attack round 25a H3).
 */
function unescaped(name: string, backslash: boolean): Uint8Array {
  const b = Buffer.from(name, 'utf8');
  const out = new Uint8Array(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (backslash && c === 0x5c) {
      if (b[i + 1] === 0x5c) {
        out[n++] = 0x5c;
        i++;
        continue;
      }
      if (b[i + 1] === 0x78) {
        const h = hexValue(b[i + 2] ?? 0);
        const l = hexValue(b[i + 3] ?? 0);
        if (h >= 0 && l >= 0) {
          out[n++] = (h << 4) | l;
          i += 3;
          continue;
        }
      }
    } else if (!backslash && c === 0x25) {
      const h = hexValue(b[i + 1] ?? 0);
      const l = hexValue(b[i + 2] ?? 0);
      if (h >= 0 && l >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

const CP437 = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!)).join('');

/**
 * The name as the copy may have had it before it mangled it: each inverse that applies (and gives
 * something else). Only names with a byte or a character outside ASCII, or a percent escape, have any.
 */
function unmangled(name: string): string[] {
  const out: string[] = [];
  const raw = name.includes('\\x') ? unescaped(name, true) : undefined;
  if (raw) {
    // bytes that are not UTF-8: a DOS name (CP437) or a Windows one (CP1252; Latin-1 is the fold's)
    out.push(CP437(raw), decodeCp1252(raw));
  }
  if (!ASCII.test(name)) {
    // UTF-8 bytes read as CP1252 (or Latin-1), CP437 or CP850 and written again as UTF-8 (mojibake),
    // up to four times over (`FÃƒÂ¶rsÃƒÂ¤kring`: two round trips through a Windows tool; round 24c N2).
    // Each inverse applies only where the name is that page's characters and gives UTF-8 back, so the
    // forms are few (a name has at most a handful)
    let frontier = [name];
    for (let depth = 0; depth < 4 && frontier.length; depth++) {
      const next: string[] = [];
      for (const f of frontier)
        for (const table of PAGES) {
          const bytes = encodeSingle(f, table);
          const back = bytes && decodeUtf8(bytes);
          // Windows-1252 bytes shown in a DOS page and written again (`F÷rsΣkring`: a zip whose tool
          // wrote ANSI names, unpacked by Info-ZIP): the bytes are no UTF-8; read as CP1252 (round 25b M2)
          if (bytes && back === undefined && depth === 0 && (table === FROM_437 || table === FROM_850)) {
            const ansi = decodeCp1252(bytes);
            if (ansi !== name && !out.includes(ansi)) out.push(ansi);
          }
          if (back !== undefined && back !== f && back !== name && !out.includes(back)) {
            out.push(back);
            if (!ASCII.test(back)) next.push(back);
          }
        }
      frontier = next;
    }
  }
  if (/%[0-9a-f]{2}/i.test(name)) {
    const bytes = unescaped(name, false);
    out.push(decodeUtf8(bytes) ?? decodeCp1252(bytes));
  }
  return out;
}

/**
 * A name as a person would match it: \xHH escapes (bytes that are not UTF-8) read as Latin-1, format
 * characters a person cannot see dropped (\p{Cf}: zero-width spaces and joiners, word joiner, BOM, soft
 * hyphen, the bidi marks and controls), full case folding (upper then lower case: `ß` and `SS` alike),
 * compatibility forms folded and accents stripped (NFKD without its combining marks), runs of spaces,
 * `_`, dashes and dots read as one space, trimmed (Windows drops trailing dots from a folder's name), and
 * a name of digits without its leading zeros (a register saved from Excel loses them). Attack round 23b
 * C3/H1: a folder `k2\u200B`, `\u202Ek6`, `k4.` or `0812345007` left the key `k2`, `k6`, `k4` or
 * `812345007` "not affected"; round 24b C4: `STRASSE`, `Forsakring Vast`, `Acme_Forsakring_AB`.
 */
const TRANSLIT: Record<string, string> = {
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ı: 'i',
  ŧ: 't',
  ħ: 'h',
  ŋ: 'n',
  ĸ: 'k',
  œ: 'oe',
  æ: 'ae',
  þ: 'th',
};

export function foldName(name: string): string {
  let loose = name
    .replace(/\\\\|\\x([0-9a-f]{2})/g, (m: string, hex?: string) =>
      hex ? String.fromCharCode(parseInt(hex, 16)) : '\\',
    )
    // Samba's private-use stand-ins for the characters Windows refuses (U+F001-U+F07F for 0x01-0x7F),
    // and apostrophes of every kind dropped (`O’Brien`, `O´Brien` and `O'Brien` alike; round 24c N2)
    .replace(/[\uF001-\uF07F]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xf000))
    .replace(/['`\u2018\u2019\u02BC\u00B4]/g, '')
    .toUpperCase()
    .toLowerCase();
  // (an ASCII name has no format character, compatibility form or mark: most names, ~4x faster)
  if (!ASCII.test(loose))
    loose = loose
      .replace(/\p{Cf}/gu, '')
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .normalize('NFC')
      // the letters NFKD leaves whole (no combining mark to strip), as an ASCII-only copy writes them
      // (`iconv -t ascii//TRANSLIT`, unidecode): `Østergaard Tandlæger` → `Ostergaard Tandlaeger`,
      // `Łódź` → `Lodz`, `Þorsson` → `THorsson` (attack round 25a C1)
      .replace(/[øłđðıŧħŋĸœæþ]/g, (c) => TRANSLIT[c]!);
  // (`/`, `:` and `\` cannot stand in a folder's name: a copy writes `A/S` as `A:S`, `A_S` or Samba's
  // private-use U+F02F, `Acme: Sales` as U+F03A: all read as a space; round 24c N2)
  // (and `? " * < > |`, which Windows refuses too, a copy tool writes as `_`: `Who? AB`, `Who_ AB`;
  // round 25a C1)
  loose = loose.replace(/[\s_./:\\?"*<>|\p{Pd}]+/gu, ' ').trim();
  // `&` written out, in the languages of the register's controllers (`Smith and Son`, `Bröderna och
  // Söner`; round 24c N2): one word between two others
  loose = loose.replace(/ (?:&|\+|and|och|und|og|et) (?=\S)/g, ' & ').replace(/(\S)&(?=\S)/g, '$1 & ');
  return /^\d+$/.test(loose) ? loose.replace(/^0+(?=\d)/, '') : loose;
}

/**
 * a name that could be a phone number: digits (at least six), with the separators numbers are written
 * with (every dash: Word turns `-` into an en dash, and U+2011 is a non-breaking one; a no-break space),
 * a `+` first or in brackets (`(+46) 8 …`), and a `.0` a spreadsheet's float column added
 */
const PHONE_LIKE = /^[+\d\s().\-/_\p{Pd}\u00a0]+$/u;

/**
 * The phone number a name writes, as every form another way of writing it can meet: its E.164
 * (`+46812345001`) and its national significant number, for an international one; for one written
 * nationally, its digits as they are and without what a trunk prefix may be (`0…`, Hungary's `06`,
 * Russia's `8`, NANP's `1`), since the national form of a country with no trunk prefix is the NSN
 * itself (Norway's `22 12 34 56` for `+4722123456`) and Italy's NSN keeps its `0` (`06 1234 5678`
 * for `+390612345678`). Under `country` a national number is read as that country's E.164 too;
 * `00…` is the international prefix of most of the world, and digits that begin with a calling code
 * are read as international too (`46812345003`). The forms are loose (two lines of different countries
 * can meet): a meeting only makes a key's row incomplete. Attack rounds 24c N3 and 25b C2: 16 of 19
 * controllers were "not affected" beside their own numbers written in another country's way.
 */
function phoneOf(name: string, country: string | undefined): string[] {
  // a spreadsheet's float (`812345014.0`, `4.6812345001E+10`: Excel) and a dialled `#` (round 25b M2)
  let text = name.trim().replace(/#$/, '');
  if (/^\d(?:\.\d+)?e\+\d{1,2}$/i.test(text) && Number(text) < 1e15) text = Number(text).toFixed(0);
  text = text.replace(/\.0+$/, '');
  if (!PHONE_LIKE.test(text)) return [];
  // `(+46) 8 …`: the calling code in brackets; `+46 (0)8 …`: the trunk prefix written beside the
  // calling code, which a number dialled from abroad leaves out
  const written = text.replace(/^\(\s*(\+\d{1,3})\s*\)/, '$1');
  const international = written.startsWith('+');
  const digits = (international ? written.replace(/\(\s*0\s*\)/, '') : written).replace(/\D/g, '');
  if (digits.length < 6) return [];
  const out = new Set<string>();
  const bare = (d: string): void => {
    if (d.length >= 6) out.add(d.replace(/^0+/, ''));
  };
  const add = (raw: string, region?: string, withNsn = true): void => {
    const k = normaliseCaller(raw, region);
    if (!k?.startsWith('+')) return;
    out.add(k);
    const nsn = nationalNumber(k);
    if (nsn && withNsn) bare(nsn);
  };
  if (international) add(`+${digits}`);
  else {
    if (country) add(name, country);
    if (digits.startsWith('00')) add(`+${digits.slice(2)}`);
    // (digits read as international only by a guess: their national number only when they are as long
    // as an international number written without its + (`46812345002`, 10 digits or more): 8-digit
    // customer numbers `82201846` and `46201846` met as `201846`, and with 20,000 of them every run had
    // false look-alikes: round 25c M2)
    else if (!digits.startsWith('0')) add(`+${digits}`, undefined, digits.length >= 10);
    bare(digits);
    if (digits.startsWith('06')) bare(digits.slice(2));
    if (digits.length === 11 && (digits.startsWith('8') || digits.startsWith('1'))) bare(digits.slice(1));
  }
  return [...out];
}

/** the German and Nordic way to write a letter without its marks: `Müller` as `Mueller`, `Søren` as `Soeren`, `Ålborg` as `Aalborg` */
const SPELLED_OUT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', å: 'aa', ø: 'oe' };

/** a copy's own rename of a folder it already had: Explorer's `X - Copy` (in the languages of its menus), `X (1)`, macOS's `X copy 2` */
const COPY_SUFFIX =
  /^(.+?)(?:\s*-\s*(?:copy|kopia|kopie|copie|kopi|kopio|copia)(?:\s*\(\d+\))?|\s+(?:copy|kopia|kopie)(?:\s+\d+)?|\s*\(\d+\))$/i;
/** an 8.3 short name (a FAT or DOS copy): up to 6 characters of the long one, `~` and a number */
const SHORT_NAME = /^([^~\s.]{1,6})~\d{1,6}$/;

/**
 * The forms a copy gives a whole name rather than its characters (attack round 25a C1, where each left
 * a key's controller "not affected" beside its folder): the name with its letters spelled out
 * (`Mueller` for `Müller`), without a copy's suffix (`Beta Vård - Copy`, `Gamma Tandvård (1)`,
 * `Delta Bygg copy`), and, for a name that is an 8.3 short name (`ACMEFO~1`), its stem (`~acmefo`),
 * which meets the stems of a key (shortStems), never a whole name.
 */
function copyForms(name: string): string[] {
  const out: string[] = [];
  if (/[äöüåø]/i.test(name))
    out.push(
      foldName(
        name.replace(/[äöüåø]/gi, (c) => {
          const l = SPELLED_OUT[c.toLowerCase()]!;
          return c === c.toLowerCase() ? l : l[0]!.toUpperCase() + l.slice(1);
        }),
      ),
    );
  // (white space runs as one space first: the lazy stem retried `\s*` over a run of spaces at every
  // position, 80,000 spaces 9.2 s: attack round 26b H5; foldName reads them as one anyway)
  const copy = COPY_SUFFIX.exec(name.trim().replace(/\s+/g, ' '));
  if (copy) out.push(foldName(copy[1]!));
  const short = SHORT_NAME.exec(name.trim());
  if (short) out.push(`~${short[1]!.toLowerCase()}`);
  // a name exactly as long as a copy cuts names: perhaps a cut one (cutForms)
  if (CUTS.includes(Array.from(name).length)) out.push(`^${foldName(name)}`);
  // its ASCII letters and digits alone: what is left of it after a copy that could not write a letter
  // wrote `_`, `?` or U+FFFD, or nothing (`Acme F_rs_kring AB`, `M?ller`, `Bjrn`, `BETA_V_RD` for
  // `Beta Vård`), or dropped a character no folder name holds (`Acme AS` for `Acme A/S`, `StarTel`
  // for `Star*Tel`): attack rounds 25b C5 and 25c C3 (at least four of them: shorter ones are too
  // common to tell anything)
  const bare = foldName(name.replace(/[^\x00-\x7f]/g, '')).replace(/[^a-z0-9]/g, '');
  if (bare.length >= 4 && !/^\d+$/.test(bare)) out.push(`!${bare}`);
  return out;
}

/**
 * The stems an 8.3 short name of this name could have (6 and, from `~10` on, 5 characters of its fold
 * without spaces and marks): a key's, looked for among folders named as short names (copyForms). Kept
 * out of skeletonsOf, so that two long names sharing five letters never meet.
 */
function shortStems(name: string): string[] {
  const stem = foldName(name).replace(/[^a-z0-9]/g, '');
  const out: string[] = [];
  if (stem.length >= 6) out.push(`~${stem.slice(0, 6)}`);
  if (stem.length >= 5) out.push(`~${stem.slice(0, 5)}`);
  else if (stem.length) out.push(`~${stem}`);
  return out;
}

/**
 * The lengths a copy cuts a name at: Joliet (ISO 9660 discs for Windows) keeps 64 UTF-16 units, classic
 * Mac volumes and some FTP and zip tools 31. A key longer than one met no folder holding its cut (an
 * 85-character key beside its 64-character folder: "not affected"; attack round 25d C3).
 */
const CUTS = [31, 64];

/** A key's cuts (for each length it is longer than, the fold of its first characters): met by a folder of exactly that length (copyForms). */
function cutForms(key: string): string[] {
  const chars = Array.from(key);
  return CUTS.filter((n) => chars.length > n).map((n) => `^${foldName(chars.slice(0, n).join(''))}`);
}

/** A register key's forms, looked up among the customers' (skeletonsOf): its own, the stems of its short names, and its cuts. */
export function keyForms(key: string, country?: string): readonly string[] {
  return [...skeletonsOf(key, country), ...shortStems(key), ...cutForms(key)];
}

/** skeletons by name and --country (a register's keys and a tree's folders repeat across the outputs) */
const memo = new Map<string, readonly string[]>();
const MEMO_MAX = 200_000;

/**
 * Every loose skeleton of a name: its fold, the fold of each form a copy could have mangled it from,
 * and the phone number it writes (E.164). A name's set holds its fold first.
 */
export function skeletonsOf(name: string, country?: string): readonly string[] {
  const id = `${country ?? ''}\0${name}`;
  const hit = memo.get(id);
  if (hit) return hit;
  const set = new Set<string>([foldName(name)]);
  for (const u of unmangled(name)) set.add(foldName(u));
  for (const p of phoneOf(name, country)) set.add(p);
  for (const c of copyForms(name)) set.add(c);
  const out = Object.freeze([...set].filter((s) => s !== ''));
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(id, out);
  return out;
}
