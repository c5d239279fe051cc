'use client';
/**
 * The sparse convolution step-through: the input map, the (pruned) filters and the output, with the dense
 * and the sparse order of multiplies playing side by side on one clock. The engine worker traces the
 * convolution; this component only plays the trace back and draws it.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConvSceneParams, DEFAULT_CONV_SCENE } from '../../engine/trace/convSceneParams';
import type { ConvSteps } from '../../engine/trace/convTrace';
import { engineWorker, proxy } from '../../workers/engineClient';
import { ProgressBar } from '../ui/ProgressBar';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { integerIn, numberIn, oneOf, readQuery, writeQuery } from '../ui/urlState';
import { ConvFormula, FormulaStep, FormulaTerm } from './ConvFormula';
import { DrawPad } from './DrawPad';
import { PoolAndBackprop } from './PoolAndBackprop';
import { fmt, Grid } from './ValueGrid';

type Scene = Awaited<ReturnType<ReturnType<typeof engineWorker>['convScene']>>;

/** The engine's own defaults: the figure starts where a link without settings starts. */
const DEFAULTS = DEFAULT_CONV_SCENE;

/** The step-through's settings from the URL, each checked (anything unusable keeps its default). */
function paramsFromUrl(): ConvSceneParams {
  const kernelSize = readQuery('conv.kernel', oneOf('1', '3', '5'));
  return {
    ...DEFAULTS,
    threshold: readQuery('conv.threshold', numberIn(0, 1)) ?? DEFAULTS.threshold,
    pruning: readQuery('conv.pruning', numberIn(0, 0.9)) ?? DEFAULTS.pruning,
    ...(kernelSize ? { kernelSize: Number(kernelSize), padding: (Number(kernelSize) - 1) / 2 } : {}),
    stride: readQuery('conv.stride', integerIn(1, 2)) ?? DEFAULTS.stride,
    ...(readQuery('conv.padding', integerIn(0, 2)) !== null ? { padding: readQuery('conv.padding', integerIn(0, 2))! } : {}),
    mode: readQuery('conv.mode', oneOf('regular', 'submanifold')) ?? DEFAULTS.mode,
    channels: readQuery('conv.channels', integerIn(1, 2)) ?? DEFAULTS.channels,
  };
}

function ImageThumb({ image }: { image: Uint8Array }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const data = ctx.createImageData(32, 32);
    for (let p = 0; p < 1024; p++) {
      data.data[4 * p] = image[p];
      data.data[4 * p + 1] = image[1024 + p];
      data.data[4 * p + 2] = image[2048 + p];
      data.data[4 * p + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
  }, [image]);
  return <canvas ref={ref} width={32} height={32} className="thumb" aria-hidden="true" />;
}

interface Highlight {
  input: number;
  weight: number;
  output: number;
}

function at(steps: ConvSteps, s: number): Highlight | null {
  if (s < 1 || s > steps.output.length) return null;
  return { input: steps.input[s - 1], weight: steps.weight[s - 1], output: steps.output[s - 1] };
}

export function ConvStepper() {
  const m = useMessages().step;
  const nf = useNumberFormat();
  const [params, setParams] = useState<ConvSceneParams>(DEFAULTS);
  const [imageIndex, setImageIndex] = useState<number | null>(null);
  const [picture, setPicture] = useState<{ image: Uint8Array; label: string } | { drawing: number[]; label: string } | null>(null);
  const [drawing, setDrawing] = useState(false);
  const source = picture ?? imageIndex;
  const [imageCount, setImageCount] = useState(0);
  const [loading, setLoading] = useState<{ fraction: number; message: string } | null>({ fraction: 0, message: '' });
  const [scene, setScene] = useState<Scene | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [step, setStep] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(20);
  // The formula term pointed at, lit in the grids too (and the term of a cell pointed at).
  const [linked, setLinked] = useState<FormulaTerm | null>(null);
  // Predict, then reveal: |Ω| stays hidden until the learner guesses (or the sparse order finishes).
  const [guess, setGuess] = useState('');
  const [revealed, setRevealed] = useState(false);

  // Test images, when CIFAR-10 is installed; otherwise the built-in picture. A shared link's settings
  // (?conv.img=…&conv.threshold=…) come back first.
  useEffect(() => {
    const fromUrl = paramsFromUrl();
    const wanted = readQuery('conv.img', integerIn(1, 1_000_000));
    engineWorker()
      .loadTestImages(proxy((p) => setLoading(p)))
      .then((count) => {
        setParams(fromUrl);
        setImageCount(count);
        setImageIndex(count > 0 ? (wanted !== null && wanted <= count ? wanted - 1 : 0) : null);
        setLoading(null);
      })
      .catch(() => {
        setParams(fromUrl);
        setLoading(null);
      });
  }, []);

  // The figure's settings live in the URL, so a link reproduces it.
  useEffect(() => {
    if (loading) return;
    writeQuery({
      'conv.img': imageIndex !== null && imageIndex > 0 && !picture ? imageIndex + 1 : null,
      'conv.threshold': params.threshold !== DEFAULTS.threshold ? params.threshold : null,
      'conv.pruning': params.pruning !== DEFAULTS.pruning ? params.pruning : null,
      'conv.kernel': params.kernelSize !== DEFAULTS.kernelSize ? params.kernelSize : null,
      'conv.stride': params.stride !== DEFAULTS.stride ? params.stride : null,
      'conv.padding': params.padding !== DEFAULTS.padding ? params.padding : null,
      'conv.mode': params.mode !== DEFAULTS.mode ? params.mode : null,
      'conv.channels': params.channels !== DEFAULTS.channels ? params.channels : null,
    });
  }, [params, imageIndex, picture, loading]);

  // Every parameter change asks the engine for a new trace.
  useEffect(() => {
    if (loading) return;
    let cancelled = false;
    engineWorker()
      .convScene(source, params)
      .then((s) => {
        if (cancelled) return;
        setScene(s);
        setError(null);
        setRevealed(false);
        setStep((old) => Math.min(old, s.trace.counts.denseMacs));
      })
      .catch((e: Error) => !cancelled && setError(e.message.replace(/^RangeError:\s*/, '')));
    return () => {
      cancelled = true;
    };
  }, [params, source, loading]);

  const total = scene ? scene.trace.counts.denseMacs : 0;
  const sparseTotal = scene ? scene.trace.counts.idealMacs : 0;

  // Playback: `speed` steps per second on one clock for both orders; it stops at the last multiply.
  const stepRef = useRef(step);
  useEffect(() => {
    stepRef.current = step;
  });
  useEffect(() => {
    if (!playing) return;
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    let last = performance.now();
    let carry = 0;
    let frame = 0;
    const tick = (now: number) => {
      carry += ((now - last) / 1000) * (reduced ? Math.min(speed, 5) : speed);
      last = now;
      const advance = Math.floor(carry);
      carry -= advance;
      const next = Math.min(total, stepRef.current + advance);
      if (advance > 0) setStep(next);
      if (next >= total) setPlaying(false);
      else frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, total]);

  const denseStep = Math.min(step, total);
  const guessValue = guess.trim() !== '' && Number.isFinite(Number(guess)) ? Math.round(Number(guess)) : null;
  const shown = revealed || (sparseTotal > 0 && step >= sparseTotal);
  const sparseStep = Math.min(step, sparseTotal);

  // Partial outputs of the sparse order up to the current step (recomputed from the trace; small).
  const partial = useMemo(() => {
    if (!scene) return new Float64Array(0);
    const out = new Float64Array(scene.trace.y.length);
    const s = scene.trace.sparse;
    for (let i = 0; i < sparseStep; i++) out[s.output[i]] += s.product[i];
    if (sparseStep >= sparseTotal) out.set(scene.trace.y); // complete: with the bias, as the engine adds it
    return out;
  }, [scene, sparseStep, sparseTotal]);

  const wasted = useMemo(() => {
    if (!scene) return 0;
    let n = 0;
    for (let i = 0; i < denseStep; i++) if (!scene.trace.dense.inOmega[i]) n++;
    return n;
  }, [scene, denseStep]);

  const onKey = useCallback(
    (e: React.KeyboardEvent) => {
      // Form controls keep their own keys (a select's arrows, a button's space, typing a guess).
      const tag = (e.target as HTMLElement).tagName;
      if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'BUTTON' && e.key === ' ')) return;
      if (e.key === 'ArrowRight') setStep((s) => Math.min(total, s + 1));
      else if (e.key === 'ArrowLeft') setStep((s) => Math.max(0, s - 1));
      else if (e.key === ' ') setPlaying((p) => !p);
      else return;
      e.preventDefault();
    },
    [total],
  );

  if (loading) {
    return (
      <section className="panel loading-panel" aria-live="polite">
        <p>{loading.message || m.lookingForData}…</p>
        <ProgressBar value={loading.fraction} label={m.loadingImages} />
      </section>
    );
  }

  const set = (patch: Partial<ConvSceneParams>) => {
    setParams((p) => ({ ...p, ...patch }));
  };
  const g = scene?.trace.geometry;
  const d = scene ? at(scene.trace.dense, denseStep) : null;
  const s = scene ? at(scene.trace.sparse, sparseStep) : null;
  const plane = scene ? scene.params.size * scene.params.size : 0;
  const k2 = scene ? scene.params.kernelSize ** 2 : 0;
  const outPlane = g ? g.outH * g.outW : 0;
  /** The article's indices for a step: output (i, j, k), tap (m, n), channel l, and the input read. */
  const formulaStep = (steps: ConvSteps, index: number): FormulaStep | null => {
    if (!scene || !g || index < 1) return null;
    const e = index - 1;
    const out = steps.output[e];
    const wi = steps.weight[e];
    const kk = scene.params.kernelSize;
    const k = Math.floor(out / outPlane);
    const i = Math.floor((out % outPlane) / g.outW);
    const j = out % g.outW;
    const l = Math.floor(wi / (kk * kk)) % g.inChannels;
    const m = Math.floor((wi % (kk * kk)) / kk);
    const n = wi % kk;
    const xi = steps.input[e];
    return {
      i,
      j,
      k,
      m,
      n,
      l,
      row: i * g.stride + m - g.padding,
      col: j * g.stride + n - g.padding,
      x: xi >= 0 ? scene.x.data[xi] : 0,
      w: scene.w.data[wi],
      inOmega: steps.inOmega[e] === 1,
    };
  };
  const sDesc =
    scene && s
      ? fill(m.description, {
          step: sparseStep,
          total: sparseTotal,
          x: fmt(scene.x.data[s.input]),
          w: fmt(scene.w.data[s.weight]),
          product: fmt(scene.trace.sparse.product[sparseStep - 1]),
          output: Math.floor(s.output / outPlane) + 1,
          i: Math.floor((s.output % outPlane) / (g?.outW ?? 1)),
          j: s.output % (g?.outW ?? 1),
        })
      : m.firstStep;
  const channels = scene ? scene.params.channels : 1;
  /** The input channel of the sparse order's current step (each input meets its own channel's weights only). */
  const sparseChannel = s ? Math.floor(s.input / plane) : null;
  const cellOf = (term: FormulaTerm | null): { x?: number; w?: number; y?: number } => {
    const h = term?.order === 'dense' ? d : term?.order === 'sparse' ? s : null;
    if (!h || !term) return {};
    if (term.term === 'x') return h.input >= 0 ? { x: h.input } : {};
    return term.term === 'w' ? { w: h.weight } : { y: h.output };
  };
  const linkedCell = cellOf(linked);
  /** Pointing at a cell the current steps use lights its term (the sparse order's first). */
  const pointAt = (term: 'x' | 'w' | 'y') => (i: number | null) => {
    const hit = (['sparse', 'dense'] as const).find((order) => i !== null && cellOf({ order, term })[term] === i);
    const next = hit ? { order: hit, term } : null;
    if (next?.order !== linked?.order || next?.term !== linked?.term) setLinked(next);
  };

  return (
    <div className="stepper" onKeyDown={onKey}>
      <section className="panel" aria-label={m.whatToConvolve}>
        <div className="scene-source">
          {scene && <ImageThumb image={scene.image} />}
          <div>
            <div data-testid="scene-image">
              {scene ? (picture || imageIndex === null ? scene.label : fill(m.testImage, { n: imageIndex + 1, label: scene.label })) : '…'}
            </div>
            <div className="buttons">
              {imageCount > 0 && (
                <>
                  <button type="button" className="button" onClick={() => (setPicture(null), setImageIndex((i) => ((i ?? 0) + imageCount - 1) % imageCount))}>
                    {m.previousImage}
                  </button>
                  <button type="button" className="button" onClick={() => (setPicture(null), setImageIndex((i) => ((i ?? 0) + 1) % imageCount))}>
                    {m.nextImage}
                  </button>
                </>
              )}
              <button type="button" className="button" onClick={() => setDrawing(true)} data-testid="draw">
                {m.draw}
              </button>
              <label className="button file-button">
                {m.ownPicture}
                <input
                  type="file"
                  accept="image/*"
                  className="sr-only"
                  data-testid="picture-input"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    e.target.value = '';
                    if (!file) return;
                    engineWorker()
                      .imageFromFile(file)
                      .then((image) => {
                        setPicture({ image, label: fill(m.yourPicture, { name: file.name }) });
                        setError(null);
                      })
                      .catch((err: Error) => setError(fill(m.fileUnusable, { reason: err.message.replace(/^Error:\s*/, '') })));
                  }}
                />
              </label>
            </div>
          </div>
        </div>
        {drawing && (
          <DrawPad
            size={params.size}
            onUse={(cells) => {
              setPicture({ drawing: cells, label: m.yourDrawing });
              setDrawing(false);
            }}
            onCancel={() => setDrawing(false)}
          />
        )}
        <div className="fields">
          <label>
            {fill(m.threshold, { value: params.threshold.toFixed(2) })}
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={params.threshold}
              onChange={(e) => set({ threshold: Number(e.target.value) })}
              data-testid="threshold"
            />
          </label>
          <label>
            {fill(m.pruned, { percent: `${Math.round(params.pruning * 100)}%` })}
            <input
              type="range"
              min={0}
              max={0.9}
              step={0.1}
              value={params.pruning}
              onChange={(e) => set({ pruning: Number(e.target.value) })}
              data-testid="pruning"
            />
          </label>
          <label>
            {m.kernel}
            <select
              value={params.kernelSize}
              onChange={(e) => set({ kernelSize: Number(e.target.value), padding: (Number(e.target.value) - 1) / 2 })}
              data-testid="kernel-size"
            >
              {[1, 3, 5].map((k) => (
                <option key={k} value={k}>{`${k}×${k}`}</option>
              ))}
            </select>
          </label>
          <label>
            {m.stride}
            <select value={params.stride} onChange={(e) => set({ stride: Number(e.target.value) })} data-testid="stride">
              {[1, 2].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            {m.padding}
            <select value={params.padding} onChange={(e) => set({ padding: Number(e.target.value) })} data-testid="padding">
              {[0, 1, 2].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            {m.channels}
            <select value={params.channels} onChange={(e) => set({ channels: Number(e.target.value) })} data-testid="channels">
              <option value={1}>{m.channelsOne}</option>
              <option value={2}>{m.channelsTwo}</option>
            </select>
          </label>
          <label>
            {m.mode}
            <select value={params.mode} onChange={(e) => set({ mode: e.target.value as ConvSceneParams['mode'] })} data-testid="mode">
              <option value="regular">{m.regular}</option>
              <option value="submanifold">{m.submanifold}</option>
            </select>
          </label>
        </div>
        {error && (
          <p className="error" role="alert" data-testid="scene-error">
            {error}
          </p>
        )}
      </section>

      {scene && g && (
        <>
          <section className="panel playback" aria-label={m.playback} tabIndex={0} data-testid="playback">
            <div className="buttons">
              <button type="button" className="button" onClick={() => setStep(0)} data-testid="step-start">
                {m.start}
              </button>
              <button type="button" className="button" onClick={() => setStep((v) => Math.max(0, v - 1))} aria-label={m.back} data-testid="step-back">
                ◀
              </button>
              <button type="button" className="button primary" onClick={() => setPlaying((p) => !p)} data-testid="play">
                {playing ? m.pause : m.play}
              </button>
              <button type="button" className="button" onClick={() => setStep((v) => Math.min(total, v + 1))} aria-label={m.forward} data-testid="step-forward">
                ▶
              </button>
              <button type="button" className="button" onClick={() => setStep(total)} data-testid="step-end">
                {m.end}
              </button>
              <label className="inline">
                {fill(m.speed, { n: speed })}
                <input type="range" min={1} max={400} value={speed} onChange={(e) => setSpeed(Number(e.target.value))} data-testid="speed" />
              </label>
            </div>
            <label className="scrub">
              {fill(m.stepOf, { step: nf.number(step), total: nf.number(total) })}
              <input type="range" min={0} max={total} value={step} onChange={(e) => setStep(Number(e.target.value))} data-testid="scrub" />
            </label>
            <div className="orders">
              <div className="order dense-order">
                <h2>{m.denseTitle}</h2>
                <p data-testid="dense-counter">{fill(m.denseCounter, { done: nf.number(denseStep), total: nf.number(total), wasted: nf.number(wasted) })}</p>
              </div>
              <div className="order sparse-order">
                <h2>{m.sparseTitle}</h2>
                <p data-testid="sparse-counter">
                  {shown
                    ? fill(m.sparseCounter, { done: nf.number(sparseStep), total: nf.number(sparseTotal), skipped: nf.number(total - sparseTotal) }) +
                      (sparseStep >= sparseTotal && step > 0 ? m.finished : '')
                    : fill(m.sparseHidden, { done: nf.number(sparseStep) })}
                </p>
              </div>
            </div>
            <form
              className="predict"
              onSubmit={(e) => {
                e.preventDefault();
                setRevealed(true);
              }}
            >
              <label>
                {fill(m.guess, { total: nf.number(total) })}
                <input inputMode="numeric" value={guess} onChange={(e) => setGuess(e.target.value)} disabled={shown} data-testid="guess" />
              </label>
              <button type="submit" className="button" disabled={shown} data-testid="reveal">
                {m.reveal}
              </button>
              {shown && (
                <span data-testid="guess-result" aria-live="polite">
                  {fill(m.revealed, { omega: nf.number(sparseTotal), speedup: (total / Math.max(1, sparseTotal)).toFixed(1) })}
                  {guessValue !== null && revealed
                    ? fill(m.guessed, {
                        guess: nf.number(guessValue),
                        off: nf.number(Math.abs(guessValue - sparseTotal)),
                        percent: ((100 * Math.abs(guessValue - sparseTotal)) / Math.max(1, sparseTotal)).toFixed(0),
                      })
                    : ''}
                </span>
              )}
            </form>
            <p className="live" aria-live="polite" data-testid="step-description">
              {sDesc}
              {channels > 1 && sparseChannel !== null ? fill(m.channelRule, { l: sparseChannel + 1, colour: m.channelColours[sparseChannel] }) : ''}
            </p>
            <ConvFormula
              dense={formulaStep(scene.trace.dense, denseStep)}
              sparse={formulaStep(scene.trace.sparse, sparseStep)}
              linked={linked}
              onLink={setLinked}
              labels={{ dense: m.formulaDense, sparse: m.formulaSparse }}
            />
            <p className="cell-hint">{m.formulaHint}</p>
          </section>

          <section className="panel maps" aria-label={m.maps}>
            {Array.from({ length: channels }, (_, c) => (
              <Grid
                key={`x${c}`}
                label={channels > 1 ? fill(m.inputChannel, { l: c + 1, colour: m.channelColours[c] }) : m.input}
                rows={scene.params.size}
                cols={scene.params.size}
                values={scene.x.data}
                offset={c * plane}
                dense={d && d.input >= 0 ? d.input : undefined}
                sparse={s?.input}
                empty={(i) => scene.x.data[i] === 0}
                linked={linkedCell.x}
                onPoint={pointAt('x')}
                faded={sparseChannel !== null && channels > 1 && c !== sparseChannel}
                testId={c === 0 ? 'input-grid' : `input-grid-${c + 1}`}
              />
            ))}
            {Array.from({ length: scene.params.filters * channels }, (_, fc) => {
              const [f, c] = [Math.floor(fc / channels), fc % channels];
              return (
                <Grid
                  key={`w${fc}`}
                  label={channels > 1 ? fill(m.filterChannel, { n: f + 1, l: c + 1 }) : fill(m.filter, { n: f + 1 })}
                  rows={scene.params.kernelSize}
                  cols={scene.params.kernelSize}
                  values={scene.w.data}
                  offset={fc * k2}
                  dense={d?.weight}
                  sparse={s?.weight}
                  empty={(i) => scene.w.data[i] === 0}
                  linked={linkedCell.w}
                  onPoint={pointAt('w')}
                  faded={sparseChannel !== null && channels > 1 && c !== sparseChannel}
                  testId={`filter-grid-${f + 1}-${c + 1}`}
                />
              );
            })}
            {Array.from({ length: scene.params.filters }, (_, f) => (
              <Grid
                key={`y${f}`}
                label={fill(m.output, { n: f + 1 })}
                rows={g.outH}
                cols={g.outW}
                values={partial}
                offset={f * outPlane}
                dense={d?.output}
                sparse={s?.output}
                empty={(i) => scene.trace.activeOutputs[i % outPlane] === 0}
                linked={linkedCell.y}
                onPoint={pointAt('y')}
                engine={scene.engineY}
                testId={`output-grid-${f + 1}`}
              />
            ))}
            <p className="legend-note">
              <span className="swatch-dense" aria-hidden="true" /> {m.legendDense} · <span className="swatch-sparse" aria-hidden="true" /> {m.legendSparse}
              {plane > 0 &&
                fill(m.omegaSummary, {
                  inputs: scene.x.data.filter((v) => v !== 0).length,
                  plane: plane * channels,
                  weights: scene.w.data.filter((v) => v !== 0).length,
                  allWeights: scene.w.data.length,
                })}
            </p>
          </section>
          <PoolAndBackprop source={source} params={params} />
        </>
      )}
    </div>
  );
}
