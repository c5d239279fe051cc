'use client';
/**
 * A rows × columns heatmap (d3 colour scale, log or linear), e.g. layers × steps of gradient norms: one
 * glance shows which layer's gradients vanish or explode, and when.
 */
import { memo, useEffect, useMemo, useRef } from 'react';
import { toCsv } from './figureExport';
import { FigureExport } from './FigureExport';
import * as d3 from 'd3';
import { fill } from '../../i18n/locale';
import { useOnScreen } from './useOnScreen';

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
/**
 * At most this many columns are drawn, evenly spaced and always the latest (one per 4 units of the plot): a
 * full-data run's hundreds of measured steps were thousands of cells, all re-drawn at every new one. The CSV
 * keeps every value.
 */
const MAX_COLUMNS = 120;

export interface HeatmapCell {
  row: string;
  x: number;
  value: number;
  /** Position and size in the SVG's units, and colour. */
  left: number;
  top: number;
  width: number;
  fill: string;
}

export interface HeatmapLayout {
  names: string[];
  /** The columns drawn (the first and the latest x among them). */
  xs: number[];
  cells: HeatmapCell[];
  lo: number;
  hi: number;
  /** Every value, drawn or not. */
  count: number;
  height: number;
}

/** Where each drawn cell goes and its colour: columns thinned to MAX_COLUMNS, colours on a (log) viridis scale. */
export function heatmapLayout(rows: Record<string, { x: number; y: number }[]>, log: boolean): HeatmapLayout {
  const names = Object.keys(rows);
  const allXs = [...new Set(names.flatMap((n) => rows[n].map((p) => p.x)))].sort((a, b) => a - b);
  const every = Math.ceil(allXs.length / MAX_COLUMNS);
  const xs = every <= 1 ? allXs : allXs.filter((_, i) => i % every === 0 || i === allXs.length - 1);
  const column = new Map(xs.map((x, i) => [x, i]));
  const values = names.flatMap((n) => rows[n].map((p) => p.y)).filter((v) => !log || v > 0);
  const lo = d3.min(values) ?? 1;
  const hi = d3.max(values) ?? 1;
  const t = (v: number) => (log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1) : (v - lo) / (hi - lo || 1));
  const cellW = xs.length ? (WIDTH - LEFT) / xs.length : 0;
  const cells = names.flatMap((row, r) =>
    rows[row].flatMap((p) => {
      const c = column.get(p.x);
      if (c === undefined) return [];
      const fill = p.y > 0 || !log ? d3.interpolateViridis(t(p.y)) : '#eee';
      return [{ row, x: p.x, value: p.y, left: LEFT + c * cellW, top: r * ROW, width: Math.max(1, cellW - 1), fill }];
    }),
  );
  const count = names.reduce((n, name) => n + rows[name].length, 0);
  return { names, xs: values.length ? xs : [], cells, lo, hi, count, height: names.length * ROW + 24 };
}

function HeatmapFigure({ title, rows, xTemplate, ariaTemplate, valueLabel, log = false, emptyText, testId, exportName }: HeatmapProps) {
  const ref = useRef<SVGSVGElement>(null);
  const cellsRef = useRef<SVGGElement>(null);
  const figure = useRef<HTMLElement>(null);
  const onScreen = useOnScreen(figure);
  const layout = useMemo(() => heatmapLayout(rows, log), [rows, log]);
  const { names, xs, lo, hi, height } = layout;
  const has = xs.length > 0;

  // The cells are drawn by d3 in a task of their own, when on screen (like the line charts): a live run's
  // update does not wait for hundreds of cells.
  useEffect(() => {
    if (!onScreen || !has) return;
    const task = setTimeout(() => {
      d3.select(cellsRef.current)
        .selectAll<SVGRectElement, HeatmapCell>('rect')
        .data(layout.cells, (c) => `${c.row}:${c.x}`)
        .join((enter) => enter.append('rect').call((rect) => rect.append('title')))
        .attr('x', (c) => c.left)
        .attr('y', (c) => c.top)
        .attr('width', (c) => c.width)
        .attr('height', ROW - 2)
        .attr('fill', (c) => c.fill)
        .select('title')
        .text((c) => `${c.row}, ${fill(xTemplate, { x: c.x })}: ${c.value.toPrecision(3)}`);
    }, 0);
    return () => clearTimeout(task);
  }, [layout, onScreen, has, xTemplate]);

  return (
    <figure ref={figure} className="chart" data-testid={testId} data-cells={layout.count}>
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
              <text key={name} x={LEFT - 6} y={r * ROW + ROW / 2 + 4} textAnchor="end" className="axis-label">
                {name}
              </text>
            ))}
            <g ref={cellsRef} />
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
