'use client';
/**
 * The roofline (log–log): FLOPs per byte moved against GFLOP/s achieved, under the device's two limits — the
 * memory slope (bandwidth × intensity) and the compute roof. Each layer's kernel is one series, a point per
 * pruning level joined in order of zeros, so a sparse kernel's slide down the slope is one line. A point
 * pointed at or tapped (the nearest one to the pointer), or reached by the arrow keys, shows where its numbers
 * come from, under the chart.
 */
import * as d3 from 'd3';
import { forwardRef, memo, useState } from 'react';
import { attainableGflops, ridgeIntensity, type Roof, type RooflinePoint } from '../../engine/cost/roofline';
import { byteSize, compactCount, fill, useMessages } from '../../i18n/locale';
import { LogAxes } from './LogAxes';

/** Colours per kernel, the sweep's for the convolutions (colour-blind safe, Okabe–Ito). */
export const KERNEL_COLORS: Record<RooflinePoint['kernel'], string> = {
  dense: '#777777',
  weightSparse: '#0072b2',
  cartesian: '#e69f00',
  csr: '#009e73',
};

const W = 720;
const H = 420;
const M = { top: 30, right: 24, bottom: 46, left: 64 };
/** How far from a point the pointer may be and still pick it: in chart units, and at least this many CSS pixels (a 44 px target for a finger). */
const PICK_RADIUS = 40;
const PICK_RADIUS_PX = 22;

export interface RooflineChartProps {
  roof: Roof;
  points: RooflinePoint[];
  /** The backend measured, named in the title. */
  backend: string;
  testId?: string;
}

/** A point's radius: bigger with more zeros in the pruned layers, so a line's far end is the most pruned. */
const radius = (prune: number) => 3 + 3 * prune;

/**
 * Where each series' name goes: beside its most-pruned point — right of it, else left, above, below, then
 * further down — the first place that covers no name already placed (two kernels of one unpruned layer sit on
 * one spot). A letter of a label is about 7 units wide.
 */
function placeLabels(anchors: { x: number; y: number; text: string }[]): { x: number; y: number; anchor: 'start' | 'end' }[] {
  const LINE = 13;
  const placed: { left: number; y: number; width: number }[] = [];
  return anchors.map(({ x, y, text }) => {
    const width = 7 * text.length;
    const candidates = [
      { x: x + 8, y, anchor: 'start' as const },
      { x: x - 8, y, anchor: 'end' as const },
      ...[-1, 1, 2, 3, 4].map((lines) => ({ x: x + 8, y: y + lines * LINE, anchor: 'start' as const })),
    ];
    const left = (c: (typeof candidates)[number]) => (c.anchor === 'start' ? c.x : c.x - width);
    const free = (c: (typeof candidates)[number]) => !placed.some((q) => Math.abs(q.y - c.y) < LINE && left(c) < q.left + q.width && q.left < left(c) + width);
    const chosen = candidates.find(free) ?? candidates[candidates.length - 1];
    placed.push({ left: left(chosen), y: chosen.y, width });
    return chosen;
  });
}

/** A measured rate or ratio to a sensible number of digits: 123, 45.6, 7.89, 0.12. */
export const num = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

export const RooflineChart = memo(
  forwardRef<SVGSVGElement, RooflineChartProps>(function RooflineChart({ roof, points, backend, testId }, ref) {
    const m = useMessages().roofline;
    const [picked, setPicked] = useState<number | null>(null);
    const ridge = ridgeIntensity(roof);
    const intensities = [...points.map((p) => p.intensity), ridge].filter((v) => v > 0);
    const speeds = points.map((p) => p.gflops).filter((v) => v > 0);
    const x = d3
      .scaleLog()
      .domain([(d3.min(intensities) ?? 0.1) / 2, (d3.max(intensities) ?? 10) * 2])
      .range([M.left, W - M.right]);
    const y = d3
      .scaleLog()
      .domain([Math.min(roof.peakGflops / 100, (d3.min(speeds) ?? 1) / 2), roof.peakGflops * 2])
      .range([H - M.bottom, M.top]);
    const [x0, x1] = x.domain();
    // The roof: the memory slope up to the ridge, then flat (clipped to the plot).
    const slopeStart = Math.max(x0, y.domain()[0] / roof.bandwidthGBs);
    const roofPath = `M${x(slopeStart)},${y(attainableGflops(roof, slopeStart))} L${x(Math.min(ridge, x1))},${y(attainableGflops(roof, Math.min(ridge, x1)))} L${x(x1)},${y(attainableGflops(roof, x1))}`;
    // Each layer's kernel, its points in order of zeros (the last is the most pruned, where its name goes).
    const series = d3
      .groups(
        points.map((p, i) => ({ p, i })),
        (d) => `${d.p.layer}:${d.p.kernel}`,
      )
      .map(([key, members]) => [key, members.slice().sort((a, b) => a.p.prune - b.p.prune)] as const);
    const labels = placeLabels(
      series.map(([, sorted]) => {
        const last = sorted[sorted.length - 1].p;
        return { x: x(last.intensity), y: y(last.gflops) + 4, text: last.layer };
      }),
    );
    const decade = (t: number) => Number.isInteger(Math.log10(t));
    const xTicks = x.ticks().filter(decade);
    const yTicks = y.ticks().filter(decade);
    const kernelName = (k: RooflinePoint['kernel']) => m.kernels[k];
    const point = picked !== null ? points[picked] : null;
    const attainable = point ? attainableGflops(roof, point.intensity) : 0;
    /** The point nearest the pointer (a tap anywhere near a point picks it: no 4 px target to hit on a phone). */
    const pickNearest = (event: React.PointerEvent<SVGSVGElement>) => {
      const box = event.currentTarget.getBoundingClientRect();
      const px = ((event.clientX - box.left) / box.width) * W;
      const py = ((event.clientY - box.top) / box.height) * H;
      let best: number | null = null;
      let bestDistance = Math.max(PICK_RADIUS, (PICK_RADIUS_PX * W) / box.width);
      points.forEach((p, i) => {
        const d = Math.hypot(x(p.intensity) - px, y(p.gflops) - py);
        if (d < bestDistance) [best, bestDistance] = [i, d];
      });
      if (best !== null) setPicked(best);
    };
    const walk = (step: number) => setPicked((i) => (points.length ? ((i ?? -step) + step + points.length) % points.length : null));
    return (
      <figure className="chart roofline-chart" data-testid={testId} data-points={points.length}>
        <figcaption>
          <span className="chart-title">{`${m.chart.title} — ${backend}`}</span>
          <span className="legend">
            {(Object.keys(KERNEL_COLORS) as RooflinePoint['kernel'][])
              .filter((k) => points.some((p) => p.kernel === k))
              .map((k) => (
                <span key={k} className="legend-item">
                  <span className="swatch" style={{ background: KERNEL_COLORS[k] }} aria-hidden="true" />
                  {kernelName(k)}
                </span>
              ))}
            <span className="legend-item size-key" data-testid="roofline-size-key">
              <svg width="24" height="14" aria-hidden="true">
                <circle cx="5" cy="7" r={radius(0)} fill="#777" />
                <circle cx="17" cy="7" r={radius(0.95)} fill="#777" />
              </svg>
              {m.chart.sizeKey}
            </span>
          </span>
        </figcaption>
        <div
          className="chart-body"
          tabIndex={points.length ? 0 : undefined}
          aria-label={m.chart.pick}
          onKeyDown={(e) => {
            const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
            if (!step) return;
            walk(step);
            e.preventDefault();
          }}
        >
          <svg
            ref={ref}
            viewBox={`0 0 ${W} ${H}`}
            role="img"
            aria-label={fill(m.chart.aria, { backend, peak: num(roof.peakGflops), bandwidth: num(roof.bandwidthGBs), n: points.length })}
            onPointerMove={pickNearest}
            onPointerDown={pickNearest}
          >
            <LogAxes x={x} y={y} xTicks={xTicks} yTicks={yTicks} width={W} height={H} margin={M} xLabel={m.chart.xAxis} yLabel={m.chart.yAxis} />
            <path d={roofPath} fill="none" stroke="#222" strokeWidth={2.5} data-testid="roof" />
            <text x={x(Math.min(ridge, x1)) + 6} y={y(roof.peakGflops) - 8} className="axis-label roof-label">
              {fill(m.chart.peak, { peak: num(roof.peakGflops) })}
            </text>
            {ridge > x0 && ridge < x1 && (
              <g data-testid="ridge">
                <line x1={x(ridge)} x2={x(ridge)} y1={y(roof.peakGflops)} y2={H - M.bottom} stroke="#222" strokeDasharray="3 4" />
                <text x={x(ridge) + 4} y={H - M.bottom - 8} className="axis-label">
                  {fill(m.chart.ridge, { ridge: num(ridge) })}
                </text>
              </g>
            )}
            <text
              x={x(slopeStart) + 8}
              y={y(attainableGflops(roof, slopeStart)) - 8}
              className="axis-label roof-label"
              transform={`rotate(${-(Math.atan2(y(attainableGflops(roof, slopeStart)) - y(attainableGflops(roof, Math.min(ridge, x1))), x(Math.min(ridge, x1)) - x(slopeStart)) * 180) / Math.PI}, ${x(slopeStart) + 8}, ${y(attainableGflops(roof, slopeStart)) - 8})`}
            >
              {fill(m.chart.bandwidth, { bandwidth: num(roof.bandwidthGBs) })}
            </text>
            {series.map(([key, sorted], s) => {
              const color = KERNEL_COLORS[sorted[0].p.kernel];
              const last = sorted[sorted.length - 1].p;
              return (
                <g key={key} data-testid="roofline-series" data-layer={last.layer} data-kernel={last.kernel}>
                  {sorted.length > 1 && (
                    <path
                      d={d3.line()(sorted.map(({ p }) => [x(p.intensity), y(p.gflops)]))!}
                      fill="none"
                      stroke={color}
                      strokeWidth={1.5}
                      strokeOpacity={0.6}
                    />
                  )}
                  {sorted.map(({ p, i }) => (
                    <circle
                      key={i}
                      cx={x(p.intensity)}
                      cy={y(p.gflops)}
                      r={picked === i ? 7 : radius(p.prune)}
                      fill={color}
                      fillOpacity={0.85}
                      stroke={picked === i ? '#000' : 'none'}
                      strokeWidth={2}
                      data-testid="roofline-point"
                      data-picked={picked === i}
                    >
                      <title>{fill(m.chart.point, { layer: p.layer, kernel: kernelName(p.kernel), prune: Math.round(p.prune * 100) })}</title>
                    </circle>
                  ))}
                  <text x={labels[s].x} y={labels[s].y} textAnchor={labels[s].anchor} className="axis-label" fill={color}>
                    {last.layer}
                  </text>
                </g>
              );
            })}
          </svg>
        </div>
        <p className="chart-readout" aria-live="polite" data-testid={testId ? `${testId}-readout` : undefined}>
          {point
            ? fill(m.chart.readout, {
                layer: point.layer,
                kernel: kernelName(point.kernel),
                prune: Math.round(point.prune * 100),
                flops: compactCount(point.flops),
                bytes: byteSize(point.bytes),
                intensity: num(point.intensity),
                ms: point.ms.toFixed(3),
                gflops: num(point.gflops),
                attainable: num(attainable),
                bound: point.intensity < ridge ? m.chart.memoryBound : m.chart.computeBound,
              })
            : m.chart.pick}
        </p>
      </figure>
    );
  }),
);
