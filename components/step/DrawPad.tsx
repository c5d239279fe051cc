'use client';
/**
 * A small canvas of cells to draw an input map on: click or drag to light cells (click a lit one to clear it).
 * Each cell is a toggle button, so the pad works from the keyboard too. A drag is followed by where the
 * pointer is, not by which cell gets the events: a touch screen captures the pointer to the first cell
 * touched, so its moves never reach another cell.
 */
import { useState } from 'react';
import { fill, useMessages } from '../../i18n/locale';

export function DrawPad({ size, onUse, onCancel }: { size: number; onUse: (drawing: number[]) => void; onCancel: () => void }) {
  const m = useMessages().draw;
  const [cells, setCells] = useState<number[]>(() => new Array(size * size).fill(0));
  const [painting, setPainting] = useState<number | null>(null);
  const paint = (i: number, value: number) => setCells((c) => (c[i] === value ? c : c.map((v, j) => (j === i ? value : v))));
  return (
    <div className="draw-pad" onPointerUp={() => setPainting(null)} onPointerCancel={() => setPainting(null)}>
      <p>{m.intro}</p>
      <div
        className="draw-grid"
        style={{ gridTemplateColumns: `repeat(${size}, var(--draw-cell))` }}
        role="group"
        aria-label={fill(m.grid, { n: size })}
        onPointerMove={(e) => {
          if (painting === null) return;
          // A mouse let go outside the pad comes back with no button down: the drag is over.
          if (e.buttons === 0) return setPainting(null);
          const cell = document.elementFromPoint(e.clientX, e.clientY)?.closest<HTMLElement>('[data-cell]');
          if (cell && e.currentTarget.contains(cell)) paint(Number(cell.dataset.cell), painting);
        }}
      >
        {cells.map((v, i) => (
          <button
            key={i}
            type="button"
            className={v ? 'draw-cell lit' : 'draw-cell'}
            aria-pressed={v > 0}
            aria-label={fill(m.cell, { row: Math.floor(i / size) + 1, col: (i % size) + 1 })}
            data-cell={i}
            onPointerDown={(e) => {
              e.preventDefault();
              // Let the moves go where the finger goes (see above).
              if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
              const value = v ? 0 : 1;
              setPainting(value);
              paint(i, value);
            }}
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
