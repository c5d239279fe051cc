/** The definition: enumerate Ω pair by pair, in float64 (what every fast kernel is tested against). */
import { conv2dGeometry, Conv2dOptions } from '../conv2d';
import { NDArray } from '../../tensor/tensor';
import { activeSiteMask, checkMode, SparseConvMode } from './definitions';

export function sparseConv2dForwardReference(x: NDArray, w: NDArray, b: NDArray | null, opts: Conv2dOptions, mode: SparseConvMode = 'regular') {
  const g = conv2dGeometry(x.shape, w.shape, opts);
  checkMode(g, mode);
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K, kernelH: KH, kernelW: KW, outH: OH, outW: OW, stride: S, padding: P } = g;
  const active = mode === 'submanifold' ? activeSiteMask(x) : null;
  const y = new Float64Array(N * K * OH * OW);
  let idealMacs = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const xv = x.data[((n * C + c) * H + i) * W + j];
          if (xv === 0) continue; // not in Ω
          for (let k = 0; k < K; k++)
            for (let m = 0; m < KH; m++)
              for (let l = 0; l < KW; l++) {
                const wv = w.data[((k * C + c) * KH + m) * KW + l];
                if (wv === 0) continue; // not in Ω
                // x[c, i, j] is tap (m, l) of output (oi, oj) when i = oi·S + m − P.
                const ti = i + P - m;
                const tj = j + P - l;
                if (ti % S !== 0 || tj % S !== 0) continue;
                const oi = ti / S;
                const oj = tj / S;
                if (oi < 0 || oi >= OH || oj < 0 || oj >= OW) continue;
                if (active && !active[(n * OH + oi) * OW + oj]) continue;
                y[((n * K + k) * OH + oi) * OW + oj] += xv * wv;
                idealMacs++;
              }
        }
  if (b) {
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++)
        for (let o = 0; o < OH * OW; o++) {
          if (active && !active[n * OH * OW + o]) continue;
          y[(n * K + k) * OH * OW + o] += b.data[k];
        }
  }
  return { shape: [N, K, OH, OW], data: y, idealMacs };
}
