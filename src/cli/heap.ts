/**
 * How far V8 lets the heap grow past what was live at its last full collection: 40 %, not its own
 * choice. Imported first by main.ts, so it is set before anything large is made.
 *
 * Why: after a scan of a million customers the live heap is ~650 MB (the rows, the register), and
 * each report pass over the rows makes ~1 GB of short-lived objects. V8 judged its collections
 * cheap and let the heap reach ~3× the live size before a full one: peak RSS 2.63 GB for a run whose
 * live data never passed 1.3 GB. At 40 % the same run (1,050,000 customers, a 1 M-line register,
 * --csv) peaked at 1.57 GB and took as long (the CSV's two passes 101 s before and after, on the same
 * busy machine). `npm run bench -- --customers` measures it.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--heap-growing-percent=40');
