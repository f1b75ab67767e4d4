/**
 * One controller's statement: what the processor sends a controller about the breach (Art. 33(2)),
 * arranged in the order of the supervisory authority's notification form (Art. 33(3); IMY's e-service
 * and the EDPB template ask the same items), so that the controller can copy it field by field.
 * Figures come from the scan, the rest from the facts file (--facts); what neither gives is shown as
 * "to be completed by the processor", never invented.
 *
 * It holds what concerns this controller only: no path, command line, output file or register size
 * (which would tell one controller about the processor's machine and its other customers); the full
 * method is in method.html, for the processor.
 */
import type { ReactNode } from 'react';
import type { ScanResult } from '../../../scan/engine.js';
import { gapPhrases, notRead as isNotRead } from '../../notify/completeness.js';
import { categoriesOf, inLang, type Facts, type TomlInstant } from '../../notify/facts.js';
import { format, strings, type Format, type Lang, type Strings } from '../../lang/index.js';
import type { Method } from '../../notify/method.js';
import type { NotifyReport, NotifyRow } from '../../notify/notify.js';
import { subjectInputs } from '../../notify/notify.js';
import type { Precision } from '../../notify/subjects.js';
import { subjectsMethod } from '../../notify/subjects.js';
import { MonthChart } from './chart.js';
import { FollowUpSection } from './followup.js';
import { Given, KV, Name, Nb, Page, Tag, Tbc, marginCss, type Rows } from './page.js';
import { visibleBidi } from '../cells.js';

/** What every part of a statement needs. */
interface Ctx {
  r: NotifyRow;
  L: Strings;
  F: Format;
  lang: Lang;
  facts?: Facts;
  report: NotifyReport;
  result: ScanResult;
  m: Method;
  /** nothing found, and part of what could hold the row not read */
  unread: boolean;
}

/** The row's name as the statement's title, its bidi controls shown as visible escapes (cells.ts). */
export function rowName(r: NotifyRow, L: Strings): string {
  return r.kind === 'controller'
    ? visibleBidi(r.controller)
    : r.kind === 'unregistered'
      ? L.statement.unknownOwner(visibleBidi(r.label))
      : visibleBidi(r.label);
}

const tx = (c: Ctx, t: Parameters<typeof inLang>[0]): string | undefined => inLang(t, c.lang);
const at = (c: Ctx, t: TomlInstant | undefined): ReactNode =>
  t === undefined ? <Tbc L={c.L} /> : <Nb>{c.F.when(t.ms)}</Nb>;
const when = (c: Ctx, ms: number | undefined): ReactNode => (ms === undefined ? '–' : <Nb>{c.F.when(ms)}</Nb>);

/** The tag of the number of recordings: the form asks for one beside every number. */
function recordsPrecision(c: Ctx): { tag: Precision; how: string } {
  const S = c.L.statement.recordingsMethod;
  const comp = c.r.completeness;
  if (c.unread) return { tag: 'cannot be determined', how: S.notRead };
  if (comp && !comp.complete)
    return {
      tag: 'lower bound',
      how:
        comp.unassigned && gapPhrases(comp).length === 1
          ? S.unassigned
          : comp.unreadFolders || !(comp.otherNotOpened || comp.linkedFiles)
            ? S.lower
            : S.own,
    };
  if (c.r.unreadableFiles) return { tag: 'approximate', how: S.unreadable(c.F.int(c.r.unreadableFiles)) };
  return { tag: 'exact', how: S.exact };
}

function Notice(c: Ctx): ReactNode {
  const { r, L, F } = c;
  const S = L.statement;
  const comp = r.completeness;
  const who = r.kind === 'controller' ? S.whoController : S.whoKey;
  const its = r.keys.length === 1 ? S.itsKey : S.itsKeys;
  const gaps = comp ? gapPhrases(comp, false, c.lang).join('; ') : '';
  if (r.files === 0 && comp?.complete) {
    const n = c.result.unreadableFolders;
    return (
      <p className="notice">
        {S.notAffected(who, its)}
        {n ? S.notAffectedElsewhere(F.int(n), n, its) : ''}
      </p>
    );
  }
  // a customer only like a key not found (ACME for acme) is no part left unread: said as what it is
  const like = !!comp?.lookalikes?.length;
  // files of its own not counted as recordings (round 23b H2, H3), and nothing left unread: said as that
  const own = !!(comp?.otherNotOpened || comp?.linkedFiles) && !like && !comp.unreadFolders;
  // customers no key names, and nothing left unread: said as that (attack round 26b: "could not be read")
  const unassigned = !!comp?.unassigned && gapPhrases(comp).length === 1;
  const [cannot, lower] = like
    ? [S.cannotRuleOutLike, S.lowerBoundsLike]
    : own
      ? [S.cannotRuleOutOwn, S.lowerBoundsOwn]
      : unassigned
        ? [S.cannotRuleOutUnassigned, S.lowerBoundsUnassigned]
        : [S.cannotRuleOut, S.lowerBounds];
  if (c.unread) return <p className="notice">{cannot(who, gaps)}</p>;
  if (comp && !comp.complete) return <p className="notice">{lower(who, gaps)}</p>;
  return null;
}

function Notification(c: Ctx): ReactNode {
  const S = c.L.statement;
  const n = c.facts?.notification;
  // --from --since: a follow-up by what it holds, where the facts file does not say (the earlier
  // notification's reference and date are then to be completed)
  const kind = n?.kind ?? (c.report.options.followUp ? 'follow-up' : undefined);
  const rows: Rows = [
    [S.kindLabel, kind ? kind === 'initial' ? S.initial : S.followUp : <Tbc L={c.L} />],
    kind === 'follow-up' && [S.earlierRef, <Given key="r" text={n?.earlier_reference} L={c.L} />],
    kind === 'follow-up' && [S.earlierDate, at(c, n?.earlier_date)],
  ];
  return <KV rows={rows} />;
}

function Parties(c: Ctx): ReactNode {
  const { r, L, F } = c;
  const S = L.statement;
  const p = c.facts?.processor;
  const registered = r.kind === 'controller';
  const keys = r.keys.map((k, i) => (
    <span key={i}>
      {i > 0 && <br />}
      <Name text={k} />
    </span>
  ));
  const rows: Rows = [
    [S.controller, registered ? <Name text={r.controller} /> : <span className="warn">{S.notInRegister}</span>],
    registered && [S.orgId, r.org_id || <Tbc L={L} />],
    registered && [S.contact, r.contact || <Tbc L={L} />],
    [r.keys.length === 1 ? S.keyOne : S.keysMany(F.int(r.keys.length)), keys.length ? keys : '–'],
    [S.processor, <Given key="p" text={tx(c, p?.name)} L={L} />],
    [S.processorOrgId, <Given key="o" text={p?.org_id} L={L} />],
    [S.processorContact, <Given key="c" text={tx(c, p?.contact)} L={L} />],
    [S.dpo, <Given key="d" text={tx(c, p?.dpo)} L={L} />],
  ];
  return <KV rows={rows} />;
}

function Breach(c: Ctx): ReactNode {
  const { L, F } = c;
  const S = L.statement;
  const b = c.facts?.breach;
  const start = b?.exposure_start;
  const end = b?.exposure_end;
  const exposure: ReactNode =
    start && end ? (
      <>
        <Nb>{F.when(start.ms)}</Nb> {L.to} <Nb>{F.when(end.ms)}</Nb>
      </>
    ) : start ? (
      S.exposureSince(F.when(start.ms))
    ) : end ? (
      S.exposureUntil(F.when(end.ms))
    ) : (
      <Tbc L={L} />
    );
  const how = tx(c, b?.unintelligible_how);
  const unintelligible: ReactNode =
    b?.unintelligible === undefined ? (
      <Tbc L={L} />
    ) : (
      <>
        {b.unintelligible ? S.unintelligibleYes : S.unintelligibleNo}
        {how !== undefined && <span className="fact">{`: ${how}`}</span>}
      </>
    );
  const rows: Rows = [
    [S.nature, <Given key="n" text={tx(c, b?.nature)} L={L} />],
    [S.howFound, <Given key="h" text={tx(c, b?.how_found)} L={L} />],
    [S.discovered, at(c, b?.discovered)],
    [S.exposure, exposure],
    // a confidentiality breach of this controller's recordings only where some were found
    c.r.files > 0 && [S.type, S.typeValue],
    [S.unintelligible, unintelligible],
  ];
  return <KV rows={rows} />;
}

const regionNames = new Map<string, Intl.DisplayNames>();

/** "Sweden" / "Sverige" for SE: a lawyer copies the country, not its ISO code, into the form */
function countryName(code: string, c: Ctx): string {
  if (code === 'unknown') return c.L.statement.unknownCountry;
  let names = regionNames.get(c.lang);
  if (!names) regionNames.set(c.lang, (names = new Intl.DisplayNames([c.L.htmlLang], { type: 'region' })));
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

function Subjects(c: Ctx): ReactNode {
  const { r, L, F } = c;
  const S = L.statement;
  const s = r.subjects;
  const cats = categoriesOf(r, c.facts, c.lang);
  const number = c.unread ? L.notKnown : s.min === s.max ? F.int(s.min) : `${F.int(s.min)} – ${F.int(s.max)}`;
  const method = subjectsMethod(subjectInputs(r), c.lang, r.completeness?.complete, r.files);
  const rows: Rows = [
    [S.subjectCategories, <Given key="c" text={cats.subjects} L={L} />],
    [S.subjectsNumber, number],
    [S.precisionLabel, <Tag key="t">{L.precision[s.precision]}</Tag>],
    [S.methodLabel, method],
    r.distinctCallers !== undefined &&
      !c.unread && [S.distinctCallers, `${F.int(r.distinctCallers)}${r.callersDeduplicated ? '' : S.notDeduplicated}`],
    r.distinctCallers !== undefined && !c.unread && [S.withheld, F.int(r.withheldCallerCalls)],
  ];
  return (
    <>
      <KV rows={rows} />
      {r.callersByCountry?.length && !c.unread ? (
        <>
          <p>{S.byCountry}</p>
          <table className="list countries">
            <thead>
              <tr>
                <th>{S.country}</th>
                <th className="n">{S.callers}</th>
              </tr>
            </thead>
            <tbody>
              {r.callersByCountry.map(([code, n]) => (
                <tr key={code}>
                  <td>{code === 'unknown' ? countryName(code, c) : `${countryName(code, c)} (${code})`}</td>
                  <td className="n">{F.int(n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}

function Records(c: Ctx): ReactNode {
  const { r, L, F } = c;
  const S = L.statement;
  const cats = categoriesOf(r, c.facts, c.lang);
  const plan = c.report.options.retention;
  const prec = recordsPrecision(c);
  const seconds = r.audioMicros / 1e6;
  const rows: Rows = c.unread
    ? [
        [S.dataCategories, <Given key="c" text={cats.data} L={L} />],
        [S.recordings, S.recordingsNotRead],
        [S.recordingsPrecision, <Tag key="t">{L.precision[prec.tag]}</Tag>],
      ]
    : [
        [S.dataCategories, <Given key="c" text={cats.data} L={L} />],
        [S.recordings, F.int(r.audioFiles)],
        [
          S.recordingsPrecision,
          <span key="p">
            <Tag>{L.precision[prec.tag]}</Tag> {prec.how}
          </span>,
        ],
        [S.hours, S.hoursValue(F.hours(seconds), F.seconds(seconds))],
        [
          S.period,
          r.firstMs === undefined ? (
            '–'
          ) : (
            <>
              {when(c, r.firstMs)} {L.to} {when(c, r.lastMs)}
            </>
          ),
        ],
        [S.codecs, r.formats.map(([k, n]) => `${k} ${F.int(n)}`).join('; ') || '–'],
        [S.unreadableFiles, F.int(r.unreadableFiles)],
        [S.otherFiles, F.int(r.otherFiles)],
        [S.filesInAll, S.filesBytes(F.int(r.files), F.int(r.bytes))],
      ];
  const retention: Rows =
    !r.retentionDays.length || !plan
      ? []
      : [
          [S.retention, S.retentionDays(r.retentionDays.map((d) => F.int(d)).join(' / '))],
          [
            S.asOf,
            <>
              {when(c, plan.asOfMs)}
              {plan.asOfIsScanStart ? S.asOfScanStart : ''}
            </>,
          ],
          [
            S.pastRetention,
            c.unread ? L.notKnown : r.pastRetentionFiles === undefined ? S.pastNotCounted : F.int(r.pastRetentionFiles),
          ],
          !c.unread &&
            r.pastRetentionMicros !== undefined && [
              S.pastHours,
              S.hoursValue(F.hours(r.pastRetentionMicros / 1e6), F.seconds(r.pastRetentionMicros / 1e6)),
            ],
          !c.unread && [S.oldestPast, when(c, r.oldestPastRetentionMs)],
        ];
  return (
    <>
      <KV rows={[...rows, ...retention]} />
      {(!r.retentionDays.length || !plan) && <p>{S.noRetention}</p>}
    </>
  );
}

function Completeness(c: Ctx): ReactNode {
  const { r, L } = c;
  const S = L.statement;
  const comp = r.completeness;
  const value: ReactNode = !comp ? (
    L.notKnown
  ) : comp.complete ? (
    r.files === 0 ? (
      S.completeNothing
    ) : (
      S.completeRead
    )
  ) : (
    <>
      <span className="warn">{S.incompleteLabel}</span>
      {': '}
      {(r.files === 0 ? S.incompleteNothing : S.incompleteRead)(gapPhrases(comp, false, c.lang).join('; '))}
    </>
  );
  return <KV rows={[[S.completeness, value]]} />;
}

function ShortMethod(c: Ctx): ReactNode {
  const { r, L, F } = c;
  const S = L.statement;
  const tree = tx(c, c.facts?.tree_name) ?? L.treeDefault;
  const dates = r.dateSources.length
    ? r.dateSources.map(([rule, n]) => L.dateRuleCount(F.int(n), L.dateRule[rule] ?? rule)).join('; ')
    : S.methodDatesNone;
  const ip = c.m.sized_in_place;
  const rows: Rows = [
    [S.methodHow, S.methodHowValue],
    // a web server's tree: sized where it is, and what that cost the server
    ip !== null && [
      S.methodInPlace,
      S.methodInPlaceValue(
        F.int(ip.requests),
        F.int(ip.bytes_transferred),
        ip.share_of_tree === null ? '-' : F.pct(ip.share_of_tree),
      ),
    ],
    [S.methodTool, c.m.tool],
    [S.methodScan, when(c, c.result.startedAt.getTime())],
    [S.methodTree, tree],
    [S.methodDates, dates],
  ];
  return <KV rows={rows} className="method" />;
}

function Section(p: { n: number; title: string; long?: boolean; children: ReactNode }): ReactNode {
  return (
    <section className={p.long ? 'long' : undefined}>
      <h2>
        {p.n}. {p.title}
      </h2>
      {p.children}
    </section>
  );
}

export function Statement(p: { r: NotifyRow; report: NotifyReport; result: ScanResult; m: Method }): ReactNode {
  const lang = p.report.options.lang ?? 'en';
  const L = strings(lang);
  const F = format(lang, p.result.config.zone);
  const facts = p.report.options.facts;
  const c: Ctx = {
    ...p,
    L,
    F,
    lang,
    facts,
    unread: isNotRead(p.r.files, p.r.completeness),
  };
  const S = L.statement;
  const name = rowName(p.r, L);
  const tree = tx(c, facts?.tree_name) ?? L.treeDefault;
  const scanned = F.when(p.result.startedAt.getTime());
  const run = p.m.completeness;
  const pr = facts?.processor;
  let n = 0;
  const next = (): number => ++n;
  return (
    <Page lang={L.htmlLang} title={S.title(name)} margin={marginCss(name, L)}>
      <header>
        <p className="kicker">{S.kicker}</p>
        <h1>
          <bdi>{name}</bdi>
        </h1>
        <p className="sub">
          {(p.r.kind === 'controller' ? S.intro : S.introKey)(tree, scanned)} {S.times(p.result.config.zone)}
          {run !== 'complete' && (
            <>
              {' '}
              <span className="warn">{run === 'partial' ? S.runPartial : S.runIncomplete}</span>
            </>
          )}
        </p>
      </header>
      <Notice {...c} />
      {p.report.options.followUp && (
        <FollowUpSection r={p.r} f={p.report.options.followUp} L={L} F={F} lang={lang} zone={p.result.config.zone} />
      )}
      <Section n={next()} title={S.notification}>
        <Notification {...c} />
      </Section>
      <Section n={next()} title={S.parties}>
        <Parties {...c} />
      </Section>
      <Section n={next()} title={S.breach}>
        <Breach {...c} />
      </Section>
      <Section n={next()} title={S.subjects}>
        <Subjects {...c} />
      </Section>
      <Section n={next()} title={S.records} long>
        <Records {...c} />
      </Section>
      <Section n={next()} title={S.completeness}>
        <Completeness {...c} />
      </Section>
      <Section n={next()} title={S.consequences}>
        <p>
          <Given text={tx(c, facts?.consequences)} L={L} />
        </p>
      </Section>
      <Section n={next()} title={S.measures}>
        <KV
          rows={[
            [S.measuresTaken, <Given key="t" text={tx(c, facts?.measures.taken)} L={L} />],
            [S.measuresProposed, <Given key="p" text={tx(c, facts?.measures.proposed)} L={L} />],
          ]}
        />
      </Section>
      <Section n={next()} title={S.communication}>
        <KV rows={[[S.advice, <Given key="a" text={tx(c, facts?.advice_to_data_subjects)} L={L} />]]} />
      </Section>
      <Section n={next()} title={S.contactPoint}>
        <KV
          rows={[
            [S.processorContact, <Given key="c" text={tx(c, pr?.contact)} L={L} />],
            [S.dpo, <Given key="d" text={tx(c, pr?.dpo)} L={L} />],
          ]}
        />
      </Section>
      <Section n={next()} title={S.method}>
        <ShortMethod {...c} />
      </Section>
      <Section n={next()} title={S.chart}>
        <MonthChart r={p.r} L={L} F={F} />
      </Section>
      <footer>{S.footer}</footer>
    </Page>
  );
}
