'use client';
/**
 * A small canvas of cells to draw an input map on: click or drag to light cells (click a lit one to clear it).
 * Each cell is a toggle button, so the pad works from the keyboard too.
 */
import { useState } from 'react';
import { fill, useMessages } from '../../i18n/locale';

export function DrawPad({ size, onUse, onCancel }: { size: number; onUse: (drawing: number[]) => void; onCancel: () => void }) {
  const m = useMessages().draw;
  const [cells, setCells] = useState<number[]>(() => new Array(size * size).fill(0));
  const [painting, setPainting] = useState<number | null>(null);
  const paint = (i: number, value: number) => setCells((c) => (c[i] === value ? c : c.map((v, j) => (j === i ? value : v))));
  return (
    <div className="draw-pad" onPointerUp={() => setPainting(null)} onPointerLeave={() => setPainting(null)}>
      <p>{m.intro}</p>
      <div className="draw-grid" style={{ gridTemplateColumns: `repeat(${size}, 1.6rem)` }} role="group" aria-label={fill(m.grid, { n: size })}>
        {cells.map((v, i) => (
          <button
            key={i}
            type="button"
            className={v ? 'draw-cell lit' : 'draw-cell'}
            aria-pressed={v > 0}
            aria-label={fill(m.cell, { row: Math.floor(i / size) + 1, col: (i % size) + 1 })}
            onPointerDown={(e) => {
              e.preventDefault();
              const value = v ? 0 : 1;
              setPainting(value);
              paint(i, value);
            }}
            onPointerEnter={() => painting !== null && paint(i, painting)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                paint(i, v ? 0 : 1);
              }
            }}
            data-testid="draw-cell"
          />
        ))}
      </div>
      <div className="buttons">
        <button type="button" className="button primary" onClick={() => onUse(cells)} data-testid="use-drawing">
          {m.use}
        </button>
        <button type="button" className="button" onClick={() => setCells(new Array(size * size).fill(0))}>
          {m.clear}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {m.cancel}
        </button>
      </div>
    </div>
  );
}
