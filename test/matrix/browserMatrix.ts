/**
 * The test matrix in a page (bundled by test/e2e/backendMatrix.spec.ts): every check of backendChecks.ts on
 * the pure-TS backend, on WebAssembly SIMD as this browser compiles it, and on this browser's WebGPU. `window.runBackendChecks` resolves with one result per
 * check and backend — it never throws, so one failure does not hide the others.
 */
import type { Backend } from '../../engine/backend/backend';
import { cpuBackend } from '../../engine/backend/cpu/cpuBackend';
import { WasmBackend } from '../../engine/backend/wasm/wasmBackend';
import { requestGpu } from '../../engine/backend/webgpu/device';
import { WebGpuBackend } from '../../engine/backend/webgpu/webgpuBackend';
import { BACKEND_CHECKS } from './backendChecks';

export interface CheckResult {
  backend: string;
  check: string;
  ms: number;
  error: string | null;
}

/** Every backend a page has. A new backend is one more line here. */
const BACKENDS: { name: string; create: () => Promise<Backend> }[] = [
  { name: 'cpu', create: async () => cpuBackend as unknown as Backend },
  {
    name: 'wasm',
    create: async () => (await WasmBackend.create(new Uint8Array(await (await fetch('kernels.wasm')).arrayBuffer()))) as unknown as Backend,
  },
  {
    name: 'webgpu',
    create: async () => {
      const found = await requestGpu(navigator.gpu);
      if (!found.ok) throw new Error(found.reason);
      return new WebGpuBackend(found.gpu) as unknown as Backend;
    },
  },
];

declare global {
  interface Window {
    runBackendChecks: (onResult: (r: CheckResult) => void) => Promise<CheckResult[]>;
  }
}

window.runBackendChecks = async (onResult) => {
  const results: CheckResult[] = [];
  for (const { name, create } of BACKENDS) {
    let backend: Backend | null = null;
    let missing: string | null = null;
    try {
      backend = await create();
    } catch (error) {
      missing = `no ${name} backend: ${(error as Error).message}`;
    }
    for (const check of BACKEND_CHECKS) {
      const started = performance.now();
      let error = missing;
      if (backend) {
        try {
          await check.run(backend);
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const result = { backend: name, check: check.name, ms: performance.now() - started, error };
      results.push(result);
      onResult(result);
    }
  }
  return results;
};
