import { Param } from '../model/layers';

export interface Optimizer {
  /** Updates every parameter from its current gradient. */
  step(params: Param[]): void;
}

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; weightDecay?: number }
  | { type: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };
