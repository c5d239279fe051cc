/**
 * The WebAssembly SIMD kernels against the float64 references: the GEMM on shapes that are and are not
 * multiples of its 4 × 8 tile, and the dense convolution, forward and backward, on random convolutions.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmKernels } from '../../engine/backend/wasm/kernels';
import { gemmReference } from '../../engine/linalg/gemm';
import { loadWasmKernels } from '../../scripts/lib/wasmKernels';
import { conv2dBackwardReference, conv2dForwardReference } from '../../engine/ops/conv2d';
import { randomTensor, relativeError, sparseConvCase, sparseConvSetup } from './helpers';

let kernels: WasmKernels;
beforeAll(async () => {
  kernels = await loadWasmKernels();
});

describe('wasm SIMD GEMM', () => {
  it('equals the reference on random shapes (edges of the 4 × 8 tile included)', async () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1e6 }),
        (m, n, k, seed) => {
          const a = randomTensor([m, k], seed).data;
          const b = randomTensor([k, n], seed + 1).data;
          const expected = new Float32Array(m * n);
          gemmReference({ m, n, k, a, b, c: expected });
          expect(relativeError(kernels.gemm(a, b, m, n, k), expected)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('handles conv2’s shape (64 × 288 · 288 × 2048) and refuses operands of the wrong size', async () => {
    const [m, k, n] = [64, 288, 2048];
    const a = randomTensor([m, k], 1).data;
    const b = randomTensor([k, n], 2).data;
    const expected = new Float32Array(m * n);
    gemmReference({ m, n, k, a, b, c: expected });
    expect(relativeError(kernels.gemm(a, b, m, n, k), expected)).toBeLessThan(1e-5);
    expect(() => kernels.gemm(a, b, m, n, k + 1)).toThrow('gemm: operands of 18432 and 589824 values do not make 64×289 · 289×2048');
  });
});

describe('wasm SIMD dense convolution', () => {
  it('equals the float64 reference (random shapes, stride 2, padding, 1×1)', async () => {
    fc.assert(
      fc.property(sparseConvCase, (c) => {
        const { x, w, b, opts } = sparseConvSetup(c);
        expect(relativeError(kernels.conv2dForward(x, w, b, opts).data, conv2dForwardReference(x, w, b, opts).data)).toBeLessThan(1e-5);
      }),
      { numRuns: 60 },
    );
  });

  it('backward: ∂x, ∂w, ∂b equal the float64 reference (random shapes), and ∂x is skipped when not asked for', async () => {
    fc.assert(
      fc.property(sparseConvCase, (c) => {
        const { x, w, opts } = sparseConvSetup(c);
        const y = conv2dForwardReference(x, w, null, opts);
        const dy = randomTensor(y.shape, c.seed + 3);
        const ref = conv2dBackwardReference(x, w, dy, opts);
        const grads = kernels.conv2dBackward(x, w, dy, opts, true);
        expect(relativeError(grads.dx!.data, ref.dx), 'dx').toBeLessThan(1e-5);
        expect(relativeError(grads.dw.data, ref.dw), 'dw').toBeLessThan(1e-5);
        expect(relativeError(grads.db.data, ref.db), 'db').toBeLessThan(1e-5);
        const noDx = kernels.conv2dBackward(x, w, dy, opts, false);
        expect(noDx.dx).toBeNull();
        expect(relativeError(noDx.dw.data, ref.dw)).toBeLessThan(1e-5);
      }),
      { numRuns: 60 },
    );
  });
});
