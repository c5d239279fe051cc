'use client';
/** Test images with the model's prediction and the true label; the pixels come from the worker. */
import { useState, memo } from 'react';
import { CifarImage } from '../ui/CifarImage';
import { ActivationInspector } from './ActivationInspector';
import { fill, useMessages } from '../../i18n/locale';
import type { RunId, SamplePredictions } from '../../engine/train/session';

const SIZE = 32;

function PredictionGridView({ runId, samples, classNames }: { runId: RunId; samples: SamplePredictions | null; classNames: string[] }) {
  const m = useMessages().lab.predictions;
  if (!samples) {
    return <p className="empty">{m.empty}</p>;
  }
  return <Predictions runId={runId} samples={samples} classNames={classNames} />;
}

function Predictions({ runId, samples, classNames }: { runId: RunId; samples: SamplePredictions; classNames: string[] }) {
  const m = useMessages().lab.predictions;
  const [inspected, setInspected] = useState<number | null>(null);
  const classes = samples.probs.length / samples.labels.length;
  const correct = samples.labels.reduce((n, label, i) => n + (samples.predicted[i] === label ? 1 : 0), 0);
  return (
    <>
      <p className="grid-summary">{fill(m.summary, { correct, count: samples.labels.length })}</p>
      <ul className="prediction-grid" data-testid="prediction-grid">
        {Array.from(samples.labels, (label, i) => {
          const predicted = samples.predicted[i];
          const ok = predicted === label;
          const confidence = samples.probs[i * classes + predicted];
          return (
            <li key={i} className={ok ? 'right' : 'wrong'}>
              <button
                type="button"
                className="image-button"
                onClick={() => setInspected(i)}
                aria-label={fill(m.inspect, { n: i + 1 })}
                data-testid="inspect-image"
              >
                <CifarImage pixels={samples.images.subarray(i * 3 * SIZE * SIZE, (i + 1) * 3 * SIZE * SIZE)} />
              </button>
              <span className="predicted">
                <span aria-hidden="true">{ok ? '✓' : '✗'}</span> {classNames[predicted]} {Math.round(confidence * 100)}%
              </span>
              <span className="truth">{fill(m.truth, { label: classNames[label] })}</span>
              <span className="sr-only">{ok ? m.correct : m.wrong}</span>
            </li>
          );
        })}
      </ul>
      {inspected !== null && <ActivationInspector runId={runId} index={inspected} onClose={() => setInspected(null)} />}
    </>
  );
}

/** Re-renders only when its data changes, not at every training step. */
export const PredictionGrid = memo(PredictionGridView);
