/** The weight-sparse direct convolution: zero weights skipped, the input read in place. */
import { Conv2dGeometry } from '../conv2d';
import { growScratch } from '../../linalg/gemm';
import type { WeightPattern } from '../../sparse/weightPattern';
import { Tensor } from '../../tensor/tensor';

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

/** The kept weights, a sparse row per output channel, each entry with its offset in the padded image. */
interface WeightRows {
  rowPtr: Int32Array;
  offset: Int32Array;
  values: Float64Array;
  denseIndex: Int32Array;
  nonzeros: number;
}

/** The pattern's rows with their padded-image offsets and current values: O(nnz), no scan of the dense weights. */
function weightRows(p: WeightPattern, w: Float32Array, g: Conv2dGeometry, layout: PaddedLayout): WeightRows {
  const { kernelH: KH, kernelW: KW } = g;
  const taps = KH * KW;
  const offset = new Int32Array(p.nonzeros);
  const values = new Float64Array(p.nonzeros);
  for (let e = 0; e < p.nonzeros; e++) {
    const t = p.rowTap[e];
    const c = Math.floor(t / taps);
    const m = Math.floor(t / KW) % KH;
    offset[e] = c * layout.plane + m * layout.rowStride + (t % KW);
    values[e] = w[p.rowIndex[e]];
  }
  return { rowPtr: p.rowPtr, offset, values, denseIndex: p.rowIndex, nonzeros: p.nonzeros };
}

export function weightSparseForward(x: Tensor, w: Tensor, pattern: WeightPattern, g: Conv2dGeometry, y: Float32Array): number {
  const { inChannels: C, outChannels: K, outH: OH, outW: OW, stride: S } = g;
  const layout = paddedLayout(g);
  const rows = weightRows(pattern, w.data, g, layout);
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

/** The kept weights by tap (c, m, l) for ∂x, with their current values: the pattern's columns. */
function weightColumns(p: WeightPattern, w: Float32Array): { colPtr: Int32Array; outChannel: Int32Array; values: Float64Array } {
  const values = new Float64Array(p.nonzeros);
  for (let q = 0; q < p.nonzeros; q++) values[q] = w[p.colIndex[q]];
  return { colPtr: p.colPtr, outChannel: p.colOutput, values };
}

/** dw at the nonzero weights (dense layout) and, when asked, the full dx. Returns multiplies executed. */
export function weightSparseBackward(
  x: Tensor,
  w: Tensor,
  pattern: WeightPattern,
  dy: Tensor,
  g: Conv2dGeometry,
  dw: Float32Array,
  dx: Float32Array | null,
): number {
  const { inChannels: C, height: H, width: W, padding: P, outChannels: K, outH: OH, outW: OW, stride: S, kernelH: KH, kernelW: KW } = g;
  const layout = paddedLayout(g);
  const { rowStride, plane } = layout;
  const rows = weightRows(pattern, w.data, g, layout);
  const columns = dx ? weightColumns(pattern, w.data) : null;
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
