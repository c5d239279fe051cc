/**
 * Max pooling, NCHW, no padding, with the arg-max (flat input index) of every output for the backward pass.
 * Dense: every window scanned, ties to the first element in window order. Sparse: only nonzero inputs
 * visited, each updating the windows that contain it, a window without one giving 0 and arg-max −1 (the
 * rules of engine/ops/maxPool2d.ts and sparseMaxPool2d.ts).
 */

/** `planes` = N·C planes of H × W into OH × OW; window k, stride s. */
export function maxPool2dForward(x: usize, y: usize, argmax: usize, planes: i32, H: i32, W: i32, k: i32, s: i32, OH: i32, OW: i32): void {
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
