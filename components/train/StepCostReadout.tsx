/**
 * The convolutions' multiply counters for the latest training step, as the engine reported them, with the
 * convention each one follows.
 */
import { memo, useId } from 'react';
import type { StepCost } from '../../engine/train/trainer';
import { compactCount, fill, useMessages, useNumberFormat } from '../../i18n/locale';

/** The three counters, each with its label and meaning in the messages. */
const COUNTERS = [
  { key: 'denseMacs', label: 'dense', meaning: 'denseMeaning' },
  { key: 'idealMacs', label: 'ideal', meaning: 'idealMeaning' },
  { key: 'executedMacs', label: 'executed', meaning: 'executedMeaning' },
] as const;

function StepCostReadoutView({ cost }: { cost: StepCost | null }) {
  const m = useMessages().lab.stepCost;
  // Two runs side by side show two readouts: each heading needs its own id.
  const titleId = useId();
  const kernels = useMessages().kernels;
  const format = useNumberFormat();
  return (
    <section className="step-cost" aria-labelledby={titleId} data-testid="step-cost">
      <h3 id={titleId}>{m.title}</h3>
      {!cost ? (
        <p className="cost-note">{m.empty}</p>
      ) : (
        <dl>
          {COUNTERS.map(({ key, label, meaning }) => (
            <div key={key}>
              <dt>{m[label]}</dt>
              <dd>
                {cost[key] === null ? (
                  <span className="stat-value" data-testid={`cost-${key}`} title={m.notOnGpu}>
                    —
                  </span>
                ) : (
                  <>
                    <span className="stat-value" data-testid={`cost-${key}`} title={fill(m.exact, { count: format.number(cost[key]) })}>
                      {compactCount(cost[key])}
                    </span>
                    {key !== 'denseMacs' && cost.denseMacs > 0 && (
                      <span className="cost-note"> {fill(m.ofDense, { percent: format.percent(cost[key] / cost.denseMacs) })}</span>
                    )}
                  </>
                )}
                <span className="counter-meaning">{m[meaning]}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {cost && (
        <p className="cost-note">
          {fill(m.kernels, {
            list: Object.entries(cost.kernels)
              .map(([layer, kernel]) => `${layer} ${kernels[kernel]}`)
              .join(', '),
          })}
        </p>
      )}
      {cost && Object.keys(cost.layers).some((layer) => !(layer in cost.kernels)) && (
        <p className="cost-note" data-testid="linear-cost">
          {fill(m.linearLayers, {
            list: Object.entries(cost.layers)
              .filter(([layer]) => !(layer in cost.kernels))
              .map(([layer, c]) =>
                fill(m.linearLayer, { layer, kernel: kernels[c.kernel], percent: format.percent(c.denseMacs ? c.executedMacs / c.denseMacs : 1) }),
              )
              .join(', '),
          })}
        </p>
      )}
    </section>
  );
}

/** Re-renders only when its data changes, not at every training step. */
export const StepCostReadout = memo(StepCostReadoutView);
