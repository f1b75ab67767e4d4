import { describe, expect, it } from 'vitest';
import { countryOf, isRegion, normaliseCaller } from './phone.js';

describe('normaliseCaller', () => {
  it('one caller however the number is written (national under --country, +, 00)', () => {
    const forms = ['0701740610', '070-174 06 10', '+46701740610', '0046701740610', '+46 70 174 06 10'];
    expect(new Set(forms.map((f) => normaliseCaller(f, 'SE')))).toEqual(new Set(['+46701740610']));
    expect(normaliseCaller('004915112345678', 'SE')).toBe('+4915112345678');
    expect(normaliseCaller('+358401234567')).toBe('+358401234567');
  });
  it('withheld, anonymous, unknown, private, empty: no caller', () => {
    for (const w of [
      'anonymous',
      'Anonymous',
      'ANONYMOUS',
      'unknown',
      'Withheld',
      'private',
      'Restricted',
      'unavailable',
      '',
      '   ',
      '0',
      '000',
      '+',
      'okänd',
      'Unbekannt',
    ]) {
      expect(normaliseCaller(w, 'SE'), w).toBeUndefined();
    }
  });
  it('anything else gets a stable fallback key, the same for the same text, never placed in a country', () => {
    expect(normaliseCaller('1234', 'SE')).toBe('?1234'); // an extension: too short for a Swedish number
    expect(normaliseCaller('alice', 'SE')).toBe('?alice');
    expect(normaliseCaller('Alice', 'SE')).toBe('?alice');
    expect(normaliseCaller('?alice')).toBe('?alice'); // idempotent
    expect(normaliseCaller('+46701740610')).toBe('+46701740610');
    expect(countryOf('?1234')).toBe('unknown');
  });
  it('without a default region a national number cannot be read as one: fallback key, country unknown', () => {
    const k = normaliseCaller('0701740610');
    expect(k).toBe('?0701740610');
    expect(countryOf(k!)).toBe('unknown');
  });
  it('countryOf gives ISO codes, including inside shared calling codes', () => {
    expect(countryOf('+46701740610')).toBe('SE');
    expect(countryOf('+4915112345678')).toBe('DE');
    expect(countryOf('+358401234567')).toBe('FI');
    expect(countryOf('+447400123450')).toBe('GB');
    expect(countryOf('+447911123450')).toBe('GG'); // a +44 number of Guernsey's, placed by its prefix
    expect(countryOf('+12127360100')).toBe('US');
    expect(countryOf('+14165550199'.replace('5550199', '3642000'))).toBe('CA'); // +1 416: Toronto
    expect(countryOf('+358181234567')).toBe('AX'); // Åland shares +358 with Finland
    expect(countryOf('+79161234567')).toBe('RU');
    expect(countryOf('+77012345678')).toBe('KZ'); // Kazakhstan shares +7 with Russia
    expect(countryOf('+999123')).toBe('unknown');
  });
  it('isRegion', () => {
    expect(isRegion('SE')).toBe(true);
    expect(isRegion('se')).toBe(true);
    expect(isRegion('XX')).toBe(false);
  });
});
