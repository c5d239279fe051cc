'use client';
/** A figure's export buttons: its numbers (CSV), the chart as drawn (SVG), and a picture of it (PNG). */
import type { RefObject } from 'react';
import { downloadCsv, downloadPng, downloadSvg } from './figureExport';

/**
 * `svg`: the chart's svg, or a function that lends one for the export (a figure of several svgs composes
 * them) and takes it back afterwards.
 */
export function FigureExport({
  svg,
  name,
  csv,
}: {
  svg: RefObject<SVGSVGElement | null> | (() => { svg: SVGSVGElement; done: () => void } | null);
  name: string;
  csv?: () => string;
}) {
  const withSvg = async (save: (el: SVGSVGElement) => void | Promise<void>) => {
    if (typeof svg !== 'function') return svg.current && save(svg.current);
    const lent = svg();
    if (!lent) return;
    try {
      await save(lent.svg);
    } finally {
      lent.done();
    }
  };
  return (
    <div className="figure-export">
      {csv && (
        <button type="button" className="button small" onClick={() => downloadCsv(csv(), `${name}.csv`)} data-testid={`${name}-csv`}>
          CSV
        </button>
      )}
      <button type="button" className="button small" onClick={() => void withSvg((el) => downloadSvg(el, `${name}.svg`))} data-testid={`${name}-svg`}>
        SVG
      </button>
      <button type="button" className="button small" onClick={() => void withSvg((el) => downloadPng(el, `${name}.png`))} data-testid={`${name}-png`}>
        PNG
      </button>
    </div>
  );
}
