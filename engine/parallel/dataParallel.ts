/**
 * Data-parallel training: each step's batch is split into shards, every shard's loss and gradients are
 * computed on its own thread from the same weights, and the gradients are averaged — weighted by shard size,
 * so the result is the full batch's gradient up to summation order. The optimizer then steps once, on the
 * main thread, exactly as with one thread.
 *
 * This file is environment-free: a GradientPool is any set of workers (Node worker_threads, Web Workers)
 * that runs `computeShard` on a model replica.
 */
import type { BackendName, DeviceTensor } from '../backend/backend';
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
  close(): Promise<void>;
}

export function parameterCount(params: Param[]): number {
  return params.reduce((n, p) => n + p.value.size, 0);
}

/** Concatenates every parameter's values (or gradients) into one array. */
export function flatten(params: Param[], which: 'value' | 'grad', out = new Float32Array(parameterCount(params))): Float32Array {
  let at = 0;
  for (const p of params) {
    out.set(p[which].data, at);
    at += p.value.size;
  }
  return out;
}

/** Copies a concatenated array back into the parameters' values (or gradients). */
export function unflatten(params: Param[], which: 'value' | 'grad', flat: Float32Array): void {
  if (flat.length !== parameterCount(params)) throw new RangeError(`expected ${parameterCount(params)} values, got ${flat.length}`);
  let at = 0;
  for (const p of params) {
    p[which].data.set(flat.subarray(at, at + p.value.size));
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
 * whichever backend the worker runs): the weights as the main thread has them, then loss and gradients.
 */
export async function computeShard<T extends DeviceTensor>(model: Model<T>, weights: Float32Array, shard: Shard): Promise<ShardResult> {
  const params = model.params();
  const count = params.reduce((n, p) => n + p.value.size, 0);
  if (weights.length !== count) throw new RangeError(`expected ${count} weights, got ${weights.length}`);
  let at = 0;
  for (const p of params) {
    model.backend.write(p.value, weights.subarray(at, at + p.value.size));
    at += p.value.size;
  }
  const result = await model.lossAndGradients(new Tensor(shard.shape, shard.x), shard.labels, { densities: shard.withStats });
  const grads = new Float32Array(count);
  at = 0;
  for (const p of params) {
    grads.set(await model.backend.read(p.grad), at);
    at += p.value.size;
  }
  return {
    loss: result.loss,
    correct: result.correct,
    count: shard.labels.length,
    grads,
    cost: model.stepCost(),
    ...(result.densities ? { densities: result.densities } : {}),
  };
}

/**
 * Averages shard gradients, weighted by shard size, into the parameters' gradients; returns loss, hits and
 * the summed cost. A layer reports 'sparse' when any shard ran it sparse.
 */
export function combineShards(params: Param[], results: ShardResult[]): { loss: number; correct: number; count: number; cost: StepCost } {
  const total = results.reduce((s, r) => s + r.count, 0);
  const sum = new Float32Array(parameterCount(params));
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
    const weight = r.count / total;
    for (let i = 0; i < sum.length; i++) sum[i] += weight * r.grads[i];
    loss += weight * r.loss;
    correct += r.correct;
  }
  unflatten(params, 'grad', sum);
  return { loss, correct, count: total, cost };
}
