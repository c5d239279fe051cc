'use client';
/**
 * The cost lab's roofline: the engine measures this device's roof on a backend and places every layer's
 * kernels of a preset on it at several pruning levels; this section asks for it and draws what comes back.
 */
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackendName } from '../../engine/backend/backend';
import type { RooflineResult } from '../../engine/cost/costLab';
import { ridgeIntensity, type RooflinePoint } from '../../engine/cost/roofline';
import { byteSize, compactCount, fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { engineWorker, proxy } from '../../workers/engineClient';
import { toCsv } from '../charts/figureExport';
import { FigureExport } from '../charts/FigureExport';
import { num, RooflineChart } from '../charts/RooflineChart';
import { ProgressBar } from '../ui/ProgressBar';
import { errorMessage } from '../ui/errorMessage';
import { BACKEND_CHOICES, backendLabel } from './backendChoice';
import { useCostStore } from './costStore';

/** Zeros given to the preset's pruned layers, one set of points each. */
export const ROOFLINE_PRUNES = [0, 0.5, 0.9, 0.95];
const ROOFLINE_BATCH = 8;
const ROOFLINE_TIMING = { minMs: 150, minRepeats: 3 };

export function rooflineCsv(r: RooflineResult): string {
  return toCsv(
    [
      'backend',
      'peak_gflops',
      'bandwidth_gbs',
      'layer',
      'kernel',
      'prune',
      'weight_density',
      'input_density',
      'flops',
      'bytes',
      'flops_per_byte',
      'ms',
      'gflops',
    ],
    r.points.map((p) => [
      r.backend,
      r.roof.peakGflops,
      r.roof.bandwidthGBs,
      p.layer,
      p.kernel,
      p.prune,
      p.weightDensity,
      p.inputDensity,
      p.flops,
      p.bytes,
      p.intensity,
      p.ms,
      p.gflops,
    ]),
  );
}

/** The sparse kernel of a pruned layer whose FLOPs per byte fell the most from the fewest zeros to the most. */
function steepestSlide(points: RooflinePoint[]): { from: RooflinePoint; to: RooflinePoint } | null {
  let best: { from: RooflinePoint; to: RooflinePoint } | null = null;
  const keys = new Set(points.filter((p) => p.kernel !== 'dense').map((p) => `${p.layer}:${p.kernel}`));
  for (const key of keys) {
    const run = points.filter((p) => `${p.layer}:${p.kernel}` === key).sort((a, b) => a.prune - b.prune);
    if (run.length < 2) continue;
    const from = run[0];
    const to = run[run.length - 1];
    if (to.intensity < from.intensity && (!best || from.intensity / to.intensity > best.from.intensity / best.to.intensity)) best = { from, to };
  }
  return best;
}

export function Roofline() {
  const m = useMessages().roofline;
  const controls = useMessages().lab.controls;
  const format = useNumberFormat();
  const s = useCostStore(
    useShallow((st) => ({
      gpu: st.gpu,
      wasm: st.wasm,
      running: st.running,
      progress: st.progress,
      set: st.set,
      backend: st.rooflineBackend,
      preset: st.rooflinePreset,
      result: st.roofline,
      error: st.rooflineError,
    })),
  );
  const chartRef = useRef<SVGSVGElement>(null);

  const run = async () => {
    s.set({ running: 'roofline', progress: null, rooflineError: null, roofline: null });
    try {
      const result = await engineWorker().costRoofline(
        { preset: s.preset, prunes: ROOFLINE_PRUNES, batch: ROOFLINE_BATCH, backend: s.backend, timing: ROOFLINE_TIMING },
        proxy((progress) => useCostStore.getState().set({ progress })),
      );
      useCostStore.getState().set({ roofline: result });
    } catch (error) {
      useCostStore.getState().set({ rooflineError: errorMessage(error) });
    } finally {
      useCostStore.getState().set({ running: null, progress: null });
    }
  };

  const r = s.result;
  const slide = r ? steepestSlide(r.points) : null;
  const label = (b: BackendName) => backendLabel(b, controls);
  return (
    <section className="panel controls" aria-labelledby="roofline-title" data-testid="roofline">
      <h2 id="roofline-title">{m.title}</h2>
      <p className="lede-small">{m.intro}</p>
      <div className="fields">
        <label>
          {m.model}
          <select
            value={s.preset}
            onChange={(e) => s.set({ rooflinePreset: e.target.value as 'tiny' | 'seed' })}
            disabled={s.running !== null}
            data-testid="roofline-model"
          >
            <option value="seed">seed</option>
            <option value="tiny">tiny</option>
          </select>
        </label>
        <label>
          {m.computeOn}
          <select
            value={s.backend}
            onChange={(e) => s.set({ rooflineBackend: e.target.value as BackendName })}
            disabled={s.running !== null}
            data-testid="roofline-backend"
          >
            {BACKEND_CHOICES.map((b) => (
              <option key={b} value={b} disabled={(b === 'wasm' && s.wasm?.available === false) || (b === 'webgpu' && s.gpu?.available === false)}>
                {label(b)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="buttons">
        <button type="button" className="button primary" onClick={() => void run()} disabled={s.running !== null} data-testid="run-roofline">
          {s.running === 'roofline' ? m.measuring : m.run}
        </button>
        {s.running === 'roofline' && (
          <button type="button" className="button" onClick={() => void engineWorker().stopCost()} data-testid="stop-roofline">
            {m.stop}
          </button>
        )}
      </div>
      {s.running === 'roofline' && (
        <div aria-live="polite">
          <p className="progress-label">
            {s.progress ? fill(m.progress, { label: s.progress.label, done: s.progress.done, total: s.progress.total }) : m.measuring}
          </p>
          <ProgressBar value={s.progress ? s.progress.done / s.progress.total : 0} label={m.progressLabel} />
        </div>
      )}
      {s.error && (
        <p className="error" role="alert">
          {s.error}
        </p>
      )}
      {r ? (
        <>
          <p data-testid="roof-summary">
            {fill(m.roof, {
              backend: label(r.backend),
              peak: num(r.roof.peakGflops),
              bandwidth: num(r.roof.bandwidthGBs),
              ridge: num(ridgeIntensity(r.roof)),
            })}
          </p>
          {slide && (
            <p data-testid="roofline-slide">
              {fill(m.slide, {
                layer: slide.from.layer,
                kernel: m.kernels[slide.from.kernel],
                from: num(slide.from.intensity),
                fromPrune: Math.round(slide.from.prune * 100),
                to: num(slide.to.intensity),
                toPrune: Math.round(slide.to.prune * 100),
                fromGflops: num(slide.from.gflops),
                toGflops: num(slide.to.gflops),
              })}
            </p>
          )}
          {r.stopped && <p className="banner">{fill(m.stopped, { n: r.points.length })}</p>}
          <RooflineChart ref={chartRef} roof={r.roof} points={r.points} backend={label(r.backend)} testId="roofline-chart" />
          <p className="lede-small">{fill(m.measuredOn, { model: r.model, images: r.images })}</p>
          <FigureExport svg={chartRef} name="roofline" csv={() => rooflineCsv(r)} />
          <details className="chart-data">
            <summary>{m.table.caption}</summary>
            <div className="table-scroll">
              <table data-testid="roofline-table">
                <thead>
                  <tr>
                    {(['layer', 'kernel', 'prune', 'weights', 'input', 'flops', 'bytes', 'intensity', 'ms', 'gflops'] as const).map((k) => (
                      <th key={k} scope="col">
                        {m.table[k]}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {r.points.map((p, i) => (
                    <tr key={i}>
                      <td>{p.layer}</td>
                      <td>{m.kernels[p.kernel]}</td>
                      <td>{format.percent(p.prune)}</td>
                      <td>{format.percent(p.weightDensity, 1)}</td>
                      <td>{format.percent(p.inputDensity, 1)}</td>
                      <td>{compactCount(p.flops)}</td>
                      <td>{byteSize(p.bytes)}</td>
                      <td>{num(p.intensity)}</td>
                      <td>{p.ms.toFixed(3)}</td>
                      <td>{num(p.gflops)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : (
        s.running !== 'roofline' && <p className="empty">{m.empty}</p>
      )}
    </section>
  );
}
