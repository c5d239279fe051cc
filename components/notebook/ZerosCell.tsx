'use client';
/**
 * Chapter 1's cell: one test image through the seed model, and how many of its multiplies meet a zero —
 * layer by layer, as the engine counted them (`zeroCensus`). Its settings live in the URL.
 */
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import { CIFAR10_CLASSES } from '../../engine/data/cifar10';
import { engineWorker } from '../../workers/engineClient';
import { CifarImage } from '../ui/CifarImage';
import { integerIn, oneOf, useUrlState } from '../ui/urlState';
import { FigureStatus, PruneSelect, TrainedNote, WeightsSelect } from './FigureParts';
import { useFigure } from './useFigure';

/** Test images the cell lets a learner step through. */
const IMAGES = 1000;

export default function ZerosCell() {
  const m = useMessages().cells.zeros;
  const classes = useMessages().lab.classes as Record<string, string>;
  const format = useNumberFormat();
  const [source, setSource] = useUrlState<'initial' | 'trained'>('zeros.weights', 'initial', oneOf('initial', 'trained'));
  const [prune, setPrune] = useUrlState<string>('zeros.prune', '0', oneOf('0', '0.5', '0.9'));
  const [image, setImage] = useUrlState<number>('zeros.image', 1, integerIn(1, IMAGES));
  const { result, busy, error } = useFigure(
    () => engineWorker().zeroCensus({ source, pruneTo: Number(prune), image: image - 1 }),
    `${source}/${prune}/${image}`,
  );

  const wasted = result ? result.denseMacs - result.omegaMacs : 0;
  const share = (dense: number, omega: number) => format.percent(dense ? (dense - omega) / dense : 0);
  const className = result?.image.label != null ? classes[CIFAR10_CLASSES[result.image.label]] : null;

  return (
    <div className="cell-body zeros-cell" data-testid="zeros-cell">
      <div className="fields">
        <WeightsSelect value={source} onChange={setSource} testId="zeros-weights" />
        <PruneSelect label={m.prune} value={prune} shares={['0.5', '0.9']} onChange={setPrune} testId="zeros-prune" />
        <label>
          {m.image}
          <span className="stepper-input">
            <button type="button" className="button" aria-label={m.previous} disabled={image <= 1} onClick={() => setImage(image - 1)}>
              ‹
            </button>
            <input
              type="number"
              min={1}
              max={IMAGES}
              value={image}
              onChange={(e) =>
                Number.isInteger(Number(e.target.value)) && Number(e.target.value) >= 1 && Number(e.target.value) <= IMAGES && setImage(Number(e.target.value))
              }
              data-testid="zeros-image"
            />
            <button type="button" className="button" aria-label={m.next} disabled={image >= IMAGES} onClick={() => setImage(image + 1)}>
              ›
            </button>
          </span>
        </label>
      </div>
      <FigureStatus error={error} waiting={!result} waitingText={m.computing} />
      {result && (
        <div className={busy ? 'figure-result stale' : 'figure-result'} aria-busy={busy}>
          <div className="zeros-head">
            <figure className="zeros-image">
              <CifarImage pixels={result.image.pixels} className="pixelated" />
              <figcaption>{className ? fill(m.label, { label: className }) : m.randomImage}</figcaption>
            </figure>
            <div>
              <p className="cell-result" data-testid="zeros-headline" data-dense={result.denseMacs} data-omega={result.omegaMacs}>
                {fill(m.headline, {
                  dense: format.number(result.denseMacs),
                  wasted: format.number(wasted),
                  share: share(result.denseMacs, result.omegaMacs),
                  omega: format.number(result.omegaMacs),
                })}
              </p>
              <TrainedNote asked={source} model={result.model} />
            </div>
          </div>
          <div className="table-scroll" tabIndex={0} role="region" aria-label={m.tableRegion}>
            <table className="zeros-table" data-testid="zeros-table">
              <thead>
                <tr>
                  <th scope="col">{m.layer}</th>
                  <th scope="col">{m.inputNonzero}</th>
                  <th scope="col">{m.weightsNonzero}</th>
                  <th scope="col">{m.denseMacs}</th>
                  <th scope="col">{m.omegaMacs}</th>
                  <th scope="col">{m.wasted}</th>
                </tr>
              </thead>
              <tbody>
                {result.layers.map((l) => {
                  const zeroShare = l.denseMacs ? (l.denseMacs - l.omegaMacs) / l.denseMacs : 0;
                  return (
                    <tr key={l.layer}>
                      <th scope="row">{l.layer}</th>
                      <td>{format.percent(l.inputDensity)}</td>
                      <td>{format.percent(l.weightDensity)}</td>
                      <td>{format.number(l.denseMacs)}</td>
                      <td>{format.number(l.omegaMacs)}</td>
                      <td>
                        <span className="share-bar" role="img" aria-label={fill(m.barLabel, { layer: l.layer, share: format.percent(zeroShare) })}>
                          <span style={{ width: `${(100 * zeroShare).toFixed(1)}%` }} />
                        </span>{' '}
                        {format.percent(zeroShare)}
                      </td>
                    </tr>
                  );
                })}
                <tr className="total">
                  <th scope="row">{m.total}</th>
                  <td />
                  <td />
                  <td>{format.number(result.denseMacs)}</td>
                  <td>{format.number(result.omegaMacs)}</td>
                  <td>{share(result.denseMacs, result.omegaMacs)}</td>
                </tr>
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
