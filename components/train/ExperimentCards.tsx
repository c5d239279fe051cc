'use client';
/**
 * Experiment cards on the page: a card's lines as the learner reads them (also drawn into a printable
 * picture), and the compare view — several cards opened or dropped, checked by the engine's parser (a card
 * is a file from someone else: hostile until proven otherwise), drawn on one chart and one table.
 */
import { useMemo, useState } from 'react';
import type { BackendName } from '../../engine/backend/backend';
import type { ExperimentCard } from '../../engine/train/experimentCard';
import { engineWorker } from '../../workers/engineClient';
import { compactCount, currentLocale, fill, numberFormat, useLocale, useMessages } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import { LineChart } from '../charts/LineChart';
import { errorMessage } from '../ui/errorMessage';
import { percent } from './trainDisplay';

type CardMessages = Messages['lab']['cards'];

/** Okabe–Ito, then greys: one colour per card. */
const CARD_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#999999'];

/** A card's lines, in the page's language: what was trained, on what, and what came of it. */
export function cardLines(card: ExperimentCard, m: CardMessages, backendName: (b: BackendName) => string, locale = currentLocale()): string[] {
  const f = numberFormat(locale);
  const s = card.settings;
  const r = card.result;
  const sparsity = Object.entries(r.weightSparsity);
  return [
    fill(m.model, { preset: card.model.preset, parameters: f.number(card.model.parameters) }),
    fill(m.settings, {
      optimizer: s.optimizer === 'adam' ? 'Adam' : 'SGD',
      lr: String(s.learningRate),
      batch: f.number(s.batchSize),
      seed: String(s.seed),
      augment: s.augment ? m.augmented : '',
    }),
    fill(m.data, { train: f.number(s.trainImages), test: f.number(s.testImages), epochs: f.number(s.epochs) }),
    s.pruning
      ? fill(m.pruning, { layers: s.pruning.layers.join(', '), percent: f.percent(s.pruning.to), start: s.pruning.startEpoch, end: s.pruning.endEpoch })
      : m.noPruning,
    fill(m.device, {
      backend: backendName(card.device.backend),
      threads: f.number(card.device.threads),
      hardware: f.number(card.device.hardwareThreads),
      gpu: card.device.gpu ?? m.noGpu,
    }),
    r.testAccuracy === null
      ? fill(m.noResult, { speed: f.number(Math.round(r.imagesPerSec)) })
      : fill(m.result, { accuracy: f.percent(r.testAccuracy, 1), epochs: f.number(card.epochs.length), speed: f.number(Math.round(r.imagesPerSec)) }),
    ...(sparsity.length ? [fill(m.sparsity, { layers: sparsity.map(([layer, v]) => `${layer} ${f.percent(v, 1)}`).join(', ') })] : []),
    ...(r.macs
      ? [
          fill(m.macs, {
            executed: compactCount(r.macs.executed),
            dense: compactCount(r.macs.dense),
            percent: f.percent(r.macs.executed / Math.max(1, r.macs.dense), 1),
          }),
        ]
      : []),
    fill(m.made, { time: new Date(card.createdAt).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) }),
  ];
}

/**
 * The card as a printable picture: its title, its lines and a small chart of the test accuracy after each
 * epoch, as an SVG element (for the PNG export; attached to the page while it is drawn).
 */
export function cardSvg(card: ExperimentCard, lines: string[], title: string): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 720;
  const lineHeight = 24;
  const chartTop = 70 + lines.length * lineHeight;
  const chartH = 140;
  const H = chartTop + chartH + 40;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const text = (x: number, y: number, content: string, size: number, weight = 400, color = '#1b1f24') => {
    const t = document.createElementNS(NS, 'text');
    t.setAttribute('x', String(x));
    t.setAttribute('y', String(y));
    t.setAttribute('font-size', String(size));
    t.setAttribute('font-weight', String(weight));
    t.setAttribute('fill', color);
    t.setAttribute('font-family', 'system-ui, sans-serif');
    t.textContent = content;
    svg.append(t);
  };
  text(24, 40, title, 22, 700);
  lines.forEach((line, i) => text(24, 74 + i * lineHeight, line, 15));
  const points = card.epochs.map((e) => ({ x: e.epoch + 1, y: e.testAccuracy }));
  const x0 = 60;
  const x1 = W - 30;
  const y0 = chartTop + chartH;
  const axis = document.createElementNS(NS, 'path');
  axis.setAttribute('d', `M${x0},${chartTop} V${y0} H${x1}`);
  axis.setAttribute('fill', 'none');
  axis.setAttribute('stroke', '#888');
  svg.append(axis);
  text(24, chartTop + 8, '100%', 11, 400, '#5b6470');
  text(36, y0, '0%', 11, 400, '#5b6470');
  if (points.length) {
    const first = points[0].x;
    const last = points[points.length - 1].x;
    const px = (v: number) => (last > first ? x0 + ((x1 - x0) * (v - first)) / (last - first) : (x0 + x1) / 2);
    const py = (v: number) => y0 - chartH * v;
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' '));
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', '#0072b2');
    path.setAttribute('stroke-width', '2.5');
    svg.append(path);
    for (const p of points) {
      const dot = document.createElementNS(NS, 'circle');
      dot.setAttribute('cx', px(p.x).toFixed(1));
      dot.setAttribute('cy', py(p.y).toFixed(1));
      dot.setAttribute('r', '4');
      dot.setAttribute('fill', '#0072b2');
      svg.append(dot);
    }
    text(x0, y0 + 24, `epoch ${first}`, 11, 400, '#5b6470');
    if (last > first) text(x1 - 60, y0 + 24, `epoch ${last}`, 11, 400, '#5b6470');
  }
  return svg;
}

let nextCardId = 1;

interface OpenedCard {
  id: number;
  file: string;
  card: ExperimentCard;
}

/** Several cards side by side: opened from files or dropped, each checked; refusals say why, per file. */
export function CompareCards({ backendName }: { backendName: (b: BackendName) => string }) {
  const m = useMessages().lab.cards;
  const charts = useMessages().lab.charts;
  const locale = useLocale();
  const [cards, setCards] = useState<OpenedCard[]>([]);
  const [refusals, setRefusals] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const open = async (files: FileList | File[]) => {
    const opened: OpenedCard[] = [];
    const refused: string[] = [];
    for (const file of Array.from(files)) {
      try {
        // Checked in the engine worker (in the page's language), like a checkpoint: hostile until proven otherwise.
        opened.push({ id: nextCardId++, file: file.name, card: await engineWorker().openCard(file) });
      } catch (error) {
        refused.push(fill(m.refused, { error: errorMessage(error) }));
      }
    }
    setCards((c) => [...c, ...opened].slice(0, CARD_COLORS.length));
    setRefusals(refused);
  };
  const label = (c: OpenedCard) => c.file.replace(/\.json$/i, '');
  const series = useMemo(
    () =>
      cards.map((c, i) => ({
        name: label(c),
        points: c.card.epochs.map((e) => ({ x: e.epoch + 1, y: e.testAccuracy })),
        color: CARD_COLORS[i % CARD_COLORS.length],
        dots: true,
      })),
    [cards],
  );
  const f = numberFormat(locale);
  return (
    <section className="panel compare-cards" aria-labelledby="compare-cards-title" data-testid="compare-cards">
      <h2 id="compare-cards-title">{m.compareTitle}</h2>
      <p className="lede-small">{m.compareIntro}</p>
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void open(e.dataTransfer.files);
        }}
        data-testid="cards-drop"
      >
        <label className="button file-button">
          {m.open}
          <input
            type="file"
            accept=".json,application/json"
            multiple
            className="sr-only"
            onChange={(e) => {
              if (e.target.files) void open(e.target.files);
              e.target.value = '';
            }}
            data-testid="cards-input"
          />
        </label>
        <span>{m.drop}</span>
      </div>
      {refusals.map((r) => (
        <p key={r} className="error" role="alert" data-testid="card-refused">
          {r}
        </p>
      ))}
      {cards.length === 0 ? (
        <p className="hint">{m.empty}</p>
      ) : (
        <>
          <div className="cards-chart">
            <LineChart
              title={m.accuracy}
              series={series}
              xLabel={m.epoch}
              yLabel={charts.accuracyAxis}
              yDomain={[0, 1]}
              yFormat={percent}
              emptyText={m.noEpochs}
              testId="cards-chart"
              exportName="sparse-cnn-lab-cards-accuracy"
            />
          </div>
          <div className="table-scroll" tabIndex={0} role="region" aria-label={m.compareTitle}>
            <table className="cost-table cards-table" data-testid="cards-table">
              <thead>
                <tr>
                  {Object.values(m.columns).map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {cards.map((c, i) => {
                  const lines = cardLines(c.card, m, backendName, locale);
                  const r = c.card.result;
                  return (
                    <tr key={c.id}>
                      <th scope="row">
                        <span className="swatch" style={{ background: CARD_COLORS[i % CARD_COLORS.length] }} aria-hidden="true" /> {label(c)}
                      </th>
                      <td>
                        {lines[0]}
                        <br />
                        {lines[1]}
                        <br />
                        {lines[3]}
                      </td>
                      <td>{lines[4]}</td>
                      <td>{r.testAccuracy === null ? '—' : f.percent(r.testAccuracy, 1)}</td>
                      <td>{f.number(Math.round(r.imagesPerSec))}</td>
                      <td>
                        {Object.entries(r.weightSparsity)
                          .map(([layer, v]) => `${layer} ${f.percent(v, 0)}`)
                          .join(', ') || '—'}
                      </td>
                      <td>{r.macs ? f.percent(r.macs.executed / Math.max(1, r.macs.dense), 1) : '—'}</td>
                      <td>
                        <button type="button" className="button small" onClick={() => setCards((all) => all.filter((x) => x.id !== c.id))}>
                          {m.remove}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
