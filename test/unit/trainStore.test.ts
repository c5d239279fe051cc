/**
 * The training lab's chart series, grown from the worker's event groups: every point lands once, in order,
 * and a group never changes the series the page drew before it (React and the charts compare by reference).
 */
import { describe, expect, it } from 'vitest';
import { emptyRun, withEvents } from '../../components/train/trainStore';
import type { TrainEvent } from '../../engine/train/trainer';

const stats = (step: number): TrainEvent => ({
  event: 'stats',
  step,
  layers: [
    { layer: 'conv1', type: 'conv2d', elementDensity: 1, siteDensity: 1, weightSparsity: 0, gradNorm: step, gradDensity: 0.5 },
    { layer: 'relu1', type: 'relu', elementDensity: 1 / step, siteDensity: 0.9, weightSparsity: null, gradNorm: null, gradDensity: null },
  ],
});
const prune = (step: number): TrainEvent => ({ event: 'prune', step, targetSparsity: step / 100, layers: { conv2: step / 200 } });

describe('a run’s chart series', () => {
  it('take every point of every group, in order, without touching the series drawn before', () => {
    let run = emptyRun();
    const seen: { run: ReturnType<typeof emptyRun>; points: number }[] = [];
    let step = 1;
    for (let group = 0; group < 40; group++) {
      const events: TrainEvent[] = [];
      for (let i = 0; i < (group % 3) + 1; i++, step++) events.push(stats(step), prune(step));
      const before = { gradNorm: run.gradNorm.conv1?.length ?? 0, density: run.density.relu1?.length ?? 0, sparsity: run.sparsity.conv2?.length ?? 0 };
      const next = withEvents(run, events);
      expect(run.gradNorm.conv1?.length ?? 0).toBe(before.gradNorm);
      expect(run.density.relu1?.length ?? 0).toBe(before.density);
      expect(run.sparsity.conv2?.length ?? 0).toBe(before.sparsity);
      if (run.gradNorm.conv1) expect(next.gradNorm.conv1).not.toBe(run.gradNorm.conv1);
      seen.push({ run, points: before.gradNorm });
      run = next;
    }
    const steps = Array.from({ length: step - 1 }, (_, i) => i + 1);
    expect(run.gradNorm.conv1.map((p) => p.x)).toEqual(steps);
    expect(run.gradNorm.conv1.map((p) => p.y)).toEqual(steps);
    expect(run.gradDensity.conv1.every((p) => p.y === 0.5)).toBe(true);
    expect(run.density.relu1.map((p) => p.y)).toEqual(steps.map((s) => 1 / s));
    expect(run.siteDensity.relu1).toHaveLength(steps.length);
    expect(run.density.conv1).toBeUndefined(); // element density is charted for ReLU and pooling outputs only
    expect(run.sparsity['schedule target'].map((p) => p.y)).toEqual(steps.map((s) => s / 100));
    expect(run.sparsity.conv2.map((p) => p.y)).toEqual(steps.map((s) => s / 200));
    // Every earlier state still holds exactly the points it had.
    for (const { run: earlier, points } of seen) expect(earlier.gradNorm.conv1?.length ?? 0).toBe(points);
  });
});
