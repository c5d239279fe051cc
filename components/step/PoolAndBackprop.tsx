'use client';
/**
 * What comes after the step-through's convolution, from the engine: its ReLU'd output max-pooled 2×2 (dense
 * and sparse pool, window by window) and sparse backpropagation from an upstream gradient — which gradients
 * can be nonzero, which are computed, and what is skipped.
 */
import { useEffect, useState } from 'react';
import type { ConvSceneParams } from '../../engine/trace/convScene';
import type { SceneSource } from '../../engine/train/session';
import { engineWorker } from '../../workers/engineClient';
import { Grid } from './ValueGrid';

type FollowUp = Awaited<ReturnType<ReturnType<typeof engineWorker>['convFollowUp']>>;

const n = (v: number) => v.toLocaleString('en-US');

export function PoolAndBackprop({ source, params }: { source: SceneSource; params: ConvSceneParams }) {
  const [data, setData] = useState<FollowUp | null>(null);
  const [windowIndex, setWindowIndex] = useState(0);
  useEffect(() => {
    let cancelled = false;
    engineWorker()
      .convFollowUp(source, params)
      .then((d) => !cancelled && setData(d))
      .catch(() => !cancelled && setData(null));
    return () => {
      cancelled = true;
    };
  }, [source, params]);
  if (!data) return null;
  const g = data.geometry;
  const outPlane = g.outH * g.outW;
  const pool = data.pool;
  const windows = pool?.trace.windows ?? [];
  const current = windows[Math.min(windowIndex, windows.length - 1)];
  const [, PH, PW] = pool?.trace.shape ?? [0, 0, 0];
  const pooledDense = new Float32Array(windows.length);
  for (const w of windows) pooledDense[w.output] = w.sparseValue;
  const b = data.backward;
  const k2 = params.kernelSize ** 2;
  return (
    <>
      {pool && current && (
        <section className="panel" aria-labelledby="pool-title">
          <h2 id="pool-title">Sparse max-pool: the max over Ω_k of each window</h2>
          <p>
            The convolution&apos;s output after a ReLU, pooled 2×2. The dense pool compares every element of a window; the
            sparse pool looks only at the window&apos;s nonzero elements (Ω_k) and gives 0 to a window with none. On ReLU
            outputs both choose the same element (ties: the first in window order).
          </p>
          <label className="scrub">
            Window {windowIndex + 1} of {windows.length}
            <input type="range" min={0} max={windows.length - 1} value={windowIndex} onChange={(e) => setWindowIndex(Number(e.target.value))} data-testid="pool-window" />
          </label>
          <p className="live" aria-live="polite" data-testid="pool-description">
            {current.nonzero.length === 0
              ? `Window ${windowIndex + 1}: no nonzero element — the sparse pool outputs 0 without comparing anything; the dense pool compared ${current.elements.length}.`
              : `Window ${windowIndex + 1}: the dense pool compared ${current.elements.length} elements, the sparse pool ${current.nonzero.length}; both chose ${current.sparseValue.toFixed(2)}.`}
          </p>
          <div className="maps">
            {Array.from({ length: g.outChannels }, (_, c) => (
              <Grid
                key={`p${c}`}
                label={`ReLU(output ${c + 1})`}
                rows={g.outH}
                cols={g.outW}
                values={pool.input}
                offset={c * outPlane}
                sparse={current.sparseWinner >= 0 ? current.sparseWinner : undefined}
                dense={current.denseWinner}
                empty={(i) => pool.input[i] === 0}
                marked={(i) => current.elements.includes(i)}
              />
            ))}
            {Array.from({ length: g.outChannels }, (_, c) => (
              <Grid key={`q${c}`} label={`Pooled ${c + 1}`} rows={PH} cols={PW} values={pooledDense} offset={c * PH * PW} sparse={current.output} testId={`pooled-grid-${c + 1}`} />
            ))}
          </div>
          <p data-testid="pool-counter">
            Elements examined: dense {n(pool.trace.counts.denseExamined)}, sparse {n(pool.trace.counts.sparseExamined)} · {n(pool.trace.counts.emptyWindows)} of {n(windows.length)} windows empty.
          </p>
        </section>
      )}
      <section className="panel" aria-labelledby="backprop-title">
        <h2 id="backprop-title">Sparse backpropagation: which gradients are computed</h2>
        <p>
          From an upstream gradient ∂L/∂y, the input gradient ∂L/∂x is computed only where the input is nonzero — behind a
          ReLU a zero input passes no gradient on — and the weight gradient ∂L/∂w only for the weights that were not pruned:
          pruned weights stay exactly zero.
        </p>
        <div className="maps">
          {Array.from({ length: g.outChannels }, (_, c) => (
            <Grid key={`d${c}`} label={`∂L/∂y, output ${c + 1}`} rows={g.outH} cols={g.outW} values={data.dy} offset={c * outPlane} />
          ))}
          <Grid label="∂L/∂x (hatched: skipped)" rows={params.size} cols={params.size} values={b.dx} empty={(i) => !b.dxComputed[i]} testId="dx-grid" />
          {Array.from({ length: g.outChannels }, (_, f) => (
            <Grid key={`w${f}`} label={`∂L/∂w, filter ${f + 1}`} rows={params.kernelSize} cols={params.kernelSize} values={b.dw} offset={f * k2} empty={(i) => !b.dwComputed[i]} />
          ))}
        </div>
        <p data-testid="backprop-counter">
          Multiplies for ∂x and ∂w: dense {n(b.counts.denseMacs)}, sparse {n(b.counts.sparseMacs)} — {n(b.counts.skipped)} skipped.
        </p>
      </section>
    </>
  );
}
