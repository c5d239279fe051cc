/**
 * SCNN's Cartesian product over Ω (engine/ops/sparseConv/cartesian.ts): every nonzero input meets every kept
 * weight of its channel, and each product is added to the output it lands on, if any — nothing outside Ω
 * is multiplied. The products go straight into the NCHW output (its planes first filled with the bias).
 *
 * Stride 1 (every seed and pruned layer): a weight group (input channel c, tap m, l) shifts the whole channel
 * by one offset, so the channel's nonzero inputs are listed once per column tap l — only those whose column
 * lands inside the output, row by row — and a group is a few sparse axpys over a contiguous slice of that
 * list (the rows that land through m), four kept weights at a time: each listed input is loaded once per
 * four products, and no bound is tested per pair. Other strides walk inputs × taps × the group's weights.
 *
 * Both return the pairs they multiplied (backward: one multiply for ∂w and, with ∂x, one for ∂x per pair).
 */

import { addRowSums } from './elementwise';

const ZERO = f32x4.splat(0);

/** Each kept weight's value in tap (CSC) order, and the byte offset of its output channel's plane. */
function columnValues(w: usize, colIndex: usize, colOutput: usize, nnz: i32, planeBytes: i32, values: usize, planes: usize): void {
  for (let q = 0; q < nnz; q++) {
    const at = (<usize>q) << 2;
    store<f32>(values + at, load<f32>(w + ((<usize>load<i32>(colIndex + at)) << 2)));
    store<i32>(planes + at, load<i32>(colOutput + at) * planeBytes);
  }
}

/** Any stride: per nonzero input and tap, the kept weights of the group (scratch: values, planes). */
function cartesianForwardStrided(
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
  colPtr: usize,
  colOutput: usize,
  colIndex: usize,
  nnz: i32,
  scratch: usize,
): f64 {
  const outPlane = OH * OW;
  const values = scratch;
  const planes = values + ((<usize>nnz) << 2);
  columnValues(w, colIndex, colOutput, nnz, outPlane << 2, values, planes);
  const plane = H * W;
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    const yn = y + ((<usize>(n * K * outPlane)) << 2);
    for (let k = 0; k < K; k++) {
      const bias = f32x4.splat(load<f32>(b + ((<usize>k) << 2)));
      const row = yn + ((<usize>(k * outPlane)) << 2);
      let o = 0;
      for (; o + 4 <= outPlane; o += 4) v128.store(row + ((<usize>o) << 2), bias);
      for (; o < outPlane; o++) store<f32>(row + ((<usize>o) << 2), f32x4.extract_lane(bias, 0));
    }
    for (let c = 0; c < C; c++) {
      const xc = x + ((<usize>((n * C + c) * plane)) << 2);
      for (let p = 0, i = 0, j = 0; p < plane; p++, j++) {
        if (j == W) {
          j = 0;
          i++;
        }
        // Four zeros at a time, when they are in one row.
        if ((p & 3) == 0 && j + 4 <= W && !v128.any_true(f32x4.ne(v128.load(xc + ((<usize>p) << 2)), ZERO))) {
          p += 3;
          j += 3;
          continue;
        }
        const v = load<f32>(xc + ((<usize>p) << 2));
        if (v == 0) continue;
        for (let m = 0; m < KH; m++) {
          const ti = i + P - m;
          if (ti < 0) break; // larger m only moves further up
          // Stride 1 divides nothing (a division costs tens of cycles, and this runs per input and tap).
          if (S != 1 && ti % S != 0) continue;
          const oi = S == 1 ? ti : ti / S;
          if (oi >= OH) continue;
          for (let l = 0; l < KW; l++) {
            const tj = j + P - l;
            if (tj < 0) break;
            if (S != 1 && tj % S != 0) continue;
            const oj = S == 1 ? tj : tj / S;
            if (oj >= OW) continue;
            const group = (c * KH + m) * KW + l;
            const start = load<i32>(colPtr + ((<usize>group) << 2));
            const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
            const site = yn + ((<usize>(oi * OW + oj)) << 2);
            for (let q = start; q < end; q++) {
              const at = site + <usize>load<i32>(planes + ((<usize>q) << 2));
              store<f32>(at, load<f32>(at) + v * load<f32>(values + ((<usize>q) << 2)));
            }
            pairs += <f64>(end - start);
          }
        }
      }
    }
  }
  return pairs;
}

/** Any stride: per nonzero input and tap, the kept weights of the group (scratch: values, planes, sums). */
function cartesianBackwardStrided(
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
  colPtr: usize,
  colOutput: usize,
  colIndex: usize,
  nnz: i32,
  scratch: usize,
): f64 {
  const outPlane = OH * OW;
  const values = scratch;
  const planes = values + ((<usize>nnz) << 2);
  const sums = planes + ((<usize>nnz) << 2);
  columnValues(w, colIndex, colOutput, nnz, outPlane << 2, values, planes);
  memory.fill(sums, 0, (<usize>nnz) << 2);
  const plane = H * W;
  if (dx) memory.fill(dx, 0, (<usize>(N * C * plane)) << 2);
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>(n * K * outPlane)) << 2);
    addRowSums(dyn, K, outPlane, db);
    for (let c = 0; c < C; c++) {
      const xc = x + ((<usize>((n * C + c) * plane)) << 2);
      for (let p = 0, i = 0, j = 0; p < plane; p++, j++) {
        if (j == W) {
          j = 0;
          i++;
        }
        // Four zeros at a time, when they are in one row.
        if ((p & 3) == 0 && j + 4 <= W && !v128.any_true(f32x4.ne(v128.load(xc + ((<usize>p) << 2)), ZERO))) {
          p += 3;
          j += 3;
          continue;
        }
        const v = load<f32>(xc + ((<usize>p) << 2));
        if (v == 0) continue;
        let gradX: f32 = 0;
        for (let m = 0; m < KH; m++) {
          const ti = i + P - m;
          if (ti < 0) break;
          if (S != 1 && ti % S != 0) continue;
          const oi = S == 1 ? ti : ti / S;
          if (oi >= OH) continue;
          for (let l = 0; l < KW; l++) {
            const tj = j + P - l;
            if (tj < 0) break;
            if (S != 1 && tj % S != 0) continue;
            const oj = S == 1 ? tj : tj / S;
            if (oj >= OW) continue;
            const group = (c * KH + m) * KW + l;
            const start = load<i32>(colPtr + ((<usize>group) << 2));
            const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
            const site = dyn + ((<usize>(oi * OW + oj)) << 2);
            for (let q = start; q < end; q++) {
              const gy = load<f32>(site + <usize>load<i32>(planes + ((<usize>q) << 2)));
              gradX += gy * load<f32>(values + ((<usize>q) << 2));
              const at = sums + ((<usize>q) << 2);
              store<f32>(at, load<f32>(at) + v * gy);
            }
            pairs += <f64>(end - start);
          }
        }
        if (dx) store<f32>(dx + ((<usize>((n * C + c) * plane + p)) << 2), gradX);
      }
    }
  }
  memory.fill(dw, 0, (<usize>(K * C * KH * KW)) << 2);
  for (let q = 0; q < nnz; q++) store<f32>(dw + ((<usize>load<i32>(colIndex + ((<usize>q) << 2))) << 2), load<f32>(sums + ((<usize>q) << 2)));
  return dx ? 2 * pairs : pairs;
}

// ---------------------------------------------------------------------------------------------------------
// Stride 1.

/** Floats of scratch both passes need: column values, plane offsets, ∂w sums, then the landing lists. */
export function cartesianScratch(H: i32, W: i32, KW: i32, nnz: i32): i32 {
  return 3 * nnz + KW * (3 * H * W + H + 1);
}

/**
 * Lists the nonzero inputs of one channel plane for every column tap l: list l holds, row by row, the inputs
 * whose column lands inside the output through l (0 ≤ j + P − l < OW) — their output offset i·OW + j and
 * input offset i·W + j (bytes) and value; rowStart[l·(H + 1) + i] is where row i begins in list l.
 */
function listLandings(xc: usize, H: i32, W: i32, KW: i32, P: i32, OW: i32, opos: usize, ipos: usize, vals: usize, rowStart: usize): void {
  const HW = H * W;
  for (let l = 0; l < KW; l++) store<i32>(rowStart + ((<usize>(l * (H + 1))) << 2), 0);
  for (let i = 0; i < H; i++) {
    // Row i's entries are counted in slot i + 1, which starts where row i − 1 ended.
    for (let l = 0; l < KW; l++) {
      const at = rowStart + ((<usize>(l * (H + 1) + i)) << 2);
      store<i32>(at + 4, load<i32>(at));
    }
    const row = xc + ((<usize>(i * W)) << 2);
    for (let j = 0; j < W; j++) {
      if ((j & 3) == 0 && j + 4 <= W && !v128.any_true(f32x4.ne(v128.load(row + ((<usize>j) << 2)), ZERO))) {
        j += 3;
        continue;
      }
      const v = load<f32>(row + ((<usize>j) << 2));
      if (v == 0) continue;
      for (let l = 0; l < KW; l++) {
        if (<u32>(j + P - l) >= <u32>OW) continue;
        const counter = rowStart + ((<usize>(l * (H + 1) + i + 1)) << 2);
        const t = load<i32>(counter);
        store<i32>(counter, t + 1);
        const at = (<usize>(l * HW + t)) << 2;
        store<i32>(opos + at, (i * OW + j) << 2);
        store<i32>(ipos + at, (i * W + j) << 2);
        store<f32>(vals + at, v);
      }
    }
  }
}

export function cartesianForward(
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
  colPtr: usize,
  colOutput: usize,
  colIndex: usize,
  nnz: i32,
  scratch: usize,
): f64 {
  if (S != 1) return cartesianForwardStrided(x, w, b, y, N, C, H, W, K, KH, KW, S, P, OH, OW, colPtr, colOutput, colIndex, nnz, scratch);
  const outPlane = OH * OW;
  const values = scratch;
  const planes = values + ((<usize>nnz) << 2);
  columnValues(w, colIndex, colOutput, nnz, outPlane << 2, values, planes);
  const HW = H * W;
  const opos = planes + ((<usize>(2 * nnz)) << 2);
  const ipos = opos + ((<usize>(KW * HW)) << 2);
  const vals = ipos + ((<usize>(KW * HW)) << 2);
  const rowStart = vals + ((<usize>(KW * HW)) << 2);
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    const yn = y + ((<usize>(n * K * outPlane)) << 2);
    for (let k = 0; k < K; k++) {
      const bias = f32x4.splat(load<f32>(b + ((<usize>k) << 2)));
      const row = yn + ((<usize>(k * outPlane)) << 2);
      let o = 0;
      for (; o + 4 <= outPlane; o += 4) v128.store(row + ((<usize>o) << 2), bias);
      for (; o < outPlane; o++) store<f32>(row + ((<usize>o) << 2), f32x4.extract_lane(bias, 0));
    }
    for (let c = 0; c < C; c++) {
      listLandings(x + ((<usize>((n * C + c) * HW)) << 2), H, W, KW, P, OW, opos, ipos, vals, rowStart);
      for (let m = 0; m < KH; m++) {
        const iLo = max(0, m - P);
        const iHi = min(H - 1, OH - 1 + m - P);
        if (iLo > iHi) continue;
        for (let l = 0; l < KW; l++) {
          const group = (c * KH + m) * KW + l;
          const start = load<i32>(colPtr + ((<usize>group) << 2));
          const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
          if (start == end) continue;
          const starts = rowStart + ((<usize>(l * (H + 1))) << 2);
          const tLo = load<i32>(starts + ((<usize>iLo) << 2));
          const tHi = load<i32>(starts + ((<usize>(iHi + 1)) << 2));
          if (tLo == tHi) continue;
          pairs += <f64>(tHi - tLo) * <f64>(end - start);
          // Output offset of tap (m, l): (P − m)·OW + (P − l), negative for some taps (addresses wrap in u32).
          const site = yn + <usize>(((P - m) * OW + P - l) << 2);
          const lo = (<usize>(l * HW + tLo)) << 2;
          const hi = (<usize>(l * HW + tHi)) << 2;
          let q = start;
          for (; q + 4 <= end; q += 4) {
            const qa = (<usize>q) << 2;
            const o0 = site + <usize>load<i32>(planes + qa);
            const o1 = site + <usize>load<i32>(planes + qa + 4);
            const o2 = site + <usize>load<i32>(planes + qa + 8);
            const o3 = site + <usize>load<i32>(planes + qa + 12);
            const w0 = load<f32>(values + qa);
            const w1 = load<f32>(values + qa + 4);
            const w2 = load<f32>(values + qa + 8);
            const w3 = load<f32>(values + qa + 12);
            for (let t = lo; t < hi; t += 4) {
              const op = <usize>load<i32>(opos + t);
              const v = load<f32>(vals + t);
              store<f32>(o0 + op, load<f32>(o0 + op) + w0 * v);
              store<f32>(o1 + op, load<f32>(o1 + op) + w1 * v);
              store<f32>(o2 + op, load<f32>(o2 + op) + w2 * v);
              store<f32>(o3 + op, load<f32>(o3 + op) + w3 * v);
            }
          }
          for (; q < end; q++) {
            const qa = (<usize>q) << 2;
            const o0 = site + <usize>load<i32>(planes + qa);
            const w0 = load<f32>(values + qa);
            for (let t = lo; t < hi; t += 4) {
              const op = <usize>load<i32>(opos + t);
              store<f32>(o0 + op, load<f32>(o0 + op) + w0 * load<f32>(vals + t));
            }
          }
        }
      }
    }
  }
  return pairs;
}

/**
 * ∂w at the kept weights (zero elsewhere), ∂b, and (dx ≠ 0) ∂x at the nonzero inputs (zero elsewhere: a
 * zero input is not in Ω), reading dY in place (NCHW) through the same landing lists: per listed input, the
 * four weights' dY values are loaded once and feed both ∂w (sums kept in registers over the slice) and ∂x
 * (one read-modify-write per four pairs).
 */
export function cartesianBackward(
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
  colPtr: usize,
  colOutput: usize,
  colIndex: usize,
  nnz: i32,
  scratch: usize,
): f64 {
  if (S != 1) return cartesianBackwardStrided(x, w, dy, dx, dw, db, N, C, H, W, K, KH, KW, S, P, OH, OW, colPtr, colOutput, colIndex, nnz, scratch);
  const outPlane = OH * OW;
  const values = scratch;
  const planes = values + ((<usize>nnz) << 2);
  const sums = planes + ((<usize>nnz) << 2);
  columnValues(w, colIndex, colOutput, nnz, outPlane << 2, values, planes);
  memory.fill(sums, 0, (<usize>nnz) << 2);
  const HW = H * W;
  const opos = sums + ((<usize>nnz) << 2);
  const ipos = opos + ((<usize>(KW * HW)) << 2);
  const vals = ipos + ((<usize>(KW * HW)) << 2);
  const rowStart = vals + ((<usize>(KW * HW)) << 2);
  if (dx) memory.fill(dx, 0, (<usize>(N * C * HW)) << 2);
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>(n * K * outPlane)) << 2);
    addRowSums(dyn, K, outPlane, db);
    for (let c = 0; c < C; c++) {
      listLandings(x + ((<usize>((n * C + c) * HW)) << 2), H, W, KW, P, OW, opos, ipos, vals, rowStart);
      const dxc = dx + ((<usize>((n * C + c) * HW)) << 2);
      for (let m = 0; m < KH; m++) {
        const iLo = max(0, m - P);
        const iHi = min(H - 1, OH - 1 + m - P);
        if (iLo > iHi) continue;
        for (let l = 0; l < KW; l++) {
          const group = (c * KH + m) * KW + l;
          const start = load<i32>(colPtr + ((<usize>group) << 2));
          const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
          if (start == end) continue;
          const starts = rowStart + ((<usize>(l * (H + 1))) << 2);
          const tLo = load<i32>(starts + ((<usize>iLo) << 2));
          const tHi = load<i32>(starts + ((<usize>(iHi + 1)) << 2));
          if (tLo == tHi) continue;
          pairs += <f64>(tHi - tLo) * <f64>(end - start);
          const site = dyn + <usize>(((P - m) * OW + P - l) << 2);
          const lo = (<usize>(l * HW + tLo)) << 2;
          const hi = (<usize>(l * HW + tHi)) << 2;
          let q = start;
          for (; q + 4 <= end; q += 4) {
            const qa = (<usize>q) << 2;
            const o0 = site + <usize>load<i32>(planes + qa);
            const o1 = site + <usize>load<i32>(planes + qa + 4);
            const o2 = site + <usize>load<i32>(planes + qa + 8);
            const o3 = site + <usize>load<i32>(planes + qa + 12);
            const w0 = load<f32>(values + qa);
            const w1 = load<f32>(values + qa + 4);
            const w2 = load<f32>(values + qa + 8);
            const w3 = load<f32>(values + qa + 12);
            let s0: f32 = 0,
              s1: f32 = 0,
              s2: f32 = 0,
              s3: f32 = 0;
            for (let t = lo; t < hi; t += 4) {
              const op = <usize>load<i32>(opos + t);
              const v = load<f32>(vals + t);
              const d0 = load<f32>(o0 + op);
              const d1 = load<f32>(o1 + op);
              const d2 = load<f32>(o2 + op);
              const d3 = load<f32>(o3 + op);
              s0 += v * d0;
              s1 += v * d1;
              s2 += v * d2;
              s3 += v * d3;
              if (dx) {
                const at = dxc + <usize>load<i32>(ipos + t);
                store<f32>(at, load<f32>(at) + (w0 * d0 + w1 * d1 + (w2 * d2 + w3 * d3)));
              }
            }
            store<f32>(sums + qa, load<f32>(sums + qa) + s0);
            store<f32>(sums + qa + 4, load<f32>(sums + qa + 4) + s1);
            store<f32>(sums + qa + 8, load<f32>(sums + qa + 8) + s2);
            store<f32>(sums + qa + 12, load<f32>(sums + qa + 12) + s3);
          }
          for (; q < end; q++) {
            const qa = (<usize>q) << 2;
            const o0 = site + <usize>load<i32>(planes + qa);
            const w0 = load<f32>(values + qa);
            let s0: f32 = 0;
            for (let t = lo; t < hi; t += 4) {
              const d0 = load<f32>(o0 + <usize>load<i32>(opos + t));
              s0 += load<f32>(vals + t) * d0;
              if (dx) {
                const at = dxc + <usize>load<i32>(ipos + t);
                store<f32>(at, load<f32>(at) + w0 * d0);
              }
            }
            store<f32>(sums + qa, load<f32>(sums + qa) + s0);
          }
        }
      }
    }
  }
  memory.fill(dw, 0, (<usize>(K * C * KH * KW)) << 2);
  for (let q = 0; q < nnz; q++) store<f32>(dw + ((<usize>load<i32>(colIndex + ((<usize>q) << 2))) << 2), load<f32>(sums + ((<usize>q) << 2)));
  return dx ? 2 * pairs : pairs;
}
