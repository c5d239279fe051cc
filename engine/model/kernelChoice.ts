/**
 * The one rule that picks a layer's kernel, for every layer type that has a sparse kernel and on every
 * backend: the policy, the crossover, and the densities the layer measured.
 */
import type { ConvKernel, SparseConvKernel } from '../backend/backend';

/**
 * Which kernel a conv or fully connected layer runs: always dense (im2col + GEMM; GEMM), always sparse (SCNN's
 * Cartesian product over Ω or weight-sparse direct; CSR), or `auto`: sparse when input density × weight density is at or below the
 * crossover, the largest density product at and below which a sparse kernel wins on this device.
 */
export type ExecutionPolicy = 'dense' | 'sparse' | 'auto';

/**
 * The crossover `auto` uses until a benchmark has measured one on this device: a placeholder in the range
 * the literature reports (SCNN pays off below about 85% density of each operand; XNNPACK switches at ≥ 2/3
 * zeros), not a measurement.
 */
export const DEFAULT_CROSSOVER = 0.1;

/**
 * Which sparse kernel to run: the Cartesian product pays when few inputs are nonzero; above this input
 * density the weight-sparse kernel is faster (seed conv2 in `npm run bench`: at 50% input density it runs
 * 1.4–2.5× the Cartesian product's speed; at 10%, the Cartesian product runs 1.2–4× its speed).
 */
export const CARTESIAN_BELOW_INPUT_DENSITY = 0.25;

/** Whether a layer runs its sparse kernel: always under `sparse`, at or below the crossover under `auto`. */
export function choosesSparse(policy: ExecutionPolicy, crossover: number, inputDensity: number, weightDensity: number): boolean {
  return policy === 'sparse' || (policy === 'auto' && inputDensity * weightDensity <= crossover);
}

/**
 * Whether `auto` runs a kernel whose work follows the kept weights alone — the weight-sparse convolution,
 * the CSR fully connected layer — because the weight density is at or below `weightCrossover` (null: no
 * such crossover measured; then only the density product decides). On a fast dense backend the product
 * rule alone misjudges them: dense inputs with 10% of the weights is a product of 0.1 where the Cartesian
 * product loses and the weight-sparse kernel wins (WebAssembly SIMD here).
 */
export function choosesWeightSparse(policy: ExecutionPolicy, weightCrossover: number | null, weightDensity: number): boolean {
  return policy === 'auto' && weightCrossover !== null && weightDensity <= weightCrossover;
}

/**
 * A convolution's kernel: dense unless `choosesSparse`; then the Cartesian product over Ω when few inputs
 * are nonzero, else weight-sparse — each where the backend has it. Without an input count (`inputDensity`
 * null: the `sparse` policy on a backend that does not count) the input is taken as dense.
 */
export function chooseConvKernel(o: {
  policy: ExecutionPolicy;
  crossover: number;
  inputDensity: number | null;
  weightDensity: number;
  cartesianBelowInputDensity: number;
  available: readonly SparseConvKernel[];
  /** See choosesWeightSparse; absent or null: the density product alone decides. */
  weightCrossover?: number | null;
}): ConvKernel {
  if (o.available.length === 0) return 'dense';
  if (!choosesSparse(o.policy, o.crossover, o.inputDensity ?? 1, o.weightDensity)) {
    return choosesWeightSparse(o.policy, o.weightCrossover ?? null, o.weightDensity) && o.available.includes('weightSparse') ? 'weightSparse' : 'dense';
  }
  const wantsCartesian = o.inputDensity !== null && o.inputDensity < o.cartesianBelowInputDensity;
  if (wantsCartesian && o.available.includes('cartesian')) return 'cartesian';
  return o.available.includes('weightSparse') ? 'weightSparse' : o.available[0];
}
