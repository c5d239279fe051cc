'use client';
/**
 * A chapter's self-check: predict, then reveal. The learner types a guess (kept in the URL, like every
 * setting) and Reveal asks the engine for the real number — or, for the two slow measurements, takes what the
 * chapter's own cell measured on this visit. Nothing is revealed before the learner has guessed.
 */
import { useState } from 'react';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import { engineWorker } from '../../workers/engineClient';
import { useCostStore } from '../cost/costStore';
import { numberIn, oneOf, useUrlState } from '../ui/urlState';
import { useNotebookResults } from './notebookResults';
import { errorMessage } from '../ui/errorMessage';

export type CheckId = 'ch1' | 'ch2' | 'ch3' | 'ch4' | 'ch5' | 'ch6' | 'ch7';
const PATTERNS = ['unstructured', 'nOfM', 'channel'] as const;
type Pattern = (typeof PATTERNS)[number];

type Format = ReturnType<typeof useNumberFormat>;
type CheckTexts = Messages['cells']['checks'];

/** What a check asks for, and how the engine answers it (`value` in the guess's unit; `text` says it all). */
interface Check {
  kind: 'number' | 'choice';
  /** The guess's range (numbers), in the unit the question asks for, and the decimals a difference is shown with. */
  range?: [number, number];
  digits?: number;
  measure: (m: CheckTexts, format: Format) => Promise<{ value: number | Pattern; text: string }>;
}

/** Test image 1 through the seed model at its initial weights, unpruned: chapters 1 and 2 ask about it. */
const firstImageCensus = () => engineWorker().zeroCensus({ source: 'initial', pruneTo: 0, image: 0 });

const CHECKS: Record<CheckId, Check> = {
  ch1: {
    kind: 'number',
    range: [0, 100],
    digits: 1,
    measure: async (m, f) => {
      const c = await firstImageCensus();
      const share = (c.denseMacs - c.omegaMacs) / c.denseMacs;
      return { value: 100 * share, text: fill(m.answers.ch1, { share: f.percent(share, 1), wasted: f.number(c.denseMacs - c.omegaMacs) }) };
    },
  },
  ch2: {
    kind: 'number',
    range: [0, 100],
    digits: 1,
    measure: async (m, f) => {
      const c = await firstImageCensus();
      const conv2 = c.layers.find((l) => l.layer === 'conv2')!;
      return { value: 100 * conv2.inputDensity, text: fill(m.answers.ch2, { density: f.percent(conv2.inputDensity, 1) }) };
    },
  },
  ch3: {
    kind: 'number',
    range: [0, 10],
    digits: 3,
    measure: async (m, f) => {
      const r = await engineWorker().omegaCheck({ inputDensity: 0.5, weightDensity: 0.3, seed: 1 });
      const ratio = r.omegaMacs / r.estimate;
      return {
        value: ratio,
        text: fill(m.answers.ch3, { ratio: f.number(ratio, 3), exact: f.number(r.omegaMacs), estimate: f.number(Math.round(r.estimate)) }),
      };
    },
  },
  ch4: {
    kind: 'number',
    range: [-100, 100],
    digits: 1,
    measure: async (m, f) => {
      const { trainRuns } = useNotebookResults.getState();
      const dense = trainRuns['0'];
      const pruned = trainRuns['0.9'];
      if (!dense || !pruned || dense.preset !== pruned.preset || dense.steps !== pruned.steps) throw new Error(m.needsTraining);
      const points = 100 * (dense.accuracy - pruned.accuracy);
      return {
        value: points,
        text: fill(m.answers.ch4, {
          points: f.number(points, 1),
          dense: f.percent(dense.accuracy, 1),
          pruned: f.percent(pruned.accuracy, 1),
          steps: f.number(dense.steps),
        }),
      };
    },
  },
  ch5: {
    kind: 'number',
    range: [0, 1],
    digits: 3,
    measure: async (m, f) => {
      const { sweepCrossover, sweepPoints, running } = useCostStore.getState();
      if (running === 'sweep' || sweepPoints.length === 0) throw new Error(m.needsSweep);
      if (sweepCrossover === null) return { value: 0, text: m.answers.ch5never };
      return { value: sweepCrossover, text: fill(m.answers.ch5, { crossover: f.number(sweepCrossover, 3) }) };
    },
  },
  ch6: {
    kind: 'number',
    range: [0, 100],
    digits: 1,
    measure: async (m, f) => {
      const file = await engineWorker().notebookOnnx({ source: 'initial', pruneTo: 0.9 });
      const share = file.gzipBytes / file.bytes.length;
      return {
        value: 100 * share,
        text: fill(m.answers.ch6, { share: f.percent(share, 1), size: f.number(file.bytes.length / 1e6, 2), gzip: f.number(file.gzipBytes / 1e3, 1) }),
      };
    },
  },
  ch7: {
    kind: 'choice',
    measure: async (m, f) => {
      const r = await engineWorker().sparsityPatterns({ source: 'initial', layer: 'conv2', sparsity: 0.5 });
      const best = r.patterns.reduce((a, b) => (b.keptEnergy > a.keptEnergy ? b : a));
      return {
        value: best.pattern as Pattern,
        text: fill(m.answers.ch7, { pattern: m.patterns[best.pattern as Pattern], kept: f.percent(best.keptEnergy, 1) }),
      };
    },
  },
};

export default function SelfCheck({ id }: { id: CheckId }) {
  const m = useMessages().cells.checks;
  const format = useNumberFormat();
  const check = CHECKS[id];
  const parse = check.kind === 'choice' ? oneOf(...PATTERNS) : numberIn(...check.range!);
  const [guess, setGuess] = useUrlState<string>(`check.${id}`, '', (raw) => (parse(raw) === null ? null : raw));
  const [typed, setTyped] = useState<string | null>(null);
  const [answer, setAnswer] = useState<{ value: number | Pattern; text: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [measuring, setMeasuring] = useState(false);
  const shown = typed ?? guess;
  const usable = parse(shown.trim()) !== null;

  const reveal = async () => {
    if (!usable) return;
    setGuess(shown.trim());
    setMeasuring(true);
    setProblem(null);
    try {
      setAnswer(await check.measure(m, format));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setMeasuring(false);
    }
  };

  const verdict = () => {
    if (!answer) return '';
    if (check.kind === 'choice') return fill(answer.value === shown ? m.right : m.notQuite, { guess: m.patterns[shown as Pattern] });
    const off = Math.abs(Number(shown) - (answer.value as number));
    return fill(m.off, { guess: shown.trim(), off: format.number(off, check.digits) });
  };

  return (
    <aside className="self-check" aria-labelledby={`check-${id}-title`} data-testid={`check-${id}`}>
      <h3 id={`check-${id}-title`}>{m.title}</h3>
      <p>{m.questions[id]}</p>
      <div className="fields">
        {check.kind === 'choice' ? (
          <label>
            {m.yourGuess}
            <select value={shown} onChange={(e) => (setTyped(e.target.value), setAnswer(null))} data-testid={`check-${id}-guess`}>
              <option value="">{m.choose}</option>
              {PATTERNS.map((p) => (
                <option key={p} value={p}>
                  {m.patterns[p]}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            {fill(m.yourGuessIn, { unit: m.units[id as Exclude<CheckId, 'ch7'>] })}
            <input inputMode="decimal" value={shown} onChange={(e) => (setTyped(e.target.value), setAnswer(null))} data-testid={`check-${id}-guess`} />
          </label>
        )}
        <button type="button" className="button" onClick={() => void reveal()} disabled={!usable || measuring} data-testid={`check-${id}-reveal`}>
          {measuring ? m.measuring : m.reveal}
        </button>
      </div>
      {!usable && shown.trim() !== '' && (
        <p className="cost-note">{check.kind === 'number' ? fill(m.range, { min: check.range![0], max: check.range![1] }) : null}</p>
      )}
      {problem && (
        <p className="cost-note" role="status" data-testid={`check-${id}-problem`}>
          {problem}
        </p>
      )}
      {answer && (
        <p className="cell-result" role="status" data-testid={`check-${id}-answer`}>
          {answer.text} {verdict()}
        </p>
      )}
    </aside>
  );
}
