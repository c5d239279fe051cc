/** Flatten: [N, C, H, W] → [N, C·H·W]. A view of the same data; backward restores the shape. */
import { Shape, ShapeError, Tensor } from '../tensor/tensor';

export function flattenForward(x: Tensor): Tensor {
  if (x.shape.length < 2) throw new ShapeError(`flatten: input must have a batch axis, got shape [${x.shape.join(', ')}]`);
  return x.reshape([x.shape[0], x.size / x.shape[0]]);
}

export function flattenBackward(xShape: Shape, dy: Tensor): Tensor {
  return dy.reshape(xShape);
}
