'use client';
/**
 * The training page: data status, controls, live charts and predictions. All numbers come from the engine
 * worker; this component only asks and draws.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { defaultWorkerCount, MAX_WORKERS } from '../../engine/parallel/workerCount';
import type { TrainEvent } from '../../engine/train/trainer';
import { engineWorker, onEngineWorkerError, proxy } from '../../workers/engineClient';
import { Heatmap } from '../charts/Heatmap';
import { LineChart } from '../charts/LineChart';
import { ProgressBar } from '../ui/ProgressBar';
import { DataPanel } from './DataPanel';
import { ModelSummary } from './ModelSummary';
import { StepCostReadout } from './StepCostReadout';
import { ConfusionMatrix } from './ConfusionMatrix';
import { FilterView } from './FilterView';
import { PredictionGrid } from './PredictionGrid';
import { Settings, useTrainStore } from './trainStore';

/** One training batch (10,000 images) keeps the download and memory small in the browser. */
const TRAIN_BATCHES = 1;
const EPOCHS = 20;
const EVAL_IMAGES = 500;
const EVAL_EVERY_STEPS = 40;
const SAMPLE_COUNT = 16;

/** Identifies the current run, so late events from a run that was reset are ignored. */
let currentRun = 0;

const COLORS = { loss: '#1f5fbf', train: '#e08a00', test: '#1f5fbf' };
/** One colour per layer (colour-blind-safe Okabe–Ito), in layer order. */
const LAYER_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000'];
const layerSeries = (byLayer: Record<string, { x: number; y: number }[]>) =>
  Object.entries(byLayer).map(([name, points], i) => ({ name, points, color: LAYER_COLORS[i % LAYER_COLORS.length] }));
const percent = (v: number) => `${(v * 100).toFixed(0)}%`;

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^(DataFormatError|RangeError|Error|ModelSpecError):\s*/, '');
}

/** Checks the text fields; returns a message naming the first bad one. */
function validateSettings(s: Settings): string | null {
  const lr = Number(s.learningRate);
  if (s.learningRate.trim() === '' || !Number.isFinite(lr) || lr <= 0) return `Learning rate must be a number above 0 (got "${s.learningRate}").`;
  const batch = Number(s.batchSize);
  if (!Number.isInteger(batch) || batch < 1 || batch > 512) return `Batch size must be a whole number from 1 to 512 (got "${s.batchSize}").`;
  if (!Number.isInteger(Number(s.seed))) return `Seed must be a whole number (got "${s.seed}").`;
  if (Number(s.pruneTo) > 0) {
    const start = Number(s.pruneStart);
    const end = Number(s.pruneEnd);
    if (s.pruneStart.trim() === '' || !(start >= 0 && start < EPOCHS)) return `Pruning must start at an epoch from 0 to ${EPOCHS - 1} (got "${s.pruneStart}").`;
    if (s.pruneEnd.trim() === '' || !(end >= start && end <= EPOCHS)) return `Pruning must end no earlier than it starts and by epoch ${EPOCHS} (got "${s.pruneEnd}").`;
  }
  return null;
}

function threadsTitle(threads: { workers: number; sharedMemory: boolean } | null): string {
  if (!threads) return 'How many threads compute gradients: shown once training starts';
  if (threads.workers === 1) return 'Gradients are computed in the engine worker alone';
  return `Each batch is split across ${threads.workers} gradient workers; weights and gradients cross ${
    threads.sharedMemory ? 'through shared memory (this page is cross-origin isolated)' : 'in messages (shared memory needs a cross-origin isolated page)'
  }`;
}

export function TrainLab() {
  const store = useTrainStore();
  const { phase, settings, data } = store;
  // Read after mounting, so the server-rendered page and the first client render agree.
  const [hardwareThreads, setHardwareThreads] = useState(1);

  const loadInstalled = useCallback(async () => {
    const { set } = useTrainStore.getState();
    const worker = engineWorker();
    try {
      if (!(await worker.installedDataAvailable())) {
        set({ phase: 'no-data' });
        return;
      }
      set({ phase: 'loading-installed', dataProgress: { fraction: 0, message: 'Loading CIFAR-10' } });
      const summary = await worker.loadInstalled(TRAIN_BATCHES, proxy((p) => set({ dataProgress: p })));
      set({ phase: 'ready', data: summary, dataProgress: null, dataError: null });
    } catch (error) {
      set({ phase: 'no-data', dataProgress: null, dataError: `Could not load the installed CIFAR-10: ${errorMessage(error)}` });
    }
  }, []);

  useEffect(() => {
    const unsubscribe = onEngineWorkerError((message) =>
      useTrainStore.getState().set({ runError: `The engine stopped working: ${message}. Reload the page to start it again.` }),
    );
    void loadInstalled();
    setHardwareThreads(navigator.hardwareConcurrency || 1);
    void engineWorker()
      .gpuStatus()
      .then((gpu) => useTrainStore.getState().set({ gpu }));
    const { settings, setSettings } = useTrainStore.getState();
    if (settings.workers === 0) setSettings({ workers: defaultWorkerCount(navigator.hardwareConcurrency) });
    return unsubscribe;
  }, [loadInstalled]);

  const onFile = useCallback(async (file: File) => {
    const { set } = useTrainStore.getState();
    set({ phase: 'loading-file', dataError: null, dataProgress: { fraction: 0, message: `Reading ${file.name}` } });
    try {
      const summary = await engineWorker().loadArchive(file, TRAIN_BATCHES, proxy((p) => set({ dataProgress: p })));
      set({ phase: 'ready', data: summary, dataProgress: null });
    } catch (error) {
      set({ phase: 'no-data', dataProgress: null, dataError: `That file could not be used: ${errorMessage(error)}` });
    }
  }, []);

  const refreshSamples = useCallback(async () => {
    const samples = await engineWorker().samplePredictions(SAMPLE_COUNT);
    if (samples) useTrainStore.getState().set({ samples });
    const confusion = await engineWorker().confusionMatrix();
    if (confusion) useTrainStore.getState().set({ confusion });
    const filters = await engineWorker().firstFilters();
    if (filters) useTrainStore.getState().set({ filters });
  }, []);

  const start = useCallback(async () => {
    const s = useTrainStore.getState();
    const problem = validateSettings(s.settings);
    if (problem) {
      s.set({ runError: problem });
      return;
    }
    s.clearRun();
    s.set({ phase: 'training' });
    const run = ++currentRun;
    const onEvents = (events: TrainEvent[]) => {
      if (run !== currentRun) return;
      useTrainStore.getState().applyEvents(events);
      if (events.some((e) => e.event === 'eval')) void refreshSamples();
    };
    try {
      const done = await engineWorker().train(
        {
          preset: s.settings.preset,
          batchSize: Number(s.settings.batchSize),
          learningRate: Number(s.settings.learningRate),
          optimizer: s.settings.optimizer,
          augment: s.settings.augment,
          seed: Number(s.settings.seed),
          epochs: EPOCHS,
          evalImages: EVAL_IMAGES,
          evalEverySteps: EVAL_EVERY_STEPS,
          trainImages: s.data?.trainImages ?? 10000,
          workers: Math.max(1, s.settings.workers),
          backend: s.settings.backend,
          pruning:
            Number(s.settings.pruneTo) > 0
              ? { to: Number(s.settings.pruneTo), startEpoch: Number(s.settings.pruneStart), endEpoch: Number(s.settings.pruneEnd), layers: ['conv2', 'fc1'] }
              : null,
        },
        proxy(onEvents),
      );
      if (run !== currentRun) return; // reset while it finished
      void refreshSamples();
      useTrainStore.getState().set({ phase: done.stopped ? 'ready' : 'done' });
    } catch (error) {
      if (run === currentRun) useTrainStore.getState().set({ phase: 'ready', runError: errorMessage(error) });
    }
  }, [refreshSamples]);

  const pause = () => {
    void engineWorker().pause();
    store.set({ phase: 'paused' });
  };
  const resume = () => {
    void engineWorker().resume();
    store.set({ phase: 'training' });
  };
  const reset = () => {
    currentRun++;
    void engineWorker().stop();
    store.clearRun();
    store.set({ phase: 'ready' });
  };

  const lossSeries = useMemo(
    () => [
      { name: 'loss', points: store.loss, color: COLORS.loss, faint: true },
      { name: 'loss (smoothed)', points: store.smoothLoss, color: COLORS.loss },
    ],
    [store.loss, store.smoothLoss],
  );
  const accuracySeries = useMemo(
    () => [
      { name: 'train (smoothed)', points: store.trainAccuracy, color: COLORS.train },
      { name: `test (${EVAL_IMAGES} images)`, points: store.testAccuracy, color: COLORS.test, dots: true },
    ],
    [store.trainAccuracy, store.testAccuracy],
  );

  if (phase === 'checking' || phase === 'loading-installed') {
    return (
      <section className="panel loading-panel" aria-live="polite">
        <p>{store.dataProgress?.message ?? 'Looking for CIFAR-10'}…</p>
        <ProgressBar value={store.dataProgress?.fraction ?? 0} label="Loading CIFAR-10" />
        {store.runError && (
          <p className="error" role="alert">
            {store.runError}
          </p>
        )}
      </section>
    );
  }
  if (phase === 'no-data' || phase === 'loading-file') return <DataPanel onFile={onFile} />;

  const running = phase === 'training' || phase === 'paused';
  const setSetting = store.setSettings;
  const stepsPerEpoch = store.totalSteps / EPOCHS;
  const workerChoices = Array.from({ length: Math.min(MAX_WORKERS, Math.max(2, hardwareThreads, settings.workers)) }, (_, i) => i + 1);

  return (
    <div className="train-lab">
      <section className="panel controls" aria-label="Training controls">
        <div className="fields">
          <label className="wide">
            Model
            <select value={settings.preset} disabled={running} onChange={(e) => setSetting({ preset: e.target.value as Settings['preset'] })} data-testid="preset">
              <option value="tiny">tiny — 2 conv layers, 8 and 16 filters</option>
              <option value="seed">seed — the article&apos;s SCNN (32, 64 filters, fc 128)</option>
            </select>
          </label>
          <label>
            Optimizer
            <select value={settings.optimizer} disabled={running} onChange={(e) => setSetting({ optimizer: e.target.value as Settings['optimizer'] })} data-testid="optimizer">
              <option value="adam">Adam</option>
              <option value="sgd">SGD, momentum 0.9</option>
            </select>
          </label>
          <label>
            Learning rate
            <input inputMode="decimal" value={settings.learningRate} disabled={running} onChange={(e) => setSetting({ learningRate: e.target.value })} data-testid="learning-rate" />
          </label>
          <label>
            Batch size
            <input inputMode="numeric" value={settings.batchSize} disabled={running} onChange={(e) => setSetting({ batchSize: e.target.value })} />
          </label>
          <label>
            Seed
            <input inputMode="numeric" value={settings.seed} disabled={running} onChange={(e) => setSetting({ seed: e.target.value })} />
          </label>
          <label>
            Compute on
            <select value={settings.backend} disabled={running} onChange={(e) => setSetting({ backend: e.target.value as Settings['backend'] })} data-testid="backend">
              <option value="cpu">CPU (TypeScript)</option>
              <option value="webgpu" disabled={store.gpu?.available === false}>
                {store.gpu?.available === false ? 'WebGPU (not available here)' : 'WebGPU'}
              </option>
            </select>
          </label>
          <label>
            Threads
            <select value={Math.max(1, settings.workers)} disabled={running || settings.backend === 'webgpu'} onChange={(e) => setSetting({ workers: Number(e.target.value) })} data-testid="workers">
              {workerChoices.map((n) => (
                <option key={n} value={n}>
                  {n === 1 ? '1 (this worker)' : `${n} in parallel`}
                </option>
              ))}
            </select>
          </label>
          <label>
            Prune conv2 and fc1 to
            <select value={settings.pruneTo} disabled={running} onChange={(e) => setSetting({ pruneTo: e.target.value })} data-testid="prune-to">
              <option value="0">no pruning (dense)</option>
              {['0.5', '0.8', '0.9', '0.95'].map((v) => (
                <option key={v} value={v}>{`${Math.round(Number(v) * 100)}% zeros`}</option>
              ))}
            </select>
          </label>
          {Number(settings.pruneTo) > 0 && (
            <>
              <label>
                from epoch
                <input inputMode="decimal" value={settings.pruneStart} disabled={running} onChange={(e) => setSetting({ pruneStart: e.target.value })} data-testid="prune-start" />
              </label>
              <label>
                to epoch
                <input inputMode="decimal" value={settings.pruneEnd} disabled={running} onChange={(e) => setSetting({ pruneEnd: e.target.value })} data-testid="prune-end" />
              </label>
            </>
          )}
          <label className="checkbox">
            <input type="checkbox" checked={settings.augment} disabled={running} onChange={(e) => setSetting({ augment: e.target.checked })} />
            Augment (random crop, flip)
          </label>
        </div>
        <div className="buttons">
          {!running && (
            <button type="button" className="button primary" onClick={() => void start()} data-testid="start">
              {phase === 'done' ? 'Train again' : 'Start'}
            </button>
          )}
          {phase === 'training' && (
            <button type="button" className="button primary" onClick={pause} data-testid="pause">
              Pause
            </button>
          )}
          {phase === 'paused' && (
            <>
              <button type="button" className="button primary" onClick={resume} data-testid="resume">
                Resume
              </button>
              <button type="button" className="button" onClick={() => void engineWorker().stepOnce()} data-testid="one-batch" disabled={store.fault !== null}>
                One batch
              </button>
            </>
          )}
          <button type="button" className="button" onClick={reset} disabled={!running && store.loss.length === 0} data-testid="reset">
            Reset
          </button>
        </div>
        <p className="gpu-status" data-testid="gpu-status">
          {store.gpu === null
            ? 'Checking for WebGPU…'
            : store.gpu.available
              ? `WebGPU available: ${store.gpu.adapter}.`
              : `WebGPU is not available here (${store.gpu.reason}); everything runs on the CPU.`}
        </p>
        {store.fallback && (
          <p className="banner" role="status" data-testid="fallback-banner">
            {store.fallback.step === 0
              ? `WebGPU could not start (${store.fallback.reason}): training runs on the CPU instead.`
              : `WebGPU stopped working at step ${store.fallback.step} (${store.fallback.reason}). Training continues on the CPU from that step — nothing was lost.`}
          </p>
        )}
        {store.fault && (
          <div className="banner fault" role="alert" data-testid="fault-banner">
            <p>{store.fault.message} The run is paused.</p>
            {store.fault.rollbackTo !== null && (
              <button
                type="button"
                className="button"
                data-testid="rollback"
                onClick={async () => {
                  const step = await engineWorker().rollback();
                  useTrainStore.getState().truncateTo(step);
                }}
              >
                Roll back to step {store.fault.rollbackTo}
              </button>
            )}
          </div>
        )}
        {store.runError && (
          <p className="error" role="alert" data-testid="run-error">
            {store.runError}
          </p>
        )}
        <ModelSummary preset={settings.preset} />
        <p className="data-source">
          Data: {data?.trainImages.toLocaleString('en-US')} training and {EVAL_IMAGES} of {data?.testImages.toLocaleString('en-US')} test images
          {data?.source && data.source !== 'installed' ? ` from ${data.source}` : ''}.
        </p>
      </section>

      <section className="panel status" aria-label="Progress">
        <div className="stats" aria-live="polite">
          <div>
            <span className="stat-label">Status</span>
            <span className="stat-value" data-testid="phase">
              {{ training: 'training', paused: 'paused', done: 'finished', ready: 'ready' }[phase]}
            </span>
          </div>
          <div>
            <span className="stat-label">Step</span>
            <span className="stat-value" data-testid="step">
              {store.step.toLocaleString('en-US')}
            </span>
          </div>
          <div>
            <span className="stat-label">Epoch</span>
            <span className="stat-value">
              {store.totalSteps ? Math.min(EPOCHS, Math.floor(store.step / stepsPerEpoch) + 1) : 0} / {EPOCHS}
            </span>
          </div>
          <div>
            <span className="stat-label">Device</span>
            <span className="stat-value" data-testid="running-on">
              {store.runningOn === 'webgpu' ? 'WebGPU' : store.runningOn === 'cpu' ? 'CPU' : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">Threads</span>
            <span className="stat-value" data-testid="threads" title={threadsTitle(store.threads)}>
              {store.threads ? `${store.threads.workers}${store.threads.workers > 1 ? (store.threads.sharedMemory ? ' · shared' : ' · messages') : ''}` : '—'}
            </span>
          </div>
          <div>
            <span className="stat-label">Images / s</span>
            <span className="stat-value" data-testid="images-per-sec">
              {store.imagesPerSec ? store.imagesPerSec.toFixed(0) : '—'}
            </span>
          </div>
        </div>
        <ProgressBar value={store.totalSteps ? store.step / store.totalSteps : 0} label="Training progress" />
        <StepCostReadout cost={store.lastCost} />
      </section>

      <div className="charts">
        <LineChart
          title="Loss"
          series={lossSeries}
          xLabel="step"
          yLabel="cross-entropy"
          emptyText="Press Start: the loss of every batch appears here."
          testId="loss-chart"
        />
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
      </div>

      <div className="charts">
        <LineChart
          title="Activation density"
          series={layerSeries(store.density)}
          xLabel="step"
          yLabel="nonzero fraction"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="After ReLU and pooling: the fraction of activations that are nonzero, measured every 10 steps (one-thread CPU runs)."
          testId="density-chart"
        />
        <LineChart
          title="Gradient norm per layer"
          series={layerSeries(store.gradNorm)}
          xLabel="step"
          yLabel="‖∂L/∂w‖ (log)"
          yScale="log"
          emptyText="How strongly each layer's weights are pushed, measured every 10 steps: gradient flow on a log scale."
          testId="gradnorm-chart"
        />
        <Heatmap
          title="Gradient flow: layer × step"
          rows={store.gradNorm}
          xLabel="step"
          valueLabel="‖∂L/∂w‖"
          log
          emptyText="Each layer's gradient norm at every measured step, as colour: dark where gradients vanish, bright where they are large."
          testId="gradient-heatmap"
        />
        <LineChart
          title="Gradient density per layer"
          series={layerSeries(store.gradDensity)}
          xLabel="step"
          yLabel="nonzero ∂L/∂w"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="The fraction of each layer's weight gradients that are nonzero, every 10 steps: pruned weights get none."
          testId="graddensity-chart"
        />
        <LineChart
          title="Multiply–accumulates per step"
          series={[
            { name: 'dense', points: store.macs.dense, color: '#999999' },
            { name: 'ideal sparse', points: store.macs['ideal sparse'], color: '#009e73' },
            { name: 'executed', points: store.macs.executed, color: '#0072b2' },
          ]}
          xLabel="step"
          yLabel="MACs (convolutions)"
          yFormat={(v) => (v >= 1e9 ? `${+(v / 1e9).toFixed(2)}G` : v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : String(v))}
          emptyText="What the convolutions multiply at every step: dense, the pairs in Ω, and what the chosen kernels actually did."
          testId="macs-chart"
        />
        {Number(settings.pruneTo) > 0 && (
          <LineChart
            title="Weight sparsity vs the schedule"
            series={layerSeries(store.sparsity)}
            xLabel="step"
            yLabel="zero weights"
            yDomain={[0, 1]}
            yFormat={percent}
            emptyText={`Zhu & Gupta's cubic schedule raises the zeros of conv2 and fc1 from epoch ${settings.pruneStart} to ${settings.pruneEnd}; each mask update appears here.`}
            testId="sparsity-chart"
          />
        )}
      </div>

      <section className="panel" aria-labelledby="confusion-title">
        <h2 id="confusion-title">Which classes it confuses</h2>
        <ConfusionMatrix confusion={store.confusion} classNames={data?.classNames ?? []} />
      </section>

      <section className="panel" aria-labelledby="filters-title">
        <h2 id="filters-title">What the first layer looks for</h2>
        <FilterView filters={store.filters} />
      </section>

      <section className="panel" aria-labelledby="predictions-title">
        <h2 id="predictions-title">What the model sees in test images</h2>
        <PredictionGrid samples={store.samples} classNames={data?.classNames ?? []} />
      </section>
    </div>
  );
}
