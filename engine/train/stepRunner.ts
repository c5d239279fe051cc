/**
 * How a training step runs, behind one interface: on one thread (the network on a backend — the CPU, or a
 * GPU), or data-parallel (the batch split across gradient workers, the update on this thread). The trainer
 * owns the loop, the schedule and the events; a runner owns where the weights live and how gradients are
 * computed.
 */
import type { BackendName, DeviceTensor } from '../backend/backend';
import type { Batch } from '../data/batch';
import type { LayerStats, OutputDensity } from '../model/layerStats';
import { combineDensities } from '../model/layerStats';
import type { Model, ModelWeights, StepCost } from '../model/model';
import type { Optimizer, OptimizerState } from '../optim/optimizer';
import { averageShardGradients, combineShards, GradientPool, parameterCount, readFlat, ShardResult, splitBatch } from '../parallel/dataParallel';
import { Tensor } from '../tensor/tensor';

/** A batch's forward and backward: loss, hits, counters and (when asked) each layer's output density. */
export interface GradientResult {
  loss: number;
  correct: number;
  cost: StepCost;
  densities: OutputDensity[] | null;
}

export interface StepRunner {
  readonly backend: BackendName;
  /** Threads computing gradients (1: this one), and whether they share memory with it. */
  readonly workers: number;
  readonly sharedMemory: boolean;
  /** Forward, loss and backward; the gradients stay where `update` finds them. */
  computeGradients(batch: Batch, densities: boolean): Promise<GradientResult>;
  /** New pruning masks (by weight name): pruned weights and their optimizer state to zero. */
  setMasks(masks: ReadonlyMap<string, Uint8Array>): void;
  /** The optimizer's step from the gradients, masked where pruned. */
  update(): void;
  /** Each layer's statistics: `densities` from computeGradients, weights and gradients as of now. */
  layerStats(densities: OutputDensity[]): Promise<LayerStats[]>;
  readWeights(): Promise<ModelWeights>;
  readOptimizerState(): Promise<OptimizerState>;
  /** Frees what the runner holds (a GPU's buffers). */
  release(): void;
}

/** One thread: the network and its optimizer on one backend. */
export class NetworkStepRunner<T extends DeviceTensor> implements StepRunner {
  readonly workers: number = 1;
  readonly sharedMemory: boolean = false;

  constructor(
    readonly model: Model<T>,
    readonly optimizer: Optimizer<T>,
  ) {}

  get backend(): BackendName {
    return this.model.backend.name;
  }

  async computeGradients(batch: Batch, densities: boolean): Promise<GradientResult> {
    const r = await this.model.lossAndGradients(batch.x, batch.labels, { densities });
    return { ...r, cost: this.model.stepCost() };
  }

  setMasks(masks: ReadonlyMap<string, Uint8Array>): void {
    this.model.setMasks(masks);
    for (const [name, mask] of this.model.maskTensors()) if (masks.has(name)) this.optimizer.clearMasked(name, mask);
  }

  update(): void {
    this.model.maskGradients();
    this.optimizer.step(this.model.params());
  }

  layerStats(densities: OutputDensity[]): Promise<LayerStats[]> {
    return this.model.layerStats(densities);
  }

  readWeights(): Promise<ModelWeights> {
    return this.model.readWeights();
  }

  readOptimizerState(): Promise<OptimizerState> {
    return this.optimizer.exportState();
  }

  release(): void {
    this.optimizer.release();
    this.model.destroy();
  }
}

/**
 * Data parallel: the batch in shards, one per thread — the first computed here, on this thread's model
 * (its gradients land where the update reads them), the others on the pool's workers' replicas, at the
 * same time — then the workers' gradients averaged in (the same update as one thread, up to the order of
 * summation). The update and the masks stay here, on the model's backend (the CPU's, in TypeScript or
 * WebAssembly). This thread computing a shard rather than waiting for a second worker means one thread
 * fewer competing for the cores, one set of weights and gradients fewer crossing between threads.
 */
export class DataParallelStepRunner<T extends DeviceTensor> extends NetworkStepRunner<T> {
  override readonly workers: number;
  override readonly sharedMemory: boolean;

  constructor(
    model: Model<T>,
    optimizer: Optimizer<T>,
    readonly pool: GradientPool,
  ) {
    super(model, optimizer);
    this.workers = pool.size + 1;
    this.sharedMemory = pool.sharedMemory;
  }

  override get backend(): BackendName {
    return this.pool.backend;
  }

  override async computeGradients(batch: Batch, densities: boolean): Promise<GradientResult> {
    const params = this.model.params();
    const [own, ...shards] = splitBatch(batch.x, batch.labels, this.workers).map((shard) => ({ ...shard, withStats: densities }));
    const remote = shards.length
      ? this.pool.compute(
          await readFlat(this.model.backend, params, 'value', this.pool.weightsBuffer(parameterCount(params))),
          shards,
          this.model.installedMasks(),
        )
      : Promise.resolve([]);
    remote.catch(() => undefined); // a failing worker is reported below, not as an unhandled rejection meanwhile
    const local = await this.model.lossAndGradients(new Tensor(own.shape, own.x), own.labels, { densities });
    const here: ShardResult = {
      loss: local.loss,
      correct: local.correct,
      count: own.labels.length,
      grads: new Float32Array(0), // already in the model's gradients
      cost: this.model.stepCost(),
      ...(local.densities ? { densities: local.densities } : {}),
    };
    const results = await remote;
    averageShardGradients(this.model.backend, params, here.count, results);
    const all = [here, ...results];
    const { loss, correct, cost } = combineShards(all);
    const measured = densities && all.every((r) => r.densities);
    return {
      loss,
      correct,
      cost,
      densities: measured ? combineDensities(all.map((r) => ({ count: r.count, densities: r.densities! }))) : null,
    };
  }

  /** The model and optimizer belong to the one-thread runner it was made from: nothing to free here. */
  override release(): void {}
}
