/** What every sparse convolution kernel shares: the two modes, the cost counters, active sites, the bias. */
import { Conv2dGeometry } from '../conv2d';
import { NDArray, ShapeError, Tensor } from '../../tensor/tensor';

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
export function activeSiteMask(x: NDArray): Uint8Array {
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

/** ∂L/∂b of a convolution: Σ over images and output positions of ∂y (NCHW), per output channel. */
export function convBiasGrad(dy: Tensor): Tensor {
  const [N, K, OH, OW] = dy.shape;
  const plane = OH * OW;
  const db = new Tensor([K]);
  for (let nk = 0; nk < N * K; nk++) {
    let sum = 0;
    for (let o = nk * plane; o < (nk + 1) * plane; o++) sum += dy.data[o];
    db.data[nk % K] += sum;
  }
  return db;
}

/** Adds the bias of each output channel to every output of y (NCHW). */
export function addBias(y: Tensor, b: Tensor | null): void {
  if (!b) return;
  const [N, K, OH, OW] = y.shape;
  const plane = OH * OW;
  for (let nk = 0; nk < N * K; nk++) {
    const bias = b.data[nk % K];
    for (let o = nk * plane; o < (nk + 1) * plane; o++) y.data[o] += bias;
  }
}
