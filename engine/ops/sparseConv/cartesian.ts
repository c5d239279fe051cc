/**
 * SCNN's Cartesian product: every nonzero input meets every nonzero weight of its channel, and the product
 * is added to the output it lands on, if any. Forward and backward over the same pairs; the stride-1
 * regular path first, then the general one (any stride; submanifold mode).
 */
import { Conv2dGeometry, conv2dCost } from '../conv2d';
import { compressActivations, CompressedActivations, CompressedWeights, rowIndexActivations, RowIndexedActivations } from '../../sparse/compressed';
import { Tensor } from '../../tensor/tensor';
import { activeSiteMask, addBias, SparseConvCost, SparseConvMode } from './definitions';

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

/** The Cartesian product's forward over a batch: y (bias included) and its counters (executed = ideal). */
export function cartesianForward(
  x: Tensor,
  cw: CompressedWeights,
  b: Tensor | null,
  g: Conv2dGeometry,
  mode: SparseConvMode,
): { y: Tensor; cost: SparseConvCost } {
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

/** The Cartesian product's backward: ∂x at nonzero inputs only (when asked), ∂w at nonzero weights only, ∂b. */
export function cartesianBackward(
  x: Tensor,
  w: Tensor,
  cw: CompressedWeights,
  dy: Tensor,
  g: Conv2dGeometry,
  mode: SparseConvMode,
  needInputGrad: boolean,
): { dx: Tensor | null; dw: Tensor; db: Tensor; cost: SparseConvCost } {
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
