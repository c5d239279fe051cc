/**
 * The sparsity sweep: our dense convolution against both sparse kernels on the seed model's conv2, over a
 * grid of input and weight densities, timed on this device. The same code runs in `npm run bench` (Node) and
 * in the cost lab (a browser worker), so the crossover both report is measured the same way.
 *
 * Crossover: the largest density product (input density × weight density) at and below which, at every
 * grid point, the faster sparse kernel beats the dense one by at least 10% — a win has to clear timing
 * noise, not tie. `auto` policies run sparse at or below it.
 */
import { conv2dCost, conv2dForward, conv2dGeometry } from '../ops/conv2d';
import { sparseConv2dForward, SparseKernel } from '../ops/sparseConv2d';
import { Prng } from '../random/prng';
import { compressWeights } from '../sparse/weightPattern';
import { applyMasks, magnitudeMasks } from '../sparse/pruning';
import { Tensor } from '../tensor/tensor';
import { measureMedian, MeasureOptions } from './measure';

/** The grid `npm run bench` uses; the lab's default too, so their crossovers can be compared. */
export const SWEEP_INPUT_DENSITIES = [1, 0.5, 0.1, 0.01];
export const SWEEP_WEIGHT_DENSITIES = [1, 0.5, 0.1, 0.05];
/** A win must beat the dense time by this factor. */
export const CROSSOVER_MARGIN = 1.1;

export interface SweepOptions {
  inputDensities: number[];
  weightDensities: number[];
  /** Images per batch (the bench uses 32). */
  batch: number;
  timing: MeasureOptions;
  seed: number;
}

export const DEFAULT_SWEEP: SweepOptions = {
  inputDensities: SWEEP_INPUT_DENSITIES,
  weightDensities: SWEEP_WEIGHT_DENSITIES,
  batch: 32,
  timing: { minMs: 600, minRepeats: 5 },
  seed: 2026,
};

/** The layer swept: the seed model's conv2 (32 → 64 channels, 3×3, padding 1, on 16×16). */
export const SWEEP_LAYER = { name: 'seed conv2', inChannels: 32, outChannels: 64, size: 16, kernel: 3, padding: 1 };

export interface SweepPoint {
  inputDensity: number;
  weightDensity: number;
  product: number;
  /** Median times (ms) of one forward pass over the batch. */
  denseMs: number;
  cartesianMs: number;
  weightSparseMs: number;
  /** Dense MACs, and the pairs of nonzeros that land on an output (what a sparse kernel must do at least). */
  denseMacs: number;
  idealMacs: number;
  repeats: number;
}

export const bestSparseMs = (p: SweepPoint) => Math.min(p.cartesianMs, p.weightSparseMs);
export const speedup = (p: SweepPoint) => p.denseMs / bestSparseMs(p);

export function crossoverOf(points: SweepPoint[]): number {
  let crossover = 0;
  for (const { product } of points) {
    if (points.every((p) => p.product > product || speedup(p) >= CROSSOVER_MARGIN)) crossover = Math.max(crossover, product);
  }
  return crossover;
}

/** Standard-normal values (or their magnitudes, like ReLU outputs), with a fraction `zeros` of exact zeros. */
export function randomTensor(shape: number[], rng: Prng, zeros = 0, positive = false): Tensor {
  const t = new Tensor(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.next() < zeros ? 0 : positive ? Math.abs(rng.normal()) + 1e-3 : rng.normal();
  return t;
}

/** Weights with the smallest magnitudes pruned to reach `density`. */
function prunedWeights(shape: number[], density: number, rng: Prng): Tensor {
  const w = randomTensor(shape, rng);
  const p = { name: 'w.weight', value: w, grad: new Tensor(shape) };
  applyMasks([p], magnitudeMasks([p], 1 - density));
  return w;
}

export function validateSweepOptions(o: SweepOptions): void {
  const densities = (name: string, list: number[]) => {
    if (!Array.isArray(list) || list.length === 0 || list.length > 8 || !list.every((d) => Number.isFinite(d) && d > 0 && d <= 1)) {
      throw new RangeError(`${name} densities must be 1 to 8 numbers above 0 and at most 1`);
    }
  };
  densities('input', o.inputDensities);
  densities('weight', o.weightDensities);
  if (!(Number.isInteger(o.batch) && o.batch >= 1 && o.batch <= 64)) throw new RangeError(`the batch must be a whole number from 1 to 64, got ${o.batch}`);
  if (!(o.timing.minRepeats >= 1 && o.timing.minMs >= 0)) throw new RangeError('timing needs at least one repeat');
}

/**
 * Runs the sweep, point by point. `onPoint` hears each finished point (and how many of how many are done);
 * between points the sweep yields, so a worker can report progress and hear `shouldStop`.
 */
export async function densitySweep(
  options: SweepOptions,
  onPoint: (point: SweepPoint, done: number, total: number) => void = () => {},
  shouldStop: () => boolean = () => false,
): Promise<{ points: SweepPoint[]; crossover: number; stopped: boolean }> {
  validateSweepOptions(options);
  const { batch, timing } = options;
  const L = SWEEP_LAYER;
  const rng = new Prng(options.seed);
  const opts = { stride: 1, padding: L.padding };
  const xShape = [batch, L.inChannels, L.size, L.size];
  const wShape = [L.outChannels, L.inChannels, L.kernel, L.kernel];
  const b = randomTensor([L.outChannels], rng);
  const denseWeights = randomTensor(wShape, rng);
  const denseMacs = conv2dCost(conv2dGeometry(xShape, wShape, opts)).macs;
  const total = options.inputDensities.length * options.weightDensities.length;
  const points: SweepPoint[] = [];
  for (const inputDensity of options.inputDensities) {
    // ReLU'd inputs: nonnegative, with exact zeros.
    const x = randomTensor(xShape, rng, 1 - inputDensity, true);
    // The dense kernel does the same work whatever the zeros; timed once per input, on dense weights.
    const denseMs = measureMedian(() => conv2dForward(x, denseWeights, b, opts), timing).medianMs;
    for (const weightDensity of options.weightDensities) {
      if (shouldStop()) return { points, crossover: crossoverOf(points), stopped: true };
      const w = prunedWeights(wShape, weightDensity, rng);
      const cw = compressWeights(w);
      const times: Record<SparseKernel, number> = { cartesian: 0, weightSparse: 0 };
      let idealMacs = 0;
      let repeats = 0;
      for (const kernel of ['cartesian', 'weightSparse'] as const) {
        const m = measureMedian(() => {
          idealMacs = sparseConv2dForward(x, kernel === 'cartesian' ? cw : w, b, opts, 'regular', kernel).cost.idealMacs;
        }, timing);
        times[kernel] = m.medianMs;
        repeats = Math.max(repeats, m.repeats);
      }
      const point: SweepPoint = {
        inputDensity,
        weightDensity,
        product: inputDensity * weightDensity,
        denseMs,
        cartesianMs: times.cartesian,
        weightSparseMs: times.weightSparse,
        denseMacs,
        idealMacs,
        repeats,
      };
      points.push(point);
      onPoint(point, points.length, total);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  return { points, crossover: crossoverOf(points), stopped: false };
}
