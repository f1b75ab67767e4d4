import { describe, expect, it } from 'vitest';
import {
  SCALEFACTORS,
  SPECTRAL,
  SWB_OFFSET_120,
  SWB_OFFSET_480,
  SWB_OFFSET_512,
  SWB_OFFSET_960,
  SWB_OFFSET_LONG,
  SWB_OFFSET_SHORT,
  type Codebook,
} from '../src/scan/probe/aac-tables.js';

/** Whether the codebook is a complete prefix code: no codeword starts another, and the lengths fill the tree. */
function complete([lens, codes]: Codebook): { prefixFree: boolean; kraft: number } {
  const words = lens.map((l, i) => codes[i]!.toString(2).padStart(l, '0'));
  const set = new Set(words);
  const prefixFree =
    set.size === words.length &&
    words.every((w) => [...Array(w.length).keys()].every((k) => k === 0 || !set.has(w.slice(0, k))));
  return { prefixFree, kraft: lens.reduce((s, l) => s + 2 ** -l, 0) };
}

describe("AAC's tables", () => {
  it('every Huffman codebook is a complete prefix code of the standard’s size', () => {
    // ISO/IEC 14496-3 Tables 4.A.1-4.A.12: 121 scalefactor differences; codebooks 1-4 quads of 3
    // values, 5-6 pairs of 9, 7-8 of 8, 9-10 of 13, 11 of 17
    expect(SCALEFACTORS[0]).toHaveLength(121);
    expect(SPECTRAL.map((c) => c[0].length)).toEqual([81, 81, 81, 81, 81, 81, 64, 64, 169, 169, 289]);
    for (const cb of [SCALEFACTORS, ...SPECTRAL]) {
      expect(cb[1]).toHaveLength(cb[0].length);
      expect(complete(cb)).toEqual({ prefixFree: true, kraft: 1 });
    }
    // the shortest codewords: no scalefactor change is '0', codebook 1's all-zero quad (index 40) '0'
    expect([SCALEFACTORS[0][60], SCALEFACTORS[1][60]]).toEqual([1, 0]);
    expect([SPECTRAL[0]![0][40], SPECTRAL[0]![1][40]]).toEqual([1, 0]);
  });

  it('the scalefactor bands of each rate cover a window', () => {
    const long = [41, 41, 47, 49, 49, 51, 47, 47, 43, 43, 43, 40, 40];
    const short = [12, 12, 12, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15];
    for (let i = 0; i < 13; i++) {
      for (const [t, bands, end] of [
        [SWB_OFFSET_LONG[i]!, long[i]!, 1024],
        [SWB_OFFSET_SHORT[i]!, short[i]!, 128],
      ] as const) {
        expect(t).toHaveLength(bands + 1);
        expect([t[0], t[bands]]).toEqual([0, end]);
        // each band's width is a multiple of 4 (a quad codebook's step)
        for (let b = 0; b < bands; b++) expect((t[b + 1]! - t[b]!) % 4).toBe(0);
      }
    }
  });

  it("the 960-sample frame's bands cover its 960- and 120-sample windows", () => {
    const long = [40, 40, 46, 49, 49, 49, 46, 46, 42, 42, 42, 40, 40];
    const short = [12, 12, 12, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15];
    for (let i = 0; i < 13; i++) {
      for (const [t, bands, end] of [
        [SWB_OFFSET_960[i]!, long[i]!, 960],
        [SWB_OFFSET_120[i]!, short[i]!, 120],
      ] as const) {
        expect(t).toHaveLength(bands + 1);
        expect([t[0], t[bands]]).toEqual([0, end]);
        for (let b = 0; b < bands; b++) {
          expect(t[b + 1]!).toBeGreaterThan(t[b]!);
          expect((t[b + 1]! - t[b]!) % 4).toBe(0);
        }
      }
    }
  });

  it('the low-delay scalefactor bands cover a 512- or 480-sample window at the rates a decoder takes for them', () => {
    // bands by sampling frequency index 3-7 (48, 44.1, 32, 24, 22.05 kHz)
    const bands = { 512: [36, 36, 37, 31, 31], 480: [35, 35, 37, 30, 30] };
    for (const [t, end] of [
      [SWB_OFFSET_512, 512],
      [SWB_OFFSET_480, 480],
    ] as const) {
      expect(t.slice(0, 3)).toEqual([undefined, undefined, undefined]);
      for (let i = 3; i <= 7; i++) {
        const o = t[i]!;
        const n = bands[end][i - 3]!;
        expect(o).toHaveLength(n + 1);
        expect([o[0], o[n]]).toEqual([0, end]);
        for (let b = 0; b < n; b++) {
          expect(o[b + 1]!).toBeGreaterThan(o[b]!);
          expect((o[b + 1]! - o[b]!) % 4).toBe(0);
        }
      }
    }
  });
});
