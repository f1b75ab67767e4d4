/**
 * The language tables (src/report/lang): every key of one is in the other, and no text is empty, so
 * that a statement is never half translated. The type checker catches a key missing from sv.ts; this
 * catches one the type lets through (an index signature such as dateRule) and an empty text.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../src/report/lang/en.js';
import { sv } from '../src/report/lang/sv.js';
import { format } from '../src/report/lang/index.js';

type Tree = Record<string, unknown>;

/** every leaf as [path, text]: a function is called with placeholder arguments */
function leaves(t: Tree, at = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(t)) {
    const path = at ? `${at}.${k}` : k;
    if (typeof v === 'string') out.push([path, v]);
    else if (typeof v === 'function') {
      const f = v as (...a: unknown[]) => unknown;
      out.push([path, String(f(...Array.from({ length: f.length }, () => '7')))]);
    } else out.push(...leaves(v as Tree, path));
  }
  return out;
}

describe('the language tables', () => {
  it('have the same keys, and no empty text, in every language', () => {
    const E = new Map(leaves(en));
    const S = new Map(leaves(sv));
    expect(
      [...S.keys()].filter((k) => !E.has(k)),
      'in sv only',
    ).toEqual([]);
    expect(
      [...E.keys()].filter((k) => !S.has(k)),
      'in en only',
    ).toEqual([]);
    for (const [k, v] of [...E, ...S]) expect(v.trim(), k).not.toBe('');
    // and every placeholder reaches the text (none dropped in a translation)
    for (const [k, v] of S) if (E.get(k)!.includes('7')) expect(v, k).toContain('7');
    expect(E.size).toBeGreaterThan(200);
  });
  it('write numbers and dates as the language does', () => {
    const sek = format('sv', 'Europe/Stockholm');
    const eng = format('en', 'Europe/Stockholm');
    expect(sek.seconds(9622.5)).toBe('9\u00a0622,5');
    expect(eng.seconds(9622.5)).toBe('9,622.5');
    expect(sek.hours(9622.5)).toBe('2,67');
    expect(sek.when(Date.UTC(2019, 1, 18, 13, 3))).toBe('2019-02-18 14:03');
    expect(eng.when(Date.UTC(2019, 6, 18, 13, 3))).toBe('2019-07-18 15:03'); // summer time
  });
});
