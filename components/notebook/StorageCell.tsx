'use client';
/**
 * Chapter 3's second cell: the bytes of the seed model's conv2 weights at every density, dense and stored
 * two compressed ways, as the engine counts them — where the indices cancel what the zeros save.
 */
import { LineChart } from '../charts/LineChart';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { engineWorker } from '../../workers/engineClient';
import { FigureStatus } from './FigureParts';
import { useFigure } from './useFigure';

export default function StorageCell() {
  const m = useMessages().cells.storage;
  const computing = useMessages().cells.zeros.computing;
  const format = useNumberFormat();
  const { result, error } = useFigure(() => engineWorker().weightStorage({ layer: 'conv2' }), 'conv2');
  const kB = (bytes: number) => bytes / 1000;
  return (
    <div className="cell-body storage-cell" data-testid="storage-cell">
      <FigureStatus error={error} waiting={!result} waitingText={computing} />
      {result && (
        <>
          <LineChart
            title={fill(m.chart, { layer: result.layer, weights: format.number(result.weights) })}
            series={[
              { name: m.dense, points: result.curve.map((p) => ({ x: 100 * p.density, y: kB(p.dense) })), color: '#5b6472' },
              { name: m.compressed, points: result.curve.map((p) => ({ x: 100 * p.density, y: kB(p.compressed) })), color: '#1f5fbf' },
              { name: m.bitmap, points: result.curve.map((p) => ({ x: 100 * p.density, y: kB(p.bitmap) })), color: '#8f5200' },
            ]}
            xLabel={m.xAxis}
            yLabel={m.yAxis}
            yFormat={(v) => format.number(v, 0)}
            emptyText=""
            testId="storage-chart"
          />
          <p className="cell-result" data-testid="storage-break-even">
            {fill(m.breakEven, { compressed: format.percent(result.breakEven.compressed, 1), bitmap: format.percent(result.breakEven.bitmap, 1) })}
          </p>
        </>
      )}
    </div>
  );
}
