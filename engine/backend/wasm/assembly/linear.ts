/**
 * Fully connected layers, y [N × O] = x [N × I] · Wᵀ + b with W [O × I] as stored.
 *
 * Dense: through the packed GEMM, arranged so that the big operand, W, is never repacked in the forward
 * pass: yᵀ = W · xᵀ (xᵀ packed, the small one), then transposed with the bias.
 *
 * CSR (the kept weights, a row per output): the batch is the vector dimension, as in XNNPACK's sparse
 * kernels: with xᵀ [I × N] (N padded to whole vectors), each kept weight w[o, i] adds w · xᵀ[i, :] to
 * yᵀ[o, :], four images a vector.
 */
import { gemmPacked, packPanels, packPanelsTransposed, transpose } from './gemm';

/** Scratch: ⌈N/8⌉·8·I floats of xᵀ's panels, then O·N of yᵀ. */
export function linearForward(x: usize, w: usize, b: usize, y: usize, N: i32, I: i32, O: i32, scratch: usize): void {
  const panels = scratch;
  const yt = scratch + ((<usize>(((N + 7) >> 3) * 8 * I)) << 2);
  packPanelsTransposed(x, I, N, panels);
  gemmPacked(w, panels, yt, O, N, I, false);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) store<f32>(y + ((<usize>(n * O + o)) << 2), load<f32>(yt + ((<usize>(o * N + n)) << 2)) + load<f32>(b + ((<usize>o) << 2)));
}

function columnSums(dy: usize, N: i32, O: i32, db: usize): void {
  for (let o = 0; o < O; o++) {
    let sum: f32 = 0;
    for (let n = 0; n < N; n++) sum += load<f32>(dy + ((<usize>(n * O + o)) << 2));
    store<f32>(db + ((<usize>o) << 2), sum);
  }
}

/**
 * dW = dyᵀ · x, db = Σ dy, and (dx ≠ 0) dx = dy · W. Scratch: O·N floats of dyᵀ, then the larger of x's
 * panels (⌈I/8⌉·8·N) and W's (⌈I/8⌉·8·O).
 */
export function linearBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, N: i32, I: i32, O: i32, scratch: usize): void {
  const dyt = scratch;
  const panels = scratch + ((<usize>(O * N)) << 2);
  transpose(dy, N, O, dyt);
  packPanels(x, N, I, panels);
  gemmPacked(dyt, panels, dw, O, I, N, false);
  columnSums(dy, N, O, db);
  if (!dx) return;
  packPanels(w, O, I, panels);
  gemmPacked(dy, panels, dx, N, I, O, false);
}

/** src [N × cols] → dst [cols × NP], NP ≥ N a multiple of 4, zero in the padding. */
function transposePadded(src: usize, N: i32, cols: i32, NP: i32, dst: usize): void {
  memory.fill(dst, 0, (<usize>(cols * NP)) << 2);
  for (let n = 0; n < N; n++) {
    const row = src + ((<usize>(n * cols)) << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + ((<usize>(j * NP + n)) << 2), load<f32>(row + ((<usize>j) << 2)));
  }
}

/** Σ over the kept weights of row o of w · src[tap, :], into four vectors at a time. Returns nothing; writes `out` (NP floats). */
function gatherRow(w: usize, rowPtr: usize, rowTap: usize, rowIndex: usize, o: i32, src: usize, NP: i32, out: usize): void {
  const start = load<i32>(rowPtr + ((<usize>o) << 2));
  const end = load<i32>(rowPtr + ((<usize>(o + 1)) << 2));
  const rowBytes = (<usize>NP) << 2;
  let c = 0;
  for (; c + 16 <= NP; c += 16) {
    let a0 = f32x4.splat(0),
      a1 = f32x4.splat(0),
      a2 = f32x4.splat(0),
      a3 = f32x4.splat(0);
    const off = (<usize>c) << 2;
    for (let e = start; e < end; e++) {
      const v = f32x4.splat(load<f32>(w + ((<usize>load<i32>(rowIndex + ((<usize>e) << 2))) << 2)));
      const p = src + <usize>load<i32>(rowTap + ((<usize>e) << 2)) * rowBytes + off;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(p)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(p, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(p, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(p, 48)));
    }
    v128.store(out + off, a0);
    v128.store(out + off, a1, 16);
    v128.store(out + off, a2, 32);
    v128.store(out + off, a3, 48);
  }
  for (; c < NP; c += 4) {
    let a = f32x4.splat(0);
    const off = (<usize>c) << 2;
    for (let e = start; e < end; e++) {
      const v = f32x4.splat(load<f32>(w + ((<usize>load<i32>(rowIndex + ((<usize>e) << 2))) << 2)));
      a = f32x4.add(a, f32x4.mul(v, v128.load(src + <usize>load<i32>(rowTap + ((<usize>e) << 2)) * rowBytes + off)));
    }
    v128.store(out + off, a);
  }
}

/** y over the kept weights; scratch: I·NP floats of xᵀ then NP of one output row, NP = N rounded up to 4. */
export function sparseLinearForward(
  x: usize,
  w: usize,
  b: usize,
  y: usize,
  N: i32,
  I: i32,
  O: i32,
  rowPtr: usize,
  rowTap: usize,
  rowIndex: usize,
  scratch: usize,
): void {
  const NP = (N + 3) & ~3;
  const xt = scratch;
  const row = scratch + ((<usize>(I * NP)) << 2);
  transposePadded(x, N, I, NP, xt);
  for (let o = 0; o < O; o++) {
    gatherRow(w, rowPtr, rowTap, rowIndex, o, xt, NP, row);
    const bias = load<f32>(b + ((<usize>o) << 2));
    for (let n = 0; n < N; n++) store<f32>(y + ((<usize>(n * O + o)) << 2), load<f32>(row + ((<usize>n) << 2)) + bias);
  }
}

/**
 * ∂w at the kept weights (zero elsewhere), db, and (dx ≠ 0) dx = dy · W over the kept weights. Scratch:
 * xᵀ [I × NP], dyᵀ [O × NP], and dxᵀ [I × NP] when dx is asked for.
 */
export function sparseLinearBackward(
  x: usize,
  w: usize,
  dy: usize,
  dx: usize,
  dw: usize,
  db: usize,
  N: i32,
  I: i32,
  O: i32,
  rowPtr: usize,
  rowTap: usize,
  rowIndex: usize,
  scratch: usize,
): void {
  const NP = (N + 3) & ~3;
  const rowBytes = (<usize>NP) << 2;
  const xt = scratch;
  const dyt = xt + <usize>I * rowBytes;
  const dxt = dyt + <usize>O * rowBytes;
  transposePadded(x, N, I, NP, xt);
  transposePadded(dy, N, O, NP, dyt);
  memory.fill(dw, 0, (<usize>(O * I)) << 2);
  if (dx) memory.fill(dxt, 0, <usize>I * rowBytes);
  columnSums(dy, N, O, db);
  for (let o = 0; o < O; o++) {
    const g = dyt + <usize>o * rowBytes;
    const end = load<i32>(rowPtr + ((<usize>(o + 1)) << 2));
    for (let e = load<i32>(rowPtr + ((<usize>o) << 2)); e < end; e++) {
      const tap = load<i32>(rowTap + ((<usize>e) << 2));
      const index = (<usize>load<i32>(rowIndex + ((<usize>e) << 2))) << 2;
      const xi = xt + <usize>tap * rowBytes;
      let s = f32x4.splat(0);
      for (let c = 0; c < NP; c += 4) s = f32x4.add(s, f32x4.mul(v128.load(g + ((<usize>c) << 2)), v128.load(xi + ((<usize>c) << 2))));
      store<f32>(dw + index, f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
      if (!dx) continue;
      const v = f32x4.splat(load<f32>(w + index));
      const di = dxt + <usize>tap * rowBytes;
      for (let c = 0; c < NP; c += 4) {
        const at = di + ((<usize>c) << 2);
        v128.store(at, f32x4.add(v128.load(at), f32x4.mul(v, v128.load(g + ((<usize>c) << 2)))));
      }
    }
  }
  if (!dx) return;
  for (let n = 0; n < N; n++)
    for (let i = 0; i < I; i++) store<f32>(dx + ((<usize>(n * I + i)) << 2), load<f32>(dxt + <usize>i * rowBytes + ((<usize>n) << 2)));
}
