/**
 * The one rule that picks a layer's kernel, for every layer type that has a sparse kernel and (as they come
 * to it) every backend: the policy, the crossover, and the densities the layer measured.
 */
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
