'use client';
/**
 * A rows × columns heatmap (d3 colour scale, log or linear), e.g. layers × steps of gradient norms: one
 * glance shows which layer's gradients vanish or explode, and when.
 */
import { memo, useRef } from 'react';
import { toCsv } from './figureExport';
import { FigureExport } from './FigureExport';
import * as d3 from 'd3';
import { fill } from '../../i18n/locale';

export interface HeatmapProps {
  title: string;
  /** Row name → values at the shared columns (x positions). */
  rows: Record<string, { x: number; y: number }[]>;
  /** How a column is named, `{x}` filled in: 'step {x}'. */
  xTemplate: string;
  /** What a screen reader hears: `{title}`, `{rows}`, `{from}` and `{to}` are filled in. */
  ariaTemplate: string;
  valueLabel: string;
  log?: boolean;
  emptyText: string;
  testId?: string;
  /** File name (without extension) of its exports (CSV, SVG, PNG). */
  exportName?: string;
}

const WIDTH = 520;
const ROW = 22;
const LEFT = 60;

function HeatmapFigure({ title, rows, xTemplate, ariaTemplate, valueLabel, log = false, emptyText, testId, exportName }: HeatmapProps) {
  const ref = useRef<SVGSVGElement>(null);
  const names = Object.keys(rows);
  const xs = [...new Set(names.flatMap((n) => rows[n].map((p) => p.x)))].sort((a, b) => a - b);
  const values = names.flatMap((n) => rows[n].map((p) => p.y)).filter((v) => !log || v > 0);
  const has = xs.length > 0 && values.length > 0;
  const lo = d3.min(values) ?? 1;
  const hi = d3.max(values) ?? 1;
  const t = (v: number) => (log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1) : (v - lo) / (hi - lo || 1));
  const cellW = has ? (WIDTH - LEFT) / xs.length : 0;
  const height = names.length * ROW + 24;
  return (
    <figure className="chart" data-testid={testId} data-cells={names.reduce((n, name) => n + rows[name].length, 0)}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {has && (
          <span className="legend">
            {valueLabel}: {lo.toPrecision(2)} <span className="heat-scale" aria-hidden="true" /> {hi.toPrecision(2)}
          </span>
        )}
      </figcaption>
      <div className="chart-body">
        {has ? (
          <svg
            ref={ref}
            viewBox={`0 0 ${WIDTH} ${height}`}
            role="img"
            aria-label={fill(ariaTemplate, { title, rows: names.join(', '), from: xs[0], to: xs[xs.length - 1] })}
          >
            {names.map((name, r) => (
              <g key={name}>
                <text x={LEFT - 6} y={r * ROW + ROW / 2 + 4} textAnchor="end" className="axis-label">
                  {name}
                </text>
                {rows[name].map((p) => (
                  <rect
                    key={p.x}
                    x={LEFT + xs.indexOf(p.x) * cellW}
                    y={r * ROW}
                    width={Math.max(1, cellW - 1)}
                    height={ROW - 2}
                    fill={p.y > 0 || !log ? d3.interpolateViridis(t(p.y)) : '#eee'}
                  >
                    <title>{`${name}, ${fill(xTemplate, { x: p.x })}: ${p.y.toPrecision(3)}`}</title>
                  </rect>
                ))}
              </g>
            ))}
            <text x={LEFT} y={height - 6} className="axis-label">
              {fill(xTemplate, { x: xs[0] })}
            </text>
            <text x={WIDTH} y={height - 6} textAnchor="end" className="axis-label">
              {fill(xTemplate, { x: xs[xs.length - 1] })}
            </text>
          </svg>
        ) : (
          <p className="chart-empty">{emptyText}</p>
        )}
      </div>
      {has && exportName && (
        <FigureExport
          svg={ref}
          name={exportName}
          csv={() =>
            toCsv(
              ['row', 'x', 'value'],
              names.flatMap((n) => rows[n].map((p) => [n, p.x, p.y])),
            )
          }
        />
      )}
    </figure>
  );
}

/** Re-draws only when its props change: a live page updates many charts, most of them rarely. */
export const Heatmap = memo(HeatmapFigure);
