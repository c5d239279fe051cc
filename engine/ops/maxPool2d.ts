/**
 * 2-D max pooling, NCHW, no padding:
 *
 *   y[n,c,i,j] = max_{m,l < kernel} x[n, c, i·s + m, j·s + l]
 *
 * Backward routes each output gradient to the one input that won its window. Ties go to the first element
 * in window order (row by row), a rule the sparse pool will share so that both agree exactly.
 */
import { expectRank, formatShape, NDArray, ShapeError, Tensor } from '../tensor/tensor';
import { slidingOutputSize } from './conv2d';

export interface MaxPool2dOptions {
  kernelSize: number;
  stride: number;
}

export function maxPool2dOutputShape(xShape: readonly number[], opts: MaxPool2dOptions): number[] {
  expectRank('maxPool2d', 'input', xShape, 4);
  const { kernelSize: k, stride: s } = opts;
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(s) && s >= 1)) {
    throw new ShapeError(`maxPool2d: kernel size and stride must be integers ≥ 1, got ${k} and ${s}`);
  }
  const [n, c, h, w] = xShape;
  const oh = slidingOutputSize(h, k, s, 0);
  const ow = slidingOutputSize(w, k, s, 0);
  if (oh < 1 || ow < 1) throw new ShapeError(`maxPool2d: window ${k}×${k} does not fit input ${formatShape(xShape)}`);
  return [n, c, oh, ow];
}

/** Float64 reference; returns the winner's flat input index for every output too. */
export function maxPool2dForwardReference(x: NDArray, opts: MaxPool2dOptions) {
  const [n, c, oh, ow] = maxPool2dOutputShape(x.shape, opts);
  const [, , h, w] = x.shape;
  const { kernelSize: k, stride: s } = opts;
  const y = new Float64Array(n * c * oh * ow);
  const argmax = new Int32Array(y.length);
  let o = 0;
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, o++) {
        let best = -Infinity;
        let bestIndex = -1;
        for (let m = 0; m < k; m++)
          for (let l = 0; l < k; l++) {
            const idx = (p * h + i * s + m) * w + j * s + l;
            if (x.data[idx] > best) {
              best = x.data[idx];
              bestIndex = idx;
            }
          }
        y[o] = best;
        argmax[o] = bestIndex;
      }
  return { shape: [n, c, oh, ow], data: y, argmax };
}

export function maxPool2dBackwardReference(xShape: readonly number[], argmax: Int32Array, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  for (let o = 0; o < argmax.length; o++) dx[argmax[o]] += dy[o];
  return dx;
}

/** Fast path: the common 2×2 / stride 2 window unrolled; other windows take the general loop. */
export function maxPool2dForward(x: Tensor, opts: MaxPool2dOptions): { y: Tensor; argmax: Int32Array } {
  const shape = maxPool2dOutputShape(x.shape, opts);
  const [n, c, oh, ow] = shape;
  const [, , h, w] = x.shape;
  const { kernelSize: k, stride: s } = opts;
  const y = new Tensor(shape);
  const argmax = new Int32Array(y.size);
  const xd = x.data;
  const yd = y.data;
  let o = 0;
  if (k === 2 && s === 2) {
    for (let p = 0; p < n * c; p++)
      for (let i = 0; i < oh; i++) {
        let top = (p * h + 2 * i) * w;
        for (let j = 0; j < ow; j++, o++, top += 2) {
          const bot = top + w;
          let best = xd[top];
          let bi = top;
          if (xd[top + 1] > best) {
            best = xd[top + 1];
            bi = top + 1;
          }
          if (xd[bot] > best) {
            best = xd[bot];
            bi = bot;
          }
          if (xd[bot + 1] > best) {
            best = xd[bot + 1];
            bi = bot + 1;
          }
          yd[o] = best;
          argmax[o] = bi;
        }
      }
    return { y, argmax };
  }
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, o++) {
        let bi = (p * h + i * s) * w + j * s;
        let best = xd[bi];
        for (let m = 0; m < k; m++) {
          const row = (p * h + i * s + m) * w + j * s;
          for (let l = 0; l < k; l++) {
            if (xd[row + l] > best) {
              best = xd[row + l];
              bi = row + l;
            }
          }
        }
        yd[o] = best;
        argmax[o] = bi;
      }
  return { y, argmax };
}

export function maxPool2dBackward(xShape: readonly number[], argmax: Int32Array, dy: Tensor): Tensor {
  if (argmax.length !== dy.size) {
    throw new ShapeError(`maxPool2d backward: gradient ${formatShape(dy.shape)} does not match the ${argmax.length} pooled outputs`);
  }
  const dx = new Tensor(xShape);
  for (let o = 0; o < argmax.length; o++) dx.data[argmax[o]] += dy.data[o];
  return dx;
}
