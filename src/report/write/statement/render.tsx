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
import { IndexPage, MethodPage } from './processor.js';

const html = (page: ReactNode): string => `<!DOCTYPE html>\n${renderToStaticMarkup(page)}\n`;

/** A controller's (or a key's) statement. */
export function statementHtml(r: NotifyRow, report: NotifyReport, result: ScanResult, m: Method): string {
  return html(<Statement r={r} report={report} result={result} m={m} />);
}

/** index.html: every row, linked to its page (processor only). */
export function indexHtml(report: NotifyReport, result: ScanResult, files: string[]): string {
  return html(<IndexPage report={report} result={result} files={files} />);
}

/** method.html: the full method (processor only). */
export function methodHtml(report: NotifyReport, result: ScanResult, m: Method): string {
  return html(<MethodPage report={report} result={result} m={m} />);
}
