'use client';
/**
 * Horizontal stacked bars: one bar per row (e.g. "forward, dense MACs"), one segment per part (a layer), so
 * the part that dominates a total — Amdahl's law at a glance — is the widest. Hover a segment for its value.
 */
import * as d3 from 'd3';
import { forwardRef, memo } from 'react';
import { useMessages } from '../../i18n/locale';

export interface StackedRow {
  label: string;
  /** One value per key, in key order; null where it was not measured. */
  values: (number | null)[];
}

export interface StackedBarsProps {
  title: string;
  keys: string[];
  colors: string[];
  rows: StackedRow[];
  format: (v: number) => string;
  unit: string;
  testId?: string;
}

const WIDTH = 900;
const LEFT = 180;
const RIGHT = 110;
const ROW = 30;
const TOP = 8;

export const StackedBars = memo(
  forwardRef<SVGSVGElement, StackedBarsProps>(function StackedBars({ title, keys, colors, rows, format, unit, testId }, ref) {
    const notMeasured = useMessages().costLab.notMeasured;
    const totals = rows.map((r) => r.values.reduce<number>((s, v) => s + (v ?? 0), 0));
    const x = d3
      .scaleLinear()
      .domain([0, Math.max(1e-12, ...totals)])
      .range([LEFT, WIDTH - RIGHT]);
    const height = TOP + rows.length * ROW + 24;
    return (
      <figure className="chart stacked-bars" data-testid={testId}>
        <figcaption>
          <span className="chart-title">{title}</span>
          <span className="legend">
            {keys.map((k, i) => (
              <span key={k} className="legend-item">
                <span className="swatch" style={{ background: colors[i] }} aria-hidden="true" />
                {k}
              </span>
            ))}
          </span>
        </figcaption>
        <svg
          ref={ref}
          viewBox={`0 0 ${WIDTH} ${height}`}
          role="img"
          aria-label={`${title}: ${rows.map((r, i) => `${r.label} ${format(totals[i])} ${unit}`).join('; ')}`}
        >
          {rows.map((row, r) => {
            let start = 0;
            const y = TOP + r * ROW;
            const measured = row.values.some((v) => v !== null);
            return (
              <g key={row.label} data-testid="stacked-row" data-total={totals[r]}>
                <text x={LEFT - 8} y={y + ROW / 2 + 4} textAnchor="end" className="axis-label">
                  {row.label}
                </text>
                {row.values.map((v, i) => {
                  if (v === null || v <= 0) return null;
                  const x0 = x(start);
                  start += v;
                  return (
                    <rect key={keys[i]} x={x0} y={y + 3} width={Math.max(0.5, x(start) - x0)} height={ROW - 8} fill={colors[i]}>
                      <title>{`${row.label} — ${keys[i]}: ${format(v)} ${unit} (${((100 * v) / (totals[r] || 1)).toFixed(0)}%)`}</title>
                    </rect>
                  );
                })}
                <text x={measured ? x(totals[r]) + 6 : LEFT} y={y + ROW / 2 + 4} className="axis-label">
                  {measured ? `${format(totals[r])} ${unit}` : notMeasured}
                </text>
              </g>
            );
          })}
          <line x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + rows.length * ROW} stroke="#c5c9ce" />
        </svg>
      </figure>
    );
  }),
);
