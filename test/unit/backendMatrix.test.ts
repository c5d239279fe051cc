/**
 * The test matrix in Node: every check of test/matrix/backendChecks.ts on every backend Node has — the
 * CPU, WebAssembly SIMD, and WGSL on a real WebGPU device (Dawn on SwiftShader). Chromium runs the same checks on its own
 * WebGPU (test/e2e/backendMatrix.spec.ts).
 */
import { describe, it } from 'vitest';
import type { Backend } from '../../engine/backend/backend';
import { cpuBackend } from '../../engine/backend/cpu/cpuBackend';
import { WebGpuBackend } from '../../engine/backend/webgpu/webgpuBackend';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';
import { BACKEND_CHECKS } from '../matrix/backendChecks';
import { testGpu } from './webgpu/testGpu';

/** Every backend: a name and how to get one. A new backend is one more line here. */
const BACKENDS: { name: string; create: () => Promise<Backend> }[] = [
  { name: 'cpu', create: async () => cpuBackend as unknown as Backend },
  { name: 'wasm', create: async () => (await createWasmBackend()) as unknown as Backend },
  { name: 'webgpu', create: async () => new WebGpuBackend(await testGpu()) as unknown as Backend },
];

describe.each(BACKENDS)('the $name backend', ({ create }) => {
  it.each(BACKEND_CHECKS)('$name', async (check) => check.run(await create()), 120_000);
});
