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
 * A second kernel, weight-sparse direct convolution, serves inputs too dense for the Cartesian product to pay:
 * it skips zero weights only.
 *
 * This file chooses between them; each kernel is in its own file under sparseConv/, to be read top to
 * bottom: definitions.ts (modes, counters), reference.ts (the float64 definition), cartesian.ts (forward
 * beside backward), weightSparse.ts, pairs.ts (counting Ω without multiplying).
 *
 * Cost counters (per call, summed over the batch), conventions:
 * - denseMacs: what a dense convolution multiplies, padding taps included (conv2dCost);
 * - idealMacs: |pairs in Ω that land on a valid output| — the least a direct, pair-by-pair kernel must do;
 * - executedMacs: multiplies the kernel actually performed (the Cartesian product: exactly idealMacs; the
 *   weight-sparse kernel: every nonzero weight times every output position, zero inputs and padding included).
 */
import { conv2dCost, conv2dGeometry, Conv2dOptions } from './conv2d';
import type { CompressedWeights } from '../sparse/compressed';
import { compressWeights, weightPattern } from '../sparse/weightPattern';
import { Tensor } from '../tensor/tensor';
import { cartesianBackward, cartesianForward } from './sparseConv/cartesian';
import { addBias, checkMode, convBiasGrad, SparseConvCost, SparseConvMode } from './sparseConv/definitions';
import { sparseConv2dPairs } from './sparseConv/pairs';
import { SparseKernel, weightSparseBackward, weightSparseForward } from './sparseConv/weightSparse';

export { checkMode } from './sparseConv/definitions';
export type { SparseConvCost, SparseConvMode } from './sparseConv/definitions';
export { sparseConv2dForwardReference } from './sparseConv/reference';
export { sparseConv2dPairs } from './sparseConv/pairs';
export type { SparseKernel } from './sparseConv/weightSparse';

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
    const executed = weightSparseForward(x, w, weightPattern(w.shape, w.data), g, y.data);
    addBias(y, b);
    return { y, cost: { denseMacs: conv2dCost(g).macs, idealMacs: sparseConv2dPairs(x, cw, opts), executedMacs: executed } };
  }
  return cartesianForward(x, cw, b, g, mode);
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
    const db = convBiasGrad(dy);
    const executed = weightSparseBackward(x, w, weightPattern(w.shape, w.data), dy, g, dw.data, dx ? dx.data : null);
    const passes = dx ? 2 : 1;
    return { dx, dw, db, cost: { denseMacs: passes * conv2dCost(g).macs, idealMacs: passes * sparseConv2dPairs(x, cw, opts), executedMacs: executed } };
  }
  return cartesianBackward(x, w, cw, dy, g, mode, needInputGrad);
}
