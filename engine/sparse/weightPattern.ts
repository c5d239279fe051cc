/**
 * Which weights a layer keeps: one structure for every sparse kernel on every backend, built once per
 * mask change (pruning recomputes masks every few hundred steps; an optimizer step changes the values every
 * step, never the pattern). It holds positions only — kernels read the values from the weight tensor
 * through `rowIndex` / `colIndex`, so nothing here goes stale when the weights move.
 *
 * A weight tensor is seen as a matrix of outputs × taps: [K, C, KH, KW] is K rows of C·KH·KW taps
 * (tap t = (c·KH + m)·KW + l), a fully connected [out, in] is `out` rows of `in` taps. The kept entries
 * are stored twice:
 * - by output row (CSR): what a forward pass and ∂w gather — row k is rowPtr[k] … rowPtr[k+1] − 1;
 * - by tap (CSC): what ∂x and the Cartesian product scatter — tap t is colPtr[t] … colPtr[t+1] − 1, its
 *   outputs ascending.
 */
import type { CompressedWeights } from './compressed';
import { expectRank, type Tensor } from '../tensor/tensor';

export interface WeightPattern {
  /** The dense weight shape. */
  shape: number[];
  outputs: number;
  taps: number;
  nonzeros: number;
  rowPtr: Int32Array;
  /** Tap of each entry in row order. */
  rowTap: Int32Array;
  /** Dense index (k·taps + t) of each entry in row order. */
  rowIndex: Int32Array;
  colPtr: Int32Array;
  /** Output row of each entry in tap order. */
  colOutput: Int32Array;
  /** Dense index of each entry in tap order. */
  colIndex: Int32Array;
}

/** The pattern of the entries of `kept` that are nonzero: a 0/1 pruning mask, or the weights themselves. */
export function weightPattern(shape: readonly number[], kept: ArrayLike<number>): WeightPattern {
  const outputs = shape[0];
  const taps = shape.slice(1).reduce((a, b) => a * b, 1);
  if (kept.length !== outputs * taps) throw new RangeError(`weight pattern: ${kept.length} entries for a [${shape.join(', ')}] weight`);
  const rowPtr = new Int32Array(outputs + 1);
  const colPtr = new Int32Array(taps + 1);
  for (let k = 0; k < outputs; k++)
    for (let t = 0; t < taps; t++) {
      if (kept[k * taps + t] === 0) continue;
      rowPtr[k + 1]++;
      colPtr[t + 1]++;
    }
  for (let k = 0; k < outputs; k++) rowPtr[k + 1] += rowPtr[k];
  for (let t = 0; t < taps; t++) colPtr[t + 1] += colPtr[t];
  const nonzeros = rowPtr[outputs];
  const rowTap = new Int32Array(nonzeros);
  const rowIndex = new Int32Array(nonzeros);
  const colOutput = new Int32Array(nonzeros);
  const colIndex = new Int32Array(nonzeros);
  const fill = colPtr.slice(0, taps);
  let e = 0;
  for (let k = 0; k < outputs; k++)
    for (let t = 0; t < taps; t++) {
      const i = k * taps + t;
      if (kept[i] === 0) continue;
      rowTap[e] = t;
      rowIndex[e++] = i;
      const q = fill[t]++;
      colOutput[q] = k;
      colIndex[q] = i;
    }
  return { shape: [...shape], outputs, taps, nonzeros, rowPtr, rowTap, rowIndex, colPtr, colOutput, colIndex };
}

/** Every entry kept: the pattern of a layer nobody pruned. */
export function densePattern(shape: readonly number[]): WeightPattern {
  return weightPattern(shape, new Uint8Array(shape.reduce((a, b) => a * b, 1)).fill(1));
}

/** The fraction of entries kept. */
export function patternDensity(p: WeightPattern): number {
  const size = p.outputs * p.taps;
  return size ? p.nonzeros / size : 0;
}

/**
 * The Cartesian product's view of a conv pattern: entries grouped by tap with the current values gathered
 * from `w` (O(nnz) per call, no search through the dense tensor). Without `w`, the groups alone (what
 * counting Ω's pairs needs).
 */
export function compressedView(p: WeightPattern, w: Tensor | null): CompressedWeights {
  const [K, C, KH, KW] = p.shape;
  const values = new Float32Array(w ? p.nonzeros : 0);
  if (w) for (let q = 0; q < p.nonzeros; q++) values[q] = w.data[p.colIndex[q]];
  return {
    outChannels: K,
    inChannels: C,
    kernelH: KH,
    kernelW: KW,
    offsets: p.colPtr,
    outChannel: p.colOutput,
    values,
    denseIndex: p.colIndex,
    nonzeros: p.nonzeros,
  };
}

/** A conv weight tensor's nonzeros, grouped by tap with their values: its pattern, viewed as above. */
export function compressWeights(w: Tensor): CompressedWeights {
  expectRank('compressWeights', 'weights', w.shape, 4);
  return compressedView(weightPattern(w.shape, w.data), w);
}
