/**
 * Fully connected layer: y[n, o] = b[o] + Σ_i x[n, i] · w[o, i]   (w is out×in, as in PyTorch).
 * Backward: dx = dy · w, dw = dyᵀ · x, db = Σ_n dy.
 */
import { gemm } from '../linalg/gemm';
import { expectRank, formatShape, NDArray, ShapeError, Tensor } from '../tensor/tensor';

export function linearShapes(op: string, xShape: readonly number[], wShape: readonly number[]) {
  expectRank(op, 'input', xShape, 2);
  expectRank(op, 'weight', wShape, 2);
  const [batch, inFeatures] = xShape;
  const [outFeatures, wIn] = wShape;
  if (wIn !== inFeatures) {
    throw new ShapeError(`${op}: input ${formatShape(xShape)} has ${inFeatures} features but weight ${formatShape(wShape)} expects ${wIn}`);
  }
  return { batch, inFeatures, outFeatures };
}

export function linearCost(batch: number, inFeatures: number, outFeatures: number): { macs: number } {
  return { macs: batch * inFeatures * outFeatures };
}

export function linearForwardReference(x: NDArray, w: NDArray, b: NDArray | null) {
  const { batch, inFeatures, outFeatures } = linearShapes('linear', x.shape, w.shape);
  const y = new Float64Array(batch * outFeatures);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outFeatures; o++) {
      let sum = b ? b.data[o] : 0;
      for (let i = 0; i < inFeatures; i++) sum += x.data[n * inFeatures + i] * w.data[o * inFeatures + i];
      y[n * outFeatures + o] = sum;
    }
  return { shape: [batch, outFeatures], data: y };
}

export function linearBackwardReference(x: NDArray, w: NDArray, dy: NDArray) {
  const { batch, inFeatures, outFeatures } = linearShapes('linear backward', x.shape, w.shape);
  const dx = new Float64Array(batch * inFeatures);
  const dw = new Float64Array(outFeatures * inFeatures);
  const db = new Float64Array(outFeatures);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outFeatures; o++) {
      const g = dy.data[n * outFeatures + o];
      db[o] += g;
      for (let i = 0; i < inFeatures; i++) {
        dx[n * inFeatures + i] += g * w.data[o * inFeatures + i];
        dw[o * inFeatures + i] += g * x.data[n * inFeatures + i];
      }
    }
  return { dx, dw, db };
}

export function linearForward(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const { batch, inFeatures, outFeatures } = linearShapes('linear', x.shape, w.shape);
  const y = new Tensor([batch, outFeatures]);
  // Y (B×O) = X (B×I) · Wᵀ (I×O)
  gemm({ m: batch, n: outFeatures, k: inFeatures, a: x.data, b: w.data, transB: true, c: y.data });
  if (b) {
    for (let n = 0; n < batch; n++) for (let o = 0; o < outFeatures; o++) y.data[n * outFeatures + o] += b.data[o];
  }
  return y;
}

export function linearBackward(x: Tensor, w: Tensor, dy: Tensor, needInputGrad = true) {
  const { batch, inFeatures, outFeatures } = linearShapes('linear backward', x.shape, w.shape);
  const dw = new Tensor(w.shape);
  const db = new Tensor([outFeatures]);
  // dW (O×I) = dYᵀ (O×B) · X (B×I)
  gemm({ m: outFeatures, n: inFeatures, k: batch, a: dy.data, transA: true, b: x.data, c: dw.data });
  for (let n = 0; n < batch; n++) for (let o = 0; o < outFeatures; o++) db.data[o] += dy.data[n * outFeatures + o];
  let dx: Tensor | null = null;
  if (needInputGrad) {
    dx = new Tensor(x.shape);
    // dX (B×I) = dY (B×O) · W (O×I)
    gemm({ m: batch, n: inFeatures, k: outFeatures, a: dy.data, b: w.data, c: dx.data });
  }
  return { dx, dw, db };
}

/**
 * meProp (Sun et al., 2017): back-propagate only the k largest-magnitude output gradients of each example.
 * dy is sparsified row by row (ties: the lower index first), then dW and dX are computed from the kept
 * entries only, so the backward pass costs k/out of the dense one. Returns how many entries were kept.
 */
export function linearBackwardTopK(x: Tensor, w: Tensor, dy: Tensor, k: number, needInputGrad = true) {
  const { batch, inFeatures, outFeatures } = linearShapes('linear backward (top-k)', x.shape, w.shape);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`top-k needs a whole number k ≥ 1, got ${k}`);
  const keep = Math.min(k, outFeatures);
  const dw = new Tensor(w.shape);
  const db = new Tensor([outFeatures]);
  const dx = needInputGrad ? new Tensor(x.shape) : null;
  const order = new Int32Array(outFeatures);
  for (let n = 0; n < batch; n++) {
    const row = n * outFeatures;
    for (let o = 0; o < outFeatures; o++) order[o] = o;
    order.sort((a, b) => Math.abs(dy.data[row + b]) - Math.abs(dy.data[row + a]) || a - b);
    for (let t = 0; t < keep; t++) {
      const o = order[t];
      const g = dy.data[row + o];
      db.data[o] += g;
      const wRow = o * inFeatures;
      const xRow = n * inFeatures;
      for (let i = 0; i < inFeatures; i++) dw.data[wRow + i] += g * x.data[xRow + i];
      if (dx) for (let i = 0; i < inFeatures; i++) dx.data[xRow + i] += g * w.data[wRow + i];
    }
  }
  return { dx, dw, db, kept: batch * keep };
}
