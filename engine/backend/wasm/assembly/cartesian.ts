/**
 * SCNN's Cartesian product over Ω (engine/ops/sparseConv/cartesian.ts): every nonzero input meets every kept
 * weight of its channel, and each product is added to the output it lands on, if any — nothing outside Ω
 * is multiplied. Outputs accumulate channels-last, acc[site·K + k], so that one input's products through
 * one tap — the kept weights of one (c, m, l), ascending in k — all land within one row of K floats; then
 * the accumulator is transposed into NCHW. Zero inputs are skipped four at a time (one vector test).
 *
 * Both return the pairs they multiplied (backward: one multiply for ∂w and, with ∂x, one for ∂x per pair).
 */

const ZERO = f32x4.splat(0);

/** Each kept weight's value in tap (CSC) order. */
function columnValues(w: usize, colIndex: usize, nnz: i32, out: usize): void {
  for (let q = 0; q < nnz; q++) store<f32>(out + ((<usize>q) << 2), load<f32>(w + ((<usize>load<i32>(colIndex + ((<usize>q) << 2))) << 2)));
}

/**
 * y = Σ over Ω + b. Scratch: nnz floats of column values, then OH·OW·K floats of accumulator.
 */
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
  const values = scratch;
  const acc = values + ((<usize>nnz) << 2);
  columnValues(w, colIndex, nnz, values);
  const outPlane = OH * OW;
  const plane = H * W;
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    memory.fill(acc, 0, (<usize>(outPlane * K)) << 2);
    for (let c = 0; c < C; c++) {
      const xc = x + ((<usize>((n * C + c) * plane)) << 2);
      for (let p = 0; p < plane; p++) {
        if ((p & 3) == 0 && p + 4 <= plane && !v128.any_true(f32x4.ne(v128.load(xc + ((<usize>p) << 2)), ZERO))) {
          p += 3;
          continue;
        }
        const v = load<f32>(xc + ((<usize>p) << 2));
        if (v == 0) continue;
        const i = p / W;
        const j = p - i * W;
        for (let m = 0; m < KH; m++) {
          const ti = i + P - m;
          if (ti < 0) break; // larger m only moves further up
          if (ti % S != 0) continue;
          const oi = ti / S;
          if (oi >= OH) continue;
          for (let l = 0; l < KW; l++) {
            const tj = j + P - l;
            if (tj < 0) break;
            if (tj % S != 0) continue;
            const oj = tj / S;
            if (oj >= OW) continue;
            const group = (c * KH + m) * KW + l;
            const start = load<i32>(colPtr + ((<usize>group) << 2));
            const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
            const row = acc + ((<usize>((oi * OW + oj) * K)) << 2);
            for (let q = start; q < end; q++) {
              const at = row + ((<usize>load<i32>(colOutput + ((<usize>q) << 2))) << 2);
              store<f32>(at, load<f32>(at) + v * load<f32>(values + ((<usize>q) << 2)));
            }
            pairs += <f64>(end - start);
          }
        }
      }
    }
    for (let k = 0; k < K; k++) {
      const bias = load<f32>(b + ((<usize>k) << 2));
      const out = y + ((<usize>((n * K + k) * outPlane)) << 2);
      for (let o = 0; o < outPlane; o++) store<f32>(out + ((<usize>o) << 2), load<f32>(acc + ((<usize>(o * K + k)) << 2)) + bias);
    }
  }
  return pairs;
}

/**
 * ∂w at the kept weights (zero elsewhere), ∂b, and (dx ≠ 0) ∂x at the nonzero inputs (zero elsewhere: a
 * zero input is not in Ω). Scratch: nnz column values, nnz ∂w sums, OH·OW·K floats of dY channels-last.
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
  const values = scratch;
  const sums = values + ((<usize>nnz) << 2);
  const dyT = sums + ((<usize>nnz) << 2);
  columnValues(w, colIndex, nnz, values);
  memory.fill(sums, 0, (<usize>nnz) << 2);
  const outPlane = OH * OW;
  const plane = H * W;
  if (dx) memory.fill(dx, 0, (<usize>(N * C * plane)) << 2);
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const src = dy + ((<usize>((n * K + k) * outPlane)) << 2);
      let sum: f32 = 0;
      for (let o = 0; o < outPlane; o++) {
        const g = load<f32>(src + ((<usize>o) << 2));
        store<f32>(dyT + ((<usize>(o * K + k)) << 2), g);
        sum += g;
      }
      store<f32>(db + ((<usize>k) << 2), load<f32>(db + ((<usize>k) << 2)) + sum);
    }
    for (let c = 0; c < C; c++) {
      const xc = x + ((<usize>((n * C + c) * plane)) << 2);
      for (let p = 0; p < plane; p++) {
        if ((p & 3) == 0 && p + 4 <= plane && !v128.any_true(f32x4.ne(v128.load(xc + ((<usize>p) << 2)), ZERO))) {
          p += 3;
          continue;
        }
        const v = load<f32>(xc + ((<usize>p) << 2));
        if (v == 0) continue;
        const i = p / W;
        const j = p - i * W;
        let gradX: f32 = 0;
        for (let m = 0; m < KH; m++) {
          const ti = i + P - m;
          if (ti < 0) break;
          if (ti % S != 0) continue;
          const oi = ti / S;
          if (oi >= OH) continue;
          for (let l = 0; l < KW; l++) {
            const tj = j + P - l;
            if (tj < 0) break;
            if (tj % S != 0) continue;
            const oj = tj / S;
            if (oj >= OW) continue;
            const group = (c * KH + m) * KW + l;
            const start = load<i32>(colPtr + ((<usize>group) << 2));
            const end = load<i32>(colPtr + ((<usize>(group + 1)) << 2));
            const row = dyT + ((<usize>((oi * OW + oj) * K)) << 2);
            for (let q = start; q < end; q++) {
              const gy = load<f32>(row + ((<usize>load<i32>(colOutput + ((<usize>q) << 2))) << 2));
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
