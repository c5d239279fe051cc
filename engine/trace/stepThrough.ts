/**
 * What the step-through figure asks the engine for: its picture (a test image, the learner's picture or
 * drawing, or a built-in one), the traced convolution over it, and what follows (pool, backpropagation).
 */
import { IMAGE_BYTES, ImageSet } from '../data/cifar10';
import { conv2dGeometry } from '../ops/conv2d';
import { reluForward } from '../ops/relu';
import { sparseConv2dForward } from '../ops/sparseConv2d';
import { Prng } from '../random/prng';
import { Tensor } from '../tensor/tensor';
import { buildConvOperands, buildConvScene, ConvScene } from './convScene';
import type { ConvSceneParams } from './convSceneParams';
import { traceConv2dBackward } from './convTrace';
import { tracePool } from './poolTrace';

/** The test images the step-through can show, with their class names. */
export interface TestImages {
  set: ImageSet;
  classNames: string[];
}

/** What the step-through convolves: a test image by index, a picture of the learner's, or (null) the built-in one. */
export type SceneSource = number | { image: Uint8Array; label: string } | { drawing: number[]; label: string } | null;

/** A square drawing (brightness 0…1 per cell, row by row) blown up to a 32×32 grey image, nearest cell. */
export function drawingToImage(drawing: number[]): Uint8Array {
  const side = Math.round(Math.sqrt(drawing.length));
  if (side * side !== drawing.length || side < 1 || side > 32)
    throw new RangeError(`a drawing must be a square of at most 32×32 cells, got ${drawing.length} cells`);
  const image = new Uint8Array(IMAGE_BYTES);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, drawing[Math.floor((r * side) / 32) * side + Math.floor((c * side) / 32)] || 0)));
      for (let ch = 0; ch < 3; ch++) image[ch * 1024 + r * 32 + c] = v;
    }
  return image;
}

/**
 * The step-through's convolution on test image `index` (or, with no data, on a built-in picture), traced
 * by the engine. Also returns the image itself and its class, for the page to show.
 */
export function convSceneOf(source: SceneSource, params: ConvSceneParams, test: TestImages | null): ConvScene & { image: Uint8Array; label: string } {
  const { image, label } = sceneImage(source, test);
  return { ...buildConvScene(image, params), image, label };
}

/** The picture a scene source stands for, and how to name it. */
export function sceneImage(source: SceneSource, test: TestImages | null): { image: Uint8Array; label: string } {
  let image: Uint8Array;
  let label: string;
  const index = typeof source === 'number' ? source : null;
  if (source !== null && typeof source === 'object' && 'drawing' in source) {
    image = drawingToImage(source.drawing);
    label = source.label;
  } else if (source !== null && typeof source === 'object') {
    if (!(source.image instanceof Uint8Array) || source.image.length !== IMAGE_BYTES) throw new RangeError('a picture must be 32×32 RGB');
    image = source.image;
    label = source.label;
  } else if (index === null || !test) {
    image = builtInPicture();
    label = 'a built-in picture (CIFAR-10 is not loaded)';
  } else {
    const { set, classNames } = test;
    if (!(Number.isInteger(index) && index >= 0 && index < set.count)) throw new RangeError(`test image ${index} does not exist (there are ${set.count})`);
    image = set.images.slice(index * IMAGE_BYTES, (index + 1) * IMAGE_BYTES);
    label = classNames[set.labels[index]] ?? String(set.labels[index]);
  }
  return { image, label };
}

/**
 * What follows the step-through's convolution: the ReLU of its output pooled 2×2 (dense and sparse pool,
 * window by window), and sparse backpropagation from a seeded upstream gradient.
 */
export function convFollowUp(source: SceneSource, params: ConvSceneParams, test: TestImages | null) {
  const { x, w, b } = buildConvOperands(sceneImage(source, test).image, params);
  const y = sparseConv2dForward(x, w, b, { stride: params.stride, padding: params.padding }, params.mode).y;
  const g = conv2dGeometry(x.shape, w.shape, { stride: params.stride, padding: params.padding });
  const relu = reluForward(y);
  const pool = g.outH >= 2 && g.outW >= 2 ? { input: relu.data, trace: tracePool(relu, { kernelSize: 2, stride: 2 }) } : null;
  const rng = new Prng(params.seed + 100);
  const dy = new Tensor([1, g.outChannels, g.outH, g.outW]);
  for (let i = 0; i < dy.size; i++) dy.data[i] = Math.round(rng.normal() * 10) / 10;
  const backward = traceConv2dBackward(x, w, dy, { stride: params.stride, padding: params.padding }, params.mode);
  return { x: x.data, w: w.data, geometry: g, pool, dy: dy.data, backward };
}

/** A 32×32 picture (a bright disc on a dark ground with a bar) for when no CIFAR-10 image is at hand. */
function builtInPicture(): Uint8Array {
  const image = new Uint8Array(IMAGE_BYTES);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) {
      const disc = (r - 12) ** 2 + (c - 13) ** 2 < 64;
      const bar = r >= 22 && r < 27 && c >= 6 && c < 28;
      const v = disc ? 230 : bar ? 160 : 30 + ((r * 7 + c * 3) % 40);
      for (let ch = 0; ch < 3; ch++) image[ch * 1024 + r * 32 + c] = v;
    }
  return image;
}
