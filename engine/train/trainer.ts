/**
 * The training loop, shared by the browser worker and the Node CLI: the schedule (epochs, evaluation,
 * pruning), the events, pause/resume, known-good copies of the state and rolling back to them. How a step
 * runs — one thread, data-parallel, a GPU — is a StepRunner's business (stepRunner.ts); the loop is the
 * same for all three.
 *
 * It reports through a callback, can be paused, resumed and stopped between batches, and yields to the
 * event loop regularly so that a worker stays able to receive those commands. Every random choice comes
 * from seeded generators: the same config and data give the same run, bit for bit.
 */
import type { Backend, BackendName, DeviceTensor } from '../backend/backend';
import { ImageSet } from '../data/cifar10';
import { makeBatch } from '../data/batch';
import { LayerStats } from '../model/layerStats';
import { Evaluation, evaluateModel, predictImages } from '../model/evaluation';
import { Model } from '../model/model';
import { createOptimizer } from '../optim/create';
import { Optimizer } from '../optim/optimizer';
import { GradientPool, readFlat } from '../parallel/dataParallel';
import type { Evaluator } from '../parallel/gradientWorkers';
import { Prng } from '../random/prng';
import { GradualPruning, magnitudeMasks, prunableParams, scheduledSparsity, weightSparsity } from '../sparse/pruning';
import { Param } from '../tensor/param';
import { Tensor } from '../tensor/tensor';
import { engineText } from '../text/engineText';
import { checkStateFits, nonFiniteWeight, TrainerState } from './checkpoint';
import { DoneEvent, StepResult, TrainEvent } from './events';
import { likelyCauseOfNaN, TrainConfig, validateTrainConfig } from './trainConfig';
import { DataParallelStepRunner, NetworkStepRunner, StepRunner } from './stepRunner';
import { modelWeightHistograms } from './weightHistogram';

export type { DoneEvent, StepResult, TrainEvent } from './events';
export { CheckpointMismatchError, nonFiniteWeight, type TrainerState } from './checkpoint';
export type { StepCost } from '../model/model';
export { likelyCauseOfNaN, validateTrainConfig, type PruningConfig, type TrainConfig } from './trainConfig';

const YIELD_EVERY_MS = 50;

/**
 * How often a run keeps a known-good copy of its state: to roll back to after a numerical fault, and — on
 * a GPU — to restart from on the CPU if the device is lost (replaying the steps since, so none is lost).
 */
export const CHECKPOINT_EVERY_STEPS = 50;

/** An epoch's numbers, before its test accuracy is known. */
type EpochSummary = Omit<Extract<TrainEvent, { event: 'epoch' }>, 'event' | 'testAccuracy'>;

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
  /** Runs steps on this thread's CPU model. */
  private readonly cpuRunner: NetworkStepRunner<Tensor>;
  /** Runs steps split across the last pool given (the model and optimizer of the runner it splits). */
  private poolRunner: DataParallelStepRunner<DeviceTensor> | null = null;
  /** The runner of a run moved to another backend (its own model and optimizer there), while there is one. */
  private deviceRunner: NetworkStepRunner<DeviceTensor> | null = null;
  /** The last known-good state, taken every CHECKPOINT_EVERY_STEPS steps (or by checkpointNow). */
  private checkpoint: TrainerState | null = null;
  private fault: string | null = null;
  /** Pause again after this many more steps (0: keep going); set by stepOnce. */
  private pauseAfterSteps = 0;
  /** Layer stats of the last step that measured them (gradients before the update, weights after it). */
  private lastStats: LayerStats[] | null = null;
  private fullEvaluation: (Evaluation & { step: number }) | null = null;
  /** Evaluations of the whole test set still being computed elsewhere, and one owed here after a failure. */
  private pendingEvaluations: Promise<void>[] = [];
  private evaluationOwed: EpochSummary | null = null;
  private evaluatorFailed = false;

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
    if (config.weightCrossover !== undefined) this.model.setWeightCrossover(config.weightCrossover);
    this.cpuRunner = new NetworkStepRunner(this.model, this.optimizer);
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

  /**
   * The runner this step uses: the pool's when it has workers on the backend the run is on (this thread's
   * CPU, or wasm after moveTo), splitting that runner's steps; else the device's (a GPU ignores the pool),
   * else this thread's.
   */
  private runnerFor(pool?: GradientPool): StepRunner {
    const single: NetworkStepRunner<DeviceTensor> = this.deviceRunner ?? (this.cpuRunner as unknown as NetworkStepRunner<DeviceTensor>);
    if (!pool || pool.size < 1 || pool.backend !== single.backend) return single;
    if (this.poolRunner?.pool !== pool || this.poolRunner.model !== single.model)
      this.poolRunner = new DataParallelStepRunner(single.model, single.optimizer, pool);
    return this.poolRunner;
  }

  /**
   * Trains one batch and returns its loss and accuracy (and, with `stats`, leaves the layer statistics for
   * the next 'stats' event). `pool`: split the batch across its workers (data parallel) — the same update
   * as one thread up to the order of summation. A run on a device ignores the pool.
   */
  async trainStep(options: { pool?: GradientPool; stats?: boolean } = {}): Promise<StepResult> {
    return this.stepWith(this.runnerFor(options.pool), options.stats ?? false);
  }

  private async stepWith(runner: StepRunner, withStats: boolean): Promise<StepResult> {
    const started = performance.now();
    const end = Math.min(this.position + this.config.batchSize, this.train.count);
    const indices = this.order.subarray(this.position, end);
    const batch = makeBatch(this.train, indices, this.config.augment ? { rng: this.augmentRng, cropPadding: 4, flip: true } : undefined);
    const r = await runner.computeGradients(batch, withStats);
    // Pruning sits between the gradients and the update: the masks come from the weights the gradients
    // were computed with, and the update already leaves the pruned weights at zero.
    let prunedTo: number | null = null;
    const s = this.schedule;
    if (s && this.pruningDue()) {
      const onDevice = this.deviceRunner !== null; // the device's own runner, or the pool's splitting it
      if (onDevice) this.model.setWeights(await runner.readWeights());
      prunedTo = scheduledSparsity(this.step, s);
      this.masks = magnitudeMasks(this.pruned, prunedTo, this.config.pruning?.scope ?? 'layer');
      runner.setMasks(this.masks);
      if (onDevice) this.cpuRunner.setMasks(this.masks); // the CPU model stays pruned alike
    }
    runner.update();
    this.lastStats = r.densities ? await runner.layerStats(r.densities) : null;
    this.trainSeconds += (performance.now() - started) / 1000;
    this.trainedImages += indices.length;
    this.step++;
    this.position += indices.length;
    if (this.position >= this.train.count) {
      this.epoch++;
      this.position = 0;
      this.order = this.shuffled();
    }
    return { loss: r.loss, batchAccuracy: r.correct / indices.length, images: indices.length, prunedTo, cost: r.cost };
  }

  /**
   * The crossover `auto` uses from now on (measured on this device once the run knows its backend): the
   * config, this thread's model and the device's follow; a pool made after this uses it too.
   */
  setCrossover(crossover: number, weightCrossover?: number): void {
    if (!(crossover >= 0 && crossover <= 1)) throw new RangeError(`the crossover must be a density from 0 to 1, got ${crossover}`);
    this.config.crossover = crossover;
    if (weightCrossover !== undefined) this.config.weightCrossover = weightCrossover;
    if (this.config.policy !== 'auto') return;
    for (const model of [this.model as Model<DeviceTensor>, this.deviceRunner?.model]) {
      model?.setExecutionPolicy('auto', crossover);
      if (weightCrossover !== undefined) model?.setWeightCrossover(weightCrossover);
    }
  }

  get backend(): BackendName {
    return this.deviceRunner?.backend ?? 'cpu';
  }

  /**
   * Trains on `backend` from now on (a GPU's): the same network there, with this run's weights, masks and
   * optimizer state moved into its tensors (at the start of a run, or of a run restored from a checkpoint).
   * If a step there fails, the run falls back to this thread's CPU model and goes on.
   */
  async moveTo<T extends DeviceTensor>(backend: Backend<T>): Promise<void> {
    this.releaseDevice();
    const model = new Model(this.config.spec, this.config.seed, backend);
    model.setWeights(this.model.weights());
    if (this.config.policy) model.setExecutionPolicy(this.config.policy, this.config.crossover);
    if (this.config.weightCrossover !== undefined) model.setWeightCrossover(this.config.weightCrossover);
    if (this.masks) model.setMasks(this.masks);
    const optimizer = createOptimizer(this.config.optimizer, backend);
    if (this.step > 0) optimizer.importState(await this.optimizer.exportState());
    this.deviceRunner = new NetworkStepRunner(model, optimizer);
  }

  /** Frees the device's tensors of a run that is over there (the CPU model keeps its last synced weights). */
  releaseDevice(): void {
    this.deviceRunner?.release();
    this.deviceRunner = null;
  }

  /** Copies the device's weights into the CPU model (for evaluation, predictions, Ω). */
  async syncFromDevice(): Promise<void> {
    if (this.deviceRunner) this.model.setWeights(await this.deviceRunner.readWeights());
  }

  /**
   * Moves a GPU run back to the CPU after the GPU failed: restores the last known-good state and replays
   * the steps since on the CPU — the same batches, so the run goes on as if nothing happened (up to float
   * rounding).
   */
  async fallBackToCpu(): Promise<void> {
    const runner = this.deviceRunner;
    if (!runner) return;
    this.deviceRunner = null;
    try {
      runner.release();
    } catch {
      // A lost device may refuse even this; its buffers go with it.
    }
    const snap = this.checkpoint;
    const target = this.step;
    if (!snap) {
      if (target !== 0) throw new Error('the GPU was lost before any state was copied back');
      return;
    }
    this.restore(snap);
    while (this.step < target) await this.stepWith(this.cpuRunner, false);
  }

  /** Puts the run back exactly where a snapshot was taken (CPU side). */
  private restore(snap: TrainerState): void {
    this.step = snap.step;
    this.epoch = snap.epoch;
    this.position = snap.position;
    this.order = snap.order.slice();
    this.shuffleRng.restore(snap.shuffle);
    this.augmentRng.restore(snap.augment);
    // Masks first (those of the snapshot, or none), then the weights: a layer without a mask takes the
    // pattern of the weights it is given.
    this.masks = snap.masks ? new Map([...snap.masks].map(([k, v]) => [k, v.slice()])) : null;
    this.model.setMasks(this.masks ?? new Map());
    this.model.setWeights(snap.weights);
    this.optimizer.importState(snap.optimizer);
    this.trainedImages = snap.trainedImages;
    this.trainSeconds = snap.trainSeconds;
  }

  /** The run's position, generators, weights and optimizer state as of now (read back from a GPU). */
  private async snapshot(): Promise<TrainerState> {
    const runner = this.deviceRunner ?? this.cpuRunner;
    return {
      step: this.step,
      epoch: this.epoch,
      position: this.position,
      order: this.order.slice(),
      shuffle: this.shuffleRng.snapshot(),
      augment: this.augmentRng.snapshot(),
      weights: await runner.readWeights(),
      optimizer: await runner.readOptimizerState(),
      masks: this.masks ? new Map([...this.masks].map(([k, v]) => [k, v.slice()])) : null,
      trainedImages: this.trainedImages,
      trainSeconds: this.trainSeconds,
    };
  }

  /** The last known-good state (taken every CHECKPOINT_EVERY_STEPS steps, or by checkpointNow), or null. */
  lastCheckpoint(): TrainerState | null {
    return this.checkpoint;
  }

  /** Takes a known-good copy of the state now (between steps; not after a numerical fault). */
  async checkpointNow(): Promise<TrainerState> {
    if (this.fault) throw new Error(engineText('checkpoint.faulted'));
    const state = await this.snapshot();
    const bad = nonFiniteWeight(state.weights);
    if (bad) throw new Error(engineText('checkpoint.weightsNotFinite', { param: bad }));
    this.checkpoint = state;
    return state;
  }

  /**
   * Puts a new run where a checkpoint left off. Checks the state against this run's model and data first
   * (checkpoint.ts) and throws, naming the first thing that does not fit, before anything changes. CPU
   * only: call it before moveTo.
   */
  restoreState(state: TrainerState): void {
    if (this.deviceRunner) throw new Error('restore a run before moving it to another backend');
    checkStateFits(state, {
      params: this.model.params().map((p) => ({ name: p.name, size: p.value.size })),
      optimizer: this.config.optimizer.type,
      prunable: this.pruned.map((p) => ({ name: p.name, size: p.value.size })),
      trainImages: this.train.count,
    });
    this.restore(state);
    this.checkpoint = state;
  }

  /** The step the run would roll back to after a numerical fault, or null when there is none. */
  get checkpointStep(): number | null {
    return this.checkpoint?.step ?? null;
  }

  /**
   * Rolls a run that hit a numerical fault back to its last checkpoint (a GPU run continues on the CPU).
   * The run stays paused; returns the step it is back at.
   */
  async rollback(): Promise<number> {
    this.releaseDevice();
    if (this.checkpoint) this.restore(this.checkpoint);
    this.fault = null;
    return this.step;
  }

  /** Why the run stopped itself, if it did (NaN or Inf), until rolled back. */
  get numericalFault(): string | null {
    return this.fault;
  }

  /** The model the run computes on: the device's, or this thread's. */
  private get currentModel(): Model<DeviceTensor> {
    return this.deviceRunner?.model ?? (this.model as unknown as Model<DeviceTensor>);
  }

  /** Loss, accuracy and predictions on the first `limit` images of a set (on the backend the run is on). */
  evaluate(set: ImageSet, limit = set.count): Promise<Evaluation> {
    return evaluateModel(this.currentModel, set, limit);
  }

  /** Class probabilities and arg-max predictions for the given images (on the backend the run is on). */
  predict(set: ImageSet, indices: ArrayLike<number>): Promise<{ probs: Float32Array; predicted: Uint8Array }> {
    return predictImages(this.currentModel, set, indices);
  }

  /** The latest evaluation of the whole test set, with its step (null before the first). */
  get lastFullEvaluation(): (Evaluation & { step: number }) | null {
    return this.fullEvaluation;
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

  /** Pauses the run after a NaN or infinity, saying why; the last known-good state stays at hand. */
  private faulted(message: string, onEvent: (event: TrainEvent) => void): void {
    this.fault = message;
    this.paused = true;
    onEvent({ event: 'fault', step: this.step, message, rollbackTo: this.checkpointStep });
  }

  /**
   * Keeps a known-good copy of the state every CHECKPOINT_EVERY_STEPS steps. Returns false — and pauses
   * with a fault — when the weights are no longer finite (the loss may still be finite for a step: a broken
   * state is neither kept nor saved).
   */
  private async keepKnownGoodState(onEvent: (event: TrainEvent) => void): Promise<boolean> {
    if (this.checkpoint && this.step - this.checkpoint.step < CHECKPOINT_EVERY_STEPS) return true;
    const snapshot = await this.snapshot();
    const bad = nonFiniteWeight(snapshot.weights);
    if (bad) {
      this.faulted(engineText('train.weightsNotFinite', { param: bad, step: this.step, cause: likelyCauseOfNaN(this.config.optimizer) }), onEvent);
      return false;
    }
    const initial = this.checkpoint === null;
    this.checkpoint = snapshot;
    if (!initial) onEvent({ event: 'checkpoint', step: this.step });
    return true;
  }

  /** Test loss and accuracy on the first `limit` test images (all by default), and the weights' histograms. */
  private async evaluateAndReport(epoch: number, limit: number | undefined, onEvent: (event: TrainEvent) => void) {
    const e = await this.evaluate(this.test, limit);
    onEvent({ event: 'eval', epoch, step: this.step, testAccuracy: e.accuracy, testLoss: e.loss, images: e.images });
    onEvent({ event: 'weights', step: this.step, layers: modelWeightHistograms(this.model) });
    return e;
  }

  /** The end of an epoch on the whole test set, here (the run waits for it), then the epoch's event. */
  private async endEpochHere(summary: EpochSummary, onEvent: (event: TrainEvent) => void): Promise<void> {
    const e = await this.evaluateAndReport(summary.epoch, undefined, onEvent);
    this.fullEvaluation = { ...e, step: this.step };
    onEvent({ event: 'epoch', ...summary, testAccuracy: e.accuracy });
  }

  /**
   * The end of an epoch on the whole test set, in the evaluation worker, from this step's weights, while
   * training goes on: its 'eval' and 'epoch' events follow when the worker answers. If it fails, this
   * thread owes the evaluation (at its next step) and evaluates here from then on.
   */
  private async endEpochElsewhere(evaluator: Evaluator, summary: EpochSummary, onEvent: (event: TrainEvent) => void): Promise<void> {
    const model = this.currentModel;
    const weights = await readFlat(model.backend, model.params(), 'value');
    onEvent({ event: 'weights', step: this.step, layers: modelWeightHistograms(this.model) });
    const step = this.step;
    const done = evaluator.evaluate(weights as Float32Array<ArrayBuffer>).then(
      (e) => {
        if (!this.fullEvaluation || this.fullEvaluation.step <= step) this.fullEvaluation = { ...e, step };
        onEvent({ event: 'eval', epoch: summary.epoch, step, testAccuracy: e.accuracy, testLoss: e.loss, images: e.images });
        onEvent({ event: 'epoch', ...summary, testAccuracy: e.accuracy });
      },
      () => {
        this.evaluatorFailed = true;
        this.evaluationOwed = summary;
      },
    );
    this.pendingEvaluations.push(done);
  }

  /** Waits for the evaluations still being computed elsewhere (and does one owed here). */
  private async settleEvaluations(onEvent: (event: TrainEvent) => void): Promise<void> {
    const pending = this.pendingEvaluations;
    this.pendingEvaluations = [];
    await Promise.all(pending);
    await this.payOwedEvaluation(onEvent);
  }

  private async payOwedEvaluation(onEvent: (event: TrainEvent) => void): Promise<void> {
    const owed = this.evaluationOwed;
    if (!owed) return;
    this.evaluationOwed = null;
    await this.endEpochHere({ ...owed, step: this.step }, onEvent);
  }

  /**
   * Runs until `config.epochs` epochs are done or `stop()` is called. Can be called again after a stop to
   * continue where it left off.
   */
  /** Test accuracy at the end: the whole set's, if evaluated at this step; a stopped run's quick one. */
  private async finalTestAccuracy(evaluator: Evaluator | undefined, evalLimit: number | undefined): Promise<number> {
    if (this.fullEvaluation && this.fullEvaluation.step === this.step) return this.fullEvaluation.accuracy;
    if (this.stopped) return (await this.evaluate(this.test, evalLimit)).accuracy;
    if (evaluator && !this.evaluatorFailed) {
      const model = this.currentModel;
      try {
        const e = await evaluator.evaluate((await readFlat(model.backend, model.params(), 'value')) as Float32Array<ArrayBuffer>);
        this.fullEvaluation = { ...e, step: this.step };
        return e.accuracy;
      } catch {
        this.evaluatorFailed = true;
      }
    }
    const e = await this.evaluate(this.test);
    this.fullEvaluation = { ...e, step: this.step };
    return e.accuracy;
  }

  /**
   * `evaluator`: evaluates the whole test set at each epoch's end off this thread, while training goes on
   * (without one, the run waits for that evaluation here).
   */
  async run(onEvent: (event: TrainEvent) => void, pool?: GradientPool, evaluator?: Evaluator): Promise<DoneEvent> {
    this.stopped = false;
    const { epochs, evalEverySteps = 0, evalLimit, statsEverySteps = 0 } = this.config;
    const totalSteps = epochs * this.stepsPerEpoch;
    const first = this.runnerFor(pool);
    onEvent({
      event: 'start',
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps,
      trainImages: this.train.count,
      testImages: this.test.count,
      workers: first.workers,
      sharedMemory: first.sharedMemory,
      backend: this.backend,
    });
    const wallStart = performance.now();
    let lastYield = performance.now();
    let epochLoss = 0;
    let epochCorrect = 0;
    let epochImages = 0;
    let epochStart = performance.now();
    while (this.epoch < epochs && !this.stopped) {
      if (this.paused) {
        onEvent({ event: 'paused', step: this.step }); // hosts that batch events send what they hold now
        // The listener may have resumed the run already.
        if (this.paused) await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
        continue;
      }
      const epochBefore = this.epoch;
      const runner = this.runnerFor(pool);
      const onDevice = this.deviceRunner !== null; // the device's own runner, or the pool's splitting it
      let r: StepResult;
      try {
        if (!(await this.keepKnownGoodState(onEvent))) continue;
        const statsDue = statsEverySteps > 0 && (this.step + 1) % statsEverySteps === 0;
        r = await this.stepWith(runner, statsDue);
        if (onDevice && ((evalEverySteps > 0 && this.step % evalEverySteps === 0) || this.epoch !== epochBefore)) await this.syncFromDevice();
      } catch (error) {
        if (!onDevice) throw error;
        // The device was lost (or failed): continue on the CPU from where the GPU was.
        const from = this.backend;
        await this.fallBackToCpu();
        onEvent({ event: 'backend', backend: 'cpu', from, reason: error instanceof Error ? error.message : String(error), step: this.step });
        continue;
      }
      if (!Number.isFinite(r.loss)) {
        // Everything after this would be NaN too: stop here, say why, and keep the last good state at hand.
        const what = engineText(Number.isNaN(r.loss) ? 'train.nan' : 'train.infinite');
        this.faulted(engineText('train.lossNotFinite', { what, step: this.step, cause: likelyCauseOfNaN(this.config.optimizer) }), onEvent);
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
        seconds: this.trainSeconds,
        progress: this.step / totalSteps,
        cost: r.cost,
      });
      if (this.lastStats) {
        onEvent({ event: 'stats', step: this.step, layers: this.lastStats });
        this.lastStats = null;
      }
      if (this.pauseAfterSteps > 0 && --this.pauseAfterSteps === 0) this.paused = true;
      if (evalEverySteps > 0 && this.step % evalEverySteps === 0 && this.epoch === epochBefore) await this.evaluateAndReport(epochBefore, evalLimit, onEvent);
      await this.payOwedEvaluation(onEvent);
      if (this.epoch !== epochBefore) {
        const summary: EpochSummary = {
          epoch: epochBefore,
          step: this.step,
          trainLoss: epochLoss / epochImages,
          trainAccuracy: epochCorrect / epochImages,
          seconds: (performance.now() - epochStart) / 1000,
        };
        if (evaluator && !this.evaluatorFailed) await this.endEpochElsewhere(evaluator, summary, onEvent);
        else await this.endEpochHere(summary, onEvent);
        epochLoss = epochCorrect = epochImages = 0;
        epochStart = performance.now();
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        // Let the host deliver pause/stop messages (and keep a worker responsive).
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    if (this.deviceRunner) {
      try {
        await this.syncFromDevice();
      } catch {
        await this.fallBackToCpu();
      }
    }
    await this.settleEvaluations(onEvent);
    const testAccuracy = await this.finalTestAccuracy(evaluator, evalLimit);
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
