/**
 * What each layer of a model costs on one batch, forward and backward: multiply–accumulates in three
 * conventions (dense, ideal sparse, executed), measured CPU time, and memory of its weights and output,
 * dense and compressed. Conv layers report their counters themselves (the same ones training reports);
 * linear layers report their kernel and executed multiplies, and their ideal counts are made here, exactly,
 * from the batch's zeros.
 */
import { Conv2dLayer, Layer, LinearLayer } from '../model/layers';
import { Model } from '../model/model';
import { LayerSpec } from '../model/spec';
import { softmaxCrossEntropy } from '../ops/softmaxCrossEntropy';
import { storageBytes } from '../sparse/compressed';
import { Tensor } from '../tensor/tensor';
import { measureMedian, MeasureOptions } from './measure';

export interface PassCost {
  denseMacs: number;
  idealMacs: number;
  executedMacs: number;
  /** Median CPU time of this layer's pass over the batch. */
  cpuMs: number;
  /** Median WebGPU time, when measured (see gpuLayerCost.ts). */
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

function nonzeros(values: Float32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

/**
 * Exact counters of a linear layer y = x·Wᵀ + b on this batch (x [N, in], W [out, in], dy [N, out]). Ideal:
 * forward, pairs of a nonzero input and a nonzero weight; ∂x, pairs of a nonzero ∂y and a nonzero weight;
 * ∂W, only at kept weights, pairs of a nonzero ∂y and a nonzero input. Executed: what the dense GEMM multiplies
 * (the layer itself reports what its kernel ran).
 */
export function linearCounts(x: Tensor, w: Tensor, dy: Tensor, needInputGrad: boolean) {
  const [N, inF] = x.shape;
  const outF = w.shape[0];
  const colNonzeros = new Int32Array(inF);
  const rowNonzeros = new Int32Array(outF);
  for (let o = 0; o < outF; o++)
    for (let i = 0; i < inF; i++)
      if (w.data[o * inF + i] !== 0) {
        colNonzeros[i]++;
        rowNonzeros[o]++;
      }
  let forwardIdeal = 0;
  let inputGradIdeal = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < inF; i++) if (x.data[n * inF + i] !== 0) forwardIdeal += colNonzeros[i];
    for (let o = 0; o < outF; o++) if (dy.data[n * outF + o] !== 0) inputGradIdeal += rowNonzeros[o];
  }
  // ∂W[o, i] = Σ_n dy[n, o]·x[n, i], needed at kept weights only.
  let weightGradIdeal = 0;
  const xActive: Int32Array[] = Array.from({ length: N }, (_, n) => {
    const list: number[] = [];
    for (let i = 0; i < inF; i++) if (x.data[n * inF + i] !== 0) list.push(i);
    return Int32Array.from(list);
  });
  for (let n = 0; n < N; n++)
    for (let o = 0; o < outF; o++) {
      if (dy.data[n * outF + o] === 0) continue;
      const row = o * inF;
      for (const i of xActive[n]) if (w.data[row + i] !== 0) weightGradIdeal++;
    }
  const dense = N * inF * outF;
  return {
    forward: { denseMacs: dense, idealMacs: forwardIdeal, executedMacs: dense },
    backward: {
      denseMacs: dense * (needInputGrad ? 2 : 1),
      idealMacs: weightGradIdeal + (needInputGrad ? inputGradIdeal : 0),
      executedMacs: dense * (needInputGrad ? 2 : 1),
    },
  };
}

/** What a layer's forward and backward see on this batch: inputs, and gradients of its output. */
export interface BatchTrace {
  inputs: Tensor[];
  outputs: Tensor[];
  /** ∂L/∂(output of layer i), from the softmax cross-entropy of the batch's labels. */
  outputGrads: Tensor[];
}

/** One forward and backward pass over the batch, keeping every layer's input, output and output gradient. */
export function traceBatch(model: Model, x: Tensor, labels: ArrayLike<number>): BatchTrace {
  const inputs: Tensor[] = [];
  const outputs: Tensor[] = [];
  let out = x;
  for (const layer of model.layers) {
    inputs.push(out);
    out = layer.forward(out);
    outputs.push(out);
  }
  const outputGrads: Tensor[] = new Array(model.layers.length);
  let grad: Tensor | null = softmaxCrossEntropy(out, labels).dlogits;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    outputGrads[i] = grad ?? new Tensor(outputs[i].shape);
    grad = model.layers[i].backward(grad ?? outputGrads[i]);
  }
  return { inputs, outputs, outputGrads };
}

const ZERO_PASS = { denseMacs: 0, idealMacs: 0, executedMacs: 0 };

/**
 * Measures every layer of `model` on a batch, on the CPU. `onLayer` hears each layer as it is done (for a
 * progress bar). The model's execution policy decides which conv kernels run (and so the executed MACs).
 */
export function measureLayerCosts(
  model: Model,
  x: Tensor,
  labels: ArrayLike<number>,
  timing: MeasureOptions,
  onLayer: (done: number, total: number, layer: string) => void = () => {},
): LayerCostReport & { trace: BatchTrace } {
  const trace = traceBatch(model, x, labels);
  let repeats = Infinity;
  const layers = model.layers.map((layer: Layer, i): LayerCost => {
    const input = trace.inputs[i];
    const dy = trace.outputGrads[i];
    const forwardTime = measureMedian(() => layer.forward(input), timing);
    // Backward needs the forward's saved input: an untimed forward before each timed backward.
    const backwardTime = measureMedian(
      () => layer.backward(dy),
      timing,
      () => layer.forward(input),
    );
    repeats = Math.min(repeats, forwardTime.repeats, backwardTime.repeats);
    let forward = ZERO_PASS;
    let backward = ZERO_PASS;
    let kernel: LayerCost['kernel'] = null;
    let weights: LayerCost['weights'] = null;
    if (layer instanceof Conv2dLayer) {
      layer.forward(input);
      layer.backward(dy);
      const report = layer.report!;
      kernel = report.kernel;
      forward = report.forward;
      backward = report.backward ?? ZERO_PASS;
      weights = {
        count: layer.weight.value.size,
        nonzeros: nonzeros(layer.weight.value.data),
        denseBytes: report.bytes.weightsDense,
        compressedBytes: report.bytes.weightsCompressed,
      };
    } else if (layer instanceof LinearLayer) {
      // The kernel and what it multiplied are the layer's own (dense GEMM or the CSR kernel); the ideal
      // counts are exact here, the zeros of ∂y included.
      layer.forward(input);
      layer.backward(dy);
      const report = layer.report!;
      const counts = linearCounts(input, layer.weight.value, dy, layer.needsInputGrad);
      kernel = report.kernel;
      forward = { ...counts.forward, executedMacs: report.forward.executedMacs };
      backward = { ...counts.backward, executedMacs: report.backward?.executedMacs ?? counts.backward.executedMacs };
      const w = layer.weight.value;
      const nnz = nonzeros(w.data);
      // CSR by output row: out + 1 offsets, and a column index beside each value.
      weights = { count: w.size, nonzeros: nnz, denseBytes: 4 * w.size, compressedBytes: 4 * (w.shape[0] + 1) + 8 * nnz };
    }
    const out = trace.outputs[i];
    const outNonzeros = nonzeros(out.data);
    const outBytes =
      out.shape.length === 4
        ? storageBytes('activations', out.shape, outNonzeros)
        : { dense: 4 * out.size, compressed: 4 * (out.shape[0] + 1) + 8 * outNonzeros };
    onLayer(i + 1, model.layers.length, layer.name);
    return {
      layer: layer.name,
      type: layer.spec.type,
      kernel,
      forward: { ...forward, cpuMs: forwardTime.medianMs, gpuMs: null },
      backward: { ...backward, cpuMs: backwardTime.medianMs, gpuMs: null },
      weights,
      output: { shape: out.shape.slice(), nonzeros: outNonzeros, denseBytes: outBytes.dense, compressedBytes: outBytes.compressed },
    };
  });
  return { batch: x.shape[0], layers, cpuRepeats: repeats, trace };
}
