'use client';
/** A small grid of numbers for the step-through, with the cells the current steps touch marked. */

export const fmt = (v: number) => (Math.abs(v) < 0.005 ? '0' : v.toFixed(2));

/** A grid of values; `dense`/`sparse` mark the cells the current steps touch. */
export function Grid(props: {
  label: string;
  rows: number;
  cols: number;
  values: ArrayLike<number>;
  offset?: number;
  dense?: number;
  sparse?: number;
  empty?: (i: number) => boolean;
  /** Cells to outline (a pooling window). */
  marked?: (i: number) => boolean;
  /** The cell whose formula term is pointed at. */
  linked?: number;
  /** Called with the index of the cell pointed at (null when the pointer leaves the grid). */
  onPoint?: (i: number | null) => void;
  /** Drawn faded: not used by the current step (another input channel's map and weights). */
  faded?: boolean;
  testId?: string;
  engine?: ArrayLike<number>;
}) {
  const { rows, cols, values, offset = 0, onPoint } = props;
  const cells = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = offset + r * cols + c;
      const v = values[i];
      const classes = ['cell'];
      if (props.empty?.(i)) classes.push('zero');
      if (props.marked?.(i)) classes.push('marked');
      if (props.dense === i) classes.push('at-dense');
      if (props.sparse === i) classes.push('at-sparse');
      if (props.linked === i) classes.push('linked');
      cells.push(
        <div
          key={i}
          className={classes.join(' ')}
          data-index={i}
          data-engine={props.engine ? props.engine[i] : undefined}
          title={`${props.label} [${r}, ${c}] = ${v}`}
        >
          {props.empty?.(i) ? '' : fmt(v)}
        </div>,
      );
    }
  return (
    <div className={props.faded ? 'grid-block faded' : 'grid-block'}>
      <div className="grid-label">{props.label}</div>
      <div
        className="value-grid"
        style={{ gridTemplateColumns: `repeat(${cols}, var(--value-cell))` }}
        data-testid={props.testId}
        onPointerOver={
          onPoint &&
          ((e) => {
            const index = (e.target as Element).closest('[data-index]')?.getAttribute('data-index');
            onPoint(index == null ? null : Number(index));
          })
        }
        // A tap's pointer leaves as the finger lifts: on a touch screen the cell stays pointed at until the next tap.
        onPointerLeave={onPoint && ((e) => e.pointerType === 'mouse' && onPoint(null))}
      >
        {cells}
      </div>
    </div>
  );
}
