/**
 * The WebAssembly SIMD kernels against the float64 references: the GEMM on shapes that are and are not
 * multiples of its 4 × 8 tile, and the dense convolution forward on random convolutions.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmKernels } from '../../engine/backend/wasm/kernels';
import { gemmReference } from '../../engine/linalg/gemm';
import { loadWasmKernels } from '../../scripts/lib/wasmKernels';
import { conv2dForwardReference } from '../../engine/ops/conv2d';
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

describe('wasm SIMD dense convolution forward', () => {
  it('equals the float64 reference (random shapes, stride 2, padding, 1×1)', async () => {
    fc.assert(
      fc.property(sparseConvCase, (c) => {
        const { x, w, b, opts } = sparseConvSetup(c);
        expect(relativeError(kernels.conv2dForward(x, w, b, opts).data, conv2dForwardReference(x, w, b, opts).data)).toBeLessThan(1e-5);
      }),
      { numRuns: 60 },
    );
  });
});
