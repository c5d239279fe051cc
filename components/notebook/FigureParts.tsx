'use client';
/** Controls and notes the notebook's small figures share: whose weights, how much pruning, what came back. */
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import type { FigureModel, WeightSource } from '../../engine/notebook/figures';

export function WeightsSelect({ value, onChange, testId }: { value: WeightSource; onChange: (v: WeightSource) => void; testId: string }) {
  const m = useMessages().cells.zeros;
  return (
    <label>
      {m.weights}
      <select value={value} onChange={(e) => onChange(e.target.value as WeightSource)} data-testid={testId}>
        <option value="initial">{m.initial}</option>
        <option value="trained">{m.trained}</option>
      </select>
    </label>
  );
}

/** "Prune … to": no pruning, or each share of zeros in `shares` (strings as they go in the URL). */
export function PruneSelect({
  label,
  value,
  shares,
  onChange,
  testId,
  disabled,
}: {
  label: string;
  value: string;
  shares: string[];
  onChange: (v: string) => void;
  testId: string;
  disabled?: boolean;
}) {
  const m = useMessages().cells.zeros;
  const format = useNumberFormat();
  return (
    <label>
      {label}
      <select value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="0">{m.dense}</option>
        {shares.map((v) => (
          <option key={v} value={v}>
            {fill(m.zeros, { percent: format.percent(Number(v)) })}
          </option>
        ))}
      </select>
    </label>
  );
}

/** While the first answer is on its way, or when the engine refused. */
export function FigureStatus({ error, waiting, waitingText }: { error: string | null; waiting: boolean; waitingText: string }) {
  if (error) {
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  }
  return waiting ? <p className="progress-label">{waitingText}</p> : null;
}

/** Which trained weights a figure used — or that there were none yet, when the learner asked for them. */
export function TrainedNote({ asked, model }: { asked: WeightSource; model: FigureModel }) {
  const m = useMessages().cells.zeros;
  const format = useNumberFormat();
  if (asked !== 'trained') return null;
  return (
    <p className="cost-note">{model.source === 'trained' ? fill(m.trainedNote, { preset: model.preset, steps: format.number(model.step) }) : m.noTrained}</p>
  );
}
