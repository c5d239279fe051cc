'use client';
/**
 * Chapter 6's cell: the seed model (or the one trained in chapter 4) written as an ONNX file by the engine,
 * pruned or not: its size, its compressed size, and a button to keep it.
 */
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import { engineWorker } from '../../workers/engineClient';
import { fillNodes } from '../../i18n/RichText';
import { saveFile } from '../ui/saveFile';
import { oneOf, useUrlState } from '../ui/urlState';
import { useFigure } from './useFigure';

function fileSize(bytes: number, m: Messages['cells']['onnx'], number: (v: number, digits?: number) => string): string {
  if (bytes >= 1e6) return fill(m.megabytes, { n: number(bytes / 1e6, 2) });
  if (bytes >= 1e3) return fill(m.kilobytes, { n: number(bytes / 1e3, 1) });
  return fill(m.bytes, { n: number(bytes) });
}

export default function OnnxCell() {
  const m = useMessages().cells.onnx;
  const z = useMessages().cells.zeros;
  const format = useNumberFormat();
  const [source, setSource] = useUrlState<'initial' | 'trained'>('onnx.weights', 'initial', oneOf('initial', 'trained'));
  const [prune, setPrune] = useUrlState<string>('onnx.prune', '0.9', oneOf('0', '0.5', '0.9', '0.95'));
  const { result, busy, error } = useFigure(() => engineWorker().notebookOnnx({ source, pruneTo: Number(prune) }), `${source}/${prune}`);
  const size = (n: number) => fileSize(n, m, format.number);
  const name = result ? `sparse-cnn-lab-${result.model.preset}${result.model.source === 'trained' ? `-step${result.model.step}` : ''}${result.model.pruneTo ? `-pruned${Math.round(result.model.pruneTo * 100)}` : ''}.onnx` : '';

  return (
    <div className="cell-body onnx-cell" data-testid="onnx-cell">
      <div className="fields">
        <label>
          {m.weights}
          <select value={source} onChange={(e) => setSource(e.target.value as 'initial' | 'trained')} data-testid="onnx-weights">
            <option value="initial">{z.initial}</option>
            <option value="trained">{z.trained}</option>
          </select>
        </label>
        <label>
          {m.prune}
          <select value={prune} onChange={(e) => setPrune(e.target.value)} data-testid="onnx-prune">
            <option value="0">{m.dense}</option>
            {['0.5', '0.9', '0.95'].map((v) => (
              <option key={v} value={v}>
                {fill(m.zeros, { percent: format.percent(Number(v)) })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!result && !error && <p className="progress-label">{m.making}</p>}
      {result && (
        <div className={busy ? 'figure-result stale' : 'figure-result'} aria-busy={busy}>
          {source === 'trained' && <p className="cost-note">{result.model.source === 'trained' ? fill(z.trainedNote, { preset: result.model.preset, steps: format.number(result.model.step) }) : z.noTrained}</p>}
          <dl className="file-facts" data-testid="onnx-facts" data-bytes={result.bytes.length} data-gzip={result.gzipBytes} data-zeros={result.zeros} data-parameters={result.parameters}>
            <div>
              <dt>{m.parameters}</dt>
              <dd>{format.number(result.parameters)}</dd>
            </div>
            <div>
              <dt>{m.zeroWeights}</dt>
              <dd>
                {format.number(result.zeros)} ({format.percent(result.zeros / result.parameters)})
              </dd>
            </div>
            <div>
              <dt>{m.fileSize}</dt>
              <dd>{size(result.bytes.length)}</dd>
            </div>
            <div>
              <dt>{m.gzipSize}</dt>
              <dd>{size(result.gzipBytes)}</dd>
            </div>
          </dl>
          <p className="cell-result">{fill(m.summary, { size: size(result.bytes.length), compressed: size(result.gzipBytes), ratio: format.percent(result.gzipBytes / result.bytes.length) })}</p>
          <button type="button" className="button" onClick={() => saveFile(result.bytes, name)} data-testid="onnx-save">
            {fillNodes(m.save, { name: <code>{name}</code> })}
          </button>
        </div>
      )}
    </div>
  );
}
