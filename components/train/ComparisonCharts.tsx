'use client';
/**
 * Dense and pruned runs on the same axes: same seed, same data order, so the gap between the lines is what
 * the sparsity costs (accuracy) and saves (multiplies).
 */
import { LineChart } from '../charts/LineChart';
import { EVAL_IMAGES, formatMacs, percent, RUN_COLORS, wholeNumber } from './trainDisplay';
import { useTrainStore } from './trainStore';

export function ComparisonCharts({ prunedLabel }: { prunedLabel: string }) {
  const a = useTrainStore((s) => s.runs.a);
  const b = useTrainStore((s) => s.runs.b);
  const last = (points: { y: number }[]) => (points.length ? points[points.length - 1].y : null);
  const saving = last(a.macs.executed) && last(b.macs.executed) ? last(a.macs.executed)! / last(b.macs.executed)! : null;
  return (
    <section className="panel comparison" aria-labelledby="comparison-title" data-testid="comparison">
      <h2 id="comparison-title">Dense vs {prunedLabel}, same seed</h2>
      <p className="comparison-summary" aria-live="polite">
        {saving
          ? `The pruned run's convolutions now execute ${saving.toFixed(2)}× fewer multiplies per step than the dense run's.`
          : 'Both runs start from the same weights and see the same batches: any difference is the pruning.'}
      </p>
      <div className="charts">
        <LineChart
          title="Loss (smoothed)"
          series={[
            { name: 'dense', points: a.smoothLoss, color: RUN_COLORS.a },
            { name: prunedLabel, points: b.smoothLoss, color: RUN_COLORS.b },
          ]}
          xLabel="step"
          yLabel="cross-entropy"
          emptyText="Press Start: both runs' losses appear here."
          testId="compare-loss-chart"
        />
        <LineChart
          title={`Test accuracy (${EVAL_IMAGES} images)`}
          series={[
            { name: 'dense', points: a.testAccuracy, color: RUN_COLORS.a, dots: true },
            { name: prunedLabel, points: b.testAccuracy, color: RUN_COLORS.b, dots: true },
          ]}
          xLabel="step"
          yLabel="accuracy"
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText="Test accuracy of both runs, at every evaluation."
          testId="compare-accuracy-chart"
        />
        <LineChart
          title="Executed multiply–accumulates per step"
          series={[
            { name: 'dense', points: a.macs.executed, color: RUN_COLORS.a },
            { name: prunedLabel, points: b.macs.executed, color: RUN_COLORS.b },
          ]}
          xLabel="step"
          yLabel="MACs (convolutions)"
          yFormat={formatMacs}
          emptyText="What each run's convolution kernels actually multiply at every step."
          testId="compare-macs-chart"
        />
        <LineChart
          title="Training speed"
          series={[
            { name: 'dense', points: a.throughput, color: RUN_COLORS.a },
            { name: prunedLabel, points: b.throughput, color: RUN_COLORS.b },
          ]}
          xLabel="step"
          yLabel="images / s"
          yFormat={wholeNumber}
          emptyText="Images per second of training, measured on this device. Both runs share its cores."
          testId="compare-speed-chart"
        />
      </div>
    </section>
  );
}
