/**
 * Ω as data: where the nonzeros are.
 *
 * The source article writes sparse convolution as y = Σ_{(m,n,l) ∈ Ω} x·w, with Ω the pairs of nonzero
 * inputs and nonzero weights. These functions report the two halves of Ω so the UI can draw them and the
 * kernels can skip everything outside them:
 * - for an activation tensor [N, C, H, W]: the nonzero positions of every channel of every image, the
 *   element density (nonzeros / elements) and the site density (a site is a pixel (n, i, j); it is active
 *   when any of its channels is nonzero — what SparseConvNet and spconv call an active site);
 * - for a weight tensor [K, C, KH, KW]: the nonzero taps of every (output, input) channel pair.
 */
import { expectRank, NDArray } from '../tensor/tensor';

export interface ActivationOmega {
  shape: [number, number, number, number];
  /** perChannel[n·C + c]: flat in-plane indices i·W + j of the nonzeros, ascending. */
  perChannel: Int32Array[];
  nonzeros: number;
  elementDensity: number;
  activeSites: number;
  siteDensity: number;
}

export function activationOmega(x: NDArray): ActivationOmega {
  expectRank('activationOmega', 'activations', x.shape, 4);
  const [N, C, H, W] = x.shape;
  const plane = H * W;
  const perChannel: Int32Array[] = [];
  const siteActive = new Uint8Array(N * plane);
  const scratch = new Int32Array(plane);
  let nonzeros = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * plane;
      let count = 0;
      for (let p = 0; p < plane; p++) {
        if (x.data[base + p] !== 0) {
          scratch[count++] = p;
          siteActive[n * plane + p] = 1;
        }
      }
      perChannel.push(scratch.slice(0, count));
      nonzeros += count;
    }
  }
  let activeSites = 0;
  for (let s = 0; s < siteActive.length; s++) activeSites += siteActive[s];
  const size = N * C * plane;
  return {
    shape: [N, C, H, W],
    perChannel,
    nonzeros,
    elementDensity: size ? nonzeros / size : 0,
    activeSites,
    siteDensity: N * plane ? activeSites / (N * plane) : 0,
  };
}

export interface WeightOmega {
  shape: [number, number, number, number];
  /** taps[k·C + c]: flat tap indices m·KW + l of the nonzero weights w[k, c, m, l], ascending. */
  taps: Int32Array[];
  nonzeros: number;
  density: number;
}

export function weightOmega(w: NDArray): WeightOmega {
  expectRank('weightOmega', 'weights', w.shape, 4);
  const [K, C, KH, KW] = w.shape;
  const kernel = KH * KW;
  const taps: Int32Array[] = [];
  let nonzeros = 0;
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < C; c++) {
      const base = (k * C + c) * kernel;
      const list: number[] = [];
      for (let t = 0; t < kernel; t++) if (w.data[base + t] !== 0) list.push(t);
      taps.push(Int32Array.from(list));
      nonzeros += list.length;
    }
  }
  return { shape: [K, C, KH, KW], taps, nonzeros, density: w.data.length ? nonzeros / w.data.length : 0 };
}
