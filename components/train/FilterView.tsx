/**
 * The first convolution's filters as tiny pictures: each k×k×3 filter's weights, scaled together so that 0 is
 * mid-grey, drawn as RGB (the filters of the first layer look at colour directly). Values from the worker.
 */
import { useEffect, useRef, memo } from 'react';
import { fill, useMessages } from '../../i18n/locale';

export interface Filters {
  shape: number[];
  values: Float32Array;
  zeros: number;
}

function FilterCanvas({ filters, index, scale }: { filters: Filters; index: number; scale: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [, C, KH, KW] = filters.shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(KW, KH);
    for (let p = 0; p < KH * KW; p++) {
      for (let c = 0; c < 3; c++) {
        const v = filters.values[(index * C + Math.min(c, C - 1)) * KH * KW + p];
        image.data[4 * p + c] = Math.round(128 + 127 * Math.max(-1, Math.min(1, v / scale)));
      }
      image.data[4 * p + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [filters, index, scale, C, KH, KW]);
  return <canvas ref={ref} width={KW} height={KH} className="filter" aria-hidden="true" />;
}

function FilterViewView({ filters }: { filters: Filters | null }) {
  const m = useMessages().lab.filters;
  if (!filters) return <p className="cost-note">{m.empty}</p>;
  let scale = 1e-9;
  for (const v of filters.values) scale = Math.max(scale, Math.abs(v));
  const [K, C, KH, KW] = filters.shape;
  return (
    <div data-testid="filters">
      <p className="cost-note">
        {fill(m.summary, {
          count: K,
          shape: `${C}×${KH}×${KW}`,
          pruned: filters.zeros ? fill(m.pruned, { count: filters.zeros }) : '',
          largest: scale.toFixed(3),
        })}
      </p>
      <div className="filter-grid">
        {Array.from({ length: K }, (_, k) => (
          <FilterCanvas key={k} filters={filters} index={k} scale={scale} />
        ))}
      </div>
    </div>
  );
}

/** Re-renders only when its data changes, not at every training step. */
export const FilterView = memo(FilterViewView);
