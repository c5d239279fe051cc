/**
 * Data-parallel training: each step's batch is split into shards, every shard's loss and gradients are
 * computed on its own thread from the same weights — the first on the trainer's own thread, the others on
 * gradient workers — and the gradients are averaged, weighted by shard size, so the result is the full
 * batch's gradient up to summation order. The optimizer then steps once, on the trainer's thread, exactly
 * as with one thread.
 *
 * This file is environment-free: a GradientPool is any set of workers (Node worker_threads, Web Workers)
 * that runs `computeShard` on a model replica.
 */
import type { Backend, BackendName, DeviceTensor } from '../backend/backend';
import { Param } from '../tensor/param';
import { Model, StepCost } from '../model/model';
import { Tensor } from '../tensor/tensor';
import type { OutputDensity } from '../model/layerStats';

export interface Shard {
  /** Images, [count, C, H, W] flattened. */
  x: Float32Array;
  shape: number[];
  labels: Uint8Array;
  /** Also measure each layer's output density (for the training lab's charts). */
  withStats?: boolean;
}

export interface ShardResult {
  loss: number;
  correct: number;
  count: number;
  /** Every parameter's gradient, concatenated in `model.params()` order. */
  grads: Float32Array;
  /** What the shard's convolutions cost. */
  cost: StepCost;
  /** Each layer's output density on this shard, when asked for. */
  densities?: OutputDensity[];
}

/** The main model's pruning masks (by weight name) and their version: workers follow when it changes. */
export interface ShardMasks {
  version: number;
  masks: ReadonlyMap<string, Uint8Array>;
}

export interface GradientPool {
  readonly size: number;
  /** The backend the workers compute on. */
  readonly backend: BackendName;
  /** Whether weights and gradients cross to the workers through shared memory (or else in messages). */
  readonly sharedMemory: boolean;
  /**
   * Loss and gradients of each shard, computed from `weights` (all parameters, concatenated), in shard
   * order. `masks` reach a worker only when their version differs from the one it has.
   */
  compute(weights: Float32Array, shards: Shard[], masks?: ShardMasks): Promise<ShardResult[]>;
  /**
   * Where to put the weights for the next `compute`: with shared memory, the buffer the workers read (then
   * `compute` copies nothing); otherwise a new array, which travels to a worker.
   */
  weightsBuffer(count: number): Float32Array;
  close(): Promise<void>;
}

export function parameterCount(params: Param<DeviceTensor>[]): number {
  return params.reduce((n, p) => n + p.value.size, 0);
}

/** Every parameter's values (or gradients), read back from its backend and concatenated (into `out`, when given). */
export async function readFlat<T extends DeviceTensor>(
  backend: Backend<T>,
  params: Param<T>[],
  which: 'value' | 'grad',
  out: Float32Array<ArrayBufferLike> = new Float32Array(parameterCount(params)),
): Promise<Float32Array<ArrayBufferLike>> {
  if (out.length !== parameterCount(params)) throw new RangeError(`expected room for ${parameterCount(params)} values, got ${out.length}`);
  let at = 0;
  for (const p of params) {
    await backend.read(p[which], out.subarray(at, at + p.value.size));
    at += p.value.size;
  }
  return out;
}

/** Writes a concatenated array into the parameters' values (or gradients). */
export function writeFlat<T extends DeviceTensor>(backend: Backend<T>, params: Param<T>[], which: 'value' | 'grad', flat: Float32Array): void {
  if (flat.length !== parameterCount(params)) throw new RangeError(`expected ${parameterCount(params)} values, got ${flat.length}`);
  let at = 0;
  for (const p of params) {
    backend.write(p[which], flat.subarray(at, at + p.value.size));
    at += p.value.size;
  }
}

/** Splits a batch into at most `parts` contiguous shards of nearly equal size (none empty). */
export function splitBatch(x: Tensor, labels: Uint8Array, parts: number): Shard[] {
  const n = labels.length;
  const perImage = x.size / n;
  const count = Math.max(1, Math.min(parts, n));
  const shards: Shard[] = [];
  for (let s = 0; s < count; s++) {
    const start = Math.floor((s * n) / count);
    const end = Math.floor(((s + 1) * n) / count);
    shards.push({ x: x.data.slice(start * perImage, end * perImage), shape: [end - start, ...x.shape.slice(1)], labels: labels.slice(start, end) });
  }
  return shards;
}

/**
 * What a worker does for one shard, on its replica of the model (whose masks follow the main model's; on
 * whichever backend the worker runs): the weights as the main thread has them, then loss and gradients —
 * written into `grads` when given (a worker's shared slot: no copy of 2 MB per step through a fresh array).
 */
export async function computeShard<T extends DeviceTensor>(model: Model<T>, weights: Float32Array, shard: Shard, grads?: Float32Array): Promise<ShardResult> {
  const params = model.params();
  writeFlat(model.backend, params, 'value', weights);
  const result = await model.lossAndGradients(new Tensor(shard.shape, shard.x), shard.labels, { densities: shard.withStats });
  return {
    loss: result.loss,
    correct: result.correct,
    count: shard.labels.length,
    grads: await readFlat(model.backend, params, 'grad', grads),
    cost: model.stepCost(),
    ...(result.densities ? { densities: result.densities } : {}),
  };
}

/** The shards' loss (weighted by shard size), hits and summed cost. A layer reports 'sparse' when any shard ran it sparse. */
export function combineShards(results: ShardResult[]): { loss: number; correct: number; count: number; cost: StepCost } {
  const total = results.reduce((s, r) => s + r.count, 0);
  let loss = 0;
  let correct = 0;
  const cost: StepCost = { denseMacs: 0, idealMacs: 0, executedMacs: 0, kernels: {}, layers: {} };
  for (const r of results) {
    cost.denseMacs += r.cost.denseMacs;
    cost.idealMacs = cost.idealMacs === null || r.cost.idealMacs === null ? null : cost.idealMacs + r.cost.idealMacs;
    cost.executedMacs += r.cost.executedMacs;
    for (const [name, kernel] of Object.entries(r.cost.kernels)) if (cost.kernels[name] !== 'sparse') cost.kernels[name] = kernel;
    for (const [name, layer] of Object.entries(r.cost.layers)) {
      const sum = cost.layers[name];
      cost.layers[name] = sum
        ? {
            denseMacs: sum.denseMacs + layer.denseMacs,
            idealMacs: sum.idealMacs === null || layer.idealMacs === null ? null : sum.idealMacs + layer.idealMacs,
            executedMacs: sum.executedMacs + layer.executedMacs,
            kernel: sum.kernel === 'sparse' ? 'sparse' : layer.kernel,
          }
        : { ...layer };
    }
    loss += (r.count / total) * r.loss;
    correct += r.correct;
  }
  return { loss, correct, count: total, cost };
}

/**
 * Every parameter's gradient ← the batch's: this thread's shard (its gradient already in `p.grad`, from
 * `local` images) and the workers' shards averaged, weighted by shard size (on the backend: one upload and
 * one scaleAdd per worker shard and parameter).
 */
export function averageShardGradients<T extends DeviceTensor>(backend: Backend<T>, params: Param<T>[], local: number, results: ShardResult[]): void {
  const count = parameterCount(params);
  for (const r of results) if (r.grads.length !== count) throw new RangeError(`a shard returned ${r.grads.length} gradients for ${count} parameters`);
  const total = local + results.reduce((s, r) => s + r.count, 0);
  let at = 0;
  for (const p of params) {
    const size = p.value.size;
    for (let r = 0; r < results.length; r++) {
      const other = backend.tensor(p.value.shape, results[r].grads.subarray(at, at + size));
      backend.scaleAdd(p.grad, other, r === 0 ? local / total : 1, results[r].count / total);
      backend.free(other);
    }
    at += size;
  }
}
