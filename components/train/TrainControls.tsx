'use client';
/**
 * The training lab's controls: the settings of the run (or the dense and pruned pair), the buttons that
 * start, pause, step and reset it, and what the page needs to say about them (the GPU, saved runs, bad
 * settings). Every action goes to the controller; every value comes from the store.
 */
import { PRESETS } from '../../engine/model/spec';
import type { ModelSpec } from '../../engine/model/spec';
import { formatModelSpec } from '../../engine/model/specText';
import { MAX_WORKERS } from '../../engine/parallel/workerCount';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { fillNodes } from '../../i18n/RichText';
import { useBrowserValue } from '../ui/useBrowserValue';
import { ModelSummary } from './ModelSummary';
import { pauseAll, reset, resume, start, stepOnce } from './trainController';
import { BYTES_PER_IMAGE } from './trainDisplay';
import { Settings, TEST_SET_SIZES, TRAIN_SET_SIZES, useTrainStore } from './trainStore';
import { ProgressBar } from '../ui/ProgressBar';

export function TrainControls({ model, prunedLayers }: { model: { spec: ModelSpec } | { error: string }; prunedLayers: string[] }) {
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
  const anyFault = useTrainStore((s) => s.runs.a.fault !== null || s.runs.b.fault !== null);
  const hasRun = useTrainStore((s) => s.runs.a.step > 0 || s.runs.b.step > 0);
  // Read after mounting, so the server-rendered page and the first client render agree.
  const hardwareThreads = useBrowserValue(() => navigator.hardwareConcurrency || 1, 1);
  const dataProgress = useTrainStore((s) => s.dataProgress);
  // While more images load, the settings hold still as during a run.
  const running = phase === 'training' || phase === 'paused' || phase === 'loading-more';
  const megabytes = (images: number) => fill(m.controls.megabytes, { n: format.number((images * BYTES_PER_IMAGE) / 1e6, 0) });
  const sizeOption = (n: string) => fill(m.controls.imagesOption, { n: format.number(Number(n)), size: megabytes(Number(n)) });
  const setSetting = useTrainStore.getState().setSettings;
  const workerChoices = Array.from({ length: Math.min(MAX_WORKERS, Math.max(2, hardwareThreads, settings.workers)) }, (_, i) => i + 1);
  const layerList = prunedLayers.join(m.controls.and);

  return (
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
        <label className="wide">
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
        {(
          [
            ['trainSet', m.controls.trainSet, TRAIN_SET_SIZES, 'train-set'],
            ['testSet', m.controls.testSet, TEST_SET_SIZES, 'test-set'],
          ] as const
        ).map(([field, label, sizes, testId]) => (
          <label key={field}>
            {label}
            <select
              value={settings[field]}
              disabled={running}
              onChange={(e) => setSetting({ [field]: e.target.value })}
              aria-describedby="data-hint"
              data-testid={testId}
            >
              {sizes.map((n) => (
                <option key={n} value={n}>
                  {sizeOption(n)}
                </option>
              ))}
            </select>
          </label>
        ))}
        <label className="checkbox">
          <input type="checkbox" checked={settings.augment} disabled={running} onChange={(e) => setSetting({ augment: e.target.checked })} />
          {m.controls.augment}
        </label>
      </div>
      <p id="data-hint" className="hint">
        {fill(m.controls.dataHint, { size: megabytes(Number(TRAIN_SET_SIZES[TRAIN_SET_SIZES.length - 1])) })}
      </p>
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
          <button type="button" className="button primary" onClick={() => void start()} data-testid="start">
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
            <button type="button" className="button" onClick={stepOnce} data-testid="one-batch" disabled={anyFault}>
              {m.controls.oneBatch}
            </button>
          </>
        )}
        <button
          type="button"
          className="button"
          onClick={() => void reset()}
          disabled={(!running && !hasRun) || phase === 'loading-more'}
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
      {phase === 'loading-more' && (
        <div aria-live="polite" data-testid="loading-more">
          <p className="progress-label">{dataProgress?.message ?? fill(m.controls.loadingMore, { n: format.number(Number(settings.trainSet)) })}</p>
          <ProgressBar value={dataProgress?.fraction ?? 0} label={fill(m.controls.loadingMore, { n: format.number(Number(settings.trainSet)) })} />
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
          evaluated: format.number(Math.min(Number(settings.testSet), data?.testImages ?? 0)),
          test: format.number(data?.testImages ?? 0),
          source: data?.source && data.source !== 'installed' ? fill(m.controls.fromSource, { source: data.source }) : '',
        })}
      </p>
    </section>
  );
}
