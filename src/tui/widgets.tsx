/** The widgets: they draw state, they hold none. Each draws exactly the lines it is given. */
import React, { createContext, useContext } from 'react';
import { Box, Text } from 'ink';
import type { CustomerTotals } from '../scan/tally/aggregate.js';
import type { Progress } from '../scan/engine.js';
import {
  columns,
  cut,
  headerText,
  rowText,
  statusLines,
  num,
  padR,
  width as textWidth,
  type Completeness,
  completenessLine,
} from './format.js';
import { kindOf } from './snapshot.js';
import { printable } from '../scan/place/names.js';
import { hintsFor, type KeyMode } from './keys.js';
import { scopesOf, type ExportScope, type UiState } from './state.js';
import { notRead, type RowCompleteness } from '../report/notify/completeness.js';

/** Whether colours are used (NO_COLOR, https://no-color.org, is read once where the UI starts). */
export const ColourContext = createContext(true);
function useColour(): (c: string) => string | undefined {
  const on = useContext(ColourContext);
  return (c) => (on ? c : undefined);
}

export function Status(props: {
  root: string;
  zone: string;
  progress: Progress;
  width: number;
  stopped: boolean;
  completeness: Completeness;
}) {
  const colour = useColour();
  const [a, b, c] = statusLines(props.progress, props.width, props.stopped) as [string, string, string];
  const partial = props.progress.phase === 'stopped' || props.stopped;
  const zone = `  zone ${props.zone}  `;
  const warn = completenessLine(props.completeness);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>leaktally </Text>
        <Text>{cut(props.root, Math.max(8, props.width - 11 - textWidth(zone) - textWidth(a)))}</Text>
        <Text dimColor>{zone}</Text>
        <Text color={partial ? colour('yellow') : undefined} bold={partial}>
          {a}
        </Text>
      </Text>
      <Text color={colour('cyan')}>{cut(b, props.width - 1)}</Text>
      <Text>{cut(c, props.width - 1)}</Text>
      <Text color={warn.warn ? colour('yellow') : undefined} bold={warn.warn} dimColor={!warn.warn}>
        {cut(warn.text, props.width - 1)}
      </Text>
    </Box>
  );
}

type TotalsRow = Pick<
  CustomerTotals,
  'customer' | 'files' | 'audioFiles' | 'audioMicros' | 'firstMs' | 'lastMs' | 'unreadableFiles' | 'distinctCallers'
>;

export function CustomerTable(props: {
  rows: readonly CustomerTotals[];
  totals: TotalsRow;
  cursor: number;
  top: number;
  height: number;
  width: number;
  zone: string;
  state: Pick<UiState, 'sort' | 'reverse' | 'filter'>;
  /** the scan was stopped: rows with no file read are shown as not reached */
  partial?: boolean;
  callers?: boolean;
  /** the first column's title (default CUSTOMER) */
  nameTitle?: string;
  /** a row's completeness, once the scan has ended (undefined while it runs) */
  judge?: (c: CustomerTotals) => RowCompleteness | undefined;
  /** the total is a lower bound (the run was stopped or could not read everything) */
  totalsLowerBound?: boolean;
}) {
  const cols = columns(props.width, props.zone, props.callers, props.nameTitle);
  // only the rows on screen are drawn, however many there are
  const shown = props.rows.slice(props.top, props.top + props.height);
  const line = '─'.repeat(Math.max(0, props.width - 1));
  const sel = props.cursor - props.top;
  const text = (c: CustomerTotals): string => {
    const j = props.judge?.(c);
    // nothing found: "not read" where part of the tree was not, else "not known" (round 27: a
    // controller beside a customer no key names, all read, was labelled "not read")
    const unreached =
      (props.partial && c.files === 0) ||
      (notRead(c.files, j) && (j!.stopped || j!.unreadFolders ? true : 'not known'));
    return rowText(cols, c, unreached, !!j && !j.complete && c.files > 0);
  };
  // Few nodes per frame: runs of ordinary rows are one Text each (React and Ink work per node).
  const parts: React.ReactNode[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length) parts.push(<Text key={`r${parts.length}`}>{run.join('\n')}</Text>);
    run = [];
  };
  shown.forEach((c, i) => {
    if (i === sel) {
      flush();
      parts.push(
        <Text key={`s${i}`} inverse>
          {'>' + text(c)}
        </Text>,
      );
    } else if (kindOf(c) !== 'customer') {
      flush();
      parts.push(
        <Text key={`k${i}`} dimColor italic>
          {' ' + text(c)}
        </Text>,
      );
    } else run.push(' ' + text(c));
  });
  flush();
  const blanks = Math.max(0, props.height - shown.length);
  const empty =
    props.rows.length === 0 ? (props.state.filter ? '  no customer matches the filter' : '  no customer yet') : ' ';
  return (
    <Box flexDirection="column">
      <Text bold>{' ' + headerText(cols, props.state.sort, props.state.reverse)}</Text>
      {parts}
      {blanks ? <Text>{[empty, ...Array<string>(blanks - 1).fill(' ')].join('\n')}</Text> : null}
      <Text dimColor>{line}</Text>
      <Text bold>{' ' + rowText(cols, props.totals, false, props.totalsLowerBound)}</Text>
    </Box>
  );
}

/** A titled window of lines (the customer view and the help): exactly height lines below the title. */
export function Lines(props: { title: string; lines: readonly string[]; width: number; height: number; top: number }) {
  const shown = props.lines.slice(props.top, props.top + props.height).map((l) => cut(l, props.width - 1) || ' ');
  while (shown.length < props.height) shown.push(' ');
  const more = props.lines.length > props.top + props.height ? '  ↓ more' : props.top > 0 ? '  ↑ more' : '';
  return (
    <Box flexDirection="column">
      <Text bold>
        {cut(props.title, props.width - 1 - more.length)}
        <Text dimColor>{more}</Text>
      </Text>
      <Text>{shown.join('\n')}</Text>
    </Box>
  );
}

/** Wrap a message to the width (an error is read whole, not cut); words wider than a line are split. */
function wrap(text: string, w: number): string[] {
  const pieces: string[] = [];
  for (const word of printable(text).split(' ')) {
    if (textWidth(word) <= w) {
      pieces.push(word);
      continue;
    }
    let cur = '';
    for (const ch of word) {
      if (cur && textWidth(cur + ch) > w) {
        pieces.push(cur);
        cur = '';
      }
      cur += ch;
    }
    if (cur) pieces.push(cur);
  }
  const out: string[] = [];
  let line = '';
  for (const p of pieces) {
    const next = line ? `${line} ${p}` : p;
    if (textWidth(next) <= w) line = next;
    else {
      if (line) out.push(line);
      line = p;
    }
  }
  if (line) out.push(line);
  return out;
}

export function ExportPrompt(props: {
  state: UiState;
  width: number;
  height: number;
  partial: boolean;
  customer?: string;
  filtered: number;
  all: number;
}) {
  const colour = useColour();
  const s = props.state;
  const w = props.width - 1;
  const scopeText = (x: ExportScope): string =>
    x === 'customer'
      ? `this customer (${props.customer ?? ''})`
      : x === 'filtered'
        ? `the filtered rows (${num(props.filtered)} of ${num(props.all)})`
        : `everything (${num(props.all)} rows)`;
  const lines: React.ReactNode[] = [];
  lines.push(
    <Text key="t" bold>
      {cut(`Export the summary${props.partial ? ' (the scan is not complete: marked PARTIAL)' : ''}`, w)}
    </Text>,
  );
  lines.push(<Text key="sp"> </Text>);
  lines.push(
    <Text key="w">
      {'what: '}
      {scopesOf(s).map((x) => (
        <Text key={x} inverse={x === s.exportScope} bold={x === s.exportScope}>
          {x === s.exportScope
            ? `[${cut(scopeText(x), Math.max(10, w - 10))}]`
            : ` ${cut(scopeText(x), Math.max(10, w - 10))} `}
        </Text>
      ))}
    </Text>,
  );
  lines.push(
    <Text key="f">
      {'file: '}
      <Text inverse>{cut(s.exportPath, w - 8)}</Text>
      {s.exporting || s.exportStatus ? '' : '█'}
    </Text>,
  );
  lines.push(
    <Text key="fmt" dimColor>
      {cut('.csv writes CSV, .json JSON; ~ is your home folder; an existing file is not replaced without asking', w)}
    </Text>,
  );
  lines.push(<Text key="sp2"> </Text>);
  if (s.exporting) lines.push(<Text key="x">{s.cancelling ? 'cancelling…' : 'writing… (Esc cancels)'}</Text>);
  if (s.exportStatus) {
    const st = s.exportStatus;
    wrap(st.message, w).forEach((l, i) =>
      lines.push(
        <Text key={`m${i}`} color={colour(st.ok ? 'green' : st.exists ? 'yellow' : 'red')} bold>
          {l}
        </Text>,
      ),
    );
  }
  const pad = Math.max(0, props.height - lines.length);
  return (
    <Box flexDirection="column">
      {lines.slice(0, props.height)}
      {pad ? <Text>{Array<string>(pad).fill(' ').join('\n')}</Text> : null}
    </Box>
  );
}

/** Hints joined to fit: the middle ones go first, "? help" and "q quit" stay. */
export function fitHints(prefix: string, hints: string[], w: number): string {
  const keep = hints.filter((h) => h.startsWith('?') || h.startsWith('q '));
  let mid = hints.filter((h) => !keep.includes(h));
  const text = (): string => [prefix, ...mid, ...keep].filter(Boolean).join('  ');
  while (mid.length && textWidth(text()) > w) mid = mid.slice(0, -1);
  return cut(text(), w);
}

export function Footer(props: {
  state: UiState;
  mode: KeyMode;
  width: number;
  all: number;
  shown: number;
  scanning: boolean;
}) {
  const colour = useColour();
  const s = props.state;
  const w = props.width - 1;
  if (s.confirmQuit) {
    const why = props.scanning
      ? 'the scan is still running'
      : s.exportedPart
        ? 'only part of the summary has been exported'
        : 'nothing has been exported';
    return (
      <Text color={colour('yellow')} bold inverse>
        {padR(cut(`Quit? ${why}. y quits, any other key stays`, w), w)}
      </Text>
    );
  }
  let text: string;
  if (props.mode === 'filter')
    text = fitHints(`/${s.filter}█ ${num(props.shown)} of ${num(props.all)}`, hintsFor('filter'), w);
  else if (props.mode === 'export') {
    if (s.exportStatus?.ok) text = 'q quit  any other key: back';
    else if (s.exportStatus?.exists) text = 'y replace  any other key: change the name';
    else text = fitHints('', hintsFor('export'), w);
  } else
    text = fitHints(
      props.mode === 'table' && s.filter ? `filter "${s.filter}": ${num(props.shown)} of ${num(props.all)}` : '',
      hintsFor(props.mode),
      w,
    );
  return <Text dimColor>{cut(text, w)}</Text>;
}
