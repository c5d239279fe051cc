/**
 * Dense convolution forward, NCHW, as im2col + GEMM: for each image the patches are written straight into
 * the GEMM's 8-column panels (panel p holds the taps of output positions 8p … 8p + 7, zero in the padding and
 * past the last position), then y[n] = W · patches with W as stored ([K × C·KH·KW], row-major), then the bias.
 */
import { gemmPacked } from './gemm';

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
    gemmPacked(w, scratch, yn, K, positions, C * KH * KW);
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
