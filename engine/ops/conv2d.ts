/**
 * 2-D convolution (cross-correlation, as in every deep-learning framework), NCHW.
 *
 *   y[n,k,i,j] = b[k] + Σ_{c,m,l} x[n, c, i·s + m − p, j·s + l − p] · w[k, c, m, l]
 *
 * where s is the stride, p the zero padding, and taps that fall in the padding read 0.
 *
 * Two implementations live side by side:
 * - `conv2dForwardReference` / `conv2dBackwardReference`: the formula as nested loops, in float64, for
 *   reading and for tests (their gradients are checked against finite differences);
 * - `conv2dForward` / `conv2dBackward`: im2col + the packed GEMM, float32, checked against the reference.
 */
import { gemmPacked, growScratch, packColumnsOfB, packedSize, packRowsOfA } from '../linalg/gemm';
import { expectRank, formatShape, NDArray, Shape, ShapeError, Tensor } from '../tensor/tensor';

export interface Conv2dOptions {
  stride: number;
  padding: number;
}

export interface Conv2dGeometry {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  outH: number;
  outW: number;
  stride: number;
  padding: number;
}

/** Output size of a convolution or pooling window sweep along one axis. */
export function slidingOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

export function conv2dGeometry(xShape: Shape, wShape: Shape, opts: Conv2dOptions): Conv2dGeometry {
  expectRank('conv2d', 'input', xShape, 4);
  expectRank('conv2d', 'weight', wShape, 4);
  const [batch, inChannels, height, width] = xShape;
  const [outChannels, wIn, kernelH, kernelW] = wShape;
  if (wIn !== inChannels) {
    throw new ShapeError(`conv2d: input ${formatShape(xShape)} has ${inChannels} channels but weight ${formatShape(wShape)} expects ${wIn}`);
  }
  const { stride, padding } = opts;
  if (!(Number.isInteger(stride) && stride >= 1) || !(Number.isInteger(padding) && padding >= 0)) {
    throw new ShapeError(`conv2d: stride must be an integer ≥ 1 and padding an integer ≥ 0, got stride ${stride}, padding ${padding}`);
  }
  const outH = slidingOutputSize(height, kernelH, stride, padding);
  const outW = slidingOutputSize(width, kernelW, stride, padding);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(`conv2d: kernel ${kernelH}×${kernelW} does not fit input ${formatShape(xShape)} with padding ${padding}`);
  }
  return { batch, inChannels, height, width, outChannels, kernelH, kernelW, outH, outW, stride, padding };
}

/** (output, tap) pairs along one axis whose input index o·s + m − p falls inside 0 … size − 1. */
function tapsInside(size: number, out: number, kernel: number, stride: number, padding: number): number {
  let count = 0;
  for (let o = 0; o < out; o++) for (let m = 0; m < kernel; m++) if (o * stride + m - padding >= 0 && o * stride + m - padding < size) count++;
  return count;
}

/**
 * Multiply–accumulates of one forward pass, in two conventions:
 * - `macs` counts every tap, those that land in the zero padding included (what im2col + GEMM executes);
 * - `macsInsideImage` counts only taps that read a real input pixel.
 */
export function conv2dCost(g: Conv2dGeometry): { macs: number; macsInsideImage: number } {
  const perPair = g.batch * g.outChannels * g.inChannels;
  return {
    macs: perPair * g.outH * g.outW * g.kernelH * g.kernelW,
    macsInsideImage: perPair * tapsInside(g.height, g.outH, g.kernelH, g.stride, g.padding) * tapsInside(g.width, g.outW, g.kernelW, g.stride, g.padding),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reference: the formula, loop for loop, in float64.

export function conv2dForwardReference(x: NDArray, w: NDArray, b: NDArray | null, opts: Conv2dOptions): { shape: number[]; data: Float64Array } {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const y = new Float64Array(g.batch * g.outChannels * g.outH * g.outW);
  for (let n = 0; n < g.batch; n++)
    for (let k = 0; k < g.outChannels; k++)
      for (let i = 0; i < g.outH; i++)
        for (let j = 0; j < g.outW; j++) {
          let sum = b ? b.data[k] : 0;
          for (let c = 0; c < g.inChannels; c++)
            for (let m = 0; m < g.kernelH; m++)
              for (let l = 0; l < g.kernelW; l++) {
                const r = i * g.stride + m - g.padding;
                const q = j * g.stride + l - g.padding;
                if (r < 0 || r >= g.height || q < 0 || q >= g.width) continue;
                sum += x.data[((n * g.inChannels + c) * g.height + r) * g.width + q] * w.data[((k * g.inChannels + c) * g.kernelH + m) * g.kernelW + l];
              }
          y[((n * g.outChannels + k) * g.outH + i) * g.outW + j] = sum;
        }
  return { shape: [g.batch, g.outChannels, g.outH, g.outW], data: y };
}

/** Gradients of a loss L with respect to x, w and b, given dy = ∂L/∂y. */
export function conv2dBackwardReference(x: NDArray, w: NDArray, dy: NDArray, opts: Conv2dOptions): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const dx = new Float64Array(x.data.length);
  const dw = new Float64Array(w.data.length);
  const db = new Float64Array(g.outChannels);
  for (let n = 0; n < g.batch; n++)
    for (let k = 0; k < g.outChannels; k++)
      for (let i = 0; i < g.outH; i++)
        for (let j = 0; j < g.outW; j++) {
          const grad = dy.data[((n * g.outChannels + k) * g.outH + i) * g.outW + j];
          db[k] += grad;
          for (let c = 0; c < g.inChannels; c++)
            for (let m = 0; m < g.kernelH; m++)
              for (let l = 0; l < g.kernelW; l++) {
                const r = i * g.stride + m - g.padding;
                const q = j * g.stride + l - g.padding;
                if (r < 0 || r >= g.height || q < 0 || q >= g.width) continue;
                const xi = ((n * g.inChannels + c) * g.height + r) * g.width + q;
                const wi = ((k * g.inChannels + c) * g.kernelH + m) * g.kernelW + l;
                dx[xi] += grad * w.data[wi];
                dw[wi] += grad * x.data[xi];
              }
        }
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------------------
// Fast path: im2col turns the convolution of one image into one matrix product,
//   Y[k, (i,j)] = Σ_{(c,m,l)} W[k, (c,m,l)] · col[(c,m,l), (i,j)],
// and the gradients into two more: dW += dY·colᵀ and dcol = Wᵀ·dY (then folded back onto the input).
// The unfolded image is written straight into the GEMM's packed panel layout, saving a copy per image;
// the weights are packed once per batch.

let wPanels: Float64Array = new Float64Array(0);
let colPanels: Float64Array = new Float64Array(0);
let dyPanels: Float64Array = new Float64Array(0);
let colScratch = new Float32Array(0);

/**
 * Unfolds image `n` of x into GEMM panels. Row r = (c, m, l) of col, column j = (i, jj) an output position;
 * padding taps read 0.
 * - 'columns': col as the right operand of W·col, panels of 4 output positions (packColumnsOfB's layout):
 *   out[(j >> 2)·4K + 4r + (j & 3)].
 * - 'rows': colᵀ as the right operand of dY·colᵀ, panels of 4 rows r (the same layout, transposed):
 *   out[(r >> 2)·4N + 4j + (r & 3)].
 */
export function im2colPanels(x: Float32Array, n: number, g: Conv2dGeometry, out: Float64Array, layout: 'columns' | 'rows'): void {
  const { inChannels: C, height: H, width: W, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  const K = C * KH * KW;
  const N = OH * OW;
  const columns = layout === 'columns';
  // Every entry is written below, padding taps included; only partial panels past the edge need zeros.
  if (columns && N % 4 !== 0) out.fill(0, 0, packedSize(N, K));
  if (!columns && K % 4 !== 0) out.fill(0, 0, packedSize(K, N));
  const plane = H * W;
  const panelSize = 4 * K;
  let r = 0;
  for (let c = 0; c < C; c++) {
    const xc = (n * C + c) * plane;
    for (let m = 0; m < KH; m++) {
      for (let l = 0; l < KW; l++, r++) {
        // Output columns jj whose tap q = jj·S + l − P falls inside the image: [jLo, jHi).
        const jLo = Math.min(OW, Math.max(0, Math.ceil((P - l) / S)));
        const jHi = Math.max(jLo, Math.min(OW, Math.ceil((W + P - l) / S)));
        const rowBase = (r >> 2) * 4 * N + (r & 3);
        let j = 0;
        for (let i = 0; i < OH; i++) {
          const y = i * S + m - P;
          const inside = y >= 0 && y < H;
          const lo = inside ? jLo : OW;
          const hi = inside ? jHi : OW;
          const src = xc + y * W + l - P; // x index of tap jj is src + jj·S
          if (columns) {
            for (let jj = 0; jj < OW; jj++, j++) {
              out[(j >> 2) * panelSize + 4 * r + (j & 3)] = jj >= lo && jj < hi ? x[src + jj * S] : 0;
            }
          } else {
            let d = rowBase + 4 * j;
            for (let jj = 0; jj < lo; jj++, d += 4) out[d] = 0;
            for (let jj = lo; jj < hi; jj++, d += 4) out[d] = x[src + jj * S];
            for (let jj = hi; jj < OW; jj++, d += 4) out[d] = 0;
            j += OW;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds every entry of col (K×N, row-major) back onto the input pixel it came from. */
export function col2imAdd(col: Float32Array, n: number, g: Conv2dGeometry, dx: Float32Array): void {
  const { inChannels: C, height: H, width: W, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  const plane = H * W;
  const N = OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = (n * C + c) * plane;
    for (let m = 0; m < KH; m++) {
      for (let l = 0; l < KW; l++, row++) {
        let o = row * N;
        for (let i = 0; i < OH; i++) {
          const r = i * S + m - P;
          if (r < 0 || r >= H) {
            o += OW;
            continue;
          }
          const xr = xc + r * W;
          for (let j = 0; j < OW; j++, o++) {
            const q = j * S + l - P;
            if (q >= 0 && q < W) dx[xr + q] += col[o];
          }
        }
      }
    }
  }
}

export function conv2dForward(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions): Tensor {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const K = g.inChannels * g.kernelH * g.kernelW;
  const N = g.outH * g.outW;
  const M = g.outChannels;
  const y = new Tensor([g.batch, M, g.outH, g.outW]);
  wPanels = growScratch(wPanels, packedSize(M, K));
  colPanels = growScratch(colPanels, packedSize(N, K));
  packRowsOfA(w.data, 0, false, M, K, wPanels);
  for (let n = 0; n < g.batch; n++) {
    im2colPanels(x.data, n, g, colPanels, 'columns');
    const yOff = n * M * N;
    gemmPacked(M, N, K, wPanels, colPanels, y.data, yOff, 0);
    if (b) {
      for (let k = 0; k < M; k++) {
        const bk = b.data[k];
        const o = yOff + k * N;
        for (let j = 0; j < N; j++) y.data[o + j] += bk;
      }
    }
  }
  return y;
}

export interface Conv2dGrads {
  /** ∂L/∂x, or null when the caller does not need it (the first layer). */
  dx: Tensor | null;
  dw: Tensor;
  db: Tensor;
}

/** Gradients of the fast path: per image, one unfolding and two matrix products. */
export function conv2dBackward(x: Tensor, w: Tensor, dy: Tensor, opts: Conv2dOptions, needInputGrad = true): Conv2dGrads {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const K = g.inChannels * g.kernelH * g.kernelW;
  const N = g.outH * g.outW;
  const M = g.outChannels;
  const dw = new Tensor(w.shape);
  const db = new Tensor([M]);
  const dx = needInputGrad ? new Tensor(x.shape) : null;
  colPanels = growScratch(colPanels, packedSize(K, N));
  dyPanels = growScratch(dyPanels, Math.max(packedSize(M, N), packedSize(N, M)));
  if (dx) {
    // Wᵀ (K×M) as the left operand of dcol = Wᵀ·dY, packed once for the batch.
    wPanels = growScratch(wPanels, packedSize(K, M));
    packRowsOfA(w.data, 0, true, K, M, wPanels);
    if (colScratch.length < K * N) colScratch = new Float32Array(K * N);
  }
  for (let n = 0; n < g.batch; n++) {
    const dyOff = n * M * N;
    for (let k = 0; k < M; k++) {
      let s = 0;
      const o = dyOff + k * N;
      for (let j = 0; j < N; j++) s += dy.data[o + j];
      db.data[k] += s;
    }
    // dW (M×K) += dY_n (M×N) · colᵀ (N×K)
    packRowsOfA(dy.data, dyOff, false, M, N, dyPanels);
    im2colPanels(x.data, n, g, colPanels, 'rows');
    gemmPacked(M, K, N, dyPanels, colPanels, dw.data, 0, 1);
    if (dx) {
      // dcol (K×N) = Wᵀ (K×M) · dY_n (M×N), folded back onto the input.
      packColumnsOfB(dy.data, dyOff, false, M, N, dyPanels);
      gemmPacked(K, N, M, wPanels, dyPanels, colScratch, 0, 0);
      col2imAdd(colScratch, n, g, dx.data);
    }
  }
  return { dx, dw, db };
}
