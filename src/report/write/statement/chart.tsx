/** Recordings per month as an inline SVG bar chart (prints as vectors, needs no script or file). */
import type { ReactNode } from 'react';
import type { NotifyRow } from '../../notify/notify.js';
import type { Format, Strings } from '../../lang/index.js';

/** Every month from the first to the last, with zeros for the months without recordings. */
function monthSeries(r: NotifyRow): [string, number, number][] {
  if (!r.months.length) return [];
  const have = new Map(r.months.map(([m, v]) => [m, v]));
  const [y0, m0] = r.months[0]![0].split('-').map(Number) as [number, number];
  const [y1, m1] = r.months[r.months.length - 1]![0].split('-').map(Number) as [number, number];
  const out: [string, number, number][] = [];
  for (let y = y0, m = m0; y < y1 || (y === y1 && m <= m1); m === 12 ? ((m = 1), y++) : m++) {
    const k = `${y}-${String(m).padStart(2, '0')}`;
    const v = have.get(k);
    out.push([k, v?.audio ?? 0, (v?.micros ?? 0) / 1e6]);
  }
  return out;
}

const W = 660;
const H = 190;
const LEFT = 56;
const BOTTOM = 52;
const TOP = 10;

export function MonthChart(p: { r: NotifyRow; L: Strings; F: Format }): ReactNode {
  const { L, F } = p;
  const series = monthSeries(p.r);
  if (!series.length) return <p>{L.statement.chartNone}</p>;
  const max = Math.max(...series.map((s) => s[1]), 1);
  const bw = (W - LEFT - 4) / series.length;
  // at most ~18 month labels, so that they never overlap
  const every = Math.max(1, Math.ceil(series.length / 18));
  const y = (v: number): number => TOP + (H - TOP - BOTTOM) * (1 - v / max);
  const f1 = (v: number): string => v.toFixed(1);
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={L.statement.chartLabel}
    >
      <line x1={LEFT} y1={y(0)} x2={W} y2={y(0)} stroke="#333" />
      <line x1={LEFT} y1={TOP} x2={LEFT} y2={y(0)} stroke="#333" />
      <text x={LEFT - 4} y={TOP + 4} textAnchor="end">
        {F.int(max)}
      </text>
      <text x={LEFT - 4} y={y(0)} textAnchor="end">
        0
      </text>
      {series.map(([m, n, seconds], i) => {
        const x = LEFT + i * bw;
        const cx = f1(x + bw / 2);
        return (
          <g key={m}>
            <rect x={f1(x + bw * 0.1)} y={f1(y(n))} width={f1(bw * 0.8)} height={f1(y(0) - y(n))} fill="#3a5f8f">
              <title>{L.statement.chartTip(m, F.int(n), n, F.hours(seconds))}</title>
            </rect>
            {i % every === 0 && (
              <text x={cx} y={H - BOTTOM + 12} textAnchor="end" transform={`rotate(-45 ${cx} ${H - BOTTOM + 12})`}>
                {m}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
