/**
 * Gradient workers, whatever runs them: Node worker_threads (the CLI, tests) or Web Workers (the app).
 *
 * - `GradientWorker` is what runs inside one: a model replica answering each shard with its loss and
 *   gradients — or, in an evaluation worker, each set of weights with its predictions on the test set.
 * - `MessageGradientPool` is the trainer's side: it sends every worker its shard and gathers the answers.
 * - `MessageEvaluator` is the trainer's side of an evaluation worker: the whole test set evaluated off the
 *   training threads, while training goes on.
 *
 * With shared memory (SharedArrayBuffer: always in Node; in a browser only when the page is cross-origin
 * isolated) the weights are written once into a buffer every worker reads, and each worker writes its
 * gradients into a slot of its own: a step's messages then carry only the images and a few numbers.
 * Without it the weights travel with every shard and the gradients come back in the reply (moved, not
 * copied). Both give the same numbers.
 */
import type { Backend, BackendName, DeviceTensor } from '../backend/backend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { ExecutionPolicy } from '../model/kernelChoice';
import { IMAGE_BYTES, ImageSet } from '../data/cifar10';
import { Evaluation, evaluateModel } from '../model/evaluation';
import { Model } from '../model/model';
import { ModelSpec } from '../model/spec';
import { computeShard, GradientPool, Shard, ShardMasks, ShardResult, writeFlat } from './dataParallel';

/** What a gradient worker can compute on: the CPU, in TypeScript or in WebAssembly SIMD (each worker its own instance). */
export type GradientBackendName = Extract<BackendName, 'cpu' | 'wasm'>;

export interface GradientWorkerInit {
  type: 'init';
  spec: ModelSpec;
  /** 'cpu' when not given. */
  backend?: GradientBackendName;
  policy?: ExecutionPolicy;
  crossover?: number;
  weightCrossover?: number;
}

export interface ShardRequest {
  type: 'shard';
  id: number;
  shard: Shard;
  /** All parameters, concatenated: only without shared memory. */
  weights?: Float32Array;
  /** Once, with the first shard, when the pool shares memory: the weights and this worker's gradient slot. */
  shared?: { weights: SharedArrayBuffer; grads: SharedArrayBuffer };
  /** The main model's masks, when they changed since this worker's last shard (its patterns follow). */
  masks?: ShardMasks;
}

/** Once, to an evaluation worker: the images it evaluates every set of weights on. */
export interface EvalSetMessage {
  type: 'evalSet';
  images: Uint8Array;
  labels: Uint8Array;
}

/** To an evaluation worker: all parameters, concatenated (pruned weights are zero in them). */
export interface EvaluateRequest {
  type: 'evaluate';
  id: number;
  weights: Float32Array;
}

export type GradientWorkerMessage = GradientWorkerInit | ShardRequest | EvalSetMessage | EvaluateRequest;

export type ShardReply = { id: number; result: ShardResult } | { id: number; evaluation: Evaluation } | { id: number; error: string };

/** The inside of a gradient worker. Feed it every message; post back what it returns. */
export class GradientWorker {
  private model: Promise<Model<DeviceTensor>> | null = null;
  private shared: { weights: Float32Array; grads: Float32Array } | null = null;
  private evalSet: ImageSet | null = null;

  /** `createWasmBackend`: this environment's way to instantiate the wasm kernels (asked for by a 'wasm' init). */
  constructor(private readonly createWasmBackend?: () => Promise<Backend>) {}

  private async createModel(init: GradientWorkerInit): Promise<Model<DeviceTensor>> {
    let backend: Backend = cpuBackend as unknown as Backend;
    if (init.backend === 'wasm') {
      if (!this.createWasmBackend) throw new Error('this worker has no WebAssembly backend');
      backend = await this.createWasmBackend();
    }
    const model = new Model(init.spec, 0, backend); // the weights arrive with the shards
    if (init.policy) model.setExecutionPolicy(init.policy, init.crossover);
    if (init.weightCrossover !== undefined) model.setWeightCrossover(init.weightCrossover);
    return model;
  }

  async handle(message: GradientWorkerMessage): Promise<{ reply: ShardReply; transfer: ArrayBuffer[] } | null> {
    if (message.type === 'init') {
      // Shards may arrive before an asynchronous backend is ready: they wait for this promise.
      this.model = this.createModel(message);
      this.model.catch(() => undefined);
      return null;
    }
    if (message.type === 'evalSet') {
      this.evalSet = { images: message.images, labels: message.labels, count: message.labels.length };
      return null;
    }
    const { id } = message;
    try {
      if (!this.model) throw new Error('no model yet: the init message must come first');
      const model = await this.model;
      if (message.type === 'evaluate') {
        if (!this.evalSet) throw new Error('no images to evaluate: the evalSet message must come first');
        writeFlat(model.backend, model.params(), 'value', message.weights);
        const evaluation = await evaluateModel(model, this.evalSet);
        return { reply: { id, evaluation }, transfer: [evaluation.predicted.buffer as ArrayBuffer] };
      }
      if (message.shared) this.shared = { weights: new Float32Array(message.shared.weights), grads: new Float32Array(message.shared.grads) };
      if (message.masks) model.setMasks(message.masks.masks);
      const weights = message.weights ?? this.shared?.weights;
      if (!weights) throw new Error('a shard came without weights');
      const slot = !message.weights && this.shared ? this.shared.grads : undefined;
      const result = await computeShard(model, weights, message.shard, slot);
      if (slot) return { reply: { id, result: { ...result, grads: new Float32Array(0) } }, transfer: [] };
      return { reply: { id, result }, transfer: [result.grads.buffer as ArrayBuffer] };
    } catch (error) {
      return { reply: { id, error: error instanceof Error ? error.message : String(error) }, transfer: [] };
    }
  }
}

/** One worker as the pool sees it: Node's Worker and the browser's Worker both fit behind this. */
export interface WorkerPort {
  postMessage(message: GradientWorkerMessage, transfer: ArrayBuffer[]): void;
  /** Calls back with every message the worker posts. */
  onMessage(listener: (reply: ShardReply) => void): void;
  /** Calls back when the worker fails (it will not answer any more). */
  onError(listener: (error: Error) => void): void;
  terminate(): Promise<unknown> | void;
}

export class MessageGradientPool implements GradientPool {
  readonly size: number;
  readonly backend: GradientBackendName;
  private readonly pending = new Map<number, { resolve: (r: ShardResult) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 0;
  private shared: { weights: Float32Array; grads: Float32Array[]; sent: boolean[] } | null = null;
  /** The mask version each worker has (−1: none sent yet). */
  private readonly maskVersions: number[];
  private failure: Error | null = null;

  /**
   * @param sharedMemory use SharedArrayBuffer (pass false where it is unavailable: a browser page that is
   *   not cross-origin isolated).
   */
  constructor(
    private readonly ports: WorkerPort[],
    init: Omit<GradientWorkerInit, 'type'>,
    readonly sharedMemory: boolean,
  ) {
    this.size = ports.length;
    this.backend = init.backend ?? 'cpu';
    this.maskVersions = ports.map(() => -1);
    ports.forEach((port, i) => {
      port.onMessage((reply) => {
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if ('error' in reply) waiting.reject(new Error(`gradient worker ${i + 1}: ${reply.error}`));
        else if ('result' in reply) waiting.resolve(this.shared ? { ...reply.result, grads: this.shared.grads[i] } : reply.result);
      });
      port.onError((error) => {
        this.failure = new Error(`gradient worker ${i + 1} failed: ${error.message}`);
        for (const [id, waiting] of this.pending) {
          if (waiting.worker !== i) continue;
          this.pending.delete(id);
          waiting.reject(this.failure);
        }
      });
      port.postMessage({ type: 'init', ...init }, []);
    });
  }

  weightsBuffer(count: number): Float32Array {
    if (!this.sharedMemory) return new Float32Array(count);
    if (!this.shared || this.shared.weights.length !== count) {
      const slot = () => new Float32Array(new SharedArrayBuffer(count * Float32Array.BYTES_PER_ELEMENT));
      this.shared = { weights: slot(), grads: this.ports.map(slot), sent: this.ports.map(() => false) };
    }
    return this.shared.weights;
  }

  compute(weights: Float32Array, shards: Shard[], masks?: ShardMasks): Promise<ShardResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (shards.length > this.size) throw new RangeError(`${shards.length} shards for ${this.size} workers`);
    if (this.sharedMemory) {
      const slot = this.weightsBuffer(weights.length);
      if (slot !== weights) slot.set(weights); // weights written elsewhere than the shared buffer
    }
    const shared = this.sharedMemory ? this.shared : null;
    return Promise.all(
      shards.map(
        (shard, i) =>
          new Promise<ShardResult>((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve, reject, worker: i });
            const request: ShardRequest = { type: 'shard', id, shard };
            if (masks && masks.version !== this.maskVersions[i]) {
              request.masks = masks;
              this.maskVersions[i] = masks.version;
            }
            if (!shared) request.weights = weights;
            else if (!shared.sent[i]) {
              request.shared = { weights: shared.weights.buffer as SharedArrayBuffer, grads: shared.grads[i].buffer as SharedArrayBuffer };
              shared.sent[i] = true;
            }
            this.ports[i].postMessage(request, [shard.x.buffer as ArrayBuffer]);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.ports.map((port) => port.terminate()));
  }
}

/** Evaluates a set off the training threads: a worker with its own replica of the model and its own copy of the images. */
export interface Evaluator {
  /**
   * The evaluation of `weights` (all parameters, concatenated in `model.params()` order; the array is moved
   * to the worker) on the evaluator's images. One at a time, in order.
   */
  evaluate(weights: Float32Array): Promise<Evaluation>;
  close(): Promise<void>;
}

export class MessageEvaluator implements Evaluator {
  private readonly pending = new Map<number, { resolve: (e: Evaluation) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;

  /** `init`: the model and backend (its policy is dense: the weights arrive already pruned). */
  constructor(
    private readonly port: WorkerPort,
    init: Omit<GradientWorkerInit, 'type' | 'policy' | 'crossover' | 'weightCrossover'>,
    set: ImageSet,
  ) {
    port.onMessage((reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(`evaluation worker: ${reply.error}`));
      else if ('evaluation' in reply) waiting.resolve(reply.evaluation);
    });
    port.onError((error) => {
      this.failure = new Error(`evaluation worker failed: ${error.message}`);
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    });
    port.postMessage({ type: 'init', ...init }, []);
    const images = set.images.slice(0, set.count * IMAGE_BYTES);
    const labels = set.labels.slice(0, set.count);
    port.postMessage({ type: 'evalSet', images, labels }, [images.buffer, labels.buffer]);
  }

  evaluate(weights: Float32Array): Promise<Evaluation> {
    const run = this.queue.then(() => this.send(weights));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private send(weights: Float32Array): Promise<Evaluation> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ type: 'evaluate', id, weights }, [weights.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await this.port.terminate();
  }
}
