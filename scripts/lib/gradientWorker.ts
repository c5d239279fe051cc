/** A Node worker thread running a GradientWorker (see engine/parallel/gradientWorkers.ts). */
import { parentPort } from 'node:worker_threads';
import { GradientWorker, GradientWorkerMessage } from '../../engine/parallel/gradientWorkers';
import { createWasmBackend } from './wasmKernels';

const worker = new GradientWorker(createWasmBackend);
parentPort!.on('message', async (message: GradientWorkerMessage) => {
  const out = await worker.handle(message);
  if (out) parentPort!.postMessage(out.reply, out.transfer);
});
