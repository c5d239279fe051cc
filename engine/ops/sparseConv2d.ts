/**
 * Sparse 2-D convolution: the source article's
 *
 *   y[k, i, j] = Σ_{(m, l, c) ∈ Ω} x[c, i·s + m − p, j·s + l − p] · w[k, c, m, l]
 *
 * computed as SCNN's Cartesian product (Parashar et al., ISCA 2017): every nonzero input x[c, i, j] meets
 * every nonzero weight w[k, c, m, l] of its channel, and their product is added to the one output it lands
 * on, y[k, (i + p − m)/s, (j + p − l)/s]. Products that land between strided outputs or outside the output
 * are never computed. Zeros — in the input or in the weights — cost nothing.
 *
 * Two modes:
 * - 'regular': exactly the dense convolution (bias on every output); the set of outputs that receive any
 *   product grows with every layer ("Ω dilates").
 * - 'submanifold' (Graham & van der Maaten, 2017; SparseConvNet, spconv): outputs exist only at the active
 *   input sites (a site is a pixel with any nonzero channel); all others stay exactly 0, bias included, so
 *   Ω stays put. Needs stride 1 and "same" padding.
 *
 * Backward uses the same pairs: ∂L/∂x only at nonzero inputs (elsewhere the ReLU before this layer would
 * zero it anyway) and ∂L/∂w only at nonzero weights (pruned weights get no gradient and stay zero).
 *
 * A second kernel, weight-sparse direct convolution (below), serves inputs too dense for the Cartesian product to pay:
 * it skips zero weights only.
 *
 * Cost counters (per call, summed over the batch), conventions:
 * - denseMacs: what a dense convolution multiplies, padding taps included (conv2dCost);
 * - idealMacs: |pairs in Ω that land on a valid output| — the least any exact kernel must do;
 * - executedMacs: multiplies the kernel actually performed (the Cartesian product: exactly idealMacs; the
 *   weight-sparse kernel: every nonzero weight times every output position, zero inputs and padding included).
 */
import { Conv2dGeometry, conv2dCost, conv2dGeometry, Conv2dOptions } from './conv2d';
import { growScratch } from '../linalg/gemm';
import {
  compressActivations,
  CompressedActivations,
  compressWeights,
  CompressedWeights,
  rowIndexActivations,
  RowIndexedActivations,
} from '../sparse/compressed';
import { NDArray, ShapeError, Tensor } from '../tensor/tensor';

export type SparseConvMode = 'regular' | 'submanifold';

export interface SparseConvCost {
  denseMacs: number;
  idealMacs: number;
  executedMacs: number;
}

/** Throws unless `mode` suits the geometry: submanifold needs stride 1 and "same" padding. */
export function checkMode(g: Conv2dGeometry, mode: SparseConvMode): void {
  if (mode === 'submanifold' && (g.stride !== 1 || g.outH !== g.height || g.outW !== g.width)) {
    throw new ShapeError(
      `sparseConv2d: submanifold mode keeps outputs at the input's active sites, so it needs stride 1 and "same" padding ` +
        `(got stride ${g.stride}, padding ${g.padding}, a ${g.kernelH}×${g.kernelW} kernel: ${g.height}×${g.width} → ${g.outH}×${g.outW})`,
    );
  }
}

/** activeSites[n·H·W + i·W + j] = 1 when any channel of x is nonzero at (n, i, j). */
function activeSiteMask(x: NDArray): Uint8Array {
  const [N, C, H, W] = x.shape;
  const plane = H * W;
  const mask = new Uint8Array(N * plane);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * plane;
      for (let p = 0; p < plane; p++) if (x.data[base + p] !== 0) mask[n * plane + p] = 1;
    }
  return mask;
}

// ---------------------------------------------------------------------------------------------------------
// Reference: enumerate Ω pair by pair, in float64.

export function sparseConv2dForwardReference(x: NDArray, w: NDArray, b: NDArray | null, opts: Conv2dOptions, mode: SparseConvMode = 'regular') {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  checkMode(g, mode);
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  const active = mode === 'submanifold' ? activeSiteMask(x) : null;
  const y = new Float64Array(N * K * OH * OW);
  let idealMacs = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const xv = x.data[((n * C + c) * H + i) * W + j];
          if (xv === 0) continue; // not in Ω
          for (let k = 0; k < K; k++)
            for (let m = 0; m < KH; m++)
              for (let l = 0; l < KW; l++) {
                const wv = w.data[((k * C + c) * KH + m) * KW + l];
                if (wv === 0) continue; // not in Ω
                // x[c, i, j] is tap (m, l) of output (oi, oj) when i = oi·S + m − P.
                const ti = i + P - m;
                const tj = j + P - l;
                if (ti % S !== 0 || tj % S !== 0) continue;
                const oi = ti / S;
                const oj = tj / S;
                if (oi < 0 || oi >= OH || oj < 0 || oj >= OW) continue;
                if (active && !active[(n * OH + oi) * OW + oj]) continue;
                y[((n * K + k) * OH + oi) * OW + oj] += xv * wv;
                idealMacs++;
              }
        }
  if (b) {
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++)
        for (let o = 0; o < OH * OW; o++) {
          if (active && !active[n * OH * OW + o]) continue;
          y[(n * K + k) * OH * OW + o] += b.data[k];
        }
  }
  return { shape: [N, K, OH, OW], data: y, idealMacs };
}

// ---------------------------------------------------------------------------------------------------------
// Fast path. Per image: compress the input, accumulate into a channels-last buffer acc[(oi·OW + oj)·K + k]
// so that the innermost loop — over one weight group's output channels — writes within one short row, then
// transpose into NCHW.

let accScratch = new Float32Array(0);
let compressedScratch: CompressedActivations | undefined;

function accumulator(size: number): Float32Array {
  if (accScratch.length < size) accScratch = new Float32Array(size);
  accScratch.fill(0, 0, size);
  return accScratch;
}

// Stride-1 fast path (regular mode). For one weight group (input channel c, tap m, l), every nonzero input
// x[c, i, j] lands at output (i + P − m, j + P − l): the same shift for the whole channel. So a group is a
// few sparse axpys over the channel's nonzero list, y_k[(i + P − m)·OW + j + P − l] += w_k · x[c, i, j],
// taken four weights at a time so that each input is loaded once per four multiplies. Rows whose products
// would fall outside the output are skipped through the row index, columns by one comparison: nothing
// outside (Ω ∩ valid outputs) is multiplied.
//
// Speed, measured on seed conv2 shapes (batch 32, 32→64, 16×16): about 0.2–1.0 GFLOP/s of useful work.
// Scattered float32 read-modify-writes cost V8 far more than register-blocked sums, so this kernel wins
// where few pairs remain — at 10% input density it runs 2.5× (dense weights) to 12× (5% weights) the dense
// GEMM's speed — and leaves denser inputs to the weight-sparse kernel below.

let rowScratch: RowIndexedActivations | undefined;
let gxScratch = new Float64Array(0);

function inputGradScratch(size: number): Float64Array {
  if (gxScratch.length < size) gxScratch = new Float64Array(Math.max(size, 2 * gxScratch.length));
  gxScratch.fill(0, 0, size);
  return gxScratch;
}

/** Rows i of the input whose tap m lands inside the output: 0 ≤ i + P − m < OH. */
function validRows(g: Conv2dGeometry, m: number): [number, number] {
  return [Math.max(0, m - g.padding), Math.min(g.height - 1, g.outH - 1 + m - g.padding)];
}

let landingOutput = new Int32Array(0);
let landingValue = new Float32Array(0);
let landingEntry = new Int32Array(0);

function ensureLandingBuffers(size: number): void {
  if (landingOutput.length < size) {
    landingOutput = new Int32Array(size);
    landingValue = new Float32Array(size);
    landingEntry = new Int32Array(size);
  }
}

/**
 * Gathers the inputs of channel c whose tap (m, l) lands inside the output: their output index
 * (i + P − m)·OW + (j + P − l), value and entry in `ax`, into landingOutput/Value/Entry. Returns how many.
 */
function gatherLandings(ax: RowIndexedActivations, g: Conv2dGeometry, c: number, m: number, l: number): number {
  const { outW: OW, padding: P, height: H } = g;
  const [iLo, iHi] = validRows(g, m);
  const jLo = l - P; // valid columns: 0 ≤ j − jLo < OW
  const { rowPtr, col, values } = ax;
  let count = 0;
  for (let i = iLo; i <= iHi; i++) {
    const rowBase = (i + P - m) * OW - jLo;
    const end = rowPtr[c * H + i + 1];
    for (let e = rowPtr[c * H + i]; e < end; e++) {
      const j = col[e];
      if ((j - jLo) >>> 0 >= OW) continue;
      landingOutput[count] = rowBase + j;
      landingValue[count] = values[e];
      landingEntry[count] = e;
      count++;
    }
  }
  return count;
}

/**
 * For every weight group (c, m, l) with nonzeros, gathers the inputs of channel c that land through tap
 * (m, l) into the landing buffers and calls visit(first entry, end entry, landing count). Returns the number
 * of (input, weight) pairs visited.
 */
function forEachGroupLanding(
  ax: RowIndexedActivations,
  cw: CompressedWeights,
  g: Conv2dGeometry,
  visit: (qStart: number, qEnd: number, count: number) => void,
): number {
  ensureLandingBuffers(g.height * g.width);
  let pairs = 0;
  for (let c = 0; c < ax.channels; c++) {
    for (let m = 0; m < g.kernelH; m++) {
      for (let l = 0; l < g.kernelW; l++) {
        const group = (c * g.kernelH + m) * g.kernelW + l;
        const qStart = cw.offsets[group];
        const qEnd = cw.offsets[group + 1];
        if (qEnd === qStart) continue;
        const count = gatherLandings(ax, g, c, m, l);
        pairs += count * (qEnd - qStart);
        visit(qStart, qEnd, count);
      }
    }
  }
  return pairs;
}

/** Adds image n's products into y (NCHW, no bias) and returns how many it multiplied. */
function forwardStride1(ax: RowIndexedActivations, cw: CompressedWeights, g: Conv2dGeometry, y: Float32Array, yOff: number): number {
  const outPlane = g.outH * g.outW;
  const { outChannel, values: wVal } = cw;
  return forEachGroupLanding(ax, cw, g, (qStart, qEnd, count) => {
    const lo = landingOutput;
    const lv = landingValue;
    let q = qStart;
    for (; q + 4 <= qEnd; q += 4) {
      const o0 = yOff + outChannel[q] * outPlane;
      const o1 = yOff + outChannel[q + 1] * outPlane;
      const o2 = yOff + outChannel[q + 2] * outPlane;
      const o3 = yOff + outChannel[q + 3] * outPlane;
      const w0 = wVal[q],
        w1 = wVal[q + 1],
        w2 = wVal[q + 2],
        w3 = wVal[q + 3];
      for (let t = 0; t < count; t++) {
        const o = lo[t];
        const v = lv[t];
        y[o0 + o] += w0 * v;
        y[o1 + o] += w1 * v;
        y[o2 + o] += w2 * v;
        y[o3 + o] += w3 * v;
      }
    }
    for (; q < qEnd; q++) {
      const o0 = yOff + outChannel[q] * outPlane;
      const w0 = wVal[q];
      for (let t = 0; t < count; t++) y[o0 + lo[t]] += w0 * lv[t];
    }
  });
}

/**
 * The same pairs for the gradients of image n: dw (compressed, per weight entry) += x · dy, and, when
 * gx is given, gx (per input entry of `ax`) += Σ w · dy. Returns the number of pairs visited.
 */
function backwardStride1(
  ax: RowIndexedActivations,
  cw: CompressedWeights,
  g: Conv2dGeometry,
  dy: Float32Array,
  dyOff: number,
  dw: Float64Array,
  gx: Float64Array | null,
): number {
  const outPlane = g.outH * g.outW;
  const { outChannel, values: wVal } = cw;
  return forEachGroupLanding(ax, cw, g, (qStart, qEnd, count) => {
    const lo = landingOutput;
    const lv = landingValue;
    const le = landingEntry;
    let q = qStart;
    for (; q + 4 <= qEnd; q += 4) {
      const o0 = dyOff + outChannel[q] * outPlane;
      const o1 = dyOff + outChannel[q + 1] * outPlane;
      const o2 = dyOff + outChannel[q + 2] * outPlane;
      const o3 = dyOff + outChannel[q + 3] * outPlane;
      const w0 = wVal[q],
        w1 = wVal[q + 1],
        w2 = wVal[q + 2],
        w3 = wVal[q + 3];
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let t = 0; t < count; t++) {
        const o = lo[t];
        const v = lv[t];
        const d0 = dy[o0 + o],
          d1 = dy[o1 + o],
          d2 = dy[o2 + o],
          d3 = dy[o3 + o];
        s0 += v * d0;
        s1 += v * d1;
        s2 += v * d2;
        s3 += v * d3;
        if (gx) gx[le[t]] += w0 * d0 + w1 * d1 + w2 * d2 + w3 * d3;
      }
      dw[q] += s0;
      dw[q + 1] += s1;
      dw[q + 2] += s2;
      dw[q + 3] += s3;
    }
    for (; q < qEnd; q++) {
      const o0 = dyOff + outChannel[q] * outPlane;
      const w0 = wVal[q];
      let s0 = 0;
      for (let t = 0; t < count; t++) {
        const d0 = dy[o0 + lo[t]];
        s0 += lv[t] * d0;
        if (gx) gx[le[t]] += w0 * d0;
      }
      dw[q] += s0;
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Weight-sparse direct path. After a ReLU about half the inputs are nonzero: too many for the Cartesian
// product's scattered updates to pay, while pruned weights are still worth skipping. This kernel skips zero
// weights only, and reads the input in place — no im2col: a weight w[k, c, m, l] of output row oi meets the
// inputs x[c, oi·S + m − P, oj·S + l − P], which for 8 neighbouring outputs oj are 8 loads at one fixed
// offset (c, m, l) from the window's corner in a zero-padded copy of the image. So each output channel's
// nonzero weights (a sparse row, with those offsets precomputed) accumulate 8 outputs in registers, as the
// dense GEMM's micro-kernel does, at a cost per multiply close to the dense one's (XNNPACK's and SparseRT's
// sparse inference kernels are built the same way).
// It multiplies nnz(W) · (output positions) pairs per image: zero inputs and padding are not skipped.

export type SparseKernel = 'cartesian' | 'weightSparse';

/** The zero-padded copy of one image the direct kernel reads (float64, as the GEMM's panels). */
interface PaddedLayout {
  /** Row length: wide enough that 8 outputs of the last panel of a row never read into the next row. */
  rowStride: number;
  plane: number;
  /** Panels of 8 outputs per output row. */
  panels: number;
}

function paddedLayout(g: Conv2dGeometry): PaddedLayout {
  const panels = Math.ceil(g.outW / 8);
  const rowStride = Math.max(g.width + 2 * g.padding, (panels * 8 - 1) * g.stride + g.kernelW);
  return { rowStride, plane: (g.height + 2 * g.padding) * rowStride, panels };
}

let paddedScratch: Float64Array = new Float64Array(0);
let paddedGradScratch: Float64Array = new Float64Array(0);
let dyScratch: Float64Array = new Float64Array(0);

/** Image n of x into `into` (zeroed first), every channel padded per the layout. */
function padImage(x: Float32Array, n: number, g: Conv2dGeometry, layout: PaddedLayout, into: Float64Array): void {
  const { inChannels: C, height: H, width: W, padding: P } = g;
  into.fill(0, 0, C * layout.plane);
  for (let c = 0; c < C; c++) {
    const src = (n * C + c) * H * W;
    for (let i = 0; i < H; i++) {
      const dst = c * layout.plane + (i + P) * layout.rowStride + P;
      for (let j = 0; j < W; j++) into[dst + j] = x[src + i * W + j];
    }
  }
}

/** The nonzero weights, a sparse row per output channel, each entry with its offset in the padded image. */
interface WeightRows {
  rowPtr: Int32Array;
  offset: Int32Array;
  values: Float64Array;
  denseIndex: Int32Array;
  nonzeros: number;
}

function weightRows(w: Float32Array, g: Conv2dGeometry, layout: PaddedLayout): WeightRows {
  const { outChannels: K, inChannels: C, kernelH: KH, kernelW: KW } = g;
  const depth = C * KH * KW;
  let nonzeros = 0;
  for (let i = 0; i < K * depth; i++) if (w[i] !== 0) nonzeros++;
  const rows: WeightRows = {
    rowPtr: new Int32Array(K + 1),
    offset: new Int32Array(nonzeros),
    values: new Float64Array(nonzeros),
    denseIndex: new Int32Array(nonzeros),
    nonzeros,
  };
  let e = 0;
  for (let k = 0; k < K; k++) {
    rows.rowPtr[k] = e;
    for (let c = 0; c < C; c++)
      for (let m = 0; m < KH; m++)
        for (let l = 0; l < KW; l++) {
          const index = ((k * C + c) * KH + m) * KW + l;
          if (w[index] === 0) continue;
          rows.offset[e] = c * layout.plane + m * layout.rowStride + l;
          rows.values[e] = w[index];
          rows.denseIndex[e] = index;
          e++;
        }
  }
  rows.rowPtr[K] = e;
  return rows;
}

function weightSparseForward(x: Tensor, w: Tensor, g: Conv2dGeometry, y: Float32Array): number {
  const { inChannels: C, outChannels: K, outH: OH, outW: OW, stride: S } = g;
  const layout = paddedLayout(g);
  const rows = weightRows(w.data, g, layout);
  const { rowPtr, offset, values } = rows;
  const xp = (paddedScratch = growScratch(paddedScratch, C * layout.plane));
  const outPlane = OH * OW;
  const s2 = 2 * S,
    s3 = 3 * S,
    s4 = 4 * S,
    s5 = 5 * S,
    s6 = 6 * S,
    s7 = 7 * S;
  for (let n = 0; n < g.batch; n++) {
    padImage(x.data, n, g, layout, xp);
    for (let oi = 0; oi < OH; oi++) {
      for (let panel = 0; panel < layout.panels; panel++) {
        const oj0 = 8 * panel;
        const corner = oi * S * layout.rowStride + oj0 * S;
        const width = Math.min(8, OW - oj0);
        for (let k = 0; k < K; k++) {
          let c0 = 0,
            c1 = 0,
            c2 = 0,
            c3 = 0,
            c4 = 0,
            c5 = 0,
            c6 = 0,
            c7 = 0;
          const end = rowPtr[k + 1];
          for (let e = rowPtr[k]; e < end; e++) {
            const v = values[e];
            const b = corner + offset[e];
            c0 += v * xp[b];
            c1 += v * xp[b + S];
            c2 += v * xp[b + s2];
            c3 += v * xp[b + s3];
            c4 += v * xp[b + s4];
            c5 += v * xp[b + s5];
            c6 += v * xp[b + s6];
            c7 += v * xp[b + s7];
          }
          const o = (n * K + k) * outPlane + oi * OW + oj0;
          if (width === 8) {
            y[o] = c0;
            y[o + 1] = c1;
            y[o + 2] = c2;
            y[o + 3] = c3;
            y[o + 4] = c4;
            y[o + 5] = c5;
            y[o + 6] = c6;
            y[o + 7] = c7;
          } else {
            const sums = [c0, c1, c2, c3, c4, c5, c6, c7];
            for (let s = 0; s < width; s++) y[o + s] = sums[s];
          }
        }
      }
    }
  }
  return rows.nonzeros * outPlane * g.batch;
}

/** The nonzero weights again, a sparse column per (c, m, l) for ∂x: entries (output channel, value). */
function weightColumns(rows: WeightRows, g: Conv2dGeometry): { colPtr: Int32Array; outChannel: Int32Array; values: Float64Array } {
  const depth = g.inChannels * g.kernelH * g.kernelW;
  const colPtr = new Int32Array(depth + 1);
  for (let e = 0; e < rows.nonzeros; e++) colPtr[(rows.denseIndex[e] % depth) + 1]++;
  for (let t = 0; t < depth; t++) colPtr[t + 1] += colPtr[t];
  const fill = colPtr.slice(0, depth);
  const outChannel = new Int32Array(rows.nonzeros);
  const values = new Float64Array(rows.nonzeros);
  for (let k = 0; k < g.outChannels; k++)
    for (let e = rows.rowPtr[k]; e < rows.rowPtr[k + 1]; e++) {
      const q = fill[rows.denseIndex[e] % depth]++;
      outChannel[q] = k;
      values[q] = rows.values[e];
    }
  return { colPtr, outChannel, values };
}

/** dw at the nonzero weights (dense layout) and, when asked, the full dx. Returns multiplies executed. */
function weightSparseBackward(x: Tensor, w: Tensor, dy: Tensor, g: Conv2dGeometry, dw: Float32Array, dx: Float32Array | null): number {
  const { inChannels: C, height: H, width: W, padding: P, outChannels: K, outH: OH, outW: OW, stride: S, kernelH: KH, kernelW: KW } = g;
  const layout = paddedLayout(g);
  const { rowStride, plane } = layout;
  const rows = weightRows(w.data, g, layout);
  const columns = dx ? weightColumns(rows, g) : null;
  const xp = (paddedScratch = growScratch(paddedScratch, C * plane));
  const dxp = dx ? (paddedGradScratch = growScratch(paddedGradScratch, C * plane)) : null;
  // dY of one image in float64, rows padded with zeros to whole panels of 8.
  const dyRow = layout.panels * 8;
  const dyPlane = OH * dyRow;
  const dyp = (dyScratch = growScratch(dyScratch, K * dyPlane));
  const dwSums = new Float64Array(rows.nonzeros);
  const outPlane = OH * OW;
  for (let n = 0; n < g.batch; n++) {
    padImage(x.data, n, g, layout, xp);
    dyp.fill(0, 0, K * dyPlane);
    for (let k = 0; k < K; k++)
      for (let oi = 0; oi < OH; oi++) {
        const src = (n * K + k) * outPlane + oi * OW;
        const dst = k * dyPlane + oi * dyRow;
        for (let oj = 0; oj < OW; oj++) dyp[dst + oj] = dy.data[src + oj];
      }
    // dW[k, c, m, l] = Σ_(oi, oj) dY[k, oi, oj] · x[c, oi·S + m − P, oj·S + l − P], four weights of a row at
    // a time so that each dY value is loaded once per four multiplies.
    for (let k = 0; k < K; k++) {
      const end = rows.rowPtr[k + 1];
      for (let e = rows.rowPtr[k]; e < end; e += 4) {
        const lanes = Math.min(4, end - e);
        const f0 = rows.offset[e];
        const f1 = lanes > 1 ? rows.offset[e + 1] : f0;
        const f2 = lanes > 2 ? rows.offset[e + 2] : f0;
        const f3 = lanes > 3 ? rows.offset[e + 3] : f0;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let oi = 0; oi < OH; oi++) {
          const d0 = k * dyPlane + oi * dyRow;
          let p = oi * S * rowStride;
          for (let oj = 0; oj < OW; oj++, p += S) {
            const d = dyp[d0 + oj];
            s0 += d * xp[p + f0];
            s1 += d * xp[p + f1];
            s2 += d * xp[p + f2];
            s3 += d * xp[p + f3];
          }
        }
        dwSums[e] += s0;
        if (lanes > 1) dwSums[e + 1] += s1;
        if (lanes > 2) dwSums[e + 2] += s2;
        if (lanes > 3) dwSums[e + 3] += s3;
      }
    }
    if (!dxp || !columns || !dx) continue;
    // dx[c, oi·S + m − P, oj·S + l − P] += Σ_k w[k, c, m, l] · dY[k, oi, oj]: per (c, m, l), a sparse
    // column of W times 8 neighbouring dY values at a time, added into the padded gradient.
    dxp.fill(0, 0, C * plane);
    const { colPtr, outChannel, values } = columns;
    for (let c = 0; c < C; c++)
      for (let m = 0; m < KH; m++)
        for (let l = 0; l < KW; l++) {
          const t = (c * KH + m) * KW + l;
          const start = colPtr[t];
          const end = colPtr[t + 1];
          if (start === end) continue;
          const tap = c * plane + m * rowStride + l;
          for (let oi = 0; oi < OH; oi++) {
            for (let panel = 0; panel < layout.panels; panel++) {
              const d0 = oi * dyRow + 8 * panel;
              let a0 = 0,
                a1 = 0,
                a2 = 0,
                a3 = 0,
                a4 = 0,
                a5 = 0,
                a6 = 0,
                a7 = 0;
              for (let q = start; q < end; q++) {
                const v = values[q];
                const d = outChannel[q] * dyPlane + d0;
                a0 += v * dyp[d];
                a1 += v * dyp[d + 1];
                a2 += v * dyp[d + 2];
                a3 += v * dyp[d + 3];
                a4 += v * dyp[d + 4];
                a5 += v * dyp[d + 5];
                a6 += v * dyp[d + 6];
                a7 += v * dyp[d + 7];
              }
              // Lanes past the row's end carry dY = 0 and land in the row's padding.
              const b = tap + oi * S * rowStride + 8 * panel * S;
              dxp[b] += a0;
              dxp[b + S] += a1;
              dxp[b + 2 * S] += a2;
              dxp[b + 3 * S] += a3;
              dxp[b + 4 * S] += a4;
              dxp[b + 5 * S] += a5;
              dxp[b + 6 * S] += a6;
              dxp[b + 7 * S] += a7;
            }
          }
        }
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++) {
        const src = c * plane + (i + P) * rowStride + P;
        const dst = (n * C + c) * H * W + i * W;
        for (let j = 0; j < W; j++) dx[dst + j] = dxp[src + j];
      }
  }
  for (let e = 0; e < rows.nonzeros; e++) dw[rows.denseIndex[e]] = dwSums[e];
  return rows.nonzeros * outPlane * g.batch * (dx ? 2 : 1);
}

/**
 * General path (any stride; submanifold mode): calls visit(entry, output site, weight group) for every tap
 * (m, l) through which a nonzero input of `cx` lands on an output — an active one in submanifold mode
 * (`active` row of this image starting at `activeOff`).
 */
function forEachLandingTap(
  cx: CompressedActivations,
  g: Conv2dGeometry,
  active: Uint8Array | null,
  activeOff: number,
  visit: (entry: number, site: number, group: number) => void,
): void {
  const { kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P, width: W } = g;
  for (let c = 0; c < cx.channels; c++) {
    for (let e = cx.offsets[c]; e < cx.offsets[c + 1]; e++) {
      const p = cx.positions[e];
      const i = (p / W) | 0;
      const j = p - i * W;
      for (let m = 0; m < KH; m++) {
        const ti = i + P - m;
        if (ti < 0) break; // larger m only moves further up
        if (ti % S !== 0) continue;
        const oi = ti / S;
        if (oi >= OH) continue;
        for (let l = 0; l < KW; l++) {
          const tj = j + P - l;
          if (tj < 0) break;
          if (tj % S !== 0) continue;
          const oj = tj / S;
          if (oj >= OW) continue;
          const site = oi * OW + oj;
          if (active && !active[activeOff + site]) continue;
          visit(e, site, (c * KH + m) * KW + l);
        }
      }
    }
  }
}

function addBias(y: Tensor, b: Tensor | null): void {
  if (!b) return;
  const [N, K, OH, OW] = y.shape;
  const plane = OH * OW;
  for (let nk = 0; nk < N * K; nk++) {
    const bias = b.data[nk % K];
    for (let o = nk * plane; o < (nk + 1) * plane; o++) y.data[o] += bias;
  }
}

export interface SparseConvForwardResult {
  y: Tensor;
  cost: SparseConvCost;
}

export function sparseConv2dForward(
  x: Tensor,
  w: Tensor | CompressedWeights,
  b: Tensor | null,
  opts: Conv2dOptions,
  mode: SparseConvMode = 'regular',
  kernel: SparseKernel = 'cartesian',
): SparseConvForwardResult {
  const cw = w instanceof Tensor ? compressWeights(w) : w;
  const g = conv2dGeometry(x.shape, [cw.outChannels, cw.inChannels, cw.kernelH, cw.kernelW], opts);
  checkMode(g, mode);
  if (kernel === 'weightSparse') {
    if (mode !== 'regular' || !(w instanceof Tensor)) throw new Error('sparseConv2d: the weight-sparse kernel runs regular convolutions from a weight tensor');
    const y = new Tensor([g.batch, g.outChannels, g.outH, g.outW]);
    const executed = weightSparseForward(x, w, g, y.data);
    addBias(y, b);
    return { y, cost: { denseMacs: conv2dCost(g).macs, idealMacs: sparseConv2dPairs(x, cw, opts), executedMacs: executed } };
  }
  const { batch: N, outChannels: K, outH: OH, outW: OW, stride: S } = g;
  const active = mode === 'submanifold' ? activeSiteMask(x) : null;
  const outPlane = OH * OW;
  const y = new Tensor([N, K, OH, OW]);
  const { offsets: wOff, outChannel, values: wVal } = cw;
  let executed = 0;
  if (mode === 'regular' && S === 1) {
    for (let n = 0; n < N; n++) {
      const ax = (rowScratch = rowIndexActivations(x, n, rowScratch));
      executed += forwardStride1(ax, cw, g, y.data, n * K * outPlane);
    }
    addBias(y, b);
    return { y, cost: { denseMacs: conv2dCost(g).macs, idealMacs: executed, executedMacs: executed } };
  }
  // General path (any stride, submanifold mode): one scatter per (input, tap, weight).
  for (let n = 0; n < N; n++) {
    const cx = (compressedScratch = compressActivations(x, n, compressedScratch));
    const acc = accumulator(outPlane * K);
    forEachLandingTap(cx, g, active, n * outPlane, (e, site, group) => {
      const v = cx.values[e];
      const end = wOff[group + 1];
      const base = site * K;
      for (let q = wOff[group]; q < end; q++) acc[base + outChannel[q]] += v * wVal[q];
      executed += end - wOff[group];
    });
    // Channels-last accumulator → NCHW output, with the bias (only at active sites in submanifold mode).
    const yOff = n * K * outPlane;
    for (let k = 0; k < K; k++) {
      const bias = b ? b.data[k] : 0;
      const row = yOff + k * outPlane;
      for (let o = 0; o < outPlane; o++) {
        y.data[row + o] = active && !active[n * outPlane + o] ? 0 : acc[o * K + k] + bias;
      }
    }
  }
  return { y, cost: { denseMacs: conv2dCost(g).macs, idealMacs: executed, executedMacs: executed } };
}

export interface SparseConvGrads {
  /**
   * ∂L/∂x. The Cartesian kernel computes it at the nonzero inputs only (exactly 0 at every zero input); the
   * weight-sparse kernel everywhere. Null when not asked for.
   */
  dx: Tensor | null;
  /** ∂L/∂w at the nonzero weights; exactly 0 at every zero (pruned) weight. */
  dw: Tensor;
  db: Tensor;
  cost: SparseConvCost;
}

export function sparseConv2dBackward(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  opts: Conv2dOptions,
  mode: SparseConvMode = 'regular',
  needInputGrad = true,
  compressed?: CompressedWeights,
  kernel: SparseKernel = 'cartesian',
): SparseConvGrads {
  const cw = compressed ?? compressWeights(w);
  const g = conv2dGeometry(x.shape, w.shape, opts);
  checkMode(g, mode);
  if (kernel === 'weightSparse') {
    if (mode !== 'regular') throw new Error('sparseConv2d: the weight-sparse kernel runs regular convolutions only');
    const dw = new Tensor(w.shape);
    const dx = needInputGrad ? new Tensor(x.shape) : null;
    const db = new Tensor([g.outChannels]);
    const plane = g.outH * g.outW;
    for (let nk = 0; nk < g.batch * g.outChannels; nk++) {
      let sum = 0;
      for (let o = nk * plane; o < (nk + 1) * plane; o++) sum += dy.data[o];
      db.data[nk % g.outChannels] += sum;
    }
    const executed = weightSparseBackward(x, w, dy, g, dw.data, dx ? dx.data : null);
    const passes = dx ? 2 : 1;
    return { dx, dw, db, cost: { denseMacs: passes * conv2dCost(g).macs, idealMacs: passes * sparseConv2dPairs(x, cw, opts), executedMacs: executed } };
  }
  const { batch: N, outChannels: K, outH: OH, outW: OW, stride: S, width: W } = g;
  const active = mode === 'submanifold' ? activeSiteMask(x) : null;
  const outPlane = OH * OW;
  const dx = needInputGrad ? new Tensor(x.shape) : null;
  const db = new Tensor([K]);
  const dwCompressed = new Float64Array(cw.nonzeros);
  const { offsets: wOff, outChannel, values: wVal } = cw;
  const plane = g.height * W;
  let executed = 0;
  if (mode === 'regular' && S === 1) {
    for (let n = 0; n < N; n++) {
      const dyOff = n * K * outPlane;
      for (let k = 0; k < K; k++) {
        let sum = 0;
        for (let o = dyOff + k * outPlane; o < dyOff + (k + 1) * outPlane; o++) sum += dy.data[o];
        db.data[k] += sum;
      }
      const ax = (rowScratch = rowIndexActivations(x, n, rowScratch));
      const gx = dx ? inputGradScratch(ax.nonzeros) : null;
      executed += backwardStride1(ax, cw, g, dy.data, dyOff, dwCompressed, gx);
      if (dx && gx) {
        // Back from the row index to NCHW positions.
        const xOff = n * ax.channels * plane;
        for (let r = 0; r < ax.channels * ax.height; r++) {
          for (let e = ax.rowPtr[r]; e < ax.rowPtr[r + 1]; e++) dx.data[xOff + r * W + ax.col[e]] = gx[e];
        }
      }
    }
  } else
    for (let n = 0; n < N; n++) {
      // dY of this image, channels last: dyT[(oi·OW + oj)·K + k]; zero at inactive sites in submanifold mode.
      const dyT = accumulator(outPlane * K);
      const dyOff = n * K * outPlane;
      for (let k = 0; k < K; k++) {
        let sum = 0;
        for (let o = 0; o < outPlane; o++) {
          if (active && !active[n * outPlane + o]) continue;
          const gv = dy.data[dyOff + k * outPlane + o];
          dyT[o * K + k] = gv;
          sum += gv;
        }
        db.data[k] += sum;
      }
      const cx = (compressedScratch = compressActivations(x, n, compressedScratch));
      const gx = dx ? inputGradScratch(cx.offsets[cx.channels]) : null;
      forEachLandingTap(cx, g, active, n * outPlane, (e, site, group) => {
        const v = cx.values[e];
        const end = wOff[group + 1];
        const base = site * K;
        let gradX = 0;
        for (let q = wOff[group]; q < end; q++) {
          const gy = dyT[base + outChannel[q]];
          if (gx) gradX += gy * wVal[q];
          dwCompressed[q] += v * gy;
        }
        if (gx) gx[e] += gradX;
        executed += end - wOff[group];
      });
      if (dx && gx) {
        for (let c = 0; c < cx.channels; c++) {
          for (let e = cx.offsets[c]; e < cx.offsets[c + 1]; e++) dx.data[(n * cx.channels + c) * plane + cx.positions[e]] = gx[e];
        }
      }
    }
  const dw = new Tensor(w.shape);
  for (let q = 0; q < cw.nonzeros; q++) dw.data[cw.denseIndex[q]] = dwCompressed[q];
  // Every pair needs one multiply for ∂w and, when ∂x is wanted, one for ∂x; the loops do exactly those.
  const passes = dx ? 2 : 1;
  return { dx, dw, db, cost: { denseMacs: passes * conv2dCost(g).macs, idealMacs: passes * executed, executedMacs: passes * executed } };
}

/**
 * |Ω pairs that land on a valid output| for x and w, counted without multiplying: for every nonzero input,
 * the sizes of the weight groups of the taps that land. What `idealMacs` means, for kernels that do not
 * visit the pairs themselves (the dense one).
 */
export function sparseConv2dPairs(x: Tensor, w: Tensor | CompressedWeights, opts: Conv2dOptions): number {
  const cw = w instanceof Tensor ? compressWeights(w) : w;
  const g = conv2dGeometry(x.shape, [cw.outChannels, cw.inChannels, cw.kernelH, cw.kernelW], opts);
  const { batch: N, inChannels: C, height: H, width: W, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  let pairs = 0;
  if (S === 1) {
    // Stride 1: the inputs whose tap (m, l) lands form a rectangle, so one summed-area table of the nonzeros
    // per channel answers every tap in O(1) — cheap enough to run beside the dense kernel on every step.
    const W1 = W + 1;
    const table = new Int32Array((H + 1) * W1);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * H * W;
        for (let i = 0; i < H; i++) {
          let rowCount = 0;
          for (let j = 0; j < W; j++) {
            if (x.data[base + i * W + j] !== 0) rowCount++;
            table[(i + 1) * W1 + j + 1] = table[i * W1 + j + 1] + rowCount;
          }
        }
        for (let m = 0; m < KH; m++) {
          const i0 = Math.max(0, m - P);
          const i1 = Math.min(H, OH + m - P); // exclusive
          if (i1 <= i0) continue;
          for (let l = 0; l < KW; l++) {
            const j0 = Math.max(0, l - P);
            const j1 = Math.min(W, OW + l - P);
            if (j1 <= j0) continue;
            const landing = table[i1 * W1 + j1] - table[i0 * W1 + j1] - table[i1 * W1 + j0] + table[i0 * W1 + j0];
            const group = (c * KH + m) * KW + l;
            pairs += landing * (cw.offsets[group + 1] - cw.offsets[group]);
          }
        }
      }
    return pairs;
  }
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * H * W;
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          if (x.data[base + i * W + j] === 0) continue;
          for (let m = 0; m < KH; m++) {
            const ti = i + P - m;
            if (ti < 0 || ti % S !== 0 || ti / S >= OH) continue;
            for (let l = 0; l < KW; l++) {
              const tj = j + P - l;
              if (tj < 0 || tj % S !== 0 || tj / S >= OW) continue;
              const group = (c * KH + m) * KW + l;
              pairs += cw.offsets[group + 1] - cw.offsets[group];
            }
          }
        }
    }
  return pairs;
}
