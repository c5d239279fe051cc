/**
 * A Node worker thread holding a replica of the model: for each message (weights and a shard) it answers
 * with the shard's loss and gradients. Started by NodeGradientPool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Model } from '../../engine/model/model';
import { ModelSpec } from '../../engine/model/spec';
import { ExecutionPolicy } from '../../engine/model/layers';
import { computeShard, Shard } from '../../engine/parallel/dataParallel';

const { spec, policy, crossover } = workerData as { spec: ModelSpec; policy?: ExecutionPolicy; crossover?: number };
const model = new Model(spec, 0); // weights arrive with every shard
if (policy) model.setExecutionPolicy(policy, crossover);

parentPort!.on('message', ({ id, weights, shard }: { id: number; weights: Float32Array; shard: Shard }) => {
  try {
    const result = computeShard(model, weights, shard);
    parentPort!.postMessage({ id, result }, [result.grads.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
