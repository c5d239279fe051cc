import { conv2dGeometry, Conv2dOptions } from '../conv2d';
import type { CompressedWeights } from '../../sparse/compressed';
import { compressWeights } from '../../sparse/weightPattern';
import { Tensor } from '../../tensor/tensor';

/**
 * |Ω pairs that land on a valid output| for x and w, counted without multiplying: for every nonzero input,
 * the sizes of the weight groups of the taps that land. What `idealMacs` means, for kernels that do not
 * visit the pairs themselves (the dense one).
 */
export function sparseConv2dPairs(x: Tensor, w: Tensor | CompressedWeights, opts: Conv2dOptions): number {
  const cw = w instanceof Tensor ? compressWeights(w) : w;
  const g = conv2dGeometry(x.shape, [cw.outChannels, cw.inChannels, cw.kernelH, cw.kernelW], opts);
  const { batch: N, inChannels: C, height: H, width: W, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  let pairs = 0;
  if (S === 1) {
    // Stride 1: the inputs whose tap (m, l) lands form a rectangle, so one summed-area table of the nonzeros
    // per channel answers every tap in O(1) — cheap enough to run beside the dense kernel on every step.
    const W1 = W + 1;
    const table = new Int32Array((H + 1) * W1);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * H * W;
        for (let i = 0; i < H; i++) {
          let rowCount = 0;
          for (let j = 0; j < W; j++) {
            if (x.data[base + i * W + j] !== 0) rowCount++;
            table[(i + 1) * W1 + j + 1] = table[i * W1 + j + 1] + rowCount;
          }
        }
        for (let m = 0; m < KH; m++) {
          const i0 = Math.max(0, m - P);
          const i1 = Math.min(H, OH + m - P); // exclusive
          if (i1 <= i0) continue;
          for (let l = 0; l < KW; l++) {
            const j0 = Math.max(0, l - P);
            const j1 = Math.min(W, OW + l - P);
            if (j1 <= j0) continue;
            const landing = table[i1 * W1 + j1] - table[i0 * W1 + j1] - table[i1 * W1 + j0] + table[i0 * W1 + j0];
            const group = (c * KH + m) * KW + l;
            pairs += landing * (cw.offsets[group + 1] - cw.offsets[group]);
          }
        }
      }
    return pairs;
  }
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * H * W;
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          if (x.data[base + i * W + j] === 0) continue;
          for (let m = 0; m < KH; m++) {
            const ti = i + P - m;
            if (ti < 0 || ti % S !== 0 || ti / S >= OH) continue;
            for (let l = 0; l < KW; l++) {
              const tj = j + P - l;
              if (tj < 0 || tj % S !== 0 || tj / S >= OW) continue;
              const group = (c * KH + m) * KW + l;
              pairs += cw.offsets[group + 1] - cw.offsets[group];
            }
          }
        }
    }
  return pairs;
}
