'use client';
/**
 * Time of one convolution against the density of its operands (input × weights, log scale), for the dense
 * kernel and both sparse kernels, as measured on this device. The crossover — where sparse starts winning
 * everywhere below — is marked, beside where published systems switch to sparse (on their hardware).
 */
import * as d3 from 'd3';
import { forwardRef, memo } from 'react';
import type { SweepPoint } from '../../engine/cost/sweep';
import { fill, useMessages } from '../../i18n/locale';
import { LogAxes } from './LogAxes';

/**
 * Where published systems switch to sparse, as a density product (dense inputs assumed unless said); each
 * one's label and source are in the messages (`sweep.literature`).
 */
export const LITERATURE_LINES = [
  { key: 'scnn', product: 0.85 * 0.85 },
  { key: 'xnnpack', product: 1 / 3 },
  { key: 'sparseprop', product: 0.2 },
] as const;

/** The kernels timed, each named in the messages (`sweep.series`). */
const SWEEP_SERIES = [
  { key: 'denseMs', color: '#777777' },
  { key: 'weightSparseMs', color: '#0072b2' },
  { key: 'cartesianMs', color: '#e69f00' },
] as const;

const W = 720;
const H = 380;
const M = { top: 74, right: 20, bottom: 46, left: 60 };

export interface SweepChartProps {
  points: SweepPoint[];
  crossover: number | null;
  testId?: string;
  /** The backend the points were measured on, named in the title. */
  backend?: string;
}

export const SweepChart = memo(
  forwardRef<SVGSVGElement, SweepChartProps>(function SweepChart({ points, crossover, testId, backend }, ref) {
    const m = useMessages().sweep;
    const products = points.map((p) => p.product);
    const times = points.flatMap((p) => [p.denseMs, p.cartesianMs, p.weightSparseMs]).filter((t) => t > 0);
    const x = d3
      .scaleLog()
      .domain([Math.min(1e-3, ...products) / 1.5, 1.5])
      .range([M.left, W - M.right]);
    const y = d3
      .scaleLog()
      .domain([Math.max(1e-3, (d3.min(times) ?? 1) / 1.5), (d3.max(times) ?? 10) * 1.5])
      .nice()
      .range([H - M.bottom, M.top]);
    const xTicks = [0.001, 0.01, 0.1, 1].filter((t) => t >= x.domain()[0]);
    const yTicks = y.ticks(5).filter((t) => Number.isInteger(Math.log10(t)) || y.ticks(5).length <= 6);
    return (
      <figure className="chart sweep-chart" data-testid={testId} data-points={points.length} data-crossover={crossover ?? ''}>
        <figcaption>
          <span className="chart-title">{backend ? `${m.chart.title} — ${backend}` : m.chart.title}</span>
          <span className="legend">
            {SWEEP_SERIES.map((s) => (
              <span key={s.key} className="legend-item">
                <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
                {m.series[s.key]}
              </span>
            ))}
          </span>
        </figcaption>
        <svg ref={ref} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={fill(m.chart.aria, { n: points.length, crossover: crossover ?? m.chart.notMeasured })}>
          <LogAxes x={x} y={y} xTicks={xTicks} yTicks={yTicks} width={W} height={H} margin={M} xLabel={m.chart.xAxis} yLabel={m.chart.yAxis} />
          {LITERATURE_LINES.map((l, i) => (
            <g key={l.key} data-testid="literature-line">
              <line x1={x(l.product)} x2={x(l.product)} y1={M.top - 8 - 16 * (2 - i)} y2={H - M.bottom} stroke="#9a6fb0" strokeDasharray="2 3" />
              <text x={x(l.product) - 4} y={M.top - 12 - 16 * (2 - i)} textAnchor="end" className="axis-label literature-label">
                {m.literature[l.key].label}
              </text>
              <title>{fill(m.chart.literature, { label: m.literature[l.key].label, product: l.product.toFixed(2), source: m.literature[l.key].source })}</title>
            </g>
          ))}
          {crossover !== null && crossover > 0 && (
            <g data-testid="crossover-line">
              <line x1={x(crossover)} x2={x(crossover)} y1={M.top - 4} y2={H - M.bottom} stroke="#d55e00" strokeWidth={2} />
              <text x={x(crossover) + 4} y={H - M.bottom - 8} className="axis-label crossover-label">
                {fill(m.chart.crossover, { crossover })}
              </text>
            </g>
          )}
          {SWEEP_SERIES.map((s) =>
            points.map((p) => (
              <circle
                key={`${s.key}-${p.inputDensity}-${p.weightDensity}`}
                cx={x(p.product)}
                cy={y(p[s.key])}
                r={s.key === 'denseMs' ? 3.5 : 4.5}
                fill={s.color}
                fillOpacity={0.85}
                data-testid="sweep-point"
              >
                <title>
                  {fill(m.chart.point, {
                    input: p.inputDensity,
                    weights: p.weightDensity,
                    product: +p.product.toPrecision(3),
                    series: m.series[s.key],
                    ms: p[s.key].toFixed(2),
                    repeats: p.repeats,
                  })}
                </title>
              </circle>
            )),
          )}
        </svg>
      </figure>
    );
  }),
);
