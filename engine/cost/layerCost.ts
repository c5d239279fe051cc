/**
 * What each layer of a model costs on one batch, forward and backward: multiply–accumulates in three
 * conventions (dense, ideal sparse, executed) as the layers count them in training, measured time on the
 * CPU and — when asked — on a GPU, and memory of its weights and output, dense and compressed. Both times
 * come from the same network on its two backends, each layer fed the batch's real inputs and gradients.
 */
import type { Backend, DeviceTensor } from '../backend/backend';
import { Layer } from '../model/layers';
import { Model } from '../model/model';
import { LayerSpec } from '../model/spec';
import { softmaxCrossEntropy } from '../ops/softmaxCrossEntropy';
import { storageBytes } from '../sparse/compressed';
import { Tensor } from '../tensor/tensor';
import { measureMedianAsync, MeasureOptions } from './measure';

export interface PassCost {
  denseMacs: number;
  idealMacs: number;
  executedMacs: number;
  /** Median time of this layer's pass over the batch in TypeScript. */
  cpuMs: number;
  /** Median WebAssembly SIMD time, when measured (addBackendTimes). */
  wasmMs: number | null;
  /** Median WebGPU time, when measured (addBackendTimes). */
  gpuMs: number | null;
}

export interface LayerCost {
  layer: string;
  type: LayerSpec['type'];
  /** For conv and linear layers: the kernel the execution policy chose. */
  kernel: 'dense' | 'sparse' | null;
  forward: PassCost;
  backward: PassCost;
  /** Weights of conv and linear layers (biases not counted), dense float32 vs compressed (values + indices). */
  weights: { count: number; nonzeros: number; denseBytes: number; compressedBytes: number } | null;
  /** The layer's output on this batch. */
  output: { shape: number[]; nonzeros: number; denseBytes: number; compressedBytes: number };
}

export interface LayerCostReport {
  batch: number;
  layers: LayerCost[];
  cpuRepeats: number;
}

/** How many of `values` are not zero (what the cost lab's byte counts are computed from). */
export function nonzeros(values: Float32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/** What a layer's forward and backward see on this batch: inputs, and gradients of its output. */
export interface BatchTrace {
  inputs: Tensor[];
  outputs: Tensor[];
  /** ∂L/∂(output of layer i), from the softmax cross-entropy of the batch's labels. */
  outputGrads: Tensor[];
}

/** One forward and backward pass over the batch (CPU), keeping every layer's input, output and output gradient. */
export async function traceBatch(model: Model, x: Tensor, labels: ArrayLike<number>): Promise<BatchTrace> {
  const outputs = await model.forwardTrace(x);
  const inputs = [x, ...outputs.slice(0, -1)];
  const outputGrads: Tensor[] = new Array(model.layers.length);
  let grad: Tensor | null = softmaxCrossEntropy(outputs[outputs.length - 1], labels).dlogits;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    outputGrads[i] = grad ?? new Tensor(outputs[i].shape);
    grad = await model.layers[i].backward(outputGrads[i]);
  }
  return { inputs, outputs, outputGrads };
}

/**
 * Median times of one layer's forward and backward on `backend` (the layer's own), from the trace's input
 * and output gradient. Backward needs the forward's saved input: an untimed forward before each timed one.
 */
async function timeLayer<T extends DeviceTensor>(
  backend: Backend<T>,
  layer: Layer<T>,
  input: Tensor,
  dy: Tensor,
  timing: MeasureOptions,
): Promise<{ forwardMs: number; backwardMs: number; repeats: number }> {
  const x = backend.tensor(input.shape, input.data);
  const grad = backend.tensor(dy.shape, dy.data);
  // What one run made is freed right after it (layers keep their inputs, never their outputs): a fast layer
  // repeats hundreds of times within the timing budget. A view (flatten) shares its input's storage: freeing
  // both is how a backend that counts views lets go.
  const run = async (timed: (keep: (t: T | null) => void) => Promise<number>) => {
    const made: T[] = [];
    try {
      return await timed((t) => t && made.push(t));
    } finally {
      for (const t of made) backend.free(t);
    }
  };
  try {
    const forward = await measureMedianAsync(() => run((keep) => backend.measure(async () => keep(await layer.forward(x)))), timing);
    const backward = await measureMedianAsync(
      () =>
        run(async (keep) => {
          keep(await layer.forward(x));
          return backend.measure(async () => keep(await layer.backward(grad)));
        }),
      timing,
    );
    return { forwardMs: forward.medianMs, backwardMs: backward.medianMs, repeats: Math.min(forward.repeats, backward.repeats) };
  } finally {
    backend.free(x);
    backend.free(grad);
  }
}

const ZERO_PASS = { denseMacs: 0, idealMacs: 0, executedMacs: 0 };

/**
 * Measures every layer of `model` on a batch, on the CPU. `onLayer` hears each layer as it is done (for a
 * progress bar). The model's execution policy decides which kernels run (and so the executed MACs).
 */
export async function measureLayerCosts(
  model: Model,
  x: Tensor,
  labels: ArrayLike<number>,
  timing: MeasureOptions,
  onLayer: (done: number, total: number, layer: string) => void = () => {},
): Promise<LayerCostReport & { trace: BatchTrace }> {
  const trace = await traceBatch(model, x, labels);
  let repeats = Infinity;
  const layers: LayerCost[] = [];
  for (const [i, layer] of model.layers.entries()) {
    const times = await timeLayer(model.backend, layer, trace.inputs[i], trace.outputGrads[i], timing);
    repeats = Math.min(repeats, times.repeats);
    // The counters of the last timed forward and backward: the layer's own, as in training.
    const report = layer.report;
    const weight = layer.params().find((p) => p.name.endsWith('.weight'));
    const weights =
      report && weight
        ? {
            count: weight.value.size,
            nonzeros: nonzeros(weight.value.data),
            denseBytes: report.bytes.weightsDense,
            compressedBytes: report.bytes.weightsCompressed,
          }
        : null;
    const pass = (p: { denseMacs: number; idealMacs: number | null; executedMacs: number } | null | undefined) =>
      p ? { denseMacs: p.denseMacs, idealMacs: p.idealMacs ?? 0, executedMacs: p.executedMacs } : ZERO_PASS;
    const out = trace.outputs[i];
    const outNonzeros = nonzeros(out.data);
    const outBytes =
      out.shape.length === 4
        ? storageBytes('activations', out.shape, outNonzeros)
        : { dense: 4 * out.size, compressed: 4 * (out.shape[0] + 1) + 8 * outNonzeros };
    onLayer(i + 1, model.layers.length, layer.name);
    layers.push({
      layer: layer.name,
      type: layer.spec.type,
      kernel: report?.kernel ?? null,
      forward: { ...pass(report?.forward), cpuMs: times.forwardMs, wasmMs: null, gpuMs: null },
      backward: { ...pass(report?.backward), cpuMs: times.backwardMs, wasmMs: null, gpuMs: null },
      weights,
      output: { shape: out.shape.slice(), nonzeros: outNonzeros, denseBytes: outBytes.dense, compressedBytes: outBytes.compressed },
    });
  }
  return { batch: x.shape[0], layers, cpuRepeats: repeats, trace };
}

/**
 * Fills in `wasmMs` or `gpuMs` of every layer of a CPU cost report: the same network on `backend`, with the
 * CPU model's weights and the kernel choices its policy made on this batch (the same rule picks them on every
 * backend; fixing them keeps the timed passes free of read-backs), fed the same batch trace.
 */
export async function addBackendTimes<T extends DeviceTensor>(
  backend: Backend<T>,
  model: Model,
  report: LayerCostReport,
  trace: BatchTrace,
  repeats: number,
  onLayer: (done: number, total: number) => void = () => {},
): Promise<void> {
  const field = backend.name === 'wasm' ? 'wasmMs' : 'gpuMs';
  const device = new Model(model.spec, 0, backend);
  try {
    device.setWeights(model.weights());
    const chosen = model.weightedLayers();
    device.weightedLayers().forEach((layer, i) => (layer.fixedKernel = chosen[i].report?.kernelName ?? 'dense'));
    for (const [i, layer] of device.layers.entries()) {
      const times = await timeLayer(backend, layer, trace.inputs[i], trace.outputGrads[i], { minMs: 0, minRepeats: repeats });
      report.layers[i].forward[field] = times.forwardMs;
      report.layers[i].backward[field] = times.backwardMs;
      onLayer(i + 1, device.layers.length);
    }
  } finally {
    device.destroy();
  }
}
