'use client';
/**
 * The cost lab: what a model's layers cost (multiplies, time on this CPU and GPU, memory), and when sparse
 * kernels beat dense ones on this device. Everything is measured by the engine worker; the page draws it.
 */
import * as d3 from 'd3';
import { ReactNode, useEffect, useMemo, useRef } from 'react';
import { oneOf, readQuery, writeQuery } from '../ui/urlState';
import type { BackendName } from '../../engine/backend/backend';
import type { CostProgress, LayerCostResult } from '../../engine/cost/costLab';
import { DEFAULT_SWEEP, SweepOptions, SweepPoint, speedup, bestSparseMs, CROSSOVER_MARGIN } from '../../engine/cost/sweep';
import { DEFAULT_CROSSOVER } from '../../engine/model/kernelChoice';
import { engineWorker, proxy } from '../../workers/engineClient';
import { toCsv } from '../charts/figureExport';
import { FigureExport } from '../charts/FigureExport';
import { StackedBars, StackedRow } from '../charts/StackedBars';
import { LITERATURE_LINES, SweepChart } from '../charts/SweepChart';
import { ProgressBar } from '../ui/ProgressBar';
import { useShallow } from 'zustand/react/shallow';
import { CostState, useCostStore } from './costStore';
import { BACKEND_CHOICES, backendLabel } from './backendChoice';
import { Roofline } from './Roofline';
import { byteSize, compactCount, fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { errorMessage } from '../ui/errorMessage';

/** A quick grid for a first look; the bench grid matches `npm run bench`, so their crossovers compare. */
export const SWEEP_GRIDS: Record<'quick' | 'bench', SweepOptions> = {
  quick: { inputDensities: [1, 0.3, 0.05], weightDensities: [1, 0.3, 0.05], batch: 8, timing: { minMs: 100, minRepeats: 3 }, seed: 2026 },
  bench: DEFAULT_SWEEP,
};

const LAYER_TIMING = { minMs: 150, minRepeats: 3 };
const GPU_REPEATS = 5;

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function sweepCsv(points: SweepPoint[], crossover: number | null): string {
  return toCsv(
    [
      'input_density',
      'weight_density',
      'density_product',
      'dense_ms',
      'cartesian_ms',
      'weight_sparse_ms',
      'best_sparse_ms',
      'speedup',
      'sparse_wins',
      'dense_macs',
      'ideal_macs',
      'crossover',
    ],
    points.map((p) => [
      p.inputDensity,
      p.weightDensity,
      +p.product.toPrecision(6),
      +p.denseMs.toFixed(4),
      +p.cartesianMs.toFixed(4),
      +p.weightSparseMs.toFixed(4),
      +bestSparseMs(p).toFixed(4),
      +speedup(p).toFixed(4),
      speedup(p) >= CROSSOVER_MARGIN,
      p.denseMacs,
      p.idealMacs,
      crossover,
    ]),
  );
}

function layersCsv(r: LayerCostResult): string {
  return toCsv(
    [
      'layer',
      'type',
      'kernel',
      'forward_dense_macs',
      'forward_ideal_macs',
      'forward_executed_macs',
      'backward_dense_macs',
      'backward_ideal_macs',
      'backward_executed_macs',
      'forward_cpu_ms',
      'backward_cpu_ms',
      'forward_wasm_ms',
      'backward_wasm_ms',
      'forward_webgpu_ms',
      'backward_webgpu_ms',
      'weights',
      'weight_nonzeros',
      'weights_dense_bytes',
      'weights_compressed_bytes',
      'output_nonzeros',
      'output_dense_bytes',
      'output_compressed_bytes',
    ],
    r.layers.map((l) => [
      l.layer,
      l.type,
      l.kernel,
      l.forward.denseMacs,
      l.forward.idealMacs,
      l.forward.executedMacs,
      l.backward.denseMacs,
      l.backward.idealMacs,
      l.backward.executedMacs,
      +l.forward.cpuMs.toFixed(4),
      +l.backward.cpuMs.toFixed(4),
      l.forward.wasmMs === null ? null : +l.forward.wasmMs.toFixed(4),
      l.backward.wasmMs === null ? null : +l.backward.wasmMs.toFixed(4),
      l.forward.gpuMs === null ? null : +l.forward.gpuMs.toFixed(4),
      l.backward.gpuMs === null ? null : +l.backward.gpuMs.toFixed(4),
      l.weights?.count ?? null,
      l.weights?.nonzeros ?? null,
      l.weights?.denseBytes ?? null,
      l.weights?.compressedBytes ?? null,
      l.output.nonzeros,
      l.output.denseBytes,
      l.output.compressedBytes,
    ]),
  );
}

type Layer = LayerCostResult['layers'][number];

/** A layer's forward + backward time on one backend (null where that backend was not timed). */
function stepMs(l: Layer, field: 'cpuMs' | 'wasmMs' | 'gpuMs'): number | null {
  const forward = l.forward[field];
  const backward = l.backward[field];
  return forward === null || backward === null ? null : forward + backward;
}

/** One backend's measured time by layer, as stacked bars with their exports. */
function LayerTimeBars(props: {
  result: LayerCostResult;
  colors: string[];
  title: string;
  rows: StackedRow[];
  name: string;
  testId: string;
  children?: ReactNode;
}) {
  const ref = useRef<SVGSVGElement>(null);
  const { result } = props;
  return (
    <>
      <StackedBars
        ref={ref}
        title={props.title}
        keys={result.layers.map((l) => l.layer)}
        colors={props.colors}
        rows={props.rows}
        format={ms}
        unit="ms"
        testId={props.testId}
      />
      {props.children}
      <FigureExport svg={ref} name={props.name} csv={() => layersCsv(result)} />
    </>
  );
}

/**
 * The layer costs run their kernel choice on the TypeScript model (the other backends follow it): its
 * crossover from a sweep just run on TypeScript, else the one measured for it here, else the placeholder.
 */
function layerCrossover(s: CostState): number {
  if (s.sweepCrossover !== null && s.sweepMeasuredOn === 'cpu') return s.sweepCrossover;
  return s.crossovers.cpu?.crossover ?? DEFAULT_CROSSOVER;
}

/** How far the layer measurement is: TypeScript, then each other backend asked for, in equal parts. */
function layerProgress(s: Pick<CostState, 'progress' | 'useWasm' | 'useGpu'>): number {
  if (!s.progress) return 0;
  const phases: CostProgress['phase'][] = ['cpu', ...(s.useWasm ? (['wasm'] as const) : []), ...(s.useGpu ? (['gpu'] as const) : [])];
  const at = Math.max(0, phases.indexOf(s.progress.phase));
  return (at + s.progress.done / Math.max(1, s.progress.total)) / phases.length;
}

function LayerCosts() {
  const m = useMessages().costLab;
  const format = useNumberFormat();
  const kernels = useMessages().kernels;
  const s = useCostStore(
    useShallow((st) => ({
      batch: st.batch,
      checkpoint: st.checkpoint,
      gpu: st.gpu,
      layers: st.layers,
      layersError: st.layersError,
      model: st.model,
      progress: st.progress,
      pruneTo: st.pruneTo,
      running: st.running,
      set: st.set,
      useGpu: st.useGpu,
      useWasm: st.useWasm,
      wasm: st.wasm,
    })),
  );
  const macsRef = useRef<SVGSVGElement>(null);
  const gpuName = s.gpu?.available ? s.gpu.adapter : '';
  const softwareGpu = /swiftshader|llvmpipe|software/i.test(gpuName);
  const r = s.layers;
  const colors = useMemo(() => (r ? r.layers.map((_, i) => d3.schemeTableau10[i % 10]) : []), [r]);

  const measure = async () => {
    const batch = Number(s.batch);
    if (s.model === 'checkpoint' && !s.checkpoint) {
      s.set({ layersError: m.chooseCheckpoint });
      return;
    }
    s.set({ running: 'layers', progress: null, layersError: null });
    try {
      const result = await engineWorker().layerCosts(
        {
          model: s.model === 'checkpoint' ? { kind: 'file', file: s.checkpoint! } : { kind: 'preset', preset: s.model, pruneTo: Number(s.pruneTo), seed: 1 },
          batch,
          crossover: layerCrossover(useCostStore.getState()),
          weightCrossover: useCostStore.getState().crossovers.cpu?.weightCrossover ?? null,
          wasm: s.useWasm,
          gpu: s.useGpu,
          timing: LAYER_TIMING,
          gpuRepeats: GPU_REPEATS,
        },
        proxy((progress) => useCostStore.getState().set({ progress })),
      );
      useCostStore.getState().set({ layers: result });
    } catch (error) {
      useCostStore.getState().set({ layersError: fill(m.kept, { error: errorMessage(error) }) });
    } finally {
      useCostStore.getState().set({ running: null, progress: null });
    }
  };

  const rows = useMemo(() => {
    if (!r) return null;
    const step = (f: (l: LayerCostResult['layers'][number]) => number | null) => r.layers.map(f);
    const macs: StackedRow[] = [
      { label: m.rows.forwardDense, values: step((l) => l.forward.denseMacs) },
      { label: m.rows.forwardIdeal, values: step((l) => l.forward.idealMacs) },
      { label: m.rows.forwardExecuted, values: step((l) => l.forward.executedMacs) },
      { label: m.rows.stepDense, values: step((l) => l.forward.denseMacs + l.backward.denseMacs) },
      { label: m.rows.stepIdeal, values: step((l) => l.forward.idealMacs + l.backward.idealMacs) },
      { label: m.rows.stepExecuted, values: step((l) => l.forward.executedMacs + l.backward.executedMacs) },
    ];
    // A backend's time rows: the forward pass, and forward + backward (a training step).
    const times = (field: 'cpuMs' | 'wasmMs' | 'gpuMs'): StackedRow[] => [
      { label: m.rows.forward, values: step((l) => l.forward[field]) },
      { label: m.rows.step, values: step((l) => stepMs(l, field)) },
    ];
    return { macs, cpu: times('cpuMs'), wasm: times('wasmMs'), gpu: times('gpuMs') };
  }, [r, m]);

  const dominant = useMemo(() => {
    if (!r) return null;
    const times = r.layers.map((l) => l.forward.cpuMs + l.backward.cpuMs);
    const total = times.reduce((a, b) => a + b, 0);
    const i = times.indexOf(Math.max(...times));
    const share = times[i] / total;
    return { layer: r.layers[i].layer, share, bound: 1 / (1 - share + share / 10) };
  }, [r]);

  return (
    <section className="panel controls" aria-labelledby="layers-title">
      <h2 id="layers-title">{m.layersTitle}</h2>
      <p className="lede-small">{m.layersIntro}</p>
      <div className="fields">
        <label>
          {m.model}
          <select value={s.model} onChange={(e) => s.set({ model: e.target.value as typeof s.model })} disabled={s.running !== null} data-testid="cost-model">
            <option value="seed">{m.seedOption}</option>
            <option value="tiny">tiny</option>
            <option value="checkpoint">{m.checkpointOption}</option>
          </select>
        </label>
        {s.model === 'checkpoint' ? (
          <label className="wide">
            {m.checkpoint}
            <input
              type="file"
              accept=".scnn,application/octet-stream"
              onChange={(e) => s.set({ checkpoint: e.target.files?.[0] ?? null })}
              disabled={s.running !== null}
              data-testid="cost-checkpoint"
            />
          </label>
        ) : (
          <label>
            {m.prune}
            <select value={s.pruneTo} onChange={(e) => s.set({ pruneTo: e.target.value })} disabled={s.running !== null} data-testid="cost-prune">
              <option value="0">{m.dense}</option>
              {['0.5', '0.8', '0.9', '0.95'].map((v) => (
                <option key={v} value={v}>
                  {fill(m.zeros, { percent: `${Math.round(Number(v) * 100)}%` })}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {m.batch}
          <select value={s.batch} onChange={(e) => s.set({ batch: e.target.value })} disabled={s.running !== null} data-testid="cost-batch">
            {['1', '8', '32'].map((b) => (
              <option key={b} value={b}>
                {b === '1' ? m.image : fill(m.images, { n: b })}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={s.useWasm && s.wasm?.available !== false}
            disabled={s.wasm?.available === false || s.running !== null}
            onChange={(e) => s.set({ useWasm: e.target.checked })}
            data-testid="cost-use-wasm"
          />
          {m.timeWasm}
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={s.useGpu && s.gpu?.available !== false}
            disabled={s.gpu?.available === false || s.running !== null}
            onChange={(e) => s.set({ useGpu: e.target.checked })}
          />
          {m.timeGpu}
        </label>
      </div>
      <div className="buttons">
        <button type="button" className="button primary" onClick={() => void measure()} disabled={s.running !== null} data-testid="measure-layers">
          {s.running === 'layers' ? m.measuring : m.measure}
        </button>
      </div>
      {s.running === 'layers' && (
        <div aria-live="polite">
          <p className="progress-label">
            {s.progress ? fill(m.progress, { label: s.progress.label, done: s.progress.done, total: s.progress.total }) : m.starting}
          </p>
          <ProgressBar value={layerProgress(s)} label={m.progressLabel} />
        </div>
      )}
      {s.layersError && (
        <p className="error" role="alert" data-testid="layers-error">
          {s.layersError}
        </p>
      )}
      {!r && !s.layersError && s.running === null && <p className="empty">{m.empty}</p>}
      {r && rows && dominant && (
        <div data-testid="layer-results">
          <p className="measure-note">
            {fill(m.note, { model: r.model, images: r.images, crossover: r.crossover, repeats: r.cpuRepeats })}
            {r.wasmNote === null ? m.noteWasm : fill(m.noteNoWasm, { reason: r.wasmNote })}
            {r.gpuNote === null ? fill(m.noteGpu, { n: GPU_REPEATS }) : fill(m.noteNoGpu, { reason: r.gpuNote })}
          </p>
          <p className="amdahl" data-testid="amdahl">
            {fill(m.amdahl, { layer: dominant.layer, share: (dominant.share * 100).toFixed(0), bound: dominant.bound.toFixed(2) })}{' '}
            <span className="estimate">{m.estimate}</span>.
          </p>
          <StackedBars
            ref={macsRef}
            title={m.macsTitle}
            keys={r.layers.map((l) => l.layer)}
            colors={colors}
            rows={rows.macs}
            format={compactCount}
            unit="MACs"
            testId="macs-bars"
          />
          <FigureExport svg={macsRef} name="layer-macs" csv={() => layersCsv(r)} />
          <LayerTimeBars result={r} colors={colors} title={m.cpuTitle} rows={rows.cpu} name="layer-time-cpu" testId="time-bars" />
          {r.wasmNote === null && (
            <LayerTimeBars result={r} colors={colors} title={m.wasmTitle} rows={rows.wasm} name="layer-time-wasm" testId="wasm-time-bars" />
          )}
          {r.gpuNote === null && (
            <LayerTimeBars result={r} colors={colors} title={m.gpuTitle} rows={rows.gpu} name="layer-time-webgpu" testId="gpu-time-bars">
              {softwareGpu && (
                <p className="measure-note" data-testid="software-gpu">
                  {fill(m.softwareGpu, { name: gpuName })}
                </p>
              )}
            </LayerTimeBars>
          )}
          <div className="table-scroll" tabIndex={0} role="region" aria-label={m.tableRegion}>
            <table className="cost-table" data-testid="layer-table">
              <caption>{m.caption}</caption>
              <thead>
                <tr>
                  {(['layer', 'kernel', 'dense', 'ideal', 'executed', 'cpu', 'wasm', 'gpu', 'weights', 'output'] as const).map((c) => (
                    <th key={c} scope="col">
                      {m.columns[c]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {r.layers.map((l) => (
                  <tr key={l.layer} className={l.layer === dominant.layer ? 'dominant' : undefined}>
                    <th scope="row">{l.layer}</th>
                    <td>{l.kernel ? kernels[l.kernel] : '—'}</td>
                    <td title={format.number(l.forward.denseMacs + l.backward.denseMacs)}>{compactCount(l.forward.denseMacs + l.backward.denseMacs)}</td>
                    <td title={format.number(l.forward.idealMacs + l.backward.idealMacs)}>{compactCount(l.forward.idealMacs + l.backward.idealMacs)}</td>
                    <td title={format.number(l.forward.executedMacs + l.backward.executedMacs)}>
                      {compactCount(l.forward.executedMacs + l.backward.executedMacs)}
                    </td>
                    {(['cpuMs', 'wasmMs', 'gpuMs'] as const).map((field) => {
                      const t = stepMs(l, field);
                      return <td key={field}>{t === null ? '—' : ms(t)}</td>;
                    })}
                    <td>{l.weights ? `${byteSize(l.weights.denseBytes)} → ${byteSize(l.weights.compressedBytes)}` : '—'}</td>
                    <td>{`${byteSize(l.output.denseBytes)} → ${byteSize(l.output.compressedBytes)}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

export function Sweep() {
  const m = useMessages().sweep;
  const controls = useMessages().lab.controls;
  const s = useCostStore(
    useShallow((st) => ({
      gpu: st.gpu,
      progress: st.progress,
      running: st.running,
      set: st.set,
      sweepBackend: st.sweepBackend,
      sweepCrossover: st.sweepCrossover,
      sweepError: st.sweepError,
      sweepGrid: st.sweepGrid,
      sweepMeasuredOn: st.sweepMeasuredOn,
      sweepPoints: st.sweepPoints,
      sweepStopped: st.sweepStopped,
      wasm: st.wasm,
    })),
  );
  const chartRef = useRef<SVGSVGElement>(null);
  const grid = SWEEP_GRIDS[s.sweepGrid];

  const run = async () => {
    const backend = s.sweepBackend;
    s.set({ running: 'sweep', progress: null, sweepError: null, sweepPoints: [], sweepCrossover: null, sweepStopped: false, sweepMeasuredOn: backend });
    try {
      const result = await engineWorker().costSweep(
        grid,
        backend,
        proxy((progress, point) => {
          const st = useCostStore.getState();
          st.set({ progress, sweepPoints: [...st.sweepPoints, point] });
        }),
      );
      useCostStore.getState().set({ sweepPoints: result.points, sweepCrossover: result.stopped ? null : result.crossover, sweepStopped: result.stopped });
    } catch (error) {
      useCostStore.getState().set({ sweepError: errorMessage(error) });
    } finally {
      useCostStore.getState().set({ running: null, progress: null });
    }
  };

  const points = s.sweepPoints;
  const crossover = s.sweepCrossover;
  return (
    <section className="panel controls" aria-labelledby="sweep-title">
      <h2 id="sweep-title">{m.title}</h2>
      <p className="lede-small">{m.intro}</p>
      <div className="fields">
        <label>
          {m.computeOn}
          <select
            value={s.sweepBackend}
            onChange={(e) => s.set({ sweepBackend: e.target.value as BackendName })}
            disabled={s.running !== null}
            data-testid="sweep-backend"
          >
            {BACKEND_CHOICES.map((b) => (
              <option key={b} value={b} disabled={(b === 'wasm' && s.wasm?.available === false) || (b === 'webgpu' && s.gpu?.available === false)}>
                {backendLabel(b, controls)}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          {m.grid}
          <select
            value={s.sweepGrid}
            onChange={(e) => s.set({ sweepGrid: e.target.value as 'quick' | 'bench' })}
            disabled={s.running !== null}
            data-testid="sweep-grid"
          >
            <option value="bench">{m.gridBench}</option>
            <option value="quick">{m.gridQuick}</option>
          </select>
        </label>
      </div>
      <div className="buttons">
        <button type="button" className="button primary" onClick={() => void run()} disabled={s.running !== null} data-testid="run-sweep">
          {s.running === 'sweep' ? m.measuring : m.run}
        </button>
        {s.running === 'sweep' && (
          <button type="button" className="button" onClick={() => void engineWorker().stopCost()} data-testid="stop-sweep">
            {m.stop}
          </button>
        )}
      </div>
      {s.running === 'sweep' && (
        <div aria-live="polite">
          <p className="progress-label">
            {s.progress ? fill(m.progress, { label: s.progress.label, done: s.progress.done, total: s.progress.total }) : m.timingDense}
          </p>
          <ProgressBar value={s.progress ? s.progress.done / s.progress.total : 0} label={m.progressLabel} />
        </div>
      )}
      {s.sweepError && (
        <p className="error" role="alert">
          {s.sweepError}
        </p>
      )}
      {points.length > 0 ? (
        <>
          {crossover !== null && (
            <p className="crossover-summary" data-testid="crossover">
              {crossover > 0 ? fill(m.wins, { margin: Math.round((CROSSOVER_MARGIN - 1) * 100), crossover }) : m.noWin}{' '}
              {s.sweepMeasuredOn === 'cpu' && m.policy}
            </p>
          )}
          {s.sweepStopped && <p className="banner">{fill(m.stopped, { n: points.length })}</p>}
          <SweepChart
            ref={chartRef}
            points={points}
            crossover={crossover}
            testId="sweep-chart"
            backend={s.sweepMeasuredOn ? backendLabel(s.sweepMeasuredOn, controls) : ''}
          />
          <FigureExport svg={chartRef} name="sparsity-sweep" csv={() => sweepCsv(points, crossover)} />
          <SpeedupGrid points={points} />
          <ul className="references">
            {LITERATURE_LINES.map((l) => (
              <li key={l.key}>
                <strong>{m.literature[l.key].label}</strong> {fill(m.reference, { product: l.product.toFixed(2), source: m.literature[l.key].source })}
              </li>
            ))}
          </ul>
        </>
      ) : (
        s.running !== 'sweep' && <p className="empty">{m.empty}</p>
      )}
      <AutoCrossovers />
    </section>
  );
}

const REFERENCE_BATCH = 32;

/** Our seed forward pass beside TensorFlow.js's WASM backend (XNNPACK), loaded only when asked. */
function ReferenceForward() {
  const m = useMessages().costLab;
  const controls = useMessages().lab.controls;
  const format = useNumberFormat();
  const s = useCostStore(useShallow((st) => ({ reference: st.reference, referenceError: st.referenceError, running: st.running, set: st.set })));
  const r = s.reference;
  const run = async () => {
    s.set({ running: 'reference', referenceError: null });
    try {
      const reference = await engineWorker().compareForward(REFERENCE_BATCH);
      useCostStore.getState().set({ reference });
    } catch (error) {
      useCostStore.getState().set({ referenceError: errorMessage(error) });
    } finally {
      useCostStore.getState().set({ running: null });
    }
  };
  const speed = (n: number) => fill(m.referenceUnit, { n: format.number(Math.round(n)) });
  return (
    <section className="panel controls" aria-labelledby="reference-title" data-testid="reference-forward">
      <h2 id="reference-title">{m.referenceTitle}</h2>
      <p className="lede-small">{fill(m.referenceIntro, { n: REFERENCE_BATCH })}</p>
      <div className="buttons">
        <button type="button" className="button" onClick={() => void run()} disabled={s.running !== null} data-testid="run-reference">
          {s.running === 'reference' ? m.referenceMeasuring : m.referenceRun}
        </button>
      </div>
      {s.referenceError && (
        <p className="error" role="alert">
          {s.referenceError}
        </p>
      )}
      {r && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label={m.referenceTitle}>
          <table className="cost-table" data-testid="reference-table">
            <tbody>
              {r.reference ? (
                <tr>
                  <th scope="row">{r.reference.name}</th>
                  <td data-testid="reference-speed">{speed(r.reference.imagesPerSec)}</td>
                  <td />
                </tr>
              ) : (
                <tr>
                  <td colSpan={3}>{fill(m.referenceNone, { reason: r.referenceNote ?? '' })}</td>
                </tr>
              )}
              {(
                [
                  ['dense', m.referenceOurs, r.ours.dense],
                  ['pruned', m.referenceOursPruned, r.ours.pruned],
                ] as const
              ).map(([key, label, v]) => (
                <tr key={key}>
                  <th scope="row">{fill(label, { backend: backendLabel(r.ours.backend, controls) })}</th>
                  <td data-testid={`reference-ours-${key}`}>{speed(v)}</td>
                  <td>{r.reference ? fill(m.referenceRatio, { ratio: (v / r.reference.imagesPerSec).toFixed(2), name: 'TensorFlow.js' }) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The crossover `auto` uses on each backend here, as measured (and kept) on this device, with a button to measure it again. */
function AutoCrossovers() {
  const m = useMessages().sweep;
  const controls = useMessages().lab.controls;
  const format = useNumberFormat();
  const s = useCostStore(
    useShallow((st) => ({ crossovers: st.crossovers, gpu: st.gpu, remeasuring: st.remeasuring, running: st.running, set: st.set, wasm: st.wasm })),
  );
  const remeasure = async (backend: BackendName) => {
    s.set({ remeasuring: backend, sweepError: null });
    try {
      const measured = await engineWorker().remeasureCrossover(backend);
      useCostStore.getState().set({ crossovers: { ...useCostStore.getState().crossovers, [backend]: measured } });
    } catch (error) {
      useCostStore.getState().set({ sweepError: errorMessage(error) });
    } finally {
      useCostStore.getState().set({ remeasuring: null });
    }
  };
  return (
    <div className="auto-crossovers" data-testid="auto-crossovers">
      <h3>{m.autoTitle}</h3>
      <p className="lede-small">{m.autoIntro}</p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={m.autoTitle}>
        <table className="cost-table">
          <thead>
            <tr>
              <th scope="col">{m.autoBackend}</th>
              <th scope="col">{m.autoCrossover}</th>
              <th scope="col">
                <span className="sr-only">{m.remeasure}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {BACKEND_CHOICES.filter((b) => !(b === 'wasm' && s.wasm?.available === false) && !(b === 'webgpu' && s.gpu?.available === false)).map((b) => {
              const c = s.crossovers[b];
              return (
                <tr key={b} data-backend={b}>
                  <th scope="row">{backendLabel(b, controls)}</th>
                  <td data-testid={`auto-crossover-${b}`}>
                    {c
                      ? fill(m.autoMeasured, {
                          crossover: c.crossover,
                          weights: c.weightCrossover ?? '—',
                          when: new Date(c.measuredAt).toLocaleString(),
                          points: c.points,
                          ms: format.number(Math.round(c.ms)),
                        })
                      : m.autoNotYet}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button"
                      onClick={() => void remeasure(b)}
                      disabled={s.running !== null || s.remeasuring !== null}
                      data-testid={`remeasure-${b}`}
                    >
                      {s.remeasuring === b ? m.remeasuring : c ? m.remeasure : m.measureNow}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SpeedupGrid({ points }: { points: SweepPoint[] }) {
  const m = useMessages().costLab;
  const inputs = [...new Set(points.map((p) => p.inputDensity))];
  const weights = [...new Set(points.map((p) => p.weightDensity))];
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={m.speedupRegion}>
      <table className="speedup-grid" data-testid="speedup-grid">
        <caption>{m.speedupCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{m.speedupCorner}</th>
            {weights.map((w) => (
              <th key={w} scope="col">
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {inputs.map((x) => (
            <tr key={x}>
              <th scope="row">{x}</th>
              {weights.map((w) => {
                const p = points.find((q) => q.inputDensity === x && q.weightDensity === w);
                if (!p) return <td key={w}>…</td>;
                const v = speedup(p);
                return (
                  <td
                    key={w}
                    className={v >= CROSSOVER_MARGIN ? 'wins' : v < 1 ? 'loses' : 'ties'}
                    title={fill(m.speedupTitle, {
                      dense: p.denseMs.toFixed(2),
                      cartesian: p.cartesianMs.toFixed(2),
                      weightSparse: p.weightSparseMs.toFixed(2),
                    })}
                  >
                    {v.toFixed(2)}×
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CostLab() {
  const m = useMessages().costLab;
  const gpu = useCostStore((s) => s.gpu);
  const wasm = useCostStore((s) => s.wasm);
  const threads = useCostStore((s) => s.threads);
  const { model, pruneTo, batch, sweepGrid, sweepBackend, rooflineBackend, rooflinePreset } = useCostStore(
    useShallow((st) => ({
      model: st.model,
      pruneTo: st.pruneTo,
      batch: st.batch,
      sweepGrid: st.sweepGrid,
      sweepBackend: st.sweepBackend,
      rooflineBackend: st.rooflineBackend,
      rooflinePreset: st.rooflinePreset,
    })),
  );
  // The lab's settings live in the URL: read once, written back on every change.
  const urlRead = useCostStore((s) => s.urlRead);
  useEffect(() => {
    const patch = {
      model: readQuery('cost.model', oneOf('tiny', 'seed')),
      pruneTo: readQuery('cost.prune', oneOf('0', '0.5', '0.8', '0.9', '0.95')),
      batch: readQuery('cost.batch', oneOf('1', '8', '32')),
      sweepGrid: readQuery('cost.grid', oneOf('quick', 'bench')),
      sweepBackend: readQuery('cost.backend', oneOf('wasm', 'cpu', 'webgpu')),
      rooflineBackend: readQuery('cost.roofline', oneOf('wasm', 'cpu', 'webgpu')),
      rooflinePreset: readQuery('cost.rooflineModel', oneOf('tiny', 'seed')),
    };
    useCostStore.getState().set({ ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null)), urlRead: true });
  }, []);
  useEffect(() => {
    if (!urlRead) return;
    writeQuery({
      'cost.model': model === 'seed' || model === 'checkpoint' ? null : model,
      'cost.prune': pruneTo === '0.9' ? null : pruneTo,
      'cost.batch': batch === '8' ? null : batch,
      'cost.grid': sweepGrid === 'bench' ? null : sweepGrid,
      'cost.backend': sweepBackend === 'wasm' ? null : sweepBackend,
      'cost.roofline': rooflineBackend === 'wasm' ? null : rooflineBackend,
      'cost.rooflineModel': rooflinePreset === 'seed' ? null : rooflinePreset,
    });
  }, [urlRead, model, pruneTo, batch, sweepGrid, sweepBackend, rooflineBackend, rooflinePreset]);
  useEffect(() => {
    useCostStore.getState().set({ threads: navigator.hardwareConcurrency || 1 });
    void engineWorker()
      .gpuStatus()
      .then((g) => useCostStore.getState().set({ gpu: g }));
    void engineWorker()
      .wasmStatus()
      .then((w) => {
        const st = useCostStore.getState();
        // Without SIMD here, the sweep runs on TypeScript.
        st.set({
          wasm: w,
          ...(w.available || st.sweepBackend !== 'wasm' ? {} : { sweepBackend: 'cpu' as const }),
          ...(w.available || st.rooflineBackend !== 'wasm' ? {} : { rooflineBackend: 'cpu' as const }),
        });
      });
    void engineWorker()
      .crossovers()
      .then((crossovers) => useCostStore.getState().set({ crossovers }));
  }, []);
  return (
    <div className="cost-lab">
      <section className="panel device" aria-label="This device" data-testid="cost-device" data-ready={gpu !== null && wasm !== null}>
        <strong>{m.device}</strong> {threads === 1 ? m.thread : fill(m.threads, { n: threads })} ·{' '}
        {gpu === null ? m.checkingGpu : gpu.available ? fill(m.gpu, { adapter: gpu.adapter }) : fill(m.noGpu, { reason: gpu.reason })}. {m.noisy}
      </section>
      <LayerCosts />
      <ReferenceForward />
      <Sweep />
      <Roofline />
    </div>
  );
}
