'use client';
/**
 * Chapter 3's cell: the cost formula |Ω| ≈ d_x·d_w·(dense count), filled in with the numbers of the seed
 * model's conv2 at the chosen densities, next to |Ω| as the engine counts it pair by pair.
 */
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { engineWorker } from '../../workers/engineClient';
import { integerIn, useUrlState } from '../ui/urlState';
import Formula from './Formula';
import { FigureStatus } from './FigureParts';
import { useFigure } from './useFigure';

/** Densities as whole percents in the URL (5–100). */
const percentIn = integerIn(5, 100);

/** A number as TeX, grouped in thousands the way the page's language groups them. */
const tex = (text: string) => text.replace(/,/g, '{,}');

export default function OmegaCell() {
  const m = useMessages().cells.omega;
  const computing = useMessages().cells.zeros.computing;
  const format = useNumberFormat();
  const [dx, setDx] = useUrlState<number>('omega.dx', 50, percentIn);
  const [dw, setDw] = useUrlState<number>('omega.dw', 30, percentIn);
  const [seed, setSeed] = useUrlState<number>('omega.seed', 1, integerIn(1, 1_000_000));
  const { result, busy, error } = useFigure(() => engineWorker().omegaCheck({ inputDensity: dx / 100, weightDensity: dw / 100, seed }), `${dx}/${dw}/${seed}`);

  return (
    <div className="cell-body omega-cell" data-testid="omega-cell">
      <div className="fields">
        <label>
          {fill(m.inputDensity, { value: format.percent(dx / 100) })}
          <input type="range" min={5} max={100} step={5} value={dx} onChange={(e) => setDx(Number(e.target.value))} data-testid="omega-dx" />
        </label>
        <label>
          {fill(m.weightDensity, { value: format.percent(dw / 100) })}
          <input type="range" min={5} max={100} step={5} value={dw} onChange={(e) => setDw(Number(e.target.value))} data-testid="omega-dw" />
        </label>
        <button type="button" className="button" onClick={() => setSeed(seed + 1)}>
          {m.seed}
        </button>
      </div>
      <FigureStatus error={error} waiting={!result} waitingText={computing} />
      {result && (
        <div
          className={busy ? 'figure-result stale' : 'figure-result'}
          aria-busy={busy}
          data-testid="omega-result"
          data-exact={result.omegaMacs}
          data-dense={result.denseMacs}
        >
          <p className="formula-label">{m.estimate}</p>
          <Formula
            className="live-formula"
            label={m.estimate}
            tex={String.raw`|\Omega| \approx d_x \cdot d_w \cdot N_\text{dense} = ${result.inputDensity.toFixed(3)} \times ${result.weightDensity.toFixed(3)} \times ${tex(format.number(result.denseMacs))} = ${tex(format.number(Math.round(result.estimate)))}`}
          />
          <p className="formula-label">{m.exact}</p>
          <Formula className="live-formula" label={m.exact} tex={String.raw`|\Omega| = ${tex(format.number(result.omegaMacs))}`} />
          <p className="cell-result">{fill(m.ratio, { ratio: format.number(result.estimate ? result.omegaMacs / result.estimate : 0, 3) })}</p>
          <p className="cost-note">{m.why}</p>
        </div>
      )}
    </div>
  );
}
