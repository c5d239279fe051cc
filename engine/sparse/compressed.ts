/**
 * Compressed storage for the sparse kernels.
 *
 * - Activations, per image: the nonzeros of each channel as (position, value) lists (CSR over channels).
 * - Weights: grouped by (input channel c, tap m, l): the nonzero w[k, c, m, l] of every output channel k.
 *   A nonzero input x[c, i, j] meets exactly the weights of its channel's groups, one group per tap, which
 *   is what makes SCNN's Cartesian product a pair of nested loops over two short lists.
 *
 * Byte counts: values are float32 (4 bytes), indices int32 (4 bytes), offsets int32.
 */
import { expectRank, Tensor } from '../tensor/tensor';

export interface CompressedActivations {
  channels: number;
  height: number;
  width: number;
  /** Channel c's nonzeros are entries offsets[c] … offsets[c+1] − 1. */
  offsets: Int32Array;
  /** In-plane index i·W + j. */
  positions: Int32Array;
  values: Float32Array;
}

/** Compresses image `n` of x ([N, C, H, W]). Reuses `into`'s arrays when they are large enough. */
export function compressActivations(x: Tensor, n: number, into?: CompressedActivations): CompressedActivations {
  expectRank('compressActivations', 'activations', x.shape, 4);
  const [, C, H, W] = x.shape;
  const plane = H * W;
  let nonzeros = 0;
  const start = n * C * plane;
  for (let i = start; i < start + C * plane; i++) if (x.data[i] !== 0) nonzeros++;
  const offsets = into && into.offsets.length >= C + 1 ? into.offsets : new Int32Array(C + 1);
  const positions = into && into.positions.length >= nonzeros ? into.positions : new Int32Array(Math.max(nonzeros, 1));
  const values = into && into.values.length >= nonzeros ? into.values : new Float32Array(Math.max(nonzeros, 1));
  let e = 0;
  for (let c = 0; c < C; c++) {
    offsets[c] = e;
    const base = start + c * plane;
    for (let p = 0; p < plane; p++) {
      const v = x.data[base + p];
      if (v !== 0) {
        positions[e] = p;
        values[e] = v;
        e++;
      }
    }
  }
  offsets[C] = e;
  return { channels: C, height: H, width: W, offsets, positions, values };
}

/**
 * Conv weights as the Cartesian product reads them: the kept weights grouped by tap, with their values —
 * a view of the layer's WeightPattern (weightPattern.ts: compressedView, compressWeights).
 */
export interface CompressedWeights {
  outChannels: number;
  inChannels: number;
  kernelH: number;
  kernelW: number;
  /** Group g = (c·KH + m)·KW + l holds entries offsets[g] … offsets[g+1] − 1. */
  offsets: Int32Array;
  /** The output channel k of each entry, ascending within a group. */
  outChannel: Int32Array;
  values: Float32Array;
  /** Index of each entry's weight in the dense [K, C, KH, KW] tensor (to scatter weight gradients back). */
  denseIndex: Int32Array;
  nonzeros: number;
}

/** Bytes to store a tensor densely (float32) and compressed (values, indices and offsets as above). */
export function storageBytes(kind: 'activations' | 'weights', shape: readonly number[], nonzeros: number) {
  const dense = 4 * shape.reduce((a, b) => a * b, 1);
  // Activations: per image, C + 1 offsets and a position per nonzero. Conv weights: C·KH·KW + 1 offsets and
  // an output channel per nonzero; a fully connected [out, in] matrix in CSR: out + 1 offsets and a column
  // per nonzero.
  const groups = kind === 'activations' ? shape[0] * (shape[1] + 1) : shape.length === 2 ? shape[0] + 1 : shape[1] * shape[2] * shape[3] + 1;
  return { dense, compressed: 4 * groups + 8 * nonzeros };
}

/**
 * One image's nonzeros indexed by (channel, row): entries of channel c in row i are
 * rowPtr[c·H + i] … rowPtr[c·H + i + 1] − 1, each with its column and value. The stride-1 sparse kernels
 * use the row index to skip, per tap, the rows whose products would fall outside the output.
 */
export interface RowIndexedActivations {
  channels: number;
  height: number;
  width: number;
  rowPtr: Int32Array;
  col: Int32Array;
  values: Float32Array;
  nonzeros: number;
}

export function rowIndexActivations(x: Tensor, n: number, into?: RowIndexedActivations): RowIndexedActivations {
  expectRank('rowIndexActivations', 'activations', x.shape, 4);
  const [, C, H, W] = x.shape;
  const start = n * C * H * W;
  const end = start + C * H * W;
  let nonzeros = 0;
  for (let i = start; i < end; i++) if (x.data[i] !== 0) nonzeros++;
  const rowPtr = into && into.rowPtr.length >= C * H + 1 ? into.rowPtr : new Int32Array(C * H + 1);
  const col = into && into.col.length >= nonzeros ? into.col : new Int32Array(Math.max(nonzeros, 16));
  const values = into && into.values.length >= nonzeros ? into.values : new Float32Array(Math.max(nonzeros, 16));
  let e = 0;
  for (let r = 0; r < C * H; r++) {
    rowPtr[r] = e;
    const base = start + r * W;
    for (let j = 0; j < W; j++) {
      const v = x.data[base + j];
      if (v !== 0) {
        col[e] = j;
        values[e] = v;
        e++;
      }
    }
  }
  rowPtr[C * H] = e;
  return { channels: C, height: H, width: W, rowPtr, col, values, nonzeros };
}
