'use client';
/** The grid lines, tick labels and axis titles of a chart on two log scales (the sparsity sweep, the roofline). */
import * as d3 from 'd3';

export interface LogAxesProps {
  x: d3.ScaleLogarithmic<number, number>;
  y: d3.ScaleLogarithmic<number, number>;
  xTicks: number[];
  yTicks: number[];
  /** The chart's size and margins, in its viewBox units. */
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  xLabel: string;
  yLabel: string;
}

export function LogAxes({ x, y, xTicks, yTicks, width: W, height: H, margin: M, xLabel, yLabel }: LogAxesProps) {
  return (
    <>
      {xTicks.map((t) => (
        <g key={`x${t}`}>
          <line x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} stroke="#eef0f2" />
          <text x={x(t)} y={H - M.bottom + 16} textAnchor="middle" className="axis-label">
            {d3.format('~g')(t)}
          </text>
        </g>
      ))}
      {yTicks.map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#eef0f2" />
          <text x={M.left - 6} y={y(t) + 4} textAnchor="end" className="axis-label">
            {d3.format('~g')(t)}
          </text>
        </g>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 8} textAnchor="middle" className="axis-label">
        {xLabel}
      </text>
      <text transform={`translate(14,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">
        {yLabel}
      </text>
    </>
  );
}
