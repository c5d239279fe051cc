'use client';
/**
 * One training run: its status, its live charts and what its model sees. Everything drawn comes from the
 * run's slot in the store, filled by the engine worker's events.
 */
import type { BackendName } from '../../engine/backend/backend';
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
import { QUICK_EVAL_IMAGES } from '../../engine/train/events';
import { exportCard } from './trainController';
import { backendLabel, COLORS, EPOCHS, EVAL_EVERY_STEPS, layerSeries, smoothed, percent, threadsTitle, useClassNames, wholeNumber } from './trainDisplay';
import { compactCount, fill, formatDuration, useMessages, useNumberFormat } from '../../i18n/locale';

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
  const m = useMessages().lab;
  const c = m.charts;
  const deviceName = (b: BackendName | undefined) => backendLabel(b, m.controls);
  const format = useNumberFormat();
  const durations = useMessages().durations;
  const run = useTrainStore((s) => s.runs[id]);
  const phase = useTrainStore((s) => s.phase);
  const smoothing = useTrainStore((s) => s.smoothing);
  const smoothLoss = useMemo(() => smoothed(run.loss, smoothing), [run.loss, smoothing]);
  const trainAccuracy = useMemo(() => smoothed(run.batchAccuracy, smoothing), [run.batchAccuracy, smoothing]);
  const classNames = useClassNames();
  const stepsPerEpoch = run.totalSteps / EPOCHS;
  const lossSeries = useMemo(
    () => [
      { name: c.lossSeries, points: run.loss, color: COLORS.loss, faint: true },
      { name: c.lossSmoothed, points: smoothLoss, color: COLORS.loss },
    ],
    [run.loss, smoothLoss, c],
  );
  const accuracySeries = useMemo(
    () => [
      { name: c.trainSmoothed, points: trainAccuracy, color: COLORS.train },
      { name: fill(c.test, { images: format.number(QUICK_EVAL_IMAGES) }), points: run.testAccuracy, color: COLORS.test, dots: true },
      ...(run.fullTestImages
        ? [{ name: fill(c.test, { images: format.number(run.fullTestImages) }), points: run.fullTestAccuracy, color: COLORS.fullTest, dots: true }]
        : []),
    ],
    [trainAccuracy, run.testAccuracy, run.fullTestAccuracy, run.fullTestImages, c, format],
  );
  // Each chart's series change only when their own events arrive: charts that did not change do not redraw.
  const density = useMemo(() => layerSeries(run.density), [run.density]);
  const sites = useMemo(() => layerSeries(run.siteDensity), [run.siteDensity]);
  const gradNorm = useMemo(() => layerSeries(run.gradNorm), [run.gradNorm]);
  const gradDensity = useMemo(() => layerSeries(run.gradDensity), [run.gradDensity]);
  const sparsity = useMemo(() => layerSeries(run.sparsity), [run.sparsity]);
  const macs = useMemo(
    () => [
      { name: c.macsDense, points: run.macs.dense, color: '#999999' },
      { name: c.macsIdeal, points: run.macs['ideal sparse'], color: '#009e73' },
      { name: c.macsExecuted, points: run.macs.executed, color: '#0072b2' },
    ],
    [run.macs, c],
  );
  const speed = useMemo(() => [{ name: c.speedAxis, points: run.throughput, color: '#0072b2' }], [run.throughput, c]);
  const phases = m.run.phases;
  const status =
    run.finished && phase !== 'training' && phase !== 'paused'
      ? phases.finished
      : ((
          { training: phases.training, paused: phases.paused, done: phases.finished, ready: phases.ready, 'loading-more': phases.ready } as Record<
            string,
            string
          >
        )[phase] ?? phase);
  const headingId = `run-${id}-title`;
  /** A chart's export file name: the run's slot in a comparison, then the chart. */
  const exportFile = (chart: string) => `sparse-cnn-lab-${comparing ? (id === 'a' ? 'dense-' : 'pruned-') : ''}${chart}`;

  return (
    <section className="run" data-run={id} aria-labelledby={title ? headingId : undefined} aria-label={title ? undefined : m.run.label}>
      {title && (
        <h2 id={headingId} className="run-title">
          {title}
        </h2>
      )}
      <section className="panel status" aria-label={m.run.progress}>
        <div className="stats" aria-live="polite">
          <div>
            <span className="stat-label">{m.run.status}</span>
            <span className="stat-value" data-testid="phase">
              {status}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.step}</span>
            <span className="stat-value" data-testid="step">
              {format.number(run.step)}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.epoch}</span>
            <span className="stat-value">
              {run.totalSteps ? Math.min(EPOCHS, Math.floor(run.step / stepsPerEpoch) + 1) : 0} / {EPOCHS}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.device}</span>
            <span className="stat-value" data-testid="running-on">
              {run.runningOn ? deviceName(run.runningOn) : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.threads}</span>
            <span className="stat-value" data-testid="threads" title={threadsTitle(run.threads, m.run)}>
              {run.threads ? `${run.threads.workers}${run.threads.workers > 1 ? ` · ${run.threads.sharedMemory ? m.run.shared : m.run.messages}` : ''}` : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.imagesPerSecond}</span>
            <span className="stat-value" data-testid="images-per-sec">
              {run.imagesPerSec ? run.imagesPerSec.toFixed(0) : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">{m.run.saved}</span>
            <span className="stat-value" data-testid="saved-step" title={m.run.savedTitle}>
              {run.savedStep !== null ? fill(m.run.savedStep, { step: format.number(run.savedStep) }) : '—'}
            </span>
          </div>
        </div>
        <ProgressBar value={run.totalSteps ? run.step / run.totalSteps : 0} label={m.run.progressBar} />
        {run.seconds !== null && run.step > 0 && (
          <p className="progress-time" data-testid="progress-time">
            {fill(m.run.elapsed, { elapsed: formatDuration(run.seconds, durations) })}
            {run.step < run.totalSteps &&
              ` · ${fill(m.run.remaining, { remaining: formatDuration((run.seconds / run.step) * (run.totalSteps - run.step), durations) })}`}
          </p>
        )}
        <StepCostReadout cost={run.lastCost} />
        {run.saveProblem && (
          <p className="banner fault" role="alert" data-testid="save-problem">
            {run.saveProblem}
          </p>
        )}
        {run.fallback && (
          <p className="banner" role="status" data-testid="fallback-banner">
            {run.fallback.step === 0
              ? fill(m.run.fallbackStart, { device: deviceName(run.fallback.from), reason: run.fallback.reason })
              : fill(m.run.fallbackLater, { device: deviceName(run.fallback.from), step: run.fallback.step, reason: run.fallback.reason })}
          </p>
        )}
        {run.fault && (
          <div className="banner fault" role="alert" data-testid="fault-banner">
            <p>{fill(m.run.faultPaused, { message: run.fault.message })}</p>
            {run.fault.rollbackTo !== null && (
              <button type="button" className="button" data-testid="rollback" onClick={onRollback}>
                {fill(m.run.rollback, { step: run.fault.rollbackTo })}
              </button>
            )}
          </div>
        )}
        <div className="buttons run-files">
          <button
            type="button"
            className="button"
            onClick={onExportCheckpoint}
            disabled={busy || run.step === 0}
            data-testid="export-checkpoint"
            title={m.run.saveCheckpointTitle}
          >
            {m.run.saveCheckpoint}
          </button>
          <label className={`button file-button${phase === 'training' ? ' disabled' : ''}`} title={m.run.openCheckpointTitle}>
            {m.run.openCheckpoint}
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
          <button
            type="button"
            className="button"
            onClick={onExportOnnx}
            disabled={busy || run.step === 0}
            data-testid="export-onnx"
            title={m.run.exportOnnxTitle}
          >
            {m.run.exportOnnx}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void exportCard(id, 'json')}
            disabled={busy || run.step === 0}
            data-testid="export-card"
            title={m.cards.exportTitle}
          >
            {m.cards.export}
          </button>
          <button type="button" className="button" onClick={() => void exportCard(id, 'png')} disabled={busy || run.step === 0} data-testid="export-card-png">
            {m.cards.picture}
          </button>
        </div>
      </section>

      <div className="charts">
        <LineChart
          title={c.loss}
          series={lossSeries}
          xLabel={c.step}
          yLabel={c.crossEntropy}
          emptyText={c.lossEmpty}
          testId="loss-chart"
          exportName={exportFile('loss')}
        />
        <LineChart
          title={c.accuracy}
          series={accuracySeries}
          xLabel={c.step}
          yLabel={c.accuracyAxis}
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={fill(c.accuracyEmpty, { steps: EVAL_EVERY_STEPS })}
          testId="accuracy-chart"
          exportName={exportFile('accuracy')}
        />
        <LineChart
          title={c.density}
          series={density}
          xLabel={c.step}
          yLabel={c.densityAxis}
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={c.densityEmpty}
          testId="density-chart"
          exportName={exportFile('density')}
        />
        <LineChart
          title={c.sites}
          series={sites}
          xLabel={c.step}
          yLabel={c.sitesAxis}
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={c.sitesEmpty}
          testId="site-density-chart"
          exportName={exportFile('site-density')}
        />
        <LineChart
          title={c.gradNorm}
          series={gradNorm}
          xLabel={c.step}
          yLabel={c.gradNormAxis}
          yScale="log"
          emptyText={c.gradNormEmpty}
          testId="gradnorm-chart"
          exportName={exportFile('gradnorm')}
        />
        <Heatmap
          title={c.heatmap}
          rows={run.gradNorm}
          xTemplate={c.stepTick}
          ariaTemplate={c.heatmapAria}
          valueLabel="‖∂L/∂w‖"
          log
          emptyText={c.heatmapEmpty}
          testId="gradient-heatmap"
          exportName={exportFile('gradient-heatmap')}
        />
        <LineChart
          title={c.gradDensity}
          series={gradDensity}
          xLabel={c.step}
          yLabel={c.gradDensityAxis}
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={c.gradDensityEmpty}
          testId="graddensity-chart"
          exportName={exportFile('graddensity')}
        />
        <WeightHistograms latest={run.weights} first={run.firstWeights} testId="weights-chart" exportName={exportFile('weights')} />
        <LineChart
          title={c.macs}
          series={macs}
          xLabel={c.step}
          yLabel={c.macsAxis}
          yFormat={compactCount}
          emptyText={c.macsEmpty}
          testId="macs-chart"
          exportName={exportFile('macs')}
        />
        <LineChart
          title={c.speed}
          series={speed}
          xLabel={c.step}
          yLabel={c.speedAxis}
          yFormat={wholeNumber}
          emptyText={c.speedEmpty}
          testId="speed-chart"
          exportName={exportFile('speed')}
        />
        {!pruning && comparing && (
          <LineChart
            title={c.sparsity}
            series={NO_SERIES}
            xLabel={c.step}
            yLabel={c.sparsityAxis}
            emptyText={c.sparsityDenseEmpty}
            testId="sparsity-chart-dense"
          />
        )}
        {pruning && (
          <LineChart
            title={c.sparsity}
            series={sparsity}
            xLabel={c.step}
            yLabel={c.sparsityAxis}
            yDomain={[0, 1]}
            yFormat={percent}
            emptyText={fill(c.sparsityEmpty, { layers: pruning.layers.join(m.controls.and), start: pruning.start, end: pruning.end })}
            testId="sparsity-chart"
            exportName={exportFile('sparsity')}
          />
        )}
      </div>

      <section className="panel" aria-labelledby={`confusion-title-${id}`}>
        <h2 id={`confusion-title-${id}`}>{m.run.confusionTitle}</h2>
        <ConfusionMatrix confusion={run.confusion} classNames={classNames} />
      </section>

      <section className="panel" aria-labelledby={`filters-title-${id}`}>
        <h2 id={`filters-title-${id}`}>{m.run.filtersTitle}</h2>
        <FilterView filters={run.filters} />
      </section>

      <section className="panel" aria-labelledby={`predictions-title-${id}`}>
        <h2 id={`predictions-title-${id}`}>{m.run.predictionsTitle}</h2>
        <PredictionGrid runId={id} samples={run.samples} classNames={classNames} />
      </section>
    </section>
  );
}
