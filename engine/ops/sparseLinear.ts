/**
 * Weight-sparse fully connected layer: y[n, o] = b[o] + Σ_{i : w[o, i] ≠ 0} x[n, i] · w[o, i], with the
 * weights in CSR (a row of kept weights per output, as XNNPACK's and SparseRT's sparse inference kernels
 * hold them). A pruned layer multiplies only its kept weights: nnz(W) per image instead of out × in.
 *
 * Backward over the same weights: ∂L/∂x[n, i] = Σ_o ∂L/∂y[n, o] · w[o, i] and ∂L/∂w[o, i] = Σ_n ∂L/∂y[n, o]
 * · x[n, i] at the kept weights only — a pruned weight gets no gradient and stays zero.
 *
 * Cost counters, per call and over the batch, as for the convolutions (sparseConv2d.ts):
 * - denseMacs: N · out · in, what the dense GEMM multiplies;
 * - idealMacs: the pairs of a nonzero input and a kept weight, Σ_n Σ_i [x[n, i] ≠ 0] · (kept weights in column i);
 * - executedMacs: N · nnz(W): zero inputs are not skipped (after a ReLU and pooling few of them are zero).
 *
 * The float64 definition it is tested against is linear.ts's reference, with the pruned weights' gradients
 * set to zero.
 */
import { WeightPattern } from '../sparse/weightPattern';
import { expectRank, formatShape, ShapeError, Tensor } from '../tensor/tensor';
import { linearCost } from './linear';

export interface LinearCost {
  denseMacs: number;
  idealMacs: number;
  executedMacs: number;
}

function checkShapes(op: string, x: Tensor, p: WeightPattern): number {
  expectRank(op, 'input', x.shape, 2);
  if (p.shape.length !== 2) throw new ShapeError(`${op}: the weight pattern is [${p.shape.join(', ')}], not a matrix`);
  if (x.shape[1] !== p.taps) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${x.shape[1]} features but the weights expect ${p.taps}`);
  return x.shape[0];
}

/** Ω's pairs for x and the kept weights, counted without multiplying (what idealMacs means). */
export function sparseLinearPairs(x: Tensor, p: WeightPattern): number {
  const batch = checkShapes('sparseLinear', x, p);
  const I = p.taps;
  let pairs = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * I;
    for (let i = 0; i < I; i++) if (x.data[row + i] !== 0) pairs += p.colPtr[i + 1] - p.colPtr[i];
  }
  return pairs;
}

/** y = x · wᵀ + b over the kept weights. `w` holds the values; `p` says which of them are kept. */
export function sparseLinearForward(x: Tensor, w: Tensor, b: Tensor | null, p: WeightPattern): { y: Tensor; cost: LinearCost } {
  const batch = checkShapes('sparseLinear', x, p);
  const { outputs: O, taps: I, rowPtr, rowTap: col, rowIndex: denseIndex } = p;
  const y = new Tensor([batch, O]);
  const xs = x.data;
  const ws = w.data;
  // Four images at a time: each kept weight is loaded once for four multiplies.
  let n = 0;
  for (; n + 4 <= batch; n += 4) {
    const [r0, r1, r2, r3] = [n * I, (n + 1) * I, (n + 2) * I, (n + 3) * I];
    for (let o = 0; o < O; o++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let e = rowPtr[o]; e < rowPtr[o + 1]; e++) {
        const v = ws[denseIndex[e]];
        const i = col[e];
        s0 += v * xs[r0 + i];
        s1 += v * xs[r1 + i];
        s2 += v * xs[r2 + i];
        s3 += v * xs[r3 + i];
      }
      const bias = b ? b.data[o] : 0;
      y.data[n * O + o] = s0 + bias;
      y.data[(n + 1) * O + o] = s1 + bias;
      y.data[(n + 2) * O + o] = s2 + bias;
      y.data[(n + 3) * O + o] = s3 + bias;
    }
  }
  for (; n < batch; n++)
    for (let o = 0; o < O; o++) {
      let s = b ? b.data[o] : 0;
      for (let e = rowPtr[o]; e < rowPtr[o + 1]; e++) s += ws[denseIndex[e]] * xs[n * I + col[e]];
      y.data[n * O + o] = s;
    }
  const cost = { denseMacs: linearCost(batch, I, O).macs, idealMacs: sparseLinearPairs(x, p), executedMacs: batch * p.nonzeros };
  return { y, cost };
}

/** ∂x (when asked), ∂w at the kept weights (exactly 0 elsewhere) and ∂b; one multiply per kept weight and image and pass. */
export function sparseLinearBackward(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  p: WeightPattern,
  needInputGrad = true,
): { dx: Tensor | null; dw: Tensor; db: Tensor; cost: LinearCost } {
  const batch = checkShapes('sparseLinear backward', x, p);
  const { outputs: O, taps: I, rowPtr, rowTap: col, rowIndex: denseIndex } = p;
  if (dy.shape.length !== 2 || dy.shape[0] !== batch || dy.shape[1] !== O)
    throw new ShapeError(`sparseLinear backward: the output gradient is ${formatShape(dy.shape)}, expected [${batch}, ${O}]`);
  const dw = new Tensor(w.shape);
  const db = new Tensor([O]);
  const dx = needInputGrad ? new Tensor(x.shape) : null;
  const xs = x.data;
  const ws = w.data;
  for (let n = 0; n < batch; n++) for (let o = 0; o < O; o++) db.data[o] += dy.data[n * O + o];
  // ∂w[o, i] = Σ_n ∂y[n, o] · x[n, i] at the kept weights: with x and ∂y transposed (features × batch), each
  // kept weight is one contiguous dot product over the batch instead of loads a whole row apart.
  const xT = new Float32Array(I * batch);
  for (let n = 0; n < batch; n++) for (let i = 0; i < I; i++) xT[i * batch + n] = xs[n * I + i];
  const dyT = new Float32Array(O * batch);
  for (let n = 0; n < batch; n++) for (let o = 0; o < O; o++) dyT[o * batch + n] = dy.data[n * O + o];
  for (let o = 0; o < O; o++) {
    const gOff = o * batch;
    for (let e = rowPtr[o]; e < rowPtr[o + 1]; e++) {
      const xOff = col[e] * batch;
      let g = 0;
      for (let n = 0; n < batch; n++) g += dyT[gOff + n] * xT[xOff + n];
      dw.data[denseIndex[e]] = g;
    }
  }
  if (dx) {
    // ∂x[n, i] += ∂y[n, o] · w[o, i], four images at a time (each kept weight loaded once for four).
    const d = dx.data;
    let n = 0;
    for (; n + 4 <= batch; n += 4) {
      const [r0, r1, r2, r3] = [n * I, (n + 1) * I, (n + 2) * I, (n + 3) * I];
      for (let o = 0; o < O; o++) {
        const [g0, g1, g2, g3] = [dy.data[n * O + o], dy.data[(n + 1) * O + o], dy.data[(n + 2) * O + o], dy.data[(n + 3) * O + o]];
        for (let e = rowPtr[o]; e < rowPtr[o + 1]; e++) {
          const v = ws[denseIndex[e]];
          const i = col[e];
          d[r0 + i] += g0 * v;
          d[r1 + i] += g1 * v;
          d[r2 + i] += g2 * v;
          d[r3 + i] += g3 * v;
        }
      }
    }
    for (; n < batch; n++) {
      const row = n * I;
      for (let o = 0; o < O; o++) {
        const g = dy.data[n * O + o];
        for (let e = rowPtr[o]; e < rowPtr[o + 1]; e++) d[row + col[e]] += g * ws[denseIndex[e]];
      }
    }
  }
  const passes = dx ? 2 : 1;
  const cost = {
    denseMacs: passes * linearCost(batch, I, O).macs,
    idealMacs: passes * sparseLinearPairs(x, p),
    executedMacs: passes * batch * p.nonzeros,
  };
  return { dx, dw, db, cost };
}
