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
const CP1252_HIGH = Array.from({ length: 128 }, (_, i) => decodeCp1252(Uint8Array.of(0x80 + i)));
const FROM_1252 = byteTable(CP1252_HIGH);
// Latin-1's C1 controls: Windows writes CP1252's five unassigned bytes as them
for (let b = 0x80; b < 0xa0; b++) FROM_1252.set(String.fromCharCode(b), b);

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

/** The name's bytes: leaktally shows bytes that are not UTF-8 as \xHH (and then a backslash as \\). */
function escapedBytes(name: string): Uint8Array | undefined {
  if (!name.includes('\\x')) return undefined;
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < name.length;) {
    const m = /^\\\\|^\\x([0-9a-f]{2})/.exec(name.slice(i, i + 4));
    if (m) {
      out.push(m[1] ? parseInt(m[1], 16) : 0x5c);
      i += m[0].length;
    } else {
      const c = String.fromCodePoint(name.codePointAt(i)!);
      for (const b of enc.encode(c)) out.push(b);
      i += c.length;
    }
  }
  return Uint8Array.from(out);
}

const CP437 = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!)).join('');

/**
 * The name as the copy may have had it before it mangled it: each inverse that applies (and gives
 * something else). Only names with a byte or a character outside ASCII, or a percent escape, have any.
 */
function unmangled(name: string): string[] {
  const out: string[] = [];
  const raw = escapedBytes(name);
  if (raw) {
    // bytes that are not UTF-8: a DOS name (CP437) or a Windows one (CP1252; Latin-1 is the fold's)
    out.push(CP437(raw), decodeCp1252(raw));
  }
  if (!ASCII.test(name)) {
    // UTF-8 bytes read as CP1252 (or Latin-1), CP437 or CP850 and written again as UTF-8 (mojibake),
    // up to three times over (`FÃƒÂ¶rsÃƒÂ¤kring`: two round trips through a Windows tool; round 24c N2).
    // Each inverse applies only where the name is that page's characters and gives UTF-8 back, so the
    // forms are few (a name has at most a handful)
    let frontier = [name];
    for (let depth = 0; depth < 3 && frontier.length; depth++) {
      const next: string[] = [];
      for (const f of frontier)
        for (const table of [FROM_1252, FROM_437, FROM_850]) {
          const bytes = encodeSingle(f, table);
          const back = bytes && decodeUtf8(bytes);
          if (back !== undefined && back !== f && back !== name && !out.includes(back)) {
            out.push(back);
            if (!ASCII.test(back)) next.push(back);
          }
        }
      frontier = next;
    }
  }
  if (/%[0-9a-f]{2}/i.test(name)) {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (let i = 0; i < name.length;) {
      const m = /^%([0-9a-f]{2})/i.exec(name.slice(i, i + 3));
      if (m) {
        bytes.push(parseInt(m[1]!, 16));
        i += 3;
      } else {
        const c = String.fromCodePoint(name.codePointAt(i)!);
        for (const b of enc.encode(c)) bytes.push(b);
        i += c.length;
      }
    }
    const back = decodeUtf8(Uint8Array.from(bytes));
    out.push(back ?? decodeCp1252(Uint8Array.from(bytes)));
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
      .normalize('NFC');
  // (`/`, `:` and `\` cannot stand in a folder's name: a copy writes `A/S` as `A:S`, `A_S` or Samba's
  // private-use U+F02F, `Acme: Sales` as U+F03A: all read as a space; round 24c N2)
  loose = loose.replace(/[\s_./:\\\p{Pd}]+/gu, ' ').trim();
  // `&` written out, in the languages of the register's controllers (`Smith and Son`, `Bröderna och
  // Söner`; round 24c N2): one word between two others
  loose = loose.replace(/ (?:&|\+|and|och|und|og|et) (?=\S)/g, ' & ').replace(/(\S)&(?=\S)/g, '$1 & ');
  return /^\d+$/.test(loose) ? loose.replace(/^0+(?=\d)/, '') : loose;
}

/** a name that could be a phone number: digits (at least six), with the separators numbers are written with */
const PHONE_LIKE = /^\+?[\d\s().\-/_]+$/;

/**
 * The phone number a name writes, in E.164 (`+46812345001`), or undefined. Written nationally it is read
 * under `country` (`08-123 450 04` under SE); `00…` is the international prefix of most of the world,
 * and digits that begin with a calling code are read as international too (`46812345003`).
 */
function phoneOf(name: string, country: string | undefined): string[] {
  if (!PHONE_LIKE.test(name)) return [];
  // `+46 (0)8 …`: the trunk prefix written beside the calling code, which a number dialled from abroad
  // leaves out
  const written = name.trim().startsWith('+') ? name.replace(/\(\s*0\s*\)/, '') : name;
  const digits = written.replace(/\D/g, '');
  if (digits.length < 6) return [];
  const out = new Set<string>();
  const add = (raw: string, region?: string): void => {
    const k = normaliseCaller(raw, region);
    if (!k?.startsWith('+')) return;
    out.add(k);
    // and its national significant number, which is what a number written nationally with its trunk
    // prefix (`08-123 450 01`, `(08) 12345001`) is without the zeros: so `+46812345001` and
    // `0812345001` meet without --country (attack round 24c N3: they were "not affected" beside each
    // other unless --country was given, and nothing said so)
    const nsn = nationalNumber(k);
    if (nsn) out.add(nsn);
  };
  if (written.trim().startsWith('+')) add(`+${digits}`);
  else {
    if (country) add(name, country);
    if (digits.startsWith('00')) add(`+${digits.slice(2)}`);
    else if (!digits.startsWith('0')) add(`+${digits}`);
    // written nationally: its digits without the trunk prefix's zeros (the same form as above)
    else out.add(digits.replace(/^0+/, ''));
  }
  return [...out];
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
  const out = Object.freeze([...set].filter((s) => s !== ''));
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(id, out);
  return out;
}
