/** GradientPool on Node worker_threads: one model replica per thread, shards sent as messages. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExecutionPolicy } from '../../engine/model/layers';
import { ModelSpec } from '../../engine/model/spec';
import { GradientPool, Shard, ShardResult } from '../../engine/parallel/dataParallel';

export class NodeGradientPool implements GradientPool {
  private readonly workers: Worker[];
  private nextId = 0;

  constructor(readonly size: number, spec: ModelSpec, options: { policy?: ExecutionPolicy; crossover?: number } = {}) {
    // A CommonJS bootstrap registers tsx in the thread, then loads gradientWorker.ts.
    const file = path.join(__dirname, 'gradientWorker.cjs');
    this.workers = Array.from({ length: size }, () => new Worker(file, { workerData: { spec, ...options } }));
  }

  compute(weights: Float32Array, shards: Shard[]): Promise<ShardResult[]> {
    if (shards.length > this.workers.length) throw new RangeError(`${shards.length} shards for ${this.workers.length} workers`);
    return Promise.all(
      shards.map(
        (shard, i) =>
          new Promise<ShardResult>((resolve, reject) => {
            const worker = this.workers[i];
            const id = this.nextId++;
            const onMessage = (message: { id: number; result?: ShardResult; error?: string }) => {
              if (message.id !== id) return;
              worker.off('message', onMessage);
              worker.off('error', onError);
              if (message.error !== undefined) reject(new Error(`gradient worker ${i}: ${message.error}`));
              else resolve(message.result!);
            };
            const onError = (error: Error) => {
              worker.off('message', onMessage);
              reject(error);
            };
            worker.on('message', onMessage);
            worker.once('error', onError);
            worker.postMessage({ id, weights, shard }, [shard.x.buffer as ArrayBuffer]);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
