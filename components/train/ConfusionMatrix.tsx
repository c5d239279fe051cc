/**
 * Which classes the model confuses, on the test subset: rows are true classes, columns predictions; a cell's
 * shade is its share of the row. Counts come from the engine worker.
 */
import { memo } from 'react';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';

export interface Confusion {
  classes: number;
  counts: Int32Array;
  images: number;
}

function ConfusionMatrixView({ confusion, classNames }: { confusion: Confusion | null; classNames: string[] }) {
  const m = useMessages().lab.confusion;
  const shortNames = useMessages().lab.shortClasses as Record<string, string>;
  const format = useNumberFormat();
  if (!confusion) return <p className="cost-note">{m.empty}</p>;
  const { classes: K, counts } = confusion;
  const name = (k: number) => classNames[k] ?? String(k);
  // Column headers in short words, so ten columns fit half a screen.
  const short = (k: number) => shortNames[name(k)] ?? name(k);
  let correct = 0;
  for (let k = 0; k < K; k++) correct += counts[k * K + k];
  return (
    <div className="confusion" data-testid="confusion">
      <table>
        <caption>
          {fill(m.caption, {
            images: format.number(confusion.images),
            correct: format.number(correct),
            percent: format.percent(correct / Math.max(1, confusion.images), 1),
          })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{m.corner}</th>
            {Array.from({ length: K }, (_, k) => (
              <th key={k} scope="col" title={name(k)}>
                {short(k)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: K }, (_, t) => {
            let row = 0;
            for (let p = 0; p < K; p++) row += counts[t * K + p];
            return (
              <tr key={t}>
                <th scope="row">{name(t)}</th>
                {Array.from({ length: K }, (_, p) => {
                  const n = counts[t * K + p];
                  const share = row ? n / row : 0;
                  return (
                    <td
                      key={p}
                      className={t === p ? 'diagonal' : undefined}
                      // At most 70% blue: dark text stays readable on every cell (WCAG AA); white text would
                      // fail on the mid blues, dark text on the darkest.
                      style={{ background: `rgba(0, 114, 178, ${(0.7 * share).toFixed(3)})` }}
                      title={fill(m.cell, { truth: name(t), predicted: name(p), count: n })}
                    >
                      {n}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Re-renders only when its data changes, not at every training step. */
export const ConfusionMatrix = memo(ConfusionMatrixView);
