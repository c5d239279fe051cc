/**
 * One benchmark row, with the same fields in every row of `npm run bench` and `npm run bench:browser`
 * (null where a field does not apply), so runs on different days and machines line up field by field.
 */
/** Who computed: our engine in TypeScript (js), WebAssembly SIMD (wasm) or WGSL (webgpu), or a peer engine. */
export type BenchBackend = 'js' | 'wasm' | 'webgpu' | 'tfjs-cpu' | 'tfjs-wasm' | 'tfjs-webgpu' | 'onnxruntime-wasm';

interface StableFields {
  backend: BenchBackend | null;
  /** What was timed: 'conv forward', 'conv backward', 'forward pass', 'train', 'crossover', 'device'. */
  op: string;
  layer: string | null;
  /** The kernel: dense, cartesian, weightSparse, auto (each layer chose by density and the crossover), or sparse (every pruned layer's sparse kernel). */
  kernel: 'dense' | 'cartesian' | 'weightSparse' | 'auto' | 'sparse' | null;
  inputDensity: number | null;
  weightDensity: number | null;
  model: string | null;
  /** Fraction of the pruned layers' weights that are zero. */
  prune: number | null;
  workers: number | null;
}

interface Measures {
  name: string;
  ms: number;
  gflops?: number;
  imagesPerSec?: number;
  /** A speed-up: how many times faster this row is than what `versus` names. */
  ratio?: number;
  versus?: string;
}

/** Extra fields some rows carry (the crossover, the adapter's name). */
type Extra = Record<string, unknown>;

export type BenchRow = Measures & StableFields & Extra;

/** A row with every stable field present: the ones not given are null. */
export function benchRow(row: Measures & Partial<StableFields> & { op: string } & Extra): BenchRow {
  const { name, ms, ...fields } = row;
  return {
    name,
    ms,
    backend: null,
    layer: null,
    kernel: null,
    inputDensity: null,
    weightDensity: null,
    model: null,
    prune: null,
    workers: null,
    ...fields,
  };
}
