import { Param } from '../tensor/param';

export interface Optimizer {
  /** Updates every parameter from its current gradient. */
  step(params: Param[]): void;
  /** Forgets the state (momentum, moments) of the entries a pruning mask removes (mask 0). */
  clearMasked(name: string, mask: Uint8Array): void;
  /** A copy of the state (to checkpoint it, or to move a run between backends). */
  exportState(): OptimizerState;
  importState(state: OptimizerState): void;
}

/**
 * An optimizer's state: the step count and, per parameter, its buffers — SGD's velocity, or Adam's first
 * and second moments, in that order.
 */
export interface OptimizerState {
  steps: number;
  buffers: Record<string, Float32Array[]>;
}

export function copyBuffers(buffers: Map<string, Float32Array>[]): Record<string, Float32Array[]> {
  const out: Record<string, Float32Array[]> = {};
  for (const name of buffers[0].keys()) out[name] = buffers.map((b) => b.get(name)!.slice());
  return out;
}

/** Zeroes `state` wherever `mask` is 0. */
export function clearMaskedEntries(state: Float32Array | undefined, mask: Uint8Array): void {
  if (!state) return;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) state[i] = 0;
}

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; weightDecay?: number }
  | { type: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };
