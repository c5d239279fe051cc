/// <reference lib="webworker" />
/**
 * Gradient workers as Web Workers, started from the engine worker. They share memory (SharedArrayBuffer)
 * when the page is cross-origin isolated — the app's server sends the COOP/COEP headers for that — and
 * exchange messages otherwise. An evaluation worker is the same worker, sent the test images.
 */
import type { ExecutionPolicy } from '../engine/model/kernelChoice';
import type { ModelSpec } from '../engine/model/spec';
import type { ImageSet } from '../engine/data/cifar10';
import { GradientBackendName, MessageEvaluator, MessageGradientPool, ShardReply, WorkerPort } from '../engine/parallel/gradientWorkers';

function webPort(worker: Worker): WorkerPort {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.addEventListener('message', (event: MessageEvent<ShardReply>) => listener(event.data)),
    onError: (listener) => worker.addEventListener('error', (event) => listener(new Error(event.message || 'the worker could not start'))),
    terminate: () => worker.terminate(),
  };
}

export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && self.crossOriginIsolated === true;
}

/** `options`: how the replicas choose conv kernels (a pruned run goes sparse where it pays), and their backend. */
export function browserGradientPool(
  size: number,
  spec: ModelSpec,
  options: { policy?: ExecutionPolicy; crossover?: number; weightCrossover?: number; backend?: GradientBackendName } = {},
): MessageGradientPool {
  const ports = Array.from({ length: size }, (_, i) =>
    webPort(new Worker(new URL('./gradient.worker.ts', import.meta.url), { type: 'module', name: `gradients ${i + 1}` })),
  );
  return new MessageGradientPool(ports, { spec, ...options }, sharedMemoryAvailable());
}

/** The whole test set evaluated beside training, in a worker of its own. */
export function browserEvaluator(spec: ModelSpec, backend: GradientBackendName, set: ImageSet): MessageEvaluator {
  const worker = new Worker(new URL('./gradient.worker.ts', import.meta.url), { type: 'module', name: 'evaluation' });
  return new MessageEvaluator(webPort(worker), { spec, backend }, set);
}
