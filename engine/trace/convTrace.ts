/**
 * Step-by-step traces of one image's convolution, for the step-through figure: every multiply the dense
 * convolution performs, in its order, and every multiply the sparse one performs (SCNN's Cartesian product:
 * for each nonzero input, each nonzero weight of its channel), in its order — with the value of each
 * product, where it lands, and the output they add up to.
 *
 * The figure plays these back; it computes nothing. The counts are the engine's own cost counters for the
 * same layer: dense steps = conv2dCost's MACs (padding taps included), sparse steps = the ideal sparse MACs.
 */
import { conv2dCost, conv2dGeometry, Conv2dGeometry, Conv2dOptions } from '../ops/conv2d';
import { checkMode, sparseConv2dBackward, SparseConvMode } from '../ops/sparseConv2d';
import { expectRank, Tensor } from '../tensor/tensor';

/** One order of multiplies, as parallel arrays (step s is entry s of each). */
export interface ConvSteps {
  /** Output index k·OH·OW + oi·OW + oj the product is added to. */
  output: Int32Array;
  /** Weight index ((k·C + c)·KH + m)·KW + l. */
  weight: Int32Array;
  /** Input index c·H·W + i·W + j, or −1 for a tap in the zero padding. */
  input: Int32Array;
  /** x · w of this step (0 for padding or a zero operand). */
  product: Float32Array;
  /** 1 when both operands are nonzero and the product lands on an output that exists: a pair in Ω. */
  inOmega: Uint8Array;
}

export interface ConvTrace {
  geometry: Conv2dGeometry;
  mode: SparseConvMode;
  /** Every output position and tap, output by output (what im2col + GEMM multiplies). */
  dense: ConvSteps;
  /** Only the pairs in Ω, input by input (what the Cartesian product multiplies). */
  sparse: ConvSteps;
  /** The output, [K, OH, OW] flattened, bias included (0 at inactive sites in submanifold mode). */
  y: Float32Array;
  /** Which outputs exist in submanifold mode (all 1 in regular mode). */
  activeOutputs: Uint8Array;
  counts: { denseMacs: number; idealMacs: number; skipped: number };
}

function steps(capacity: number): ConvSteps {
  return {
    output: new Int32Array(capacity),
    weight: new Int32Array(capacity),
    input: new Int32Array(capacity),
    product: new Float32Array(capacity),
    inOmega: new Uint8Array(capacity),
  };
}

function truncate(s: ConvSteps, length: number): ConvSteps {
  return {
    output: s.output.slice(0, length),
    weight: s.weight.slice(0, length),
    input: s.input.slice(0, length),
    product: s.product.slice(0, length),
    inOmega: s.inOmega.slice(0, length),
  };
}

/** At most this many dense steps: the figure is for small maps, and a trace is kept whole in memory. */
export const MAX_TRACE_STEPS = 2_000_000;

/** Traces image 0 of x ([1, C, H, W]) through weights [K, C, KH, KW] and bias [K]. */
export function traceConv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions, mode: SparseConvMode = 'regular'): ConvTrace {
  expectRank('traceConv2d', 'input', x.shape, 4);
  if (x.shape[0] !== 1) throw new RangeError(`traceConv2d traces one image, got a batch of ${x.shape[0]}`);
  const g = conv2dGeometry(x.shape, w.shape, opts);
  checkMode(g, mode);
  const { inChannels: C, height: H, width: W, outChannels: K, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  const denseMacs = conv2dCost(g).macs;
  if (denseMacs > MAX_TRACE_STEPS)
    throw new RangeError(`traceConv2d: ${denseMacs.toLocaleString('en-US')} steps is too many to trace (at most ${MAX_TRACE_STEPS.toLocaleString('en-US')})`);
  const plane = H * W;
  const outPlane = OH * OW;

  // Active output sites: every output in regular mode; in submanifold mode the input's active sites.
  const activeOutputs = new Uint8Array(outPlane).fill(mode === 'regular' ? 1 : 0);
  if (mode === 'submanifold') for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) if (x.data[c * plane + p] !== 0) activeOutputs[p] = 1;

  const dense = steps(denseMacs);
  let d = 0;
  for (let k = 0; k < K; k++)
    for (let oi = 0; oi < OH; oi++)
      for (let oj = 0; oj < OW; oj++) {
        const out = k * outPlane + oi * OW + oj;
        for (let c = 0; c < C; c++)
          for (let m = 0; m < KH; m++)
            for (let l = 0; l < KW; l++, d++) {
              const i = oi * S + m - P;
              const j = oj * S + l - P;
              const inside = i >= 0 && i < H && j >= 0 && j < W;
              const wi = ((k * C + c) * KH + m) * KW + l;
              const xi = inside ? c * plane + i * W + j : -1;
              const xv = inside ? x.data[xi] : 0;
              const wv = w.data[wi];
              dense.output[d] = out;
              dense.weight[d] = wi;
              dense.input[d] = xi;
              dense.product[d] = xv * wv;
              dense.inOmega[d] = xv !== 0 && wv !== 0 && activeOutputs[oi * OW + oj] ? 1 : 0;
            }
      }

  // The Cartesian product, input-major: x[c, i, j] ≠ 0 meets every w[k, c, m, l] ≠ 0 whose output exists.
  const sparse = steps(denseMacs);
  const y = new Float32Array(K * outPlane);
  let s = 0;
  for (let c = 0; c < C; c++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const xi = c * plane + i * W + j;
        const xv = x.data[xi];
        if (xv === 0) continue;
        for (let k = 0; k < K; k++)
          for (let m = 0; m < KH; m++)
            for (let l = 0; l < KW; l++) {
              const wi = ((k * C + c) * KH + m) * KW + l;
              const wv = w.data[wi];
              if (wv === 0) continue;
              const ti = i + P - m;
              const tj = j + P - l;
              if (ti < 0 || tj < 0 || ti % S !== 0 || tj % S !== 0) continue;
              const oi = ti / S;
              const oj = tj / S;
              if (oi >= OH || oj >= OW || !activeOutputs[oi * OW + oj]) continue;
              const out = k * outPlane + oi * OW + oj;
              sparse.output[s] = out;
              sparse.weight[s] = wi;
              sparse.input[s] = xi;
              sparse.product[s] = xv * wv;
              sparse.inOmega[s] = 1;
              y[out] += xv * wv;
              s++;
            }
      }
  for (let k = 0; k < K; k++) for (let o = 0; o < outPlane; o++) if (activeOutputs[o]) y[k * outPlane + o] += b ? b.data[k] : 0;
  return { geometry: g, mode, dense, sparse: truncate(sparse, s), y, activeOutputs, counts: { denseMacs, idealMacs: s, skipped: denseMacs - s } };
}

export interface ConvBackwardTrace {
  /** ∂L/∂x and ∂L/∂w as the engine's sparse backward computes them ([C, H, W] and [K, C, KH, KW]). */
  dx: Float32Array;
  dw: Float32Array;
  /**
   * 1 where the gradient is computed: ∂x only at nonzero inputs (behind a ReLU a zero input passes no
   * gradient on, so the sparse backward skips it), ∂w only at unpruned (nonzero) weights.
   */
  dxComputed: Uint8Array;
  dwComputed: Uint8Array;
  /** Dense: every tap of every output, once for ∂x and once for ∂w. Sparse: the pairs in Ω, twice. */
  counts: { denseMacs: number; sparseMacs: number; skipped: number };
}

/**
 * What sparse backpropagation computes for image 0 of x, from the upstream gradient dy ([1, K, OH, OW]):
 * the engine's sparse backward, with which entries it computed and what it skipped.
 */
export function traceConv2dBackward(x: Tensor, w: Tensor, dy: Tensor, opts: Conv2dOptions, mode: SparseConvMode = 'regular'): ConvBackwardTrace {
  if (x.shape[0] !== 1) throw new RangeError(`traceConv2dBackward traces one image, got a batch of ${x.shape[0]}`);
  const grads = sparseConv2dBackward(x, w, dy, opts, mode, true);
  const dxComputed = Uint8Array.from(x.data, (v) => (v !== 0 ? 1 : 0));
  const dwComputed = Uint8Array.from(w.data, (v) => (v !== 0 ? 1 : 0));
  return {
    dx: grads.dx!.data,
    dw: grads.dw.data,
    dxComputed,
    dwComputed,
    counts: { denseMacs: grads.cost.denseMacs, sparseMacs: grads.cost.executedMacs, skipped: grads.cost.denseMacs - grads.cost.executedMacs },
  };
}
