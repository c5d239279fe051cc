'use client';
/**
 * The training page: data status, controls, and one run — or a dense and a pruned run side by side — with
 * live charts. All numbers come from the engine worker; this component only asks and draws. Runs are saved
 * in the browser as they train and come back after a reload.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { prepareBeforeLeaving } from '../site/leavingPage';
import { PRESETS } from '../../engine/model/spec';
import { formatModelSpec } from '../../engine/model/specText';
import { defaultWorkerCount, MAX_WORKERS } from '../../engine/parallel/workerCount';
import { defaultPrunedLayers } from '../../engine/model/prunedLayers';
import type { OpenedRun } from '../../engine/train/session';
import type { DoneEvent, TrainEvent } from '../../engine/train/trainer';
import { engineWorker, onEngineWorkerError, proxy } from '../../workers/engineClient';
import { ProgressBar } from '../ui/ProgressBar';
import { saveFile } from '../ui/saveFile';
import { ComparisonCharts } from './ComparisonCharts';
import { DataPanel } from './DataPanel';
import { ModelSummary } from './ModelSummary';
import { RunPanel } from './RunPanel';
import { EVAL_IMAGES, SAMPLE_COUNT, TRAIN_BATCHES } from './trainDisplay';
import { emptyRun, RunId, Settings, useTrainStore, withEvents } from './trainStore';
import { activeRuns, runConfig, settingsFromQuery, settingsOf, settingsSpec, settingsToUrl, validateSettings } from './trainSettings';
import { useBrowserValue } from '../ui/useBrowserValue';
import { currentLocale, currentMessages, fill, numberFormat, useLocale, useMessages, useNumberFormat } from '../../i18n/locale';
import { fillNodes } from '../../i18n/RichText';
import { errorMessage } from '../ui/errorMessage';

/** How often a run's events are drawn (the charts must update at least twice a second). */
const DRAW_EVERY_MS = 250;

/** Per slot: identifies the page's current run there, so late events from a replaced run are ignored. */
const runTokens: Record<RunId, number> = { a: 0, b: 0 };

async function refreshInspect(id: RunId) {
  const worker = engineWorker();
  const { setRun } = useTrainStore.getState();
  const samples = await worker.samplePredictions(id, SAMPLE_COUNT);
  const confusion = await worker.confusionMatrix(id);
  const filters = await worker.firstFilters(id);
  setRun(id, { ...(samples ? { samples } : {}), ...(confusion ? { confusion } : {}), ...(filters ? { filters } : {}) });
}

function pauseAll() {
  for (const id of activeRuns(useTrainStore.getState().settings)) void engineWorker().pause(id);
  useTrainStore.getState().set({ phase: 'paused' });
}

/**
 * Before the page is left by a full load (another language): a running training pauses, and the page
 * waits until each active run's paused state is saved, so the reloaded lab finds it exactly there.
 */
function pauseAndSave(): Promise<void> {
  // Not training, or not saved in this tab at all (another tab keeps the runs): nothing to wait for.
  if (useTrainStore.getState().phase !== 'training' || useTrainStore.getState().storageNote !== null) return Promise.resolve();
  pauseAll();
  const saved = () => {
    const s = useTrainStore.getState();
    return activeRuns(s.settings).every((id) => s.runs[id].savedStep === s.runs[id].step || s.runs[id].saveProblem !== null);
  };
  if (saved()) return Promise.resolve();
  return new Promise((resolve) => {
    // A step in flight when the pause arrives still lands: wait for the save of the step the run stops at.
    const stop = useTrainStore.subscribe(() => {
      if (!saved()) return;
      stop();
      resolve();
    });
  });
}

/** The page's phase once a slot's run has ended: done when every active run has. */
function settle(id: RunId, done: DoneEvent) {
  const s = useTrainStore.getState();
  s.setRun(id, { finished: true });
  const all = activeRuns(s.settings).every((r) => useTrainStore.getState().runs[r].finished);
  if (all) s.set({ phase: done.stopped ? 'ready' : 'done' });
}

/** Follows a run in a slot: applies its events, refreshes its inspect views, settles the phase at the end. */
async function follow(id: RunId, call: (onEvents: (events: TrainEvent[]) => void) => Promise<DoneEvent>) {
  const token = ++runTokens[id];
  // Events are drawn in groups, a few times a second: enough for live charts, little work for the page.
  let queue: TrainEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const apply = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const events = queue;
    queue = [];
    if (token !== runTokens[id] || events.length === 0) return;
    useTrainStore.getState().applyEvents(id, events);
    // A diverged run makes the comparison meaningless: pause them all, and say why.
    if (events.some((e) => e.event === 'fault')) pauseAll();
    if (events.some((e) => e.event === 'eval')) void refreshInspect(id);
  };
  const onEvents = (events: TrainEvent[]) => {
    if (token !== runTokens[id]) return;
    queue.push(...events);
    // What the learner waits for (a pause, a fault, the end, a save) shows at once.
    if (
      events.some(
        (e) => e.event !== 'step' && e.event !== 'stats' && e.event !== 'prune' && e.event !== 'eval' && e.event !== 'weights' && e.event !== 'checkpoint',
      )
    )
      apply();
    else timer ??= setTimeout(apply, DRAW_EVERY_MS);
  };
  try {
    const done = await call(proxy(onEvents));
    apply();
    if (token !== runTokens[id]) return; // replaced while it finished
    void refreshInspect(id);
    settle(id, done);
  } catch (error) {
    if (token === runTokens[id]) {
      useTrainStore.getState().setRun(id, { finished: true });
      useTrainStore.getState().set({ phase: 'ready', runError: errorMessage(error) });
    }
  }
}

/** Shows an opened checkpoint's history in its slot and follows the run (it starts paused). */
function showOpened(id: RunId, opened: OpenedRun) {
  useTrainStore.getState().setRun(id, { ...withEvents(emptyRun(), opened.history), savedStep: opened.step });
  void follow(id, (onEvents) => engineWorker().continueRun(id, onEvents));
  void refreshInspect(id);
}

let persistenceAsked = false;
/**
 * Asks the browser once to keep this site's storage under pressure (it may decide by itself, or ask the
 * learner), so that saved runs are not evicted. Only pages can ask, not workers.
 */
function askForPersistentStorage() {
  if (persistenceAsked) return;
  persistenceAsked = true;
  void navigator.storage?.persist?.().catch(() => false);
}

/** A saved run's time and a step number, in the page's language (for notices made outside React). */
const timeFormat = (iso: string) => new Date(iso).toLocaleString(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' });
const stepFormat = (step: number) => numberFormat(currentLocale()).number(step);

export function TrainLab() {
  const m = useMessages().lab;
  const format = useNumberFormat();
  const phase = useTrainStore((s) => s.phase);
  const settings = useTrainStore((s) => s.settings);
  const data = useTrainStore((s) => s.data);
  const gpu = useTrainStore((s) => s.gpu);
  const wasm = useTrainStore((s) => s.wasm);
  const runError = useTrainStore((s) => s.runError);
  const notice = useTrainStore((s) => s.notice);
  const storageNote = useTrainStore((s) => s.storageNote);
  const dataProgress = useTrainStore((s) => s.dataProgress);
  const anyFault = useTrainStore((s) => s.runs.a.fault !== null || s.runs.b.fault !== null);
  const hasRun = useTrainStore((s) => s.runs.a.step > 0 || s.runs.b.step > 0);
  const [busy, setBusy] = useState(false);
  // Read after mounting, so the server-rendered page and the first client render agree.
  const hardwareThreads = useBrowserValue(() => navigator.hardwareConcurrency || 1, 1);

  /** After the data is ready: brings back the runs this browser saved, paused where they were. */
  const restoreSaved = useCallback(async () => {
    const worker = engineWorker();
    const storageNote = await worker.storageNote();
    if (storageNote) {
      // Another tab keeps the saved runs: nothing to restore here, and this tab will not save over them.
      useTrainStore.getState().set({ storageNote });
      return;
    }
    const opened: Partial<Record<RunId, OpenedRun>> = {};
    for (const id of ['a', 'b'] as const) {
      try {
        const run = await worker.restoreSaved(id);
        if (run) opened[id] = run;
      } catch (error) {
        useTrainStore.getState().set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.restore, { error: errorMessage(error) }) } });
      }
    }
    if (!opened.a) {
      if (opened.b) void worker.discard('b'); // a pruned run without its dense partner: nothing to compare
      return;
    }
    const s = useTrainStore.getState();
    s.setSettings(settingsOf(opened.a.config, opened.b?.config ?? null));
    s.set({ phase: 'paused' });
    showOpened('a', opened.a);
    if (opened.b) showOpened('b', opened.b);
    const notices = currentMessages().lab.notices;
    const values = { time: timeFormat(opened.a.savedAt), step: stepFormat(opened.a.step), step2: opened.b ? stepFormat(opened.b.step) : '' };
    s.set({ notice: { kind: 'info', text: fill(opened.b ? notices.restoredTwo : notices.restoredOne, values) } });
  }, []);

  const loadInstalled = useCallback(async () => {
    const { set } = useTrainStore.getState();
    const worker = engineWorker();
    try {
      if (!(await worker.installedDataAvailable())) {
        set({ phase: 'no-data' });
        return;
      }
      set({ phase: 'loading-installed', dataProgress: { fraction: 0, message: currentMessages().lab.loading.data } });
      const summary = await worker.loadInstalled(
        TRAIN_BATCHES,
        proxy((p) => set({ dataProgress: p })),
      );
      set({ phase: 'ready', data: summary, dataProgress: null, dataError: null });
      await restoreSaved();
    } catch (error) {
      set({ phase: 'no-data', dataProgress: null, dataError: fill(currentMessages().lab.problems.installed, { error: errorMessage(error) }) });
    }
  }, [restoreSaved]);

  useEffect(() => prepareBeforeLeaving(pauseAndSave), []);

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
  }, [loadInstalled]);

  const onFile = useCallback(
    async (file: File) => {
      const { set } = useTrainStore.getState();
      set({ phase: 'loading-file', dataError: null, dataProgress: { fraction: 0, message: fill(currentMessages().lab.loading.reading, { name: file.name }) } });
      try {
        const summary = await engineWorker().loadArchive(
          file,
          TRAIN_BATCHES,
          proxy((p) => set({ dataProgress: p })),
        );
        set({ phase: 'ready', data: summary, dataProgress: null });
        await restoreSaved();
      } catch (error) {
        set({ phase: 'no-data', dataProgress: null, dataError: fill(currentMessages().lab.problems.file, { error: errorMessage(error) }) });
      }
    },
    [restoreSaved],
  );

  const start = useCallback(() => {
    const s = useTrainStore.getState();
    const problem = validateSettings(s.settings, currentMessages().lab.problems);
    if (problem) {
      s.set({ runError: problem });
      return;
    }
    s.clearRuns();
    s.set({ phase: 'training', notice: null });
    askForPersistentStorage();
    const ids = activeRuns(s.settings);
    if (!s.settings.compare) void engineWorker().discard('b');
    for (const id of ids) {
      const config = runConfig(s.settings, id, s.data?.trainImages ?? 10000);
      void follow(id, (onEvents) => engineWorker().train(id, config, onEvents));
    }
  }, []);

  const resume = () => {
    for (const id of activeRuns(settings)) void engineWorker().resume(id);
    useTrainStore.getState().set({ phase: 'training', notice: null });
  };
  const reset = async () => {
    const s = useTrainStore.getState();
    for (const id of ['a', 'b'] as const) runTokens[id]++;
    s.clearRuns();
    s.set({ notice: null });
    // Ready once the saved copies are gone too, so a reload right after finds nothing.
    await Promise.all((['a', 'b'] as const).map((id) => engineWorker().discard(id)));
    useTrainStore.getState().set({ phase: 'ready' });
  };

  const exportFile = async (id: RunId, kind: 'checkpoint' | 'onnx') => {
    setBusy(true);
    try {
      const s = useTrainStore.getState();
      const name = `sparse-cnn-lab-${s.settings.preset}${s.settings.compare ? (id === 'a' ? '-dense' : '-pruned') : ''}-step${s.runs[id].step}`;
      if (kind === 'checkpoint') saveFile(await engineWorker().exportCheckpoint(id), `${name}.scnn`);
      else saveFile(await engineWorker().exportOnnx(id), `${name}.onnx`);
    } catch (error) {
      useTrainStore.getState().set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.export, { error: errorMessage(error) }) } });
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (id: RunId, file: File) => {
    setBusy(true);
    const s = useTrainStore.getState();
    try {
      const opened = await engineWorker().importCheckpoint(id, file);
      if (id === 'a' && !s.settings.compare) s.setSettings(settingsOf(opened.config, null));
      if (useTrainStore.getState().phase !== 'training') s.set({ phase: 'paused' });
      showOpened(id, opened);
      s.set({
        notice: {
          kind: 'info',
          text: fill(currentMessages().lab.notices.opened, { name: file.name, step: stepFormat(opened.step), time: timeFormat(opened.savedAt) }),
        },
      });
    } catch (error) {
      s.set({ notice: { kind: 'error', text: fill(currentMessages().lab.problems.import, { error: errorMessage(error) }) } });
    } finally {
      setBusy(false);
    }
  };

  const rollback = async (id: RunId) => {
    const step = await engineWorker().rollback(id);
    useTrainStore.getState().truncateTo(id, step);
  };

  const locale = useLocale();
  // The engine writes a model-text error in its current language, which follows the page's: a change of
  // language must parse again, though `locale` is not an argument.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const model = useMemo(() => settingsSpec(settings), [settings, locale]);
  useEffect(() => {
    if (phase !== 'checking') settingsToUrl(settings);
  }, [settings, phase]);
  const prunedLayers = 'spec' in model ? defaultPrunedLayers(model.spec) : [];
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
  if (phase === 'no-data' || phase === 'loading-file') return <DataPanel onFile={onFile} />;

  const running = phase === 'training' || phase === 'paused';
  const setSetting = useTrainStore.getState().setSettings;
  const workerChoices = Array.from({ length: Math.min(MAX_WORKERS, Math.max(2, hardwareThreads, settings.workers)) }, (_, i) => i + 1);
  const ids = activeRuns(settings);
  const pruningFor = (id: RunId) =>
    Number(settings.pruneTo) > 0 && !(settings.compare && id === 'a') ? { layers: prunedLayers, start: settings.pruneStart, end: settings.pruneEnd } : null;

  return (
    <div className="train-lab">
      <section className="panel controls" aria-label={m.controls.label}>
        <div className="fields">
          <label className="wide">
            {m.controls.runs}
            <select
              value={settings.compare ? 'compare' : 'one'}
              disabled={running}
              onChange={(e) => {
                const compare = e.target.value === 'compare';
                setSetting({ compare, ...(compare && Number(settings.pruneTo) === 0 ? { pruneTo: '0.9' } : {}) });
              }}
              data-testid="compare"
            >
              <option value="one">{m.controls.oneRun}</option>
              <option value="compare">{m.controls.compare}</option>
            </select>
          </label>
          <label className="wide">
            {m.controls.model}
            <select
              value={settings.preset}
              disabled={running}
              onChange={(e) => {
                const preset = e.target.value as Settings['preset'];
                // The editor starts from the model shown so far.
                setSetting({
                  preset,
                  ...(preset === 'custom' && !settings.specText
                    ? { specText: formatModelSpec(PRESETS[settings.preset === 'custom' ? 'tiny' : settings.preset]) }
                    : {}),
                });
              }}
              data-testid="preset"
            >
              <option value="tiny">{m.controls.tiny}</option>
              <option value="seed">{m.controls.seedModel}</option>
              <option value="custom">{m.controls.custom}</option>
            </select>
          </label>
          <label>
            {m.controls.optimizer}
            <select
              value={settings.optimizer}
              disabled={running}
              onChange={(e) => setSetting({ optimizer: e.target.value as Settings['optimizer'] })}
              data-testid="optimizer"
            >
              <option value="adam">Adam</option>
              <option value="sgd">{m.controls.sgd}</option>
            </select>
          </label>
          <label>
            {m.controls.learningRate}
            <input
              inputMode="decimal"
              value={settings.learningRate}
              disabled={running}
              onChange={(e) => setSetting({ learningRate: e.target.value })}
              data-testid="learning-rate"
            />
          </label>
          <label>
            {m.controls.batchSize}
            <input inputMode="numeric" value={settings.batchSize} disabled={running} onChange={(e) => setSetting({ batchSize: e.target.value })} />
          </label>
          <label>
            {m.controls.seed}
            <input inputMode="numeric" value={settings.seed} disabled={running} onChange={(e) => setSetting({ seed: e.target.value })} />
          </label>
          <label>
            {m.controls.computeOn}
            <select
              value={settings.backend}
              disabled={running}
              onChange={(e) => setSetting({ backend: e.target.value as Settings['backend'] })}
              data-testid="backend"
            >
              <option value="wasm" disabled={wasm?.available === false}>
                {wasm?.available === false ? m.controls.wasmMissing : m.controls.wasm}
              </option>
              <option value="cpu">{m.controls.cpu}</option>
              <option value="webgpu" disabled={gpu?.available === false}>
                {gpu?.available === false ? m.controls.webgpuMissing : 'WebGPU'}
              </option>
            </select>
          </label>
          <label>
            {settings.compare ? m.controls.threadsPerRun : m.controls.threads}
            <select
              value={Math.max(1, settings.workers)}
              disabled={running || settings.backend === 'webgpu'}
              onChange={(e) => setSetting({ workers: Number(e.target.value) })}
              data-testid="workers"
            >
              {workerChoices.map((n) => (
                <option key={n} value={n}>
                  {n === 1 ? m.controls.oneThread : fill(m.controls.manyThreads, { n })}
                </option>
              ))}
            </select>
          </label>
          <label>
            {fill(settings.compare ? m.controls.pruneSecond : m.controls.prune, { layers: prunedLayers.length ? layerList : m.controls.hiddenLayers })}
            <select value={settings.pruneTo} disabled={running} onChange={(e) => setSetting({ pruneTo: e.target.value })} data-testid="prune-to">
              {!settings.compare && <option value="0">{m.controls.noPruning}</option>}
              {['0.5', '0.8', '0.9', '0.95'].map((v) => (
                <option key={v} value={v}>
                  {fill(m.controls.zeros, { percent: format.percent(Number(v)) })}
                </option>
              ))}
            </select>
          </label>
          {Number(settings.pruneTo) > 0 && (
            <>
              <label>
                {m.controls.fromEpoch}
                <input
                  inputMode="decimal"
                  value={settings.pruneStart}
                  disabled={running}
                  onChange={(e) => setSetting({ pruneStart: e.target.value })}
                  data-testid="prune-start"
                />
              </label>
              <label>
                {m.controls.toEpoch}
                <input
                  inputMode="decimal"
                  value={settings.pruneEnd}
                  disabled={running}
                  onChange={(e) => setSetting({ pruneEnd: e.target.value })}
                  data-testid="prune-end"
                />
              </label>
            </>
          )}
          <label className="checkbox">
            <input type="checkbox" checked={settings.augment} disabled={running} onChange={(e) => setSetting({ augment: e.target.checked })} />
            {m.controls.augment}
          </label>
        </div>
        {settings.preset === 'custom' && (
          <div className="spec-editor">
            <label htmlFor="spec-text">{m.controls.specLabel}</label>
            <textarea
              id="spec-text"
              rows={Math.max(6, settings.specText.split('\n').length + 1)}
              spellCheck={false}
              value={settings.specText}
              disabled={running}
              onChange={(e) => setSetting({ specText: e.target.value })}
              aria-describedby="spec-help spec-status"
              data-testid="spec-text"
            />
            <p id="spec-help" className="hint">
              {fillNodes(m.controls.specHelp, {
                input: <code>input 3x32x32</code>,
                conv: <code>conv 16 3x3 pad 1</code>,
                pad: <code>pad</code>,
                stride: <code>stride</code>,
                relu: <code>relu</code>,
                maxpool: <code>maxpool 2</code>,
                flatten: <code>flatten</code>,
                linear: <code>linear 10</code>,
              })}
            </p>
            <p id="spec-status" className={'error' in model ? 'error' : 'ok'} role="status" data-testid="spec-status">
              {'error' in model ? model.error : m.controls.specOk}
            </p>
          </div>
        )}
        <div className="buttons">
          {!running && (
            <button type="button" className="button primary" onClick={start} data-testid="start">
              {phase === 'done' ? m.controls.again : m.controls.start}
            </button>
          )}
          {phase === 'training' && (
            <button type="button" className="button primary" onClick={pauseAll} data-testid="pause">
              {m.controls.pause}
            </button>
          )}
          {phase === 'paused' && (
            <>
              <button type="button" className="button primary" onClick={resume} data-testid="resume">
                {m.controls.resume}
              </button>
              <button
                type="button"
                className="button"
                onClick={() => ids.forEach((id) => void engineWorker().stepOnce(id))}
                data-testid="one-batch"
                disabled={anyFault}
              >
                {m.controls.oneBatch}
              </button>
            </>
          )}
          <button
            type="button"
            className="button"
            onClick={() => void reset()}
            disabled={!running && !hasRun}
            data-testid="reset"
            title={m.controls.resetTitle}
          >
            {m.controls.reset}
          </button>
        </div>
        <p className="gpu-status" data-testid="gpu-status">
          {gpu === null
            ? m.controls.gpuChecking
            : gpu.available
              ? fill(m.controls.gpuAvailable, { adapter: gpu.adapter })
              : fill(m.controls.gpuMissing, { reason: gpu.reason })}
        </p>
        {storageNote && (
          <p className="banner" role="status" data-testid="storage-note">
            {storageNote}
          </p>
        )}
        {notice && (
          <div className={`banner ${notice.kind === 'error' ? 'fault' : ''}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
            <p>{notice.text}</p>
            <button type="button" className="button" onClick={() => useTrainStore.getState().set({ notice: null })}>
              {m.notices.dismiss}
            </button>
          </div>
        )}
        {runError && (
          <p className="error" role="alert" data-testid="run-error">
            {runError}
          </p>
        )}
        {'spec' in model && <ModelSummary name={settings.preset} spec={model.spec} />}
        <p className="data-source">
          {fill(m.controls.dataSource, {
            train: format.number(data?.trainImages ?? 0),
            evaluated: format.number(EVAL_IMAGES),
            test: format.number(data?.testImages ?? 0),
            source: data?.source && data.source !== 'installed' ? fill(m.controls.fromSource, { source: data.source }) : '',
          })}
        </p>
      </section>

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
            onExportCheckpoint={() => void exportFile(id, 'checkpoint')}
            onExportOnnx={() => void exportFile(id, 'onnx')}
            onImport={(file) => void importFile(id, file)}
            onRollback={() => void rollback(id)}
          />
        ))}
      </div>
    </div>
  );
}
