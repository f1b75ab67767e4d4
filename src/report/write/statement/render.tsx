/**
 * The statements folder's pages as HTML text: React's server renderer (renderToStaticMarkup), which
 * escapes every text and attribute it is given, so a controller named <script> or ="cmd" is shown as
 * text without anyone remembering to escape it. statements.ts writes the pages.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactNode } from 'react';
import type { ScanResult } from '../../../scan/engine.js';
import type { Method } from '../../notify/method.js';
import type { NotifyReport, NotifyRow } from '../../notify/notify.js';
import { Statement } from './statement.js';
import { IndexPage, IndexRows, MethodPage } from './processor.js';

const html = (page: ReactNode): string => `<!DOCTYPE html>\n${renderToStaticMarkup(page)}\n`;

/** A controller's (or a key's) statement. */
export function statementHtml(r: NotifyRow, report: NotifyReport, result: ScanResult, m: Method): string {
  return html(<Statement r={r} report={report} result={result} m={m} />);
}

/** index.html's rows rendered a slice at a time (each slice's text is short-lived) */
const INDEX_SLICE = 500;
/** letters only: kept as it is by the renderer, and no page text holds it */
const SLOT = 'LEAKTALLYINDEXROWSGOHERE';

/**
 * index.html: every row, linked to its page (processor only), in pieces: the page's head, the rows a
 * slice at a time (`rows` and `files` in the same order), the page's tail. Joined, the page.
 */
export function* indexHtmlPieces(
  report: NotifyReport,
  result: ScanResult,
  rows: Iterable<NotifyRow>,
  files: readonly string[],
): Generator<string> {
  const page = html(<IndexPage report={report} result={result} slot={SLOT} />);
  const at = page.indexOf(SLOT);
  if (at < 0 || page.includes(SLOT, at + 1)) throw new Error('index.html: the rows have no single place');
  yield page.slice(0, at);
  let slice: NotifyRow[] = [];
  let start = 0;
  const flush = (): string => {
    const text = renderToStaticMarkup(
      <IndexRows report={report} result={result} rows={slice} files={files.slice(start, start + slice.length)} />,
    );
    start += slice.length;
    slice = [];
    return text;
  };
  for (const r of rows) {
    slice.push(r);
    if (slice.length >= INDEX_SLICE) yield flush();
  }
  if (slice.length) yield flush();
  yield page.slice(at + SLOT.length);
}

/** method.html: the full method (processor only). */
export function methodHtml(report: NotifyReport, result: ScanResult, m: Method): string {
  return html(<MethodPage report={report} result={result} m={m} />);
}
