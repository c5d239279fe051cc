/**
 * The training loop, shared by the browser worker and the Node CLI. It reports through a callback, can be
 * paused, resumed and stopped between batches, and yields to the event loop regularly so that a worker
 * stays able to receive those commands.
 *
 * Every random choice comes from seeded generators: the same config and data give the same run, bit for bit.
 */
import { ImageSet } from '../data/cifar10';
import { makeBatch } from '../data/batch';
import { Model, StepCost } from '../model/model';
import { ModelSpec } from '../model/spec';
import { createOptimizer } from '../optim/create';
import { Optimizer, OptimizerConfig } from '../optim/optimizer';
import { Prng, PrngState } from '../random/prng';
import { Gpu } from '../backend/webgpu/gpu';
import { GpuNetwork } from '../backend/webgpu/gpuNetwork';
import { ModelWeights } from '../model/model';
import { combineDensities, layerStats, LayerStats, outputDensity } from '../model/layerStats';
import { modelWeightHistograms, WeightHistogram } from './weightHistogram';
import { Tensor } from '../tensor/tensor';
import { OptimizerState } from '../optim/optimizer';
import { ExecutionPolicy } from '../model/kernelChoice';
import { Param } from '../tensor/param';
import { combineShards, flatten, GradientPool, splitBatch } from '../parallel/dataParallel';
import { applyMasks, GradualPruning, magnitudeMasks, maskGradients, prunableParams, PruneScope, scheduledSparsity, weightSparsity } from '../sparse/pruning';
import { engineCount, engineText } from '../text/engineText';
import type { EngineTextKey } from '../text/en';

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
  /** Measure per-layer stats (densities, gradient norms) every this many steps; 0 never. One-thread CPU runs. */
  statsEverySteps?: number;
  /** Gradual magnitude pruning during training (Zhu & Gupta); none when absent. */
  pruning?: PruningConfig;
  /** Kernel choice for convolutions (default dense), and the density product below which `auto` goes sparse. */
  policy?: ExecutionPolicy;
  crossover?: number;
}

/** Multiply–accumulates of the conv layers in one training step (forward and backward), three conventions. */
export type { StepCost } from '../model/model';

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
      backend: Backend;
    }
  | { event: 'step'; epoch: number; step: number; loss: number; batchAccuracy: number; imagesPerSec: number; progress: number; cost: StepCost }
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
  /** Per-layer densities, weight sparsity and gradient norms, measured on step `step` (CPU, one thread). */
  | { event: 'stats'; step: number; layers: LayerStats[] }
  /** The run moved to another backend (the GPU was lost): it continues from `step`, no step lost. */
  | { event: 'backend'; backend: Backend; reason: string; step: number }
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
  /** Conv cost counters (zero when the step ran on worker threads, which keep their own). */
  cost: StepCost;
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

const YIELD_EVERY_MS = 50;

export type Backend = 'cpu' | 'webgpu';

/**
 * How often a GPU run copies its state back to the CPU. If the GPU is lost, the run restarts on the CPU
 * from the last copy and replays the steps since, so no step is lost.
 */
export const GPU_SNAPSHOT_EVERY_STEPS = 50;

/** How often a CPU run keeps a copy of its state, to roll back to after a numerical fault. */
export const CHECKPOINT_EVERY_STEPS = 50;

/** The likely cause of a non-finite loss, in words, for the page. */
export function likelyCauseOfNaN(optimizer: OptimizerConfig): string {
  const lr = optimizer.lr ?? 0.001;
  const high = optimizer.type === 'adam' ? lr > 0.01 : lr > 0.1;
  return high
    ? engineText('train.rateTooHigh', { lr, optimizer: optimizer.type === 'adam' ? 'Adam' : 'SGD', suggested: optimizer.type === 'adam' ? '0.001' : '0.01' })
    : engineText('train.diverged');
}

/** Everything that determines the rest of a run, as of one step: what a checkpoint holds. */
export interface TrainerState {
  step: number;
  epoch: number;
  position: number;
  order: Uint32Array;
  shuffle: PrngState;
  augment: PrngState;
  weights: ModelWeights;
  optimizer: OptimizerState;
  masks: Map<string, Uint8Array> | null;
  trainedImages: number;
  trainSeconds: number;
}

/** A checkpoint that does not fit the run it is loaded into (another model, optimizer or data set). */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

/** The name of the first parameter holding a NaN or an infinity, or null. */
export function nonFiniteWeight(weights: ModelWeights): string | null {
  for (const [name, values] of Object.entries(weights)) for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return name;
  return null;
}

export class Trainer {
  readonly model: Model;
  readonly optimizer: Optimizer;
  private readonly shuffleRng: Prng;
  private readonly augmentRng: Prng;
  private order: Uint32Array;
  private epoch = 0;
  private position = 0;
  private step = 0;
  private trainSeconds = 0;
  private trainedImages = 0;
  private paused = false;
  private stopped = false;
  private resumeWaiter: (() => void) | null = null;
  private readonly pruned: Param[] = [];
  private readonly schedule: (GradualPruning & { every: number }) | null = null;
  private masks: Map<string, Uint8Array> | null = null;
  private gpuRun: { net: GpuNetwork; snapshot: TrainerState | null } | null = null;
  /** The last known-good state of a CPU run, taken every CHECKPOINT_EVERY_STEPS steps. */
  private checkpoint: TrainerState | null = null;
  private fault: string | null = null;
  /** Pause again after this many more steps (0: keep going); set by stepOnce. */
  private pauseAfterSteps = 0;
  /** Layer stats of the last step that measured them (gradients before the update, weights before it too). */
  private lastStats: LayerStats[] | null = null;

  constructor(
    readonly config: TrainConfig,
    readonly train: ImageSet,
    readonly test: ImageSet,
  ) {
    validateTrainConfig(config);
    if (train.count === 0) throw new RangeError('there are no training images');
    this.model = new Model(config.spec, config.seed);
    this.optimizer = createOptimizer(config.optimizer);
    if (config.policy) this.model.setExecutionPolicy(config.policy, config.crossover);
    this.shuffleRng = new Prng(config.seed + 1);
    this.augmentRng = new Prng(config.seed + 2);
    this.order = this.shuffled();
    if (config.pruning) {
      const p = config.pruning;
      this.pruned = prunableParams(this.model.params(), p.layers);
      const startStep = Math.round(p.startEpoch * this.stepsPerEpoch);
      const endStep = Math.round(p.endEpoch * this.stepsPerEpoch);
      const every = Math.max(1, Math.round((endStep - startStep) / (p.updates ?? 20)));
      this.schedule = { initialSparsity: 0, finalSparsity: p.finalSparsity, startStep, endStep, every };
    }
  }

  /** Whether the schedule recomputes the masks at this step. */
  private pruningDue(): boolean {
    const s = this.schedule;
    if (!s || this.step < s.startStep || this.step > s.endStep) return false;
    return (this.step - s.startStep) % s.every === 0 || this.step === s.endStep;
  }

  /** Recomputes the masks when the schedule says so; returns the new target sparsity, or null. */
  private updatePruning(): number | null {
    const s = this.schedule;
    if (!s || !this.pruningDue()) return null;
    const target = scheduledSparsity(this.step, s);
    this.masks = magnitudeMasks(this.pruned, target, this.config.pruning?.scope ?? 'layer');
    applyMasks(this.pruned, this.masks);
    for (const [name, mask] of this.masks) this.optimizer.clearMasked(name, mask);
    return target;
  }

  /** Weight sparsity of every pruned layer (empty without pruning). */
  prunedSparsity(): Record<string, number> {
    return weightSparsity(this.pruned);
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.train.count / this.config.batchSize);
  }

  get currentStep(): number {
    return this.step;
  }

  private shuffled(): Uint32Array {
    return this.shuffleRng.shuffle(Uint32Array.from({ length: this.train.count }, (_, i) => i));
  }

  /** Trains one batch on this thread and returns its loss and accuracy (and, when asked, layer stats). */
  trainStep(withStats = false): StepResult {
    const started = performance.now();
    const { indices, batch } = this.nextBatch();
    let outputs: Tensor[] | null = null;
    const result = this.model.lossAndGradients(batch.x, batch.labels, withStats ? (o) => (outputs = o) : undefined);
    const step = this.finishStep(started, indices.length, result.loss, result.correct, this.model.stepCost());
    // After the update: gradients are masked where pruned, as the optimizer saw them.
    this.lastStats = outputs ? layerStats(this.model.layers, (outputs as Tensor[]).map(outputDensity)) : null;
    return step;
  }

  /**
   * Trains one batch split across the pool's workers (data parallel): the same update as `trainStep` up to
   * the order of summation.
   */
  async trainStepParallel(pool: GradientPool, withStats = false): Promise<StepResult> {
    const started = performance.now();
    const { indices, batch } = this.nextBatch();
    const params = this.model.params();
    const shards = splitBatch(batch.x, batch.labels, pool.size).map((shard) => ({ ...shard, withStats }));
    const results = await pool.compute(flatten(params, 'value'), shards);
    const { loss, correct, cost } = combineShards(params, results);
    const step = this.finishStep(started, indices.length, loss, correct, cost);
    // Densities from the shards; gradients and weights from the combined, masked update here.
    if (withStats && results.every((r) => r.densities)) {
      this.lastStats = layerStats(this.model.layers, combineDensities(results.map((r) => ({ count: r.count, densities: r.densities! }))));
    }
    return step;
  }

  private nextBatch() {
    const end = Math.min(this.position + this.config.batchSize, this.train.count);
    const indices = this.order.subarray(this.position, end);
    const batch = makeBatch(this.train, indices, this.config.augment ? { rng: this.augmentRng, cropPadding: 4, flip: true } : undefined);
    return { indices, batch };
  }

  /** Pruning, the optimizer step and the bookkeeping shared by both ways of computing gradients. */
  private finishStep(started: number, images: number, loss: number, correct: number, cost: StepCost): StepResult {
    const prunedTo = this.updatePruning();
    if (this.masks) maskGradients(this.pruned, this.masks);
    this.optimizer.step(this.model.params());
    return this.advance(started, images, loss, correct, cost, prunedTo);
  }

  /** The bookkeeping after a step's update: counters, position in the epoch, reshuffling. */
  private advance(started: number, images: number, loss: number, correct: number, cost: StepCost, prunedTo: number | null): StepResult {
    this.trainSeconds += (performance.now() - started) / 1000;
    this.trainedImages += images;
    this.step++;
    this.position += images;
    if (this.position >= this.train.count) {
      this.epoch++;
      this.position = 0;
      this.order = this.shuffled();
    }
    return { loss, batchAccuracy: correct / images, images, prunedTo, cost };
  }

  get backend(): Backend {
    return this.gpuRun ? 'webgpu' : 'cpu';
  }

  /**
   * Trains on the GPU from now on: weights, gradients, optimizer state and masks move to GPU buffers (at the
   * start of a run, or of a run restored from a checkpoint).
   */
  useGpu(gpu: Gpu): void {
    const net = new GpuNetwork(gpu, this.config.spec, this.model.weights(), this.config.optimizer);
    if (this.masks) net.setMasks(this.masks);
    if (this.step > 0) net.writeOptimizerState(this.optimizer.exportState());
    this.gpuRun = { net, snapshot: null };
  }

  private async takeSnapshot(net: GpuNetwork): Promise<TrainerState> {
    return this.snapshotWith(await net.readWeights(), await net.readOptimizerState());
  }

  /** One batch on the GPU; pruning reads the weights back when the schedule recomputes the masks. */
  async trainStepGpu(): Promise<StepResult> {
    const run = this.gpuRun;
    if (!run) throw new Error('this run is not on the GPU');
    if (!run.snapshot || this.step - run.snapshot.step >= GPU_SNAPSHOT_EVERY_STEPS) run.snapshot = await this.takeSnapshot(run.net);
    const started = performance.now();
    const { indices, batch } = this.nextBatch();
    const pending = run.net.computeGradients(batch.x, batch.labels);
    let prunedTo: number | null = null;
    if (this.pruningDue()) {
      this.model.setWeights(await run.net.readWeights());
      prunedTo = this.updatePruning();
      run.net.setMasks(this.masks!);
    }
    run.net.applyUpdate(pending);
    const { loss, correct, cost } = await run.net.finishStep(pending);
    return this.advance(started, indices.length, loss, correct, cost, prunedTo);
  }

  /** Frees the GPU buffers of a GPU run that is over (the CPU model keeps its last synced weights). */
  releaseGpu(): void {
    this.gpuRun?.net.destroy();
    this.gpuRun = null;
  }

  /** Copies the GPU's weights into the CPU model (for evaluation, predictions, Ω). */
  async syncFromGpu(): Promise<void> {
    if (this.gpuRun) this.model.setWeights(await this.gpuRun.net.readWeights());
  }

  /**
   * Moves a GPU run back to the CPU after the GPU failed: restores the last snapshot and replays the steps
   * since on the CPU — the same batches, so the run goes on as if nothing happened (up to float rounding).
   */
  async fallBackToCpu(): Promise<void> {
    const run = this.gpuRun;
    if (!run) return;
    this.gpuRun = null;
    try {
      run.net.destroy();
    } catch {
      // A lost device may refuse even this; its buffers go with it.
    }
    const snap = run.snapshot;
    const target = this.step;
    if (!snap) {
      if (target !== 0) throw new Error('the GPU was lost before any state was copied back');
      return;
    }
    this.restore(snap);
    while (this.step < target) this.trainStep();
  }

  /** Puts the run back exactly where a snapshot was taken (CPU side). */
  private restore(snap: TrainerState): void {
    this.step = snap.step;
    this.epoch = snap.epoch;
    this.position = snap.position;
    this.order = snap.order.slice();
    this.shuffleRng.restore(snap.shuffle);
    this.augmentRng.restore(snap.augment);
    this.model.setWeights(snap.weights);
    this.optimizer.importState(snap.optimizer);
    this.masks = snap.masks ? new Map([...snap.masks].map(([k, v]) => [k, v.slice()])) : null;
    if (this.masks) applyMasks(this.pruned, this.masks);
    this.trainedImages = snap.trainedImages;
    this.trainSeconds = snap.trainSeconds;
  }

  /** A snapshot of a CPU run (the last known-good state a numerical fault rolls back to). */
  private cpuSnapshot(): TrainerState {
    return this.snapshotWith(this.model.weights(), this.optimizer.exportState());
  }

  /** The run's position and generators as of now, with the given weights and optimizer state. */
  private snapshotWith(weights: ModelWeights, optimizer: OptimizerState): TrainerState {
    return {
      step: this.step,
      epoch: this.epoch,
      position: this.position,
      order: this.order.slice(),
      shuffle: this.shuffleRng.snapshot(),
      augment: this.augmentRng.snapshot(),
      weights,
      optimizer,
      masks: this.masks ? new Map([...this.masks].map(([k, v]) => [k, v.slice()])) : null,
      trainedImages: this.trainedImages,
      trainSeconds: this.trainSeconds,
    };
  }

  /** The last known-good state (taken every CHECKPOINT_EVERY_STEPS steps, or by checkpointNow), or null. */
  lastCheckpoint(): TrainerState | null {
    return this.gpuRun?.snapshot ?? this.checkpoint;
  }

  /** Takes a known-good copy of the state now (between steps; not after a numerical fault). */
  async checkpointNow(): Promise<TrainerState> {
    if (this.fault) throw new Error(engineText('checkpoint.faulted'));
    const state = this.gpuRun ? await this.takeSnapshot(this.gpuRun.net) : this.cpuSnapshot();
    const bad = nonFiniteWeight(state.weights);
    if (bad) throw new Error(engineText('checkpoint.weightsNotFinite', { param: bad }));
    if (this.gpuRun) this.gpuRun.snapshot = state;
    else this.checkpoint = state;
    return state;
  }

  /**
   * Puts a new run where a checkpoint left off. Checks the state against this run's model and data first
   * and throws, naming the first thing that does not fit, before anything changes. CPU only: call it before
   * useGpu.
   */
  restoreState(state: TrainerState): void {
    if (this.gpuRun) throw new Error('restore a run before moving it to the GPU');
    const fail = (key: EngineTextKey, values: Record<string, string | number> = {}): never => {
      throw new CheckpointMismatchError(engineText(key, values));
    };
    const params = this.model.params();
    for (const p of params) {
      const w = state.weights[p.name];
      if (!w) fail('checkpoint.noWeights', { param: p.name });
      if (w.length !== p.value.size) fail('checkpoint.weightCount', { param: p.name, there: w.length, here: p.value.size });
      const buffers = state.optimizer.buffers[p.name];
      const expected = this.config.optimizer.type === 'adam' ? 2 : 1;
      if (!buffers || buffers.length !== expected || buffers.some((b) => b.length !== p.value.size)) {
        fail('checkpoint.optimizer', { param: p.name, optimizer: this.config.optimizer.type === 'adam' ? 'Adam' : 'SGD' });
      }
    }
    const extra = Object.keys(state.weights).find((name) => !params.some((p) => p.name === name));
    if (extra) fail('checkpoint.extraWeights', { param: extra });
    const extraBuffers = Object.keys(state.optimizer.buffers).find((name) => !params.some((p) => p.name === name));
    if (extraBuffers) fail('checkpoint.extraOptimizer', { param: extraBuffers });
    const bad = nonFiniteWeight(state.weights);
    if (bad) fail('checkpoint.nonFinite', { param: bad });
    if (state.masks) {
      for (const [name, mask] of state.masks) {
        const p = this.pruned.find((q) => q.name === name);
        if (!p) fail('checkpoint.extraMask', { layer: name });
        if (mask.length !== p!.value.size) fail('checkpoint.maskSize', { layer: name, there: mask.length, here: p!.value.size });
      }
    }
    if (state.order.length !== this.train.count) {
      fail('checkpoint.images', { there: engineCount(state.order.length), here: engineCount(this.train.count) });
    }
    const seen = new Uint8Array(this.train.count);
    for (const i of state.order) {
      if (i >= this.train.count || seen[i]) fail('checkpoint.order');
      seen[i] = 1;
    }
    if (!(Number.isInteger(state.step) && state.step >= 0 && Number.isInteger(state.position) && state.position >= 0 && state.position < this.train.count)) {
      fail('checkpoint.position', { step: state.step, image: state.position });
    }
    this.restore(state);
    this.checkpoint = state;
  }

  /** The step the run would roll back to after a numerical fault, or null when there is none. */
  get checkpointStep(): number | null {
    return (this.gpuRun?.snapshot ?? this.checkpoint)?.step ?? null;
  }

  /**
   * Rolls a run that hit a numerical fault back to its last checkpoint (on the GPU: the last snapshot, now
   * continued on the CPU). The run stays paused; returns the step it is back at.
   */
  async rollback(): Promise<number> {
    if (this.gpuRun) {
      const snap = this.gpuRun.snapshot;
      this.releaseGpu();
      if (snap) this.restore(snap);
    } else if (this.checkpoint) this.restore(this.checkpoint);
    this.fault = null;
    return this.step;
  }

  /** Why the run stopped itself, if it did (NaN or Inf), until rolled back. */
  get numericalFault(): string | null {
    return this.fault;
  }

  /** Loss and accuracy on the first `limit` images of a set, in chunks, without augmentation. */
  evaluate(set: ImageSet, limit = set.count): { accuracy: number; loss: number; images: number } {
    const count = Math.min(limit, set.count);
    let correct = 0;
    let loss = 0;
    const chunk = 100;
    for (let start = 0; start < count; start += chunk) {
      const indices = Uint32Array.from({ length: Math.min(chunk, count - start) }, (_, i) => start + i);
      const { probs, predicted } = this.predict(set, indices);
      const classes = probs.length / indices.length;
      for (let i = 0; i < indices.length; i++) {
        const label = set.labels[indices[i]];
        if (predicted[i] === label) correct++;
        loss -= Math.log(Math.max(probs[i * classes + label], 1e-30));
      }
    }
    return { accuracy: count ? correct / count : 0, loss: count ? loss / count : 0, images: count };
  }

  /** Class probabilities and arg-max predictions for the given images. */
  predict(set: ImageSet, indices: ArrayLike<number>): { probs: Float32Array; predicted: Uint8Array } {
    const { x } = makeBatch(set, indices);
    const logits = this.model.forward(x);
    const classes = logits.shape[1];
    const probs = new Float32Array(logits.size);
    const predicted = new Uint8Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, logits.data[i * classes + c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += probs[i * classes + c] = Math.exp(logits.data[i * classes + c] - max);
      let best = 0;
      for (let c = 0; c < classes; c++) {
        probs[i * classes + c] /= sum;
        if (probs[i * classes + c] > probs[i * classes + best]) best = c;
      }
      predicted[i] = best;
    }
    return { probs, predicted };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.resumeWaiter?.();
    this.resumeWaiter = null;
  }

  stop(): void {
    this.stopped = true;
    this.resume();
  }

  /** From a pause: trains exactly one more batch, then pauses again. */
  stepOnce(): void {
    this.pauseAfterSteps = 1;
    this.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Runs until `config.epochs` epochs are done or `stop()` is called. Can be called again after a stop to
   * continue where it left off.
   */
  async run(onEvent: (event: TrainEvent) => void, pool?: GradientPool): Promise<DoneEvent> {
    this.stopped = false;
    const { epochs, evalEverySteps = 0, evalLimit, statsEverySteps = 0 } = this.config;
    const totalSteps = epochs * this.stepsPerEpoch;
    onEvent({
      event: 'start',
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps,
      trainImages: this.train.count,
      testImages: this.test.count,
      workers: pool?.size ?? 1,
      sharedMemory: pool?.sharedMemory ?? false,
      backend: this.backend,
    });
    const wallStart = performance.now();
    let lastYield = performance.now();
    let epochLoss = 0;
    let epochCorrect = 0;
    let epochImages = 0;
    let epochStart = performance.now();
    let lastFullEval: { accuracy: number; step: number } | null = null;
    while (this.epoch < epochs && !this.stopped) {
      if (this.paused) {
        onEvent({ event: 'paused', step: this.step }); // hosts that batch events send what they hold now
        // The listener may have resumed the run already.
        if (this.paused) await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
        continue;
      }
      const epochBefore = this.epoch;
      if (!this.gpuRun && (!this.checkpoint || this.step - this.checkpoint.step >= CHECKPOINT_EVERY_STEPS)) {
        const snapshot = this.cpuSnapshot();
        const bad = nonFiniteWeight(snapshot.weights);
        if (bad) {
          // The loss may still be finite for a step: do not keep (or save) a broken state.
          this.fault = engineText('train.weightsNotFinite', { param: bad, step: this.step, cause: likelyCauseOfNaN(this.config.optimizer) });
          this.paused = true;
          onEvent({ event: 'fault', step: this.step, message: this.fault, rollbackTo: this.checkpointStep });
          continue;
        }
        const first = this.checkpoint === null;
        this.checkpoint = snapshot;
        if (!first) onEvent({ event: 'checkpoint', step: this.step });
      }
      const gpuSnapshotBefore = this.gpuRun?.snapshot ?? null;
      const statsDue = statsEverySteps > 0 && (this.step + 1) % statsEverySteps === 0;
      let r: StepResult;
      if (this.gpuRun) {
        try {
          r = await this.trainStepGpu();
          const snapshot = this.gpuRun?.snapshot;
          if (snapshot && gpuSnapshotBefore && snapshot !== gpuSnapshotBefore) onEvent({ event: 'checkpoint', step: snapshot.step });
          if ((evalEverySteps > 0 && this.step % evalEverySteps === 0) || this.epoch !== epochBefore) await this.syncFromGpu();
        } catch (error) {
          // The device was lost (or failed): continue on the CPU from where the GPU was.
          await this.fallBackToCpu();
          onEvent({ event: 'backend', backend: 'cpu', reason: error instanceof Error ? error.message : String(error), step: this.step });
          continue;
        }
      } else if (pool && pool.size > 1) r = await this.trainStepParallel(pool, statsDue);
      else r = this.trainStep(statsDue);
      if (!Number.isFinite(r.loss)) {
        // Everything after this would be NaN too: stop here, say why, and keep the last good state at hand.
        this.fault = engineText('train.lossNotFinite', {
          what: engineText(Number.isNaN(r.loss) ? 'train.nan' : 'train.infinite'),
          step: this.step,
          cause: likelyCauseOfNaN(this.config.optimizer),
        });
        this.paused = true;
        onEvent({ event: 'fault', step: this.step, message: this.fault, rollbackTo: this.checkpointStep });
        continue;
      }
      epochLoss += r.loss * r.images;
      epochCorrect += r.batchAccuracy * r.images;
      epochImages += r.images;
      if (r.prunedTo !== null) onEvent({ event: 'prune', step: this.step, targetSparsity: r.prunedTo, layers: this.prunedSparsity() });
      onEvent({
        event: 'step',
        epoch: epochBefore,
        step: this.step,
        loss: r.loss,
        batchAccuracy: r.batchAccuracy,
        imagesPerSec: this.trainedImages / this.trainSeconds,
        progress: this.step / totalSteps,
        cost: r.cost,
      });
      if (this.lastStats) {
        onEvent({ event: 'stats', step: this.step, layers: this.lastStats });
        this.lastStats = null;
      }
      if (this.pauseAfterSteps > 0 && --this.pauseAfterSteps === 0) this.paused = true;
      if (evalEverySteps > 0 && this.step % evalEverySteps === 0 && this.epoch === epochBefore) {
        const e = this.evaluate(this.test, evalLimit);
        onEvent({ event: 'eval', epoch: epochBefore, step: this.step, testAccuracy: e.accuracy, testLoss: e.loss, images: e.images });
        onEvent({ event: 'weights', step: this.step, layers: modelWeightHistograms(this.model) });
      }
      if (this.epoch !== epochBefore) {
        const e = this.evaluate(this.test);
        lastFullEval = { accuracy: e.accuracy, step: this.step };
        onEvent({ event: 'eval', epoch: epochBefore, step: this.step, testAccuracy: e.accuracy, testLoss: e.loss, images: e.images });
        onEvent({ event: 'weights', step: this.step, layers: modelWeightHistograms(this.model) });
        onEvent({
          event: 'epoch',
          epoch: epochBefore,
          step: this.step,
          trainLoss: epochLoss / epochImages,
          trainAccuracy: epochCorrect / epochImages,
          testAccuracy: e.accuracy,
          seconds: (performance.now() - epochStart) / 1000,
        });
        epochLoss = epochCorrect = epochImages = 0;
        epochStart = performance.now();
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        // Let the host deliver pause/stop messages (and keep a worker responsive).
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    if (this.gpuRun) {
      try {
        await this.syncFromGpu();
      } catch {
        await this.fallBackToCpu();
      }
    }
    const testAccuracy =
      lastFullEval && lastFullEval.step === this.step ? lastFullEval.accuracy : this.evaluate(this.test, this.stopped ? evalLimit : undefined).accuracy;
    const done: DoneEvent = {
      event: 'done',
      testAccuracy,
      trainImagesPerSec: this.trainSeconds > 0 ? this.trainedImages / this.trainSeconds : 0,
      epochs: this.epoch,
      steps: this.step,
      seconds: (performance.now() - wallStart) / 1000,
      stopped: this.stopped,
      ...(this.pruned.length ? { weightSparsity: this.prunedSparsity() } : {}),
    };
    onEvent(done);
    return done;
  }
}
