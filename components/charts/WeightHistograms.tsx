'use client';
/**
 * Each layer's weight histogram at the latest evaluation (bars), over the first one (outline): how training
 * spreads the weights, and how pruning empties the middle. Exact zeros are counted apart, in the legend —
 * in a pruned layer they would otherwise be one bar taller than all the rest.
 */
import { memo, useRef } from 'react';
import { toCsv } from './figureExport';
import { FigureExport } from './FigureExport';
import * as d3 from 'd3';
import type { WeightHistogram } from '../../engine/train/weightHistogram';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';

interface Props {
  latest: { step: number; layers: WeightHistogram[] } | null;
  first: { step: number; layers: WeightHistogram[] } | null;
  testId?: string;
  /** File name (without extension) of its exports (CSV, SVG, PNG). */
  exportName?: string;
}

const W = 240;
const H = 90;
const BOTTOM = 16;

function LayerHistogram({ h, first }: { h: WeightHistogram; first: WeightHistogram | undefined }) {
  const m = useMessages().lab.histograms;
  const format = useNumberFormat();
  const bins = h.counts.length;
  // One x axis for both histograms, and densities (count per unit of weight) so different bin widths compare.
  const limit = Math.max(h.edges[bins], first ? first.edges[first.counts.length] : 0);
  const x = d3
    .scaleLinear()
    .domain([-limit, limit])
    .range([4, W - 4]);
  const density = (g: WeightHistogram) => g.counts.map((c) => c / (g.total * (g.edges[1] - g.edges[0])));
  const ours = density(h);
  const theirs = first ? density(first) : [];
  const y = d3
    .scaleLinear()
    .domain([0, Math.max(1e-12, ...ours, ...theirs)])
    .range([H - BOTTOM, 4]);
  const zeros = h.zeros / h.total;
  const outline = first
    ? d3
        .line<number>()
        .x((_, i) => x((first.edges[i] + first.edges[i + 1]) / 2))
        .y((d) => y(d))(theirs)
    : null;
  return (
    <div className="weight-histogram" data-testid="weight-histogram" data-zeros={zeros.toFixed(4)}>
      <div className="weight-histogram-head">
        <strong>{h.layer}</strong> <span>{zeros > 0 ? fill(m.zeros, { percent: format.percent(zeros, 1) }) : m.noZeros}</span>
      </div>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={fill(m.aria, {
          layer: h.layer,
          count: format.number(h.total),
          from: h.edges[0].toPrecision(2),
          to: h.edges[bins].toPrecision(2),
          percent: format.percent(zeros, 1),
        })}
      >
        {h.counts.map((c, i) => (
          <rect
            key={i}
            x={x(h.edges[i])}
            width={Math.max(1, x(h.edges[i + 1]) - x(h.edges[i]) - 1)}
            y={y(ours[i])}
            height={H - BOTTOM - y(ours[i])}
            fill="#0072b2"
          >
            <title>{fill(m.bin, { from: h.edges[i].toPrecision(2), to: h.edges[i + 1].toPrecision(2), count: format.number(c) })}</title>
          </rect>
        ))}
        {outline && <path d={outline} fill="none" stroke="#999" strokeDasharray="3 2" />}
        <line x1={x(0)} x2={x(0)} y1={4} y2={H - BOTTOM} stroke="#d55e00" strokeWidth={1} />
        <text x={4} y={H - 3} className="axis-label">
          {(-limit).toPrecision(2)}
        </text>
        <text x={x(0)} y={H - 3} textAnchor="middle" className="axis-label">
          0
        </text>
        <text x={W - 4} y={H - 3} textAnchor="end" className="axis-label">
          {limit.toPrecision(2)}
        </text>
      </svg>
    </div>
  );
}

/** Every layer's histogram as rows: layer, bin edges, count now, count at the first evaluation. */
function histogramsCsv(latest: { layers: WeightHistogram[] }, first: { layers: WeightHistogram[] } | null): string {
  const rows: (string | number | null)[][] = [];
  for (const h of latest.layers) {
    const before = first?.layers.find((f) => f.layer === h.layer);
    h.counts.forEach((c, i) => rows.push([h.layer, h.edges[i], h.edges[i + 1], c, before?.counts[i] ?? null]));
  }
  return toCsv(['layer', 'from', 'to', 'count', 'first_count'], rows);
}

/** The layers' svgs stacked into one, inside the figure while it is saved (so their styles resolve). */
function stackedSvg(container: HTMLElement | null): { svg: SVGSVGElement; done: () => void } | null {
  const parts = container ? [...container.querySelectorAll<SVGSVGElement>('.weight-histogram svg')] : [];
  if (!container || parts.length === 0) return null;
  const NS = 'http://www.w3.org/2000/svg';
  const ROW = H + 18;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${ROW * parts.length}`);
  parts.forEach((part, i) => {
    const label = document.createElementNS(NS, 'text');
    label.setAttribute('x', '4');
    label.setAttribute('y', String(i * ROW + 13));
    label.setAttribute('class', 'axis-label');
    label.textContent = part.closest('.weight-histogram')?.querySelector('.weight-histogram-head')?.textContent ?? '';
    const copy = part.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('y', String(i * ROW + 18));
    copy.setAttribute('width', String(W));
    copy.setAttribute('height', String(H));
    svg.append(label, copy);
  });
  svg.style.position = 'absolute';
  svg.style.width = '0';
  svg.style.height = '0';
  container.append(svg);
  return { svg, done: () => svg.remove() };
}

function WeightHistogramsFigure({ latest, first, testId, exportName }: Props) {
  const m = useMessages().lab.histograms;
  const body = useRef<HTMLDivElement>(null);
  return (
    <figure className="chart" data-testid={testId} data-step={latest?.step ?? ''}>
      <figcaption>
        <span className="chart-title">{m.title}</span>
        {latest && (
          <span className="legend">
            {fill(m.latest, { step: latest.step })}
            {first && first.step !== latest.step ? fill(m.first, { step: first.step }) : ''}
            {m.apart}
          </span>
        )}
      </figcaption>
      <div className="chart-body" ref={body}>
        {latest ? (
          <div className="weight-histograms">
            {latest.layers.map((h) => (
              <LayerHistogram key={h.layer} h={h} first={first?.layers.find((f) => f.layer === h.layer)} />
            ))}
          </div>
        ) : (
          <p className="chart-empty">{m.empty}</p>
        )}
      </div>
      {latest && exportName && <FigureExport svg={() => stackedSvg(body.current)} name={exportName} csv={() => histogramsCsv(latest, first)} />}
    </figure>
  );
}

/** Re-draws only when its props change: a live page updates many charts, most of them rarely. */
export const WeightHistograms = memo(WeightHistogramsFigure);
