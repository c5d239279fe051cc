/**
 * The one test matrix's checks: every op of the Backend interface against its float64 reference (random
 * shapes, densities from 0 to 1, stride 2, padding, 1×1 maps); the kernel rule, the same on every backend;
 * and training parity — 20 steps of `tiny` and of `seed` pruned to 90%, same seed, losses within 1e-3 of
 * the CPU's dense run.
 *
 * Framework-free (each check throws on failure), so the same checks run under Vitest in Node (the CPU, and
 * WGSL on Dawn: test/unit/backendMatrix.test.ts) and in Chromium (WGSL on its own WebGPU:
 * test/e2e/backendMatrix.spec.ts). A new backend is one more line in each runner's list.
 */
import fc from 'fast-check';
import type { Backend, ConvKernel, DeviceTensor } from '../../engine/backend/backend';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { makeBatch } from '../../engine/data/batch';
import { choosesSparse, choosesWeightSparse } from '../../engine/model/kernelChoice';
import { Model } from '../../engine/model/model';
import { PRESETS } from '../../engine/model/spec';
import { conv2dBackwardReference, conv2dCost, conv2dForwardReference, conv2dGeometry } from '../../engine/ops/conv2d';
import { linearBackwardReference, linearForwardReference } from '../../engine/ops/linear';
import { maxPool2dBackwardReference, maxPool2dForwardReference } from '../../engine/ops/maxPool2d';
import { softmaxCrossEntropyReference } from '../../engine/ops/softmaxCrossEntropy';
import { Prng } from '../../engine/random/prng';
import { magnitudeMasks, prunableParams } from '../../engine/sparse/pruning';
import { weightPattern } from '../../engine/sparse/weightPattern';
import { Tensor } from '../../engine/tensor/tensor';
import { Trainer, TrainConfig } from '../../engine/train/trainer';
import { randomTensor, relativeError, sparseConvCase, sparseConvSetup } from './inputs';

export interface BackendCheck {
  name: string;
  run(backend: Backend): Promise<void>;
}

const TOLERANCE = 1e-5;

// ---------------------------------------------------------------------------------------------------------
// Assertions that say what failed (no test framework: the browser runs these too).

function fail(what: string, detail: string): never {
  throw new Error(`${what}: ${detail}`);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(what, `got ${a}, expected ${e}`);
}

function below(actual: number, limit: number, what: string): void {
  if (!(actual < limit)) fail(what, `${actual} is not below ${limit}`);
}

async function close(backend: Backend, actual: DeviceTensor, expected: ArrayLike<number>, what: string): Promise<void> {
  below(relativeError(await backend.read(actual), expected), TOLERANCE, `${what} (relative error)`);
}

// ---------------------------------------------------------------------------------------------------------
// Inputs.

/** |Ω|: pairs of a nonzero input and a nonzero weight that land on an output, by brute force. */
function omegaPairs(x: Tensor, w: Tensor, conv: { stride: number; padding: number }): number {
  const [N, C, H, W] = x.shape;
  const [K, , KH, KW] = w.shape;
  const g = conv2dGeometry(x.shape, w.shape, conv);
  let pairs = 0;
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++)
      for (let oi = 0; oi < g.outH; oi++)
        for (let oj = 0; oj < g.outW; oj++)
          for (let c = 0; c < C; c++)
            for (let m = 0; m < KH; m++)
              for (let l = 0; l < KW; l++) {
                const i = oi * conv.stride + m - conv.padding;
                const j = oj * conv.stride + l - conv.padding;
                if (i < 0 || i >= H || j < 0 || j >= W) continue;
                if (x.data[((n * C + c) * H + i) * W + j] !== 0 && w.data[((k * C + c) * KH + m) * KW + l] !== 0) pairs++;
              }
  return pairs;
}

/** Zero where `keep` is 0: what a sparse kernel owes of a gradient it computes at kept entries only. */
const masked = (values: ArrayLike<number>, keep: ArrayLike<number>) => Float64Array.from(values, (v, i) => (keep[i] !== 0 ? v : 0));

const linearCase = fc.record({
  batch: fc.integer({ min: 1, max: 9 }),
  inFeatures: fc.integer({ min: 1, max: 70 }),
  outFeatures: fc.integer({ min: 1, max: 12 }),
  inputZeros: fc.constantFrom(0, 0.5, 1),
  weightZeros: fc.constantFrom(0, 0.2, 0.9, 1),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

function syntheticSet(count: number, seed: number) {
  const rng = new Prng(seed);
  const bytes = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
  return parseCifar10Batch(bytes);
}

// ---------------------------------------------------------------------------------------------------------
// The checks.

async function tensors(backend: Backend): Promise<void> {
  const t = randomTensor([2, 3, 4], 1, 0.4);
  const d = backend.tensor(t.shape, t.data);
  equal(Array.from(await backend.read(d)), Array.from(t.data), 'read back');
  equal(await backend.countNonzeros(d), t.data.filter((v) => v !== 0).length, 'nonzeros');
  equal(await backend.countNonzeros(backend.tensor([1000])), 0, 'nonzeros of zeros');
  const u = randomTensor([2, 3, 4], 2);
  backend.write(d, u.data);
  const view = backend.reshape(d, [6, 4]);
  equal(view.shape, [6, 4], 'reshaped');
  equal(Array.from(await backend.read(view)), Array.from(u.data), 'written, through the view');
  // Read into a slice of a larger array (how the weights reach the gradient workers' shared buffer).
  const room = new Float32Array(30).fill(7);
  const into = room.subarray(3, 27);
  if ((await backend.read(d, into)) !== into) throw new Error('read into: not the array it was given');
  equal(Array.from(room), [7, 7, 7, ...Array.from(u.data), 7, 7, 7], 'read into a slice, nothing around it touched');
  let refused = false;
  await backend.read(d, new Float32Array(5)).catch(() => (refused = true));
  if (!refused) throw new Error('read into an array of the wrong size was not refused');
  backend.free(d);
}

async function conv2d(backend: Backend): Promise<void> {
  await fc.assert(
    fc.asyncProperty(sparseConvCase, async (c) => {
      const { x, w, b, opts: conv } = sparseConvSetup(c);
      const yRef = conv2dForwardReference(x, w, b, conv);
      const dy = randomTensor(yRef.shape, c.seed + 3);
      const ref = conv2dBackwardReference(x, w, dy, conv);
      const pattern = weightPattern(w.shape, w.data);
      const g = conv2dGeometry(x.shape, w.shape, conv);
      // What each kernel multiplies: every tap; Ω's pairs (counted by brute force); every kept weight at
      // every output position.
      const multiplies: Record<ConvKernel, number> = {
        dense: conv2dCost(g).macs,
        cartesian: omegaPairs(x, w, conv),
        weightSparse: pattern.nonzeros * g.outH * g.outW * g.batch,
      };
      const kernels: ConvKernel[] = ['dense', ...backend.sparseConvKernels];
      for (const kernel of kernels) {
        const [gx, gw, gb, gdy] = [x, w, b, dy].map((t) => backend.tensor(t.shape, t.data));
        const forward = backend.conv2dForward({ x: gx, w: gw, b: gb, conv, kernel, pattern });
        await close(backend, forward.y, yRef.data, `${kernel} y`);
        if (backend.countsPairs) equal(backend.convPairs(gx, pattern, conv), multiplies.cartesian, 'Ω pairs counted');
        equal(await forward.executedMacs, multiplies[kernel], `${kernel} executed MACs`);
        const grads = backend.conv2dBackward({ x: gx, w: gw, dy: gdy, conv, kernel, pattern, needInputGrad: true });
        equal(await grads.executedMacs, 2 * multiplies[kernel], `${kernel} backward executed MACs`);
        // Sparse kernels owe ∂w at kept weights only; the Cartesian product owes ∂x at nonzero inputs only.
        await close(backend, grads.dw, kernel === 'dense' ? ref.dw : masked(ref.dw, w.data), `${kernel} dw`);
        await close(backend, grads.dx!, kernel === 'cartesian' ? masked(ref.dx, x.data) : ref.dx, `${kernel} dx`);
        await close(backend, grads.db, ref.db, `${kernel} db`);
        equal(backend.conv2dBackward({ x: gx, w: gw, dy: gdy, conv, kernel, pattern, needInputGrad: false }).dx, null, `${kernel} without ∂x`);
        for (const t of [gx, gw, gb, gdy, forward.y, grads.dx!, grads.dw, grads.db]) backend.free(t);
      }
    }),
    { numRuns: 30 },
  );
}

async function linear(backend: Backend): Promise<void> {
  await fc.assert(
    fc.asyncProperty(linearCase, async (c) => {
      const x = randomTensor([c.batch, c.inFeatures], c.seed, c.inputZeros);
      const w = randomTensor([c.outFeatures, c.inFeatures], c.seed + 1, c.weightZeros);
      const b = randomTensor([c.outFeatures], c.seed + 2);
      const dy = randomTensor([c.batch, c.outFeatures], c.seed + 3);
      const yRef = linearForwardReference(x, w, b);
      const ref = linearBackwardReference(x, w, dy);
      const pattern = weightPattern(w.shape, w.data);
      for (const kernel of ['dense', 'csr'] as const) {
        const [gx, gw, gb, gdy] = [x, w, b, dy].map((t) => backend.tensor(t.shape, t.data));
        const forward = backend.linearForward({ x: gx, w: gw, b: gb, kernel, pattern });
        await close(backend, forward.y, yRef.data, `${kernel} y`);
        if (backend.countsPairs) {
          // Ω: every nonzero input x[n, i] with every kept weight w[·, i].
          let pairs = 0;
          for (let n = 0; n < c.batch; n++)
            for (let i = 0; i < c.inFeatures; i++)
              for (let o = 0; o < c.outFeatures; o++) if (x.data[n * c.inFeatures + i] !== 0 && w.data[o * c.inFeatures + i] !== 0) pairs++;
          equal(backend.linearPairs(gx, pattern), pairs, 'Ω pairs counted');
        }
        const executed = await forward.executedMacs;
        equal(executed, kernel === 'dense' ? x.size * c.outFeatures : c.batch * pattern.nonzeros, `${kernel} executed MACs`);
        const grads = backend.linearBackward({ x: gx, w: gw, dy: gdy, kernel, pattern, needInputGrad: true });
        await close(backend, grads.dx!, ref.dx, `${kernel} dx`);
        await close(backend, grads.dw, kernel === 'dense' ? ref.dw : masked(ref.dw, w.data), `${kernel} dw`);
        await close(backend, grads.db, ref.db, `${kernel} db`);
        equal(await grads.executedMacs, 2 * executed, `${kernel} backward executed MACs`);
        for (const t of [gx, gw, gb, gdy, forward.y, grads.dx!, grads.dw, grads.db]) backend.free(t);
      }
    }),
    { numRuns: 30 },
  );
}

async function relu(backend: Backend): Promise<void> {
  const x = randomTensor([3, 50], 4, 0.3);
  const dy = randomTensor([3, 50], 5);
  const gx = backend.tensor(x.shape, x.data);
  await close(
    backend,
    backend.reluForward(gx),
    Float64Array.from(x.data, (v) => Math.max(v, 0)),
    'y',
  );
  // The subgradient at 0 is 0.
  const dx = backend.reluBackward(gx, backend.tensor(dy.shape, dy.data));
  await close(
    backend,
    dx,
    Float64Array.from(dy.data, (g, i) => (x.data[i] > 0 ? g : 0)),
    'dx',
  );
}

async function maxPool(backend: Backend): Promise<void> {
  const pool = { kernelSize: 2, stride: 2 };
  const cases = [
    { shape: [2, 3, 6, 8], zeros: 0 },
    { shape: [1, 2, 5, 5], zeros: 0.6 },
    { shape: [1, 2, 4, 12], zeros: 0.2 },
    { shape: [1, 1, 2, 2], zeros: 1 },
  ];
  for (const { shape, zeros } of cases) {
    // Dense: signed inputs.
    const signed = randomTensor(shape, shape[3] * 10 + zeros * 10, zeros);
    const ref = maxPool2dForwardReference(signed, pool);
    const dy = randomTensor(ref.shape, 7);
    const dense = backend.maxPool2dForward(backend.tensor(signed.shape, signed.data), pool, false);
    await close(backend, dense.y, ref.data, 'dense y');
    const dxDense = backend.maxPool2dBackward(signed.shape, dense.argmax, backend.tensor(dy.shape, dy.data), pool);
    await close(backend, dxDense, maxPool2dBackwardReference(signed.shape, ref.argmax, dy.data), 'dense dx');
    // Sparse: rectified inputs (where it equals the dense pool); an all-zero window routes no gradient.
    const rectified = new Tensor(
      signed.shape,
      signed.data.map((v) => Math.max(v, 0)),
    );
    const rRef = maxPool2dForwardReference(rectified, pool);
    const sparse = backend.maxPool2dForward(backend.tensor(rectified.shape, rectified.data), pool, true);
    await close(backend, sparse.y, rRef.data, 'sparse y');
    const dxRef = new Float64Array(rectified.size);
    rRef.argmax.forEach((a, o) => rRef.data[o] > 0 && (dxRef[a] += dy.data[o]));
    await close(backend, backend.maxPool2dBackward(rectified.shape, sparse.argmax, backend.tensor(dy.shape, dy.data), pool), dxRef, 'sparse dx');
  }
}

async function softmaxCrossEntropy(backend: Backend): Promise<void> {
  const logits = randomTensor([6, 10], 8);
  logits.data[3] = 40; // a large logit: log-sum-exp must not overflow
  const labels = [3, 1, 9, 0, 5, 5];
  const ref = softmaxCrossEntropyReference(logits, labels);
  const r = backend.softmaxCrossEntropy(backend.tensor(logits.shape, logits.data), labels);
  const totals = await r.totals();
  below(Math.abs(totals.loss - ref.loss), 1e-4, 'loss');
  let correct = 0;
  for (let n = 0; n < 6; n++) {
    const row = Array.from(ref.probs.subarray(n * 10, n * 10 + 10));
    if (row.indexOf(Math.max(...row)) === labels[n]) correct++;
  }
  equal(totals.correct, correct, 'correct');
  await close(backend, r.dlogits, ref.dlogits, 'dlogits');
  await close(backend, r.probs, ref.probs, 'probs');
  below(relativeError(await backend.softmax(backend.tensor(logits.shape, logits.data)), ref.probs), TOLERANCE, 'softmax');
}

async function optimizerUpdates(backend: Backend): Promise<void> {
  const n = 40;
  const w0 = randomTensor([n], 9);
  const grads = [1, 2, 3].map((s) => randomTensor([n], 10 + s));
  const up = (t: Tensor) => backend.tensor(t.shape, t.data);
  // SGD: v ← μv + g + λw; w ← w − ηv.
  const [w, velocity] = [up(w0), backend.tensor([n])];
  const sgd = { w: Float64Array.from(w0.data), v: new Float64Array(n) };
  for (const g of grads) {
    backend.sgdUpdate({ w, g: up(g), velocity, lr: 0.05, momentum: 0.9, weightDecay: 1e-3 });
    for (let i = 0; i < n; i++) {
      sgd.v[i] = 0.9 * sgd.v[i] + g.data[i] + 1e-3 * sgd.w[i];
      sgd.w[i] -= 0.05 * sgd.v[i];
    }
  }
  await close(backend, w, sgd.w, 'sgd w');
  await close(backend, velocity, sgd.v, 'sgd velocity');
  // Adam with bias correction.
  const [aw, m, v] = [up(w0), backend.tensor([n]), backend.tensor([n])];
  const adam = { w: Float64Array.from(w0.data), m: new Float64Array(n), v: new Float64Array(n) };
  grads.forEach((g, step) => {
    const t = step + 1;
    backend.adamUpdate({ w: aw, g: up(g), m, v, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3, t });
    for (let i = 0; i < n; i++) {
      const grad = g.data[i] + 1e-3 * adam.w[i];
      adam.m[i] = 0.9 * adam.m[i] + 0.1 * grad;
      adam.v[i] = 0.999 * adam.v[i] + 0.001 * grad * grad;
      adam.w[i] -= (0.01 * (adam.m[i] / (1 - 0.9 ** t))) / (Math.sqrt(adam.v[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  });
  await close(backend, aw, adam.w, 'adam w');
  await close(backend, m, adam.m, 'adam m');
  const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
  backend.applyMask(aw, backend.tensor([n], mask));
  await close(backend, aw, masked(adam.w, mask), 'masked');
  // The average of two shards' gradients, weighted 0.25 and 0.75.
  const [first, second] = [randomTensor([n], 12), randomTensor([n], 13)];
  const y = up(first);
  backend.scaleAdd(y, up(second), 0.25, 0.75);
  await close(
    backend,
    y,
    Float64Array.from(first.data, (v, i) => 0.25 * v + 0.75 * second.data[i]),
    'scaleAdd',
  );
}

async function timing(backend: Backend): Promise<void> {
  const x = backend.tensor([8, 16, 16, 16], randomTensor([8, 16, 16, 16], 11).data);
  const ms = await backend.measure(() => backend.reluForward(x));
  if (!(ms >= 0 && ms < 10_000)) fail('measure', `${ms} ms`);
}

/**
 * `auto` on this backend: the densities it counts, and per layer the kernel the one rule gives for them —
 * the CPU's choice, Cartesian product included — and the same gradients through whichever kernels ran.
 */
async function kernelRule(backend: Backend): Promise<void> {
  const set = syntheticSet(8, 5);
  const { x, labels } = makeBatch(set, [0, 1, 2, 3, 4, 5, 6, 7]);
  const cpu = new Model(PRESETS.seed, 4);
  const masks = magnitudeMasks(prunableParams(cpu.params(), ['conv2', 'fc1']), 0.9);
  cpu.setMasks(masks);
  const cases = [
    { crossover: 0, cartesianBelow: 0.25 },
    { crossover: 0.08, cartesianBelow: 0.25 },
    { crossover: 0.12, cartesianBelow: 0.25 },
    { crossover: 1, cartesianBelow: 0.25 },
    { crossover: 1, cartesianBelow: 2 }, // every convolution runs the Cartesian product
    // No product low enough, but the pruned layers' weights are: weight-sparse conv2, CSR fc1.
    { crossover: 0, cartesianBelow: 0.25, weightCrossover: 0.2 },
  ];
  const kernelsSeen = new Set<string>();
  for (const { crossover, cartesianBelow, weightCrossover = null } of cases) {
    const model = new Model(PRESETS.seed, 4, backend);
    model.setWeights(cpu.weights());
    model.setMasks(masks);
    for (const m of [model, cpu] as Model<DeviceTensor>[]) {
      m.setExecutionPolicy('auto', crossover);
      m.setWeightCrossover(weightCrossover);
      for (const layer of m.convLayers()) layer.cartesianBelowInputDensity = cartesianBelow;
    }
    await model.lossAndGradients(x, labels);
    await cpu.lossAndGradients(x, labels);
    const there = cpu.reports();
    for (const [name, report] of Object.entries(model.reports())) {
      const at = `${name} at crossover ${crossover}, weight crossover ${weightCrossover}, Cartesian below ${cartesianBelow}`;
      below(Math.abs(report.inputDensity! - there[name].inputDensity!), 1e-6, `${at}: input density`);
      equal(report.weightDensity, there[name].weightDensity, `${at}: weight density`);
      const sparse =
        choosesSparse('auto', crossover, report.inputDensity!, report.weightDensity) || choosesWeightSparse('auto', weightCrossover, report.weightDensity);
      equal(report.kernel === 'sparse', sparse, `${at}: the rule`);
      if (!choosesSparse('auto', crossover, report.inputDensity!, report.weightDensity) && sparse)
        equal(report.kernelName, name.startsWith('conv') ? 'weightSparse' : 'csr', `${at}: the weights' kernel`);
      equal(report.kernelName, there[name].kernelName, `${at}: the CPU's choice`);
      kernelsSeen.add(report.kernelName);
    }
    const cpuGrads = new Map(cpu.params().map((p) => [p.name, p.grad.data]));
    for (const p of model.params())
      below(relativeError(await backend.read(p.grad), cpuGrads.get(p.name)!), 1e-3, `${p.name} gradient (crossover ${crossover})`);
    model.destroy();
  }
  for (const kernel of ['dense', 'csr', 'weightSparse', 'cartesian']) if (!kernelsSeen.has(kernel)) fail('kernels', `${kernel} never ran`);
}

const PARITY_BASE: Omit<TrainConfig, 'spec'> = { epochs: 1, batchSize: 8, optimizer: { type: 'adam' }, seed: 3, augment: true };

/** 20 steps on this backend (policy auto) follow the CPU's dense run, loss for loss. */
function trainingParity(config: TrainConfig): (backend: Backend) => Promise<void> {
  return async (backend) => {
    const set = syntheticSet(160, 6);
    const reference = new Trainer({ ...config, policy: 'dense' }, set, set);
    const here = new Trainer({ ...config, policy: 'auto', crossover: 0.1 }, set, set);
    await here.moveTo(backend);
    equal(here.backend, backend.name, 'the run moved');
    const kernels = new Set<string>();
    for (let step = 0; step < 20; step++) {
      const a = await reference.trainStep();
      const b = await here.trainStep();
      below(Math.abs(a.loss - b.loss), 1e-3, `step ${step} loss (${b.loss} vs ${a.loss})`);
      for (const [name, layer] of Object.entries(b.cost.layers)) kernels.add(`${name}:${layer.kernel}`);
    }
    if (config.pruning) for (const k of ['conv2:sparse', 'fc1:sparse']) if (!kernels.has(k)) fail('pruned layers', `never ran ${k}`);
    here.releaseDevice();
  };
}

export const BACKEND_CHECKS: BackendCheck[] = [
  { name: 'tensors: upload, read back, write, reshape, count nonzeros', run: tensors },
  { name: 'conv2d, each kernel it has, forward and backward (random shapes; densities 0 … 1, stride 2, padding, 1×1)', run: conv2d },
  { name: 'linear, dense and CSR, forward and backward (random shapes; densities 0 … 1)', run: linear },
  { name: 'relu, forward and backward', run: relu },
  { name: 'max-pool, dense on signed inputs, sparse on rectified ones', run: maxPool },
  { name: 'softmax cross-entropy (loss, hits, ∂logits) and softmax', run: softmaxCrossEntropy },
  { name: 'SGD and Adam updates with weight decay, masks, and the shard average', run: optimizerUpdates },
  { name: 'timing', run: timing },
  { name: 'auto picks every layer’s kernel by the one rule and crossover', run: kernelRule },
  { name: 'training parity: 20 steps of tiny', run: trainingParity({ ...PARITY_BASE, spec: PRESETS.tiny }) },
  {
    name: 'training parity: 20 steps of seed pruned to 90%',
    run: trainingParity({ ...PARITY_BASE, spec: PRESETS.seed, pruning: { finalSparsity: 0.9, startEpoch: 0, endEpoch: 0, layers: ['conv2', 'fc1'] } }),
  },
];
