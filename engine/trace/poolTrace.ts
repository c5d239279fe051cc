/**
 * Traces of max pooling for the step-through: per window, the elements the dense pool compares, the ones in
 * Ω_k the sparse pool looks at, and the winner — the engine's own pools produce the values; this only
 * lays out where they came from.
 */
import { maxPool2dForward, MaxPool2dOptions, maxPool2dOutputShape } from '../ops/maxPool2d';
import { sparseMaxPool2dForward } from '../ops/sparseMaxPool2d';
import { Tensor } from '../tensor/tensor';

export interface PoolWindowTrace {
  /** Output index c·OH·OW + oi·OW + oj. */
  output: number;
  /** The window's input indices c·H·W + i·W + j, in window order (row by row). */
  elements: number[];
  /** Those that are nonzero (Ω_k of the window). */
  nonzero: number[];
  /** The input index the dense pool chose, and the sparse pool's (−1 for a window with no nonzero). */
  denseWinner: number;
  sparseWinner: number;
  denseValue: number;
  sparseValue: number;
}

export interface PoolTrace {
  shape: number[];
  windows: PoolWindowTrace[];
  /** Elements examined: dense = every element of every window; sparse = every (nonzero, window) pair. */
  counts: { denseExamined: number; sparseExamined: number; emptyWindows: number };
}

/** Traces image 0 of x ([1, C, H, W]). */
export function tracePool(x: Tensor, opts: MaxPool2dOptions): PoolTrace {
  if (x.shape.length !== 4 || x.shape[0] !== 1) throw new RangeError(`tracePool traces one image [1, C, H, W], got [${x.shape.join(', ')}]`);
  const shape = maxPool2dOutputShape(x.shape, opts);
  const [, C, OH, OW] = shape;
  const [, , H, W] = x.shape;
  const dense = maxPool2dForward(x, opts);
  const sparse = sparseMaxPool2dForward(x, opts);
  const windows: PoolWindowTrace[] = [];
  let emptyWindows = 0;
  for (let c = 0; c < C; c++)
    for (let oi = 0; oi < OH; oi++)
      for (let oj = 0; oj < OW; oj++) {
        const output = (c * OH + oi) * OW + oj;
        const elements: number[] = [];
        for (let m = 0; m < opts.kernelSize; m++)
          for (let l = 0; l < opts.kernelSize; l++) elements.push((c * H + oi * opts.stride + m) * W + oj * opts.stride + l);
        const nonzero = elements.filter((e) => x.data[e] !== 0);
        if (nonzero.length === 0) emptyWindows++;
        windows.push({
          output,
          elements,
          nonzero,
          denseWinner: dense.argmax[output],
          sparseWinner: sparse.argmax[output],
          denseValue: dense.y.data[output],
          sparseValue: sparse.y.data[output],
        });
      }
  return { shape: shape.slice(1), windows, counts: { ...sparse.cost, emptyWindows } };
}
