/** A named trainable tensor and its gradient: what layers own, optimizers update and pruning masks. */
import { Tensor } from './tensor';

export interface Param<T = Tensor> {
  /** e.g. "conv1.weight". */
  name: string;
  value: T;
  grad: T;
}
