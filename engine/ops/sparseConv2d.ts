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
 * Cost counters (per call, summed over the batch), conventions:
 * - denseMacs: what a dense convolution multiplies, padding taps included (conv2dCost);
 * - idealMacs: |pairs in Ω that land on a valid output| — the least any exact kernel must do;
 * - executedMacs: multiplies this kernel actually performed (here equal to idealMacs).
 */
import { Conv2dGeometry, conv2dCost, conv2dGeometry, Conv2dOptions } from './conv2d';
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

/** Adds image n's products into y (NCHW, no bias) and returns how many it multiplied. */
function forwardStride1(ax: RowIndexedActivations, cw: CompressedWeights, g: Conv2dGeometry, y: Float32Array, yOff: number): number {
  const { kernelH: KH, kernelW: KW } = g;
  const outPlane = g.outH * g.outW;
  const { offsets: wOff, outChannel, values: wVal } = cw;
  ensureLandingBuffers(g.height * g.width);
  const lo = landingOutput;
  const lv = landingValue;
  let executed = 0;
  for (let c = 0; c < ax.channels; c++) {
    for (let m = 0; m < KH; m++) {
      for (let l = 0; l < KW; l++) {
        const group = (c * KH + m) * KW + l;
        const qStart = wOff[group];
        const qEnd = wOff[group + 1];
        if (qEnd === qStart) continue;
        const count = gatherLandings(ax, g, c, m, l);
        executed += count * (qEnd - qStart);
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
      }
    }
  }
  return executed;
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
  const { kernelH: KH, kernelW: KW } = g;
  const outPlane = g.outH * g.outW;
  const { offsets: wOff, outChannel, values: wVal } = cw;
  ensureLandingBuffers(g.height * g.width);
  const lo = landingOutput;
  const lv = landingValue;
  const le = landingEntry;
  let pairs = 0;
  for (let c = 0; c < ax.channels; c++) {
    for (let m = 0; m < KH; m++) {
      for (let l = 0; l < KW; l++) {
        const group = (c * KH + m) * KW + l;
        const qStart = wOff[group];
        const qEnd = wOff[group + 1];
        if (qEnd === qStart) continue;
        const count = gatherLandings(ax, g, c, m, l);
        pairs += count * (qEnd - qStart);
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
      }
    }
  }
  return pairs;
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
): SparseConvForwardResult {
  const cw = w instanceof Tensor ? compressWeights(w) : w;
  const g = conv2dGeometry(x.shape, [cw.outChannels, cw.inChannels, cw.kernelH, cw.kernelW], opts);
  checkMode(g, mode);
  const { batch: N, outChannels: K, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P, width: W } = g;
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
    if (b) for (let nk = 0; nk < N * K; nk++) {
      const bias = b.data[nk % K];
      for (let o = nk * outPlane; o < (nk + 1) * outPlane; o++) y.data[o] += bias;
    }
    return { y, cost: { denseMacs: conv2dCost(g).macs, idealMacs: executed, executedMacs: executed } };
  }
  // General path (any stride, submanifold mode): one scatter per (input, tap, weight).
  for (let n = 0; n < N; n++) {
    const cx = (compressedScratch = compressActivations(x, n, compressedScratch));
    const acc = accumulator(outPlane * K);
    for (let c = 0; c < cx.channels; c++) {
      for (let e = cx.offsets[c]; e < cx.offsets[c + 1]; e++) {
        const p = cx.positions[e];
        const v = cx.values[e];
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
            if (active && !active[n * outPlane + site]) continue;
            const group = (c * KH + m) * KW + l;
            const end = wOff[group + 1];
            const base = site * K;
            for (let q = wOff[group]; q < end; q++) acc[base + outChannel[q]] += v * wVal[q];
            executed += end - wOff[group];
          }
        }
      }
    }
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
  /** ∂L/∂x at the nonzero inputs; exactly 0 at every zero input. Null when not asked for. */
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
): SparseConvGrads {
  const cw = compressed ?? compressWeights(w);
  const g = conv2dGeometry(x.shape, w.shape, opts);
  checkMode(g, mode);
  const { batch: N, outChannels: K, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P, width: W } = g;
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
    for (let c = 0; c < cx.channels; c++) {
      for (let e = cx.offsets[c]; e < cx.offsets[c + 1]; e++) {
        const p = cx.positions[e];
        const v = cx.values[e];
        const i = (p / W) | 0;
        const j = p - i * W;
        let gradX = 0;
        for (let m = 0; m < KH; m++) {
          const ti = i + P - m;
          if (ti < 0) break;
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
            if (active && !active[n * outPlane + site]) continue;
            const group = (c * KH + m) * KW + l;
            const end = wOff[group + 1];
            const base = site * K;
            for (let q = wOff[group]; q < end; q++) {
              const gy = dyT[base + outChannel[q]];
              if (dx) gradX += gy * wVal[q];
              dwCompressed[q] += v * gy;
            }
            executed += end - wOff[group];
          }
        }
        if (dx) dx.data[(n * cx.channels + c) * plane + p] = gradX;
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
