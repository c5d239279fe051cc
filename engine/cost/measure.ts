/**
 * Timing that a learner can trust: a warm-up run, then repeats until both a minimum count and a minimum
 * time are reached, and the median (robust to a noisy machine). Works the same in Node and in a worker.
 */

export interface MeasureOptions {
  /** Keep repeating until this much time has passed… */
  minMs: number;
  /** …and at least this many repeats were timed. */
  minRepeats: number;
}

export interface Measurement {
  medianMs: number;
  repeats: number;
}

export function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median time of `run`; `setup` (untimed) runs before each repeat, e.g. a forward pass a backward needs. */
export function measureMedian(run: () => void, { minMs, minRepeats }: MeasureOptions, setup?: () => void): Measurement {
  setup?.();
  run(); // warm-up: caches, JIT
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRepeats || performance.now() - start < minMs) {
    setup?.();
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  return { medianMs: median(times), repeats: times.length };
}

/** Median of timings of asynchronous work (each run returns its own time, e.g. from GPU timestamps), after a warm-up. */
export async function measureMedianAsync(run: () => Promise<number>, { minMs, minRepeats }: MeasureOptions): Promise<Measurement> {
  await run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRepeats || performance.now() - start < minMs) times.push(await run());
  return { medianMs: median(times), repeats: times.length };
}
