/**
 * The date-fns functions leaktally uses, loaded through the package's CommonJS build on first use.
 *
 * Why not `import … from 'date-fns'`: Node 24's ESM loader (24.22 measured) reads and deserializes a
 * package's package.json again for every module it resolves inside the package, and date-fns's is
 * 200 KB (an `exports` entry per function). Importing the package's index cost 2.2 s of every start
 * on Node 24 (0.15 s on Node 20), deep ESM imports of parse and format 0.7 s; CI's Node 24 pass ran
 * 3× slower than Node 20 and a test of six CLI calls timed out. The same functions through require()
 * cost 0.09 s, and nothing at all in a run that never reads a date format.
 */
import { createRequire } from 'node:module';
import type * as Fns from 'date-fns';

const load = createRequire(import.meta.url);
let fns:
  | Pick<
      typeof Fns,
      'format' | 'parse' | 'isValid' | 'differenceInCalendarDays' | 'subDays' | 'subWeeks' | 'subMonths' | 'subYears'
    >
  | undefined;

/** date-fns, its functions required one module each on the first call (require caches them) */
export function dateFns(): NonNullable<typeof fns> {
  fns ??= {
    format: (load('date-fns/format') as typeof import('date-fns/format')).format,
    parse: (load('date-fns/parse') as typeof import('date-fns/parse')).parse,
    isValid: (load('date-fns/isValid') as typeof import('date-fns/isValid')).isValid,
    differenceInCalendarDays: (
      load('date-fns/differenceInCalendarDays') as typeof import('date-fns/differenceInCalendarDays')
    ).differenceInCalendarDays,
    subDays: (load('date-fns/subDays') as typeof import('date-fns/subDays')).subDays,
    subWeeks: (load('date-fns/subWeeks') as typeof import('date-fns/subWeeks')).subWeeks,
    subMonths: (load('date-fns/subMonths') as typeof import('date-fns/subMonths')).subMonths,
    subYears: (load('date-fns/subYears') as typeof import('date-fns/subYears')).subYears,
  };
  return fns;
}
