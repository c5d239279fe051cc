'use client';
/**
 * One test image through the current model, layer by layer: each layer's Ω — where its outputs are nonzero —
 * as reported by the engine worker (`activationOmegas`), drawn as a map of active sites (a pixel with any
 * nonzero channel), with the element and site densities.
 */
import { useEffect, useRef, useState } from 'react';
import type { LayerActivationOmega, RunId } from '../../engine/train/session';
import { engineWorker } from '../../workers/engineClient';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';

function SiteMap({ layer }: { layer: LayerActivationOmega }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [, h, w] = layer.shape.length === 3 ? layer.shape : [layer.shape[0], 1, layer.shape[0]];
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(w, h);
    const count = new Uint16Array(h * w);
    for (const list of layer.perChannel) for (const p of list) count[p]++;
    const channels = layer.perChannel.length;
    for (let p = 0; p < h * w; p++) {
      // Active sites in blue, darker where more channels are nonzero; inactive ones light grey.
      const share = count[p] / channels;
      const [r, g, b] = count[p] ? [Math.round(200 - 200 * share), Math.round(225 - 140 * share), 255] : [236, 236, 236];
      image.data.set([r, g, b, 255], 4 * p);
    }
    ctx.putImageData(image, 0, 0);
  }, [layer, h, w]);
  return <canvas ref={ref} width={w} height={h} className="site-map" aria-hidden="true" />;
}

export function ActivationInspector({ runId, index, onClose }: { runId: RunId; index: number; onClose: () => void }) {
  const m = useMessages().lab.inspector;
  const format = useNumberFormat();
  const [layers, setLayers] = useState<LayerActivationOmega[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    engineWorker()
      .activationOmegas(runId, index)
      .then((l) => !cancelled && setLayers(l))
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [runId, index]);
  return (
    <div className="inspector" data-testid="inspector">
      <div className="inspector-head">
        <h3>{fill(m.title, { n: index + 1 })}</h3>
        <button type="button" className="button" onClick={onClose}>
          {m.close}
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {!layers && !error && <p className="cost-note">{m.asking}</p>}
      {layers && (
        <ol className="inspector-layers">
          {layers.map((l) => (
            <li key={l.layer} data-testid="inspector-layer">
              <SiteMap layer={l} />
              <span className="layer-name">{l.layer}</span>
              <span className="cost-note">{l.shape.join('×')}</span>
              <span data-testid="inspector-density">
                {fill(m.nonzero, { percent: format.percent(l.elementDensity) })}
                {l.shape.length === 3 ? fill(m.sites, { percent: format.percent(l.siteDensity) }) : ''}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
