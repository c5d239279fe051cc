/**
 * |Ω|, the pairs of a nonzero input and a kept weight that land on an output, counted without multiplying
 * (engine/ops/sparseConv/pairs.ts and sparseLinear.ts): what `idealMacs` means beside kernels that do not
 * visit the pairs themselves. `colPtr` is the pattern's by-tap index: group t keeps colPtr[t + 1] − colPtr[t]
 * weights.
 */

function tableAt(table: usize, W1: i32, r: i32, q: i32): i32 {
  return load<i32>(table + ((<usize>(r * W1 + q)) << 2));
}

function groupSize(colPtr: usize, t: i32): f64 {
  return <f64>(load<i32>(colPtr + ((<usize>(t + 1)) << 2)) - load<i32>(colPtr + ((<usize>t) << 2)));
}

/**
 * Stride 1: the inputs whose tap (m, l) lands form a rectangle, so one summed-area table of a plane's
 * nonzeros ((H + 1) × (W + 1) int32 in `table`) answers every tap in O(1). Other strides: every nonzero, every tap.
 */
export function convPairs(x: usize, colPtr: usize, N: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, S: i32, P: i32, OH: i32, OW: i32, table: usize): f64 {
  let pairs: f64 = 0;
  const W1 = W + 1;
  if (S == 1) {
    memory.fill(table, 0, (<usize>((H + 1) * W1)) << 2);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const plane = x + ((<usize>((n * C + c) * H * W)) << 2);
        for (let i = 0; i < H; i++) {
          let rowCount = 0;
          for (let j = 0; j < W; j++) {
            if (load<f32>(plane + ((<usize>(i * W + j)) << 2)) != 0) rowCount++;
            store<i32>(table + ((<usize>((i + 1) * W1 + j + 1)) << 2), load<i32>(table + ((<usize>(i * W1 + j + 1)) << 2)) + rowCount);
          }
        }
        for (let m = 0; m < KH; m++) {
          const i0 = max(0, m - P);
          const i1 = min(H, OH + m - P);
          if (i1 <= i0) continue;
          for (let l = 0; l < KW; l++) {
            const j0 = max(0, l - P);
            const j1 = min(W, OW + l - P);
            if (j1 <= j0) continue;
            const landing = tableAt(table, W1, i1, j1) - tableAt(table, W1, i0, j1) - tableAt(table, W1, i1, j0) + tableAt(table, W1, i0, j0);
            pairs += <f64>landing * groupSize(colPtr, (c * KH + m) * KW + l);
          }
        }
      }
    return pairs;
  }
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const plane = x + ((<usize>((n * C + c) * H * W)) << 2);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          if (load<f32>(plane + ((<usize>(i * W + j)) << 2)) == 0) continue;
          for (let m = 0; m < KH; m++) {
            const ti = i + P - m;
            if (ti < 0 || ti % S != 0 || ti / S >= OH) continue;
            for (let l = 0; l < KW; l++) {
              const tj = j + P - l;
              if (tj < 0 || tj % S != 0 || tj / S >= OW) continue;
              pairs += groupSize(colPtr, (c * KH + m) * KW + l);
            }
          }
        }
    }
  return pairs;
}

/** A fully connected layer: every nonzero input x[n, i] pairs with the kept weights of column i. */
export function linearPairs(x: usize, colPtr: usize, N: i32, I: i32): f64 {
  let pairs: f64 = 0;
  for (let n = 0; n < N; n++) {
    const row = x + ((<usize>(n * I)) << 2);
    for (let i = 0; i < I; i++) if (load<f32>(row + ((<usize>i) << 2)) != 0) pairs += groupSize(colPtr, i);
  }
  return pairs;
}
