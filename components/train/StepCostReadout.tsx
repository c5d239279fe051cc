/**
 * The convolutions' multiply counters for the latest training step, as the engine reported them, with the
 * convention each one follows.
 */
import { memo } from 'react';
import type { StepCost } from '../../engine/train/trainer';

const COUNTERS = [
  {
    key: 'denseMacs',
    label: 'Dense',
    meaning: 'what a dense convolution multiplies, forward and backward — every tap, the zero padding included',
  },
  {
    key: 'idealMacs',
    label: 'Ideal sparse',
    meaning: 'pairs of a nonzero input (or gradient) and a nonzero weight that land on an output: the least any exact kernel must do',
  },
  {
    key: 'executedMacs',
    label: 'Executed',
    meaning: 'what the kernels that ran actually multiplied',
  },
] as const;

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function StepCostReadoutView({ cost }: { cost: StepCost | null }) {
  return (
    <section className="step-cost" aria-labelledby="step-cost-title" data-testid="step-cost">
      <h3 id="step-cost-title">Multiply–accumulates in the convolutions, last step</h3>
      {!cost ? (
        <p className="cost-note">Counted exactly by the engine at every step, once training starts.</p>
      ) : (
        <dl>
          {COUNTERS.map(({ key, label, meaning }) => (
            <div key={key}>
              <dt>{label}</dt>
              <dd>
                {cost[key] === null ? (
                  <span className="stat-value" data-testid={`cost-${key}`} title="not counted on the GPU (it would mean reading every activation back)">
                    —
                  </span>
                ) : (
                  <>
                    <span className="stat-value" data-testid={`cost-${key}`} title={`${cost[key].toLocaleString('en-US')} MACs`}>
                      {compact(cost[key])}
                    </span>
                    {key !== 'denseMacs' && cost.denseMacs > 0 && (
                      <span className="cost-note"> {((100 * cost[key]) / cost.denseMacs).toFixed(0)}% of dense</span>
                    )}
                  </>
                )}
                <span className="counter-meaning">{meaning}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {cost && (
        <p className="cost-note">
          Kernels: {Object.entries(cost.kernels).map(([layer, kernel]) => `${layer} ${kernel}`).join(', ')}.
        </p>
      )}
    </section>
  );
}

/** Re-renders only when its data changes, not at every training step. */
export const StepCostReadout = memo(StepCostReadoutView);
