/// <reference lib="webworker" />
/**
 * A gradient worker for data-parallel training in the browser: a model replica that answers each shard with
 * its loss and gradients (engine/parallel/gradientWorkers.ts). Started by the engine worker.
 */
import { GradientWorker, GradientWorkerMessage } from '../engine/parallel/gradientWorkers';
import { createBrowserWasmBackend } from './wasmBackend';

const worker = new GradientWorker(createBrowserWasmBackend);
self.addEventListener('message', async (event: MessageEvent<GradientWorkerMessage>) => {
  const out = await worker.handle(event.data);
  if (out) self.postMessage(out.reply, out.transfer);
});
