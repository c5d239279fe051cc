'use client';
/**
 * A notebook cell that trains the seed (or tiny) model for a few hundred steps, dense or pruned, in the
 * engine worker — a short demonstration run, not saved. Its settings live in the URL.
 */
import { useRef, useState } from 'react';
import type { SessionTrainConfig } from '../../engine/train/session';
import type { TrainEvent } from '../../engine/train/trainer';
import { fill, useMessages, useNumberFormat, useLocalizedHref } from '../../i18n/locale';
import { engineWorker, proxy } from '../../workers/engineClient';
import { LineChart } from '../charts/LineChart';
import { ProgressBar } from '../ui/ProgressBar';
import { PruneSelect } from './FigureParts';
import { integerIn, oneOf, useUrlState } from '../ui/urlState';
import { useNotebookResults } from './notebookResults';
import { errorMessage } from '../ui/errorMessage';

type Point = { x: number; y: number };
const EVAL_IMAGES = 500;
const BATCH = 32;

export default function TrainCell() {
  const m = useMessages().cells.train;
  const href = useLocalizedHref();
  const format = useNumberFormat();
  const [preset, setPreset] = useUrlState<'tiny' | 'seed'>('train.model', 'seed', oneOf('tiny', 'seed'));
  const [steps, setSteps] = useUrlState<number>('train.steps', 200, integerIn(20, 2000));
  const [prune, setPrune] = useUrlState<string>('train.prune', '0', oneOf('0', '0.5', '0.9'));
  const [seed, setSeed] = useUrlState<number>('train.seed', 1, integerIn(0, 1_000_000));
  const [state, setState] = useState<'idle' | 'loading' | 'running' | 'done' | 'no-data'>('idle');
  const [loss, setLoss] = useState<Point[]>([]);
  const [status, setStatus] = useState<{ step: number; total: number; loss: number; accuracy: number | null } | null>(null);
  const [done, setDone] = useState<{ steps: number; seconds: number; accuracy: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useRef(0);

  const start = async () => {
    const token = ++run.current;
    setError(null);
    setDone(null);
    setLoss([]);
    setStatus(null);
    const worker = engineWorker();
    try {
      setState('loading');
      if (!(await worker.installedDataAvailable())) {
        setState('no-data');
        return;
      }
      await worker.loadInstalled(
        1,
        proxy(() => {}),
      );
      setState('running');
      const config: SessionTrainConfig = {
        preset,
        batchSize: BATCH,
        learningRate: 0.001,
        optimizer: 'adam',
        augment: false,
        seed,
        epochs: 1,
        evalImages: EVAL_IMAGES,
        evalEverySteps: Math.max(10, Math.round(steps / 5)),
        trainImages: steps * BATCH,
        workers: 1,
        backend: 'cpu',
        pruning: Number(prune) > 0 ? { to: Number(prune), startEpoch: 0.1, endEpoch: 0.6, layers: ['conv2', 'fc1'] } : null,
      };
      let accuracy: number | null = null;
      const result = await worker.train(
        'notebook',
        config,
        proxy((events: TrainEvent[]) => {
          if (token !== run.current) return;
          const points: Point[] = [];
          let last: { step: number; loss: number } | null = null;
          for (const e of events) {
            if (e.event === 'step') {
              points.push({ x: e.step, y: e.loss });
              last = e;
            }
            if (e.event === 'eval') accuracy = e.testAccuracy;
          }
          if (points.length) setLoss((prev) => [...prev, ...points]);
          if (last) setStatus({ step: last.step, total: steps, loss: last.loss, accuracy });
        }),
      );
      if (token !== run.current) return;
      setDone({ steps: result.steps, seconds: result.seconds, accuracy: result.testAccuracy });
      if (!result.stopped) useNotebookResults.getState().recordTrainRun(prune, { preset, steps: result.steps, seed, accuracy: result.testAccuracy });
      setState('done');
    } catch (e) {
      setError(errorMessage(e));
      setState('idle');
    }
  };

  const stop = () => {
    void engineWorker().stop('notebook');
  };

  const running = state === 'running' || state === 'loading';
  return (
    <div className="cell-body" data-testid="train-cell">
      <div className="fields">
        <label>
          {m.preset}
          <select value={preset} disabled={running} onChange={(e) => setPreset(e.target.value as 'tiny' | 'seed')} data-testid="train-cell-model">
            <option value="seed">seed</option>
            <option value="tiny">tiny</option>
          </select>
        </label>
        <label>
          {m.steps}
          <select value={steps} disabled={running} onChange={(e) => setSteps(Number(e.target.value))} data-testid="train-cell-steps">
            {[50, 200, 500].map((n) => (
              <option key={n} value={n}>
                {format.number(n)}
              </option>
            ))}
          </select>
        </label>
        <PruneSelect label={m.prune} value={prune} shares={['0.5', '0.9']} onChange={setPrune} testId="train-cell-prune" disabled={running} />
        <label>
          {m.seed}
          <input
            inputMode="numeric"
            value={seed}
            disabled={running}
            onChange={(e) => Number.isInteger(Number(e.target.value)) && setSeed(Number(e.target.value))}
            data-testid="train-cell-seed"
          />
        </label>
      </div>
      <div className="buttons">
        {running ? (
          <button type="button" className="button" onClick={stop}>
            {m.stop}
          </button>
        ) : (
          <button type="button" className="button primary" onClick={() => void start()} data-testid="train-cell-run">
            {state === 'done' ? m.rerun : m.run}
          </button>
        )}
      </div>
      {state === 'loading' && <p className="progress-label">{m.loading}</p>}
      {state === 'no-data' && (
        <p className="banner" role="status">
          {m.noData} <a href={href('/train/')}>{m.openLab}</a>
        </p>
      )}
      {status && (
        <div aria-live="polite">
          <p className="progress-label" data-testid="train-cell-status">
            {fill(m.status, {
              step: format.number(status.step),
              total: format.number(status.total),
              loss: format.number(status.loss, 3),
              accuracy: status.accuracy === null ? '—' : format.percent(status.accuracy, 1),
            })}
          </p>
          <ProgressBar value={status.step / status.total} label={m.steps} />
        </div>
      )}
      {loss.length > 0 && (
        <LineChart
          title={m.lossChart}
          series={[{ name: m.lossChart, points: loss, color: '#1f5fbf' }]}
          xLabel="step"
          yLabel="cross-entropy"
          emptyText=""
          testId="train-cell-loss"
        />
      )}
      {done && (
        <p className="cell-result" data-testid="train-cell-done">
          {fill(m.done, {
            steps: format.number(done.steps),
            seconds: format.number(done.seconds, 1),
            accuracy: format.percent(done.accuracy, 1),
            images: format.number(EVAL_IMAGES),
          })}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
