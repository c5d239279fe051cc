/**
 * The roofline of one backend on this device (Williams, Waterman and Patterson, 2009): a kernel runs no faster
 * than the device computes — the roof, here the GFLOP/s of the backend's best dense kernel — nor faster than
 * memory can feed it: bandwidth × arithmetic intensity, the FLOPs it does per byte it moves. Every weighted
 * layer's kernels, dense and sparse, are placed on it by the intensity the engine counts and the speed
 * measured here, at several pruning levels: a sparse kernel slides from under the compute roof down the
 * memory slope as its zeros grow — fewer multiplies, but each needs more bytes (values and their indices).
 * That is why fewer multiplies is not proportionally less time.
 */
import type { Backend, ConvKernel, DeviceTensor, LinearKernel } from '../backend/backend';
import { conv2dCost, conv2dGeometry } from '../ops/conv2d';
import { Model } from '../model/model';
import { Prng } from '../random/prng';
import { storageBytes } from '../sparse/compressed';
import { measureMedianAsync, MeasureOptions } from './measure';
import { freeOperands, sweepOperands, timeConv } from './sweep';
import { type BatchTrace, nonzeros } from './layerCost';

export interface Roof {
  /** GFLOP/s of the backend's best dense kernel: the seed model's conv2 forward at batch 32, or a faster dense layer measured beside it. */
  peakGflops: number;
  /** GB/s streamed by y ← a·y + b·x over arrays larger than the caches (two values read, one written). */
  bandwidthGBs: number;
}

/** Values per array in the streaming measurement: 32 MB each, beyond the caches of most devices. */
export const STREAM_VALUES = 8 * 1024 * 1024;

/** Where intensity crosses from memory-bound to compute-bound: FLOPs per byte. */
export const ridgeIntensity = (roof: Roof) => roof.peakGflops / roof.bandwidthGBs;

/** The speed the roof allows at `intensity` FLOPs per byte, in GFLOP/s. */
export const attainableGflops = (roof: Roof, intensity: number) => Math.min(roof.peakGflops, roof.bandwidthGBs * intensity);

/** The roof of `backend` here: its peak dense compute and its streaming bandwidth. */
export async function measureRoof<T extends DeviceTensor>(backend: Backend<T>, timing: MeasureOptions, streamValues = STREAM_VALUES): Promise<Roof> {
  const dense = sweepOperands(backend, 32, 1, 1, new Prng(7));
  let peakGflops: number;
  try {
    const ms = (await timeConv(backend, dense, 'dense', 'forward', timing)).medianMs;
    peakGflops = (2 * conv2dCost(conv2dGeometry(dense.x.shape, dense.w.shape, dense.conv)).macs) / ms / 1e6;
  } finally {
    freeOperands(backend, dense);
  }
  const x = backend.tensor([streamValues], new Float32Array(streamValues).fill(1));
  const y = backend.tensor([streamValues]);
  try {
    const { medianMs } = await measureMedianAsync(() => backend.measure(() => backend.scaleAdd(y, x, 0.5, 0.5)), timing);
    return { peakGflops, bandwidthGBs: (3 * 4 * streamValues) / medianMs / 1e6 };
  } finally {
    backend.free(x);
    backend.free(y);
  }
}

/** The roof raised to the fastest dense kernel among `points`: the roof is what the backend's best dense kernel reaches. */
export function roofOverDense(roof: Roof, points: RooflinePoint[]): Roof {
  const fastest = Math.max(roof.peakGflops, ...points.filter((p) => p.kernel === 'dense').map((p) => p.gflops));
  return { ...roof, peakGflops: fastest };
}

export interface RooflinePoint {
  layer: string;
  kernel: ConvKernel | LinearKernel;
  /** The fraction of zeros the model's pruned layers were given. */
  prune: number;
  /** The layer's weight density and input density on this batch. */
  weightDensity: number;
  inputDensity: number;
  /** 2 × the multiplies the kernel executed (its own count: zeros included for dense, skipped for sparse). */
  flops: number;
  /** Bytes the kernel must at least move: its input and weights as it reads them (compressed or dense), its dense output. */
  bytes: number;
  /** Median forward time. */
  ms: number;
  intensity: number;
  gflops: number;
}

/**
 * Bytes a kernel must at least move for one forward pass: the Cartesian product reads the input compressed
 * (values and positions), every sparse kernel reads the weights compressed, dense reads both dense; each
 * writes its output dense.
 */
export function kernelBytes(
  kernel: ConvKernel | LinearKernel,
  input: { shape: readonly number[]; nonzeros: number },
  weights: { dense: number; compressed: number },
  outputValues: number,
): number {
  const inputBytes = kernel === 'cartesian' ? storageBytes('activations', input.shape, input.nonzeros).compressed : 4 * input.shape.reduce((a, b) => a * b, 1);
  return inputBytes + (kernel === 'dense' ? weights.dense : weights.compressed) + 4 * outputValues;
}

/**
 * Every weighted layer of `model` (its weights, on `backend`) with each kernel the backend has for it, timed
 * forward on the trace's real inputs and placed by the counts its own report gives. `prune` labels the points.
 */
export async function measureLayerRoofline<T extends DeviceTensor>(
  backend: Backend<T>,
  model: Model,
  trace: BatchTrace,
  prune: number,
  timing: MeasureOptions,
  shouldStop: () => boolean = () => false,
): Promise<RooflinePoint[]> {
  const device = new Model(model.spec, 0, backend);
  const points: RooflinePoint[] = [];
  try {
    device.setWeights(model.weights());
    for (const layer of device.weightedLayers()) {
      const i = device.layers.indexOf(layer);
      const input = trace.inputs[i];
      const inputNonzeros = nonzeros(input.data);
      const kernels: (ConvKernel | LinearKernel)[] = layer.spec.type === 'conv2d' ? ['dense', ...backend.sparseConvKernels] : ['dense', 'csr'];
      for (const kernel of kernels) {
        if (shouldStop()) return points;
        layer.fixedKernel = kernel;
        const x = backend.tensor(input.shape, input.data);
        try {
          // Each output freed after its run: a fast layer repeats hundreds of times within the timing budget.
          const { medianMs } = await measureMedianAsync(async () => {
            let y: T | null = null;
            const ms = await backend.measure(async () => (y = await layer.forward(x)));
            if (y) backend.free(y);
            return ms;
          }, timing);
          const report = layer.report!;
          const flops = 2 * report.forward.executedMacs;
          const bytes = kernelBytes(
            kernel,
            { shape: input.shape, nonzeros: inputNonzeros },
            { dense: report.bytes.weightsDense, compressed: report.bytes.weightsCompressed },
            trace.outputs[i].size,
          );
          points.push({
            layer: layer.name,
            kernel,
            prune,
            weightDensity: report.weightDensity,
            inputDensity: input.size ? inputNonzeros / input.size : 0,
            flops,
            bytes,
            ms: medianMs,
            intensity: flops / bytes,
            gflops: flops / medianMs / 1e6,
          });
        } finally {
          backend.free(x);
        }
      }
    }
    return points;
  } finally {
    device.destroy();
  }
}
