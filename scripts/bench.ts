/**
 * npm run bench [-- --json] [--quick] [--only conv,sparse,forward,peers,train]
 *
 * Measures, in one run on this machine (medians of repeated runs; compare numbers only within a run), on
 * each of our CPU backends — `js` (pure TypeScript) and `wasm` (WebAssembly SIMD):
 * - the dense conv forward and backward of each convolution of the seed model (batch 32);
 * - both sparse conv kernels (the Cartesian product, and the weight-sparse direct kernel) on seed conv2 over
 *   input density {1, .5, .1, .01} × weight density {1, .5, .1, .05}, forward and backward, and the
 *   crossover density product below which one of them beats dense forward (engine/cost/sweep.ts: the cost
 *   lab measures it the same way);
 * - the seed model's forward pass, dense and with conv2 and fc1 pruned to 90% and 95% (policy auto);
 * - training throughput of the seed model, dense and pruned to 90%, on 1 and 2 workers;
 * and, as the engines a learner could pick instead, TensorFlow.js's CPU and WASM backends and ONNX Runtime
 * Web's single-threaded wasm backend on the same dense forward pass.
 *
 * --json prints one JSON object per line: name, ms, the fields every row has (backend, op, layer, kernel,
 * inputDensity, weightDensity, model, prune, workers; null where they do not apply) and where meaningful
 * gflops, imagesPerSec, ratio.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend, BackendName, ConvKernel } from '../engine/backend/backend';
import { cpuBackend } from '../engine/backend/cpu/cpuBackend';
import { parseCifar10Batch, RECORD_BYTES } from '../engine/data/cifar10';
import { Model } from '../engine/model/model';
import { PRESETS } from '../engine/model/spec';
import { conv2dCost, conv2dGeometry } from '../engine/ops/conv2d';
import { Prng } from '../engine/random/prng';
import { magnitudeMasks, prunableParams } from '../engine/sparse/pruning';
import { densePattern } from '../engine/sparse/weightPattern';
import { Trainer } from '../engine/train/trainer';
import {
  crossoverOf,
  weightCrossoverOf,
  freeOperands,
  omegaPairs,
  randomTensor,
  sweepOperands,
  SweepPoint,
  SWEEP_INPUT_DENSITIES,
  SWEEP_WEIGHT_DENSITIES,
  timeConv,
} from '../engine/cost/sweep';
import { measureMedianAsync, MeasureOptions } from '../engine/cost/measure';
import { exportOnnx } from '../engine/onnx/exportOnnx';
import { createWasmBackend } from './lib/wasmKernels';
import { PROJECT_ROOT } from './lib/cifar10Files';
import { loadCrossover, MeasuredCrossovers, saveCrossover } from './lib/crossover';
import { DEFAULT_CROSSOVER } from '../engine/model/kernelChoice';
import { nodeGradientPool } from './lib/nodeGradientPool';
import { benchRow, BenchBackend } from './lib/benchRow';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const QUICK = values.quick!;
const SECTIONS = ['conv', 'sparse', 'forward', 'peers', 'train'] as const;
/** The sections to run (--only: a comma-separated subset; without it, all). */
const ONLY = new Set(values.only ? values.only.split(',').map((s) => s.trim()) : SECTIONS);
for (const s of ONLY) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (sections: ${SECTIONS.join(', ')})`);
const runs = (section: (typeof SECTIONS)[number]) => ONLY.has(section);
const BATCH = 32;
const TIMING: MeasureOptions = { minMs: QUICK ? 100 : 600, minRepeats: QUICK ? 2 : 5 };

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
    row.crossover !== undefined ? `crossover at density product ${row.crossover}, weight density ${row.weightCrossover}` : '',
  ].filter(Boolean);
  process.stdout.write(`${row.name.padEnd(52)} ${row.ms.toFixed(2).padStart(10)} ms  ${extra.join('  ')}\n`);
}

/** Our backends as the rows name them. */
interface Engine {
  label: Extract<BenchBackend, 'js' | 'wasm'>;
  name: BackendName;
  backend: Backend;
}

const SEED_CONVS = [
  { name: 'conv1', x: [BATCH, 3, 32, 32], w: [32, 3, 3, 3] },
  { name: 'conv2', x: [BATCH, 32, 16, 16], w: [64, 32, 3, 3] },
];
const OPTS = { stride: 1, padding: 1 };

/** Dense conv1 and conv2, forward and backward. */
async function denseConvs(e: Engine, rng: Prng): Promise<void> {
  for (const conv of SEED_CONVS) {
    const b = e.backend;
    const w = randomTensor(conv.w, rng);
    const x = randomTensor(conv.x, rng);
    const operands = {
      x: b.tensor(conv.x, x.data),
      w: b.tensor(conv.w, w.data),
      b: b.tensor([conv.w[0]], randomTensor([conv.w[0]], rng).data),
      dy: b.tensor([BATCH, conv.w[0], conv.x[2], conv.x[3]], randomTensor([BATCH, conv.w[0], conv.x[2], conv.x[3]], rng).data),
      pattern: densePattern(conv.w),
      conv: OPTS,
      hostX: x,
    };
    const macs = conv2dCost(conv2dGeometry(conv.x, conv.w, OPTS)).macs;
    const where = { backend: e.label, layer: conv.name, kernel: 'dense', inputDensity: 1, weightDensity: 1, model: 'seed', prune: 0, workers: 1 } as const;
    const fwd = (await timeConv(b, operands, 'dense', 'forward', TIMING)).medianMs;
    report({ name: `${e.label} dense conv forward ${conv.name}`, op: 'conv forward', ...where, ms: fwd, gflops: (2 * macs) / fwd / 1e6 });
    const needDx = conv.name !== 'conv1'; // nobody needs the gradient of the image
    const bwd = (await timeConv(b, operands, 'dense', 'backward', TIMING, needDx)).medianMs;
    report({
      name: `${e.label} dense conv backward ${conv.name}${needDx ? '' : ' (no ∂x)'}`,
      op: 'conv backward',
      ...where,
      ms: bwd,
      gflops: (2 * macs * (needDx ? 2 : 1)) / bwd / 1e6,
    });
    freeOperands(b, operands);
  }
}

/**
 * Both sparse kernels over the density grid on conv2, forward and backward, against dense on the same
 * input; the crossover of the forward times (the rule `auto` follows).
 */
async function sparseGrid(e: Engine, rng: Prng): Promise<MeasuredCrossovers> {
  const start = performance.now();
  const b = e.backend;
  const points: SweepPoint[] = [];
  for (const inputDensity of SWEEP_INPUT_DENSITIES) {
    const dense = sweepOperands(b, BATCH, inputDensity, 1, rng);
    const denseTimes = {
      forward: (await timeConv(b, dense, 'dense', 'forward', TIMING)).medianMs,
      backward: (await timeConv(b, dense, 'dense', 'backward', TIMING)).medianMs,
    };
    freeOperands(b, dense);
    for (const weightDensity of SWEEP_WEIGHT_DENSITIES) {
      const o = sweepOperands(b, BATCH, inputDensity, weightDensity, rng);
      const g = conv2dGeometry(o.x.shape, o.w.shape, o.conv);
      const idealMacs = omegaPairs(b, o);
      const times: Record<ConvKernel, { forward: number; backward: number }> = {
        dense: denseTimes,
        cartesian: { forward: 0, backward: 0 },
        weightSparse: { forward: 0, backward: 0 },
      };
      for (const kernel of ['cartesian', 'weightSparse'] as const) {
        for (const pass of ['forward', 'backward'] as const) {
          const ms = (await timeConv(b, o, kernel, pass, TIMING)).medianMs;
          times[kernel][pass] = ms;
          const passes = pass === 'forward' ? 1 : 2;
          report({
            name: `${e.label} sparse conv ${pass} conv2 ${kernel} x${inputDensity} w${weightDensity}`,
            op: `conv ${pass}`,
            backend: e.label,
            layer: 'conv2',
            kernel,
            inputDensity,
            weightDensity,
            model: 'seed',
            prune: 1 - weightDensity,
            workers: 1,
            ms,
            gflops: (2 * passes * idealMacs) / ms / 1e6,
            ratio: denseTimes[pass] / ms,
            versus: `${e.label} dense conv2 ${pass} on the same input`,
          });
        }
      }
      points.push({
        inputDensity,
        weightDensity,
        product: inputDensity * weightDensity,
        denseMs: denseTimes.forward,
        cartesianMs: times.cartesian.forward,
        weightSparseMs: times.weightSparse.forward,
        denseMacs: conv2dCost(g).macs,
        idealMacs,
        repeats: TIMING.minRepeats,
      });
      freeOperands(b, o);
    }
  }
  const crossover = crossoverOf(points);
  const weightCrossover = weightCrossoverOf(points);
  report({
    name: `${e.label} crossover (sparse wins at and below this density product; weight-sparse at and below this weight density)`,
    op: 'crossover',
    backend: e.label,
    layer: 'conv2',
    model: 'seed',
    ms: performance.now() - start,
    crossover,
    weightCrossover,
  });
  return { crossover, weightCrossover };
}

const PRUNES = [0, 0.9, 0.95];

/**
 * The seed model with conv2 and fc1 pruned by magnitude to `prune` zeros, on a backend; `auto` picks each
 * layer's kernel by density and the crossover, `sparse` runs every layer's sparse kernel (the unpruned ones
 * too: conv1 then weight-sparse over all its weights).
 */
function seedModel(
  backend: Backend,
  prune: number,
  policy: 'auto' | 'sparse',
  { crossover, weightCrossover }: MeasuredCrossovers,
): Model<ReturnType<Backend['tensor']>> {
  const model = new Model(PRESETS.seed, 1, backend);
  if (prune > 0) {
    // Magnitudes from the same initial weights the CPU model has.
    const cpu = new Model(PRESETS.seed, 1);
    model.setMasks(magnitudeMasks(prunableParams(cpu.params(), ['conv2', 'fc1']), prune));
    model.setExecutionPolicy(policy, crossover);
    model.setWeightCrossover(weightCrossover);
    // Only the pruned layers go sparse under `sparse`.
    if (policy === 'sparse') for (const layer of model.weightedLayers()) if (!['conv2', 'fc1'].includes(layer.name)) layer.policy = 'dense';
  }
  return model;
}

/** Median wall time of `run` over a batch (after a warm-up), and the images per second it makes. */
async function imagesPerSecond(run: () => Promise<unknown>): Promise<{ ms: number; imagesPerSec: number }> {
  const timed = async () => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  const ms = (await measureMedianAsync(timed, TIMING)).medianMs;
  return { ms, imagesPerSec: (BATCH * 1000) / ms };
}

/** What each weighted layer ran in the last pass, e.g. "conv1 dense, conv2 weightSparse, fc1 csr, fc2 dense". */
function kernelsOf(model: Model<ReturnType<Backend['tensor']>>): string {
  return model
    .weightedLayers()
    .map((l) => `${l.name} ${l.report?.kernelName ?? '?'}`)
    .join(', ');
}

async function forwardPasses(e: Engine, crossover: MeasuredCrossovers, rng: Prng): Promise<number> {
  const images = randomTensor([BATCH, 3, 32, 32], rng);
  let dense = 0;
  for (const prune of PRUNES) {
    for (const policy of prune ? (['auto', 'sparse'] as const) : (['auto'] as const)) {
      const model = seedModel(e.backend, prune, policy, crossover);
      const { ms, imagesPerSec } = await imagesPerSecond(() => model.logits(images));
      if (prune === 0) dense = imagesPerSec;
      report({
        name: `${e.label} seed forward pass${prune ? ` ${prune * 100}% pruned conv2+fc1 (${policy})` : ''}`,
        op: 'forward pass',
        backend: e.label,
        kernel: prune ? policy : 'dense',
        model: 'seed',
        prune,
        workers: 1,
        ms,
        imagesPerSec,
        ...(prune ? { ratio: imagesPerSec / dense, versus: `${e.label} dense forward pass`, kernels: kernelsOf(model) } : {}),
      });
      model.destroy();
    }
  }
  return dense;
}

async function trainingThroughput(e: Engine, { crossover, weightCrossover }: MeasuredCrossovers, rng: Prng): Promise<void> {
  const count = QUICK ? 64 : 320;
  const bytes = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
  const set = parseCifar10Batch(bytes);
  let oneWorker = 0;
  for (const prune of [0, 0.9]) {
    for (const workers of [1, 2]) {
      const policy = prune ? { policy: 'auto' as const, crossover: Math.max(crossover, 1e-6), ...(weightCrossover === null ? {} : { weightCrossover }) } : {};
      const pool = workers > 1 ? nodeGradientPool(workers - 1, PRESETS.seed, { ...policy, backend: e.name === 'wasm' ? 'wasm' : 'cpu' }) : undefined;
      const trainer = new Trainer(
        {
          spec: PRESETS.seed,
          epochs: 1000,
          batchSize: BATCH,
          optimizer: { type: 'adam' },
          seed: 1,
          augment: true,
          ...(prune ? { pruning: { finalSparsity: prune, startEpoch: 0, endEpoch: 0, layers: ['conv2', 'fc1'] }, ...policy } : {}),
        },
        set,
        set,
      );
      // One worker: this thread, on the backend; more: this thread and workers − 1 gradient workers on it (each its own instance), the update here.
      if (e.name !== 'cpu') await trainer.moveTo(e.backend);
      const step = () => trainer.trainStep({ pool });
      // Warm-up (and, when pruning, the one-shot prune at step 0): a new gradient worker takes ten steps or
      // more to reach its pace (its heap grows and its pages are touched for the first time, its code is
      // optimized), so the rows compare steady states.
      for (let i = 0; i < (QUICK ? 2 : 12); i++) await step();
      const steps = QUICK ? 2 : 10;
      const times: number[] = [];
      for (let r = 0; r < (QUICK ? 1 : 3); r++) {
        const t = performance.now();
        for (let i = 0; i < steps; i++) await step();
        times.push((performance.now() - t) / steps);
      }
      await pool?.close();
      trainer.releaseDevice();
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      const imagesPerSec = (BATCH * 1000) / ms;
      if (workers === 1) oneWorker = imagesPerSec;
      report({
        name: `${e.label} train seed ${prune ? `${prune * 100}% pruned conv2+fc1 (auto)` : 'dense'}, ${workers} worker${workers > 1 ? 's' : ''}`,
        op: 'train',
        backend: e.label,
        kernel: prune ? 'auto' : 'dense',
        model: 'seed',
        prune,
        workers,
        ms,
        imagesPerSec,
        ...(workers > 1 ? { ratio: imagesPerSec / oneWorker, versus: 'the same on 1 worker' } : {}),
      });
    }
  }
}

/** TensorFlow.js's CPU and WASM backends on the same dense forward pass (channels-last, as TF.js wants). */
async function tfjsPeers(ours: Record<string, number>): Promise<void> {
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
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    const weights = {
      c1: tf.randomNormal([3, 3, 3, 32]) as import('@tensorflow/tfjs-core').Tensor4D,
      c2: tf.randomNormal([3, 3, 32, 64]) as import('@tensorflow/tfjs-core').Tensor4D,
      f1: tf.randomNormal([4096, 128]) as import('@tensorflow/tfjs-core').Tensor2D,
      f2: tf.randomNormal([128, 10]) as import('@tensorflow/tfjs-core').Tensor2D,
    };
    const input = tf.randomNormal([BATCH, 32, 32, 3]) as import('@tensorflow/tfjs-core').Tensor4D;
    const forward = async () =>
      tf.tidy(() => {
        let h = tf.maxPool(tf.relu(tf.conv2d(input, weights.c1, 1, 'same')), 2, 2, 'valid');
        h = tf.maxPool(tf.relu(tf.conv2d(h, weights.c2, 1, 'same')), 2, 2, 'valid');
        return tf.matMul(tf.relu(tf.matMul(tf.reshape(h, [BATCH, 4096]), weights.f1)), weights.f2).dataSync();
      });
    const { ms, imagesPerSec } = await imagesPerSecond(forward);
    report({
      name: `tfjs-${backend} seed forward pass`,
      op: 'forward pass',
      backend: `tfjs-${backend}`,
      kernel: 'dense',
      model: 'seed',
      prune: 0,
      workers: 1,
      ms,
      imagesPerSec,
      ratio: imagesPerSec / ours.wasm,
      versus: 'our wasm dense forward pass',
    });
  }
}

/** ONNX Runtime Web, single-threaded wasm, on the seed model as we export it. */
async function onnxRuntimePeer(ours: Record<string, number>): Promise<void> {
  let ort: typeof import('onnxruntime-web');
  try {
    ort = await import('onnxruntime-web');
  } catch (error) {
    process.stderr.write(`bench: ONNX Runtime peer skipped (${(error as Error).message})\n`);
    return;
  }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const model = new Model(PRESETS.seed, 1);
  const session = await ort.InferenceSession.create(exportOnnx(model.spec, model.weights()), { executionProviders: ['wasm'] });
  const input = new ort.Tensor('float32', randomTensor([BATCH, 3, 32, 32], new Prng(3)).data, [BATCH, 3, 32, 32]);
  const { ms, imagesPerSec } = await imagesPerSecond(() => session.run({ [session.inputNames[0]]: input }));
  report({
    name: 'onnxruntime-wasm seed forward pass (1 thread)',
    op: 'forward pass',
    backend: 'onnxruntime-wasm',
    kernel: 'dense',
    model: 'seed',
    prune: 0,
    workers: 1,
    ms,
    imagesPerSec,
    ratio: imagesPerSec / ours.wasm,
    versus: 'our wasm dense forward pass',
  });
  await session.release();
}

async function main() {
  const rng = new Prng(2026);
  const engines: Engine[] = [
    { label: 'js', name: 'cpu', backend: cpuBackend as unknown as Backend },
    { label: 'wasm', name: 'wasm', backend: (await createWasmBackend()) as unknown as Backend },
  ];
  const crossovers: Record<string, MeasuredCrossovers> = {};
  const denseForward: Record<string, number> = {};
  for (const e of engines) {
    if (runs('conv')) await denseConvs(e, rng);
    // Without the sweep, `auto` uses the crossover last measured here (or the placeholder).
    crossovers[e.label] = runs('sparse') ? await sparseGrid(e, rng) : (loadCrossover(e.label) ?? { crossover: DEFAULT_CROSSOVER, weightCrossover: null });
    if (runs('forward') || runs('peers')) denseForward[e.label] = await forwardPasses(e, crossovers[e.label], rng);
  }
  if (!QUICK && runs('sparse')) saveCrossover(crossovers); // for `npm run train -- --policy auto`
  if (runs('peers')) {
    await tfjsPeers(denseForward);
    await onnxRuntimePeer(denseForward);
  }
  if (runs('train')) for (const e of engines) await trainingThroughput(e, crossovers[e.label], rng);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
