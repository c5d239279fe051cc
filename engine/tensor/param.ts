/** A named trainable tensor and its gradient: what layers own, optimizers update and pruning masks. */
import { Tensor } from './tensor';

export interface Param {
  /** e.g. "conv1.weight". */
  name: string;
  value: Tensor;
  grad: Tensor;
}
