'use client';
/**
 * One training run: its status, its live charts and what its model sees. Everything drawn comes from the
 * run's slot in the store, filled by the engine worker's events.
 */
import { useMemo } from 'react';
import { Heatmap } from '../charts/Heatmap';
import { LineChart } from '../charts/LineChart';
import { WeightHistograms } from '../charts/WeightHistograms';
import { ProgressBar } from '../ui/ProgressBar';
import { ConfusionMatrix } from './ConfusionMatrix';
import { FilterView } from './FilterView';
import { PredictionGrid } from './PredictionGrid';
import { StepCostReadout } from './StepCostReadout';
import { RunId, useTrainStore } from './trainStore';
import { COLORS, EPOCHS, EVAL_EVERY_STEPS, EVAL_IMAGES, formatMacs, layerSeries, percent, threadsTitle, wholeNumber } from './trainDisplay';

const NO_SERIES: never[] = [];

export interface RunPanelProps {
  id: RunId;
  /** A heading when two runs are shown side by side. */
  title?: string;
  /** What pruning this run does (for the empty sparsity chart). */
  pruning: { layers: string[]; start: string; end: string } | null;
  onExportCheckpoint: () => void;
  onExportOnnx: () => void;
  onImport: (file: File) => void;
  onRollback: () => void;
  busy: boolean;
  /** Shown beside another run: keep the two columns' charts aligned. */
  comparing?: boolean;
}

export function RunPanel({ id, title, pruning, onExportCheckpoint, onExportOnnx, onImport, onRollback, busy, comparing = false }: RunPanelProps) {
  const run = useTrainStore((s) => s.runs[id]);
  const phase = useTrainStore((s) => s.phase);
  const classNames = useTrainStore((s) => s.data?.classNames ?? []);
  const stepsPerEpoch = run.totalSteps / EPOCHS;
  const lossSeries = useMemo(
    () => [
      { name: 'loss', points: run.loss, color: COLORS.loss, faint: true },
      { name: 'loss (smoothed)', points: run.smoothLoss, color: COLORS.loss },
    ],
    [run.loss, run.smoothLoss],
  );
  const accuracySeries = useMemo(
    () => [
      { name: 'train (smoothed)', points: run.trainAccuracy, color: COLORS.train },
      { name: `test (${EVAL_IMAGES} images)`, points: run.testAccuracy, color: COLORS.test, dots: true },
    ],
    [run.trainAccuracy, run.testAccuracy],
  );
  // Each chart's series change only when their own events arrive: charts that did not change do not redraw.
  const density = useMemo(() => layerSeries(run.density), [run.density]);
  const sites = useMemo(() => layerSeries(run.siteDensity), [run.siteDensity]);
  const gradNorm = useMemo(() => layerSeries(run.gradNorm), [run.gradNorm]);
  const gradDensity = useMemo(() => layerSeries(run.gradDensity), [run.gradDensity]);
  const sparsity = useMemo(() => layerSeries(run.sparsity), [run.sparsity]);
  const macs = useMemo(
    () => [
      { name: 'dense', points: run.macs.dense, color: '#999999' },
      { name: 'ideal sparse', points: run.macs['ideal sparse'], color: '#009e73' },
      { name: 'executed', points: run.macs.executed, color: '#0072b2' },
    ],
    [run.macs],
  );
  const speed = useMemo(() => [{ name: 'images / s', points: run.throughput, color: '#0072b2' }], [run.throughput]);
  const status = run.finished && phase !== 'training' && phase !== 'paused' ? 'finished' : ({ training: 'training', paused: 'paused', done: 'finished', ready: 'ready' } as Record<string, string>)[phase] ?? phase;
  const headingId = `run-${id}-title`;

  return (
    <section className="run" data-run={id} aria-labelledby={title ? headingId : undefined} aria-label={title ? undefined : 'Training run'}>
      {title && (
        <h2 id={headingId} className="run-title">
          {title}
        </h2>
      )}
      <section className="panel status" aria-label="Progress">
        <div className="stats" aria-live="polite">
          <div>
            <span className="stat-label">Status</span>
            <span className="stat-value" data-testid="phase">
              {status}
            </span>
          </div>
          <div>
            <span className="stat-label">Step</span>
            <span className="stat-value" data-testid="step">
              {run.step.toLocaleString('en-US')}
            </span>
          </div>
          <div>
            <span className="stat-label">Epoch</span>
            <span className="stat-value">
              {run.totalSteps ? Math.min(EPOCHS, Math.floor(run.step / stepsPerEpoch) + 1) : 0} / {EPOCHS}
            </span>
          </div>
          <div>
            <span className="stat-label">Device</span>
            <span className="stat-value" data-testid="running-on">
              {run.runningOn === 'webgpu' ? 'WebGPU' : run.runningOn === 'cpu' ? 'CPU' : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">Threads</span>
            <span className="stat-value" data-testid="threads" title={threadsTitle(run.threads)}>
              {run.threads ? `${run.threads.workers}${run.threads.workers > 1 ? (run.threads.sharedMemory ? ' · shared' : ' · messages') : ''}` : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">Images / s</span>
            <span className="stat-value" data-testid="images-per-sec">
              {run.imagesPerSec ? run.imagesPerSec.toFixed(0) : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">Saved</span>
            <span className="stat-value" data-testid="saved-step" title="The latest copy kept in this browser: a reload resumes from it">
              {run.savedStep !== null ? `step ${run.savedStep.toLocaleString('en-US')}` : '—'}
            </span>
          </div>
        </div>
        <ProgressBar value={run.totalSteps ? run.step / run.totalSteps : 0} label="Training progress" />
        <StepCostReadout cost={run.lastCost} />
        {run.fallback && (
          <p className="banner" role="status" data-testid="fallback-banner">
            {run.fallback.step === 0
              ? `WebGPU could not start (${run.fallback.reason}): training runs on the CPU instead.`
              : `WebGPU stopped working at step ${run.fallback.step} (${run.fallback.reason}). Training continues on the CPU from that step — nothing was lost.`}
          </p>
        )}
        {run.fault && (
          <div className="banner fault" role="alert" data-testid="fault-banner">
            <p>{run.fault.message} The run is paused.</p>
            {run.fault.rollbackTo !== null && (
              <button type="button" className="button" data-testid="rollback" onClick={onRollback}>
                Roll back to step {run.fault.rollbackTo}
              </button>
            )}
          </div>
        )}
        <div className="buttons run-files">
          <button type="button" className="button" onClick={onExportCheckpoint} disabled={busy || run.step === 0} data-testid="export-checkpoint" title="Weights, optimizer state, pruning masks, step and chart history, as one file">
            Save checkpoint file
          </button>
          <label className={`button file-button${phase === 'training' ? ' disabled' : ''}`} title="Continue a run from a checkpoint file">
            Open checkpoint…
            <input
              type="file"
              accept=".scnn,application/octet-stream"
              disabled={phase === 'training'}
              data-testid="import-checkpoint"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) onImport(file);
              }}
            />
          </label>
          <button type="button" className="button" onClick={onExportOnnx} disabled={busy || run.step === 0} data-testid="export-onnx" title="The trained (and pruned) model as ONNX, for ONNX Runtime, TF Lite or TensorRT">
            Export ONNX
          </button>
        </div>
      </section>

      <div className="charts">
        <LineChart title="Loss" series={lossSeries} xLabel="step" yLabel="cross-entropy" emptyText="Press Start: the loss of every batch appears here." testId="loss-chart" />
        <LineChart
          title="Accuracy"
          series={accuracySeries}
          xLabel="step"
          yLabel="accuracy"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={`Training accuracy appears as it trains; test accuracy every ${EVAL_EVERY_STEPS} steps.`}
          testId="accuracy-chart"
        />
        <LineChart
          title="Activation density (elements)"
          series={density}
          xLabel="step"
          yLabel="nonzero fraction"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="After ReLU and pooling: the fraction of activations that are nonzero, measured every 10 steps (CPU runs: a WebGPU run does not read its activations back)."
          testId="density-chart"
        />
        <LineChart
          title="Active sites"
          series={sites}
          xLabel="step"
          yLabel="active sites"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="The fraction of pixel positions where any channel is nonzero, after ReLU and pooling: the sites a submanifold convolution visits."
          testId="site-density-chart"
        />
        <LineChart
          title="Gradient norm per layer"
          series={gradNorm}
          xLabel="step"
          yLabel="‖∂L/∂w‖ (log)"
          yScale="log"
          emptyText="How strongly each layer's weights are pushed, measured every 10 steps: gradient flow on a log scale."
          testId="gradnorm-chart"
        />
        <Heatmap
          title="Gradient flow: layer × step"
          rows={run.gradNorm}
          xLabel="step"
          valueLabel="‖∂L/∂w‖"
          log
          emptyText="Each layer's gradient norm at every measured step, as colour: dark where gradients vanish, bright where they are large."
          testId="gradient-heatmap"
        />
        <LineChart
          title="Gradient density per layer"
          series={gradDensity}
          xLabel="step"
          yLabel="nonzero ∂L/∂w"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="The fraction of each layer's weight gradients that are nonzero, every 10 steps: pruned weights get none."
          testId="graddensity-chart"
        />
        <WeightHistograms latest={run.weights} first={run.firstWeights} testId="weights-chart" />
        <LineChart
          title="Multiply–accumulates per step"
          series={macs}
          xLabel="step"
          yLabel="MACs (convolutions)"
          yFormat={formatMacs}
          emptyText="What the convolutions multiply at every step: dense, the pairs in Ω, and what the chosen kernels actually did."
          testId="macs-chart"
        />
        <LineChart
          title="Images per second"
          series={speed}
          xLabel="step"
          yLabel="images / s"
          yFormat={wholeNumber}
          emptyText="Training speed on this device: images per second of training time so far."
          testId="speed-chart"
        />
        {!pruning && comparing && (
          <LineChart
            title="Weight sparsity vs the schedule"
            series={NO_SERIES}
            xLabel="step"
            yLabel="zero weights"
            emptyText="The dense run keeps every weight: it prunes nothing, so the difference beside it is the pruning alone."
            testId="sparsity-chart-dense"
          />
        )}
        {pruning && (
          <LineChart
            title="Weight sparsity vs the schedule"
            series={sparsity}
            xLabel="step"
            yLabel="zero weights"
            yDomain={[0, 1]}
            yFormat={percent}
            emptyText={`Zhu & Gupta's cubic schedule raises the zeros of ${pruning.layers.join(' and ')} from epoch ${pruning.start} to ${pruning.end}; each mask update appears here.`}
            testId="sparsity-chart"
          />
        )}
      </div>

      <section className="panel" aria-labelledby={`confusion-title-${id}`}>
        <h2 id={`confusion-title-${id}`}>Which classes it confuses</h2>
        <ConfusionMatrix confusion={run.confusion} classNames={classNames} />
      </section>

      <section className="panel" aria-labelledby={`filters-title-${id}`}>
        <h2 id={`filters-title-${id}`}>What the first layer looks for</h2>
        <FilterView filters={run.filters} />
      </section>

      <section className="panel" aria-labelledby={`predictions-title-${id}`}>
        <h2 id={`predictions-title-${id}`}>What the model sees in test images</h2>
        <PredictionGrid runId={id} samples={run.samples} classNames={classNames} />
      </section>
    </section>
  );
}
