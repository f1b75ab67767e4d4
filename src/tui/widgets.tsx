/** The widgets: they draw state, they hold none. */
import React from 'react';
import { Box, Text } from 'ink';
import type { CustomerTotals } from '../scan/aggregate.js';
import type { Progress } from '../scan/engine.js';
import { columns, cut, detailLines, headerText, rowText, statusLines, num, padR } from './format.js';
import { SORT_KEYS, type UiState } from './state.js';

/** NO_COLOR (https://no-color.org): no colours; bold and inverse still mark things. */
export const colour = (c: string): string | undefined => (process.env.NO_COLOR ? undefined : c);

export function Status(props: { root: string; progress: Progress; width: number; stoppedByUser: boolean }) {
  const [a, b, c] = statusLines(props.progress, props.width, props.stoppedByUser);
  const partial = props.progress.phase === 'stopped' || props.stoppedByUser;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>leaktally </Text>
        <Text>{cut(props.root, Math.max(10, props.width - 12 - a!.length))}</Text>
        <Text>  </Text>
        <Text color={partial ? colour('yellow') : undefined} bold={partial}>{a}</Text>
      </Text>
      <Text color={colour('cyan')}>{cut(b!, props.width)}</Text>
      <Text>{cut(c!, props.width)}</Text>
    </Box>
  );
}

export function CustomerTable(props: {
  rows: CustomerTotals[];
  totals: Pick<CustomerTotals, 'customer' | 'files' | 'audioFiles' | 'audioSeconds' | 'firstMs' | 'lastMs' | 'unreadableFiles'>;
  cursor: number;
  top: number;
  height: number;
  width: number;
  zone: string;
  state: UiState;
}) {
  const cols = columns(props.width, props.zone);
  const shown = props.rows.slice(props.top, props.top + props.height);
  const line = '─'.repeat(Math.max(0, props.width - 1));
  // Few nodes per frame: the rows above and below the selection are one Text each (React and Ink
  // work per node, and the table redraws while the scan runs).
  const sel = props.cursor - props.top;
  const text = (cs: CustomerTotals[]): string => cs.map((c) => ' ' + rowText(cols, c)).join('\n');
  const above = shown.slice(0, Math.max(0, sel));
  const chosen = sel >= 0 && sel < shown.length ? shown[sel] : undefined;
  const below = shown.slice(Math.max(0, sel + 1));
  const blanks = Math.max(0, props.height - shown.length);
  const empty = props.rows.length === 0 ? (props.state.filter ? '  no customer matches the filter' : '  no customer yet') : ' ';
  return (
    <Box flexDirection="column">
      <Text bold>{' ' + headerText(cols, props.state.sort, props.state.reverse)}</Text>
      {above.length ? <Text>{text(above)}</Text> : null}
      {chosen ? <Text inverse>{'>' + rowText(cols, chosen)}</Text> : null}
      {below.length ? <Text>{text(below)}</Text> : null}
      {blanks ? <Text>{[empty, ...Array<string>(blanks - 1).fill(' ')].join('\n')}</Text> : null}
      <Text dimColor>{line}</Text>
      <Text bold>{' ' + rowText(cols, props.totals)}</Text>
    </Box>
  );
}

export function CustomerDetail(props: { customer: CustomerTotals; zone: string; width: number; height: number; top: number }) {
  const lines = detailLines(props.customer, props.zone, props.width - 1);
  const shown = lines.slice(props.top, props.top + props.height).map((l) => l || ' ');
  while (shown.length < props.height) shown.push(' ');
  return (
    <Box flexDirection="column">
      <Text bold>{cut(props.customer.customer, props.width - 1)}</Text>
      <Text>{shown.join('\n')}</Text>
    </Box>
  );
}

export const KEYS: Array<[string, string]> = [
  ['↑ ↓  PgUp PgDn  Home End', 'move (in a customer: scroll)'],
  ['Enter', 'open the selected customer'],
  ['Esc  Backspace', 'back (in the table: clear the filter)'],
  ['s', `sort by: ${SORT_KEYS.join(', ')}`],
  ['r', 'reverse the sort'],
  ['/', 'filter by name (Enter keeps, Esc clears)'],
  ['e', 'export the summary CSV'],
  ['?', 'this help'],
  ['q', 'quit'],
  ['Ctrl-C', 'stop the scan, keep the counts (partial)'],
  ['Ctrl-C again', 'quit'],
];

export function Help(props: { width: number; height: number }) {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {KEYS.map(([k, what]) => (
        <Text key={k}>{cut(`  ${padR(k, 26)}${what}`, props.width - 1)}</Text>
      ))}
      {Array.from({ length: Math.max(0, props.height - KEYS.length - 1) }, (_, i) => (
        <Text key={`blank-${i}`}> </Text>
      ))}
    </Box>
  );
}

export function ExportPrompt(props: { state: UiState; width: number; partial: boolean }) {
  const s = props.state;
  return (
    <Box flexDirection="column">
      <Text bold>Export the summary CSV{props.partial ? ' (the scan is not complete: the file will be marked partial)' : ''}</Text>
      <Text>
        {'file: '}
        <Text inverse>{cut(s.exportPath, props.width - 8)}</Text>
        {s.exporting || s.exportStatus ? '' : '█'}
      </Text>
      {s.exporting ? <Text>writing…</Text> : null}
      {s.exportStatus ? (
        <Text color={colour(s.exportStatus.ok ? 'green' : 'red')} bold>
          {cut(s.exportStatus.message, props.width - 1)}
        </Text>
      ) : (
        <Text dimColor>Enter write   Esc cancel   Backspace/Ctrl-U edit</Text>
      )}
    </Box>
  );
}

export function Footer(props: { state: UiState; width: number; customers: number; shown: number }) {
  const s = props.state;
  let text: string;
  if (s.filtering) text = `/${s.filter}█   Enter keep  Esc clear`;
  else if (s.view === 'customer') text = '↑↓ scroll  Esc back  e export  ? keys  q quit';
  else if (s.view === 'help') text = 'Esc back  q quit';
  else if (s.view === 'export') text = s.exportStatus?.ok ? 'any key: back' : '';
  else text = `${s.filter ? `filter "${s.filter}": ${num(props.shown)} of ${num(props.customers)}  ` : ''}↑↓ move  Enter open  s sort  r reverse  / filter  e export  ? keys  q quit`;
  return <Text dimColor>{cut(text, props.width - 1)}</Text>;
}

