'use client';
/**
 * The training page: data status, controls, and one run — or a dense and a pruned run side by side — with
 * live charts. All numbers come from the engine worker; this component only asks and draws (what the
 * buttons do is in trainController). Runs are saved in the browser as they train and come back after a
 * reload.
 */
import { useEffect, useMemo } from 'react';
import { prepareBeforeLeaving } from '../site/leavingPage';
import { defaultWorkerCount } from '../../engine/parallel/workerCount';
import { defaultPrunedLayers } from '../../engine/model/prunedLayers';
import { engineWorker, onEngineWorkerError } from '../../workers/engineClient';
import { ProgressBar } from '../ui/ProgressBar';
import { ComparisonCharts } from './ComparisonCharts';
import { DataPanel } from './DataPanel';
import { RunPanel } from './RunPanel';
import { ChartOptions, useLabAttention } from './LabAttention';
import { TrainControls } from './TrainControls';
import { CompareCards } from './ExperimentCards';
import { backendLabel } from './trainDisplay';
import { exportRun, importRun, loadFile, loadInstalled, pauseAndSave, rollback } from './trainController';
import { RunId, useTrainStore } from './trainStore';
import { activeRuns, settingsFromQuery, settingsSpec, settingsToUrl } from './trainSettings';
import { currentMessages, fill, useLocale, useMessages, useNumberFormat } from '../../i18n/locale';

export function TrainLab() {
  const m = useMessages().lab;
  const format = useNumberFormat();
  const phase = useTrainStore((s) => s.phase);
  const settings = useTrainStore((s) => s.settings);
  const runError = useTrainStore((s) => s.runError);
  const dataProgress = useTrainStore((s) => s.dataProgress);
  const busy = useTrainStore((s) => s.busy);

  useEffect(() => prepareBeforeLeaving(pauseAndSave), []);
  useLabAttention();

  useEffect(() => {
    const unsubscribe = onEngineWorkerError((message) =>
      useTrainStore.getState().set({ runError: fill(currentMessages().lab.problems.engineStopped, { error: message }) }),
    );
    void loadInstalled();
    void engineWorker()
      .gpuStatus()
      .then((gpu) => useTrainStore.getState().set({ gpu }));
    void engineWorker()
      .wasmStatus()
      .then((wasm) => useTrainStore.getState().set({ wasm }));
    const { settings, setSettings } = useTrainStore.getState();
    if (settings.workers === 0) setSettings({ workers: defaultWorkerCount(navigator.hardwareConcurrency) });
    setSettings(settingsFromQuery(new URLSearchParams(window.location.search)));
    return unsubscribe;
  }, []);

  const locale = useLocale();
  // The engine writes a model-text error in its current language, which follows the page's: a change of
  // language must parse again, though `locale` is not an argument.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const model = useMemo(() => settingsSpec(settings), [settings, locale]);
  useEffect(() => {
    if (phase !== 'checking') settingsToUrl(settings);
  }, [settings, phase]);
  const prunedLayers = useMemo(() => ('spec' in model ? defaultPrunedLayers(model.spec) : []), [model]);
  const prunePercent = format.percent(Number(settings.pruneTo));
  const prunedLabel = fill(m.run.prunedLabel, { percent: prunePercent });
  const layerList = prunedLayers.join(m.controls.and);

  if (phase === 'checking' || phase === 'loading-installed') {
    return (
      <section className="panel loading-panel" aria-live="polite">
        <p>{dataProgress?.message ?? m.loading.looking}…</p>
        <ProgressBar value={dataProgress?.fraction ?? 0} label={m.loading.data} />
        {runError && (
          <p className="error" role="alert">
            {runError}
          </p>
        )}
      </section>
    );
  }
  if (phase === 'no-data' || phase === 'loading-file') return <DataPanel onFile={(file) => void loadFile(file)} />;

  const ids = activeRuns(settings);
  const pruningFor = (id: RunId) =>
    Number(settings.pruneTo) > 0 && !(settings.compare && id === 'a') ? { layers: prunedLayers, start: settings.pruneStart, end: settings.pruneEnd } : null;

  return (
    <div className="train-lab">
      <TrainControls model={model} prunedLayers={prunedLayers} />
      <ChartOptions />

      {settings.compare && <ComparisonCharts prunedLabel={prunedLabel} />}

      <div className={settings.compare ? 'runs side-by-side' : 'runs'}>
        {ids.map((id) => (
          <RunPanel
            key={id}
            id={id}
            title={settings.compare ? (id === 'a' ? m.run.dense : fill(m.run.prunedTitle, { layers: layerList, percent: prunePercent })) : undefined}
            pruning={pruningFor(id)}
            comparing={settings.compare}
            busy={busy}
            onExportCheckpoint={() => void exportRun(id, 'checkpoint')}
            onExportOnnx={() => void exportRun(id, 'onnx')}
            onImport={(file) => void importRun(id, file)}
            onRollback={() => void rollback(id)}
          />
        ))}
      </div>
      <CompareCards backendName={(b) => backendLabel(b, m.controls)} />
    </div>
  );
}
