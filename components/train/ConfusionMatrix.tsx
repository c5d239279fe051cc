/**
 * Which classes the model confuses, on the test subset: rows are true classes, columns predictions; a cell's
 * shade is its share of the row. Counts come from the engine worker.
 */
import { memo } from 'react';
export interface Confusion {
  classes: number;
  counts: Int32Array;
  images: number;
}

const SHORT_NAMES: Record<string, string> = { airplane: 'plane', automobile: 'car' };

function ConfusionMatrixView({ confusion, classNames }: { confusion: Confusion | null; classNames: string[] }) {
  if (!confusion) return <p className="cost-note">Appears with the first test evaluation.</p>;
  const { classes: K, counts } = confusion;
  const name = (k: number) => classNames[k] ?? String(k);
  // Column headers in short words, so ten columns fit half a screen.
  const short = (k: number) => SHORT_NAMES[name(k)] ?? name(k);
  let correct = 0;
  for (let k = 0; k < K; k++) correct += counts[k * K + k];
  return (
    <div className="confusion" data-testid="confusion">
      <table>
        <caption>
          True class (rows) against predicted class (columns), {confusion.images.toLocaleString('en-US')} test images — {correct.toLocaleString('en-US')} on the diagonal ({((100 * correct) / Math.max(1, confusion.images)).toFixed(1)}%).
        </caption>
        <thead>
          <tr>
            <th scope="col">true ↓ / predicted →</th>
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
                    <td key={p} className={t === p ? 'diagonal' : undefined} style={{ background: `rgba(0, 114, 178, ${share.toFixed(3)})`, color: share > 0.5 ? '#fff' : undefined }} title={`${name(t)} predicted as ${name(p)}: ${n}`}>
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
