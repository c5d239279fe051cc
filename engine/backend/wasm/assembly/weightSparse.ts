/**
 * The weight-sparse direct convolution (engine/ops/sparseConv/weightSparse.ts, in SIMD): zero weights are
 * skipped, the input is read in place from a zero-padded copy of each image — a kept weight w[k, c, m, l]
 * meets, for 8 neighbouring outputs of a row, 8 inputs at one fixed offset (c, m, l) from the window's
 * corner: at stride 1, two vector loads. Each output channel's kept weights (a CSR row of the pattern, with
 * those offsets precomputed) accumulate 8 outputs in two registers.
 *
 * Padded layout: rows of `rowStride` floats, wide enough that the last panel of 8 outputs never reads into
 * the next row; planes of (H + 2P) rows.
 */

import { addRowSums } from './elementwise';

export function paddedRowStride(W: i32, P: i32, S: i32, KW: i32, OW: i32): i32 {
  const panels = (OW + 7) >> 3;
  return max(W + 2 * P, (panels * 8 - 1) * S + KW);
}

/** Image n of x into `xp` (zeroed first), every channel padded. */
function padImage(x: usize, n: i32, C: i32, H: i32, W: i32, P: i32, rowStride: i32, plane: i32, xp: usize): void {
  memory.fill(xp, 0, (<usize>(C * plane)) << 2);
  for (let c = 0; c < C; c++) {
    const src = x + ((<usize>((n * C + c) * H * W)) << 2);
    for (let i = 0; i < H; i++) {
      memory.copy(xp + ((<usize>(c * plane + (i + P) * rowStride + P)) << 2), src + ((<usize>(i * W)) << 2), (<usize>W) << 2);
    }
  }
}

/** Eight floats at p, q, … 7 strides apart as two vectors (stride 1: two loads). */
function loadLo(p: usize, s: usize): v128 {
  if (s == 4) return v128.load(p);
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + s));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * s));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * s));
}

function loadHi(p: usize, s: usize): v128 {
  return loadLo(p + 4 * s, s);
}

/** Stores lanes of an 8-wide result; fewer than 8 (the row's last panel) one by one. */
function storeLanes(at: usize, lo: v128, hi: v128, width: i32): void {
  if (width == 8) {
    v128.store(at, lo);
    v128.store(at, hi, 16);
    return;
  }
  for (let j = 0; j < width; j++) {
    let v: f32;
    if (j < 4) v = j == 0 ? f32x4.extract_lane(lo, 0) : j == 1 ? f32x4.extract_lane(lo, 1) : j == 2 ? f32x4.extract_lane(lo, 2) : f32x4.extract_lane(lo, 3);
    else v = j == 4 ? f32x4.extract_lane(hi, 0) : j == 5 ? f32x4.extract_lane(hi, 1) : j == 6 ? f32x4.extract_lane(hi, 2) : f32x4.extract_lane(hi, 3);
    store<f32>(at + ((<usize>j) << 2), v);
  }
}

/** The kept weights' byte offsets in the padded image and their current values, in row (CSR) order. */
function weightRows(w: usize, rowTap: usize, rowIndex: usize, nnz: i32, KH: i32, KW: i32, rowStride: i32, plane: i32, offsets: usize, values: usize): void {
  const taps = KH * KW;
  for (let e = 0; e < nnz; e++) {
    const t = load<i32>(rowTap + ((<usize>e) << 2));
    const c = t / taps;
    const m = (t / KW) % KH;
    store<i32>(offsets + ((<usize>e) << 2), (c * plane + m * rowStride + (t % KW)) << 2);
    store<f32>(values + ((<usize>e) << 2), load<f32>(w + ((<usize>load<i32>(rowIndex + ((<usize>e) << 2))) << 2)));
  }
}

/**
 * y = conv(x, w at the pattern's entries) + b. Scratch: C·plane floats (padded image), then nnz i32 offsets
 * and nnz f32 values.
 */
export function weightSparseForward(
  x: usize,
  w: usize,
  b: usize,
  y: usize,
  N: i32,
  C: i32,
  H: i32,
  W: i32,
  K: i32,
  KH: i32,
  KW: i32,
  S: i32,
  P: i32,
  OH: i32,
  OW: i32,
  rowPtr: usize,
  rowTap: usize,
  rowIndex: usize,
  nnz: i32,
  scratch: usize,
): void {
  const rowStride = paddedRowStride(W, P, S, KW, OW);
  const plane = (H + 2 * P) * rowStride;
  const xp = scratch;
  const offsets = xp + ((<usize>(C * plane)) << 2);
  const values = offsets + ((<usize>nnz) << 2);
  weightRows(w, rowTap, rowIndex, nnz, KH, KW, rowStride, plane, offsets, values);
  const panels = (OW + 7) >> 3;
  const outPlane = OH * OW;
  const s = (<usize>S) << 2;
  for (let n = 0; n < N; n++) {
    padImage(x, n, C, H, W, P, rowStride, plane, xp);
    for (let oi = 0; oi < OH; oi++) {
      for (let panel = 0; panel < panels; panel++) {
        const oj0 = 8 * panel;
        const corner = xp + ((<usize>(oi * S * rowStride + oj0 * S)) << 2);
        const width = min(8, OW - oj0);
        for (let k = 0; k < K; k++) {
          const bias = f32x4.splat(load<f32>(b + ((<usize>k) << 2)));
          let lo = bias,
            hi = bias;
          const end = load<i32>(rowPtr + ((<usize>(k + 1)) << 2));
          for (let e = load<i32>(rowPtr + ((<usize>k) << 2)); e < end; e++) {
            const v = f32x4.splat(load<f32>(values + ((<usize>e) << 2)));
            const p = corner + <usize>load<i32>(offsets + ((<usize>e) << 2));
            lo = f32x4.add(lo, f32x4.mul(v, loadLo(p, s)));
            hi = f32x4.add(hi, f32x4.mul(v, loadHi(p, s)));
          }
          storeLanes(y + ((<usize>((n * K + k) * outPlane + oi * OW + oj0)) << 2), lo, hi, width);
        }
      }
    }
  }
}

function sumLanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * ∂w at the kept weights (zero elsewhere), ∂b, and (dx ≠ 0) ∂x. Scratch, in floats: the padded image
 * (C·plane), the padded ∂x (C·plane), dY of one image with rows padded to whole panels (K·OH·⌈OW/8⌉·8),
 * nnz offsets, nnz values, nnz ∂w sums, nnz column values (CSC order).
 */
export function weightSparseBackward(
  x: usize,
  w: usize,
  dy: usize,
  dx: usize,
  dw: usize,
  db: usize,
  N: i32,
  C: i32,
  H: i32,
  W: i32,
  K: i32,
  KH: i32,
  KW: i32,
  S: i32,
  P: i32,
  OH: i32,
  OW: i32,
  rowPtr: usize,
  rowTap: usize,
  rowIndex: usize,
  colPtr: usize,
  colOutput: usize,
  colIndex: usize,
  nnz: i32,
  scratch: usize,
): void {
  const rowStride = paddedRowStride(W, P, S, KW, OW);
  const plane = (H + 2 * P) * rowStride;
  const panels = (OW + 7) >> 3;
  const dyRow = panels * 8;
  const dyPlane = OH * dyRow;
  const xp = scratch;
  const dxp = xp + ((<usize>(C * plane)) << 2);
  const dyp = dxp + ((<usize>(C * plane)) << 2);
  const offsets = dyp + ((<usize>(K * dyPlane)) << 2);
  const values = offsets + ((<usize>nnz) << 2);
  const sums = values + ((<usize>nnz) << 2);
  const colValues = sums + ((<usize>nnz) << 2);
  weightRows(w, rowTap, rowIndex, nnz, KH, KW, rowStride, plane, offsets, values);
  memory.fill(sums, 0, (<usize>nnz) << 2);
  for (let q = 0; q < nnz; q++) store<f32>(colValues + ((<usize>q) << 2), load<f32>(w + ((<usize>load<i32>(colIndex + ((<usize>q) << 2))) << 2)));
  const outPlane = OH * OW;
  const s = (<usize>S) << 2;
  const rowBytes = (<usize>(S * rowStride)) << 2;
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  for (let n = 0; n < N; n++) {
    padImage(x, n, C, H, W, P, rowStride, plane, xp);
    memory.fill(dyp, 0, (<usize>(K * dyPlane)) << 2);
    addRowSums(dy + ((<usize>(n * K * outPlane)) << 2), K, outPlane, db);
    for (let k = 0; k < K; k++)
      for (let oi = 0; oi < OH; oi++) {
        const src = dy + ((<usize>((n * K + k) * outPlane + oi * OW)) << 2);
        memory.copy(dyp + ((<usize>(k * dyPlane + oi * dyRow)) << 2), src, (<usize>OW) << 2);
      }
    // ∂W[k, c, m, l] = Σ dY[k, oi, oj] · x[c, oi·S + m − P, oj·S + l − P], 8 outputs a step (the padded
    // lanes of dY are zero), two kept weights of a row at a time so that each dY vector is loaded once for both.
    for (let k = 0; k < K; k++) {
      const end = load<i32>(rowPtr + ((<usize>(k + 1)) << 2));
      const dk = dyp + ((<usize>(k * dyPlane)) << 2);
      for (let e = load<i32>(rowPtr + ((<usize>k) << 2)); e < end; e += 2) {
        const pair = e + 1 < end;
        const f0 = <usize>load<i32>(offsets + ((<usize>e) << 2));
        const f1 = pair ? <usize>load<i32>(offsets + ((<usize>(e + 1)) << 2)) : f0;
        let s0 = f32x4.splat(0),
          s1 = f32x4.splat(0);
        for (let oi = 0; oi < OH; oi++) {
          const d0 = dk + ((<usize>(oi * dyRow)) << 2);
          const row = xp + <usize>oi * rowBytes;
          for (let panel = 0; panel < panels; panel++) {
            const dlo = v128.load(d0 + ((<usize>panel) << 5));
            const dhi = v128.load(d0 + ((<usize>panel) << 5), 16);
            const p = row + <usize>(panel * 8) * s;
            s0 = f32x4.add(s0, f32x4.add(f32x4.mul(dlo, loadLo(p + f0, s)), f32x4.mul(dhi, loadHi(p + f0, s))));
            s1 = f32x4.add(s1, f32x4.add(f32x4.mul(dlo, loadLo(p + f1, s)), f32x4.mul(dhi, loadHi(p + f1, s))));
          }
        }
        const at0 = sums + ((<usize>e) << 2);
        store<f32>(at0, load<f32>(at0) + sumLanes(s0));
        if (pair) store<f32>(at0 + 4, load<f32>(at0 + 4) + sumLanes(s1));
      }
    }
    if (!dx) continue;
    // ∂x[c, oi·S + m − P, oj·S + l − P] += Σ_k w[k, c, m, l] · dY[k, oi, oj]: per tap, its sparse column
    // of W times 8 neighbouring dY values, added into the padded gradient (lanes past a row's end carry
    // dY = 0 and land in the row's padding).
    memory.fill(dxp, 0, (<usize>(C * plane)) << 2);
    for (let c = 0; c < C; c++)
      for (let m = 0; m < KH; m++)
        for (let l = 0; l < KW; l++) {
          const t = (c * KH + m) * KW + l;
          const start = load<i32>(colPtr + ((<usize>t) << 2));
          const end = load<i32>(colPtr + ((<usize>(t + 1)) << 2));
          if (start == end) continue;
          const tap = dxp + ((<usize>(c * plane + m * rowStride + l)) << 2);
          for (let oi = 0; oi < OH; oi++) {
            for (let panel = 0; panel < panels; panel++) {
              const d0 = dyp + ((<usize>(oi * dyRow + 8 * panel)) << 2);
              let lo = f32x4.splat(0),
                hi = f32x4.splat(0);
              for (let q = start; q < end; q++) {
                const v = f32x4.splat(load<f32>(colValues + ((<usize>q) << 2)));
                const d = d0 + ((<usize>(load<i32>(colOutput + ((<usize>q) << 2)) * dyPlane)) << 2);
                lo = f32x4.add(lo, f32x4.mul(v, v128.load(d)));
                hi = f32x4.add(hi, f32x4.mul(v, v128.load(d, 16)));
              }
              const at = tap + <usize>oi * rowBytes + <usize>(8 * panel) * s;
              if (S == 1) {
                v128.store(at, f32x4.add(v128.load(at), lo));
                v128.store(at, f32x4.add(v128.load(at, 16), hi), 16);
              } else {
                store<f32>(at, load<f32>(at) + f32x4.extract_lane(lo, 0));
                store<f32>(at + s, load<f32>(at + s) + f32x4.extract_lane(lo, 1));
                store<f32>(at + 2 * s, load<f32>(at + 2 * s) + f32x4.extract_lane(lo, 2));
                store<f32>(at + 3 * s, load<f32>(at + 3 * s) + f32x4.extract_lane(lo, 3));
                store<f32>(at + 4 * s, load<f32>(at + 4 * s) + f32x4.extract_lane(hi, 0));
                store<f32>(at + 5 * s, load<f32>(at + 5 * s) + f32x4.extract_lane(hi, 1));
                store<f32>(at + 6 * s, load<f32>(at + 6 * s) + f32x4.extract_lane(hi, 2));
                store<f32>(at + 7 * s, load<f32>(at + 7 * s) + f32x4.extract_lane(hi, 3));
              }
            }
          }
        }
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++) {
        memory.copy(dx + ((<usize>(((n * C + c) * H + i) * W)) << 2), dxp + ((<usize>(c * plane + (i + P) * rowStride + P)) << 2), (<usize>W) << 2);
      }
  }
  memory.fill(dw, 0, (<usize>(K * C * KH * KW)) << 2);
  for (let e = 0; e < nnz; e++) store<f32>(dw + ((<usize>load<i32>(rowIndex + ((<usize>e) << 2))) << 2), load<f32>(sums + ((<usize>e) << 2)));
}
