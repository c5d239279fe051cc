/**
 * The browser side of `npm run bench:browser`, bundled by esbuild and run in Chromium: our WGSL convolutions
 * against our CPU ones and, as the peer in the same run, TensorFlow.js's WebGPU backend, on the seed model's
 * convolution shapes. Every GPU time comes from timestamp queries (TF.js: its kernelMs, timed the same way).
 */
import { weightPattern } from '../../engine/sparse/weightPattern';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as gpuConv from '../../engine/backend/webgpu/conv2d';
import { requestGpu } from '../../engine/backend/webgpu/device';
import { Gpu, GpuTensor } from '../../engine/backend/webgpu/gpu';
import { conv2dBackward, conv2dCost, conv2dForward, conv2dGeometry } from '../../engine/ops/conv2d';
import { sparseConv2dBackward, sparseConv2dForward } from '../../engine/ops/sparseConv2d';
import { Prng } from '../../engine/random/prng';
import { applyMasks, magnitudeMasks } from '../../engine/sparse/pruning';
import { Tensor } from '../../engine/tensor/tensor';
import { BenchRow, benchRow } from '../lib/benchRow';

export type { BenchRow } from '../lib/benchRow';

const BATCH = 32;
const OPTS = { stride: 1, padding: 1 };
const SEED_CONVS = [
  { name: 'conv1', x: [BATCH, 3, 32, 32], w: [32, 3, 3, 3] },
  { name: 'conv2', x: [BATCH, 32, 16, 16], w: [64, 32, 3, 3] },
];

function randomTensor(shape: number[], rng: Prng, zeros = 0, positive = false): Tensor {
  const t = new Tensor(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.next() < zeros ? 0 : positive ? Math.abs(rng.normal()) + 1e-3 : rng.normal();
  return t;
}

function pruned(w: Tensor, sparsity: number): Tensor {
  const copy = new Tensor(w.shape, w.data.slice());
  const p = { name: 'w.weight', value: copy, grad: new Tensor(w.shape) };
  applyMasks([p], magnitudeMasks([p], sparsity));
  return copy;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function gpuTime(gpu: Gpu, reps: number, record: () => GpuTensor[]): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    let outputs: GpuTensor[] = [];
    const { ms } = await gpu.measure(() => {
      outputs = record();
    });
    for (const t of outputs) t.destroy();
    if (r > 0) times.push(ms); // the first run compiles the pipelines
  }
  return median(times);
}

function cpuTime(reps: number, fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function runBench(quick: boolean, emit: (row: BenchRow) => void): Promise<void> {
  const report = (fields: Parameters<typeof benchRow>[0]) => emit(benchRow(fields));
  const reps = quick ? 2 : 5;
  const available = await requestGpu(navigator.gpu);
  if (!available.ok) throw new Error(`WebGPU: ${available.reason}`);
  const { gpu } = available;
  report({ name: 'device', op: 'device', backend: 'webgpu', ms: 0, adapter: available.adapter, timestamps: gpu.hasTimestamps });
  await tf.setBackend('webgpu');
  await tf.ready();
  const rng = new Prng(2026);
  for (const conv of SEED_CONVS) {
    const x = randomTensor(conv.x, rng, conv.name === 'conv1' ? 0 : 0.5, conv.name !== 'conv1'); // conv2's input is ReLU'd
    const w = randomTensor(conv.w, rng);
    const b = randomTensor([conv.w[0]], rng);
    const g = conv2dGeometry(x.shape, w.shape, OPTS);
    const macs = conv2dCost(g).macs;
    const dy = randomTensor([BATCH, g.outChannels, g.outH, g.outW], rng);
    const needDx = conv.name !== 'conv1';
    const [gx, gw, gb, gdy] = [x, w, b, dy].map((t) => gpu.tensor(t.shape, t.data));
    // The fields every row of this convolution shares (conv2's input is half zeros, as after a ReLU).
    const dense = {
      layer: conv.name,
      model: 'seed',
      workers: 1,
      inputDensity: conv.name === 'conv1' ? 1 : 0.5,
      kernel: 'dense' as const,
      weightDensity: 1,
      prune: 0,
    };
    const sparse = { ...dense, kernel: 'weightSparse' as const, weightDensity: 0.1, prune: 0.9 };

    const denseFwd = await gpuTime(gpu, reps, () => [gpuConv.conv2dForward(gpu, gx, gw, gb, OPTS)]);
    report({
      name: `webgpu dense conv forward ${conv.name}`,
      op: 'conv forward',
      backend: 'webgpu',
      ...dense,
      ms: denseFwd,
      gflops: (2 * macs) / denseFwd / 1e6,
    });
    const denseBwd = await gpuTime(gpu, reps, () => {
      const r = gpuConv.conv2dBackward(gpu, gx, gw, gdy, OPTS, needDx);
      return [r.dw, r.db, ...(r.dx ? [r.dx] : [])];
    });
    report({
      name: `webgpu dense conv backward ${conv.name}`,
      op: 'conv backward',
      backend: 'webgpu',
      ...dense,
      ms: denseBwd,
      gflops: (2 * macs * (needDx ? 2 : 1)) / denseBwd / 1e6,
    });

    const cpuFwd = cpuTime(reps, () => conv2dForward(x, w, b, OPTS));
    report({
      name: `cpu dense conv forward ${conv.name}`,
      op: 'conv forward',
      backend: 'js',
      ...dense,
      ms: cpuFwd,
      gflops: (2 * macs) / cpuFwd / 1e6,
      ratio: denseFwd / cpuFwd,
      versus: `our WebGPU dense ${conv.name}`,
    });
    const cpuBwd = cpuTime(reps, () => conv2dBackward(x, w, dy, OPTS, needDx));
    report({
      name: `cpu dense conv backward ${conv.name}`,
      op: 'conv backward',
      backend: 'js',
      ...dense,
      ms: cpuBwd,
      ratio: denseBwd / cpuBwd,
      versus: `our WebGPU dense ${conv.name}`,
    });

    // 90% of the weights pruned: the gather kernels through the compacted lists.
    const wp = pruned(w, 0.9);
    const gwp = gpu.tensor(wp.shape, wp.data);
    const cw = gpuConv.uploadPattern(gpu, weightPattern(wp.shape, wp.data));
    const sparseFwd = await gpuTime(gpu, reps, () => [gpuConv.sparseConv2dForward(gpu, gx, gwp, cw, gb, OPTS)]);
    report({
      name: `webgpu sparse conv forward ${conv.name} w0.1`,
      op: 'conv forward',
      backend: 'webgpu',
      ...sparse,
      ms: sparseFwd,
      ratio: denseFwd / sparseFwd,
      versus: `our WebGPU dense ${conv.name}`,
    });
    const sparseBwd = await gpuTime(gpu, reps, () => {
      const r = gpuConv.sparseConv2dBackward(gpu, gx, gwp, cw, gdy, OPTS, 'regular', needDx);
      return [r.dw, r.db, ...(r.dx ? [r.dx] : [])];
    });
    report({
      name: `webgpu sparse conv backward ${conv.name} w0.1`,
      op: 'conv backward',
      backend: 'webgpu',
      ...sparse,
      ms: sparseBwd,
      ratio: denseBwd / sparseBwd,
      versus: `our WebGPU dense ${conv.name}`,
    });
    const cpuSparseFwd = cpuTime(reps, () => sparseConv2dForward(x, wp, b, OPTS, 'regular', 'weightSparse'));
    report({
      name: `cpu sparse conv forward ${conv.name} w0.1`,
      op: 'conv forward',
      backend: 'js',
      ...sparse,
      ms: cpuSparseFwd,
      ratio: sparseFwd / cpuSparseFwd,
      versus: `our WebGPU sparse ${conv.name}`,
    });
    const cpuSparseBwd = cpuTime(reps, () => sparseConv2dBackward(x, wp, dy, OPTS, 'regular', needDx, undefined, 'weightSparse'));
    report({
      name: `cpu sparse conv backward ${conv.name} w0.1`,
      op: 'conv backward',
      backend: 'js',
      ...sparse,
      ms: cpuSparseBwd,
      ratio: sparseBwd / cpuSparseBwd,
      versus: `our WebGPU sparse ${conv.name}`,
    });

    // The peer: TF.js WebGPU conv2d on the same shape (channels last), kernel time from its own timer.
    const tx = tf.tensor4d(
      new Float32Array(x.size).map(() => rng.normal()),
      [BATCH, conv.x[2], conv.x[3], conv.x[1]],
    );
    const tw = tf.tensor4d(
      new Float32Array(w.size).map(() => rng.normal()),
      [3, 3, conv.w[1], conv.w[0]],
    );
    const tfTimes: number[] = [];
    for (let r = 0; r < reps + 1; r++) {
      const info = await tf.time(() => tf.tidy(() => tf.conv2d(tx, tw, 1, 'same')));
      if (r > 0) tfTimes.push(typeof info.kernelMs === 'number' ? info.kernelMs : info.wallMs);
    }
    const tfMs = median(tfTimes);
    report({
      name: `tfjs-webgpu conv forward ${conv.name}`,
      op: 'conv forward',
      backend: 'tfjs-webgpu',
      ...dense,
      ms: tfMs,
      gflops: (2 * macs) / tfMs / 1e6,
      ratio: denseFwd / tfMs,
      versus: `our WebGPU dense ${conv.name}`,
    });
    tx.dispose();
    tw.dispose();
    for (const t of [gx, gw, gb, gdy, gwp]) t.destroy();
    gpuConv.destroyCompressed(cw);
  }
}

declare global {
  interface Window {
    runBench: typeof runBench;
  }
}
window.runBench = runBench;
