'use client';
/**
 * What comes after the step-through's convolution, from the engine: its ReLU'd output max-pooled 2×2 (dense
 * and sparse pool, window by window) and sparse backpropagation from an upstream gradient — which gradients
 * can be nonzero, which are computed, and what is skipped.
 */
import { useEffect, useState, memo } from 'react';
import type { ConvSceneParams } from '../../engine/trace/convSceneParams';
import type { SceneSource } from '../../engine/trace/stepThrough';
import { engineWorker } from '../../workers/engineClient';
import { Grid } from './ValueGrid';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';

type FollowUp = Awaited<ReturnType<ReturnType<typeof engineWorker>['convFollowUp']>>;

/** Memoised: the step-through re-renders at every playback frame, and none of that changes what follows. */
export const PoolAndBackprop = memo(function PoolAndBackprop({ source, params }: { source: SceneSource; params: ConvSceneParams }) {
  const m = useMessages().pool;
  const n = useNumberFormat().number;
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
          <h2 id="pool-title">{m.title}</h2>
          <p>{m.intro}</p>
          <label className="scrub">
            {fill(m.windowOf, { n: windowIndex + 1, total: windows.length })}
            <input
              type="range"
              min={0}
              max={windows.length - 1}
              value={windowIndex}
              onChange={(e) => setWindowIndex(Number(e.target.value))}
              data-testid="pool-window"
            />
          </label>
          <p className="live" aria-live="polite" data-testid="pool-description">
            {current.nonzero.length === 0
              ? fill(m.empty, { n: windowIndex + 1, dense: current.elements.length })
              : fill(m.window, { n: windowIndex + 1, dense: current.elements.length, sparse: current.nonzero.length, value: current.sparseValue.toFixed(2) })}
          </p>
          <div className="maps">
            {Array.from({ length: g.outChannels }, (_, c) => (
              <Grid
                key={`p${c}`}
                label={fill(m.relu, { n: c + 1 })}
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
              <Grid
                key={`q${c}`}
                label={fill(m.pooled, { n: c + 1 })}
                rows={PH}
                cols={PW}
                values={pooledDense}
                offset={c * PH * PW}
                sparse={current.output}
                testId={`pooled-grid-${c + 1}`}
              />
            ))}
          </div>
          <p data-testid="pool-counter">
            {fill(m.counter, {
              dense: n(pool.trace.counts.denseExamined),
              sparse: n(pool.trace.counts.sparseExamined),
              empty: n(pool.trace.counts.emptyWindows),
              windows: n(windows.length),
            })}
          </p>
        </section>
      )}
      <section className="panel" aria-labelledby="backprop-title">
        <h2 id="backprop-title">{m.backpropTitle}</h2>
        <p>{m.backpropIntro}</p>
        <div className="maps">
          {Array.from({ length: g.outChannels }, (_, c) => (
            <Grid key={`d${c}`} label={fill(m.dy, { n: c + 1 })} rows={g.outH} cols={g.outW} values={data.dy} offset={c * outPlane} />
          ))}
          {Array.from({ length: g.inChannels }, (_, c) => (
            <Grid
              key={`x${c}`}
              label={g.inChannels > 1 ? fill(m.dxChannel, { l: c + 1 }) : m.dx}
              rows={params.size}
              cols={params.size}
              values={b.dx}
              offset={c * params.size * params.size}
              empty={(i) => !b.dxComputed[i]}
              testId={c === 0 ? 'dx-grid' : `dx-grid-${c + 1}`}
            />
          ))}
          {Array.from({ length: g.outChannels * g.inChannels }, (_, fc) => (
            <Grid
              key={`w${fc}`}
              label={g.inChannels > 1 ? fill(m.dwChannel, { n: Math.floor(fc / g.inChannels) + 1, l: (fc % g.inChannels) + 1 }) : fill(m.dw, { n: fc + 1 })}
              rows={params.kernelSize}
              cols={params.kernelSize}
              values={b.dw}
              offset={fc * k2}
              empty={(i) => !b.dwComputed[i]}
            />
          ))}
        </div>
        <p data-testid="backprop-counter">
          {fill(m.backpropCounter, { dense: n(b.counts.denseMacs), sparse: n(b.counts.sparseMacs), skipped: n(b.counts.skipped) })}
        </p>
      </section>
    </>
  );
});
