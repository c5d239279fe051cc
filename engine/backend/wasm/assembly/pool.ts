/**
 * Max pooling, NCHW, no padding, with the arg-max (flat input index) of every output for the backward pass.
 * Dense: every window scanned, ties to the first element in window order. Sparse: only nonzero inputs
 * visited, each updating the windows that contain it, a window without one giving 0 and arg-max −1 (the
 * rules of engine/ops/maxPool2d.ts and sparseMaxPool2d.ts).
 */

/**
 * The 2 × 2, stride-2 window (every pool of our models), four outputs a step: the window's four elements
 * of four neighbouring outputs come out of two rows by even/odd shuffles, and each replaces the running
 * maximum (and its index) only where strictly larger — the scalar rule, in lanes, without a branch.
 */
function maxPool2x2Row(x: usize, y: usize, argmax: usize, row: i32, W: i32, out: i32, OW: i32): void {
  const r0 = x + ((<usize>row) << 2);
  const r1 = r0 + ((<usize>W) << 2);
  let oj = 0;
  for (; oj + 4 <= OW; oj += 4) {
    const a = v128.load(r0 + ((<usize>(2 * oj)) << 2));
    const b = v128.load(r0 + ((<usize>(2 * oj)) << 2), 16);
    const c = v128.load(r1 + ((<usize>(2 * oj)) << 2));
    const d = v128.load(r1 + ((<usize>(2 * oj)) << 2), 16);
    const first = i32x4.add(i32x4.splat(row + 2 * oj), i32x4(0, 2, 4, 6));
    let best = f32x4.splat(-Infinity);
    let index = i32x4.splat(-1);
    let v = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
    let gt = f32x4.gt(v, best);
    best = v128.bitselect(v, best, gt);
    index = v128.bitselect(first, index, gt);
    v = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    gt = f32x4.gt(v, best);
    best = v128.bitselect(v, best, gt);
    index = v128.bitselect(i32x4.add(first, i32x4.splat(1)), index, gt);
    v = v128.shuffle<f32>(c, d, 0, 2, 4, 6);
    gt = f32x4.gt(v, best);
    best = v128.bitselect(v, best, gt);
    index = v128.bitselect(i32x4.add(first, i32x4.splat(W)), index, gt);
    v = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
    gt = f32x4.gt(v, best);
    best = v128.bitselect(v, best, gt);
    index = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), index, gt);
    v128.store(y + ((<usize>(out + oj)) << 2), best);
    v128.store(argmax + ((<usize>(out + oj)) << 2), index);
  }
  for (; oj < OW; oj++) {
    let best: f32 = -Infinity;
    let bestIndex = -1;
    for (let m = 0; m < 2; m++)
      for (let l = 0; l < 2; l++) {
        const idx = row + m * W + 2 * oj + l;
        const v = load<f32>(x + ((<usize>idx) << 2));
        if (v > best) {
          best = v;
          bestIndex = idx;
        }
      }
    store<f32>(y + ((<usize>(out + oj)) << 2), best);
    store<i32>(argmax + ((<usize>(out + oj)) << 2), bestIndex);
  }
}

/** `planes` = N·C planes of H × W into OH × OW; window k, stride s. */
export function maxPool2dForward(x: usize, y: usize, argmax: usize, planes: i32, H: i32, W: i32, k: i32, s: i32, OH: i32, OW: i32): void {
  if (k == 2 && s == 2) {
    for (let p = 0; p < planes; p++) for (let oi = 0; oi < OH; oi++) maxPool2x2Row(x, y, argmax, p * H * W + 2 * oi * W, W, (p * OH + oi) * OW, OW);
    return;
  }
  for (let p = 0; p < planes; p++) {
    const inBase = p * H * W;
    let o = p * OH * OW;
    for (let oi = 0; oi < OH; oi++) {
      for (let oj = 0; oj < OW; oj++, o++) {
        let best: f32 = -Infinity;
        let bestIndex = -1;
        for (let m = 0; m < k; m++) {
          const row = inBase + (oi * s + m) * W + oj * s;
          for (let l = 0; l < k; l++) {
            const v = load<f32>(x + ((<usize>(row + l)) << 2));
            if (v > best) {
              best = v;
              bestIndex = row + l;
            }
          }
        }
        store<f32>(y + ((<usize>o) << 2), best);
        store<i32>(argmax + ((<usize>o) << 2), bestIndex);
      }
    }
  }
}

export function sparseMaxPool2dForward(x: usize, y: usize, argmax: usize, planes: i32, H: i32, W: i32, k: i32, s: i32, OH: i32, OW: i32): void {
  const outputs = planes * OH * OW;
  memory.fill(y, 0, (<usize>outputs) << 2);
  for (let o = 0; o < outputs; o++) store<i32>(argmax + ((<usize>o) << 2), -1);
  for (let p = 0; p < planes; p++) {
    const inBase = p * H * W;
    const outBase = p * OH * OW;
    for (let i = 0; i < H; i++) {
      // Windows containing row i: oi·s ≤ i < oi·s + k.
      const oiLo = max(0, (i - k + s) / s);
      const oiHi = min(OH - 1, i / s);
      if (oiLo > oiHi) continue;
      for (let j = 0; j < W; j++) {
        const idx = inBase + i * W + j;
        const v = load<f32>(x + ((<usize>idx) << 2));
        if (v == 0) continue;
        const ojLo = max(0, (j - k + s) / s);
        const ojHi = min(OW - 1, j / s);
        for (let oi = oiLo; oi <= oiHi; oi++) {
          for (let oj = ojLo; oj <= ojHi; oj++) {
            const o = (<usize>(outBase + oi * OW + oj)) << 2;
            if (load<i32>(argmax + o) == -1 || v > load<f32>(y + o)) {
              store<f32>(y + o, v);
              store<i32>(argmax + o, idx);
            }
          }
        }
      }
    }
  }
}

/** dx (inputs floats, zeroed here) gets each output's gradient at its arg-max; −1 routes nothing. */
export function maxPool2dBackward(argmax: usize, dy: usize, dx: usize, outputs: i32, inputs: i32): void {
  memory.fill(dx, 0, (<usize>inputs) << 2);
  for (let o = 0; o < outputs; o++) {
    const at = load<i32>(argmax + ((<usize>o) << 2));
    if (at < 0) continue;
    const p = dx + ((<usize>at) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(dy + ((<usize>o) << 2)));
  }
}
