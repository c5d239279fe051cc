/**
 * npm run bench [-- --json] [--quick]
 *
 * Measures, in one run on this machine (medians of repeated runs; compare numbers only within a run):
 * - our dense conv forward and backward for each convolution of the seed model (batch 32);
 * - both sparse conv kernels (the Cartesian product, and the weight-sparse direct kernel) on seed conv2 over input
 *   density {1, .5, .1, .01} × weight density {1, .5, .1, .05}, against our dense conv2 — and the crossover
 *   density product below which one of them wins;
 * - training throughput of the seed model, dense and with conv2 and fc1 pruned to 90%, on 1 and 2 workers;
 * - as peers, TensorFlow.js's CPU and WASM backends on the same convolution and the same forward pass.
 *
 * --json prints one JSON object per line: name, ms, the fields every row has (backend, op, layer, kernel,
 * inputDensity, weightDensity, model, prune, workers; null where they do not apply) and where meaningful
 * gflops, imagesPerSec, ratio.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseCifar10Batch, RECORD_BYTES } from '../engine/data/cifar10';
import { Model } from '../engine/model/model';
import { PRESETS } from '../engine/model/spec';
import { conv2dBackward, conv2dCost, conv2dForward, conv2dGeometry } from '../engine/ops/conv2d';
import { Prng } from '../engine/random/prng';
import { Trainer } from '../engine/train/trainer';
import { densitySweep, DEFAULT_SWEEP, randomTensor } from '../engine/cost/sweep';
import { measureMedian, measureMedianAsync } from '../engine/cost/measure';
import { PROJECT_ROOT } from './lib/cifar10Files';
import { saveCrossover } from './lib/crossover';
import { nodeGradientPool } from './lib/nodeGradientPool';
import { benchRow } from './lib/benchRow';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });
const QUICK = values.quick!;
const BATCH = 32;

function report(fields: Parameters<typeof benchRow>[0]): void {
  const row = benchRow(fields);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const extra = [
    row.gflops !== undefined ? `${row.gflops.toFixed(2)} GFLOP/s` : '',
    row.imagesPerSec !== undefined ? `${row.imagesPerSec.toFixed(1)} images/s` : '',
    row.ratio !== undefined ? `${row.ratio.toFixed(2)}× the speed of ${row.versus}` : '',
    row.crossover !== undefined ? `crossover at density product ${row.crossover}` : '',
  ].filter(Boolean);
  process.stdout.write(`${row.name.padEnd(44)} ${row.ms.toFixed(2).padStart(10)} ms  ${extra.join('  ')}\n`);
}

/** Median time of `fn` over repeats, after a warm-up. */
function measure(fn: () => void, minMs = QUICK ? 100 : 600, minRepeats = QUICK ? 2 : 5): number {
  return measureMedian(fn, { minMs, minRepeats }).medianMs;
}

/** The same for asynchronous work (wall time from call to settle). */
async function measureAsync(fn: () => Promise<unknown>, minMs = QUICK ? 100 : 600, minRepeats = QUICK ? 2 : 5): Promise<number> {
  const timed = async () => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  return (await measureMedianAsync(timed, { minMs, minRepeats })).medianMs;
}

const SEED_CONVS = [
  { name: 'conv1', x: [BATCH, 3, 32, 32], w: [32, 3, 3, 3] },
  { name: 'conv2', x: [BATCH, 32, 16, 16], w: [64, 32, 3, 3] },
];
const OPTS = { stride: 1, padding: 1 };

/** Our TypeScript dense convolutions' times, per layer: what the other engines' rows compare with. */
type DenseTimes = Record<string, { forward: number; backward: number }>;

function denseConvs(rng: Prng): DenseTimes {
  const times: DenseTimes = {};
  for (const conv of SEED_CONVS) {
    const x = randomTensor(conv.x, rng);
    const w = randomTensor(conv.w, rng);
    const b = randomTensor([conv.w[0]], rng);
    const macs = conv2dCost(conv2dGeometry(x.shape, w.shape, OPTS)).macs;
    const where = { backend: 'cpu', layer: conv.name, kernel: 'dense', inputDensity: 1, weightDensity: 1, model: 'seed', prune: 0, workers: 1 } as const;
    const fwd = measure(() => conv2dForward(x, w, b, OPTS));
    report({
      name: `dense conv forward ${conv.name}`,
      op: 'conv2d forward',
      ...where,
      ms: fwd,
      gflops: (2 * macs) / fwd / 1e6,
    });
    const dy = randomTensor([BATCH, conv.w[0], conv.x[2], conv.x[3]], rng);
    const needDx = conv.name !== 'conv1'; // nobody needs the gradient of the image
    const bwd = measure(() => conv2dBackward(x, w, dy, OPTS, needDx));
    report({
      name: `dense conv backward ${conv.name}${needDx ? '' : ' (no ∂x)'}`,
      op: 'conv2d backward',
      ...where,
      ms: bwd,
      gflops: (2 * macs * (needDx ? 2 : 1)) / bwd / 1e6,
    });
    times[conv.name] = { forward: fwd, backward: bwd };
  }
  return times;
}

/**
 * Both sparse kernels over the density grid against our dense conv2 (engine/cost/sweep.ts, which the cost
 * lab runs too), and the crossover where sparse starts to win.
 */
async function sparseSweep(): Promise<number> {
  const start = performance.now();
  const { crossover } = await densitySweep({ ...DEFAULT_SWEEP, timing: { minMs: QUICK ? 100 : 600, minRepeats: QUICK ? 2 : 5 } }, (p) => {
    for (const kernel of ['cartesian', 'weightSparse'] as const) {
      const ms = kernel === 'cartesian' ? p.cartesianMs : p.weightSparseMs;
      report({
        name: `sparse conv forward conv2 ${kernel} x${p.inputDensity} w${p.weightDensity}`,
        op: 'conv2d forward',
        backend: 'cpu',
        layer: 'conv2',
        model: 'seed',
        prune: 1 - p.weightDensity,
        workers: 1,
        ms,
        gflops: (2 * p.idealMacs) / ms / 1e6,
        ratio: p.denseMs / ms,
        versus: 'our dense conv2',
        kernel,
        inputDensity: p.inputDensity,
        weightDensity: p.weightDensity,
      });
    }
  });
  report({
    name: 'crossover (largest density product at and below which sparse always wins)',
    op: 'crossover',
    backend: 'cpu',
    layer: 'conv2',
    model: 'seed',
    ms: performance.now() - start,
    crossover,
  });
  return crossover;
}

async function trainingThroughput(rng: Prng, crossover: number): Promise<void> {
  const count = QUICK ? 64 : 320;
  const bytes = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
  const set = parseCifar10Batch(bytes);
  const variants = [
    { name: 'train seed dense, 1 worker', pruned: false, workers: 1 },
    { name: 'train seed dense, 2 workers', pruned: false, workers: 2 },
    { name: 'train seed 90% pruned conv2+fc1 (auto), 1 worker', pruned: true, workers: 1 },
    { name: 'train seed 90% pruned conv2+fc1 (auto), 2 workers', pruned: true, workers: 2 },
  ];
  let oneWorker = 0;
  for (const v of variants) {
    const policy = v.pruned ? { policy: 'auto' as const, crossover: Math.max(crossover, 1e-6) } : {};
    const pool = v.workers > 1 ? nodeGradientPool(v.workers, PRESETS.seed, policy) : undefined;
    const trainer = new Trainer(
      {
        spec: PRESETS.seed,
        epochs: 1000,
        batchSize: BATCH,
        optimizer: { type: 'adam' },
        seed: 1,
        augment: true,
        ...(v.pruned ? { pruning: { finalSparsity: 0.9, startEpoch: 0, endEpoch: 0, layers: ['conv2', 'fc1'] }, ...policy } : {}),
      },
      set,
      set,
    );
    const step = () => trainer.trainStep({ pool });
    await step(); // warm-up (and, when pruning, the one-shot prune at step 0)
    await step();
    const steps = QUICK ? 2 : 10;
    const times: number[] = [];
    for (let r = 0; r < (QUICK ? 1 : 3); r++) {
      const t = performance.now();
      for (let i = 0; i < steps; i++) await step();
      times.push((performance.now() - t) / steps);
    }
    await pool?.close();
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const imagesPerSec = (BATCH * 1000) / ms;
    if (v.workers === 1) oneWorker = imagesPerSec;
    report({
      name: v.name,
      op: 'train step',
      backend: 'cpu',
      kernel: v.pruned ? 'auto' : 'dense',
      model: 'seed',
      prune: v.pruned ? 0.9 : 0,
      workers: v.workers,
      ms,
      imagesPerSec,
      ...(v.workers > 1 ? { ratio: imagesPerSec / oneWorker, versus: 'the same on 1 worker' } : {}),
    });
  }
}

async function tfjsPeers(rng: Prng, ourConv2Ms: number): Promise<void> {
  let tf: typeof import('@tensorflow/tfjs-core');
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${path.join(PROJECT_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')}${path.sep}`);
  } catch (error) {
    process.stderr.write(`bench: TensorFlow.js peers skipped (${(error as Error).message})\n`);
    return;
  }
  // Our seed forward pass on the same batch, for the comparison below.
  const model = new Model(PRESETS.seed, 1);
  const images = randomTensor([BATCH, 3, 32, 32], rng);
  const ourForward = await measureAsync(() => model.logits(images));
  report({
    name: 'our seed forward pass',
    op: 'model forward',
    backend: 'cpu',
    kernel: 'dense',
    model: 'seed',
    prune: 0,
    workers: 1,
    ms: ourForward,
    imagesPerSec: (BATCH * 1000) / ourForward,
  });
  const macs = conv2dCost(conv2dGeometry([BATCH, 32, 16, 16], [64, 32, 3, 3], OPTS)).macs;
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    // TF.js is channels-last: x [N, H, W, C], filter [KH, KW, C, K].
    const x = tf.randomNormal([BATCH, 16, 16, 32]) as import('@tensorflow/tfjs-core').Tensor4D;
    const w = tf.randomNormal([3, 3, 32, 64]) as import('@tensorflow/tfjs-core').Tensor4D;
    const ms = measure(() => tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync()), QUICK ? 100 : 600, 3);
    report({
      name: `tfjs-${backend} conv forward conv2`,
      op: 'conv2d forward',
      backend: `tfjs-${backend}` as 'tfjs-cpu' | 'tfjs-wasm',
      layer: 'conv2',
      kernel: 'dense',
      inputDensity: 1,
      weightDensity: 1,
      model: 'seed',
      prune: 0,
      ms,
      gflops: (2 * macs) / ms / 1e6,
      ratio: ourConv2Ms / ms,
      versus: 'our dense conv2',
    });
    const weights = {
      c1: tf.randomNormal([3, 3, 3, 32]) as import('@tensorflow/tfjs-core').Tensor4D,
      c2: tf.randomNormal([3, 3, 32, 64]) as import('@tensorflow/tfjs-core').Tensor4D,
      f1: tf.randomNormal([4096, 128]) as import('@tensorflow/tfjs-core').Tensor2D,
      f2: tf.randomNormal([128, 10]) as import('@tensorflow/tfjs-core').Tensor2D,
    };
    const input = tf.randomNormal([BATCH, 32, 32, 3]) as import('@tensorflow/tfjs-core').Tensor4D;
    const forward = () =>
      tf.tidy(() => {
        let h = tf.maxPool(tf.relu(tf.conv2d(input, weights.c1, 1, 'same')), 2, 2, 'valid');
        h = tf.maxPool(tf.relu(tf.conv2d(h, weights.c2, 1, 'same')), 2, 2, 'valid');
        return tf.matMul(tf.relu(tf.matMul(tf.reshape(h, [BATCH, 4096]), weights.f1)), weights.f2).dataSync();
      });
    const fms = measure(forward, QUICK ? 100 : 600, 3);
    report({
      name: `tfjs-${backend} seed forward pass`,
      op: 'model forward',
      backend: `tfjs-${backend}` as 'tfjs-cpu' | 'tfjs-wasm',
      kernel: 'dense',
      model: 'seed',
      prune: 0,
      ms: fms,
      imagesPerSec: (BATCH * 1000) / fms,
      ratio: ourForward / fms,
      versus: 'our forward pass',
    });
  }
}

async function main() {
  const rng = new Prng(2026);
  const typescript = denseConvs(rng);
  const crossover = await sparseSweep();
  if (!QUICK) saveCrossover(crossover); // for `npm run train -- --policy auto`
  await trainingThroughput(rng, crossover);
  await tfjsPeers(rng, typescript.conv2.forward);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
