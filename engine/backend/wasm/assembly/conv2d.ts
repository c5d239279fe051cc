/**
 * Dense convolution, NCHW, through the packed GEMM (gemm.ts), forward and backward.
 *
 * Stride 1 (every convolution of our models): each image is first copied into a zero-padded plane per
 * channel with rows of R = W + 2P floats, and outputs are indexed in the same padded coordinates, p = oi·R +
 * oj (columns oj ≥ OW are junk, computed and dropped). Then the input that tap (c, m, l) brings to output p
 * is xp[c, m·R + l + p]: for every tap, the whole patch row is one contiguous run of the padded image. So
 * - forward: the GEMM's B panels (8 outputs × every tap) are copied two vectors at a time, y = W · B;
 * - ∂w: the patch matrix A [taps × positions] is one memory.copy per tap, ∂wᵀ += A · dYᵀ;
 * - ∂x: a forward convolution of dY, padded by KH − 1 − P, with the weights flipped and transposed.
 * No value is computed twice and nothing is divided per value. Other strides: im2col packed per value
 * (the general path below).
 */
import { addRowSums } from './elementwise';
import { gemmPacked, packPanels, transpose } from './gemm';

/** Floats of scratch the stride-1 forward needs (padded image, its tail, B panels, output in padded coordinates). */
function forwardScratchFloats(C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32, P: i32, OH: i32): i32 {
  const R = W + 2 * P;
  const positions = OH * R;
  const panels = (positions + 7) >> 3;
  return C * (H + 2 * P) * R + R * KH + KW + 16 + panels * 8 * C * KH * KW + K * positions;
}

/** Copies image n of x (C × H × W) into xp, zero-padded by P, rows of R floats, with a zero tail of `tail` floats. */
function padPlanes(x: usize, C: i32, H: i32, W: i32, P: i32, R: i32, tail: i32, xp: usize): void {
  const plane = (H + 2 * P) * R;
  memory.fill(xp, 0, (<usize>(C * plane + tail)) << 2);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < H; i++) memory.copy(xp + ((<usize>(c * plane + (i + P) * R + P)) << 2), x + ((<usize>((c * H + i) * W)) << 2), (<usize>W) << 2);
}

/**
 * One image, stride 1: y (K × OH × OW) = conv(x (C × H × W) padded by P, w [K × C·KH·KW]) + b (0: none).
 * Scratch as forwardScratchFloats says.
 */
function forwardImageStride1(
  x: usize,
  w: usize,
  b: usize,
  y: usize,
  C: i32,
  H: i32,
  W: i32,
  K: i32,
  KH: i32,
  KW: i32,
  P: i32,
  OH: i32,
  OW: i32,
  scratch: usize,
): void {
  const R = W + 2 * P;
  const plane = (H + 2 * P) * R;
  const tail = R * KH + KW + 16;
  const positions = OH * R;
  const panels = (positions + 7) >> 3;
  const taps = C * KH * KW;
  const xp = scratch;
  const bp = xp + ((<usize>(C * plane + tail)) << 2);
  const yp = bp + ((<usize>(panels * 8 * taps)) << 2);
  padPlanes(x, C, H, W, P, R, tail, xp);
  // Panel j, row t = (c·KH + m)·KW + l: the 8 inputs of outputs 8j … 8j + 7 through tap t.
  let out = bp;
  for (let j = 0; j < panels; j++) {
    for (let c = 0; c < C; c++)
      for (let m = 0; m < KH; m++) {
        let src = xp + ((<usize>(c * plane + m * R + 8 * j)) << 2);
        for (let l = 0; l < KW; l++) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          out += 32;
          src += 4;
        }
      }
  }
  gemmPacked(w, bp, yp, K, positions, taps, false);
  for (let k = 0; k < K; k++) {
    const bias = b ? load<f32>(b + ((<usize>k) << 2)) : 0;
    const vb = f32x4.splat(bias);
    for (let oi = 0; oi < OH; oi++) {
      const src = yp + ((<usize>(k * positions + oi * R)) << 2);
      const dst = y + ((<usize>((k * OH + oi) * OW)) << 2);
      let oj = 0;
      for (; oj + 4 <= OW; oj += 4) v128.store(dst + ((<usize>oj) << 2), f32x4.add(v128.load(src + ((<usize>oj) << 2)), vb));
      for (; oj < OW; oj++) store<f32>(dst + ((<usize>oj) << 2), load<f32>(src + ((<usize>oj) << 2)) + bias);
    }
  }
}

/** Floats of scratch conv2dForward needs (the caller allocates them). */
export function conv2dForwardScratch(C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32, S: i32, P: i32, OH: i32, OW: i32): i32 {
  if (S == 1) return forwardScratchFloats(C, H, W, K, KH, KW, P, OH);
  return ((OH * OW + 7) >> 3) * 8 * C * KH * KW;
}

/** y [N, K, OH, OW] = conv(x [N, C, H, W], w [K, C, KH, KW]) + b. */
export function conv2dForward(
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
  scratch: usize,
): void {
  if (S != 1) {
    conv2dForwardIm2col(x, w, b, y, N, C, H, W, K, KH, KW, S, P, OH, OW, scratch);
    return;
  }
  for (let n = 0; n < N; n++) {
    forwardImageStride1(x + ((<usize>(n * C * H * W)) << 2), w, b, y + ((<usize>(n * K * OH * OW)) << 2), C, H, W, K, KH, KW, P, OH, OW, scratch);
  }
}

/** Whether the backward takes the stride-1 path: ∂x as a forward convolution needs P ≤ KH − 1 and a square kernel. */
function stride1Backward(S: i32, P: i32, KH: i32, KW: i32): bool {
  return S == 1 && KH == KW && P <= KH - 1;
}

/** Floats of scratch conv2dBackward needs. */
export function conv2dBackwardScratch(C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32, S: i32, P: i32, OH: i32, OW: i32, dx: bool): i32 {
  const taps = C * KH * KW;
  if (stride1Backward(S, P, KH, KW)) {
    const R = W + 2 * P;
    const positions = OH * R;
    const dwPart = C * (H + 2 * P) * R + R * KH + KW + 16 + taps * positions + ((K + 7) >> 3) * 8 * positions + taps * K;
    if (!dx) return dwPart;
    // ∂x: the flipped weights, then a stride-1 forward over dY padded by KH − 1 − P.
    return dwPart + K * taps + forwardScratchFloats(K, OH, OW, C, KH, KW, KH - 1 - P, H);
  }
  const positions = OH * OW;
  const panels = max(((taps + 7) >> 3) * 8 * positions, ((positions + 7) >> 3) * 8 * K);
  return panels + (dx ? K * taps + taps * positions : 0);
}

/** The dense convolution's backward: ∂w, ∂b and (dx ≠ 0) ∂x. */
export function conv2dBackward(
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
  scratch: usize,
): void {
  const taps = C * KH * KW;
  const positions = OH * OW;
  if (!stride1Backward(S, P, KH, KW)) {
    const panels = max(((taps + 7) >> 3) * 8 * positions, ((positions + 7) >> 3) * 8 * K);
    const wt = scratch + ((<usize>panels) << 2);
    const wtFloats: i32 = dx ? K * taps : 0;
    const cols = wt + ((<usize>wtFloats) << 2);
    conv2dBackwardIm2col(x, w, dy, dx, dw, db, N, C, H, W, K, KH, KW, S, P, OH, OW, scratch, wt, cols);
    return;
  }
  const R = W + 2 * P;
  const plane = (H + 2 * P) * R;
  const tail = R * KH + KW + 16;
  const padded = OH * R;
  const xp = scratch;
  const a = xp + ((<usize>(C * plane + tail)) << 2);
  const bp = a + ((<usize>(taps * padded)) << 2);
  const dwt = bp + ((<usize>(((K + 7) >> 3) * 8 * padded)) << 2);
  const flipped = dwt + ((<usize>(taps * K)) << 2);
  const forwardScratch = flipped + ((<usize>(K * taps)) << 2);
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  if (dx) {
    // w'[c, k, m, l] = w[k, c, KH − 1 − m, KW − 1 − l]: ∂x is the forward convolution of dY with w'.
    for (let k = 0; k < K; k++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < KH; m++)
          for (let l = 0; l < KW; l++)
            store<f32>(
              flipped + ((<usize>(((c * K + k) * KH + m) * KW + l)) << 2),
              load<f32>(w + ((<usize>(((k * C + c) * KH + (KH - 1 - m)) * KW + (KW - 1 - l))) << 2)),
            );
  }
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>(n * K * positions)) << 2);
    addRowSums(dyn, K, positions, db);
    // A [taps × padded positions]: row t is the padded image from tap t's offset on.
    padPlanes(x + ((<usize>(n * C * H * W)) << 2), C, H, W, P, R, tail, xp);
    for (let c = 0; c < C; c++)
      for (let m = 0; m < KH; m++)
        for (let l = 0; l < KW; l++) {
          const t = (c * KH + m) * KW + l;
          memory.copy(a + ((<usize>(t * padded)) << 2), xp + ((<usize>(c * plane + m * R + l)) << 2), (<usize>padded) << 2);
        }
    // dYᵀ in panels of 8 output channels, one row per padded position (zero in the junk columns).
    const kPanels = (K + 7) >> 3;
    memory.fill(bp, 0, (<usize>(kPanels * 8 * padded)) << 2);
    for (let k = 0; k < K; k++) {
      const panel = bp + ((<usize>((k >> 3) * padded * 8 + (k & 7))) << 2);
      for (let oi = 0; oi < OH; oi++)
        for (let oj = 0; oj < OW; oj++) store<f32>(panel + ((<usize>((oi * R + oj) * 8)) << 2), load<f32>(dyn + ((<usize>((k * OH + oi) * OW + oj)) << 2)));
    }
    gemmPacked(a, bp, dwt, taps, K, padded, n > 0);
    if (dx) {
      forwardImageStride1(dyn, flipped, 0, dx + ((<usize>(n * C * H * W)) << 2), K, OH, OW, C, KH, KW, KH - 1 - P, H, W, forwardScratch);
    }
  }
  transpose(dwt, taps, K, dw);
}

/** Image n's patches, packed: row t = (c·KH + m)·KW + l of the [C·KH·KW × OH·OW] patch matrix, 8 columns a panel. */
function packPatches(x: usize, n: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, S: i32, P: i32, OH: i32, OW: i32, out: usize): void {
  const positions = OH * OW;
  const panels = (positions + 7) >> 3;
  let row = out;
  for (let p = 0; p < panels; p++) {
    // The panel's first output position; the taps then walk in order (c, m, l), so nothing is divided per value.
    const oi0 = (p * 8) / OW;
    const oj0 = (p * 8) % OW;
    const last = min(8, positions - p * 8);
    for (let c = 0; c < C; c++) {
      const plane = x + ((<usize>(n * C + c) * H * W) << 2);
      for (let m = 0; m < KH; m++) {
        for (let l = 0; l < KW; l++) {
          let oi = oi0;
          let oj = oj0;
          for (let j = 0; j < 8; j++) {
            let v: f32 = 0;
            if (j < last) {
              const i = oi * S + m - P;
              const k = oj * S + l - P;
              if (i >= 0 && i < H && k >= 0 && k < W) v = load<f32>(plane + ((<usize>(i * W + k)) << 2));
            }
            store<f32>(row + ((<usize>j) << 2), v);
            if (++oj === OW) {
              oj = 0;
              oi++;
            }
          }
          row += 32;
        }
      }
    }
  }
}

/** y [N, K, OH, OW] = conv(x [N, C, H, W], w [K, C, KH, KW]) + b; `scratch` holds one image's panels. */
function conv2dForwardIm2col(
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
  scratch: usize,
): void {
  const positions = OH * OW;
  for (let n = 0; n < N; n++) {
    packPatches(x, n, C, H, W, KH, KW, S, P, OH, OW, scratch);
    const yn = y + ((<usize>n * K * positions) << 2);
    gemmPacked(w, scratch, yn, K, positions, C * KH * KW, false);
    for (let k = 0; k < K; k++) {
      const bias = f32x4.splat(load<f32>(b + ((<usize>k) << 2)));
      const row = yn + ((<usize>k * positions) << 2);
      let o = 0;
      for (; o + 4 <= positions; o += 4) {
        const at = row + ((<usize>o) << 2);
        v128.store(at, f32x4.add(v128.load(at), bias));
      }
      for (; o < positions; o++) {
        const at = row + ((<usize>o) << 2);
        store<f32>(at, load<f32>(at) + f32x4.extract_lane(bias, 0));
      }
    }
  }
}

/**
 * Image n's patches transposed — positions × taps — packed into 8-column panels over the taps, for ∂w.
 */
function packPatchesTransposed(x: usize, n: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, S: i32, P: i32, OH: i32, OW: i32, out: usize): void {
  const taps = C * KH * KW;
  const panels = (taps + 7) >> 3;
  const image = x + ((<usize>n * C * H * W) << 2);
  let row = out;
  for (let q = 0; q < panels; q++) {
    for (let oi = 0; oi < OH; oi++) {
      for (let oj = 0; oj < OW; oj++) {
        for (let j = 0; j < 8; j++) {
          const t = q * 8 + j;
          let v: f32 = 0;
          if (t < taps) {
            const c = t / (KH * KW);
            const i = oi * S + ((t / KW) % KH) - P;
            const k = oj * S + (t % KW) - P;
            if (i >= 0 && i < H && k >= 0 && k < W) v = load<f32>(image + ((<usize>((c * H + i) * W + k)) << 2));
          }
          store<f32>(row + ((<usize>j) << 2), v);
        }
        row += 32;
      }
    }
  }
}

/**
 * The dense convolution's backward: dw = Σ_n dY_n · patches_nᵀ, db = Σ dY, and (when `dx` is not 0)
 * dx = col2im(Wᵀ · dY_n). Scratch: `panels` holds the larger of one image's transposed patches and its dY in
 * panels, `wt` Wᵀ [C·KH·KW × K], `cols` one image's [C·KH·KW × OH·OW] input-gradient columns.
 */
function conv2dBackwardIm2col(
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
  panels: usize,
  wt: usize,
  cols: usize,
): void {
  const positions = OH * OW;
  const taps = C * KH * KW;
  for (let k = 0; k < K; k++) store<f32>(db + ((<usize>k) << 2), 0);
  if (dx) {
    for (let t = 0; t < taps; t++) for (let k = 0; k < K; k++) store<f32>(wt + ((<usize>(t * K + k)) << 2), load<f32>(w + ((<usize>(k * taps + t)) << 2)));
    memory.fill(dx, 0, <usize>N * C * H * W * 4);
  }
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>n * K * positions) << 2);
    addRowSums(dyn, K, positions, db);
    packPatchesTransposed(x, n, C, H, W, KH, KW, S, P, OH, OW, panels);
    gemmPacked(dyn, panels, dw, K, taps, positions, n > 0);
    if (!dx) continue;
    packPanels(dyn, K, positions, panels);
    gemmPacked(wt, panels, cols, taps, positions, K, false);
    // col2im: every column value back onto the input it came from.
    const image = dx + ((<usize>n * C * H * W) << 2);
    for (let t = 0; t < taps; t++) {
      const c = t / (KH * KW);
      const m = (t / KW) % KH;
      const l = t % KW;
      const col = cols + ((<usize>t * positions) << 2);
      for (let oi = 0; oi < OH; oi++) {
        const i = oi * S + m - P;
        if (i < 0 || i >= H) continue;
        for (let oj = 0; oj < OW; oj++) {
          const k = oj * S + l - P;
          if (k < 0 || k >= W) continue;
          const at = image + ((<usize>((c * H + i) * W + k)) << 2);
          store<f32>(at, load<f32>(at) + load<f32>(col + ((<usize>(oi * OW + oj)) << 2)));
        }
      }
    }
  }
}
