/**
 * The processor's own pages in the statements folder: index.html (every row, linked) and method.html
 * (the full method: command line, folder, register size, every option). They name the processor's
 * folders and how many customers it has, so they are never sent to a controller; a controller's page
 * has a short method of its own (statement.tsx).
 */
import type { ReactNode } from 'react';
import type { ScanResult } from '../../../scan/engine.js';
import { gapPhrases, notRead, runCompleteness, runGaps } from '../../notify/completeness.js';
import { format, strings } from '../../lang/index.js';
import { methodLines, type Method } from '../../notify/method.js';
import type { NotifyReport, NotifyRow } from '../../notify/notify.js';
import { rowName } from './statement.js';
import { KV, Name, Nb, Page } from './page.js';
import { visibleBidi } from '../cells.js';
import { FollowUpIndexNotice } from './followup.js';

export function MethodPage(p: { report: NotifyReport; result: ScanResult; m: Method }): ReactNode {
  const lang = p.report.options.lang ?? 'en';
  const L = strings(lang);
  return (
    <Page lang={L.htmlLang} title={L.method.title}>
      <h1>{L.method.title}</h1>
      <p className="sub">{L.method.sub}</p>
      {/* the values name folders (the tree, unreadable ones): their bidi controls shown as escapes */}
      <KV rows={methodLines(p.m, p.report, p.result, lang).map(([k, v]) => [k, visibleBidi(v)])} className="method" />
    </Page>
  );
}

/**
 * index.html around its rows: the rows go where `slot` (a text of letters only) is, and are rendered
 * apart (IndexRows), a slice at a time, so that a million controllers' index is never one string.
 */
export function IndexPage(p: { report: NotifyReport; result: ScanResult; slot: string }): ReactNode {
  const lang = p.report.options.lang ?? 'en';
  const L = strings(lang);
  // the run's own verdict, as method.html words it: the folders not read by number, not by path (a
  // folder's name may be a caller's number; this page is not made 0600: attack round 22b C3). The
  // manifest (--files) names them.
  const run = runCompleteness(runGaps(p.result, p.report.options.register));
  const runVerdict =
    p.result.partial || !run.complete
      ? visibleBidi(L.method.incomplete(p.result.partial, gapPhrases(run, false, lang).join('; ')))
      : undefined;
  const I = L.index;
  const F = format(lang, p.result.config.zone);
  const total = p.report.total;
  return (
    <Page lang={L.htmlLang} title={I.title}>
      <h1>{I.title}</h1>
      <p className="sub">
        {I.sub(F.int(p.report.rowCount), F.when(p.result.startedAt.getTime()), F.when(p.result.finishedAt.getTime()))}{' '}
        {L.statement.times(p.result.config.zone)}
      </p>
      <p className="notice">
        {I.onlyProcessor} <a href="method.html">{I.method}</a>
      </p>
      {runVerdict && <p className="notice warn">{runVerdict}</p>}
      {p.report.options.followUp && (
        <FollowUpIndexNotice f={p.report.options.followUp} L={L} lang={lang} zone={p.result.config.zone} />
      )}
      <table className="list">
        <thead>
          <tr>
            <th>{I.name}</th>
            <th>{I.keys}</th>
            <th className="n">{I.recordings}</th>
            <th className="n">{I.hours}</th>
            <th className="n">{I.past}</th>
            <th className="n">{I.subjects}</th>
            <th>{I.found}</th>
          </tr>
        </thead>
        <tbody>
          {p.slot}
          <tr>
            <th>{I.total}</th>
            <th></th>
            <th className="n">{F.int(total.audioFiles)}</th>
            <th className="n">{F.hours(total.audioMicros / 1e6)}</th>
            <th className="n">{total.pastRetentionFiles === undefined ? '–' : F.int(total.pastRetentionFiles)}</th>
            <th className="n">{subjectsText(total, F)}</th>
            <th></th>
          </tr>
        </tbody>
      </table>
    </Page>
  );
}

const subjectsText = (r: NotifyRow, F: ReturnType<typeof format>): string =>
  r.subjects.min === r.subjects.max ? F.int(r.subjects.min) : `${F.int(r.subjects.min)}–${F.int(r.subjects.max)}`;

/** A slice of index.html's rows, each linked to its page (`files`: the slice's page names). */
export function IndexRows(p: {
  report: NotifyReport;
  result: ScanResult;
  rows: NotifyRow[];
  files: string[];
}): ReactNode {
  const lang = p.report.options.lang ?? 'en';
  const L = strings(lang);
  const I = L.index;
  const F = format(lang, p.result.config.zone);
  return p.rows.map((r, i) => {
    const unread = notRead(r.files, r.completeness);
    const complete = r.completeness?.complete !== false;
    return (
      <tr key={i}>
        <td>
          <a href={encodeURIComponent(p.files[i]!)}>
            <bdi>{rowName(r, L)}</bdi>
          </a>
          {r.kind === 'unregistered' && <span className="warn"> {I.notRegistered}</span>}
        </td>
        <td>
          {r.keys.map((k, j) => (
            <span key={j}>
              {j > 0 && <br />}
              {k.length <= 24 ? (
                <Nb>
                  <Name text={k} />
                </Nb>
              ) : (
                <Name text={k} />
              )}
            </span>
          ))}
        </td>
        <td className="n">{unread ? '–' : F.int(r.audioFiles)}</td>
        <td className="n">{unread ? '–' : F.hours(r.audioMicros / 1e6)}</td>
        <td className="n">{r.pastRetentionFiles === undefined || unread ? '–' : F.int(r.pastRetentionFiles)}</td>
        <td className="n">{unread ? '–' : subjectsText(r, F)}</td>
        <td>
          {r.files ? (
            complete ? (
              I.yes
            ) : (
              <>
                {I.yes} <span className="warn">{I.yesLower}</span>
              </>
            )
          ) : complete ? (
            I.notAffected
          ) : (
            <span className="warn">{I.cannotRuleOut}</span>
          )}
        </td>
      </tr>
    );
  });
}
