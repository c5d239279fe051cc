/** Gradient workers on Node worker_threads, sharing memory (Node always has SharedArrayBuffer). */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExecutionPolicy } from '../../engine/model/kernelChoice';
import { ModelSpec } from '../../engine/model/spec';
import type { ImageSet } from '../../engine/data/cifar10';
import { GradientBackendName, MessageEvaluator, MessageGradientPool, WorkerPort } from '../../engine/parallel/gradientWorkers';

function nodePort(worker: Worker): WorkerPort {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.on('message', listener),
    onError: (listener) => worker.on('error', listener),
    terminate: () => worker.terminate(),
  };
}

export function nodeGradientPool(
  size: number,
  spec: ModelSpec,
  options: { policy?: ExecutionPolicy; crossover?: number; weightCrossover?: number; sharedMemory?: boolean; backend?: GradientBackendName } = {},
): MessageGradientPool {
  // A CommonJS bootstrap registers tsx in the thread, then loads gradientWorker.ts.
  const file = path.join(__dirname, 'gradientWorker.cjs');
  const ports = Array.from({ length: size }, () => nodePort(new Worker(file)));
  return new MessageGradientPool(
    ports,
    { spec, policy: options.policy, crossover: options.crossover, weightCrossover: options.weightCrossover, backend: options.backend },
    options.sharedMemory ?? true,
  );
}

/** An evaluation worker on a Node worker thread (the same bootstrap as a gradient worker). */
export function nodeEvaluator(spec: ModelSpec, backend: GradientBackendName, set: ImageSet): MessageEvaluator {
  return new MessageEvaluator(nodePort(new Worker(path.join(__dirname, 'gradientWorker.cjs'))), { spec, backend }, set);
}
