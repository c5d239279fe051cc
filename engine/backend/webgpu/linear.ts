/**
 * Matrix products on the GPU and the fully connected layer built from them (engine/ops/linear.ts):
 * y = x·wᵀ + b;  dx = dy·w;  dw = dyᵀ·x;  db = Σ_n dy.
 *
 * The product is the classic shared-memory tiling: a 16×16 workgroup loads a 16×16 tile of each operand,
 * synchronises, and every invocation accumulates one output over the tile's depth.
 */
import { expectRank, formatShape, ShapeError } from '../../tensor/tensor';
import type { GpuCompressedWeights } from './conv2d';
import { ENTRY, FLAT_INDEX, Gpu, GpuTensor } from './gpu';

const MATMUL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
// op(A) is M×K (A stored K×M when transA), op(B) is K×N (B stored N×K when transB).
struct Params { M: u32, N: u32, K: u32, transA: u32, transB: u32 }
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> tileA: array<array<f32, 16>, 16>;
var<workgroup> tileB: array<array<f32, 16>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * 16u + lid.y;
  let col = wg.x * 16u + lid.x;
  var sum = 0.0;
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    let ka = k0 + lid.x;
    var av = 0.0;
    if (row < p.M && ka < p.K) {
      if (p.transA == 1u) { av = a[ka * p.M + row]; } else { av = a[row * p.K + ka]; }
    }
    tileA[lid.y][lid.x] = av;
    let kb = k0 + lid.y;
    var bv = 0.0;
    if (kb < p.K && col < p.N) {
      if (p.transB == 1u) { bv = b[col * p.K + kb]; } else { bv = b[kb * p.N + col]; }
    }
    tileB[lid.y][lid.x] = bv;
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) { sum += tileA[lid.y][k] * tileB[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < p.M && col < p.N) { c[row * p.N + col] = sum; }
}`;

/** y[n, o] += b[o] over an N×O matrix. */
const ADD_ROW_BIAS = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
struct Params { count: u32, cols: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  y[i] = y[i] + b[i % p.cols];
}`;

/** out[o] = Σ_n m[n, o]: one invocation per column. */
const COLUMN_SUMS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> m: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params { rows: u32, cols: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.cols) { return; }
  var sum = 0.0;
  for (var r = 0u; r < p.rows; r++) { sum += m[r * p.cols + i]; }
  out[i] = sum;
}`;

/** C = op(A)·op(B), a new M×N tensor. */
export function matmul(gpu: Gpu, a: GpuTensor, b: GpuTensor, M: number, N: number, K: number, transA = false, transB = false): GpuTensor {
  if (a.size !== M * K || b.size !== K * N) throw new ShapeError(`matmul: operands of ${a.size} and ${b.size} values do not make ${M}×${K} · ${K}×${N}`);
  const c = gpu.tensor([M, N]);
  gpu.runGrid(
    'matmul',
    MATMUL,
    [a, b, c],
    [{ u32: M }, { u32: N }, { u32: K }, { u32: transA ? 1 : 0 }, { u32: transB ? 1 : 0 }],
    [Math.ceil(N / 16), Math.ceil(M / 16), 1],
  );
  return c;
}

function shapes(op: string, x: GpuTensor, w: GpuTensor) {
  expectRank(op, 'input', x.shape, 2);
  expectRank(op, 'weight', w.shape, 2);
  const [batch, inFeatures] = x.shape;
  const [outFeatures, wIn] = w.shape;
  if (wIn !== inFeatures)
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${inFeatures} features but weight ${formatShape(w.shape)} expects ${wIn}`);
  return { batch, inFeatures, outFeatures };
}

export function linearForward(gpu: Gpu, x: GpuTensor, w: GpuTensor, b: GpuTensor | null): GpuTensor {
  const { batch, inFeatures, outFeatures } = shapes('linear', x, w);
  const y = matmul(gpu, x, w, batch, outFeatures, inFeatures, false, true);
  if (b) gpu.run('addRowBias', ADD_ROW_BIAS, [y, b], [{ u32: y.size }, { u32: outFeatures }], y.size);
  return y;
}

export function columnSums(gpu: Gpu, m: GpuTensor, rows: number, cols: number): GpuTensor {
  const out = gpu.tensor([cols]);
  gpu.run('columnSums', COLUMN_SUMS, [m, out], [{ u32: rows }, { u32: cols }], cols);
  return out;
}

export function linearBackward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  dy: GpuTensor,
  needInputGrad = true,
): { dx: GpuTensor | null; dw: GpuTensor; db: GpuTensor } {
  const { batch, inFeatures, outFeatures } = shapes('linear backward', x, w);
  const dx = needInputGrad ? matmul(gpu, dy, w, batch, inFeatures, outFeatures) : null;
  const dw = matmul(gpu, dy, x, outFeatures, inFeatures, batch, true, false);
  const db = columnSums(gpu, dy, batch, outFeatures);
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------------------
// Weight-sparse (CSR) fully connected layer: the kept weights only, as engine/ops/sparseLinear.ts. The
// pattern's rows gather the forward pass; its columns gather ∂x, and each kept weight's ∂w is one dot
// product over the batch. A pruned weight is never read and gets no gradient.

const SPARSE_FORWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> rowPtr: array<i32>;
@group(0) @binding(4) var<storage, read> rowTap: array<i32>;
@group(0) @binding(5) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
struct Params { count: u32, O: u32, I: u32 }
@group(0) @binding(7) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let n = i / p.O;
  let o = i % p.O;
  var sum = b[o];
  for (var e = rowPtr[o]; e < rowPtr[o + 1u]; e++) { sum += w[rowIndex[e]] * x[n * p.I + u32(rowTap[e])]; }
  y[i] = sum;
}`;

/** ∂x[n, i] = Σ over column i's kept weights of ∂y[n, o] · w[o, i]. */
const SPARSE_INPUT_GRAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> colPtr: array<i32>;
@group(0) @binding(3) var<storage, read> colOutput: array<i32>;
@group(0) @binding(4) var<storage, read> colIndex: array<i32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
struct Params { count: u32, O: u32, I: u32 }
@group(0) @binding(6) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let n = i / p.I;
  let col = i % p.I;
  var sum = 0.0;
  for (var q = colPtr[col]; q < colPtr[col + 1u]; q++) { sum += dy[n * p.O + u32(colOutput[q])] * w[colIndex[q]]; }
  dx[i] = sum;
}`;

/** ∂w at kept entry e = Σ_n ∂y[n, o] · x[n, i]; every other entry of dw stays 0. */
const SPARSE_WEIGHT_GRAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> rowIndex: array<i32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
struct Params { count: u32, N: u32, O: u32, I: u32 }
@group(0) @binding(4) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let index = u32(rowIndex[i]);
  let o = index / p.I;
  let col = index % p.I;
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) { sum += dy[n * p.O + o] * x[n * p.I + col]; }
  dw[index] = sum;
}`;

export function sparseLinearForward(gpu: Gpu, x: GpuTensor, w: GpuTensor, b: GpuTensor, cw: GpuCompressedWeights): GpuTensor {
  const { batch, inFeatures, outFeatures } = shapes('sparseLinear', x, w);
  const y = gpu.tensor([batch, outFeatures]);
  gpu.run(
    'sparseLinear',
    SPARSE_FORWARD,
    [x, w, b, cw.rowPtr, cw.rowTap, cw.rowIndex, y],
    [{ u32: y.size }, { u32: outFeatures }, { u32: inFeatures }],
    y.size,
  );
  return y;
}

export function sparseLinearBackward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  dy: GpuTensor,
  cw: GpuCompressedWeights,
  needInputGrad = true,
): { dx: GpuTensor | null; dw: GpuTensor; db: GpuTensor } {
  const { batch, inFeatures, outFeatures } = shapes('sparseLinear backward', x, w);
  let dx: GpuTensor | null = null;
  if (needInputGrad) {
    dx = gpu.tensor(x.shape);
    const params = [{ u32: dx.size }, { u32: outFeatures }, { u32: inFeatures }];
    gpu.run('sparseLinearInputGrad', SPARSE_INPUT_GRAD, [dy, w, cw.colPtr, cw.colChannel, cw.colIndex, dx], params, dx.size);
  }
  const dw = gpu.tensor(w.shape);
  const params = [{ u32: cw.nonzeros }, { u32: batch }, { u32: outFeatures }, { u32: inFeatures }];
  gpu.run('sparseLinearWeightGrad', SPARSE_WEIGHT_GRAD, [x, dy, cw.rowIndex, dw], params, cw.nonzeros);
  const db = columnSums(gpu, dy, batch, outFeatures);
  return { dx, dw, db };
}
