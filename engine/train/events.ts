/** What a training run reports, step by step: the events the lab draws, the CLI prints and checkpoints keep. */
import type { BackendName } from '../backend/backend';
import type { LayerStats } from '../model/layerStats';
import type { StepCost } from '../model/model';
import type { WeightHistogram } from './weightHistogram';

/**
 * The test images the evaluations during an epoch use (an 'eval' event of more images is one of the whole
 * test set, at an epoch's end): few, so that they cost the run little.
 */
export const QUICK_EVAL_IMAGES = 500;

export type TrainEvent =
  | {
      event: 'start';
      stepsPerEpoch: number;
      totalSteps: number;
      trainImages: number;
      testImages: number;
      /** Threads computing gradients (1: this one), and whether they share memory with it. */
      workers: number;
      sharedMemory: boolean;
      backend: BackendName;
    }
  | {
      event: 'step';
      epoch: number;
      step: number;
      loss: number;
      batchAccuracy: number;
      imagesPerSec: number;
      progress: number;
      cost: StepCost;
      /** Seconds spent training so far (not counting pauses; absent in checkpoints saved before it was sent). */
      seconds?: number;
    }
  | { event: 'eval'; epoch: number; step: number; testAccuracy: number; testLoss: number; images: number }
  | { event: 'epoch'; epoch: number; step: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number }
  | { event: 'prune'; step: number; targetSparsity: number; layers: Record<string, number> }
  /** Each layer's weight histogram, after an evaluation (the CPU model holds the current weights then). */
  | { event: 'weights'; step: number; layers: WeightHistogram[] }
  /** The run's state as of `step` was written to the checkpoint store (sent by the session, not the trainer). */
  | { event: 'saved'; step: number }
  /** The state as of `step` could not be written to the checkpoint store (full, or owned by another tab): why. */
  | { event: 'saveFailed'; step: number; message: string }
  /** A known-good copy of the run's state was taken at step `step` (see Trainer.lastCheckpoint). */
  | { event: 'checkpoint'; step: number }
  /** The run is paused after step `step` (by pause(), stepOnce() or a fault). */
  | { event: 'paused'; step: number }
  /** The loss became NaN or infinite: the run paused itself; `rollbackTo` is the step it can go back to. */
  | { event: 'fault'; step: number; message: string; rollbackTo: number | null }
  /** Per-layer densities, weight sparsity and gradient norms, measured on step `step` (every backend). */
  | { event: 'stats'; step: number; layers: LayerStats[] }
  /**
   * The run moved from backend `from` (the GPU was lost, the wasm kernels could not start) to `backend`: it
   * continues from `step`, no step lost. (`from` is missing in checkpoints saved before wasm: WebGPU then.)
   */
  | { event: 'backend'; backend: BackendName; from?: BackendName; reason: string; step: number }
  | DoneEvent;

export interface DoneEvent {
  event: 'done';
  testAccuracy: number;
  trainImagesPerSec: number;
  epochs: number;
  steps: number;
  seconds: number;
  stopped: boolean;
  /** Final zero fraction of each pruned layer, when pruning. */
  weightSparsity?: Record<string, number>;
}

export interface StepResult {
  loss: number;
  batchAccuracy: number;
  images: number;
  /** The target sparsity when this step recomputed the pruning masks. */
  prunedTo: number | null;
  /** The step's cost counters (conv totals, and every conv and linear layer). */
  cost: StepCost;
}
