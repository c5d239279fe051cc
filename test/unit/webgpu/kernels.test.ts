/**
 * The WGSL kernels' own variants, beyond the Backend interface that backendMatrix.test.ts runs on every
 * backend: the submanifold sparse convolution, max-pool ties and empty windows, and timestamp timing —
 * against the CPU engine (itself checked against float64 references), through a real WebGPU device (Dawn on
 * SwiftShader).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as gpuConv from '../../../engine/backend/webgpu/conv2d';
import { Gpu, GpuTensor } from '../../../engine/backend/webgpu/gpu';
import { maxPool2dBackward, maxPool2dForward } from '../../../engine/backend/webgpu/maxPool2d';
import { maxPool2dBackward as cpuPoolBackward, maxPool2dForward as cpuPoolForward } from '../../../engine/ops/maxPool2d';
import { sparseConv2dBackward as cpuSparseBackward, sparseConv2dForward as cpuSparseForward } from '../../../engine/ops/sparseConv2d';
import { sparseMaxPool2dBackward as cpuSparsePoolBackward, sparseMaxPool2dForward as cpuSparsePoolForward } from '../../../engine/ops/sparseMaxPool2d';
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
