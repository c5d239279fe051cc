/**
 * The small convolution a learner steps through: a CIFAR-10 image shrunk to a few pixels and thresholded so
 * that zeros exist (as a ReLU would make them), a few seeded filters pruned by magnitude, and the engine's
 * traces of the convolution over them.
 */
import { IMAGE_BYTES } from '../data/cifar10';
import { Prng } from '../random/prng';
import { applyMasks, magnitudeMasks } from '../sparse/pruning';
import { Tensor } from '../tensor/tensor';
import { ConvTrace, traceConv2d } from './convTrace';
import { sparseConv2dForward } from '../ops/sparseConv2d';
import { ConvSceneParams, convSceneProblem } from './convSceneParams';

export interface ConvScene {
  params: ConvSceneParams;
  /** [1, channels, size, size]: the input maps (brightness, or red and blue; 0 below the threshold). */
  x: Tensor;
  /** [filters, channels, k, k], pruned. */
  w: Tensor;
  b: Tensor;
  trace: ConvTrace;
  /** The engine's own sparse convolution of x (what the playback must add up to). */
  engineY: Float32Array;
}

/**
 * Levels of a CIFAR-10 image (CHW bytes) in [0, 1], averaged down to size×size: over the colour channels
 * `colours` (0 red, 1 green, 2 blue), all three (grey) by default.
 */
export function shrinkImage(image: Uint8Array, size: number, colours: readonly number[] = [0, 1, 2]): Float32Array {
  if (image.length !== IMAGE_BYTES) throw new RangeError(`a CIFAR-10 image has ${IMAGE_BYTES} bytes, got ${image.length}`);
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const [r0, r1] = [Math.floor((i * 32) / size), Math.floor(((i + 1) * 32) / size)];
      const [c0, c1] = [Math.floor((j * 32) / size), Math.floor(((j + 1) * 32) / size)];
      let sum = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) for (const ch of colours) sum += image[ch * 1024 + r * 32 + c];
      out[i * size + j] = sum / (colours.length * 255 * (r1 - r0) * (c1 - c0));
    }
  return out;
}

/** What each input channel of the scene shows: the brightness, or the red and the blue. */
const CHANNEL_COLOURS: Record<number, number[][]> = { 1: [[0, 1, 2]], 2: [[0], [2]] };

/** The scene's operands without tracing them: the thresholded input maps, the pruned filters, a zero bias. */
export function buildConvOperands(image: Uint8Array, params: ConvSceneParams): { x: Tensor; w: Tensor; b: Tensor } {
  const problem = convSceneProblem(params);
  if (problem) throw new RangeError(problem);
  const { size, kernelSize: k, filters, channels, threshold, pruning, seed } = params;
  const x = new Tensor([1, channels, size, size]);
  CHANNEL_COLOURS[channels].forEach((colours, c) =>
    x.data.set(
      shrinkImage(image, size, colours).map((v) => (v >= threshold ? Math.round(v * 100) / 100 : 0)),
      c * size * size,
    ),
  );
  // Small, readable weights (one decimal) so a learner can follow each product.
  const rng = new Prng(seed);
  const w = new Tensor([filters, channels, k, k]);
  for (let i = 0; i < w.size; i++) w.data[i] = Math.round(rng.normal() * 10) / 10 || 0.1;
  if (pruning > 0) {
    const p = { name: 'filters.weight', value: w, grad: new Tensor(w.shape) };
    applyMasks([p], magnitudeMasks([p], pruning));
  }
  return { x, w, b: new Tensor([filters]) };
}

export function buildConvScene(image: Uint8Array, params: ConvSceneParams): ConvScene {
  const { x, w, b } = buildConvOperands(image, params);
  const opts = { stride: params.stride, padding: params.padding };
  const trace = traceConv2d(x, w, b, opts, params.mode);
  const engineY = sparseConv2dForward(x, w, b, opts, params.mode).y.data;
  return { params, x, w, b, trace, engineY };
}
