/**
 * Every WGSL kernel against the CPU engine (which is itself checked against float64 references and finite
 * differences), on random shapes, through a real WebGPU device (Dawn on SwiftShader).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as gpuConv from '../../../engine/backend/webgpu/conv2d';
import { adamUpdate, applyMask, reluBackward, reluForward, sgdUpdate } from '../../../engine/backend/webgpu/elementwise';
import { Gpu, GpuTensor } from '../../../engine/backend/webgpu/gpu';
import { linearBackward, linearForward } from '../../../engine/backend/webgpu/linear';
import { maxPool2dBackward, maxPool2dForward } from '../../../engine/backend/webgpu/maxPool2d';
import { softmaxCrossEntropy } from '../../../engine/backend/webgpu/softmaxCrossEntropy';
import { Param } from '../../../engine/tensor/param';
import { conv2dBackward, conv2dForward } from '../../../engine/ops/conv2d';
import { linearBackward as cpuLinearBackward, linearForward as cpuLinearForward } from '../../../engine/ops/linear';
import { maxPool2dBackward as cpuPoolBackward, maxPool2dForward as cpuPoolForward } from '../../../engine/ops/maxPool2d';
import { reluBackward as cpuReluBackward, reluForward as cpuReluForward } from '../../../engine/ops/relu';
import { softmaxCrossEntropy as cpuSoftmaxCrossEntropy } from '../../../engine/ops/softmaxCrossEntropy';
import { sparseConv2dBackward as cpuSparseBackward, sparseConv2dForward as cpuSparseForward } from '../../../engine/ops/sparseConv2d';
import { sparseMaxPool2dBackward as cpuSparsePoolBackward, sparseMaxPool2dForward as cpuSparsePoolForward } from '../../../engine/ops/sparseMaxPool2d';
import { Adam, Sgd } from '../../../engine/optim/optimizer';
import { weightPattern } from '../../../engine/sparse/weightPattern';
import { Tensor } from '../../../engine/tensor/tensor';
import { randomTensor, relativeError, sparseConvCase as convCase, sparseConvSetup as convSetup } from '../helpers';
import { testGpu } from './testGpu';

const TOLERANCE = 1e-4;
let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

const up = (t: Tensor) => gpu.tensor(t.shape, t.data);
const down = (t: GpuTensor) => gpu.readFloats(t);
const downInts = async (t: GpuTensor) => (await gpu.read(t)) as Int32Array;

async function expectClose(actual: GpuTensor, expected: Tensor | Float32Array, what: string) {
  const values = await down(actual);
  expect(relativeError(values, expected instanceof Tensor ? expected.data : expected), what).toBeLessThan(TOLERANCE);
}

describe('WGSL kernels equal the CPU engine', () => {
  it('dense conv2d: forward, ∂x, ∂w, ∂b', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        const { x, w, b, opts } = convSetup(c);
        const [gx, gw, gb] = [up(x), up(w), up(b)];
        const y = conv2dForward(x, w, b, opts);
        await expectClose(gpuConv.conv2dForward(gpu, gx, gw, gb, opts), y, 'y');
        const dy = randomTensor([...y.shape], c.seed + 3);
        const cpu = conv2dBackward(x, w, dy, opts, true);
        const grads = gpuConv.conv2dBackward(gpu, gx, gw, up(dy), opts, true);
        await expectClose(grads.dx!, cpu.dx!, 'dx');
        await expectClose(grads.dw, cpu.dw, 'dw');
        await expectClose(grads.db, cpu.db, 'db');
      }),
      { numRuns: 25 },
    );
  });

  it('sparse conv2d (gather through the compacted weights): forward and gradients, regular and submanifold', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, fc.boolean(), async (c, submanifold) => {
        const { x, w, b, opts } = convSetup(c);
        const mode = submanifold ? 'submanifold' : 'regular';
        // Submanifold needs stride 1 and "same" padding: an odd kernel with padding (k − 1)/2.
        const o = submanifold ? { stride: 1, padding: (2 * Math.floor(c.kernel / 2) + 1 - 1) / 2 } : opts;
        const wk = submanifold
          ? randomTensor([c.outChannels, c.inChannels, 2 * Math.floor(c.kernel / 2) + 1, 2 * Math.floor(c.kernel / 2) + 1], c.seed + 1, c.weightZeros)
          : w;
        const cw = gpuConv.uploadPattern(gpu, weightPattern(wk.shape, wk.data));
        const [gx, gw, gb] = [up(x), up(wk), up(b)];
        const cpu = cpuSparseForward(x, wk, b, o, mode);
        await expectClose(gpuConv.sparseConv2dForward(gpu, gx, gw, cw, gb, o, mode), cpu.y, 'y');
        const dy = randomTensor([...cpu.y.shape], c.seed + 3);
        // The CPU's weight-sparse kernel computes the full ∂x (exact for any input), as the gather does;
        // in submanifold mode the Cartesian kernel is the only CPU one, and ∂x is compared at nonzero inputs.
        const ref = submanifold ? cpuSparseBackward(x, wk, dy, o, mode) : cpuSparseBackward(x, wk, dy, o, mode, true, undefined, 'weightSparse');
        const grads = gpuConv.sparseConv2dBackward(gpu, gx, gw, cw, up(dy), o, mode, true);
        const dx = await down(grads.dx!);
        if (submanifold) for (let i = 0; i < x.size; i++) if (x.data[i] === 0) dx[i] = 0;
        expect(relativeError(dx, ref.dx!.data), 'dx').toBeLessThan(TOLERANCE);
        await expectClose(grads.dw, ref.dw, 'dw');
        await expectClose(grads.db, ref.db, 'db');
        gpuConv.destroyCompressed(cw);
      }),
      { numRuns: 25 },
    );
  });

  it('max-pool, dense and sparse, with ties and empty windows; backward routes to the winner', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }),
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 2, max: 9 }),
          w: fc.integer({ min: 2, max: 9 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        async ({ n, c, h, w, k, s, seed }) => {
          fc.pre(h >= k && w >= k);
          // Few distinct values (ties) and ReLU zeros (empty windows).
          const x = randomTensor([n, c, h, w], seed, 0.5);
          for (let i = 0; i < x.size; i++) x.data[i] = Math.max(0, Math.round(x.data[i] * 2) / 2);
          const opts = { kernelSize: k, stride: s };
          for (const sparse of [false, true]) {
            const cpu = sparse ? cpuSparsePoolForward(x, opts) : cpuPoolForward(x, opts);
            const out = maxPool2dForward(gpu, up(x), opts, sparse);
            await expectClose(out.y, cpu.y, 'y');
            expect(Array.from(await downInts(out.argmax))).toEqual(Array.from(cpu.argmax));
            const dy = randomTensor([...cpu.y.shape], seed + 1);
            const dx = sparse ? cpuSparsePoolBackward(x.shape, cpu.argmax, dy) : cpuPoolBackward(x.shape, cpu.argmax, dy);
            await expectClose(maxPool2dBackward(gpu, x.shape, out.argmax, up(dy), opts), dx, 'dx');
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('relu, linear and softmax cross-entropy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (batch, inF, outF, seed) => {
          const x = randomTensor([batch, inF], seed, 0.3);
          await expectClose(reluForward(gpu, up(x)), cpuReluForward(x), 'relu');
          const dy0 = randomTensor([batch, inF], seed + 9);
          await expectClose(reluBackward(gpu, up(x), up(dy0)), cpuReluBackward(x, dy0), 'relu backward');

          const w = randomTensor([outF, inF], seed + 1);
          const b = randomTensor([outF], seed + 2);
          const y = cpuLinearForward(x, w, b);
          await expectClose(linearForward(gpu, up(x), up(w), up(b)), y, 'linear');
          const dy = randomTensor([batch, outF], seed + 3);
          const cpu = cpuLinearBackward(x, w, dy, true);
          const grads = linearBackward(gpu, up(x), up(w), up(dy), true);
          await expectClose(grads.dx!, cpu.dx!, 'linear dx');
          await expectClose(grads.dw, cpu.dw, 'linear dw');
          await expectClose(grads.db, cpu.db, 'linear db');

          const labels = Int32Array.from({ length: batch }, (_, i) => (seed + 7 * i) % outF);
          const ce = cpuSoftmaxCrossEntropy(y, labels);
          const g = softmaxCrossEntropy(gpu, up(y), gpu.tensor([batch], labels));
          await expectClose(g.probs, ce.probs, 'probs');
          await expectClose(g.dlogits, ce.dlogits, 'dlogits');
          const [loss, correct] = await down(g.totals);
          expect(Math.abs(loss - ce.loss) / Math.max(1, ce.loss)).toBeLessThan(TOLERANCE);
          expect(correct).toBe(ce.correct);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('SGD and Adam updates with weight decay, and masks that keep pruned weights and state at zero', async () => {
    const size = 1000;
    const w0 = randomTensor([size], 1);
    const mask = Float32Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 0 : 1));
    for (const kind of ['sgd', 'adam'] as const) {
      const param: Param = { name: 'w', value: new Tensor([size], w0.data.slice()), grad: new Tensor([size]) };
      const cpu = kind === 'sgd' ? new Sgd(0.05, 0.9, 1e-3) : new Adam(0.01, 0.9, 0.999, 1e-8, 1e-3);
      for (let i = 0; i < size; i++) param.value.data[i] *= mask[i]; // pruned once, as the trainer does
      const gw = up(param.value);
      const gMask = gpu.tensor([size], mask);
      const state = [gpu.tensor([size]), gpu.tensor([size])];
      for (let t = 1; t <= 5; t++) {
        // Only the gradients are masked from then on: the update itself must keep pruned weights at 0.
        const g = randomTensor([size], 100 + t);
        for (let i = 0; i < size; i++) param.grad.data[i] = g.data[i] * mask[i];
        cpu.step([param]);
        const gg = up(g);
        applyMask(gpu, gg, gMask);
        if (kind === 'sgd') sgdUpdate(gpu, gw, gg, state[0], { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 });
        else adamUpdate(gpu, gw, gg, state[0], state[1], { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3, t });
      }
      await expectClose(gw, param.value, `${kind} weights`);
      const values = await down(gw);
      for (let i = 0; i < size; i += 3) expect(values[i] === 0, `pruned weight ${i}`).toBe(true);
      for (const st of state) for (let i = 0; i < size; i += 3) expect((await down(st))[i] === 0).toBe(true);
    }
  });

  it('times GPU work with timestamp queries, within the wall time around it', async () => {
    expect(gpu.hasTimestamps).toBe(true); // SwiftShader offers 'timestamp-query'
    const x = up(randomTensor([8, 16, 16, 16], 1));
    const w = up(randomTensor([32, 16, 3, 3], 2));
    const b = up(randomTensor([32], 3));
    const wall = performance.now();
    const timed = await gpu.measure(() => gpuConv.conv2dForward(gpu, x, w, b, { stride: 1, padding: 1 }));
    const wallMs = performance.now() - wall;
    expect(timed.source).toBe('timestamps');
    expect(timed.ms).toBeGreaterThan(0);
    expect(timed.ms).toBeLessThanOrEqual(wallMs);
  });
});
