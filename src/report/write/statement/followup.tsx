/**
 * A follow-up statement's section, "Since the initial notification" (`--from CASE --since M
 * --statements DIR`): GDPR Art. 33(4) and EDPB Guidelines 9/2022 ¶52-53 let a notification come in
 * phases, and in the 1177 leak the server kept writing recordings after the first scan, so a
 * controller's second statement says what was found since the first. Its figures are the row of
 * `--diff CASE --since M --run N` for that controller (case/diff.ts diffRuns, not counted again here),
 * hours rounded cell by cell as the diff's CSV rounds them. "No change" is a claim: said only when
 * both runs and the row were complete; otherwise the section says the comparison is incomplete.
 */
import type { ReactNode } from 'react';
import type { DiffRow, FollowUp } from '../../../case/diff.js';
import { figure } from '../diff.js';
import { format, type Format, type Lang, type Strings } from '../../lang/index.js';
import type { NotifyRow } from '../../notify/notify.js';
import { rowLabel } from '../../../scan/tally/aggregate.js';
import type { RowKind } from '../../../scan/model.js';

const key = (kind: string, label: string): string => `${kind}\0${label}`;

/** each comparison's rows by key, made once: a million controllers' pages each look theirs up */
const indexes = new WeakMap<FollowUp, Map<string, DiffRow>>();

/**
 * The comparison's row of a statement's row: a controller by its name, any other row by its label (a
 * key the register does not know is a customer row to the comparison).
 */
function diffRowOf(r: NotifyRow, f: FollowUp): DiffRow | undefined {
  let index = indexes.get(f);
  if (!index) {
    index = new Map();
    for (const d of f.diff.rows)
      index.set(
        d.kind === 'controller'
          ? key('controller', d.customer)
          : key(d.kind, rowLabel({ kind: d.kind as RowKind, customer: d.customer })),
        d,
      );
    indexes.set(f, index);
  }
  if (r.kind === 'controller') return index.get(key('controller', r.controller));
  return index.get(key(r.kind === 'unregistered' ? 'customer' : r.kind, r.label));
}

/** The earlier run's end in its own zone, the zone named when it is not the statement's. */
function sinceDate(f: FollowUp, lang: Lang, zone: string): string {
  const when = format(lang, f.since.zone).when(Date.parse(f.since.at));
  return f.since.zone === zone ? when : `${when} (${f.since.zone})`;
}

/** Why the comparison cannot state "no change": the runs' gaps, and the row's own; '' when none. */
function gaps(f: FollowUp, L: Strings, r?: NotifyRow): string {
  const F = L.followUp;
  return [
    f.since.gap && F.gapEarlier[f.since.gap],
    f.run.gap && F.gapLater[f.run.gap],
    !f.run.gap && r?.completeness?.complete === false && F.gapRow,
  ]
    .filter((x): x is string => !!x)
    .join('; ');
}

/**
 * Hours of two decimals, each cell rounded on its own as the diff's CSV does, and the seconds (to one
 * decimal, as its JSON has them exactly): a few short calls are 0.00 hours.
 */
const hours = (F: Format, seconds: number): string =>
  `${F.hours((Math.round(seconds / 36) / 100) * 3600)} (${F.seconds(seconds)} s)`;

/** A statement's section: the changes for this row since the earlier run, or that there were none. */
export function FollowUpSection(p: {
  r: NotifyRow;
  f: FollowUp;
  L: Strings;
  F: Format;
  lang: Lang;
  zone: string;
}): ReactNode {
  const { r, f, L, F } = p;
  const S = L.followUp;
  const d = diffRowOf(r, f);
  const date = sinceDate(f, p.lang, p.zone);
  const why = gaps(f, L, r);
  const unchanged = !d || (d.added === 0 && d.removed === 0 && d.changed === 0);
  // no row in the comparison: no file of this row in either run; null: a run did not read the row
  const n = (k: Parameters<typeof figure>[1]): number | null => (d ? figure(d, k) : 0);
  const cell = (v: number | null, show: (x: number) => string): string => (v === null ? S.notRead : show(v));
  const notReadIn =
    d?.notReadBefore && d.notReadAfter
      ? S.bothExaminations
      : d?.notReadAfter
        ? S.laterExamination
        : d?.notReadBefore
          ? S.earlierExamination
          : undefined;
  const line = (label: string, cells: (string | number | null)[]): ReactNode => (
    <tr>
      <th>{label}</th>
      {cells.map((c, i) => (
        <td key={i} className="n">
          {typeof c === 'number' ? F.int(c) : (c ?? S.notRead)}
        </td>
      ))}
    </tr>
  );
  return (
    <section>
      <h2>{S.title}</h2>
      <p>{(f.since.ended ? S.intro : S.introUnended)(date)}</p>
      {why && <p className="notice warn">{S.incomplete(why)}</p>}
      {notReadIn && <p className="notice warn">{S.rowNotRead(notReadIn)}</p>}
      {!why && unchanged ? (
        <p className="notice">{S.noChange(date)}</p>
      ) : (
        <>
          <table className="list">
            <thead>
              <tr>
                <th>{S.figure}</th>
                <th className="n">{S.then}</th>
                <th className="n">{S.now}</th>
                <th className="n">{S.added}</th>
                <th className="n">{S.removed}</th>
                <th className="n">{S.changed}</th>
              </tr>
            </thead>
            <tbody>
              {line(S.files, [n('filesBefore'), n('filesAfter'), n('added'), n('removed'), n('changed')])}
              {line(
                S.hours,
                [
                  n('secondsBefore'),
                  n('secondsAfter'),
                  n('secondsAdded'),
                  n('secondsRemoved'),
                  n('secondsChanged'),
                ].map((x) => cell(x, (v) => hours(F, v))),
              )}
              {r.distinctCallers !== undefined &&
                line(S.callers, [n('callersBefore'), n('callersAfter'), n('callersAdded'), n('callersRemoved'), '–'])}
            </tbody>
          </table>
          <p>{S.changedNote}</p>
        </>
      )}
    </section>
  );
}

/** index.html's line: the statements are follow-ups to the notification of the earlier run's date. */
export function FollowUpIndexNotice(p: { f: FollowUp; L: Strings; lang: Lang; zone: string }): ReactNode {
  const { f, L } = p;
  const why = gaps(f, L);
  return (
    <>
      <p className="notice">
        {L.followUp.indexNotice(sinceDate(f, p.lang, p.zone), String(f.since.run), String(f.run.run))}
      </p>
      {why && <p className="notice warn">{L.followUp.indexIncomplete(why)}</p>}
    </>
  );
}
