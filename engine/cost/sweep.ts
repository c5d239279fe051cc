/**
 * The sparsity sweep: our dense convolution against both sparse kernels on the seed model's conv2, over a
 * grid of input and weight densities, timed on this device. The same code runs in `npm run bench` (Node) and
 * in the cost lab (a browser worker), so the crossover both report is measured the same way.
 *
 * Crossover: the largest density product (input density × weight density) at and below which, at every
 * grid point, the faster sparse kernel beats the dense one by at least 10% — a win has to clear timing
 * noise, not tie. `auto` policies run sparse at or below it.
 */
import type { Backend, ConvKernel, DeviceTensor, SparseConvKernel } from '../backend/backend';
import { CARTESIAN_BELOW_INPUT_DENSITY } from '../model/kernelChoice';
import { conv2dCost, conv2dGeometry, Conv2dOptions } from '../ops/conv2d';
import { Prng } from '../random/prng';
import { compressedView, weightPattern, WeightPattern } from '../sparse/weightPattern';
import { sparseConv2dPairs } from '../ops/sparseConv/pairs';
import { applyMasks, magnitudeMasks } from '../sparse/pruning';
import { Tensor } from '../tensor/tensor';
import { Measurement, measureMedianAsync, MeasureOptions } from './measure';

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

/**
 * The weight crossover: the largest weight density at and below which, at every grid point whose inputs are
 * dense enough for the weight-sparse kernel (input density ≥ `cartesianBelow`, where the rule would not
 * take the Cartesian product), the weight-sparse kernel beats dense by the margin. 0 where it never does.
 */
export function weightCrossoverOf(points: SweepPoint[], cartesianBelow = CARTESIAN_BELOW_INPUT_DENSITY): number {
  const eligible = points.filter((p) => p.inputDensity >= cartesianBelow);
  let crossover = 0;
  for (const { weightDensity } of eligible) {
    if (eligible.every((p) => p.weightDensity > weightDensity || p.denseMs / p.weightSparseMs >= CROSSOVER_MARGIN))
      crossover = Math.max(crossover, weightDensity);
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

/** What one timed convolution runs: the layer's operands already on the backend. */
export interface ConvOperands<T extends DeviceTensor> {
  x: T;
  w: T;
  b: T;
  dy: T;
  pattern: WeightPattern;
  conv: Conv2dOptions;
  /** The input as made, on this thread: Ω's pairs are counted from it where the backend does not count them. */
  hostX: Tensor;
}

/** |Ω| of the operands: the backend's count where it counts, else this thread's (a GPU's would need a read-back). */
export function omegaPairs<T extends DeviceTensor>(backend: Backend<T>, o: ConvOperands<T>): number {
  return backend.convPairs(o.x, o.pattern, o.conv) ?? sparseConv2dPairs(o.hostX, compressedView(o.pattern, null), o.conv);
}

/**
 * Median time of one forward (or backward: ∂w and ∂x) pass of a kernel on `backend` — the backend's own
 * clock (GPU timestamps where there are) around the kernel alone, its outputs freed after each run.
 * `needInputGrad` false: ∂w only (a first layer's backward).
 */
export async function timeConv<T extends DeviceTensor>(
  backend: Backend<T>,
  o: ConvOperands<T>,
  kernel: ConvKernel,
  pass: 'forward' | 'backward',
  timing: MeasureOptions,
  needInputGrad = true,
): Promise<Measurement> {
  const run = () =>
    backend.measure(() => {
      if (pass === 'forward') {
        backend.free(backend.conv2dForward({ x: o.x, w: o.w, b: o.b, conv: o.conv, kernel, pattern: o.pattern }).y);
        return;
      }
      const g = backend.conv2dBackward({ x: o.x, w: o.w, dy: o.dy, conv: o.conv, kernel, pattern: o.pattern, needInputGrad });
      for (const t of [g.dx, g.dw, g.db]) if (t) backend.free(t);
    });
  return measureMedianAsync(run, timing);
}

/** The swept layer's operands at these densities (ReLU'd inputs: nonnegative with exact zeros), on `backend`. */
export function sweepOperands<T extends DeviceTensor>(
  backend: Backend<T>,
  batch: number,
  inputDensity: number,
  weightDensity: number,
  rng: Prng,
): ConvOperands<T> {
  const L = SWEEP_LAYER;
  const x = randomTensor([batch, L.inChannels, L.size, L.size], rng, 1 - inputDensity, true);
  const w = prunedWeights([L.outChannels, L.inChannels, L.kernel, L.kernel], weightDensity, rng);
  return {
    x: backend.tensor(x.shape, x.data),
    w: backend.tensor(w.shape, w.data),
    b: backend.tensor([L.outChannels], randomTensor([L.outChannels], rng).data),
    dy: backend.tensor([batch, L.outChannels, L.size, L.size], randomTensor([batch, L.outChannels, L.size, L.size], rng).data),
    pattern: weightPattern(w.shape, w.data),
    conv: { stride: 1, padding: L.padding },
    hostX: x,
  };
}

export function freeOperands<T extends DeviceTensor>(backend: Backend<T>, o: ConvOperands<T>): void {
  for (const t of [o.x, o.w, o.b, o.dy]) backend.free(t);
  backend.releasePattern(o.pattern);
}

/**
 * Runs the sweep on `backend`, point by point. `onPoint` hears each finished point (and how many of how many
 * are done); between points the sweep yields, so a worker can report progress and hear `shouldStop`.
 */
export async function densitySweep<T extends DeviceTensor>(
  options: SweepOptions,
  backend: Backend<T>,
  onPoint: (point: SweepPoint, done: number, total: number) => void = () => {},
  shouldStop: () => boolean = () => false,
): Promise<{ points: SweepPoint[]; crossover: number; stopped: boolean }> {
  validateSweepOptions(options);
  const { batch, timing } = options;
  const rng = new Prng(options.seed);
  const total = options.inputDensities.length * options.weightDensities.length;
  const points: SweepPoint[] = [];
  for (const inputDensity of options.inputDensities) {
    // The dense kernel does the same work whatever the zeros; timed once per input, on dense weights.
    const dense = sweepOperands(backend, batch, inputDensity, 1, rng);
    const denseMs = (await timeConv(backend, dense, 'dense', 'forward', timing)).medianMs;
    const denseMacs = conv2dCost(conv2dGeometry(dense.x.shape, dense.w.shape, dense.conv)).macs;
    for (const weightDensity of options.weightDensities) {
      if (shouldStop()) {
        freeOperands(backend, dense);
        return { points, crossover: crossoverOf(points), stopped: true };
      }
      // The same input, pruned weights.
      const w = prunedWeights(dense.w.shape as number[], weightDensity, rng);
      const operands = { ...dense, w: backend.tensor(w.shape, w.data), pattern: weightPattern(w.shape, w.data) };
      const times: Record<SparseConvKernel, number> = { cartesian: 0, weightSparse: 0 };
      let repeats = 0;
      for (const kernel of ['cartesian', 'weightSparse'] as const) {
        const m = await timeConv(backend, operands, kernel, 'forward', timing);
        times[kernel] = m.medianMs;
        repeats = Math.max(repeats, m.repeats);
      }
      backend.free(operands.w);
      backend.releasePattern(operands.pattern);
      const point: SweepPoint = {
        inputDensity,
        weightDensity,
        product: inputDensity * weightDensity,
        denseMs,
        cartesianMs: times.cartesian,
        weightSparseMs: times.weightSparse,
        denseMacs,
        idealMacs: omegaPairs(backend, operands),
        repeats,
      };
      points.push(point);
      onPoint(point, points.length, total);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    freeOperands(backend, dense);
  }
  return { points, crossover: crossoverOf(points), stopped: false };
}
