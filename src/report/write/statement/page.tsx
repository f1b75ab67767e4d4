/**
 * The frame every statement page shares: an A4 page with the controller's name and "page N of M" in
 * the print margins (CSS @page margin boxes, which Chromium prints), and the little pieces the pages
 * are built from. Rendered with React's server renderer (render.tsx), so every name and text from the
 * tree, the register or the facts file is escaped by default: in a leak the names are the attacker's.
 *
 * No PDF library: none renders this HTML without a browser, and a second layout (pdfkit, pdf-lib)
 * would be a second copy of every word; Chromium's --print-to-pdf prints this page as it is (docs/outputs.md).
 */
import type { ReactNode } from 'react';
import type { Strings } from '../../lang/index.js';
import { visibleBidi } from '../cells.js';

const CSS = `
@page { size: A4; margin: 18mm 15mm 16mm; }
@page {
  @top-left { font: 8pt "DejaVu Sans", Arial, sans-serif; color: #555; }
  @bottom-right { font: 8pt "DejaVu Sans", Arial, sans-serif; color: #555; }
}
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 180mm; padding: 8mm 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; overflow-wrap: anywhere; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; break-after: avoid; }
.kicker { color: #444; font-size: 9.5pt; margin: 0 0 1mm; }
.sub { color: #444; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 2mm; border-bottom: 1px solid #ddd; overflow-wrap: anywhere; }
tr { break-inside: avoid; }
th { width: 38%; font-weight: 600; color: #333; }
.nb { white-space: nowrap; }
.fact { white-space: pre-line; }
.tbc { color: #6b4e00; font-style: italic; }
.list td, .list th { font-size: 9pt; padding: 1mm 1.5mm; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.list th { width: auto; background: #f2f2f2; }
.countries { width: auto; min-width: 50%; }
.countries th { width: auto; }
.notice { border: 1.5px solid #333; padding: 3mm; margin: 4mm 0; font-weight: 600; }
.warn { color: #8a1c00; font-weight: 600; }
.tag { display: inline-block; border: 1px solid #888; border-radius: 1mm; padding: 0 1.5mm; font-size: 9pt; }
section { break-inside: avoid; }
section.long { break-inside: auto; }
.method td, .method th { font-size: 8.5pt; padding: 0.8mm 2mm; }
footer { margin-top: 6mm; font-size: 8.5pt; color: #444; }
svg { display: block; margin: 2mm 0; max-width: 100%; height: auto; }
svg text { font: 7pt "DejaVu Sans", Arial, sans-serif; fill: #333; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
`;

/**
 * A CSS string literal of any text: every character but a letter or digit written as a six-digit
 * escape (\00003C), which needs no terminating space and leaves nothing that could end the string,
 * the rule or the <style> element (a name such as `"}</style>` stays text).
 */
export function cssString(s: string): string {
  let out = '"';
  for (const ch of s) {
    out += /^[A-Za-z0-9]$/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(6, '0')}`;
  }
  return `${out}"`;
}

/** The margin boxes: the name at the top of every printed page, "page N of M" at the bottom. */
export function marginCss(name: string, L: Strings): string {
  // the language's "page {n} of {m}" around CSS counters: markers split it into its literal parts
  const [before, between, after] = L.page('\u0001', '\u0002').split(/[\u0001\u0002]/) as [string, string, string];
  const page = `${cssString(before)} counter(page) ${cssString(between)} counter(pages) ${cssString(after)}`;
  return `@page { @top-left { content: ${cssString(name)}; } @bottom-right { content: ${page}; } }`;
}

/** A whole page. The CSS is text inside <style>: React leaves it as it is but breaks any "</style". */
export function Page(p: { lang: string; title: string; margin?: string; children: ReactNode }): ReactNode {
  return (
    <html lang={p.lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title}</title>
        <style>{CSS + (p.margin ?? '')}</style>
      </head>
      <body>{p.children}</body>
    </html>
  );
}

export type Rows = readonly (readonly [string, ReactNode] | false | undefined)[];

/** A two-column table of label and value; false/undefined entries are left out. */
export function KV(p: { rows: Rows; className?: string }): ReactNode {
  return (
    <table className={p.className}>
      <tbody>
        {p.rows.map((r, i) =>
          r ? (
            <tr key={i}>
              <th>{r[0]}</th>
              <td>{r[1]}</td>
            </tr>
          ) : null,
        )}
      </tbody>
    </table>
  );
}

/** "to be completed by the processor", marked so that nobody reads it as an answer. */
export function Tbc(p: { L: Strings }): ReactNode {
  return <span className="tbc">{p.L.tbc}</span>;
}

/** A text the processor gave (kept as written, line breaks too), or "to be completed". */
export function Given(p: { text: string | undefined; L: Strings }): ReactNode {
  return p.text === undefined ? <Tbc L={p.L} /> : <span className="fact">{p.text}</span>;
}

/** A precision tag as the notification form names them. */
export function Tag(p: { children: ReactNode }): ReactNode {
  return <span className="tag">{p.children}</span>;
}

export const Nb = (p: { children: ReactNode }): ReactNode => <span className="nb">{p.children}</span>;

/**
 * A name from the tree or the register (a customer key, a controller): isolated with <bdi>, so that
 * an Arabic or Hebrew name cannot reorder the figures beside it, and its own bidi controls shown as
 * visible escapes (cells.ts visibleBidi): a folder name holding U+202E reversed the text after it.
 */
export const Name = (p: { text: string }): ReactNode => <bdi>{visibleBidi(p.text)}</bdi>;
