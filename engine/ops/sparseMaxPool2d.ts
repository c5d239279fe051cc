/**
 * Sparse max pooling: the source article's y[k, i, j] = max_{(m, n) ∈ Ω_k} x[k, i·s + m, j·s + n], where Ω_k
 * is the set of nonzero elements of channel k. As in SparseConvNet and spconv, a window with no nonzero
 * element outputs 0, and zeros never compete (so on signed inputs the max of a window's nonzeros may be
 * negative). On ReLU outputs — never negative — it equals the dense pool exactly.
 *
 * Only the nonzeros are visited: each one updates the windows that contain it. Visiting the plane row by row
 * and replacing only on a strictly larger value sends ties to the first element in window order, the dense
 * pool's rule. Backward routes each output's gradient to its chosen element; an empty window routes nothing.
 *
 * Cost counters, convention "elements examined": dense = every element of every window; sparse = every
 * (nonzero element, window containing it) pair.
 */
import { maxPool2dOutputShape, MaxPool2dOptions } from './maxPool2d';
import { formatShape, ShapeError, Tensor } from '../tensor/tensor';

export interface SparsePoolCost {
  denseExamined: number;
  sparseExamined: number;
}

export interface SparseMaxPoolResult {
  y: Tensor;
  /** The flat input index each output took its value from; −1 for a window with no nonzero element. */
  argmax: Int32Array;
  cost: SparsePoolCost;
}

export function sparseMaxPool2dForward(x: Tensor, opts: MaxPool2dOptions): SparseMaxPoolResult {
  const shape = maxPool2dOutputShape(x.shape, opts);
  const [N, C, OH, OW] = shape;
  const [, , H, W] = x.shape;
  const { kernelSize: k, stride: s } = opts;
  const y = new Tensor(shape);
  const argmax = new Int32Array(y.size).fill(-1);
  let sparseExamined = 0;
  for (let p = 0; p < N * C; p++) {
    const inBase = p * H * W;
    const outBase = p * OH * OW;
    for (let i = 0; i < H; i++) {
      // Windows containing row i: oi·s ≤ i < oi·s + k.
      const oiLo = Math.max(0, Math.ceil((i - k + 1) / s));
      const oiHi = Math.min(OH - 1, Math.floor(i / s));
      if (oiLo > oiHi) continue;
      for (let j = 0; j < W; j++) {
        const idx = inBase + i * W + j;
        const v = x.data[idx];
        if (v === 0) continue; // not in Ω_k
        const ojLo = Math.max(0, Math.ceil((j - k + 1) / s));
        const ojHi = Math.min(OW - 1, Math.floor(j / s));
        for (let oi = oiLo; oi <= oiHi; oi++) {
          for (let oj = ojLo; oj <= ojHi; oj++) {
            const o = outBase + oi * OW + oj;
            sparseExamined++;
            if (argmax[o] === -1 || v > y.data[o]) {
              y.data[o] = v;
              argmax[o] = idx;
            }
          }
        }
      }
    }
  }
  return { y, argmax, cost: { denseExamined: y.size * k * k, sparseExamined } };
}

export function sparseMaxPool2dBackward(xShape: readonly number[], argmax: Int32Array, dy: Tensor): Tensor {
  if (argmax.length !== dy.size) {
    throw new ShapeError(`sparseMaxPool2d backward: gradient ${formatShape(dy.shape)} does not match the ${argmax.length} pooled outputs`);
  }
  const dx = new Tensor(xShape);
  for (let o = 0; o < argmax.length; o++) if (argmax[o] >= 0) dx.data[argmax[o]] += dy.data[o];
  return dx;
}
