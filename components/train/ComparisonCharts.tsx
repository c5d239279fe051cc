'use client';
/**
 * Dense and pruned runs on the same axes: same seed, same data order, so the gap between the lines is what
 * the sparsity costs (accuracy) and saves (multiplies).
 */
import { LineChart } from '../charts/LineChart';
import { QUICK_EVAL_IMAGES } from '../../engine/train/events';
import { useMemo } from 'react';
import { percent, RUN_COLORS, smoothed, wholeNumber } from './trainDisplay';
import { useTrainStore } from './trainStore';
import { compactCount, fill, useMessages, useNumberFormat } from '../../i18n/locale';

export function ComparisonCharts({ prunedLabel }: { prunedLabel: string }) {
  const m = useMessages().lab;
  const c = m.compare;
  const format = useNumberFormat();
  const a = useTrainStore((s) => s.runs.a);
  const b = useTrainStore((s) => s.runs.b);
  const smoothing = useTrainStore((s) => s.smoothing);
  const lossA = useMemo(() => smoothed(a.loss, smoothing), [a.loss, smoothing]);
  const lossB = useMemo(() => smoothed(b.loss, smoothing), [b.loss, smoothing]);
  const last = (points: { y: number }[]) => (points.length ? points[points.length - 1].y : null);
  // Once the whole test set has been evaluated, its points are the comparison; the quick ones stay faint.
  const full = a.fullTestImages ?? b.fullTestImages;
  const accuracy = full
    ? [
        { name: c.dense, points: a.fullTestAccuracy, color: RUN_COLORS.a, dots: true },
        { name: prunedLabel, points: b.fullTestAccuracy, color: RUN_COLORS.b, dots: true },
        { name: fill(c.quick, { run: c.dense, images: format.number(QUICK_EVAL_IMAGES) }), points: a.testAccuracy, color: RUN_COLORS.a, faint: true },
        { name: fill(c.quick, { run: prunedLabel, images: format.number(QUICK_EVAL_IMAGES) }), points: b.testAccuracy, color: RUN_COLORS.b, faint: true },
      ]
    : [
        { name: c.dense, points: a.testAccuracy, color: RUN_COLORS.a, dots: true },
        { name: prunedLabel, points: b.testAccuracy, color: RUN_COLORS.b, dots: true },
      ];
  const exportFile = (chart: string) => `sparse-cnn-lab-${chart}`;
  const saving = last(a.macs.executed) && last(b.macs.executed) ? last(a.macs.executed)! / last(b.macs.executed)! : null;
  return (
    <section className="panel comparison" aria-labelledby="comparison-title" data-testid="comparison">
      <h2 id="comparison-title">{fill(c.title, { pruned: prunedLabel })}</h2>
      <p className="comparison-summary" aria-live="polite">
        {saving ? fill(c.saving, { ratio: saving.toFixed(2) }) : c.same}
      </p>
      <div className="charts">
        <LineChart
          title={c.loss}
          series={[
            { name: c.dense, points: lossA, color: RUN_COLORS.a },
            { name: prunedLabel, points: lossB, color: RUN_COLORS.b },
          ]}
          xLabel={m.charts.step}
          yLabel={m.charts.crossEntropy}
          emptyText={c.lossEmpty}
          testId="compare-loss-chart"
          exportName={exportFile('compare-loss')}
        />
        <LineChart
          title={fill(c.accuracy, { images: format.number(full ?? QUICK_EVAL_IMAGES) })}
          series={accuracy}
          xLabel={m.charts.step}
          yLabel={m.charts.accuracyAxis}
          yDomain={[0, 1]}
          yFormat={percent}
          emptyText={c.accuracyEmpty}
          testId="compare-accuracy-chart"
          exportName={exportFile('compare-accuracy')}
        />
        <LineChart
          title={c.macs}
          series={[
            { name: c.dense, points: a.macs.executed, color: RUN_COLORS.a },
            { name: prunedLabel, points: b.macs.executed, color: RUN_COLORS.b },
          ]}
          xLabel={m.charts.step}
          yLabel={m.charts.macsAxis}
          yFormat={compactCount}
          emptyText={c.macsEmpty}
          testId="compare-macs-chart"
          exportName={exportFile('compare-macs')}
        />
        <LineChart
          title={c.speed}
          series={[
            { name: c.dense, points: a.throughput, color: RUN_COLORS.a },
            { name: prunedLabel, points: b.throughput, color: RUN_COLORS.b },
          ]}
          xLabel={m.charts.step}
          yLabel={m.charts.speedAxis}
          yFormat={wholeNumber}
          emptyText={c.speedEmpty}
          testId="compare-speed-chart"
          exportName={exportFile('compare-speed')}
        />
      </div>
    </section>
  );
}
