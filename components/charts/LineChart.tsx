'use client';
/**
 * A small d3 line chart: several series over a shared x axis, redrawn when the data changes. Pointing at
 * it (or focusing it and pressing ← →) reads out every series' exact value at that x — on a touch screen
 * a tap does the same: nothing is shown only on hover.
 */
import * as d3 from 'd3';
import { useEffect, useRef, useState, memo } from 'react';
import { useOnScreen } from './useOnScreen';
import { fill, useLocale, useMessages } from '../../i18n/locale';
import { toCsv } from './figureExport';
import { FigureExport } from './FigureExport';

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  /** Thin and translucent, for raw values under a smoothed line. */
  faint?: boolean;
  dots?: boolean;
}

export interface LineChartProps {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel: string;
  yDomain?: [number, number];
  yFormat?: (v: number) => string;
  /** 'log' for quantities spanning orders of magnitude (gradient norms); non-positive values are left out. */
  yScale?: 'linear' | 'log';
  emptyText: string;
  testId?: string;
  /** File name (without extension) of its exports: with one, the chart offers CSV, SVG and PNG. */
  exportName?: string;
}

/** The series as CSV: one row per x, one column per series (empty where a series has no point there). */
export function seriesCsv(series: Series[], xLabel: string): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const byX = series.map((s) => new Map(s.points.map((p) => [p.x, p.y])));
  return toCsv(
    [xLabel, ...series.map((s) => s.name)],
    xs.map((x) => [x, ...byX.map((values) => values.get(x) ?? null)]),
  );
}

/**
 * At most about MAX_PATH_POINTS points of a long series go into its path (every k-th, and the last): a
 * 520-px-wide chart cannot show more, and a long run's charts stay cheap to redraw.
 */
const MAX_PATH_POINTS = 800;
function thinned<P>(points: P[]): P[] {
  if (points.length <= MAX_PATH_POINTS) return points;
  const k = Math.ceil(points.length / MAX_PATH_POINTS);
  const out = points.filter((_, i) => i % k === 0);
  if ((points.length - 1) % k !== 0) out.push(points[points.length - 1]);
  return out;
}

const WIDTH = 520;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 40, left: 52 };

/** The point of a series nearest to x (points in increasing x), or undefined for an empty series. */
function nearestPoint(points: { x: number; y: number }[], x: number): { x: number; y: number } | undefined {
  if (points.length === 0) return undefined;
  const i = d3.bisector((p: { x: number }) => p.x).left(points, x);
  if (i <= 0) return points[0];
  if (i >= points.length) return points[points.length - 1];
  return x - points[i - 1].x <= points[i].x - x ? points[i - 1] : points[i];
}

function LineChartFigure({ title, series, xLabel, yLabel, yDomain, yFormat, yScale = 'linear', emptyText, testId, exportName }: LineChartProps) {
  const ref = useRef<SVGSVGElement>(null);
  const figure = useRef<HTMLElement>(null);
  const onScreen = useOnScreen(figure);
  const hasData = series.some((s) => s.points.length > 0);
  const m = useMessages().charts;
  // The x being read out (null: none), and the scales of the latest drawing (to place it).
  const [readAt, setReadAt] = useState<number | null>(null);
  const scales = useRef<{ x: d3.ScaleLinear<number, number>; y: (v: number) => number } | null>(null);
  // The x grid a read-out moves along: the longest series' points.
  const grid = series.reduce<{ x: number; y: number }[]>((longest, s) => (s.points.length > longest.length ? s.points : longest), []);
  const formatY = (v: number) => (yFormat ? yFormat(v) : Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(4));

  useEffect(() => {
    if (!onScreen) return; // drawn when it comes into view
    // Each chart draws in a task of its own: a page of live charts never blocks for all of them at once.
    const task = setTimeout(draw, 0);
    return () => clearTimeout(task);

    function draw() {
      const svg = d3.select(ref.current);
      if (!hasData) {
        svg.selectAll('*').remove();
        return;
      }
      const log = yScale === 'log';
      const all = series.flatMap((s) => s.points).filter((p) => !log || p.y > 0);
      const xMax = d3.max(all, (p) => p.x) ?? 1;
      const x = d3
        .scaleLinear()
        .domain([0, Math.max(1, xMax)])
        .range([MARGIN.left, WIDTH - MARGIN.right]);
      const [lo, hi] =
        yDomain ?? (log ? [(d3.min(all, (p) => p.y) ?? 1e-3) / 1.5, (d3.max(all, (p) => p.y) ?? 1) * 1.5] : [0, (d3.max(all, (p) => p.y) ?? 1) * 1.05]);
      const y = (log ? d3.scaleLog() : d3.scaleLinear())
        .domain([lo, hi])
        .nice()
        .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
      scales.current = { x, y: (v: number) => y(Math.max(lo, Math.min(hi, v))) };

      // The frame (axes, labels) is built once and updated in place: a live chart redraws several times a
      // second, and rebuilding every element each time costs the page more than the data does.
      const once = <E extends d3.BaseType>(selector: string, create: () => d3.Selection<E, unknown, null, undefined>) => {
        const found = svg.select<E>(selector);
        return (found.empty() ? create() : found) as unknown as d3.Selection<E, unknown, null, undefined>;
      };
      const xAxis = once<SVGGElement>('g.x-axis', () =>
        svg
          .append('g')
          .attr('class', 'axis x-axis')
          .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`),
      );
      xAxis.call(
        d3
          .axisBottom(x)
          .ticks(Math.min(6, Math.max(1, xMax)))
          .tickFormat(d3.format('~s')),
      ); // whole steps only
      const yAxis = once<SVGGElement>('g.y-axis', () => svg.append('g').attr('class', 'axis y-axis').attr('transform', `translate(${MARGIN.left},0)`));
      yAxis.call(
        log
          ? d3
              .axisLeft(y)
              .ticks(4)
              .tickFormat((y as d3.ScaleLogarithmic<number, number>).tickFormat(4, '~g')) // labels on powers of ten only
          : d3
              .axisLeft(y)
              .ticks(5)
              .tickFormat((v) => (yFormat ? yFormat(Number(v)) : d3.format('~g')(Number(v)))),
      );
      once<SVGTextElement>('text.x-label', () =>
        svg
          .append('text')
          .attr('class', 'axis-label x-label')
          .attr('x', (MARGIN.left + WIDTH - MARGIN.right) / 2)
          .attr('y', HEIGHT - 6)
          .attr('text-anchor', 'middle'),
      ).text(xLabel);
      once<SVGTextElement>('text.y-label', () =>
        svg
          .append('text')
          .attr('class', 'axis-label y-label')
          .attr('transform', `translate(14,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`)
          .attr('text-anchor', 'middle'),
      ).text(yLabel);

      const line = d3
        .line<{ x: number; y: number }>()
        .defined((p) => !log || p.y > 0)
        .x((p) => x(p.x))
        .y((p) => y(Math.max(lo, Math.min(hi, p.y))));
      svg
        .selectAll<SVGPathElement, Series>('path.series')
        .data(series, (s) => s.name)
        .join('path')
        .attr('class', 'series')
        .attr('fill', 'none')
        .attr('stroke', (s) => s.color)
        .attr('stroke-width', (s) => (s.faint ? 1 : 2.2))
        .attr('stroke-opacity', (s) => (s.faint ? 0.35 : 1))
        .attr('d', (s) => line(thinned(s.points)));
      svg
        .selectAll<SVGGElement, Series>('g.dots')
        .data(
          series.filter((s) => s.dots),
          (s) => s.name,
        )
        .join('g')
        .attr('class', 'dots')
        .each(function (s) {
          d3.select(this)
            .selectAll<SVGCircleElement, { x: number; y: number }>('circle')
            .data(s.points)
            .join((enter) => enter.append('circle').call((c) => c.append('title')))
            .attr('cx', (p) => x(p.x))
            .attr('cy', (p) => y(p.y))
            .attr('r', 3.5)
            .attr('fill', s.color)
            .select('title')
            .text((p) => `step ${p.x}: ${yFormat ? yFormat(p.y) : p.y.toFixed(3)}`);
        });
    }
  }, [series, hasData, xLabel, yLabel, yDomain, yFormat, yScale, onScreen]);

  // The read-out's rule and markers, drawn over the lines (after them: a new drawing is scheduled first).
  useEffect(() => {
    const task = setTimeout(() => {
      const svg = d3.select(ref.current);
      const s = scales.current;
      const shown = readAt !== null && s !== null && hasData;
      const rule = svg.selectAll<SVGLineElement, number>('line.readout-rule').data(shown ? [readAt] : []);
      rule
        .join('line')
        .attr('class', 'readout-rule')
        .attr('x1', (v) => s!.x(v))
        .attr('x2', (v) => s!.x(v))
        .attr('y1', MARGIN.top)
        .attr('y2', HEIGHT - MARGIN.bottom);
      const marks = shown ? series.flatMap((line) => (nearestPoint(line.points, readAt) ? [{ line, p: nearestPoint(line.points, readAt)! }] : [])) : [];
      svg
        .selectAll<SVGCircleElement, (typeof marks)[number]>('circle.readout-mark')
        .data(marks, (d) => d.line.name)
        .join('circle')
        .attr('class', 'readout-mark')
        .attr('cx', (d) => s!.x(d.p.x))
        .attr('cy', (d) => s!.y(d.p.y))
        .attr('r', 4.5)
        .attr('stroke', (d) => d.line.color);
    }, 0);
    return () => clearTimeout(task);
  }, [readAt, series, hasData]);

  const readFromPointer = (event: React.PointerEvent<SVGSVGElement>) => {
    const s = scales.current;
    if (!s || grid.length === 0) return;
    const box = event.currentTarget.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * WIDTH;
    setReadAt(nearestPoint(grid, s.x.invert(px))!.x);
  };
  const readFromKeys = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (grid.length === 0) return;
    if (event.key === 'Escape') return setReadAt(null);
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight' && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    const at = readAt === null ? grid.length - 1 : grid.findIndex((p) => p.x === nearestPoint(grid, readAt)!.x);
    const next = event.key === 'Home' ? 0 : event.key === 'End' ? grid.length - 1 : at + (event.key === 'ArrowLeft' ? -1 : 1);
    setReadAt(grid[Math.max(0, Math.min(grid.length - 1, next))].x);
  };
  const readout =
    readAt === null || !hasData
      ? null
      : series.flatMap((s) => {
          const p = nearestPoint(s.points, readAt);
          return p ? [{ name: s.name, color: s.color, p }] : [];
        });

  const last = (s: Series) => s.points[s.points.length - 1];
  return (
    <figure
      ref={figure}
      className="chart"
      data-testid={testId}
      data-points={series.map((s) => s.points.length).join(',')}
      data-first={series[0]?.points[0]?.y ?? ''}
    >
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="legend">
          {series
            .filter((s) => !s.faint)
            .map((s) => (
              <span key={s.name} className="legend-item">
                <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.name}
                {last(s) ? `: ${yFormat ? yFormat(last(s).y) : Math.abs(last(s).y) >= 1e4 ? last(s).y.toExponential(2) : last(s).y.toFixed(3)}` : ''}
              </span>
            ))}
        </span>
      </figcaption>
      <div
        className="chart-body"
        tabIndex={hasData ? 0 : undefined}
        onKeyDown={readFromKeys}
        onBlur={() => setReadAt(null)}
        aria-label={hasData ? m.readoutHelp : undefined}
      >
        <svg
          ref={ref}
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-label={`${title} chart`}
          onPointerMove={readFromPointer}
          onPointerDown={readFromPointer}
          onPointerLeave={(e) => e.pointerType === 'mouse' && setReadAt(null)}
        />
        {!hasData && <p className="chart-empty">{emptyText}</p>}
      </div>
      {readout && (
        <p className="chart-readout" aria-live="polite" data-testid={testId ? `${testId}-readout` : undefined}>
          <span className="readout-x">{fill(m.readout, { x: `${xLabel} ${readAt}` })}</span>
          {readout.map(({ name, color, p }) => (
            <span key={name} className="readout-item">
              <span className="swatch" style={{ background: color }} aria-hidden="true" />
              {name}: {formatY(p.y)}
              {p.x !== readAt ? ` (${xLabel} ${p.x})` : ''}
            </span>
          ))}
        </p>
      )}
      {hasData && <DataTable series={series} xLabel={xLabel} yFormat={yFormat} />}
      {hasData && exportName && <FigureExport svg={ref} name={exportName} csv={() => seriesCsv(series, xLabel)} />}
    </figure>
  );
}

/** Rows shown by the table: enough to read a run's start, without flooding the page. */
const TABLE_ROWS = 200;

/** The numbers behind the lines, one row per x, built only while it is open. */
function DataTable({ series, xLabel, yFormat }: { series: Series[]; xLabel: string; yFormat?: (v: number) => string }) {
  const m = useMessages().charts;
  const locale = useLocale();
  const [open, setOpen] = useState(false);
  const xs = open ? [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b) : [];
  const byX = open ? series.map((s) => new Map(s.points.map((p) => [p.x, p.y]))) : [];
  return (
    <details className="chart-data" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{m.showNumbers}</summary>
      {open && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">{xLabel}</th>
                {series.map((s) => (
                  <th key={s.name} scope="col">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {xs.slice(0, TABLE_ROWS).map((x) => (
                <tr key={x}>
                  <th scope="row">{x}</th>
                  {byX.map((values, i) => {
                    const v = values.get(x);
                    return <td key={series[i].name}>{v === undefined ? '' : yFormat ? yFormat(v) : v.toFixed(5)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {xs.length > TABLE_ROWS && <p className="chart-data-more">{fill(m.moreRows, { n: (xs.length - TABLE_ROWS).toLocaleString(locale) })}</p>}
        </>
      )}
    </details>
  );
}

/** Re-draws only when its props change: a live page updates many charts, most of them rarely. */
export const LineChart = memo(LineChartFigure);
