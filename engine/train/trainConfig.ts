/** What a training run is asked to do: its settings, checked before anything starts. */
import type { ExecutionPolicy } from '../model/kernelChoice';
import type { ModelSpec } from '../model/spec';
import { createOptimizer } from '../optim/create';
import type { OptimizerConfig } from '../optim/optimizer';
import type { PruneScope } from '../sparse/pruning';
import { engineText } from '../text/engineText';

export interface TrainConfig {
  spec: ModelSpec;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  seed: number;
  /** Random crop (4-px padding) and horizontal flip. */
  augment: boolean;
  /** Also measure test accuracy every this many steps (0: only at the end of each epoch). */
  evalEverySteps?: number;
  /** How many test images the periodic evaluation uses (the end-of-epoch one uses them all). */
  evalLimit?: number;
  /** Measure per-layer stats (densities, gradient norms) every this many steps; 0 never. Every backend. */
  statsEverySteps?: number;
  /** Gradual magnitude pruning during training (Zhu & Gupta); none when absent. */
  pruning?: PruningConfig;
  /** Kernel choice for conv and linear layers (default dense), and the density product below which `auto` goes sparse. */
  policy?: ExecutionPolicy;
  crossover?: number;
  /** The weight density at or below which `auto` runs the weight-sparse and CSR kernels (see choosesWeightSparse). */
  weightCrossover?: number;
}

export interface PruningConfig {
  /** Fraction of each pruned layer's weights that are zero at the end (per layer, or overall when global). */
  finalSparsity: number;
  /** The schedule runs from the start of epoch `startEpoch` to the start of epoch `endEpoch` (0-based). */
  startEpoch: number;
  endEpoch: number;
  /** Layer names such as conv2, fc1; all conv and linear layers when absent. */
  layers?: string[];
  scope?: PruneScope;
  /** How many times the masks are recomputed along the schedule (Zhu & Gupta's n). Default 20. */
  updates?: number;
}

export function validateTrainConfig(config: TrainConfig): void {
  const positiveInt = (name: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${name} must be a whole number ≥ 1, got ${v}`);
  };
  positiveInt('epochs', config.epochs);
  positiveInt('batch size', config.batchSize);
  if (!Number.isInteger(config.seed)) throw new RangeError(`seed must be a whole number, got ${config.seed}`);
  createOptimizer(config.optimizer); // validates its hyperparameters
  const p = config.pruning;
  if (p) {
    if (!(p.finalSparsity >= 0 && p.finalSparsity < 1)) throw new RangeError(`prune-to must be at least 0 and below 1, got ${p.finalSparsity}`);
    if (!(p.startEpoch >= 0 && p.endEpoch >= p.startEpoch)) {
      throw new RangeError(`pruning must start at epoch ≥ 0 and end no earlier than it starts (got ${p.startEpoch} → ${p.endEpoch})`);
    }
    if (p.updates !== undefined && !(Number.isInteger(p.updates) && p.updates >= 1))
      throw new RangeError(`pruning updates must be a whole number ≥ 1, got ${p.updates}`);
  }
}

/** The likely cause of a non-finite loss, in words, for the page. */
export function likelyCauseOfNaN(optimizer: OptimizerConfig): string {
  const lr = optimizer.lr ?? 0.001;
  const high = optimizer.type === 'adam' ? lr > 0.01 : lr > 0.1;
  return high
    ? engineText('train.rateTooHigh', { lr, optimizer: optimizer.type === 'adam' ? 'Adam' : 'SGD', suggested: optimizer.type === 'adam' ? '0.001' : '0.01' })
    : engineText('train.diverged');
}
