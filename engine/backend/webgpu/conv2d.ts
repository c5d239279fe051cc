/**
 * Convolution on the GPU, dense, weight-sparse and the Cartesian product over Ω, NCHW (engine/ops/conv2d.ts,
 * engine/ops/sparseConv/).
 *
 * Every kernel gathers — one invocation per value it writes — because WGSL has no float atomics:
 * - forward: one invocation per output y[n, k, oi, oj], summing over its taps;
 * - ∂x: one per input x[n, c, i, j], summing over the outputs its taps land on (a transposed convolution);
 * - ∂w: one per weight, summing over the batch and the output positions;
 * - ∂b: one per output channel.
 *
 * The sparse kernels are the gather formulation of the Cartesian product: each output pulls from the
 * nonzero weights of its output channel through a compacted list (CSR by output channel: tap index and
 * value), so pruned weights cost nothing; ∂x pulls through the transposed list (by input channel and tap),
 * and ∂w is computed only for the listed, nonzero weights. We chose gathering over a compare-and-swap
 * scatter because gathering writes every output once, with no contention and in a fixed summation order —
 * results are deterministic — while a CAS loop on a float bit pattern retries under contention, and a
 * convolution's scatter contends on every output. The weight-sparse kernels multiply zero inputs like any
 * other (branching around them diverges within a SIMD group); the Cartesian kernels at the end of this
 * file branch, to multiply exactly Ω's pairs and count them.
 */
import { conv2dGeometry, Conv2dGeometry, Conv2dOptions } from '../../ops/conv2d';
import { checkMode, SparseConvMode } from '../../ops/sparseConv2d';
import { WeightPattern } from '../../sparse/weightPattern';
import { ENTRY, FLAT_INDEX, Gpu, GpuTensor, Param } from './gpu';

const GEOMETRY = /* wgsl */ `struct Params {
  count: u32, N: u32, C: u32, H: u32, W: u32, K: u32, KH: u32, KW: u32, OH: u32, OW: u32, S: u32, P: u32, submanifold: u32
}`;

function geometryParams(g: Conv2dGeometry, count: number, submanifold = false): Param[] {
  return [count, g.batch, g.inChannels, g.height, g.width, g.outChannels, g.kernelH, g.kernelW, g.outH, g.outW, g.stride, g.padding, submanifold ? 1 : 0].map(
    (u32) => ({ u32 }),
  );
}

// Shared WGSL: decode an output index into (n, k, oi, oj), and an input index into (n, c, ii, jj).
const OUTPUT_COORDS = /* wgsl */ `
  let oj = i % p.OW;
  let oi = (i / p.OW) % p.OH;
  let k = (i / (p.OW * p.OH)) % p.K;
  let n = i / (p.OW * p.OH * p.K);`;
const INPUT_COORDS = /* wgsl */ `
  let jj = i32(i % p.W);
  let ii = i32((i / p.W) % p.H);
  let c = (i / (p.W * p.H)) % p.C;
  let n = i / (p.W * p.H * p.C);`;

/**
 * Forward: each invocation computes 4 output channels at one position, so every input value it loads
 * serves 4 multiply-adds (a vec4), and the taps that fall in the padding are cut from the loop bounds
 * instead of tested one by one.
 */
const FORWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${GEOMETRY}
@group(0) @binding(4) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let blocks = (p.K + 3u) / 4u;
  let oj = i % p.OW;
  let oi = (i / p.OW) % p.OH;
  let k0 = ((i / (p.OW * p.OH)) % blocks) * 4u;
  let n = i / (p.OW * p.OH * blocks);
  // Output channels past K (the last block) read channel K − 1 and are not written.
  let k = min(vec4u(k0, k0 + 1u, k0 + 2u, k0 + 3u), vec4u(p.K - 1u));
  let r0 = i32(oi * p.S) - i32(p.P);
  let q0 = i32(oj * p.S) - i32(p.P);
  let mLo = max(0, -r0);
  let mHi = min(i32(p.KH), i32(p.H) - r0);
  let lLo = max(0, -q0);
  let lHi = min(i32(p.KW), i32(p.W) - q0);
  let wStride = p.C * p.KH * p.KW;
  let wk = k * wStride;
  var sum = vec4f(b[k.x], b[k.y], b[k.z], b[k.w]);
  for (var c = 0u; c < p.C; c++) {
    for (var m = mLo; m < mHi; m++) {
      let xRow = i32(((n * p.C + c) * p.H) * p.W) + (r0 + m) * i32(p.W) + q0;
      let t0 = (c * p.KH + u32(m)) * p.KW;
      for (var l = lLo; l < lHi; l++) {
        let xv = x[u32(xRow + l)];
        let t = t0 + u32(l);
        sum += xv * vec4f(w[wk.x + t], w[wk.y + t], w[wk.z + t], w[wk.w + t]);
      }
    }
  }
  let plane = p.OH * p.OW;
  let o = (n * p.K + k0) * plane + oi * p.OW + oj;
  y[o] = sum.x;
  if (k0 + 1u < p.K) { y[o + plane] = sum.y; }
  if (k0 + 2u < p.K) { y[o + 2u * plane] = sum.z; }
  if (k0 + 3u < p.K) { y[o + 3u * plane] = sum.w; }
}`;

/**
 * ∂x: one invocation per input x[n, c, i, j] sums over the outputs its taps land on — every output channel
 * (dense), or the output channels of the nonzero weights of each tap, through the transposed list (sparse;
 * ∂y read as 0 at inactive sites in submanifold mode).
 */
const inputGradShader = (sparse: boolean) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
${
  sparse
    ? `@group(0) @binding(2) var<storage, read> colPtr: array<i32>;
@group(0) @binding(3) var<storage, read> colChannel: array<i32>;
@group(0) @binding(4) var<storage, read> colIndex: array<i32>;
@group(0) @binding(5) var<storage, read> activeSites: array<u32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;`
    : '@group(0) @binding(2) var<storage, read_write> dx: array<f32>;'
}
${GEOMETRY}
@group(0) @binding(${sparse ? 7 : 3}) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  ${INPUT_COORDS}
  var sum = 0.0;
  for (var m = 0u; m < p.KH; m++) {
    let ti = ii + i32(p.P) - i32(m);
    if (ti < 0 || ti % i32(p.S) != 0 || ti / i32(p.S) >= i32(p.OH)) { continue; }
    let oi = u32(ti) / p.S;
    for (var l = 0u; l < p.KW; l++) {
      let tj = jj + i32(p.P) - i32(l);
      if (tj < 0 || tj % i32(p.S) != 0 || tj / i32(p.S) >= i32(p.OW)) { continue; }
      let oj = u32(tj) / p.S;
      ${
        sparse
          ? `if (p.submanifold == 1u && activeSites[(n * p.OH + oi) * p.OW + oj] == 0u) { continue; }
      let t = (c * p.KH + m) * p.KW + l;
      for (var q = colPtr[t]; q < colPtr[t + 1u]; q++) {
        sum += w[colIndex[q]] * dy[((n * p.K + u32(colChannel[q])) * p.OH + oi) * p.OW + oj];
      }`
          : `for (var k = 0u; k < p.K; k++) {
        sum += dy[((n * p.K + k) * p.OH + oi) * p.OW + oj] * w[((k * p.C + c) * p.KH + m) * p.KW + l];
      }`
      }
    }
  }
  dx[i] = sum;
}`;

/**
 * ∂w: one invocation per weight sums over the batch and the output positions — every weight (dense), or only
 * the listed nonzero ones (sparse), written into the dense gradient so every pruned entry stays 0.
 */
const weightGradShader = (sparse: boolean) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
${
  sparse
    ? `@group(0) @binding(2) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(3) var<storage, read> activeSites: array<u32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;`
    : '@group(0) @binding(2) var<storage, read_write> dw: array<f32>;'
}
${GEOMETRY}
@group(0) @binding(${sparse ? 5 : 3}) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let index = ${sparse ? 'u32(rowIndex[i])' : 'i'};
  let l = index % p.KW;
  let m = (index / p.KW) % p.KH;
  let c = (index / (p.KW * p.KH)) % p.C;
  let k = index / (p.KW * p.KH * p.C);
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var oi = 0u; oi < p.OH; oi++) {
      let r = i32(oi * p.S + m) - i32(p.P);
      if (r < 0 || r >= i32(p.H)) { continue; }
      let xRow = ((n * p.C + c) * p.H + u32(r)) * p.W;
      let dyRow = ((n * p.K + k) * p.OH + oi) * p.OW;
      for (var oj = 0u; oj < p.OW; oj++) {
        let q = i32(oj * p.S + l) - i32(p.P);
        if (q < 0 || q >= i32(p.W)) { continue; }
        ${sparse ? 'if (p.submanifold == 1u && activeSites[(n * p.OH + oi) * p.OW + oj] == 0u) { continue; }' : ''}
        sum += dy[dyRow + oj] * x[xRow + u32(q)];
      }
    }
  }
  dw[index] = sum;
}`;

/** db[k] = Σ over the batch and positions of dy[n, k, ·] (only at active sites in submanifold mode). */
const BIAS_GRAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> activeSites: array<u32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
${GEOMETRY}
@group(0) @binding(3) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let plane = p.OH * p.OW;
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var o = 0u; o < plane; o++) {
      if (p.submanifold == 1u && activeSites[n * plane + o] == 0u) { continue; }
      sum += dy[(n * p.K + i) * plane + o];
    }
  }
  db[i] = sum;
}`;

export function conv2dForward(gpu: Gpu, x: GpuTensor, w: GpuTensor, b: GpuTensor, opts: Conv2dOptions): GpuTensor {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  const y = gpu.tensor([g.batch, g.outChannels, g.outH, g.outW]);
  const count = g.batch * Math.ceil(g.outChannels / 4) * g.outH * g.outW;
  gpu.run('conv2d', FORWARD, [x, w, b, y], geometryParams(g, count), count);
  return y;
}

export function conv2dBackward(gpu: Gpu, x: GpuTensor, w: GpuTensor, dy: GpuTensor, opts: Conv2dOptions, needInputGrad = true) {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  let dx: GpuTensor | null = null;
  if (needInputGrad) {
    dx = gpu.tensor(x.shape);
    gpu.run('conv2dInputGrad', inputGradShader(false), [dy, w, dx], geometryParams(g, dx.size), dx.size);
  }
  const dw = gpu.tensor(w.shape);
  gpu.run('conv2dWeightGrad', weightGradShader(false), [x, dy, dw], geometryParams(g, dw.size), dw.size);
  const db = gpu.tensor([g.outChannels]);
  gpu.run('conv2dBiasGrad', BIAS_GRAD, [dy, gpu.placeholder(), db], geometryParams(g, g.outChannels), g.outChannels);
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------------------
// Sparse (weight-compressed) kernels.

/**
 * The kept weights' pattern (engine/sparse/weightPattern.ts) in GPU buffers: by output channel (for the
 * forward pass and ∂w) and by tap (for ∂x). Uploaded once per mask change; the values are read from the
 * weight tensor through the dense indices, so an optimizer step needs no re-upload.
 */
export interface GpuCompressedWeights {
  nonzeros: number;
  /** CSR by output channel: rowPtr [K + 1], and per entry its tap (c·KH + m)·KW + l and dense index. */
  rowPtr: GpuTensor;
  rowTap: GpuTensor;
  rowIndex: GpuTensor;
  /** CSC by tap: colPtr [C·KH·KW + 1], and per entry its output channel and dense index. */
  colPtr: GpuTensor;
  colChannel: GpuTensor;
  colIndex: GpuTensor;
  /** The weights' dense shape [K, C, KH, KW] (or [out, in]). */
  shape: number[];
}

/** Uploads a weight pattern (a buffer holds at least one entry, even for a layer with none kept). */
export function uploadPattern(gpu: Gpu, p: WeightPattern): GpuCompressedWeights {
  const upload = (a: Int32Array) => gpu.tensor([Math.max(1, a.length)], a.length ? a : new Int32Array(1));
  return {
    nonzeros: p.nonzeros,
    rowPtr: upload(p.rowPtr),
    rowTap: upload(p.rowTap),
    rowIndex: upload(p.rowIndex),
    colPtr: upload(p.colPtr),
    colChannel: upload(p.colOutput),
    colIndex: upload(p.colIndex),
    shape: [...p.shape],
  };
}

export function destroyCompressed(cw: GpuCompressedWeights): void {
  for (const t of [cw.rowPtr, cw.rowTap, cw.rowIndex, cw.colPtr, cw.colChannel, cw.colIndex]) t.destroy();
}

/** activeSites[n·OH·OW + site] = 1 when any channel of x is nonzero there (submanifold mode; OH, OW = H, W). */
const ACTIVE_SITES = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> activeSites: array<u32>;
${GEOMETRY}
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let plane = p.H * p.W;
  let n = i / plane;
  let site = i % plane;
  var found = 0u;
  for (var c = 0u; c < p.C; c++) {
    if (x[(n * p.C + c) * plane + site] != 0.0) { found = 1u; break; }
  }
  activeSites[i] = found;
}`;

const SPARSE_FORWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> rowPtr: array<i32>;
@group(0) @binding(4) var<storage, read> rowTap: array<i32>;
@group(0) @binding(5) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(6) var<storage, read> activeSites: array<u32>;
@group(0) @binding(7) var<storage, read_write> y: array<f32>;
${GEOMETRY}
@group(0) @binding(8) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  ${OUTPUT_COORDS}
  if (p.submanifold == 1u && activeSites[(n * p.OH + oi) * p.OW + oj] == 0u) { y[i] = 0.0; return; }
  var sum = b[k];
  let taps = p.KH * p.KW;
  for (var e = rowPtr[k]; e < rowPtr[k + 1u]; e++) {
    let t = u32(rowTap[e]);
    let c = t / taps;
    let m = (t / p.KW) % p.KH;
    let l = t % p.KW;
    let r = i32(oi * p.S + m) - i32(p.P);
    let q = i32(oj * p.S + l) - i32(p.P);
    if (r < 0 || r >= i32(p.H) || q < 0 || q >= i32(p.W)) { continue; }
    sum += w[rowIndex[e]] * x[((n * p.C + c) * p.H + u32(r)) * p.W + u32(q)];
  }
  y[i] = sum;
}`;

function activeSites(gpu: Gpu, x: GpuTensor, g: Conv2dGeometry, mode: SparseConvMode): GpuTensor {
  if (mode !== 'submanifold') return gpu.placeholder();
  const count = g.batch * g.height * g.width;
  const active = gpu.temporary(gpu.tensor([count], undefined, 'i32'));
  gpu.run('activeSites', ACTIVE_SITES, [x, active], geometryParams(g, count), count);
  return active;
}

export function sparseConv2dForward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  cw: GpuCompressedWeights,
  b: GpuTensor,
  opts: Conv2dOptions,
  mode: SparseConvMode = 'regular',
): GpuTensor {
  const g = conv2dGeometry(x.shape, cw.shape, opts);
  checkMode(g, mode);
  const y = gpu.tensor([g.batch, g.outChannels, g.outH, g.outW]);
  const active = activeSites(gpu, x, g, mode);
  gpu.run('sparseConv2d', SPARSE_FORWARD, [x, w, b, cw.rowPtr, cw.rowTap, cw.rowIndex, active, y], geometryParams(g, y.size, mode === 'submanifold'), y.size);
  return y;
}

export function sparseConv2dBackward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  cw: GpuCompressedWeights,
  dy: GpuTensor,
  opts: Conv2dOptions,
  mode: SparseConvMode = 'regular',
  needInputGrad = true,
) {
  const g = conv2dGeometry(x.shape, cw.shape, opts);
  checkMode(g, mode);
  const sub = mode === 'submanifold';
  const active = activeSites(gpu, x, g, mode);
  let dx: GpuTensor | null = null;
  if (needInputGrad) {
    dx = gpu.tensor(x.shape);
    gpu.run(
      'sparseConv2dInputGrad',
      inputGradShader(true),
      [dy, w, cw.colPtr, cw.colChannel, cw.colIndex, active, dx],
      geometryParams(g, dx.size, sub),
      dx.size,
    );
  }
  const dw = gpu.tensor(cw.shape);
  gpu.run('sparseConv2dWeightGrad', weightGradShader(true), [x, dy, cw.rowIndex, active, dw], geometryParams(g, cw.nonzeros, sub), cw.nonzeros);
  const db = gpu.tensor([g.outChannels]);
  gpu.run('conv2dBiasGrad', BIAS_GRAD, [dy, active, db], geometryParams(g, g.outChannels, sub), g.outChannels);
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------------------
// The Cartesian product over Ω, output-stationary. The CPU's kernel scatters every (nonzero input, kept
// weight) pair into its output; without float atomics a GPU gathers instead, so each output walks its
// kept weights and multiplies only where the input is nonzero — the same pairs, each multiplied once.
// Each pass counts the multiplies it did (u32 atomics into small per-row counters, summed in float64 on
// the CPU), so its executed MACs are measured, not assumed. Regular mode only.

const CARTESIAN_FORWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> rowPtr: array<i32>;
@group(0) @binding(4) var<storage, read> rowTap: array<i32>;
@group(0) @binding(5) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> counts: array<atomic<u32>>;
${GEOMETRY}
@group(0) @binding(8) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  ${OUTPUT_COORDS}
  var sum = b[k];
  var done = 0u;
  let taps = p.KH * p.KW;
  for (var e = rowPtr[k]; e < rowPtr[k + 1u]; e++) {
    let t = u32(rowTap[e]);
    let r = i32(oi * p.S + (t / p.KW) % p.KH) - i32(p.P);
    let q = i32(oj * p.S + t % p.KW) - i32(p.P);
    if (r < 0 || r >= i32(p.H) || q < 0 || q >= i32(p.W)) { continue; }
    let xv = x[((n * p.C + t / taps) * p.H + u32(r)) * p.W + u32(q)];
    if (xv == 0.0) { continue; }
    sum += w[rowIndex[e]] * xv;
    done++;
  }
  y[i] = sum;
  if (done > 0u) { atomicAdd(&counts[n * p.K + k], done); }
}`;

/** ∂x at the nonzero inputs only (0 elsewhere, as the CPU's Cartesian backward: exact behind a ReLU). */
const CARTESIAN_INPUT_GRAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> colPtr: array<i32>;
@group(0) @binding(3) var<storage, read> colChannel: array<i32>;
@group(0) @binding(4) var<storage, read> colIndex: array<i32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> counts: array<atomic<u32>>;
${GEOMETRY}
@group(0) @binding(8) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  if (x[i] == 0.0) { dx[i] = 0.0; return; }
  ${INPUT_COORDS}
  var sum = 0.0;
  var done = 0u;
  for (var m = 0u; m < p.KH; m++) {
    let ti = ii + i32(p.P) - i32(m);
    if (ti < 0 || ti % i32(p.S) != 0 || ti / i32(p.S) >= i32(p.OH)) { continue; }
    let oi = u32(ti) / p.S;
    for (var l = 0u; l < p.KW; l++) {
      let tj = jj + i32(p.P) - i32(l);
      if (tj < 0 || tj % i32(p.S) != 0 || tj / i32(p.S) >= i32(p.OW)) { continue; }
      let oj = u32(tj) / p.S;
      let t = (c * p.KH + m) * p.KW + l;
      for (var q = colPtr[t]; q < colPtr[t + 1u]; q++) {
        sum += w[colIndex[q]] * dy[((n * p.K + u32(colChannel[q])) * p.OH + oi) * p.OW + oj];
      }
      done += u32(colPtr[t + 1u] - colPtr[t]);
    }
  }
  dx[i] = sum;
  if (done > 0u) { atomicAdd(&counts[n * p.C + c], done); }
}`;

/** ∂w at each kept weight over its nonzero inputs only; counts[e] = the multiplies of entry e. */
const CARTESIAN_WEIGHT_GRAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
@group(0) @binding(4) var<storage, read_write> counts: array<u32>;
${GEOMETRY}
@group(0) @binding(5) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let index = u32(rowIndex[i]);
  let l = index % p.KW;
  let m = (index / p.KW) % p.KH;
  let c = (index / (p.KW * p.KH)) % p.C;
  let k = index / (p.KW * p.KH * p.C);
  var sum = 0.0;
  var done = 0u;
  for (var n = 0u; n < p.N; n++) {
    for (var oi = 0u; oi < p.OH; oi++) {
      let r = i32(oi * p.S + m) - i32(p.P);
      if (r < 0 || r >= i32(p.H)) { continue; }
      let xRow = ((n * p.C + c) * p.H + u32(r)) * p.W;
      let dyRow = ((n * p.K + k) * p.OH + oi) * p.OW;
      for (var oj = 0u; oj < p.OW; oj++) {
        let q = i32(oj * p.S + l) - i32(p.P);
        if (q < 0 || q >= i32(p.W)) { continue; }
        let xv = x[xRow + u32(q)];
        if (xv == 0.0) { continue; }
        sum += dy[dyRow + oj] * xv;
        done++;
      }
    }
  }
  dw[index] = sum;
  counts[i] = done;
}`;

/** The sum of a pass's multiply counters, read back (float64: no u32 overflow however large the layer). */
async function countedMultiplies(gpu: Gpu, counters: GpuTensor[]): Promise<number> {
  let total = 0;
  try {
    for (const t of counters) for (const v of new Uint32Array((await gpu.read(t)).buffer)) total += v;
  } finally {
    for (const t of counters) t.destroy();
  }
  return total;
}

export function cartesianConv2dForward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  cw: GpuCompressedWeights,
  b: GpuTensor,
  opts: Conv2dOptions,
): { y: GpuTensor; executedMacs: Promise<number> } {
  const g = conv2dGeometry(x.shape, cw.shape, opts);
  const y = gpu.tensor([g.batch, g.outChannels, g.outH, g.outW]);
  const counts = gpu.tensor([g.batch * g.outChannels], undefined, 'i32');
  gpu.run('cartesianConv2d', CARTESIAN_FORWARD, [x, w, b, cw.rowPtr, cw.rowTap, cw.rowIndex, y, counts], geometryParams(g, y.size), y.size);
  return { y, executedMacs: countedMultiplies(gpu, [counts]) };
}

export function cartesianConv2dBackward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  cw: GpuCompressedWeights,
  dy: GpuTensor,
  opts: Conv2dOptions,
  needInputGrad: boolean,
) {
  const g = conv2dGeometry(x.shape, cw.shape, opts);
  const counters: GpuTensor[] = [];
  let dx: GpuTensor | null = null;
  if (needInputGrad) {
    dx = gpu.tensor(x.shape);
    const counts = gpu.tensor([g.batch * g.inChannels], undefined, 'i32');
    counters.push(counts);
    gpu.run(
      'cartesianConv2dInputGrad',
      CARTESIAN_INPUT_GRAD,
      [dy, w, cw.colPtr, cw.colChannel, cw.colIndex, x, dx, counts],
      geometryParams(g, dx.size),
      dx.size,
    );
  }
  const dw = gpu.tensor(cw.shape);
  const counts = gpu.tensor([Math.max(1, cw.nonzeros)], undefined, 'i32');
  counters.push(counts);
  gpu.run('cartesianConv2dWeightGrad', CARTESIAN_WEIGHT_GRAD, [x, dy, cw.rowIndex, dw, counts], geometryParams(g, cw.nonzeros), cw.nonzeros);
  const db = gpu.tensor([g.outChannels]);
  gpu.run('conv2dBiasGrad', BIAS_GRAD, [dy, gpu.placeholder(), db], geometryParams(g, g.outChannels), g.outChannels);
  return { dx, dw, db, executedMacs: countedMultiplies(gpu, counters) };
}
