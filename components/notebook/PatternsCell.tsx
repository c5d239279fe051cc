'use client';
/**
 * Chapter 7's cell: one layer's weights made 50% or 75% zero in three patterns — anywhere, N of every 4,
 * whole filters — drawn as masks over the weights' magnitudes, with the share of Σw² each one keeps. The
 * masks and numbers come from the engine (`engine/sparse/structured.ts`).
 */
import { useEffect, useRef } from 'react';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { engineWorker } from '../../workers/engineClient';
import { oneOf, useUrlState } from '../ui/urlState';
import { FigureStatus, TrainedNote, WeightsSelect } from './FigureParts';
import { useFigure } from './useFigure';

/** Kept weights in blue, darker where |w| is larger; pruned ones white. */
function MaskMap({ mask, magnitudes, rows, cols, label }: { mask: Uint8Array; magnitudes: Float32Array; rows: number; cols: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    let largest = 1e-12;
    for (const v of magnitudes) largest = Math.max(largest, v);
    const image = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const t = Math.sqrt(magnitudes[i] / largest);
      const rgb = mask[i] ? [Math.round(225 - 225 * t), Math.round(235 - 121 * t), Math.round(250 - 72 * t)] : [255, 255, 255];
      image.data.set([...rgb, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }, [mask, magnitudes, rows, cols]);
  return <canvas ref={ref} width={cols} height={rows} className="mask-map pixelated" role="img" aria-label={label} />;
}

export default function PatternsCell() {
  const m = useMessages().cells.patterns;
  const format = useNumberFormat();
  const [layer, setLayer] = useUrlState<'conv2' | 'fc1'>('patterns.layer', 'conv2', oneOf('conv2', 'fc1'));
  const [zeros, setZeros] = useUrlState<string>('patterns.zeros', '0.5', oneOf('0.5', '0.75'));
  const [source, setSource] = useUrlState<'initial' | 'trained'>('patterns.weights', 'initial', oneOf('initial', 'trained'));
  const { result, busy, error } = useFigure(() => engineWorker().sparsityPatterns({ source, layer, sparsity: Number(zeros) }), `${layer}/${zeros}/${source}`);
  const keep = Number(zeros) === 0.5 ? 2 : 1;

  return (
    <div className="cell-body patterns-cell" data-testid="patterns-cell">
      <div className="fields">
        <label>
          {m.layer}
          <select value={layer} onChange={(e) => setLayer(e.target.value as 'conv2' | 'fc1')} data-testid="patterns-layer">
            <option value="conv2">conv2</option>
            <option value="fc1">fc1</option>
          </select>
        </label>
        <label>
          {m.zeros}
          <select value={zeros} onChange={(e) => setZeros(e.target.value)} data-testid="patterns-zeros">
            <option value="0.5">{m.half}</option>
            <option value="0.75">{m.threeQuarters}</option>
          </select>
        </label>
        <WeightsSelect value={source} onChange={setSource} testId="patterns-weights" />
      </div>
      <FigureStatus error={error} waiting={!result} waitingText={m.computing} />
      {result && (
        <div className={busy ? 'figure-result stale' : 'figure-result'} aria-busy={busy}>
          <TrainedNote asked={source} model={result.model} />
          <p className="cost-note">{fill(m.corner, { rows: result.rows, cols: result.cols, layer: result.layer, shape: result.shape.join('×') })}</p>
          <ol className="pattern-list" data-testid="patterns">
            {result.patterns.map((p) => {
              const name = fill(m.names[p.pattern], { keep });
              return (
                <li key={p.pattern} data-testid="pattern" data-pattern={p.pattern} data-kept={p.keptEnergy.toFixed(4)}>
                  <h4>{name}</h4>
                  <MaskMap
                    mask={p.mask}
                    magnitudes={result.magnitudes}
                    rows={result.rows}
                    cols={result.cols}
                    label={fill(m.mapLabel, { pattern: name, rows: result.rows, cols: result.cols })}
                  />
                  <p className="cell-result">{fill(m.kept, { percent: format.percent(p.keptEnergy, 1) })}</p>
                  <p className="cost-note">{m.hardware[p.pattern]}</p>
                </li>
              );
            })}
          </ol>
        </div>
      )}
    </div>
  );
}
