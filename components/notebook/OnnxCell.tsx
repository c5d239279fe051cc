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
import { FigureStatus, PruneSelect, TrainedNote, WeightsSelect } from './FigureParts';
import { useFigure } from './useFigure';

function fileSize(bytes: number, m: Messages['cells']['onnx'], number: (v: number, digits?: number) => string): string {
  if (bytes >= 1e6) return fill(m.megabytes, { n: number(bytes / 1e6, 2) });
  if (bytes >= 1e3) return fill(m.kilobytes, { n: number(bytes / 1e3, 1) });
  return fill(m.bytes, { n: number(bytes) });
}

export default function OnnxCell() {
  const m = useMessages().cells.onnx;
  const format = useNumberFormat();
  const [source, setSource] = useUrlState<'initial' | 'trained'>('onnx.weights', 'initial', oneOf('initial', 'trained'));
  const [prune, setPrune] = useUrlState<string>('onnx.prune', '0.9', oneOf('0', '0.5', '0.9', '0.95'));
  const { result, busy, error } = useFigure(() => engineWorker().notebookOnnx({ source, pruneTo: Number(prune) }), `${source}/${prune}`);
  const size = (n: number) => fileSize(n, m, format.number);
  const name = result
    ? `sparse-cnn-lab-${result.model.preset}${result.model.source === 'trained' ? `-step${result.model.step}` : ''}${result.model.pruneTo ? `-pruned${Math.round(result.model.pruneTo * 100)}` : ''}.onnx`
    : '';

  return (
    <div className="cell-body onnx-cell" data-testid="onnx-cell">
      <div className="fields">
        <WeightsSelect value={source} onChange={setSource} testId="onnx-weights" />
        <PruneSelect label={m.prune} value={prune} shares={['0.5', '0.9', '0.95']} onChange={setPrune} testId="onnx-prune" />
      </div>
      <FigureStatus error={error} waiting={!result} waitingText={m.making} />
      {result && (
        <div className={busy ? 'figure-result stale' : 'figure-result'} aria-busy={busy}>
          <TrainedNote asked={source} model={result.model} />
          <dl
            className="file-facts"
            data-testid="onnx-facts"
            data-bytes={result.bytes.length}
            data-gzip={result.gzipBytes}
            data-zeros={result.zeros}
            data-parameters={result.parameters}
          >
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
          <p className="cell-result">
            {fill(m.summary, {
              size: size(result.bytes.length),
              compressed: size(result.gzipBytes),
              ratio: format.percent(result.gzipBytes / result.bytes.length),
            })}
          </p>
          <button type="button" className="button" onClick={() => saveFile(result.bytes, name)} data-testid="onnx-save">
            {fillNodes(m.save, { name: <code>{name}</code> })}
          </button>
        </div>
      )}
    </div>
  );
}
