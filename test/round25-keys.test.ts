/**
 * Attack round 24c's look-alike forms that round 24 left, each on a tree made here and the built CLI:
 *  - N3: a key and its folder in national and international phone forms (`0812345001` beside
 *    `+46812345001`, `+46 (0)8 123 450 04` beside `0812345004`) met only under --country, and nothing
 *    said so: the controllers "not affected", exit 0, without it;
 *  - N2: names garbled twice (UTF-8 read as CP1252 twice), a zip unpacked as CP850, `&` written out;
 *  - round 25a C1: letters NFKD leaves whole as an ASCII-only copy writes them (ø æ ł đ þ), German and
 *    Nordic spellings (ü as ue), `? " * < > |` written `_`, a copy's renames (`- Copy`, `(1)`, `copy`)
 *    and 8.3 short names (`ACMEFO~1`);
 *  - and what N2 showed on Node 20: its TextDecoder('windows-1252') decodes 0x80–0x9F as Latin-1, so the
 *    CP1252 inverse missed `Ã–`, `Ã…`, `Ã„` (Ö, Å, Ä) there, and a folder named with such a byte was
 *    another customer on Node 20 than on Node 24.
 * Matching stays exact: each pair makes the key's row incomplete and names the look-alike.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, put, runCli, tempDir, wav } from './helpers.js';
import { looseNames } from '../src/report/notify/completeness.js';
import { keyForms } from '../src/report/notify/skeletons.js';
import { decodeName } from '../src/scan/place/names.js';

/** UTF-8 text read as `page` and written again as UTF-8, `times` over (what a copy through a tool does) */
function garbled(text: string, page: 'cp1252' | 'cp850', times = 1): string {
  const table =
    page === 'cp850'
      ? 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0'
      : // Windows-1252 as its code chart gives it (not a TextDecoder: Node 20's is Latin-1 at 0x80–0x9F)
        '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ' +
        Array.from({ length: 96 }, (_, i) => String.fromCharCode(0xa0 + i)).join('');
  let s = text;
  for (let t = 0; t < times; t++)
    s = Array.from(Buffer.from(s, 'utf8'), (b) => (b < 0x80 ? String.fromCharCode(b) : table[b - 0x80]!)).join('');
  return s;
}

const meet = (a: string, b: string, country?: string): boolean =>
  looseNames(a, country).some((f) => looseNames(b, country).includes(f));

const PAIRS: [string, string][] = [
  // [folder in the tree, register key]
  ['+46812345001', '0812345001'],
  ['46812345002', '0812345002'],
  ['0812345003', '+46812345003'],
  ['+46 (0)8 123 450 04', '0812345004'],
  ['08-123 450 05', '+46812345005'],
  // round 25b C2: other countries' national forms (no trunk prefix, Italy's 0 in the number, Hungary's
  // 06, Russia's 8, NANP), and Swedish ones written with an en dash, U+2011, (+46) or a float's .0
  ['22 12 34 56', '+4722123456'],
  ['912 345 678', '+34912345678'],
  ['06 1234 5678', '+390612345678'],
  ['+39 06 1234 5680', '0612345680'],
  ['06 1 234 5678', '+3612345678'],
  ['8 916 123-45-67', '+79161234567'],
  ['(212) 555-0101', '+12125550101'],
  ['(+46) 8 123 450 11', '+46812345011'],
  ['08\u2013123 450 12', '0812345012'],
  ['08\u2011123 450 13', '0812345013'],
  ['812345014.0', '0812345014'],
  // round 25b M2: Excel's float, a dialled #, Mac Roman and Windows-1250 mojibake, ANSI names shown in
  // a DOS page, four CP1252 round trips
  ['4.6812345021E+10', '+46812345021'],
  ['0046701234567#', '0701234567'],
  ['F√∂rs√§kring Syd', 'Försäkring Syd'],
  ['FĂ¶rsĂ¤kring Ost', 'Försäkring Ost'],
  ['F÷rsΣkring Mitt', 'Försäkring Mitt'],
  [garbled('Vårdcentral Norr', 'cp1252', 4), 'Vårdcentral Norr'],
  // round 25b C5 and 25c C3: a character no folder holds dropped; a letter a copy could not write
  // as _, ?, U+FFFD or nothing
  ['Acme AS', 'Acme A/S'],
  ['StarTel AB', 'Star*Tel AB'],
  ['Delta F_rs_kring AB', 'Delta Försäkring AB'],
  ['M?ller Tandvård', 'Müller Tandvård'],
  ['Bjrn Tannlege AS', 'Bjørn Tannlege AS'],
  ['Tandl\uFFFDkarna \uFFFDst', 'Tandläkarna Öst'],
  ['GAMMA_V_RD', 'Gamma Vård'],
  [garbled('Försäkring Nord', 'cp1252', 2), 'Försäkring Nord'],
  [garbled('Östra Åkeri Älvsjö', 'cp1252'), 'Östra Åkeri Älvsjö'],
  [garbled('Café Ørsted', 'cp850'), 'Café Ørsted'],
  [garbled('Tandläkare Öst', 'cp850'), 'Tandläkare Öst'],
  ['Smith and Son', 'Smith & Son'],
  ['Bröderna och Söner', 'Bröderna & Söner'],
  // round 25a C1: an ASCII-only copy's letters, Windows' refused characters as `_`, a copy's renames
  ['Ostergaard Tandlaeger', 'Østergaard Tandlæger'],
  ['Lodz Serwis', 'Łódź Serwis'],
  ['THorsson', 'Þorsson'],
  ['Duro Bau', 'Đuro Bau'],
  ['Mueller Zahnarzt', 'Müller Zahnarzt'],
  ['Who_ AB', 'Who? AB'],
  ['Firma _Nord_', 'Firma "Nord"'],
  ['Beta Vård - Copy', 'Beta Vård'],
  ['Gamma Tandvård (1)', 'Gamma Tandvård'],
  ['Delta Bygg copy', 'Delta Bygg'],
  ['Epsilon - Kopia (2)', 'Epsilon'],
];
/** an 8.3 short name meets a key by the stem of the key's fold (keyForms), never a whole name */
const SHORT: [string, string] = ['ACMEFO~1', 'Acme Försäkring AB'];
/** a name cut by the copy at 64 or 31 characters (Joliet, old Mac volumes) meets the key it was cut from (round 25d C3) */
const LONG = 'Omega Tandvård Aktiebolag i Stockholms Län med Filialer i Uppsala och Västerås Norra';
const CUT64: [string, string] = [Array.from(LONG).slice(0, 64).join(''), LONG];
const CUT31: [string, string] = ['Nordiska Tandläkarkliniken Sund', 'Nordiska Tandläkarkliniken Sundbyberg AB'];

describe('look-alike forms round 24 left (attack round 24c N2, N3)', () => {
  it('each pair meets, without --country; unrelated names and numbers do not', () => {
    for (const [like, key] of PAIRS) expect(meet(like, key), `${like} ~ ${key}`).toBe(true);
    expect(meet('+46812345001', '0812345002')).toBe(false);
    // customer numbers are not phone numbers of two countries with one national number (round 25c M2)
    expect(meet('82201846', '46201846')).toBe(false);
    expect(meet('+4512345678', '0812345678')).toBe(false);
    expect(meet('Smith and Son', 'Smith & Sons')).toBe(false);
    expect(meet(garbled('Försäkring Nord', 'cp1252', 2), 'Försäkring Syd')).toBe(false);
    // short names: a stem meets a key's stems only; two long names with the same first letters never
    expect(keyForms(SHORT[1]).some((f) => looseNames(SHORT[0]).includes(f))).toBe(true);
    expect(keyForms('Acme Bygg').some((f) => looseNames(SHORT[0]).includes(f))).toBe(false);
    expect(keyForms('customer-00001').some((f) => looseNames('customer-00002').includes(f))).toBe(false);
    // cut names: a folder of exactly 31 or 64 characters meets the keys it is the start of, only
    for (const [cut, key] of [CUT64, CUT31]) expect(keyForms(key).some((f) => looseNames(cut).includes(f))).toBe(true);
    expect(keyForms(LONG).some((f) => looseNames(CUT31[0]).includes(f))).toBe(false);
  });

  it('a folder named in Windows-1252 bytes 0x80–0x9F is the same customer on every Node version', () => {
    // Node 20's TextDecoder gave U+0096 and U+0080 here; Windows-1252 (and Node 24) say – and €
    expect(decodeName(Uint8Array.of(0x96, 0x41, 0x80, 0xe9))).toBe('–A€é');
  });

  it('the CLI: every key beside its look-alike folder is "cannot be ruled out", exit 3, without --country', () => {
    const root = tempDir();
    for (const [like] of [...PAIRS, SHORT, CUT64, CUT31]) {
      mkdirSync(join(root, like), { recursive: true });
      writeFileSync(join(root, like, 'c.wav'), wav({ tag: 1, bits: 8, dataBytes: 8000 }));
    }
    put(root, 'found/c.wav', wav({ tag: 1, bits: 8, dataBytes: 8000 }));
    const out = tempDir();
    const keys = [...[...PAIRS, SHORT, CUT64, CUT31].map(([, key]) => key), 'found'];
    const reg = put(
      out,
      'reg.csv',
      `key,controller\n${keys.map((k, i) => `"${k.replace(/"/g, '""')}",C${i} AB`).join('\n')}\n`,
    );
    const r = runCli([root, '--register', reg, '--csv', join(out, 's.csv'), '--statements', join(out, 'st')]);
    expect(r.status, r.stderr).toBe(3);
    const rows = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
    const row = (k: string) => rows.find((x) => x.customer === k || x.customer === `'${k}`);
    // (the look-alike folders, which no key names, may be anyone's: the found key's figures are lower bounds)
    expect(row('found')!.completeness).toMatch(
      /^incomplete: \d+ customer (folders? )?that no key of the register names/,
    );
    [...PAIRS, SHORT, CUT64, CUT31].forEach(([like, key]) => {
      expect(row(key)!.completeness, key).toMatch(/^incomplete: a customer folder named like its key/);
      expect(row(key)!.completeness, key).toContain(like);
      const st = htmlText(readFileSync(join(out, 'st', `C${keys.indexOf(key)} AB.html`), 'utf8'));
      expect(st, key).toMatch(/CANNOT BE RULED OUT/);
      expect(st, key).not.toMatch(/Not affected/);
    });
  });
});
