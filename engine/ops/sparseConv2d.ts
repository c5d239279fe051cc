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
 * A second kernel, the weight-sparse GEMM (below), serves inputs too dense for the Cartesian product to pay:
 * it skips zero weights only.
 *
 * Cost counters (per call, summed over the batch), conventions:
 * - denseMacs: what a dense convolution multiplies, padding taps included (conv2dCost);
 * - idealMacs: |pairs in Ω that land on a valid output| — the least any exact kernel must do;
 * - executedMacs: multiplies the kernel actually performed (the Cartesian product: exactly idealMacs; the
 *   weight-sparse GEMM: every nonzero weight times every output position, zero inputs and padding included).
 */
import { col2imAdd, Conv2dGeometry, conv2dCost, conv2dGeometry, Conv2dOptions, im2colPanels } from './conv2d';
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

function checkMode(g: Conv2dGeometry, mode: SparseConvMode): void {
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
// Speed, measured on seed conv2 shapes (batch 32, 32→64, 16×16): about 0.4–0.9 GFLOP/s of useful work,
// i.e. it beats the dense GEMM only when density is low (≈ 5× at 50% input × 10% weight density). Scattered
// float32 read-modify-writes cost V8 far more than the GEMM's register-blocked sums; a faster formulation
// is still to be found and measured with a benchmark.

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
      const w0 = wVal[q], w1 = wVal[q + 1], w2 = wVal[q + 2], w3 = wVal[q + 3];
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
      const w0 = wVal[q], w1 = wVal[q + 1], w2 = wVal[q + 2], w3 = wVal[q + 3];
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let t = 0; t < count; t++) {
        const o = lo[t];
        const v = lv[t];
        const d0 = dy[o0 + o], d1 = dy[o1 + o], d2 = dy[o2 + o], d3 = dy[o3 + o];
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
// Weight-sparse GEMM path. After a ReLU about half the inputs are nonzero: too many for the Cartesian
// product's scattered updates to pay, while pruned weights are still worth skipping. So this path keeps the
// im2col product Y = W·col but stores W sparse (CSR, a row per output channel) and col packed in panels of
// 8 output positions; each row's nonzeros then accumulate 8 sums in registers, as the dense GEMM does.
// It multiplies nnz(W)·N pairs per image: zero weights are skipped, zero inputs are not.

export type SparseKernel = 'cartesian' | 'weightGemm';

interface SparseRows {
  rows: number;
  rowPtr: Int32Array;
  /** 8 × the column of each entry: its offset inside an 8-wide panel. */
  offset8: Int32Array;
  values: Float64Array;
  nonzeros: number;
}

/** CSR of a row-major rows×cols matrix, or (transpose) of its transpose. */
function sparseRows(a: Float32Array, rows: number, cols: number, transpose: boolean): SparseRows {
  const outRows = transpose ? cols : rows;
  const inner = transpose ? rows : cols;
  const rowPtr = new Int32Array(outRows + 1);
  let nonzeros = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nonzeros++;
  const offset8 = new Int32Array(nonzeros);
  const values = new Float64Array(nonzeros);
  let e = 0;
  for (let r = 0; r < outRows; r++) {
    rowPtr[r] = e;
    for (let c = 0; c < inner; c++) {
      const v = transpose ? a[c * cols + r] : a[r * cols + c];
      if (v !== 0) {
        offset8[e] = 8 * c;
        values[e] = v;
        e++;
      }
    }
  }
  rowPtr[outRows] = e;
  return { rows: outRows, rowPtr, offset8, values, nonzeros };
}

/** out[outOff + r·n + j] = Σ_e A[r, col_e] · B[col_e, j], with B (depth×n) in 8-wide panels. */
function sparseRowsTimesPanels(a: SparseRows, panels: Float64Array, depth: number, n: number, out: Float32Array, outOff: number): void {
  const { rowPtr, offset8, values } = a;
  const panelCount = Math.ceil(n / 8);
  for (let q = 0; q < panelCount; q++) {
    const pb = q * 8 * depth;
    const col0 = 8 * q;
    const width = Math.min(8, n - col0);
    for (let r = 0; r < a.rows; r++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      const end = rowPtr[r + 1];
      for (let e = rowPtr[r]; e < end; e++) {
        const v = values[e];
        const b = pb + offset8[e];
        c0 += v * panels[b];
        c1 += v * panels[b + 1];
        c2 += v * panels[b + 2];
        c3 += v * panels[b + 3];
        c4 += v * panels[b + 4];
        c5 += v * panels[b + 5];
        c6 += v * panels[b + 6];
        c7 += v * panels[b + 7];
      }
      const o = outOff + r * n + col0;
      if (width === 8) {
        out[o] = c0; out[o + 1] = c1; out[o + 2] = c2; out[o + 3] = c3;
        out[o + 4] = c4; out[o + 5] = c5; out[o + 6] = c6; out[o + 7] = c7;
      } else {
        const sums = [c0, c1, c2, c3, c4, c5, c6, c7];
        for (let s = 0; s < width; s++) out[o + s] = sums[s];
      }
    }
  }
}

let panels8: Float64Array = new Float64Array(0);
let colPlain = new Float32Array(0);

function weightGemmForward(x: Tensor, w: Tensor, g: Conv2dGeometry, y: Float32Array): number {
  const depth = g.inChannels * g.kernelH * g.kernelW;
  const N = g.outH * g.outW;
  const rows = sparseRows(w.data, g.outChannels, depth, false);
  panels8 = growScratch(panels8, Math.ceil(N / 8) * 8 * depth);
  for (let n = 0; n < g.batch; n++) {
    im2colPanels(x.data, n, g, panels8, 'columns', 8);
    sparseRowsTimesPanels(rows, panels8, depth, N, y, n * g.outChannels * N);
  }
  return rows.nonzeros * N * g.batch;
}

/** dw at the nonzero weights (dense layout) and, when asked, the full dx. Returns multiplies executed. */
function weightGemmBackward(x: Tensor, w: Tensor, dy: Tensor, g: Conv2dGeometry, dw: Float32Array, dx: Float32Array | null): number {
  const depth = g.inChannels * g.kernelH * g.kernelW;
  const N = g.outH * g.outW;
  const M = g.outChannels;
  const rows = sparseRows(w.data, M, depth, false);
  const columns = dx ? sparseRows(w.data, M, depth, true) : null;
  const panelCount = Math.ceil(N / 8);
  panels8 = growScratch(panels8, panelCount * 8 * Math.max(depth, M));
  if (dx && colPlain.length < depth * N) colPlain = new Float32Array(depth * N);
  let executed = 0;
  for (let n = 0; n < g.batch; n++) {
    const dyOff = n * M * N;
    // dW[k, r] = Σ_j dY[k, j] · col[r, j], only where W[k, r] ≠ 0.
    im2colPanels(x.data, n, g, panels8, 'columns', 8);
    for (let k = 0; k < M; k++) {
      for (let e = rows.rowPtr[k]; e < rows.rowPtr[k + 1]; e++) {
        const r8 = rows.offset8[e];
        let sum = 0;
        for (let q = 0; q < panelCount; q++) {
          const pb = q * 8 * depth + r8;
          const d = dyOff + k * N + 8 * q;
          const width = Math.min(8, N - 8 * q);
          for (let s = 0; s < width; s++) sum += dy.data[d + s] * panels8[pb + s];
        }
        dw[k * depth + r8 / 8] += sum;
      }
    }
    executed += rows.nonzeros * N;
    if (dx && columns) {
      // dcol = Wᵀ·dY_n with dY_n packed in 8-wide panels over its M rows, then folded back onto the input.
      panels8.fill(0, 0, panelCount * 8 * M);
      for (let k = 0; k < M; k++)
        for (let j = 0; j < N; j++) panels8[(j >> 3) * 8 * M + 8 * k + (j & 7)] = dy.data[dyOff + k * N + j];
      sparseRowsTimesPanels(columns, panels8, M, N, colPlain, 0);
      col2imAdd(colPlain, n, g, dx);
      executed += columns.nonzeros * N;
    }
  }
  return executed;
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
  if (kernel === 'weightGemm') {
    if (mode !== 'regular' || !(w instanceof Tensor)) throw new Error('sparseConv2d: the weight-sparse GEMM kernel runs regular convolutions from a weight tensor');
    const y = new Tensor([g.batch, g.outChannels, g.outH, g.outW]);
    const executed = weightGemmForward(x, w, g, y.data);
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
   * weight-sparse GEMM everywhere. Null when not asked for.
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
  if (kernel === 'weightGemm') {
    if (mode !== 'regular') throw new Error('sparseConv2d: the weight-sparse GEMM kernel runs regular convolutions only');
    const dw = new Tensor(w.shape);
    const dx = needInputGrad ? new Tensor(x.shape) : null;
    const db = new Tensor([g.outChannels]);
    const plane = g.outH * g.outW;
    for (let nk = 0; nk < g.batch * g.outChannels; nk++) {
      let sum = 0;
      for (let o = nk * plane; o < (nk + 1) * plane; o++) sum += dy.data[o];
      db.data[nk % g.outChannels] += sum;
    }
    const executed = weightGemmBackward(x, w, dy, g, dw.data, dx ? dx.data : null);
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
  } else for (let n = 0; n < N; n++) {
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
