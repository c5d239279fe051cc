/**
 * SCNN's Cartesian product over Ω (engine/ops/sparseConv/cartesian.ts): every nonzero input meets every kept
 * weight of its channel, and each product is added to the output it lands on, if any — nothing outside Ω
 * is multiplied. The products go straight into the NCHW output (its planes first filled with the bias):
 * each kept weight's byte offset to its output channel's plane is computed once per call, so a pair costs
 * one load of that offset and of the weight, and one read-modify-write. Zero inputs are skipped four at a
 * time (one vector test).
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

/** y = Σ over Ω + b. Scratch: nnz floats of column values, then nnz int32 plane offsets. */
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

/**
 * ∂w at the kept weights (zero elsewhere), ∂b, and (dx ≠ 0) ∂x at the nonzero inputs (zero elsewhere: a
 * zero input is not in Ω), reading dY in place (NCHW) through the same plane offsets. Scratch: nnz column
 * values, nnz plane offsets, nnz ∂w sums.
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
