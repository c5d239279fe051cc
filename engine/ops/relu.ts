/**
 * ReLU: y = max(0, x). Its gradient passes where x > 0 and is 0 elsewhere — the first place sparsity
 * appears in a CNN: every zero it writes is a multiply the next sparse layer can skip.
 *
 * The loop is already the fast path, so there is one implementation, generic over the array type:
 * float32 for training, float64 for the finite-difference tests.
 */
import { expectSameShape, NDArray, Tensor } from '../tensor/tensor';

type FloatArray = Float32Array | Float64Array;

export function reluForwardArray<T extends FloatArray>(x: T): T {
  const y = new (x.constructor as new (n: number) => T)(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  return y;
}

export function reluBackwardArray<T extends FloatArray>(x: ArrayLike<number>, dy: T): T {
  const dx = new (dy.constructor as new (n: number) => T)(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  return dx;
}

export function reluForward(x: Tensor): Tensor {
  return new Tensor(x.shape, reluForwardArray(x.data));
}

export function reluBackward(x: NDArray, dy: Tensor): Tensor {
  expectSameShape('relu backward', x.shape, dy.shape, 'input', 'gradient');
  return new Tensor(dy.shape, reluBackwardArray(x.data, dy.data));
}
