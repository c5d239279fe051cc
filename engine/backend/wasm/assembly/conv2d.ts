/**
 * Dense convolution forward, NCHW, as im2col + GEMM: for each image the patches are written straight into
 * the GEMM's 8-column panels (panel p holds the taps of output positions 8p … 8p + 7, zero in the padding and
 * past the last position), then y[n] = W · patches with W as stored ([K × C·KH·KW], row-major), then the bias.
 */
import { gemmPacked, packPanels } from './gemm';

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
    for (let k = 0; k < K; k++) {
      let sum: f32 = 0;
      const row = dyn + ((<usize>k * positions) << 2);
      for (let o = 0; o < positions; o++) sum += load<f32>(row + ((<usize>o) << 2));
      store<f32>(db + ((<usize>k) << 2), load<f32>(db + ((<usize>k) << 2)) + sum);
    }
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
