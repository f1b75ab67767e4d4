/**
 * --pattern templates: '/'-separated like the path below the scan root; '*' is any part of one name,
 * '**' any run of folders; {customer}, {caller} and {date:<date-fns format>} capture. Compiled once to
 * one anchored regular expression (no glob library captures named parts of a name).
 */
import { parse, isValid } from 'date-fns';
import { tz } from '@date-fns/tz';

export class PatternError extends Error {}

export interface CompiledPattern {
  source: string;
  re: RegExp;
  hasCustomer: boolean;
  hasCaller: boolean;
  dateFormat?: string;
}

export interface PatternMatch {
  customer?: string;
  caller?: string;
  /** the {date:…} capture as an instant, undefined when there is none or it does not parse */
  dateMs?: number;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A date-fns format as a regular expression that matches what it formats. */
function dateRegex(fmt: string): string {
  let out = '';
  for (let i = 0; i < fmt.length; ) {
    const c = fmt[i]!;
    if (c === "'") {
      const end = fmt.indexOf("'", i + 1);
      if (end < 0) throw new PatternError(`unclosed quote in date format "${fmt}"`);
      out += end === i + 1 ? "'" : escape(fmt.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += escape(c);
      i++;
      continue;
    }
    let n = 1;
    while (fmt[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y': case 'u': out += n === 2 ? '\\d{2}' : n >= 4 ? `\\d{${n}}` : '\\d{1,4}'; break;
      case 'M': case 'L': out += n === 1 ? '\\d{1,2}' : n === 2 ? '\\d{2}' : '\\p{L}+\\.?'; break;
      case 'd': case 'H': case 'h': case 'k': case 'K': case 'm': case 's':
        out += n === 1 ? '\\d{1,2}' : `\\d{${n}}`; break;
      case 'D': out += n === 1 ? '\\d{1,3}' : `\\d{${n}}`; break;
      case 'S': out += `\\d{${n}}`; break;
      case 'a': out += '(?:AM|PM|am|pm|a\\.m\\.|p\\.m\\.)'; break;
      case 'X': case 'x': out += '(?:Z|[+-]\\d{2}(?::?\\d{2})?)'; break;
      case 't': case 'T': out += '\\d+'; break;
      default:
        throw new PatternError(`date format token "${c.repeat(n)}" is not supported in --pattern (use y M d H m s S a X)`);
    }
  }
  return out;
}

export function compilePattern(source: string): CompiledPattern {
  if (!source.trim()) throw new PatternError('the pattern is empty');
  const segments = source.replace(/^\.\//, '').split('/');
  let re = '^';
  let hasCustomer = false;
  let hasCaller = false;
  let dateFormat: string | undefined;
  segments.forEach((seg, idx) => {
    const last = idx === segments.length - 1;
    if (seg === '') throw new PatternError('empty folder name in the pattern (a leading, doubled or trailing "/")');
    if (seg === '**') {
      re += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    for (let i = 0; i < seg.length; ) {
      const c = seg[i]!;
      if (c === '*') {
        re += '[^/]*?';
        i++;
      } else if (c === '{') {
        const end = seg.indexOf('}', i);
        if (end < 0) throw new PatternError(`unclosed "{" in "${seg}"`);
        const inner = seg.slice(i + 1, end);
        if (inner === 'customer' || inner === 'caller') {
          if ((inner === 'customer' && hasCustomer) || (inner === 'caller' && hasCaller)) {
            throw new PatternError(`{${inner}} appears twice`);
          }
          if (inner === 'customer') hasCustomer = true;
          else hasCaller = true;
          re += `(?<${inner}>[^/]+?)`;
        } else if (inner.startsWith('date:')) {
          if (dateFormat !== undefined) throw new PatternError('{date:…} appears twice');
          dateFormat = inner.slice(5);
          if (!dateFormat) throw new PatternError('{date:} needs a date-fns format, e.g. {date:yyyyMMdd-HHmmss}');
          re += `(?<date>${dateRegex(dateFormat)})`;
        } else {
          throw new PatternError(`unknown capture {${inner}}: use {customer}, {caller} or {date:FORMAT}`);
        }
        i = end + 1;
      } else if (c === '}') {
        throw new PatternError(`stray "}" in "${seg}"`);
      } else {
        re += escape(c);
        i++;
      }
    }
    if (!last) re += '/';
  });
  re += '$';
  return { source, re: new RegExp(re, 'u'), hasCustomer, hasCaller, dateFormat };
}

const REF = new Date(2000, 0, 1);

/** Match a path relative to the root ('/'-separated). undefined when the pattern does not match. */
export function matchPattern(p: CompiledPattern, relPath: string, zone: string): PatternMatch | undefined {
  const m = p.re.exec(relPath);
  if (!m) return undefined;
  const g = m.groups ?? {};
  const out: PatternMatch = {};
  if (g.customer !== undefined) out.customer = g.customer;
  if (g.caller !== undefined) out.caller = g.caller;
  if (g.date !== undefined && p.dateFormat) {
    const d = parse(g.date, p.dateFormat, REF, { in: tz(zone) });
    if (isValid(d)) out.dateMs = d.getTime();
  }
  return out;
}
