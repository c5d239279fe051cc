/// <reference lib="webworker" />
/**
 * The reference a learner would otherwise pick: TensorFlow.js's WASM backend (XNNPACK, SIMD) timing the seed
 * model's dense forward pass — the same layers, shapes and batch as ours, with random weights (the time does
 * not depend on them). Imported by the engine worker only when the cost lab asks, so no page's first load
 * carries TensorFlow.js; its .wasm files are emitted by the bundler beside the worker (same origin: the CSP
 * allows them).
 */
import type { MeasureOptions } from '../engine/cost/measure';
import { measureMedianAsync } from '../engine/cost/measure';

const WASM_FILES = {
  'tfjs-backend-wasm.wasm': new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
  'tfjs-backend-wasm-simd.wasm': new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url)
    .href,
};

/** Median time of TF.js WASM's seed forward pass on `batch` images (channels-last, as TF.js wants). */
export async function timeTfjsWasmForward(batch: number, timing: MeasureOptions): Promise<{ ms: number; imagesPerSec: number; version: string }> {
  const tf = await import('@tensorflow/tfjs-core');
  const backend = await import('@tensorflow/tfjs-backend-wasm');
  backend.setWasmPaths(WASM_FILES);
  // One thread, as ours: a page that is not cross-origin isolated could not share memory anyway.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its WASM backend here');
  await tf.ready();
  const weights = {
    c1: tf.randomNormal([3, 3, 3, 32]) as import('@tensorflow/tfjs-core').Tensor4D,
    c2: tf.randomNormal([3, 3, 32, 64]) as import('@tensorflow/tfjs-core').Tensor4D,
    f1: tf.randomNormal([4096, 128]) as import('@tensorflow/tfjs-core').Tensor2D,
    f2: tf.randomNormal([128, 10]) as import('@tensorflow/tfjs-core').Tensor2D,
  };
  const input = tf.randomNormal([batch, 32, 32, 3]) as import('@tensorflow/tfjs-core').Tensor4D;
  const forward = async () => {
    const start = performance.now();
    const out = tf.tidy(() => {
      let h = tf.maxPool(tf.relu(tf.conv2d(input, weights.c1, 1, 'same')), 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.conv2d(h, weights.c2, 1, 'same')), 2, 2, 'valid');
      return tf.matMul(tf.relu(tf.matMul(tf.reshape(h, [batch, 4096]), weights.f1)), weights.f2);
    });
    await out.data();
    out.dispose();
    return performance.now() - start;
  };
  try {
    const { medianMs } = await measureMedianAsync(forward, timing);
    return { ms: medianMs, imagesPerSec: (batch * 1000) / medianMs, version: tf.version_core };
  } finally {
    for (const t of [...Object.values(weights), input]) t.dispose();
  }
}
