/**
 * `auto`'s crossover, measured on the learner's device per backend: a short sparsity sweep (the cost lab's,
 * engine/cost/sweep.ts, on a smaller batch and fewer repeats) that stops at its time budget, run the first
 * time a pruned run needs it and kept by the host (IndexedDB in the browser) for that backend and device.
 * Dense SIMD is so much faster than scalar code that sparse needs more zeros to beat it there — which is why
 * each backend has its own.
 */
import type { Backend, BackendName, DeviceTensor } from '../backend/backend';
import { crossoverOf, densitySweep, SweepOptions, SWEEP_INPUT_DENSITIES, SWEEP_WEIGHT_DENSITIES, weightCrossoverOf } from './sweep';

/** A crossover measured here. */
export interface CrossoverMeasurement {
  backend: BackendName;
  /** The density product at or below which sparse wins (the Cartesian product's rule). */
  crossover: number;
  /** The weight density at or below which the weight-sparse kernel wins on dense inputs (absent in older records). */
  weightCrossover?: number;
  /** How long the measurement took, and when it was made. */
  ms: number;
  measuredAt: string;
  /** Grid points measured (fewer than the grid's when the budget ran out). */
  points: number;
}

/** Where measured crossovers are kept between visits, one per backend (the host knows the device). */
export interface CrossoverStore {
  load(backend: BackendName): Promise<CrossoverMeasurement | null>;
  save(measurement: CrossoverMeasurement): Promise<void>;
}

/** The calibration's grid and timing: the bench's densities, a quarter of its batch, three repeats a point. */
export const CALIBRATION_SWEEP: SweepOptions = {
  inputDensities: SWEEP_INPUT_DENSITIES,
  weightDensities: SWEEP_WEIGHT_DENSITIES,
  batch: 8,
  timing: { minMs: 0, minRepeats: 3 },
  seed: 2026,
};

/** At most this long on the learner's device (the sweep stops between points once it is spent). */
export const CALIBRATION_BUDGET_MS = 2000;

/** Measures `backend`'s crossover within `budgetMs`; points not reached by then do not count. */
export async function calibrateCrossover<T extends DeviceTensor>(
  backend: Backend<T>,
  budgetMs = CALIBRATION_BUDGET_MS,
  options: SweepOptions = CALIBRATION_SWEEP,
): Promise<CrossoverMeasurement> {
  const start = performance.now();
  const { points } = await densitySweep(options, backend, undefined, () => performance.now() - start >= budgetMs);
  return {
    backend: backend.name,
    crossover: crossoverOf(points),
    weightCrossover: weightCrossoverOf(points),
    ms: performance.now() - start,
    measuredAt: new Date().toISOString(),
    points: points.length,
  };
}

/**
 * Each backend's crossover on this device, measured at most once per session: kept from an earlier visit
 * (the store), else measured now and kept. `remeasure` measures again (the cost lab's button).
 */
export class CrossoverCalibration {
  private readonly measured = new Map<BackendName, Promise<CrossoverMeasurement>>();

  constructor(
    private readonly store?: CrossoverStore,
    private readonly budgetMs = CALIBRATION_BUDGET_MS,
  ) {}

  crossoverFor<T extends DeviceTensor>(backend: Backend<T>, remeasure = false): Promise<CrossoverMeasurement> {
    const known = this.measured.get(backend.name);
    if (known && !remeasure) return known;
    const measurement = (async () => {
      const kept = remeasure ? null : await this.store?.load(backend.name).catch(() => null);
      if (kept) return kept;
      const fresh = await calibrateCrossover(backend, this.budgetMs);
      await this.store?.save(fresh).catch(() => undefined); // unsaved, it is measured again next visit
      return fresh;
    })();
    this.measured.set(backend.name, measurement);
    measurement.catch(() => this.measured.delete(backend.name));
    return measurement;
  }

  /** What is known so far, without measuring (the cost lab's table). */
  async known(backend: BackendName): Promise<CrossoverMeasurement | null> {
    return (await this.measured.get(backend)?.catch(() => null)) ?? (await this.store?.load(backend).catch(() => null)) ?? null;
  }
}
