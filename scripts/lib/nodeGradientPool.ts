/** Gradient workers on Node worker_threads, sharing memory (Node always has SharedArrayBuffer). */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExecutionPolicy } from '../../engine/model/kernelChoice';
import { ModelSpec } from '../../engine/model/spec';
import { GradientBackendName, MessageGradientPool, WorkerPort } from '../../engine/parallel/gradientWorkers';

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
